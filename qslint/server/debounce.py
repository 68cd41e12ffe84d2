"""Run the last of a burst of calls once it has been quiet for a while."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


# ``call_later(delay, callback)``, as asyncio's loop has it: what schedules the calls.
Scheduler = Callable[[float, Callable[[], None]], Cancellable]


class Debouncer:
    """Per key, only the last call scheduled within ``delay`` seconds runs.

    The scheduler is given, not taken from a clock: the server passes its event loop's
    ``call_later``, a test one that it fires itself.
    """

    def __init__(self, schedule: Scheduler, delay: float) -> None:
        self._schedule = schedule
        self.delay = delay
        self._pending: dict[Hashable, Cancellable] = {}

    def call(self, key: Hashable, callback: Callable[[], None], delay: float | None = None) -> None:
        """Run ``callback`` after ``delay`` (the debouncer's by default), instead of any call
        for ``key`` not yet run."""
        self.cancel(key)

        def run() -> None:
            self._pending.pop(key, None)
            callback()

        self._pending[key] = self._schedule(self.delay if delay is None else delay, run)

    def pending(self, key: Hashable) -> bool:
        """Whether a call for ``key`` waits to run."""
        return key in self._pending

    def cancel(self, key: Hashable) -> None:
        """Drop the call for ``key`` that has not run yet, if any."""
        pending = self._pending.pop(key, None)
        if pending is not None:
            pending.cancel()

"""The time a run measures and waits on, passed in so that tests can run it faster.

Everything that paces, polls or backs off (the rate limiter, the scheduler, the emulator's
job life cycle) reads and waits through one :class:`Clock`; none calls ``time`` itself.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Real, monotonic time in seconds."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``event`` is set; whether it was."""
        return event.wait(max(0.0, seconds))

    def wait_on(self, condition: threading.Condition, seconds: float) -> None:
        """Wait on ``condition`` (held by the caller) for at most ``seconds``."""
        condition.wait(max(0.0, seconds))

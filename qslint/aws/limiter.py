"""At most N calls in any second, across threads: QuickSight's documented request rate."""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_REQUESTS_PER_SECOND = 10  # QuickSight's documented limit, shared by every caller
# The service counts a call when it arrives, the limiter just before it leaves; the margin
# keeps a late first call and an early eleventh more than one second apart at the service.
SEND_MARGIN = 0.2


class Stopped(Exception):
    """The run was interrupted while a call waited for its turn."""


class RateLimiter:
    """At most ``calls`` calls in any ``period`` seconds (a sliding window), across threads."""

    def __init__(
        self,
        calls: int = MAX_REQUESTS_PER_SECOND,
        period: float = 1.0 + SEND_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._calls = calls
        self._period = period
        self._clock = clock
        self._sent: deque[float] = deque()
        self._turn = threading.Condition()

    def acquire(self, stop: threading.Event | None = None) -> None:
        """Wait for a free place in the window, then take it (or raise :class:`Stopped`)."""
        with self._turn:
            while True:
                if stop is not None and stop.is_set():
                    raise Stopped
                now = self._clock()
                while self._sent and now - self._sent[0] >= self._period:
                    self._sent.popleft()
                if len(self._sent) < self._calls:
                    self._sent.append(now)
                    return
                self._turn.wait(self._sent[0] + self._period - now)


@functools.cache
def shared_limiter() -> RateLimiter:
    """The process's one limiter at the documented rate, for callers that do not set their own:
    every client a run makes (one per region) counts against it together."""
    return RateLimiter()

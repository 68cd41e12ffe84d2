"""At most N calls in any second, across threads: QuickSight's documented request rate.

A call is sent at some moment between the grant of its place and the end of its answer (a
thread can be descheduled anywhere in between), and the service counts it at some moment in
that interval too. So a place is held from the grant until one period after the answer: then
no window of one period, wherever it falls and whichever moment counts, holds more than N
calls, however late the threads run.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from qslint.clock import Clock

MAX_REQUESTS_PER_SECOND = 10  # QuickSight's documented limit, shared by every caller


class Stopped(Exception):
    """The run was interrupted while a call waited for its turn."""


class RateLimiter:
    """At most ``calls`` calls in any ``period`` seconds (a sliding window), across threads."""

    def __init__(
        self, calls: int = MAX_REQUESTS_PER_SECOND, period: float = 1.0, clock: Clock | None = None
    ) -> None:
        self._calls = calls
        self._period = period
        self._clock = clock or Clock()
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when each answer ended, oldest first
        self._stopped = False
        self._turn = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a place in the window for one call: ``with limiter.slot(): call()``."""
        self._acquire()
        try:
            yield
        finally:
            with self._turn:
                self._in_flight -= 1
                self._answered.append(self._clock.now())
                self._turn.notify_all()

    def stop(self) -> None:
        """Make every waiting and later :meth:`slot` raise :class:`Stopped`."""
        with self._turn:
            self._stopped = True
            self._turn.notify_all()

    def _acquire(self) -> None:
        with self._turn:
            while True:
                if self._stopped:
                    raise Stopped
                now = self._clock.now()
                while self._answered and now - self._answered[0] > self._period:
                    self._answered.popleft()
                if self._in_flight + len(self._answered) < self._calls:
                    self._in_flight += 1
                    return
                if self._answered:
                    self._clock.wait_on(self._turn, self._answered[0] + self._period - now)
                else:
                    self._turn.wait()  # every place is in flight: an answer frees one


@functools.cache
def shared_limiter(clock: Clock | None = None) -> RateLimiter:
    """The process's one limiter at the documented rate on ``clock``, for callers that do not
    set their own: every client a run makes (one per region) counts against it together."""
    return RateLimiter(clock=clock)

"""At most N calls in any second, across threads: QuickSight's documented request rate.

A call is sent at some moment between the grant of its place and the end of its answer (a
thread can be descheduled anywhere in between), and the service counts it at some moment in
that interval too. So a place is held from the grant until one period after the answer: then
no window of one period, wherever it falls and whichever moment counts, holds more than N
calls, however late the threads run.

A call whose answer never came (its read timed out) may still be at the service, which
counts it when it gets to it. A server that has not answered within the read timeout is
taken to be done with the call within the same time again and one second more: the call
counts as in flight until then, and holds its place one period after that.
"""

from __future__ import annotations

import functools
import heapq
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from qslint.aws.client import READ_TIMEOUT
from qslint.aws.errors import ServiceFailure
from qslint.clock import Clock

MAX_REQUESTS_PER_SECOND = 10  # QuickSight's documented limit, shared by every caller
SERVER_GRACE = 1.0  # seconds a server may take, past the read timeout, to let a call go


class Stopped(Exception):
    """The run was interrupted while a call waited for its turn."""


class RateLimiter:
    """At most ``calls`` calls in any ``period`` seconds (a sliding window), across threads."""

    def __init__(
        self,
        calls: int = MAX_REQUESTS_PER_SECOND,
        period: float = 1.0,
        clock: Clock | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._calls = calls
        self._period = period
        self._clock = clock or Clock()
        self._unanswered = read_timeout + SERVER_GRACE  # see the module's documentation
        self._in_flight = 0
        self._frees: list[float] = []  # a heap: when each place of an ended call frees
        self._stopped = False
        self._turn = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a place in the window for one call: ``with limiter.slot(): call()``."""
        self._acquire()
        still_counted = 0.0  # how long the service may count the call after it ended here
        try:
            yield
        except ServiceFailure as failure:
            if failure.unanswered:
                still_counted = self._unanswered
            raise
        finally:
            with self._turn:
                self._in_flight -= 1
                frees = self._clock.now() + still_counted + self._period
                heapq.heappush(self._frees, frees)
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
                while self._frees and self._frees[0] < now:
                    heapq.heappop(self._frees)
                if self._in_flight + len(self._frees) < self._calls:
                    self._in_flight += 1
                    return
                if self._frees:
                    self._clock.wait_on(self._turn, self._frees[0] - now)
                else:
                    self._turn.wait()  # every place is in flight: an answer frees one


@functools.cache
def shared_limiter(clock: Clock | None = None) -> RateLimiter:
    """The process's one limiter at the documented rate on ``clock``, for callers that do not
    set their own: every client a run makes (one per region) counts against it together."""
    return RateLimiter(clock=clock)

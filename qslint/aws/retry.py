"""How a call that failed is tried again: when, how often, and after how long a wait.

Throttles (``ThrottlingException``, ``LimitExceededException``) and transient failures (a
lost answer, a timeout, a 5xx, an answer that makes no sense) are retried after a backoff
with full jitter, each try through the rate limiter; anything else is the caller's at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from qslint.aws.errors import THROTTLES, ServiceFailure, call_service
from qslint.aws.limiter import RateLimiter
from qslint.clock import Clock

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: float = 0.5
    max_delay: float = 20.0
    throttle_retries: int = 10  # ThrottlingException
    transient_retries: int = 5  # a lost answer, a timeout, a 5xx, an unreadable answer
    slot_wait: float = 3600.0  # seconds a start waits for a free slot (LimitExceeded)

    def delay(self, retry: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**retry))."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**retry))


@dataclass
class RetryingCaller:
    """Makes read calls that may be repeated at will (describes), through ``limiter``."""

    limiter: RateLimiter
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rng: random.Random = field(default_factory=random.Random)

    def call(self, operation: Callable[[], T]) -> T:
        """``operation()``'s answer, or the :class:`ServiceFailure` it still fails with once
        its retries are spent."""
        throttled = transient = 0
        while True:
            try:
                with self.limiter.slot():
                    return call_service(operation)
            except ServiceFailure as failure:
                if failure.code in THROTTLES and throttled < self.policy.throttle_retries:
                    throttled += 1
                    retry = throttled
                elif failure.transient and transient < self.policy.transient_retries:
                    transient += 1
                    retry = transient
                else:
                    raise
            self.clock.sleep(self.policy.delay(retry, self.rng))

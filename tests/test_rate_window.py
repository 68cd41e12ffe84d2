"""The rate window holds when answers are slow: a call the client gave up on still counts.

The emulator answers some calls late and counts each call when it answers it; apply gives
up on an answer after ``--read-timeout``. A call without an answer counts as in flight until
the server can no longer be counting it (its read timeout plus one second), so no second at
the endpoint holds more than ``--max-rps`` calls. Before, a call that timed out freed its
place one second later while the emulator counted it two seconds after that: 6 or 7 calls
in one second at ``--max-rps 5``.

The clock runs at real speed here: the read timeout is boto3's, in real seconds, and must
stay shorter than the emulator's delay, in the clock's. Twelve jobs polled every second
keep more calls waiting than the window lets through.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from applying import REGION, apply_args, qslint_on, submitted_names, write_jobs
from clocks import FastClock

from qslint.aws.errors import CONNECTION_ERROR, ServiceFailure
from qslint.aws.limiter import RateLimiter
from qslint.clock import Clock
from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, Settings

JOBS = 12
MAX_RPS = 5
SLOW = Faults(slow_rate=0.3, slow_seconds=3.0, seed=3, operations=frozenset())


def test_no_second_at_the_endpoint_holds_more_than_max_rps_calls_when_answers_are_slow(
    aws_workspace,
):
    clock = FastClock(speed=1.0)
    names = write_jobs(aws_workspace / "jobs", JOBS)
    settings = Settings(queued_seconds=0.2, running_seconds=2.0, region=REGION, faults=SLOW)
    with Emulator(settings, clock=clock) as emulator:
        args = apply_args(emulator, "jobs", "--read-timeout", "1")
        result = qslint_on(clock, *args, "--max-rps", str(MAX_RPS))
    calls = emulator.service.calls()
    print(f"{len(calls)} calls, at most {emulator.service.max_calls_per_second()} in a second")
    assert result.exit_code in (0, 1), result.output
    assert "Read timeout" in result.output  # answers came too late for the client
    assert emulator.service.max_calls_per_second() <= MAX_RPS
    assert set(submitted_names(emulator)) <= set(names)
    assert max(Counter(submitted_names(emulator)).values()) == 1  # and never a job twice


class SteppingClock(Clock):
    """Time that passes only when something waits: each wait moves it on by that long."""

    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def wait_on(self, condition: threading.Condition, seconds: float) -> None:
        self.time += seconds + 0.001


def _held_for(failure: Exception | None) -> float:
    """How long one place stays taken after a call that ends at 0 with ``failure``."""
    clock = SteppingClock()
    limiter = RateLimiter(1, clock=clock, read_timeout=2.0)
    try:
        with limiter.slot():
            if failure is not None:
                raise failure
    except ServiceFailure:
        pass
    with limiter.slot():
        return clock.now()


def test_a_call_without_an_answer_holds_its_place_for_the_read_timeout_and_a_second_more():
    answered = _held_for(None)
    refused = _held_for(ServiceFailure("ThrottlingException", "slow down", 429))
    timed_out = ServiceFailure(CONNECTION_ERROR, "Read timeout on endpoint URL", unanswered=True)
    assert answered == refused == pytest.approx(1.0, abs=0.01)  # one period after its answer
    assert _held_for(timed_out) == pytest.approx(2.0 + 1.0 + 1.0, abs=0.01)

"""One job's way through the service: started or found, followed to its end, with retries.

- A job is started under the id of its current attempt. ``ResourceExistsException`` means
  a run of the same deployment started it already: it is followed, once a description shows
  the same definition (anything else under that id is a conflict, reported, never followed).
- A start whose outcome is unknown (a lost answer, a timeout, a 5xx, an answer that makes no
  sense) is resolved by describing the id: found, it is followed; unknown to the service, it
  is started again under the same id. When even that cannot be learnt within the attempts,
  the job is ``unknown``, journaled as possibly started: the next run resolves it.
- An attempt found failed, that this run did not start, is followed by the next attempt: a
  failed export is retried by a later run, a completed one never is: it is reported as
  already exported, with its result.
- ``ThrottlingException`` is retried with exponential backoff and full jitter;
  ``LimitExceededException`` on a start waits for a free slot (up to ``slot_wait``); every
  other call that fails transiently is retried a bounded number of times.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from qslint.apply.identity import JobIdFor
from qslint.apply.journal import JobState, Journal
from qslint.apply.outcome import Observer, Outcome, Phase, Retry
from qslint.apply.plan import DEFAULT_CONCURRENCY, PlannedJob
from qslint.aws.errors import LIMIT_EXCEEDED, NOT_FOUND, RESOURCE_EXISTS, THROTTLES, ServiceFailure
from qslint.aws.limiter import RateLimiter, Stopped
from qslint.aws.retry import RetryPolicy
from qslint.clock import Clock

T = TypeVar("T")

ENDED_STATUSES = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class JobResult:
    files: tuple[str, ...] = ()  # S3 URIs (sensitive)
    error: str | None = None


@dataclass(frozen=True)
class Description:
    """What DescribeDashboardSnapshotJob says of a job."""

    status: str
    same_definition: bool  # whether it shows the definition the run would submit


class SnapshotService(Protocol):
    def start(self, job: PlannedJob, job_id: str) -> None: ...

    def describe(self, job: PlannedJob, job_id: str) -> Description | None:
        """The job's description; None when the service does not know the id."""

    def result(self, job: PlannedJob, job_id: str) -> JobResult: ...


@dataclass(frozen=True)
class Limits:
    max_rps: int = 10
    max_concurrent: int = DEFAULT_CONCURRENCY
    poll_interval: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Unresolved(Exception):
    """The attempts ran out before the service said whether it has the job."""

    def __init__(self, failure: ServiceFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


@dataclass
class Caller:
    """Makes one call at a time for a job: through the rate limiter, retried as its failure
    deserves, every retry told to the observer."""

    limiter: RateLimiter
    policy: RetryPolicy
    clock: Clock
    stop: threading.Event
    observer: Observer
    rng: random.Random

    def call(
        self,
        outcome: Outcome,
        operation: Callable[[], T],
        *,
        transient_retries: int = 0,
        slot_wait: float = 0.0,
        slot_poll: float = 0.0,
    ) -> T:
        """``operation()``: throttles retried, and transient failures up to
        ``transient_retries`` times; ``LimitExceededException`` waits for a free slot for
        up to ``slot_wait`` seconds, asking again at least every ``slot_poll`` seconds."""
        throttled = transient = slot_waits = 0
        waiting_since: float | None = None
        while True:
            try:
                with self.limiter.slot():
                    return operation()
            except ServiceFailure as failure:
                if failure.code == LIMIT_EXCEEDED and slot_wait:
                    waiting_since = self.clock.now() if waiting_since is None else waiting_since
                    if self.clock.now() - waiting_since >= slot_wait:
                        raise
                    slot_waits += 1
                    self.back_off(outcome, failure, slot_waits, None, most=slot_poll)
                elif failure.code in THROTTLES and throttled < self.policy.throttle_retries:
                    throttled += 1
                    self.back_off(outcome, failure, throttled, self.policy.throttle_retries)
                elif failure.transient and transient < transient_retries:
                    transient += 1
                    self.back_off(outcome, failure, transient, transient_retries)
                else:
                    raise

    def back_off(
        self,
        outcome: Outcome,
        failure: ServiceFailure,
        retry: int,
        limit: int | None,
        most: float | None = None,
    ) -> None:
        """Tell the observer, then wait before retry number ``retry`` (of ``limit``; None:
        for as long as a slot is waited for), at ``most`` so many seconds."""
        wait = self.policy.delay(retry, self.rng)
        wait = wait if most is None else min(wait, most)
        outcome.retries += 1
        self.observer.retrying(outcome, Retry(str(failure), retry, limit, wait))
        if self.clock.wait(self.stop, wait):
            raise Stopped


@dataclass
class JobLifecycle:
    service: SnapshotService
    journal: Journal
    caller: Caller
    limits: Limits
    job_id_for: JobIdFor
    wait: bool  # False: --no-wait

    def run(self, outcome: Outcome, others_waiting: Callable[[], bool]) -> None:
        """Take the job to its end (or, without wait, as far as its lane is not needed);
        ``outcome`` says how far it got."""
        entry = self.journal.entry(outcome.job)
        try:
            found, started_here = self._current_attempt(
                outcome, entry.attempt, probe=entry.state.may_exist
            )
            if found is not None and found.status == "COMPLETED" and not started_here:
                self._finish(outcome, "COMPLETED", Phase.ALREADY_EXPORTED)
            else:
                self._follow(outcome, found, others_waiting)
        except Unresolved as unresolved:
            reason = unresolved.failure.message.rstrip(".")
            outcome.error = (
                f"{reason}; the service may have started it: running apply again finds out"
            )
            self._enter(outcome, Phase.UNKNOWN)
        except ServiceFailure as failure:
            outcome.error = failure.message
            if not outcome.submitted:
                self._record(outcome, JobState.ERROR)
            self._enter(outcome, Phase.ERROR)
        except Stopped:
            self._enter(outcome, Phase.INTERRUPTED)

    def _current_attempt(
        self, outcome: Outcome, attempt: int, *, probe: bool
    ) -> tuple[Description | None, bool]:
        """Find or start the job's current attempt: its description when found (None when
        this run started it), and whether this run may have started it. An attempt that
        failed before this run gives way to the next."""
        while True:
            outcome.attempt, outcome.job_id = attempt, self.job_id_for(outcome.job, attempt)
            found, started_here = self._find_or_start(outcome, probe=probe)
            if found is None or found.status != "FAILED" or started_here:
                return found, started_here
            attempt, probe = attempt + 1, False

    def _find_or_start(self, outcome: Outcome, *, probe: bool) -> tuple[Description | None, bool]:
        """The job under ``outcome.job_id`` on the service, and whether this run may have
        started it. With ``probe``, the service is asked first whether it has the job."""
        job, policy = outcome.job, self.limits.retry
        tries, maybe_started = 0, False
        may_exist = probe  # an earlier run may have started it
        while True:
            starting = False
            try:
                if probe:
                    found = self.caller.call(
                        outcome, lambda: self.service.describe(job, outcome.job_id)
                    )
                    if found is not None:
                        if not found.same_definition:
                            raise _conflict(outcome)
                        if found.status in ENDED_STATUSES and not maybe_started:
                            outcome.submitted = True  # by an earlier run: nothing runs now
                        else:
                            self._submitted(outcome)
                        return found, maybe_started
                    probe = False
                self._record(outcome, JobState.SUBMITTING)
                self._enter(outcome, Phase.SUBMITTING)
                starting = True
                self.caller.call(
                    outcome,
                    lambda: self.service.start(job, outcome.job_id),
                    slot_wait=policy.slot_wait,
                    slot_poll=self.limits.poll_interval,
                )
                self._submitted(outcome)
                return None, True
            except ServiceFailure as failure:
                if failure.code != RESOURCE_EXISTS and not failure.transient:
                    raise
                maybe_started = maybe_started or (starting and failure.transient and failure.sent)
                may_exist = may_exist or maybe_started or failure.code == RESOURCE_EXISTS
                probe = True
                tries += 1
                if tries > policy.transient_retries:
                    if not (may_exist or failure.sent):
                        raise _never_reached(failure) from failure
                    raise Unresolved(failure) from failure
                if failure.transient:
                    self.caller.back_off(outcome, failure, tries, policy.transient_retries)

    def _follow(
        self, outcome: Outcome, found: Description | None, others_waiting: Callable[[], bool]
    ) -> None:
        """Poll the job to its end and read its result; without wait, stop as soon as no
        other job of the account waits for this lane."""
        job, retries = outcome.job, self.limits.retry.transient_retries
        status = "QUEUED" if found is None else found.status
        while status not in ENDED_STATUSES:
            if not self.wait and not others_waiting():
                self._enter(outcome, Phase.SUBMITTED)
                return
            if self.caller.clock.wait(self.caller.stop, self.limits.poll_interval):
                raise Stopped
            described = self.caller.call(
                outcome,
                lambda: self.service.describe(job, outcome.job_id),
                transient_retries=retries,
            )
            if described is None:
                raise ServiceFailure(
                    NOT_FOUND,
                    f"the service no longer knows {outcome.job_id}; running apply again "
                    "starts it under the same id",
                )
            status = described.status
        self._finish(outcome, status, Phase.COMPLETED if status == "COMPLETED" else Phase.FAILED)

    def _finish(self, outcome: Outcome, status: str, phase: Phase) -> None:
        """Read the result of a job that ended with ``status``, and enter ``phase``."""
        retries = self.limits.retry.transient_retries
        result = self.caller.call(
            outcome,
            lambda: self.service.result(outcome.job, outcome.job_id),
            transient_retries=retries,
        )
        outcome.until, outcome.files = self.caller.clock.now(), result.files
        outcome.error = result.error
        self._record(outcome, JobState.COMPLETED if status == "COMPLETED" else JobState.FAILED)
        self._enter(outcome, phase)

    def _submitted(self, outcome: Outcome) -> None:
        outcome.submitted, outcome.since = True, self.caller.clock.now()
        self._record(outcome, JobState.SUBMITTED)
        self._enter(outcome, Phase.RUNNING)

    def _record(self, outcome: Outcome, state: JobState) -> None:
        self.journal.record(outcome.job, state, job_id=outcome.job_id, attempt=outcome.attempt)

    def _enter(self, outcome: Outcome, phase: Phase) -> None:
        outcome.phase = phase
        self.caller.observer.changed(outcome)


def _conflict(outcome: Outcome) -> ServiceFailure:
    return ServiceFailure(
        "Conflict",
        f"{outcome.job_id} already exists on dashboard {outcome.job.dashboard} with another "
        "definition; it is not followed (pass another --run-key, or rename the SnapshotJobId)",
    )


def _never_reached(failure: ServiceFailure) -> ServiceFailure:
    """No start reached the service, and no run may have started the job: it does not exist,
    and the endpoint is the suspect."""
    reason = failure.message.rstrip(".")
    return ServiceFailure(
        failure.code,
        f"{reason}; this run submitted nothing: check the endpoint (--endpoint-url, the "
        "network, the credentials' endpoints)",
    )

"""Submitting jobs within QuickSight's documented limits.

- Every request of the run (start, describe, result, and every retry) waits for its turn
  at one :class:`RateLimiter` right before it leaves: at most ``max_rps`` in any second.
- Each account has ``max_concurrent`` lanes; a lane runs one job at a time from submission
  to its end, so at most that many jobs of an account run at once and the next job waits
  for a free lane instead of being refused.
- ``ThrottlingException`` and ``LimitExceededException`` are retried with exponential
  backoff and full jitter; ``InternalFailureException`` and connection errors a bounded
  number of times; anything else is final for that job, which never stops the others.

The scheduler knows nothing of boto3: it drives a :class:`SnapshotService`.
"""

from __future__ import annotations

import enum
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from qslint.apply.journal import JobState, Journal
from qslint.apply.plan import DEFAULT_CONCURRENCY, JobKey, PlannedJob
from qslint.aws.errors import RESOURCE_EXISTS, THROTTLES, TRANSIENT, ServiceFailure
from qslint.aws.limiter import RateLimiter, Stopped

T = TypeVar("T")

ENDED_STATUSES = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class JobResult:
    files: tuple[str, ...] = ()  # S3 URIs (sensitive)
    error: str | None = None


class SnapshotService(Protocol):
    def pace(self, wait_turn: Callable[[], None]) -> None:
        """Call ``wait_turn`` right before each request leaves, retries included."""

    def start(self, job: PlannedJob, job_id: str) -> None: ...

    def status(self, job: PlannedJob, job_id: str) -> str: ...

    def result(self, job: PlannedJob, job_id: str) -> JobResult: ...


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: float = 0.5
    max_delay: float = 20.0
    throttle_retries: int = 10  # ThrottlingException, LimitExceededException
    transient_retries: int = 5  # InternalFailureException, connection errors

    def delay(self, retry: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**retry))."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**retry))


@dataclass(frozen=True)
class Limits:
    max_rps: int = 10
    max_concurrent: int = DEFAULT_CONCURRENCY
    poll_interval: float = 5.0
    retry: RetryPolicy = RetryPolicy()


class Phase(enum.StrEnum):
    WAITING = "waiting"  # for a free lane
    SUBMITTING = "submitting"
    RUNNING = "running"
    SUBMITTED = "submitted"  # --no-wait: submitted, not followed to its end
    COMPLETED = "completed"
    FAILED = "failed"  # the job ran and failed
    ERROR = "error"  # a call failed for good
    INTERRUPTED = "interrupted"


@dataclass
class Outcome:
    job: PlannedJob
    job_id: str
    phase: Phase = Phase.WAITING
    submitted: bool = False
    since: float | None = None  # when this run saw the job submitted (monotonic)
    until: float | None = None  # when this run saw it end
    files: tuple[str, ...] = ()
    error: str | None = None

    @property
    def duration(self) -> float | None:
        if self.since is None or self.until is None:
            return None
        return self.until - self.since

    @property
    def ended(self) -> bool:
        """Whether the job needs nothing more from a later run."""
        if self.phase is Phase.ERROR:
            return not self.submitted
        return self.phase in (Phase.SUBMITTED, Phase.COMPLETED, Phase.FAILED)

    @property
    def succeeded(self) -> bool:
        return self.phase in (Phase.SUBMITTED, Phase.COMPLETED)


Observer = Callable[[Outcome], None]


@dataclass
class Scheduler:
    service: SnapshotService
    journal: Journal
    limits: Limits = Limits()
    wait: bool = True  # False: --no-wait
    observe: Observer = lambda outcome: None
    stop: threading.Event = field(default_factory=threading.Event)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        limiter = RateLimiter(self.limits.max_rps)
        self.service.pace(lambda: limiter.acquire(self.stop))

    def run(self, jobs: Sequence[PlannedJob]) -> list[Outcome]:
        """Run every job to its end (or submission, without wait); outcomes in job order."""
        outcomes: dict[JobKey, Outcome] = {}
        lanes = [
            threading.Thread(target=self._lane, args=(pending, outcomes), name="qslint-lane")
            for pending, count in self._queues(jobs)
            for _ in range(count)
        ]
        for lane in lanes:
            lane.start()
        try:
            for lane in lanes:
                lane.join()
        except KeyboardInterrupt:
            self.stop.set()
            for lane in lanes:
                lane.join()
        return [
            outcomes.get(job.key) or Outcome(job, self.journal.entry(job).job_id, Phase.INTERRUPTED)
            for job in jobs
        ]

    def _queues(
        self, jobs: Sequence[PlannedJob]
    ) -> list[tuple[queue.SimpleQueue[PlannedJob], int]]:
        """One queue per account, with the number of its lanes; jobs an earlier run may have
        started come first, since they may hold the account's slots already."""
        by_account: defaultdict[str, list[PlannedJob]] = defaultdict(list)
        for job in jobs:
            by_account[job.account].append(job)
        queues = []
        for group in by_account.values():
            pending: queue.SimpleQueue[PlannedJob] = queue.SimpleQueue()
            for job in sorted(group, key=lambda j: not self.journal.entry(j).state.may_exist):
                pending.put(job)
            queues.append((pending, min(self.limits.max_concurrent, len(group))))
        return queues

    def _lane(
        self, pending: queue.SimpleQueue[PlannedJob], outcomes: dict[JobKey, Outcome]
    ) -> None:
        while not self.stop.is_set():
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            outcomes[job.key] = self._run_job(job, pending)

    def _run_job(self, job: PlannedJob, pending: queue.SimpleQueue[PlannedJob]) -> Outcome:
        entry = self.journal.entry(job)
        outcome = Outcome(job, entry.job_id)
        resumed = entry.state in (JobState.SUBMITTED, JobState.COMPLETED, JobState.FAILED)
        try:
            if resumed:
                outcome.submitted, outcome.since = True, time.monotonic()
                self._enter(outcome, Phase.RUNNING)
            else:
                self._submit(outcome, uncertain=entry.state is JobState.SUBMITTING)
            self._follow(outcome, pending, resumed=resumed)
        except ServiceFailure as failure:
            outcome.error = failure.message
            if not outcome.submitted:
                self.journal.record(job, JobState.ERROR)
            self._enter(outcome, Phase.ERROR)
        except Stopped:
            self._enter(outcome, Phase.INTERRUPTED)
        return outcome

    def _enter(self, outcome: Outcome, phase: Phase) -> None:
        outcome.phase = phase
        self.observe(outcome)

    def _submit(self, outcome: Outcome, *, uncertain: bool) -> None:
        """Start the job; a start that may have taken effect is proven by the service's
        refusal of the same id, never repeated under another one."""
        job = outcome.job
        self.journal.record(job, JobState.SUBMITTING)
        self._enter(outcome, Phase.SUBMITTING)
        maybe_started = uncertain

        def start() -> None:
            nonlocal maybe_started
            try:
                self.service.start(job, outcome.job_id)
            except ServiceFailure as failure:
                if failure.code == RESOURCE_EXISTS and maybe_started:
                    return
                maybe_started = maybe_started or failure.code in TRANSIENT
                raise

        self._call(start)
        outcome.submitted, outcome.since = True, time.monotonic()
        self.journal.record(job, JobState.SUBMITTED)
        self._enter(outcome, Phase.RUNNING)

    def _follow(
        self, outcome: Outcome, pending: queue.SimpleQueue[PlannedJob], *, resumed: bool
    ) -> None:
        """Poll the job to its end and read its result; without wait, stop as soon as no
        other job of the account waits for this lane."""
        job, job_id = outcome.job, outcome.job_id
        delay = 0.0 if resumed else self.limits.poll_interval
        while True:
            if not self.wait and pending.empty():
                self._enter(outcome, Phase.SUBMITTED)
                return
            if self.stop.wait(delay):
                raise Stopped
            delay = self.limits.poll_interval
            status = self._call(lambda: self.service.status(job, job_id))
            if status in ENDED_STATUSES:
                break
        result = self._call(lambda: self.service.result(job, job_id))
        outcome.until, outcome.files, outcome.error = time.monotonic(), result.files, result.error
        completed = status == "COMPLETED"
        self.journal.record(job, JobState.COMPLETED if completed else JobState.FAILED)
        self._enter(outcome, Phase.COMPLETED if completed else Phase.FAILED)

    def _call(self, operation: Callable[[], T]) -> T:
        """One call (paced by the rate limiter), retried as its failure deserves."""
        policy = self.limits.retry
        throttled = transient = 0
        while True:
            try:
                return operation()
            except ServiceFailure as failure:
                if failure.code in THROTTLES and throttled < policy.throttle_retries:
                    throttled += 1
                    retry = throttled
                elif failure.code in TRANSIENT and transient < policy.transient_retries:
                    transient += 1
                    retry = transient
                else:
                    raise
            if self.stop.wait(policy.delay(retry, self.rng)):
                raise Stopped

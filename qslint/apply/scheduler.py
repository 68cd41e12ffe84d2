"""Running a plan's jobs within QuickSight's documented limits.

- Every call of the run (start, describe, result, and every retry) holds a place at one
  :class:`RateLimiter` while it is made: at most ``max_rps`` in any second.
- Each account has ``max_concurrent`` lanes; a lane runs one job at a time from submission
  to its end, so at most that many jobs of an account run at once and the next job waits
  for a free lane instead of being refused.
- Ctrl-C stops the run within about a second: waits end at once, a lane still in a call is
  left to it, and every job not seen to its end stays journaled for the next run.

What happens to one job is :mod:`qslint.apply.lifecycle`'s; the scheduler knows nothing of
boto3: it drives a :class:`~qslint.apply.lifecycle.SnapshotService`.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from qslint.apply.identity import JobIdFor
from qslint.apply.journal import Journal
from qslint.apply.lifecycle import Caller, JobLifecycle, Limits, SnapshotService
from qslint.apply.outcome import Observer, Outcome, Phase, Retry
from qslint.apply.plan import JobKey, PlannedJob
from qslint.aws.client import READ_TIMEOUT
from qslint.aws.limiter import RateLimiter
from qslint.clock import Clock

# Real seconds an interrupted run waits for lanes still in a call before it reports.
INTERRUPT_GRACE = 1.0
_IN_PROGRESS = (Phase.WAITING, Phase.SUBMITTING, Phase.RUNNING)


class Unobserved:
    """An :class:`~qslint.apply.outcome.Observer` that is told nothing."""

    def changed(self, outcome: Outcome) -> None:
        """Nothing to show."""

    def retrying(self, outcome: Outcome, retry: Retry) -> None:
        """Nothing to show."""


@dataclass(frozen=True)
class Finished:
    outcomes: list[Outcome]  # in the order of the jobs
    interrupted: bool  # by Ctrl-C


@dataclass
class Scheduler:
    service: SnapshotService
    journal: Journal
    job_id_for: JobIdFor
    limits: Limits = field(default_factory=Limits)
    wait: bool = True  # False: --no-wait
    observer: Observer = field(default_factory=Unobserved)
    clock: Clock = field(default_factory=Clock)
    rng: random.Random = field(default_factory=random.Random)
    read_timeout: float = READ_TIMEOUT  # the client's: a call without an answer counts longer

    def run(self, jobs: Sequence[PlannedJob]) -> Finished:
        """Run every job to its end (or submission, without wait)."""
        stop = threading.Event()
        limiter = RateLimiter(self.limits.max_rps, clock=self.clock, read_timeout=self.read_timeout)
        caller = Caller(limiter, self.limits.retry, self.clock, stop, self.observer, self.rng)
        lifecycle = JobLifecycle(
            self.service, self.journal, caller, self.limits, self.job_id_for, self.wait
        )
        outcomes = {job.key: self._outcome(job) for job in jobs}
        lanes = [
            threading.Thread(
                target=_lane,
                args=(pending, outcomes, lifecycle, stop),
                name="qslint-lane",
                daemon=True,  # an interrupted run does not wait for a call without an answer
            )
            for pending, count in self._queues(jobs)
            for _ in range(count)
        ]
        for lane in lanes:
            lane.start()
        try:
            for lane in lanes:
                lane.join()
        except KeyboardInterrupt:
            stop.set()
            limiter.stop()
            deadline = time.monotonic() + INTERRUPT_GRACE
            for lane in lanes:
                lane.join(max(0.0, deadline - time.monotonic()))
            return Finished([_interrupted(outcomes[job.key]) for job in jobs], interrupted=True)
        return Finished([outcomes[job.key] for job in jobs], interrupted=False)

    def _outcome(self, job: PlannedJob) -> Outcome:
        entry = self.journal.entry(job)
        return Outcome(job, entry.job_id, entry.attempt)

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
    pending: queue.SimpleQueue[PlannedJob],
    outcomes: dict[JobKey, Outcome],
    lifecycle: JobLifecycle,
    stop: threading.Event,
) -> None:
    while not stop.is_set():
        try:
            job = pending.get_nowait()
        except queue.Empty:
            return
        lifecycle.run(outcomes[job.key], others_waiting=lambda: not pending.empty())


def _interrupted(outcome: Outcome) -> Outcome:
    """What the summary says of a job when the run stopped: a copy, since a lane still in a
    call may change the job's own outcome afterwards."""
    if outcome.phase in _IN_PROGRESS:
        return replace(outcome, phase=Phase.INTERRUPTED)
    return replace(outcome)

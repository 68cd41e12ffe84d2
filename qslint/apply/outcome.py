"""What a run knows of each job as it goes, and what observers of the run are told."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from qslint.apply.plan import PlannedJob


class Phase(enum.StrEnum):
    WAITING = "waiting"  # for a free lane
    SUBMITTING = "submitting"
    RUNNING = "running"
    SUBMITTED = "submitted"  # --no-wait: submitted, not followed to its end
    COMPLETED = "completed"
    ALREADY_EXPORTED = "already exported"  # completed in an earlier run of the deployment
    FAILED = "failed"  # the job ran and failed
    ERROR = "error"  # a call failed for good
    UNKNOWN = "unknown"  # the service may have the job: the next run finds out
    INTERRUPTED = "interrupted"


EXPORTED = (Phase.COMPLETED, Phase.ALREADY_EXPORTED)


@dataclass
class Outcome:
    job: PlannedJob
    job_id: str
    attempt: int = 1
    phase: Phase = Phase.WAITING
    submitted: bool = False  # the service has the job (this run started or found it)
    since: float | None = None  # when this run saw the job submitted (the run's clock)
    until: float | None = None  # when this run saw it end
    files: tuple[str, ...] = ()
    error: str | None = None
    retries: int = 0

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
        return self.phase in (Phase.SUBMITTED, Phase.FAILED, *EXPORTED)

    @property
    def succeeded(self) -> bool:
        return self.phase in (Phase.SUBMITTED, *EXPORTED)


@dataclass(frozen=True)
class Retry:
    """A call about to be made again: why, which retry this is (of how many), after how long."""

    reason: str
    attempt: int
    limit: int | None  # None: for as long as the wait for a free slot may last
    wait: float


class Observer(Protocol):
    def changed(self, outcome: Outcome) -> None:
        """``outcome`` entered a new phase."""

    def retrying(self, outcome: Outcome, retry: Retry) -> None:
        """A call of ``outcome``'s job failed and is about to be made again."""

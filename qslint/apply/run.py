"""A run of ``qslint apply``: connect per region, open the journal, schedule, finish."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qslint.apply.plan import PlannedJob, submitted_job_id
from qslint.apply.scheduler import Limits, Outcome
from qslint.config import Target


class ApplyError(Exception):
    """What stops a run before anything is submitted (no credentials, a locked journal)."""


@dataclass(frozen=True)
class RunOptions:
    exact_job_ids: bool = False
    wait: bool = True
    limits: Limits = field(default_factory=Limits)
    journal: Path | None = None


def job_id(job: PlannedJob, *, exact: bool, started: datetime) -> str:
    """The SnapshotJobId a job is submitted under: its own, or one unique to the run."""
    return job.name if exact else submitted_job_id(job.name, started)


def run_jobs(
    jobs: Sequence[PlannedJob], targets: Sequence[Target], options: RunOptions
) -> list[Outcome]:
    """Submit ``jobs``, each to the client of its region (one per target), and follow them."""
    from qslint.apply.journal import DEFAULT_JOURNAL, Journal, JournalError
    from qslint.apply.scheduler import Scheduler
    from qslint.apply.submit import connect
    from qslint.apply.summary import Progress
    from qslint.aws.client import ConnectError

    accounts = len({job.account for job in jobs})
    try:
        service = connect(targets, connections=accounts * options.limits.max_concurrent)
    except ConnectError as error:
        raise ApplyError(str(error)) from error
    journal = Journal(options.journal or DEFAULT_JOURNAL)
    started = datetime.now(UTC)
    try:
        earlier = journal.open()
        journal.prepare(
            list(jobs), lambda job: job_id(job, exact=options.exact_job_ids, started=started)
        )
    except JournalError as error:
        raise ApplyError(str(error)) from error
    if earlier:
        sys.stderr.write(f"Resuming from {journal.path} ({len(earlier)} journaled jobs).\n")
    progress = Progress(sys.stderr, jobs, live=sys.stderr.isatty())
    scheduler = Scheduler(service, journal, options.limits, wait=options.wait, observe=progress)
    try:
        outcomes = scheduler.run(jobs)
    finally:
        progress.close()
    journal.finish(outcome.job for outcome in outcomes if outcome.ended)
    return outcomes

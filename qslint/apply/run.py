"""A run of ``qslint apply``: connect per region, open the journal, schedule, finish."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qslint.apply.identity import job_id_for
from qslint.apply.lifecycle import Limits
from qslint.apply.outcome import Outcome
from qslint.apply.plan import PlannedJob
from qslint.aws.client import CONNECT_TIMEOUT, READ_TIMEOUT
from qslint.clock import Clock
from qslint.config import Target
from qslint.findings import plural


class ApplyError(Exception):
    """What stops a run before anything is submitted (no credentials, a locked journal)."""


@dataclass(frozen=True)
class RunOptions:
    run_key: str
    exact_job_ids: bool = False
    wait: bool = True
    limits: Limits = field(default_factory=Limits)
    journal: Path | None = None
    timeouts: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)  # connect, read
    clock: Clock = field(default_factory=Clock)


@dataclass(frozen=True)
class RunResult:
    outcomes: list[Outcome]  # in the order of the jobs
    interrupted: bool  # by Ctrl-C
    journal_problem: str | None  # why the journal could not be saved, if it could not


def run_jobs(
    jobs: Sequence[PlannedJob], targets: Sequence[Target], options: RunOptions
) -> RunResult:
    """Submit ``jobs``, each to the client of its region (one per target), and follow them."""
    from qslint.apply.journal import DEFAULT_JOURNAL, Journal, JournalError
    from qslint.apply.scheduler import Scheduler
    from qslint.apply.submit import connect
    from qslint.apply.summary import Deployment, Progress
    from qslint.aws.client import ConnectError

    job_id = job_id_for(options.run_key, exact=options.exact_job_ids)
    journal = Journal(options.journal or DEFAULT_JOURNAL)
    try:  # a journal that cannot be used is known before boto3 is even loaded
        earlier = journal.open()
    except JournalError as error:
        raise ApplyError(str(error)) from error
    accounts = len({job.account for job in jobs})
    try:
        service = connect(
            targets, accounts * options.limits.max_concurrent, timeouts=options.timeouts
        )
        journal.prepare(list(jobs), job_id)
    except (ConnectError, JournalError) as error:
        journal.close()
        raise ApplyError(str(error)) from error
    if earlier:
        journaled = plural(len(earlier), "journaled job")
        sys.stderr.write(f"Resuming from {journal.path} ({journaled}).\n")
    deployment = Deployment(options.run_key, options.exact_job_ids)
    progress = Progress(sys.stderr, jobs, live=sys.stderr.isatty(), deployment=deployment)
    scheduler = Scheduler(
        service,
        journal,
        job_id,
        options.limits,
        wait=options.wait,
        observer=progress,
        clock=options.clock,
        read_timeout=options.timeouts[1],
    )
    try:
        finished = scheduler.run(jobs)
    finally:
        progress.close()
    journal.finish(outcome.job for outcome in finished.outcomes if outcome.ended)
    return RunResult(finished.outcomes, finished.interrupted, journal.problem)

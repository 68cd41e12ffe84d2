"""``qslint plan``, ``qslint apply`` and ``qslint estimate``: thin wiring of the stages.

Exit codes: 0 every job completed (or, with ``--no-wait``, was submitted); 1 a definition
has an error finding, or a job failed or was not submitted; 2 a usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from qslint.apply.plan import (
    DEFAULT_CONCURRENCY,
    Plan,
    PlannedJob,
    estimate_minutes,
    latest_start,
    planned_jobs,
    select_changed,
    submitted_job_id,
    waves,
)
from qslint.apply.scheduler import Outcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _aws_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.option("--region", help="The region jobs are submitted in."),
            click.option("--profile", help="The AWS profile (boto3's standard chain otherwise)."),
            click.option("--endpoint-url", help="Another QuickSight endpoint (`qslint emulator`)."),
        )
    ):
        command = option(command)
    return command


def _selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
            click.option(
                "--changed-since",
                metavar="REF",
                help="Only jobs that are new or changed since git REF (compared after parsing).",
            ),
            click.option(
                "--exact-job-ids",
                is_flag=True,
                help="Submit SnapshotJobId as written, not suffixed with the UTC time.",
            ),
            click.option(
                "--max-concurrent",
                type=click.IntRange(1, DEFAULT_CONCURRENCY),
                default=DEFAULT_CONCURRENCY,
                show_default=True,
                help="Jobs of one account running at once.",
            ),
        )
    ):
        command = option(command)
    return _aws_options(command)


@dataclass(frozen=True)
class Checked:
    """The lint gate's verdict and the plan it allows."""

    plan: Plan
    findings: str  # the text report of the error findings; empty when there are none
    internal_error: bool


def _check_and_plan(
    paths: Sequence[Path], changed_since: str | None, region: str | None
) -> Checked:
    """Lint ``paths`` as ``qslint check`` would, then choose the jobs to submit."""
    from qslint.apply.changes import ChangesError, jobs_at
    from qslint.cli import UsageError, configure_rules, report_on_stderr
    from qslint.report import Report, render
    from qslint.runner import lint
    from qslint.sources import FileSelector, SourceError

    config, rules = configure_rules(region=region)
    targets = list(paths) or [Path()]
    try:
        result = lint(targets, config, rules)
        jobs = planned_jobs(result.jobs)
        if changed_since is None:
            plan = Plan(jobs, [])
        else:
            selector = FileSelector.from_config(config)
            before = jobs_at(changed_since, targets, selector, Path.cwd())
            plan = select_changed(jobs, before, changed_since)
    except (SourceError, ChangesError) as error:
        raise UsageError(str(error)) from error
    report_on_stderr(result, debug=False)
    findings = ""
    if result.has_errors:
        errors = [f for f in result.findings if f.severity == "error"]
        report = Report(findings=errors, files=result.files, rules=rules.rules, root=config.root)
        findings = render("text", report)
    return Checked(plan, findings, bool(result.internal_errors))


def _job_ids(jobs: Sequence[PlannedJob], *, exact: bool, started: datetime) -> list[str]:
    return [_job_id(job, exact=exact, started=started) for job in jobs]


def _job_id(job: PlannedJob, *, exact: bool, started: datetime) -> str:
    """The SnapshotJobId a job is submitted under: its own, or one unique to the run."""
    return job.name if exact else submitted_job_id(job.name, started)


def _estimate_lines(
    jobs: int, minutes_per_wave: float | None, deadline: datetime | None, concurrency: int
) -> str:
    count = waves(jobs, concurrency)
    text = f"{jobs} jobs in {count} wave{'s' * (count != 1)} of up to {concurrency}"
    if minutes_per_wave is None:
        return text + " (--minutes-per-wave M gives the time)\n"
    minutes = estimate_minutes(jobs, minutes_per_wave, concurrency)
    text += f": {count} × {minutes_per_wave:g} min = {minutes:g} minutes\n"
    if deadline is not None:
        start = latest_start(deadline, minutes)
        day = "" if start.date() == deadline.date() else f" on {start:%Y-%m-%d}"
        text += f"latest start for a {deadline:%H:%M} deadline: {start:%H:%M}{day}\n"
    return text


def _deadline(value: str | None) -> datetime | None:
    """``HH:MM`` today (local time)."""
    if value is None:
        return None
    try:
        moment = datetime.strptime(value, "%H:%M").time()
    except ValueError as error:
        raise click.BadParameter(
            "expected HH:MM, such as 12:00", param_hint="--deadline"
        ) from error
    return datetime.combine(datetime.now().date(), moment)


def _largest_account(jobs: Sequence[PlannedJob]) -> int:
    """Accounts run side by side: the timing is the one of the account with most jobs."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.account] = counts.get(job.account, 0) + 1
    return max(counts.values(), default=0)


@click.command()
@_selection_options
@click.option("--minutes-per-wave", type=click.FloatRange(min=0), help="Measured minutes per wave.")
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
def plan(
    paths: tuple[Path, ...],
    changed_since: str | None,
    exact_job_ids: bool,
    max_concurrent: int,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    minutes_per_wave: float | None,
    deadline: str | None,
) -> None:
    """Show what apply would submit, without calling AWS.

    The AWS options are those of apply, so that plan and apply take the same arguments;
    plan calls no AWS API.
    """
    from qslint.apply.summary import plan_text

    checked = _check_and_plan(paths, changed_since, region)
    job_ids = _job_ids(checked.plan.selected, exact=exact_job_ids, started=datetime.now(UTC))
    click.echo(plan_text(checked.plan, job_ids), nl=False)
    largest = _largest_account(checked.plan.selected)
    lines = _estimate_lines(largest, minutes_per_wave, _deadline(deadline), max_concurrent)
    click.echo(f"Estimate (accounts run side by side; the busiest one): {lines}", nl=False)
    if checked.findings:
        click.echo(checked.findings, nl=False, err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_USAGE if checked.internal_error else EXIT_OK)


@click.command()
@click.option("--jobs", type=click.IntRange(min=0), required=True, help="How many jobs.")
@click.option(
    "--minutes-per-wave",
    type=click.FloatRange(min=0),
    required=True,
    help="Minutes that one wave of concurrent jobs takes (time 12 jobs in parallel).",
)
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
@click.option(
    "--max-concurrent",
    type=click.IntRange(1, DEFAULT_CONCURRENCY),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Jobs of one account running at once.",
)
def estimate(jobs: int, minutes_per_wave: float, deadline: str | None, max_concurrent: int) -> None:
    """Estimate a run's time: ceil(JOBS / 12) waves × the minutes of one wave."""
    click.echo(
        _estimate_lines(jobs, minutes_per_wave, _deadline(deadline), max_concurrent), nl=False
    )


@click.command()
@_selection_options
@click.option("--no-wait", is_flag=True, help="Submit only; do not follow jobs to their end.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the summary as JSON to this file.",
)
@click.option(
    "--max-rps",
    type=click.IntRange(1, 10),
    default=10,
    show_default=True,
    help="QuickSight calls per second, all calls of the run together.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between two status calls for one job.",
)
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The journal that makes a run resumable [default: .qslint/apply-journal.json].",
)
@click.option("--show-sensitive", is_flag=True, help="Show result URLs in full.")
def apply(
    paths: tuple[Path, ...],
    changed_since: str | None,
    exact_job_ids: bool,
    max_concurrent: int,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    no_wait: bool,
    report_file: Path | None,
    max_rps: int,
    poll_interval: float,
    journal: Path | None,
    show_sensitive: bool,
) -> None:
    """Lint, then submit the jobs within QuickSight's limits and report how they ended.

    Nothing is submitted when a definition has an error finding.
    """
    checked = _check_and_plan(paths, changed_since, region)
    if checked.findings or checked.internal_error:
        click.echo(checked.findings, nl=False, err=True)
        click.echo("qslint: nothing submitted: fix the findings above first", err=True)
        sys.exit(EXIT_USAGE if checked.internal_error else EXIT_FAILED)
    jobs = checked.plan.selected
    if not jobs:
        click.echo("Nothing to submit.")
        sys.exit(EXIT_OK)
    outcomes = _run(
        jobs,
        exact_job_ids=exact_job_ids,
        connection=(region, profile, endpoint_url),
        wait=not no_wait,
        max_rps=max_rps,
        max_concurrent=max_concurrent,
        poll_interval=poll_interval,
        journal_path=journal,
    )
    from qslint.apply.summary import report_json, summary

    click.echo(summary(outcomes, show_sensitive=show_sensitive), nl=False)
    if report_file is not None:
        from qslint.cli import write_report

        write_report(report_json(outcomes, show_sensitive=show_sensitive), report_file)
    sys.exit(EXIT_OK if all(outcome.succeeded for outcome in outcomes) else EXIT_FAILED)


def _run(
    jobs: Sequence[PlannedJob],
    *,
    exact_job_ids: bool,
    connection: tuple[str | None, str | None, str | None],
    wait: bool,
    max_rps: int,
    max_concurrent: int,
    poll_interval: float,
    journal_path: Path | None,
) -> list[Outcome]:
    from qslint.apply.journal import DEFAULT_JOURNAL, Journal, JournalError
    from qslint.apply.scheduler import Limits, Scheduler
    from qslint.apply.submit import ConnectError, connect
    from qslint.apply.summary import Progress
    from qslint.cli import UsageError

    accounts = len({job.account for job in jobs})
    try:
        service = connect(*connection, connections=accounts * max_concurrent)
    except ConnectError as error:
        raise UsageError(str(error)) from error
    journal = Journal(journal_path or DEFAULT_JOURNAL)
    started = datetime.now(UTC)
    try:
        earlier = journal.open()
        journal.prepare(
            list(jobs),
            lambda job: _job_id(job, exact=exact_job_ids, started=started),
        )
    except JournalError as error:
        raise UsageError(str(error)) from error
    if earlier:
        click.echo(f"Resuming from {journal.path} ({len(earlier)} journaled jobs).", err=True)
    progress = Progress(sys.stderr, jobs, live=sys.stderr.isatty())
    limits = Limits(max_rps=max_rps, max_concurrent=max_concurrent, poll_interval=poll_interval)
    scheduler = Scheduler(service, journal, limits, wait=wait, observe=progress)
    try:
        outcomes = scheduler.run(jobs)
    finally:
        progress.close()
    journal.finish(outcome.job for outcome in outcomes if outcome.ended)
    return outcomes

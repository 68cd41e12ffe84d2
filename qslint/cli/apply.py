"""``qslint plan``, ``qslint apply`` and ``qslint estimate``: the deploy half's wiring.

Exit codes: 0 every job completed (or, with ``--no-wait``, was submitted); 1 a definition
has an error finding, or a job failed or was not submitted; 2 a usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qslint.apply.plan import DEFAULT_CONCURRENCY, PlannedJob, largest_account
from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    config_option,
    overrides,
    target_options,
    write_report,
)

if TYPE_CHECKING:
    from qslint.apply.gate import Checked
    from qslint.config import Target
    from qslint.settings import Settings

_concurrency = click.option(
    "--max-concurrent",
    type=click.IntRange(1, DEFAULT_CONCURRENCY),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Jobs of one account running at once.",
)


def _selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
            config_option,
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
            _concurrency,
            target_options,
        )
    ):
        command = option(command)
    return command


def _check_and_plan(
    paths: Sequence[Path],
    config_file: Path | None,
    changed_since: str | None,
    target: tuple[str | None, str | None, str | None],
) -> tuple[Settings, Checked]:
    """Lint ``paths`` as ``qslint check`` would, then choose the jobs to submit."""
    from qslint.apply.changes import ChangesError
    from qslint.apply.gate import check_and_plan
    from qslint.cli.wiring import checking, report_on_stderr
    from qslint.config import ConfigError
    from qslint.dashboards import DashboardSourceError
    from qslint.sources import SourceError

    region, profile, endpoint_url = target
    given = overrides(
        config_file=config_file, region=region, profile=profile, endpoint_url=endpoint_url
    )
    settings, rule_sets = checking(given)
    try:
        checked = check_and_plan(paths, settings, rule_sets, changed_since)
    except (ConfigError, DashboardSourceError, SourceError, ChangesError) as error:
        raise UsageError(str(error)) from error
    report_on_stderr(checked.result, debug=False)
    return settings, checked


def _gate_findings(settings: Settings, checked: Checked) -> str:
    from qslint.cli.wiring import error_findings_text

    return error_findings_text(checked.result, settings.root)


def _require_regions(jobs: Sequence[PlannedJob]) -> None:
    """A usage error naming the files whose jobs have no region to be submitted in."""
    from qslint.aws.client import NO_REGION

    files = list(dict.fromkeys(job.file for job in jobs if job.region is None))
    if files:
        raise UsageError(f"{NO_REGION} (for {', '.join(files)})")


def _targets(settings: Settings, jobs: Sequence[PlannedJob]) -> list[Target]:
    """One target per region the jobs are submitted in."""
    by_region = {job.region: settings.for_file(job.file).target for job in jobs}
    return list(by_region.values())


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


@click.command()
@_selection_options
@click.option("--minutes-per-wave", type=click.FloatRange(min=0), help="Measured minutes per wave.")
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
def plan(
    paths: tuple[Path, ...],
    config_file: Path | None,
    changed_since: str | None,
    exact_job_ids: bool,
    max_concurrent: int,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    minutes_per_wave: float | None,
    deadline: str | None,
) -> None:
    """Show what apply would submit, and where, without calling AWS.

    The options are those of apply, so that plan and apply take the same arguments; plan
    calls no AWS API.
    """
    from qslint.apply.run import job_id
    from qslint.apply.summary import estimate_text, plan_text

    settings, checked = _check_and_plan(
        paths, config_file, changed_since, (region, profile, endpoint_url)
    )
    started = datetime.now(UTC)
    selected = checked.plan.selected
    job_ids = [job_id(job, exact=exact_job_ids, started=started) for job in selected]
    click.echo(plan_text(checked.plan, job_ids), nl=False)
    largest = largest_account(selected)
    lines = estimate_text(largest, minutes_per_wave, _deadline(deadline), max_concurrent)
    click.echo(f"Estimate (accounts run side by side; the busiest one): {lines}", nl=False)
    _require_regions(selected)  # what apply would refuse
    findings = _gate_findings(settings, checked)
    if findings:
        click.echo(findings, nl=False, err=True)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_USAGE if checked.result.internal_errors else EXIT_OK)


@click.command()
@click.option("--jobs", type=click.IntRange(min=0), required=True, help="How many jobs.")
@click.option(
    "--minutes-per-wave",
    type=click.FloatRange(min=0),
    required=True,
    help="Minutes that one wave of concurrent jobs takes (time 12 jobs in parallel).",
)
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
@_concurrency
def estimate(jobs: int, minutes_per_wave: float, deadline: str | None, max_concurrent: int) -> None:
    """Estimate a run's time: ceil(JOBS / MAX_CONCURRENT) waves × the minutes of one wave."""
    from qslint.apply.summary import estimate_text

    text = estimate_text(jobs, minutes_per_wave, _deadline(deadline), max_concurrent)
    click.echo(text, nl=False)


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
    config_file: Path | None,
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

    Nothing is submitted when a definition has an error finding. Each job is submitted in
    the region of its file's configuration (see `qslint plan`).
    """
    from qslint.apply.run import ApplyError, RunOptions, run_jobs
    from qslint.apply.scheduler import Limits
    from qslint.apply.summary import regions_line, report_json, summary

    settings, checked = _check_and_plan(
        paths, config_file, changed_since, (region, profile, endpoint_url)
    )
    findings = _gate_findings(settings, checked)
    if findings or checked.result.internal_errors:
        click.echo(findings, nl=False, err=True)
        click.echo("qslint: nothing submitted: fix the findings above first", err=True)
        sys.exit(EXIT_USAGE if checked.result.internal_errors else EXIT_FINDINGS)
    jobs = checked.plan.selected
    if not jobs:
        click.echo("Nothing to submit.")
        sys.exit(EXIT_OK)
    _require_regions(jobs)
    click.echo(regions_line(jobs), err=True)
    options = RunOptions(
        exact_job_ids=exact_job_ids,
        wait=not no_wait,
        limits=Limits(max_rps=max_rps, max_concurrent=max_concurrent, poll_interval=poll_interval),
        journal=journal,
    )
    try:
        outcomes = run_jobs(jobs, _targets(settings, jobs), options)
    except ApplyError as error:
        raise UsageError(str(error)) from error
    click.echo(summary(outcomes, show_sensitive=show_sensitive), nl=False)
    if report_file is not None:
        write_report(report_json(outcomes, show_sensitive=show_sensitive), report_file)
    sys.exit(EXIT_OK if all(outcome.succeeded for outcome in outcomes) else EXIT_FINDINGS)

"""``qslint plan``, ``qslint apply`` and ``qslint estimate``: the deploy half's wiring.

Exit codes: 0 every job completed (or, with ``--no-wait``, was submitted); 1 a definition
has an error finding, a job failed or was not submitted, or the journal could not be saved;
2 a usage error; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qslint.apply.plan import DEFAULT_CONCURRENCY, PlannedJob, largest_account
from qslint.aws.client import CONNECT_TIMEOUT, READ_TIMEOUT
from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    FiniteFloatRange,
    UsageError,
    append_report,
    check_writable,
    config_option,
    debug_option,
    debugging,
    overrides,
    target_options,
    write_report,
)

if TYPE_CHECKING:
    from qslint.apply.baseline import Baseline
    from qslint.apply.gate import Checked
    from qslint.apply.outcome import Outcome
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
                help="Only jobs that are new or changed since git REF (compared after parsing) "
                "[default in CI: the push's previous head].",
            ),
            click.option(
                "--all",
                "every",
                is_flag=True,
                help="Every selected job, whatever changed (scheduled exports, with --run-key).",
            ),
            click.option(
                "--run-key",
                metavar="KEY",
                help="What identifies this deployment in the job ids [default: the git commit "
                "checked out]. Runs with the same key export each definition once; pass a new "
                "one (a date, a CI run id) to export again.",
            ),
            click.option(
                "--exact-job-ids",
                is_flag=True,
                help="Submit SnapshotJobId as written (a retry of a failed export adds -2, -3…), "
                "not suffixed with a digest of the definition and run key.",
            ),
            _concurrency,
            target_options,
        )
    ):
        command = option(command)
    return command


def _run_key(given: str | None, paths: Sequence[Path]) -> str:
    from qslint.apply.identity import RunKeyError, resolve_run_key

    try:
        return resolve_run_key(given, paths)
    except RunKeyError as error:
        raise UsageError(str(error)) from error


def _baseline(paths: Sequence[Path], changed_since: str | None, every: bool) -> Baseline | None:
    """What the run compares with: the options', else the CI's; ``None`` outside a CI."""
    import os

    from qslint.apply.baseline import BaselineError, find_baseline
    from qslint.apply.changes import ChangesError, repository_folder

    try:
        return find_baseline(changed_since, every, os.environ, repository_folder(paths))
    except (BaselineError, ChangesError) as error:
        raise UsageError(str(error)) from error


def _check_and_plan(
    paths: Sequence[Path],
    config_file: Path | None,
    baseline: Baseline,
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
        checked = check_and_plan(paths, settings, rule_sets, baseline.ref)
    except (ConfigError, DashboardSourceError, SourceError, ChangesError) as error:
        raise UsageError(str(error)) from error
    report_on_stderr(checked.result, debug=debugging())
    return settings, checked


def _show_findings(settings: Settings, checked: Checked) -> None:
    """The gate's findings, errors and warnings, on stderr as ``qslint check`` prints them."""
    from qslint.cli.wiring import lint_report_text

    click.echo(lint_report_text(checked.result, settings.root), nl=False, err=True)


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
@click.option("--minutes-per-wave", type=FiniteFloatRange(min=0), help="Measured minutes per wave.")
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
@click.option(
    "--verbose",
    "-v",
    "every_row",
    is_flag=True,
    help="List every row of a fan-out, not a sample (and each row left out).",
)
@debug_option
def plan(
    paths: tuple[Path, ...],
    config_file: Path | None,
    changed_since: str | None,
    every: bool,
    run_key: str | None,
    exact_job_ids: bool,
    max_concurrent: int,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    minutes_per_wave: float | None,
    deadline: str | None,
    every_row: bool,
) -> None:
    """Show what apply would submit, and where, without calling AWS.

    The options are those of apply, so that plan and apply take the same arguments; plan
    calls no AWS API. The job ids are those of a first attempt (a failed export is retried
    under the id of its next one). The first line says what the jobs are compared with, and
    why; outside a known CI, with neither --changed-since nor --all, that is nothing.
    A fan-out is shown once: its template, how many of its rows are submitted (new or
    changed) and left out, and a sample of the rows (--verbose: all of them).
    """
    from qslint.apply.baseline import OUTSIDE_CI, Baseline
    from qslint.apply.identity import RunKeyError, job_id_for, resolve_run_key
    from qslint.apply.summary import estimate_text, plan_text

    baseline = _baseline(paths, changed_since, every) or Baseline(None, OUTSIDE_CI)
    settings, checked = _check_and_plan(
        paths, config_file, baseline, (region, profile, endpoint_url)
    )
    click.echo(baseline.describe())
    selected = checked.plan.selected
    unknown_ids = None
    try:
        job_id = job_id_for(resolve_run_key(run_key, paths), exact=exact_job_ids)
        job_ids = [job_id(job, 1) for job in selected]
    except RunKeyError as error:  # the plan is still worth showing; apply will refuse
        job_ids = [f"{job.name}-?" for job in selected]
        unknown_ids = f"Job ids unknown: {error}.\n"
    text = plan_text(checked.plan, job_ids, every_row=every_row)
    click.echo(text + (unknown_ids or ""), nl=False)
    largest = largest_account(selected)
    lines = estimate_text(largest, minutes_per_wave, _deadline(deadline), max_concurrent)
    click.echo(f"Estimate (accounts run side by side; the busiest one): {lines}", nl=False)
    _require_regions(selected)  # what apply would refuse
    _show_findings(settings, checked)
    if checked.result.has_errors:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_USAGE if checked.result.internal_errors else EXIT_OK)


@click.command()
@click.option("--jobs", type=click.IntRange(min=0), required=True, help="How many jobs.")
@click.option(
    "--minutes-per-wave",
    type=FiniteFloatRange(min=0),
    required=True,
    help="Minutes that one wave of concurrent jobs takes (time 12 jobs in parallel).",
)
@click.option("--deadline", metavar="HH:MM", help="Print the latest start time for this deadline.")
@_concurrency
@debug_option
def estimate(jobs: int, minutes_per_wave: float, deadline: str | None, max_concurrent: int) -> None:
    """Estimate a run's time: ceil(JOBS / MAX_CONCURRENT) waves × the minutes of one wave."""
    from qslint.apply.summary import estimate_text

    text = estimate_text(jobs, minutes_per_wave, _deadline(deadline), max_concurrent)
    click.echo(text, nl=False)


_SECONDS = FiniteFloatRange(min=0.1)


def _append_markdown(
    markdown_file: Path | None,
    outcomes: Sequence[Outcome],
    baseline: Baseline,
    *,
    show_sensitive: bool,
    interrupted: bool = False,
) -> None:
    """The summary, as a Markdown table, at the end of ``markdown_file`` when there is one."""
    if markdown_file is None:
        return
    from qslint.apply.summary import markdown_summary

    text = markdown_summary(
        outcomes, baseline.describe(), show_sensitive=show_sensitive, interrupted=interrupted
    )
    append_report(text, markdown_file)


@click.command()
@_selection_options
@click.option("--no-wait", is_flag=True, help="Submit only; do not follow jobs to their end.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the summary as JSON to this file.",
)
@click.option(
    "--markdown-summary",
    "markdown_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the summary as a Markdown table to this file (CI job pages: "
    "$GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--max-rps",
    type=click.IntRange(1, 10),
    default=10,
    show_default=True,
    help="QuickSight calls in any second, all calls of the run together.",
)
@click.option(
    "--poll-interval",
    type=_SECONDS,
    default=5.0,
    show_default=True,
    help="Seconds between two status calls for one job.",
)
@click.option(
    "--connect-timeout",
    type=_SECONDS,
    default=CONNECT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for a connection to QuickSight.",
)
@click.option(
    "--read-timeout",
    type=_SECONDS,
    default=READ_TIMEOUT,
    show_default=True,
    help="Seconds to wait for an answer; a call without one is retried (a start is first "
    "looked up, in case it took effect).",
)
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The journal that makes a run resumable [default: .qslint/apply-journal.json].",
)
@click.option("--show-sensitive", is_flag=True, help="Show result URLs in full.")
@debug_option
@click.pass_context
def apply(
    context: click.Context,
    paths: tuple[Path, ...],
    config_file: Path | None,
    changed_since: str | None,
    every: bool,
    run_key: str | None,
    exact_job_ids: bool,
    max_concurrent: int,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    no_wait: bool,
    report_file: Path | None,
    markdown_file: Path | None,
    max_rps: int,
    poll_interval: float,
    connect_timeout: float,
    read_timeout: float,
    journal: Path | None,
    show_sensitive: bool,
) -> None:
    """Lint, then submit the jobs within QuickSight's limits and report how they ended.

    Nothing is submitted when a definition has an error finding. Each job is submitted in
    the region of its file's configuration (see `qslint plan`), under an id derived from its
    definition and the run key: running apply again for the same deployment follows the
    jobs it started, retries the exports that failed and never exports one twice.

    The jobs submitted are those new or changed since the baseline: --changed-since REF; in
    GitHub Actions and GitLab CI, the push's previous head (a first or forced push: the
    merge base with the default branch); --all for every one. Outside a known CI apply
    needs one of the two options.
    """
    from qslint.apply.baseline import CHOOSE
    from qslint.apply.lifecycle import Limits
    from qslint.apply.run import ApplyError, RunOptions, run_jobs
    from qslint.apply.summary import Deployment, regions_line, report_json, summary
    from qslint.clock import Clock

    baseline = _baseline(paths, changed_since, every)
    if baseline is None:
        raise UsageError(f"outside a known CI, apply needs what to compare with: {CHOOSE}")
    settings, checked = _check_and_plan(
        paths, config_file, baseline, (region, profile, endpoint_url)
    )
    _show_findings(settings, checked)
    if checked.result.has_errors or checked.result.internal_errors:
        click.echo("qslint: nothing submitted: fix the findings above first", err=True)
        sys.exit(EXIT_USAGE if checked.result.internal_errors else EXIT_FINDINGS)
    if markdown_file is not None:
        check_writable(markdown_file)
    jobs = checked.plan.selected
    _require_regions(jobs)
    click.echo(baseline.describe(), err=True)
    if not jobs:
        click.echo("Nothing to submit.")
        _append_markdown(markdown_file, [], baseline, show_sensitive=show_sensitive)
        sys.exit(EXIT_OK)
    if report_file is not None:
        check_writable(report_file)
    key = _run_key(run_key, paths)  # refused before "Submitting": nothing would be
    click.echo(regions_line(jobs), err=True)
    options = RunOptions(
        run_key=key,
        exact_job_ids=exact_job_ids,
        wait=not no_wait,
        limits=Limits(max_rps=max_rps, max_concurrent=max_concurrent, poll_interval=poll_interval),
        journal=journal,
        timeouts=(connect_timeout, read_timeout),
        clock=context.find_object(Clock) or Clock(),
    )
    try:
        run = run_jobs(jobs, _targets(settings, jobs), options)
    except ApplyError as error:
        raise UsageError(str(error)) from error
    text = summary(
        run.outcomes,
        show_sensitive=show_sensitive,
        interrupted=run.interrupted,
        deployment=Deployment(options.run_key, options.exact_job_ids),
    )
    click.echo(text, nl=False)
    if report_file is not None:
        write_report(report_json(run.outcomes, show_sensitive=show_sensitive), report_file)
    _append_markdown(
        markdown_file,
        run.outcomes,
        baseline,
        show_sensitive=show_sensitive,
        interrupted=run.interrupted,
    )
    if run.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    if run.journal_problem is not None:
        click.echo(
            f"qslint: the journal could not be saved ({run.journal_problem}); the summary "
            "above is complete, and a re-run asks the service about every job",
            err=True,
        )
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK if all(outcome.succeeded for outcome in run.outcomes) else EXIT_FINDINGS)

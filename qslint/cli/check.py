"""``qslint check``: settings, rules and runner wired to a report and an exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    config_option,
    overrides,
    rule_selection_options,
    target_options,
    write_report,
)
from qslint.cli.wiring import checking, report_on_stderr
from qslint.config import ConfigError, LoadLimits
from qslint.dashboards import DashboardSourceError
from qslint.engine import CheckResult
from qslint.report import FORMATS, Report, render
from qslint.rule import RuleLoadError
from qslint.sources import SourceError

MAX_FIX_PASSES = 10  # fixes that overlap in one pass are applied in the next


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How findings are printed.",
)
@config_option
@rule_selection_options
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are error findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option(
    "--show-source/--no-show-source",
    default=None,
    help="Show each finding's source line with a caret (default: on a terminal).",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply include/exclude globs to files named on the command line too (for pre-commit).",
)
@click.option(
    "--no-cache", is_flag=True, help="Check every file again; do not read or write the cache."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: one per core when there are many files).",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes in place, then report what is left.")
@click.option(
    "--diff", is_flag=True, help="Print the safe fixes as a unified diff; change nothing."
)
@click.option(
    "--dashboards",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cross-check jobs with the dashboard definitions in this folder (QS7xx).",
)
@click.option(
    "--remote",
    is_flag=True,
    help="Cross-check jobs with their dashboards as QuickSight describes them (QS7xx).",
)
@target_options
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    config_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exit_zero: bool,
    quiet: bool,
    output_file: Path | None,
    statistics: bool,
    show_source: bool | None,
    force_exclude: bool,
    no_cache: bool,
    jobs: int | None,
    fix: bool,
    diff: bool,
    dashboards: Path | None,
    remote: bool,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    debug: bool,
) -> None:
    """Check job definition files (default: the current directory)."""
    from qslint.runner import lint

    if remote and dashboards is not None:
        raise UsageError("--remote and --dashboards exclude each other")
    terminal = output_file is None and sys.stdout.isatty()
    if show_source is None:
        show_source = terminal
    given = overrides(
        config_file=config_file,
        select=select,
        ignore=ignore,
        dashboards=dashboards,
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
    )
    settings, rule_sets = checking(given, remote=remote)
    targets = paths or (Path(),)
    try:

        def run() -> CheckResult:
            return lint(
                targets,
                settings,
                rule_sets,
                force_exclude=force_exclude,
                excerpts=show_source and output_format == "text",
                use_cache=not no_cache,
                workers=jobs,
            )

        def limits_of(path: str) -> LoadLimits:
            return settings.for_file(path).limits

        result = run()
        if fix or diff:
            from qslint.fix import plan_fixes  # the fixer is loaded only when asked for
        if diff:
            planned = plan_fixes(result.findings, limits_of)
            sys.stdout.write("".join(file_fix.diff() for file_fix in planned))
            sys.exit(EXIT_FINDINGS if planned else EXIT_OK)
        fixed = 0
        for _ in range(MAX_FIX_PASSES if fix else 0):
            planned = plan_fixes(result.findings, limits_of)
            if not planned:
                break
            for file_fix in planned:
                file_fix.write()
                fixed += file_fix.fixed
            result = run()  # lint what was written: the report is about the files as they are
    except (ConfigError, DashboardSourceError, SourceError, RuleLoadError) as error:
        raise UsageError(str(error)) from error
    report = Report(
        findings=result.findings,
        files=result.files,
        rules=result.rules,
        root=settings.root,
        quiet=quiet,
        statistics=statistics,
        color=terminal and not os.environ.get("NO_COLOR"),  # https://no-color.org
        fixed=fixed,
    )
    write_report(render(output_format, report), output_file)
    report_on_stderr(result, debug=debug)
    if result.internal_errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if result.has_errors and not exit_zero else EXIT_OK)

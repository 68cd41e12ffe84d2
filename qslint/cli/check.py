"""``qslint check``: settings, rules and runner wired to a report and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    config_option,
    debug_option,
    debugging,
    overrides,
    rule_selection_options,
    target_options,
    write_report,
)
from qslint.cli.wiring import checking, report_on_stderr
from qslint.config import UNREADABLE_DASHBOARDS, ConfigError, LoadLimits
from qslint.dashboards import DashboardSourceError
from qslint.files import read_limited, read_overlaid, within_limit
from qslint.findings import Finding
from qslint.report import (
    FORMATS,
    STATISTICS_FORMATS,
    Report,
    not_fixed_message,
    not_run_message,
    render,
)
from qslint.results import CheckResult
from qslint.rule import RuleLoadError
from qslint.sources import SourceError

if TYPE_CHECKING:
    from qslint.fix import Change, NotFixed
    from qslint.settings import Settings

STDIN = Path("-")
# Formats that carry each fix's change and count columns in the file's bytes.
WITH_CHANGES = ("rdjson",)


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
@click.option(
    "--statistics",
    is_flag=True,
    help="Count findings per rule instead of listing them ([*]: --fix can fix some; text and "
    "json formats).",
)
@click.option(
    "--show-source/--no-show-source",
    default=None,
    help="Show each finding's source line with a caret (default: on a terminal).",
)
@click.option(
    "--show-fixes",
    is_flag=True,
    help="List the fixes --fix applied, or else the fixes it would apply.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text report; auto: on a terminal, unless NO_COLOR is set or FORCE_COLOR is.",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply include/exclude globs to files named on the command line too (for pre-commit).",
)
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path),
    help="Check standard input (`-`) as this file: its configuration, ignores and name.",
)
@click.option(
    "--no-cache", is_flag=True, help="Check every file again; do not read or write the cache."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: one per core when there are many files).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply safe fixes in place, then report what is left (never over a file saved since "
    "it was checked; standard input: print the fixed text, and the report on standard error).",
)
@click.option(
    "--diff", is_flag=True, help="Print the safe fixes as a unified diff; change nothing."
)
@click.option(
    "--dashboards",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Cross-check jobs with the dashboard definitions in this folder (QS7xx).",
)
@click.option(
    "--remote",
    is_flag=True,
    help="Cross-check jobs with their dashboards as QuickSight describes them (QS7xx).",
)
@click.option(
    "--unreadable-dashboards",
    type=click.Choice(UNREADABLE_DASHBOARDS),
    help="With --remote: a dashboard QuickSight does not describe, even after retries, is "
    "an error (QS709, the default: the gate fails closed) or a warning (QS701).",
)
@target_options
@debug_option
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
    show_fixes: bool,
    color: str,
    force_exclude: bool,
    stdin_filename: Path | None,
    no_cache: bool,
    jobs: int | None,
    fix: bool,
    diff: bool,
    dashboards: Path | None,
    remote: bool,
    unreadable_dashboards: str | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
) -> None:
    """Check job definition files (default: the current directory; `-`: standard input)."""
    from qslint.runner import lint

    if remote and dashboards is not None:
        raise UsageError("--remote and --dashboards exclude each other")
    if statistics and output_format not in STATISTICS_FORMATS:
        formats = " or ".join(STATISTICS_FORMATS)
        raise UsageError(f"--statistics counts findings in the {formats} format only")
    paths, stdin_name = _standard_input(paths, stdin_filename)
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
        unreadable_dashboards=unreadable_dashboards,
    )
    settings, rule_sets = checking(given, remote=remote)
    targets = paths or (Path(),)
    overlay = {} if stdin_name is None else _read_standard_input(stdin_name, settings, fix=fix)

    def run() -> CheckResult:
        return lint(
            targets,
            settings,
            rule_sets,
            force_exclude=force_exclude,
            excerpts=show_source and output_format == "text",
            use_cache=not no_cache,
            whole_jobs=False,  # findings are all it reports
            workers=jobs,
            overlay=overlay,
            rows_as_templates=True,  # the hook's staged rows file: its templates' findings
        )

    def limits_of(path: str) -> LoadLimits:
        return settings.for_file(path).limits

    read = read_overlaid(overlay)
    try:
        result = run()
        if fix or diff:
            from qslint.fix import fix_in_passes, plan_fixes, unapplied_fixes  # when asked for
        if diff:
            planned, _ = plan_fixes(result.findings, limits_of, read, result.digests)
            sys.stdout.write("".join(file_fix.diff() for file_fix in planned))
            sys.exit(EXIT_FINDINGS if planned else EXIT_OK)
        fixed: list[Finding] = []
        not_fixed: list[NotFixed] = []
        if fix:
            result, fixed, not_fixed = fix_in_passes(result, run, limits_of, overlay)
            not_fixed += unapplied_fixes(result.findings)
    except (ConfigError, DashboardSourceError, SourceError, RuleLoadError) as error:
        raise UsageError(str(error)) from error
    changes: Mapping[Finding, Change] = {}
    texts: Mapping[str, str] = {}
    if output_format in WITH_CHANGES:
        from qslint.fix import file_texts, fix_changes

        changes = fix_changes(result.findings, limits_of, read)
        texts = file_texts(result.findings, read)
    report = Report(
        findings=result.findings,
        files=result.files,
        other_files=result.other_files,
        rules=result.rules,
        root=settings.root,
        quiet=quiet,
        statistics=statistics,
        color=use_color(color, terminal, os.environ),
        fixed=fixed,
        show_fixes=show_fixes,
        changes=changes,
        texts=texts,
        without_region=result.without_region,
        internal_errors=result.internal_errors,
        not_written=[(left.file, left.reason) for left in not_fixed if left.failed],
    )
    text = render(output_format, report)
    if fix and overlay:  # standard input: the fixed text on standard output, as ruff does
        _write_fixed_input(next(iter(overlay.values())), text, output_file)
    else:
        write_report(text, output_file)
    _exit(result, not_fixed, exit_zero=exit_zero)


def _exit(result: CheckResult, not_fixed: Sequence[NotFixed], *, exit_zero: bool) -> NoReturn:
    """What the report leaves out, on standard error, then the exit code: 2 for an internal
    error or a fix that could not be written, else 1 for an error finding."""
    if not result.files:  # as ruff does: a hook on a folder without definitions still passes
        click.echo("qslint: warning: no job definition files under the given paths", err=True)
    report_on_stderr(result, debug=debugging())
    for left in not_fixed:
        click.echo(f"qslint: {not_fixed_message(left.file, left.reason)}", err=True)
    for code in result.without_region:
        click.echo(f"qslint: warning: {not_run_message(code)}", err=True)
    if result.internal_errors or any(left.failed for left in not_fixed):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if result.has_errors and not exit_zero else EXIT_OK)


def _standard_input(
    paths: tuple[Path, ...], stdin_filename: Path | None
) -> tuple[tuple[Path, ...], Path | None]:
    """The paths to check, and the name standard input is checked as, if it is."""
    if stdin_filename is not None and not paths:
        paths = (STDIN,)
    if STDIN in paths and len(paths) > 1:
        raise UsageError("`-` (standard input) is checked on its own")
    if stdin_filename is not None and STDIN not in paths:
        raise UsageError("--stdin-filename names standard input: pass `-` as the only path")
    if paths != (STDIN,):
        return paths, None
    name = stdin_filename or STDIN
    return (name,), name


def _read_standard_input(name: Path, settings: Settings, *, fix: bool) -> dict[str, bytes]:
    """What standard input holds, by the path it is checked as: read as a file is, never
    past ``max-file-size`` (a larger input is QS100). With ``--fix`` a larger input is a
    usage error: the fixed text printed instead of it would be its beginning only."""
    try:
        limit = settings.for_file(name).limits.max_file_size
    except ConfigError as error:
        raise UsageError(str(error)) from error
    raw = read_limited(sys.stdin.buffer, limit)
    if fix and within_limit(raw, limit)[0] is None:
        raise UsageError(
            f"standard input is larger than `max-file-size` ({limit} bytes): not fixed"
        )
    return {os.path.abspath(name): raw}  # noqa: PTH100


def _write_fixed_input(fixed: bytes, report: str, output_file: Path | None) -> None:
    """The fixed text on standard output; the report in ``output_file``, else on stderr."""
    sys.stdout.flush()
    sys.stdout.buffer.write(fixed)
    sys.stdout.flush()
    if output_file is None:
        sys.stderr.write(report)
    else:
        write_report(report, output_file)


def use_color(choice: str, terminal: bool, environ: Mapping[str, str]) -> bool:
    """``--color``: always or never, or (auto) on a terminal; in auto, a non-empty
    ``NO_COLOR`` turns colour off (https://no-color.org) and ``FORCE_COLOR`` on."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    return bool(environ.get("FORCE_COLOR")) or terminal

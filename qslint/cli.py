"""The ``qslint`` command: thin wiring of config, rules, runner and reports to exit codes.

Exit codes: 0 no error-severity finding; 1 at least one; 2 a usage, configuration or
internal error.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from qslint import __version__
from qslint.config import Config, ConfigError
from qslint.engine import CheckResult, RuleSet
from qslint.report import FORMATS, Report, render
from qslint.rule import Rule, RuleLoadError, load_rules
from qslint.sources import SourceError

if TYPE_CHECKING:
    from qslint.dashboards.source import RemoteCheck

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MAX_FIX_PASSES = 10  # fixes that overlap in one pass are applied in the next
BUG_REPORTS = "https://github.com/qslint/qslint/issues"


class UsageError(click.ClickException):
    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        click.echo(f"qslint: {self.format_message()}", err=True)


def _codes(values: Sequence[str]) -> tuple[str, ...] | None:
    """``--select QS2,QS301 --select QS4`` -> ``("QS2", "QS301", "QS4")``."""
    if not values:
        return None
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def _load_rules() -> list[Rule]:
    try:
        return load_rules()
    except RuleLoadError as error:
        raise UsageError(str(error)) from error


def configure_rules(
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    region: str | None = None,
    dashboards: Path | None = None,
    remote: RemoteCheck | None = None,
) -> tuple[Config, RuleSet]:
    """The configuration in force here with the command line's overrides, and its rules.

    What the user must fix in them is a usage error (exit 2). ``check``, ``plan`` and
    ``apply`` lint with exactly these.
    """
    from qslint.dashboards import DashboardSourceError
    from qslint.runner import configure

    try:
        return configure(
            Path.cwd(),
            select=_codes(select),
            ignore=_codes(ignore) or (),
            region=region,
            dashboards=dashboards,
            remote=remote,
        )
    except (ConfigError, RuleLoadError, DashboardSourceError) as error:
        raise UsageError(str(error)) from error


# Commands whose modules load only when they run: `qslint check` stays free of their imports.
LAZY_COMMANDS = {
    "apply": "qslint.apply.commands:apply",
    "dashboards": "qslint.dashboards.command:dashboards",
    "emulator": "qslint.emulator.command:emulator",
    "estimate": "qslint.apply.commands:estimate",
    "plan": "qslint.apply.commands:plan",
}


class LazyGroup(click.Group):
    """A group that imports a command named in :data:`LAZY_COMMANDS` when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, name = LAZY_COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="qslint")
def cli() -> None:
    """Lint Amazon QuickSight dashboard snapshot job definitions."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How findings are printed.",
)
@click.option("--select", multiple=True, help="Rule codes or prefixes to run (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip (comma-separated).")
@click.option("--region", help="The region the jobs are submitted in (QS301).")
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
@click.option("--profile", help="The AWS profile for --remote (boto3's standard chain otherwise).")
@click.option("--endpoint-url", help="Another QuickSight endpoint for --remote (qslint emulator).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    region: str | None,
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
    profile: str | None,
    endpoint_url: str | None,
    debug: bool,
) -> None:
    """Check job definition files (default: the current directory)."""
    from qslint.runner import lint

    terminal = output_file is None and sys.stdout.isatty()
    if show_source is None:
        show_source = terminal
    try:
        if remote and dashboards is not None:
            raise UsageError("--remote and --dashboards exclude each other")
        targets = paths or (Path(),)
        online = None
        if remote:
            from qslint.dashboards.source import RemoteCheck

            online = RemoteCheck(targets, force_exclude, profile, endpoint_url)
        config, rules = configure_rules(select, ignore, region, dashboards, online)

        def run() -> CheckResult:
            excerpts = show_source and output_format == "text"
            return lint(
                targets,
                config,
                rules,
                force_exclude=force_exclude,
                excerpts=excerpts,
                use_cache=not no_cache,
                workers=jobs,
            )

        result = run()
        if fix or diff:
            from qslint.fix import plan_fixes  # the fixer is loaded only when asked for
        if diff:
            planned = plan_fixes(result.findings, config.limits)
            sys.stdout.write("".join(file_fix.diff() for file_fix in planned))
            sys.exit(EXIT_FINDINGS if planned else EXIT_OK)
        fixed = 0
        for _ in range(MAX_FIX_PASSES if fix else 0):
            planned = plan_fixes(result.findings, config.limits)
            if not planned:
                break
            for file_fix in planned:
                file_fix.write()
                fixed += file_fix.fixed
            result = run()  # lint what was written: the report is about the files as they are
    except (ConfigError, SourceError, RuleLoadError) as error:
        raise UsageError(str(error)) from error
    report = Report(
        findings=result.findings,
        files=result.files,
        rules=rules.rules,
        root=config.root,
        quiet=quiet,
        statistics=statistics,
        color=terminal and not os.environ.get("NO_COLOR"),  # https://no-color.org
        fixed=fixed,
    )
    write_report(render(output_format, report), output_file)
    report_on_stderr(result, debug=debug)
    sys.exit(_exit_code(result, exit_zero=exit_zero))


def write_report(text: str, output_file: Path | None) -> None:
    """``text`` to ``output_file``, or to standard output; a file that cannot be written is a
    usage error."""
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output_file}: {error.strerror}") from error


def _exit_code(result: CheckResult, *, exit_zero: bool) -> int:
    if result.internal_errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if result.has_errors and not exit_zero else EXIT_OK


def report_on_stderr(result: CheckResult, *, debug: bool) -> None:
    """What a run passed over, and the rules that raised: one line each, on stderr."""
    for name in result.skipped:  # a fifo would block, a broken or looping link has nothing
        click.echo(f"qslint: skipped {name}: not a regular file", err=True)
    for error in result.internal_errors:
        click.echo(
            f"qslint: internal error in rule {error.code} while checking {error.file} "
            f"({error.kind}). This is a bug; please report it at "
            f"{BUG_REPORTS} (--debug shows the details).",
            err=True,
        )
        if debug:
            click.echo(error.details, err=True, nl=False)


@cli.command("rules")
@click.option(
    "--output-format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def list_rules(output_format: str) -> None:
    """List every rule: code, default severity, summary."""
    rules = _load_rules()
    if output_format == "json":
        entries = [
            {
                "code": r.code,
                "name": r.name,
                "severity": str(r.severity),
                "fixable": r.fixable,
                "summary": r.summary,
            }
            for r in rules
        ]
        import json

        click.echo(json.dumps(entries, indent=2))
    elif output_format == "markdown":
        click.echo(rules_markdown(rules), nl=False)
    else:
        for rule in rules:
            fixable = "  (fixable)" if rule.fixable else ""
            click.echo(f"{rule.code}  {rule.severity:<7}  {rule.summary}{fixable}")


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The README's rule table."""
    lines = ["| Code | Severity | Fix | Summary |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {r.code} | {r.severity} | {'yes' if r.fixable else ''} | {_escape_cell(r.summary)} |"
        for r in rules
    ]
    return "\n".join(lines) + "\n"


@cli.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of rule CODE."""
    wanted = code.strip().upper()
    for rule in _load_rules():
        if rule.code == wanted:
            options = "".join(
                f"\n- `{option.name}` (default {option.default!r}): {option.description}"
                for option in rule.options
            )
            click.echo(f"# {rule.code} {rule.name} ({rule.severity})\n\n{rule.summary}.\n")
            click.echo(rule.doc)
            if options:
                click.echo(f"\n## Options{options}")
            return
    raise UsageError(f"there is no rule {code!r}; `qslint rules` lists them")


@cli.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file (atomically) instead of standard output.",
)
@click.option(
    "--draft",
    type=click.Choice(["2020-12", "07"]),
    default="2020-12",
    show_default=True,
    help="The JSON Schema dialect.",
)
def schema(output: Path | None, draft: str) -> None:
    """Print a JSON Schema of a job definition file, for editors and check-jsonschema."""
    import json

    from qslint.files import write_atomically
    from qslint.schema import job_definition_schema

    text = json.dumps(job_definition_schema(draft), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(output, text)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from error


def console() -> NoReturn:
    """The ``qslint`` command: :func:`main`, then an exit that skips the interpreter's teardown.

    A run leaves many objects behind (pydantic's schemas, thousands of results), which Python
    would free one by one before exiting: ~10 ms of a cached run, ~30 ms of a one-file run.
    The process ends as soon as its output is flushed instead, as mypy's does. Nothing is
    left to clean up by then: files are written and closed, worker processes joined.
    """
    try:
        main()
    except SystemExit as stop:
        if stop.code is not None and not isinstance(stop.code, int):
            raise  # a message: Python's own exit prints it
        code = stop.code or 0
    else:
        code = 0
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away, or closed
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: an unexpected exception is one line and exit 2, never a raw traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="qslint", standalone_mode=True)
    except Exception as error:
        if "--debug" in args:
            raise
        click.echo(
            f"qslint: internal error ({type(error).__name__}). This is a bug; please report it "
            f"at {BUG_REPORTS} (--debug shows the details).",
            err=True,
        )
        sys.exit(EXIT_USAGE)

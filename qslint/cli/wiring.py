"""The check stages as ``check``, ``plan`` and ``apply`` all run them, errors made one line."""

from __future__ import annotations

from pathlib import Path

import click

from qslint.cli.options import UsageError
from qslint.clock import Clock
from qslint.config import ConfigError
from qslint.report import internal_error_message
from qslint.results import CheckResult
from qslint.rule import RuleLoadError
from qslint.runner import RuleSets
from qslint.settings import Overrides, Settings


def checking(overrides: Overrides, *, remote: bool = False) -> tuple[Settings, RuleSets]:
    """The run's settings and rules; what the user must fix in them is a usage error."""
    try:
        # The clock a test passes in (tests/clocks.py) paces the retries of remote calls.
        clock = click.get_current_context().find_object(Clock)
        rule_sets = RuleSets(remote=remote, clock=clock)
        # The flags first: they reach every configuration, which would be blamed for them.
        codes = [rule.code for rule in rule_sets.rules]
        selected = (("--select", overrides.select or ()), ("--ignore", overrides.ignore))
        for flag, selectors in selected:
            for selector in selectors:
                if selector != "ALL" and not any(code.startswith(selector) for code in codes):
                    raise UsageError(f"{flag}: {selector!r} matches no rule")
        settings = Settings(overrides)
        if settings.file_for(Path.cwd()) is not None:  # its mistakes, even with no file to check
            rule_sets.check_config(settings.for_folder(Path.cwd()))
    except (ConfigError, RuleLoadError) as error:
        raise UsageError(str(error)) from error
    return settings, rule_sets


def report_on_stderr(result: CheckResult, *, debug: bool) -> None:
    """What a run passed over, and the rules that raised: one line each, on stderr."""
    for name in result.skipped:  # a fifo would block, a broken or looping link has nothing
        click.echo(f"qslint: skipped {name}: not a regular file", err=True)
    for error in result.internal_errors:
        click.echo(f"qslint: {internal_error_message(error)}", err=True)
        if debug:
            click.echo(error.details, err=True, nl=False)


def lint_report_text(result: CheckResult, root: Path) -> str:
    """``qslint check``'s text report of ``result``, warnings included, or nothing when it
    has no finding: the gate of plan and apply words it exactly as check does."""
    from qslint.report import Report, render

    if not result.findings:
        return ""
    report = Report(
        findings=result.findings,
        files=result.files,
        other_files=result.other_files,
        rules=result.rules,
        root=root,
    )
    return render("text", report)

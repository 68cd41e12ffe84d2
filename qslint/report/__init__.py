"""Output formats, one module each, all rendering the same :class:`Report`.

A format module is ``qslint/report/<name>_format.py`` with a ``render(report) -> str``
function; :data:`FORMATS` lists them, and only the chosen one is imported.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from qslint.findings import Finding
from qslint.results import REPOSITORY, InternalError
from qslint.rule import PROJECT_URL, Rule

if TYPE_CHECKING:
    from qslint.fix import Change

HOMEPAGE = PROJECT_URL  # where reports say the tool is documented
BUG_REPORTS = f"{PROJECT_URL}/issues"
FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "rdjson")


class Report(NamedTuple):
    """Everything a format may show about one run."""

    findings: Sequence[Finding]
    files: Sequence[str]  # every file checked, as displayed, in the order checked
    root: Path  # the configuration's folder
    # YAML/JSON files passed over as clearly no definition (their findings are not in it)
    other_files: Sequence[str] = ()
    rules: Sequence[Rule] = ()  # the rules that ran
    quiet: bool = False  # findings only, no summary
    statistics: bool = False  # counts per code instead of findings (text, json)
    color: bool = False  # ANSI colour (text)
    fixed: Sequence[Finding] = ()  # what --fix fixed before the findings were collected
    show_fixes: bool = False  # list the fixes applied, or else the fixes available (text)
    # Each fixable finding's change, and each file's text: for formats that carry the change
    # or count columns in bytes (rdjson). Only filled when such a format is asked for.
    changes: Mapping[Finding, Change] = MappingProxyType({})
    texts: Mapping[str, str] = MappingProxyType({})
    # What the findings leave out: the rules that did not run for want of a region, and
    # those that raised (formats that carry notes to the tool's user: SARIF, GitHub).
    without_region: Sequence[str] = ()
    internal_errors: Sequence[InternalError] = ()
    not_written: Sequence[tuple[str, str]] = ()  # files --fix could not write, and why

    @property
    def fixable(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fix is not None]


def not_run_message(code: str) -> str:
    """Why a regional rule did not run: silent, it would seem to pass."""
    return (
        f"{code} did not run: no region is known (set `region` in the configuration or "
        f"AWS_REGION, or ignore {code})"
    )


def internal_error_message(error: InternalError) -> str:
    """A rule that raised, in one sentence (its traceback is for ``--debug``)."""
    doing = (
        "comparing the jobs of every file" if error.file == REPOSITORY else f"checking {error.file}"
    )
    return (
        f"internal error in rule {error.code} while {doing} ({error.kind}). "
        f"This is a bug; please report it at {BUG_REPORTS} (--debug shows the details)."
    )


def not_fixed_message(file: str, reason: str) -> str:
    return f"not fixed {file}: {reason}"


# The formats ``--statistics`` counts in; the others are lists of findings for a tool to read.
STATISTICS_FORMATS = ("text", "json")


class RuleCount(NamedTuple):
    """How many findings one rule has in a report (``--statistics``)."""

    code: str
    count: int
    severity: str
    fixable: bool  # --fix can fix some of them
    rule: Rule | None  # None for a code no rule of the run has


def rule_counts(report: Report) -> list[RuleCount]:
    """Each code's findings counted, most found first, then by code."""
    counts = Counter(finding.code for finding in report.findings)
    severities = {finding.code: str(finding.severity) for finding in report.findings}
    fixable = {finding.code for finding in report.fixable}
    rules = {rule.code: rule for rule in report.rules}
    return [
        RuleCount(code, count, severities[code], code in fixable, rules.get(code))
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def render(output_format: str, report: Report) -> str:
    """The report in ``output_format`` (one of :data:`FORMATS`), ending with a newline."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}")
    module = importlib.import_module(f"qslint.report.{output_format}_format")
    text: str = module.render(report)
    return text

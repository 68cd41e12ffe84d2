"""GitHub Actions workflow commands: each finding becomes an annotation on its line.

``::error file=PATH,line=L,col=C,title=CODE::message`` (``::warning`` for warnings,
``::notice`` for infos). ``file`` is the absolute path: the runner turns a path inside the
workspace into a repository path itself, so annotations land on the right file whichever
folder qslint ran in. Escaping follows the runner's parser (actions/runner
``ActionCommand``): data escapes ``%``, CR and LF; property values also ``:`` and ``,``,
which delimit the command.
"""

from __future__ import annotations

from pathlib import Path

from qslint.findings import Finding, Severity
from qslint.report import Report

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    location = finding.location
    properties = {
        "file": str(Path(location.file).absolute()),
        "line": str(location.line),
        "col": str(location.column),
        "title": finding.code,
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def render(report: Report) -> str:
    return "".join(f"{command(finding)}\n" for finding in report.findings)

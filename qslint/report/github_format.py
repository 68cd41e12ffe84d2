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
from qslint.report import Report, internal_error_message, not_fixed_message, not_run_message
from qslint.results import REPOSITORY

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
    return _command(COMMANDS[finding.severity], finding.message, properties)


def _command(name: str, text: str, properties: dict[str, str]) -> str:
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name} {joined}::{escape_data(text)}"


def _at_file(file: str) -> dict[str, str]:
    """The file a note is about: none for a repository rule's (it reads every file)."""
    return {} if file == REPOSITORY else {"file": str(Path(file).absolute())}


def render(report: Report) -> str:
    """The findings, then what they leave out: the rules that did not run, those that raised
    and the files --fix could not write (on standard error too, which a workflow's log
    shows but does not annotate)."""
    lines = [command(finding) for finding in report.findings]
    lines += [
        _command("warning", not_run_message(code), {"title": code})
        for code in report.without_region
    ]
    lines += [
        _command(
            "error", internal_error_message(error), _at_file(error.file) | {"title": error.code}
        )
        for error in report.internal_errors
    ]
    lines += [
        _command("error", not_fixed_message(file, reason), _at_file(file))
        for file, reason in report.not_written
    ]
    return "".join(f"{line}\n" for line in lines)

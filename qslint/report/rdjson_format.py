"""reviewdog's Diagnostic Result (rdjson): what ``reviewdog -f=rdjson`` posts on a review.

One diagnostic per finding, with its code, severity, path (relative to the top of the
repository, as reviewdog matches it with the diff), range and related locations; a
fixable finding carries its fix as a ``suggestion``, which reviewdog posts as a suggested
change. Columns are UTF-8 byte counts, as the format asks: qslint's code-point columns
are converted with the file's text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from qslint.findings import Finding, Location, Mark, Severity
from qslint.report import HOMEPAGE, Report
from qslint.report.paths import repository_path, run_root

SEVERITIES = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}

Json = dict[str, object]


class _Columns:
    """Code-point columns as UTF-8 byte columns, line by line of each file's text."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._lines = {file: text.splitlines() for file, text in texts.items()}

    def position(self, file: str, mark: Mark) -> Json:
        lines = self._lines.get(file, [])
        line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
        before = line[: mark.column - 1]
        # A mark past the line's text (its end) counts the characters it lies beyond it.
        beyond = mark.column - 1 - len(before)
        return {"line": mark.line, "column": len(before.encode("utf-8")) + beyond + 1}


def _location(location: Location, path: str, columns: _Columns) -> Json:
    start = columns.position(location.file, Mark(location.line, location.column))
    return {"path": path, "range": {"start": start}}


def render(report: Report) -> str:
    root = run_root(report.files, report.root)
    columns = _Columns(report.texts)

    def diagnostic(finding: Finding) -> Json:
        file = finding.location.file
        result: Json = {
            "message": finding.message,
            "location": _location(finding.location, repository_path(file, root), columns),
            "severity": SEVERITIES[finding.severity],
            "code": {"value": finding.code},
        }
        change = report.changes.get(finding)
        if change is not None:
            result["suggestions"] = [
                {
                    "range": {
                        "start": columns.position(file, change.start),
                        "end": columns.position(file, change.end),
                    },
                    "text": change.text,
                }
            ]
        if finding.related:
            result["related_locations"] = [
                {"location": _location(related, repository_path(related.file, root), columns)}
                for related in finding.related
            ]
        return result

    log = {
        "source": {"name": "qslint", "url": HOMEPAGE},
        "diagnostics": [diagnostic(finding) for finding in report.findings],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"

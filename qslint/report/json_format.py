"""A JSON list with one object per finding."""

from __future__ import annotations

import json

from qslint.findings import Finding, Location, format_json_path
from qslint.report import Report


def _location(location: Location) -> dict[str, object]:
    return {
        "file": location.file,
        "line": location.line,
        "column": location.column,
        "path": format_json_path(location.path),
    }


def finding_to_dict(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": str(finding.severity),
        "message": finding.message,
        **_location(finding.location),
        "related": [_location(related) for related in finding.related],
    }


def render(report: Report) -> str:
    return json.dumps([finding_to_dict(f) for f in report.findings], indent=2) + "\n"

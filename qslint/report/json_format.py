"""A JSON list with one object per finding, or per rule with ``--statistics``."""

from __future__ import annotations

import json

from qslint.findings import Finding, Location, format_json_path
from qslint.report import Report, rule_counts


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


def _statistics(report: Report) -> list[dict[str, object]]:
    return [
        {
            "code": code,
            "name": rule.name if rule else "",
            "severity": severity,
            "count": count,
            "fixable": fixable,
            "summary": rule.summary if rule else "",
        }
        for code, count, severity, fixable, rule in rule_counts(report)
    ]


def render(report: Report) -> str:
    """The findings; with ``--statistics``, one object per rule with its count instead."""
    entries = _statistics(report) if report.statistics else map(finding_to_dict, report.findings)
    return json.dumps(list(entries), indent=2) + "\n"

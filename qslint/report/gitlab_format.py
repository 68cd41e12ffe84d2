"""GitLab Code Quality: the JSON list a merge request's Code Quality widget reads.

Each finding is an issue with ``description``, ``check_name`` (the rule code),
``fingerprint``, ``severity`` and ``location`` (``path`` relative to the top of the
repository, ``lines.begin``). GitLab compares a merge request's issues with its target
branch's by fingerprint, so a fingerprint leaves out the line: an edit above a finding does
not make it a new issue. It hashes the file, code, JSON path and message, and a number that
tells identical findings of one file apart (GitLab keeps one issue per fingerprint).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from qslint.findings import Severity, format_json_path
from qslint.report import Report
from qslint.report.paths import repository_path, run_root

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _fingerprint(identity: tuple[str, ...], occurrence: int) -> str:
    return hashlib.sha256("\0".join((*identity, str(occurrence))).encode("utf-8")).hexdigest()


def render(report: Report) -> str:
    root = run_root(report.files, report.root)
    seen: Counter[tuple[str, ...]] = Counter()
    issues = []
    for finding in report.findings:
        path = repository_path(finding.location.file, root)
        identity = (path, finding.code, format_json_path(finding.location.path), finding.message)
        seen[identity] += 1
        issues.append(
            {
                "type": "issue",
                "description": f"{finding.code} {finding.message}",
                "check_name": finding.code,
                "fingerprint": _fingerprint(identity, seen[identity]),
                "severity": SEVERITIES[finding.severity],
                "location": {"path": path, "lines": {"begin": finding.location.line}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"

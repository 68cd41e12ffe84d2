"""``path:line:col: CODE [severity] message`` lines, then a one-line summary."""

from __future__ import annotations

from collections import Counter

from qslint.findings import Severity
from qslint.report import Report


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    files = _plural(len(report.files), "file")
    if not report.findings:
        return f"All checks passed ({files} checked)."
    counts = Counter(finding.severity for finding in report.findings)
    parts = [_plural(counts[s], str(s)) for s in Severity if counts[s]]
    problems = _plural(len(report.findings), "problem")
    return f"Found {problems} ({', '.join(parts)}) in {files} checked."


def render(report: Report) -> str:
    lines = [
        f"{finding.location}: {finding.code} [{finding.severity}] {finding.message}"
        for finding in report.findings
    ]
    if not report.quiet:
        lines.append(summary(report))
    return "".join(f"{line}\n" for line in lines)

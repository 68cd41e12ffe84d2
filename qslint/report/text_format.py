"""``path:line:col: CODE [severity] message`` lines, then a one-line summary.

On a terminal each finding also shows its source line with a caret under the column (sensitive
values starred out), in colour as ``--color`` decides. ``--statistics`` prints one line per
rule instead of the findings, ``[*]`` marking those ``--fix`` can fix; ``--show-fixes`` lists
the fixes applied or available.
"""

from __future__ import annotations

from collections import Counter

from qslint.findings import Finding, Severity, plural
from qslint.report import Report, rule_counts

RESET, BOLD, DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"
SEVERITY_COLORS = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
}
CARET_COLOR = "\x1b[1;31m"
FIXABLE = "[*]"  # marks what `--fix` can fix, as ruff marks it


def summary(report: Report) -> str:
    files = f"{plural(len(report.files), 'file')} checked"
    if report.other_files:
        files += f"; {plural(len(report.other_files), 'other YAML/JSON file')} skipped"
    if not report.findings:
        return f"All checks passed ({files})."
    counts = Counter(finding.severity for finding in report.findings)
    parts = [plural(counts[s], str(s)) for s in Severity if counts[s]]
    problems = plural(len(report.findings), "problem")
    return f"Found {problems} ({', '.join(parts)}) in {files}."


class _Style:
    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self._enabled else text


def _finding_lines(finding: Finding, style: _Style) -> list[str]:
    severity = style(f"[{finding.severity}]", SEVERITY_COLORS[finding.severity])
    head = f"{style(str(finding.location), BOLD)}: {style(finding.code, BOLD)} {severity}"
    lines = [f"{head} {finding.message}"]
    if finding.excerpt is None:
        return lines
    number = str(finding.location.line)
    gutter = " " * len(number)
    source = finding.excerpt.expandtabs(1)
    caret = " " * (finding.location.column - 1) + style("^", CARET_COLOR)
    lines += [
        style(f"{gutter} |", DIM),
        f"{style(f'{number} |', DIM)} {source}",
        f"{style(f'{gutter} |', DIM)} {caret}",
        "",
    ]
    return lines


def _statistics(report: Report) -> list[str]:
    """One line per code: count, code, severity, ``[*]`` when --fix can fix some, summary."""
    counts = rule_counts(report)
    width = len(str(max((entry.count for entry in counts), default=0)))
    severity_width = max((len(entry.severity) + 2 for entry in counts), default=0)
    return [
        f"{count:>{width}}  {code}  {f'[{severity}]':<{severity_width}}  "
        f"{FIXABLE if fixable else ' ' * len(FIXABLE)}  {rule.summary if rule else ''}".rstrip()
        for code, count, severity, fixable, rule in counts
    ]


def _fix_lines(report: Report) -> list[str]:
    """With --show-fixes: what --fix fixed, or else what it would fix, one line each."""
    if report.fixed:
        head, findings = "Fixed:", report.fixed
    else:
        head, findings = "Fixable with `--fix`:", report.fixable
    if not findings:
        return []
    return [
        head,
        *(f"  {f.location}: {f.code} {f.fix.description if f.fix else ''}" for f in findings),
    ]


def render(report: Report) -> str:
    style = _Style(report.color)
    if report.statistics:
        lines = _statistics(report)
    else:
        lines = [line for finding in report.findings for line in _finding_lines(finding, style)]
    if report.show_fixes:
        lines += _fix_lines(report)
    if not report.quiet:
        if report.fixed:
            lines.append(f"Fixed {plural(len(report.fixed), 'problem')}.")
        lines.append(summary(report))
        if report.fixable:
            lines.append(f"{FIXABLE} {len(report.fixable)} fixable with `--fix`.")
    return "".join(f"{line}\n" for line in lines)

"""What apply and plan print: progress, the summary table, the JSON report, the plan.

Result URIs are sensitive in the service model: unless ``show_sensitive``, a URI is shown
as its bucket only (``s3://acme-reports/…``), never its key or signature.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import urlsplit

from qslint.apply.outcome import Outcome, Phase, Retry
from qslint.apply.plan import (
    Plan,
    PlannedJob,
    TemplateRow,
    estimate_minutes,
    latest_start,
    waves,
)
from qslint.apply.templates import (
    HIDDEN,
    TemplateAt,
    definition_named,
    destinations,
    gather,
    job_origin,
)
from qslint.findings import plural

PROGRESS_COLUMNS = ("queued", "running", "done", "failed")
_PROGRESS_GROUPS = {
    Phase.WAITING: "queued",
    Phase.SUBMITTING: "running",
    Phase.RUNNING: "running",
    Phase.SUBMITTED: "done",
    Phase.COMPLETED: "done",
    Phase.ALREADY_EXPORTED: "done",
    Phase.FAILED: "failed",
    Phase.ERROR: "failed",
    Phase.UNKNOWN: "failed",
    Phase.INTERRUPTED: "failed",
}


def redact_uri(uri: str) -> str:
    """``s3://bucket/key?X-Amz-Signature=…`` -> ``s3://bucket/…``."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}/{HIDDEN}" if parts.scheme else HIDDEN


def shown_files(files: Sequence[str], *, show_sensitive: bool) -> list[str]:
    if show_sensitive:
        return list(files)
    return list(dict.fromkeys(redact_uri(uri) for uri in files))


class Progress:
    """An :class:`~qslint.apply.outcome.Observer`: one live status line on a terminal, a
    plain log line per change and per retry elsewhere (CI)."""

    def __init__(
        self, stream: TextIO, jobs: Sequence[PlannedJob], *, live: bool, deployment: Deployment
    ) -> None:
        self._stream = stream
        self._live = live
        self._deployment = deployment
        self._phases = dict.fromkeys((job.key for job in jobs), Phase.WAITING)
        self._retries = 0
        self._closed = False
        self._lock = threading.Lock()

    def changed(self, outcome: Outcome) -> None:
        with self._lock:
            self._phases[outcome.job.key] = outcome.phase
            if outcome.phase is Phase.ALREADY_EXPORTED:
                what = f"already exported by this deployment ({self._deployment})"
            else:
                what = f"{outcome.phase}: {outcome.error}" if outcome.error else outcome.phase
            self._show(f"{outcome.job_id} {what} ({definition_named(outcome.job)})")

    def retrying(self, outcome: Outcome, retry: Retry) -> None:
        with self._lock:
            self._retries += 1
            of = "" if retry.limit is None else f"/{retry.limit}"
            self._show(
                f"{outcome.job_id} retry {retry.attempt}{of} in {retry.wait:.1f}s: {retry.reason}"
            )

    def _show(self, log_line: str) -> None:
        if self._closed:
            return  # a lane that outlived an interrupted run: the summary is written
        if self._live:
            counts = Counter(_PROGRESS_GROUPS[phase] for phase in self._phases.values())
            line = "  ".join(f"{g} {counts[g]}" for g in PROGRESS_COLUMNS)
            self._stream.write(f"\r{line}  retries {self._retries}\x1b[K")
        else:
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._stream.write(f"{now} {log_line}\n")
        self._stream.flush()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._live:
                self._stream.write("\n")


def _duration(outcome: Outcome) -> str:
    return "-" if outcome.duration is None else f"{outcome.duration:.1f}s"


def _files_or_error(outcome: Outcome, *, show_sensitive: bool) -> str:
    if outcome.error:
        return outcome.error
    files = shown_files(outcome.files, show_sensitive=show_sensitive)
    return f"{', '.join(files)} ({plural(len(outcome.files), 'file')})" if files else ""


def table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, the last one unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "".join(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        + "\n"
        for row in rows
    )


@dataclass(frozen=True)
class Deployment:
    """What makes a job id this deployment's: the run key, or (--exact-job-ids) the id."""

    run_key: str
    exact_job_ids: bool = False

    def __str__(self) -> str:
        return "job ids as written" if self.exact_job_ids else f"run key {self.run_key}"

    @property
    def again(self) -> str:
        """How to export once more what this deployment exported."""
        if self.exact_job_ids:
            return "another SnapshotJobId exports them again (the same one, 24 hours on)"
        return "a new --run-key exports them again"


def summary(
    outcomes: Sequence[Outcome],
    *,
    show_sensitive: bool,
    interrupted: bool,
    deployment: Deployment,
) -> str:
    gathered = gather(outcomes, _outcome_origin)
    text = ""
    if gathered.plain:
        rows = [("JOB", "STATUS", "DURATION", "FILES OR ERROR")]
        rows += [
            (
                o.job_id,
                str(o.phase),
                _duration(o),
                _files_or_error(o, show_sensitive=show_sensitive),
            )
            for o in gathered.plain
        ]
        text += table(rows)
    for where, members in gathered.templates.items():
        text += f"{where}  fan-out, {_rows_counted(members)}\n"
        failed = _unsucceeded(members)
        if failed:
            headers = _row_headers(row for row, _ in failed)
            rows = [(*headers, "JOB", "STATUS", "DURATION", "ERROR")]
            rows += [
                (*_row_cells(row, headers), o.job_id, str(o.phase), _duration(o), o.error or "")
                for row, o in failed
            ]
            text += _indent(table(rows))
    counts = Counter(str(o.phase) for o in outcomes)
    retries = sum(o.retries for o in outcomes)
    counted = (
        f"{plural(len(outcomes), 'job')}: {_totals(counts)}; {plural(retries, 'retry', 'retries')}"
    )
    text += counted + "\n"
    if counts[Phase.ALREADY_EXPORTED]:
        text += f"Already exported by this deployment ({deployment}): {deployment.again}.\n"
    return text + (interruption(outcomes) if interrupted else "")


def _outcome_origin(outcome: Outcome) -> tuple[str, TemplateRow | None]:
    return job_origin(outcome.job)


def _totals(counts: Counter[str]) -> str:
    """``198 completed, 2 failed``: each status's count, by status."""
    return ", ".join(f"{count} {phase}" for phase, count in sorted(counts.items()))


def _unsucceeded(
    members: Sequence[tuple[TemplateRow, Outcome]],
) -> list[tuple[TemplateRow, Outcome]]:
    """The rows whose job failed: each is named, the others only counted. Rows an interrupted
    run left are counted too: the interruption's note names the jobs still running."""
    return [
        (row, outcome)
        for row, outcome in members
        if not outcome.succeeded and outcome.phase is not Phase.INTERRUPTED
    ]


def _row_headers(rows: Iterable[TemplateRow]) -> tuple[str, ...]:
    """A fan-out's rows are shown by number, and by name when the template names them."""
    return ("ROW", "NAME") if any(row.row.name is not None for row in rows) else ("ROW",)


def _row_cells(row: TemplateRow, headers: Sequence[str]) -> tuple[str, ...]:
    return (str(row.row.number), row.row.name or "")[: len(headers)]


def _rows_counted(members: Sequence[tuple[TemplateRow, Outcome]]) -> str:
    """``200 of 200 rows: 198 completed, 2 failed``."""
    total = members[0][0].row.total
    counts = Counter(str(outcome.phase) for _, outcome in members)
    return f"{len(members)} of {plural(total, 'row')}: {_totals(counts)}"


def interruption(outcomes: Sequence[Outcome]) -> str:
    """What an interrupted run leaves on the service, and how to pick it up."""
    running = [o.job_id for o in outcomes if o.phase is Phase.INTERRUPTED and o.submitted]
    still = f" Still running on the service: {', '.join(running)}." if running else ""
    return (
        f"Interrupted.{still} Running qslint apply again follows the jobs that started (a "
        "start left unanswered is looked up first) and submits the rest.\n"
    )


def report(outcomes: Sequence[Outcome], *, show_sensitive: bool) -> dict[str, Any]:
    """The summary as JSON-ready data (``--report FILE``)."""
    return {
        "jobs": [
            {
                "file": o.job.file,
                "account": o.job.account,
                "dashboard": o.job.dashboard,
                "name": o.job.name,
                "job_id": o.job_id,
                "status": str(o.phase),
                "attempt": o.attempt,
                "retries": o.retries,
                "duration_seconds": None if o.duration is None else round(o.duration, 3),
                "files": shown_files(o.files, show_sensitive=show_sensitive),
                "error": o.error,
                "row": _row_report(o.job.template),
            }
            for o in outcomes
        ],
        "counts": dict(Counter(str(o.phase) for o in outcomes)),
    }


def _row_report(template: TemplateRow | None) -> dict[str, Any] | None:
    """A fan-out row's place: its template's line, its number and name; None for a plain job."""
    if template is None:
        return None
    row = template.row
    return {"template_line": template.line, "number": row.number, "name": row.name}


def report_json(outcomes: Sequence[Outcome], *, show_sensitive: bool) -> str:
    return json.dumps(report(outcomes, show_sensitive=show_sensitive), indent=2) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~&\[\]<>|])")


def _markdown_cell(text: str) -> str:
    """``text`` as one table cell's literal text: no markup, link, HTML or column break."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown_summary(
    outcomes: Sequence[Outcome], compared_with: str, *, show_sensitive: bool, interrupted: bool
) -> str:
    """The summary for a CI's job page (``$GITHUB_STEP_SUMMARY``): one table row per job,
    the result locations as redacted as in the text summary."""
    text = f"### qslint apply\n\n{_markdown_cell(compared_with)}\n\n"
    if not outcomes:
        return text + "Nothing to submit.\n"
    gathered = gather(outcomes, _outcome_origin)
    rows = [
        (
            f"{o.job.file} ({o.job.name})",
            o.job_id,
            str(o.phase),
            _duration(o),
            _files_or_error(o, show_sensitive=show_sensitive),
        )
        for o in gathered.plain
    ]
    for where, members in gathered.templates.items():
        rows.append((f"{where} (fan-out)", "", _rows_counted(members), "", ""))
        rows += [
            (definition_named(o.job), o.job_id, str(o.phase), _duration(o), o.error or "")
            for _, o in _unsucceeded(members)
        ]
    text += (
        "| Definition | Job id | Status | Duration | Result |\n| --- | --- | --- | --- | --- |\n"
    )
    text += "".join(f"| {' | '.join(map(_markdown_cell, row))} |\n" for row in rows)
    return text + (f"\n{_markdown_cell(interruption(outcomes))}\n" if interrupted else "")


SAMPLE_ROWS = 3  # of a fan-out's rows, those plan shows without --verbose
_WHERE_COLUMNS: tuple[tuple[str, Callable[[PlannedJob], str]], ...] = (
    ("ACCOUNT", lambda job: job.account),
    ("REGION", lambda job: job.region or "(none)"),
    ("DASHBOARD", lambda job: job.dashboard),
    ("FORMATS", lambda job: ",".join(job.formats)),
)


def plan_text(plan: Plan, job_ids: Sequence[str], *, every_row: bool = False) -> str:
    """The jobs to submit and the ones left out, with why: a plain definition per line, a
    fan-out once, with a sample of its rows (``every_row``: all of them)."""
    text = f"Jobs to submit: {len(plan.selected)}\n"
    gathered = gather(zip(plan.selected, job_ids, strict=True), lambda pair: job_origin(pair[0]))
    if gathered.plain:
        rows = [("FILE", "ACCOUNT", "REGION", "DASHBOARD", "JOB ID", "FORMATS")]
        rows += [
            (
                job.file,
                job.account,
                job.region or "(none)",
                job.dashboard,
                job_id,
                ",".join(job.formats),
            )
            for job, job_id in gathered.plain
        ]
        text += _indent(table(rows))
    for where, members in gathered.templates.items():
        text += _indent(_fan_out_block(plan, where, members, every_row=every_row))
    if plan.left_out:
        text += f"Left out: {len(plan.left_out)}\n"
        left = gather(plan.left_out, lambda item: (item.file, item.template))
        rows = [("FILE", "JOB", "REASON")]
        shown = plan.left_out if every_row else left.plain
        rows += [(item.file, "/".join(filter(None, item.key)), item.reason) for item in shown]
        if not every_row:
            for where, items in left.templates.items():
                reasons = Counter(item.reason for _, item in items)
                rows += [
                    (str(where), plural(count, "row"), reason) for reason, count in reasons.items()
                ]
        text += _indent(table(rows))
    return text


def _fan_out_block(
    plan: Plan,
    where: TemplateAt,
    members: Sequence[tuple[TemplateRow, tuple[PlannedJob, str]]],
    *,
    every_row: bool,
) -> str:
    """A template's rows to submit: how many, where they go, and a sample of them."""
    jobs = [job for _, (job, _) in members]
    total = members[0][0].row.total
    counted = f"{len(jobs)} of {plural(total, 'row')}"
    if plan.new is not None:
        new = sum(job.key in plan.new for job in jobs)
        kinds = {"new": new, "changed": len(jobs) - new}
        counted += f" ({', '.join(f'{n} {kind}' for kind, n in kinds.items() if n)})"
    shared, varying = [], []
    for name, value in _WHERE_COLUMNS:
        values = list(dict.fromkeys(value(job) for job in jobs))
        if len(values) == 1:
            shared.append(f"{name.lower()} {values[0]}")
        else:
            varying.append((name, value))
    text = f"{where}  fan-out, {counted}\n" + (f"  {', '.join(shared)}\n" if shared else "")
    sample = members if every_row else members[:SAMPLE_ROWS]
    headers = _row_headers(row for row, _ in sample)
    rows = [(*headers, *(name for name, _ in varying), "JOB ID", "DESTINATION")]
    rows += [
        (
            *_row_cells(row, headers),
            *(value(job) for _, value in varying),
            job_id,
            destinations(job.request),
        )
        for row, (job, job_id) in sample
    ]
    text += _indent(table(rows))
    if len(sample) < len(members):
        text += f"  … {len(members) - len(sample)} more (--verbose lists every row)\n"
    return text


def regions_line(jobs: Sequence[PlannedJob]) -> str:
    """``Submitting 3 jobs in eu-west-1, 1 job in us-east-1.``"""
    counts = Counter(str(job.region) for job in jobs)
    parts = [f"{plural(count, 'job')} in {region}" for region, count in counts.items()]
    return f"Submitting {', '.join(parts)}."


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


def estimate_text(
    jobs: int, minutes_per_wave: float | None, deadline: datetime | None, concurrency: int
) -> str:
    count = waves(jobs, concurrency)
    text = f"{plural(jobs, 'job')} in {plural(count, 'wave')} of up to {concurrency}"
    if minutes_per_wave is None:
        return text + " (--minutes-per-wave M gives the time)\n"
    minutes = estimate_minutes(jobs, minutes_per_wave, concurrency)
    text += f": {count} × {minutes_per_wave:g} min = {minutes:g} minutes\n"
    if deadline is not None:
        start = latest_start(deadline, minutes)
        day = "" if start.date() == deadline.date() else f" on {start:%Y-%m-%d}"
        text += f"latest start for a {deadline:%H:%M} deadline: {start:%H:%M}{day}\n"
    return text

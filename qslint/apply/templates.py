"""The jobs of a fan-out gathered under their template, for plan and apply to show once.

A template over 200 rows is one definition to its author: plan and apply show it as one
entry (its file and line, how many rows) with a few of its rows, not as 200 lines. A row is
named by its number and, when the template names rows by a column (``row-name``), by that
column; never by a value the service model marks sensitive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from qslint.apply.plan import PlannedJob, TemplateRow

Item = TypeVar("Item")
_BUCKET = ("SnapshotConfiguration", "DestinationConfiguration", "S3Destinations")
HIDDEN = "…"


@dataclass(frozen=True)
class TemplateAt:
    """Where a template is: its file and the line its document starts at."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Gathered(Generic[Item]):
    """Items of plain definitions, in order, and each template's items with their rows."""

    plain: list[Item] = field(default_factory=list)
    templates: dict[TemplateAt, list[tuple[TemplateRow, Item]]] = field(default_factory=dict)


def gather(
    items: Iterable[Item], origin: Callable[[Item], tuple[str, TemplateRow | None]]
) -> Gathered[Item]:
    """``items`` split by ``origin`` (an item's file and row): templates in order of first
    appearance, each with its rows in order."""
    gathered: Gathered[Item] = Gathered()
    for item in items:
        file, template = origin(item)
        if template is None:
            gathered.plain.append(item)
        else:
            where = TemplateAt(file, template.line)
            gathered.templates.setdefault(where, []).append((template, item))
    return gathered


def job_origin(job: PlannedJob) -> tuple[str, TemplateRow | None]:
    return job.file, job.template


def row_named(template: TemplateRow) -> str:
    """``row 5`` or, when rows are named, ``row 5 (tenant-0004)``."""
    row = template.row
    return f"row {row.number}" if row.name is None else f"row {row.number} ({row.name})"


def definition_named(job: PlannedJob) -> str:
    """Where a job is defined: its file, or its template and row."""
    if job.template is None:
        return job.file
    return f"{job.file}:{job.template.line} {row_named(job.template)}"


def destinations(request: Mapping[str, Any]) -> str:
    """Where a job's files go, ``s3://bucket/prefix``, any part the service model marks
    sensitive shown as ``…``."""
    from qslint.compiled_model import is_sensitive

    found: Any = request
    for name in _BUCKET:
        found = found.get(name) if isinstance(found, Mapping) else None
    shown = []
    for index, destination in enumerate(found if isinstance(found, list) else []):
        bucket = destination.get("BucketConfiguration") if isinstance(destination, dict) else None
        if not isinstance(bucket, Mapping):
            continue
        parts = []
        for name in ("BucketName", "BucketPrefix"):
            value = bucket.get(name)
            if value is not None:
                path = (*_BUCKET, index, "BucketConfiguration", name)
                parts.append(HIDDEN if is_sensitive(path) else str(value))
        shown.append("s3://" + "/".join(parts))
    return ", ".join(shown)

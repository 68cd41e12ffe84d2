"""Output formats, one module each, all rendering the same :class:`Report`."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from qslint.findings import Finding

FORMATS = ("text", "json")


@dataclass(frozen=True)
class Report:
    findings: Sequence[Finding]
    files: int
    quiet: bool = False


def render(output_format: str, report: Report) -> str:
    """The report in ``output_format`` (one of :data:`FORMATS`), ending with a newline."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}")
    module = importlib.import_module(f"qslint.report.{output_format}_format")
    text: str = module.render(report)
    return text

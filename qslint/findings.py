"""What a check produces: findings at exact positions, with a severity."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

JsonPath = tuple[str | int, ...]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def format_json_path(path: JsonPath) -> str:
    """``("A", "B", 1, "C")`` -> ``A.B[1].C``; the empty path is the document itself."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a file, and the JSON path of the node there."""

    file: str
    line: int
    column: int
    path: JsonPath = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Location, ...] = field(default=())
    # The source line, sensitive values starred out; only when the run asked for excerpts.
    excerpt: str | None = field(default=None, compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)

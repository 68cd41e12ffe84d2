"""Hover and completion: which field the cursor is on, and what the request model says of it.

Hover finds the key under the cursor among the parsed documents' keys (YAML or JSON) and
shows the field's botocore documentation. Completion must work in a document being typed,
which often does not parse: it reads the YAML block structure around the cursor from the
indentation of the lines above (flow style and JSON are not completed). Positions are
0-based lines and code points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args, get_origin

from qslint.compiled_model import annotation_at, enum_values_at, field_names_at, model_at
from qslint.findings import JsonPath, format_json_path
from qslint.loader import load_source

# `  - - Key: value`: indentation, list dashes, a key, what follows the colon.
_KEY_LINE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z][\w]*)[ ]*:(?:[ ]|$)")
_TYPING_KEY = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<word>[A-Za-z]\w*)?$")
_TYPING_VALUE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z]\w*)[ ]*:[ ]+(?P<word>\S*)$")


def field_docs(path: JsonPath) -> str:
    """The botocore documentation of the field at ``path`` (empty when it has none)."""
    from qslint.schema import service_docs  # botocore, on the first hover only

    names = [part for part in path if isinstance(part, str)]
    if not names:
        return ""
    model = model_at(path[: _last_name(path)])
    docs = service_docs().get(model.__name__) if model else None
    return docs.members.get(names[-1], "") if docs else ""


def _last_name(path: JsonPath) -> int:
    return max(i for i, part in enumerate(path) if isinstance(part, str))


def _kind(path: JsonPath) -> str:
    shape = annotation_at(path)
    if get_origin(shape) is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in get_args(shape))
    return f"`{getattr(shape, '__name__', shape)}`"


def hover_text(path: JsonPath) -> str:
    """Markdown for the field at ``path``: its name, path, type and documentation."""
    name = path[_last_name(path)]
    head = f"**`{name}`** ({_kind(path)})  \n`{format_json_path(path)}`"
    docs = field_docs(path)
    return f"{head}\n\n{docs}" if docs else head


def key_at(name: str, text: str, line: int, character: int) -> JsonPath | None:
    """The path of the mapping key under the cursor, if the document parses that far."""
    source = load_source(name, text.encode("utf-8"))
    lines = text.splitlines()
    for document in source.documents:
        for path, mark in document.keys.items():
            if mark.line != line or mark.line >= len(lines):
                continue
            quoted = lines[mark.line][mark.column : mark.column + 1] in ("'", '"')
            width = len(str(path[-1])) + (2 if quoted else 0)
            if mark.column <= character <= mark.column + width and annotation_at(path):
                return path
    return None


@dataclass(frozen=True)
class Completion:
    """What may be typed at the cursor: field names (``keys``) or enum values."""

    path: JsonPath  # of the mapping (keys) or of the field (values)
    keys: bool
    words: tuple[str, ...]


def completion_at(lines: Sequence[str], line: int, character: int) -> Completion | None:
    """Field names or enum values for the cursor in a YAML block-style document."""
    if not 0 <= line < len(lines):
        return None
    typed = lines[line][:character]
    value = _TYPING_VALUE.match(typed)
    if value is not None:
        path = (*_parents(lines, line, len(value["lead"])), value["key"])
        words = enum_values_at(path)
        return Completion(path, keys=False, words=tuple(words)) if words else None
    key = _TYPING_KEY.match(typed)
    if key is None:
        return None
    column = len(key["lead"])
    path = _parents(lines, line, column)
    present = _siblings(lines, line, column)
    words = tuple(name for name in field_names_at(path) if name not in present)
    return Completion(path, keys=True, words=words) if words else None


def _key_column(line: str) -> tuple[int, str] | None:
    match = _KEY_LINE.match(line)
    return None if match is None else (len(match["lead"]), match["key"])


def _parents(lines: Sequence[str], line: int, column: int) -> JsonPath:
    """The keys whose block holds a key at ``column`` on ``line``, outermost first (list
    indexes are left out: the model's types do not depend on them)."""
    path: list[str] = []
    for number in range(line - 1, -1, -1):
        found = _key_column(lines[number])
        if found is not None and found[0] < column:
            column = found[0]
            path.insert(0, found[1])
            if column == 0:
                break
    return tuple(path)


def _starts_item(line: str, column: int) -> bool:
    """Whether ``line`` starts a list item whose first key is at ``column``."""
    match = _KEY_LINE.match(line)
    return match is not None and "-" in match["lead"] and len(match["lead"]) == column


def _siblings(lines: Sequence[str], line: int, column: int) -> set[str]:
    """The keys already written at ``column`` in the mapping of ``line``."""
    present: set[str] = set()
    if not _starts_item(lines[line], column):
        for number in range(line - 1, -1, -1):
            found = _key_column(lines[number])
            if found is not None and found[0] < column:
                break
            if found is not None and found[0] == column:
                present.add(found[1])
                if _starts_item(lines[number], column):
                    break
    for number in range(line + 1, len(lines)):
        found = _key_column(lines[number])
        if found is not None and (found[0] < column or _starts_item(lines[number], column)):
            break
        if found is not None and found[0] == column:
            present.add(found[1])
    return present

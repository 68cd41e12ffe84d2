"""Template × rows -> one document per row, between the loader and the model.

A document whose top level holds ``x-qslint: {for-each: FILE | [rows]}`` is a template: each
``${column}`` in a string value is filled from a row, and a value that is one placeholder
and nothing else takes the type the request needs there (a cell ``25`` in
``IntegerParameters`` is 25); ``$${...}`` is the literal text ``${...}`` (as in
docker-compose, Terraform and CloudFormation's ``Fn::Sub``), which no column fills. Each
row gives a document at the template's positions that also knows, for every value a cell
filled, where that cell is: a finding about a value a row gave points at the row. What
keeps a template from expanding (no rows file, a placeholder no column fills, a row that
lacks a cell, a row given twice) is a :class:`~qslint.loader.documents.FanOutProblem`; a
template with such a problem expands to nothing, so that it is never checked or submitted
half-filled.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from qslint.config import LoadLimits
from qslint.fanout import (
    CANNOT_EXPAND,
    CSV_SUFFIXES,
    DUPLICATE_ROW,
    FAN_OUT_KEY,
    MISSING_CELL,
    SENSITIVE_SHOWN,
    UNKNOWN_COLUMN,
    UNUSED_COLUMN,
    has_template,
    quoted_column,
)
from qslint.fanout.rows import Row, Rows, RowsError, rows_from_bytes, rows_from_values
from qslint.findings import JsonPath, Location, Mark
from qslint.loader.documents import (
    Document,
    FanOutProblem,
    FanOutRow,
    SourceFile,
    service_sensitivity,
)

FOR_EACH = "for-each"
ROW_NAME = "row-name"
_SETTINGS = (FOR_EACH, ROW_NAME)
# A placeholder (its column: `column_of`), or an escaped one, `$${...}`: literal text. The
# blanks around a name are stripped by `column_of`, and a name stops at the next `$`: a long
# run of blanks, or of openings, with no `}` after would take the regex engine cubic or
# quadratic time.
PLACEHOLDER = re.compile(r"\$\$\{[^}$]*\}|\$\{([^}$]*)\}")


def column_of(match: re.Match[str]) -> str | None:
    """The column a :data:`PLACEHOLDER` match names; ``None`` for an escape."""
    name = match.group(1)
    return None if name is None else name.strip()


# Reads a rows file named relative to the repository: its bytes, or why there are none.
ReadRows = Callable[[str], tuple[bytes | None, str | None]]


@dataclass(frozen=True)
class _Slot:
    """A string value of the template that holds placeholders."""

    path: JsonPath
    text: str
    columns: tuple[str, ...]  # in order of appearance; none when it holds escapes only
    whole: bool  # the value is one placeholder and nothing else
    mark: Mark  # where the first placeholder starts in the template
    wanted: Any  # what the request needs at ``path`` (known for a ``whole`` one only)
    literals: frozenset[str]  # the `${...}` its escapes write


def expand_source(source: SourceFile, read_rows: ReadRows, limits: LoadLimits) -> SourceFile:
    """``source`` with each template document replaced by one document per row."""
    if not has_template(source):
        return source
    documents: list[Document] = []
    written: list[int] = []
    problems: list[FanOutProblem] = []
    rows_files: list[str] = []
    rows_read: list[str] = []
    for index, document in enumerate(source.documents):
        if FAN_OUT_KEY not in document.data:
            documents.append(document)
            written.append(index)
            continue
        expansion = _Expansion(source, document, limits)
        rows = expansion.expand(read_rows)
        documents += rows
        written += [index] * len(rows)
        problems += expansion.problems
        rows_files += expansion.rows_files
        rows_read += expansion.rows_read
    return source.replace(
        documents=documents,
        fan_out_problems=source.fan_out_problems + problems,
        rows_files=(*source.rows_files, *rows_files),
        rows_read=(*source.rows_read, *rows_read),
        written=tuple(written),
    )


class _Expansion:
    def __init__(self, source: SourceFile, template: Document, limits: LoadLimits) -> None:
        self.source = source
        self.template = template
        self.limits = limits
        self.problems: list[FanOutProblem] = []
        self.rows_files: list[str] = []
        self.rows_read: list[str] = []
        self._lines: list[str] | None = None  # the template's text (not starred out), by line

    def _problem(self, kind: str, message: str, mark: Mark, file: str | None = None) -> None:
        self.problems.append(FanOutProblem(kind, message, file or self.source.path, mark))

    def _at(self, path: JsonPath, *, key: bool = False) -> Mark:
        return self.template.locate(path, key=key)

    def expand(self, read_rows: ReadRows) -> list[Document]:
        settings = self.template.data[FAN_OUT_KEY]
        rows = self._rows(settings, read_rows)
        if rows is None:
            return []
        body: Any = {key: value for key, value in self.template.data.items() if key != FAN_OUT_KEY}
        slots = list(self._slots(body, ()))
        literals = {slot.path: slot.literals for slot in slots if slot.literals}
        for slot in slots:
            if not slot.columns:  # escapes only: the same text in every row, written once
                body = _set(body, slot.path, PLACEHOLDER.sub(_unescaped, slot.text))
        slots = [slot for slot in slots if slot.columns]
        used = {column for slot in slots for column in slot.columns}
        row_name = settings.get(ROW_NAME)
        for slot in slots:
            for column in slot.columns:
                if column not in rows.columns:
                    self._problem(UNKNOWN_COLUMN, unknown_column(column, rows), slot.mark)
        for column, mark in rows.columns.items():
            if column not in used and column != row_name:
                unused = f"column {quoted_column(column)} fills no placeholder"
                self._problem(UNUSED_COLUMN, unused, mark, rows.file)
        hidden = sensitive_columns((slot.path, slot.text) for slot in slots)
        self._shown_sensitive(slots, hidden)
        if row_name in hidden:
            self._problem(
                CANNOT_EXPAND,
                f"`{ROW_NAME}` column {quoted_column(row_name)} fills a sensitive value, which no "
                "report may show: name rows by another column",
                self._at((FAN_OUT_KEY, ROW_NAME)),
            )
            row_name = None
        if any(problem.kind == UNKNOWN_COLUMN for problem in self.problems):
            return []
        kept = self._complete_rows(rows, used)
        if len(kept) * max(1, _count(body)) > self.limits.max_nodes:
            self._problem(
                CANNOT_EXPAND,
                f"{len(kept)} rows of this template give more than {self.limits.max_nodes} "
                "values (`max-nodes`): split the rows",
                self._at((FAN_OUT_KEY, FOR_EACH)),
            )
            return []
        filled = _tree(slots)
        return [
            self._document(body, slots, filled, row, rows.file, row_name, len(kept), literals)
            for row in kept
        ]

    def _rows(self, settings: Any, read_rows: ReadRows) -> Rows | None:
        where = self._at((FAN_OUT_KEY,))
        if not isinstance(settings, dict) or FOR_EACH not in settings:
            self._problem(
                CANNOT_EXPAND, f"`{FAN_OUT_KEY}` is a mapping with a `{FOR_EACH}` key", where
            )
            return None
        for key in settings:
            if key not in _SETTINGS:
                known = ", ".join(f"`{name}`" for name in _SETTINGS)
                message = f"`{FAN_OUT_KEY}` has no setting `{key}` (its settings: {known})"
                self._problem(CANNOT_EXPAND, message, self._at((FAN_OUT_KEY, key), key=True))
        row_name = settings.get(ROW_NAME)
        if row_name is not None and not isinstance(row_name, str):
            self._problem(
                CANNOT_EXPAND, f"`{ROW_NAME}` names a column", self._at((FAN_OUT_KEY, ROW_NAME))
            )
        given = settings[FOR_EACH]
        at = (FAN_OUT_KEY, FOR_EACH)
        try:
            if isinstance(given, str):
                rows = self._rows_file(given, read_rows)
            else:
                data = self.template
                rows = rows_from_values(self.source.path, given, data.values, data.keys, at)
        except RowsError as error:
            file = self.rows_files[-1] if isinstance(given, str) else None
            self._problem(CANNOT_EXPAND, error.message, error.mark, file)
            return None
        if isinstance(rows, str):
            self._problem(CANNOT_EXPAND, rows, self._at(at))
            return None
        if isinstance(row_name, str) and row_name not in rows.columns:
            self._problem(
                UNKNOWN_COLUMN,
                f"`{ROW_NAME}` names no column of the rows: {quoted_column(row_name)} "
                f"({columns_of(rows)})",
                self._at((FAN_OUT_KEY, ROW_NAME)),
            )
        if not rows.rows:
            self._problem(CANNOT_EXPAND, "the rows hold no row", self._at(at))
            return None
        return rows if not self.problems else None

    def _rows_file(self, name: str, read_rows: ReadRows) -> Rows | str:
        """The rows of the file ``name`` beside the template, or why there are none."""
        elsewhere = outside_folder(name)
        if elsewhere is not None:
            return elsewhere
        file = rows_file_beside(self.source.path, name)
        self.rows_files.append(file)
        rows = read_rows_file(file, read_rows, self.limits)
        if isinstance(rows, Rows):
            self.rows_read.append(file)
        return rows

    def _slots(self, value: Any, path: JsonPath) -> Iterator[_Slot]:
        for at, text in string_values(value, path):
            found = list(PLACEHOLDER.finditer(text)) if "${" in text else []
            if not found:
                continue
            placeholders = [match for match in found if column_of(match) is not None]
            columns = tuple(dict.fromkeys(map(column_of, placeholders)))
            whole = len(placeholders) == 1 and found[0].span() == (0, len(text))
            mark = self._placeholder_mark(at, text, (placeholders or found)[0].start())
            wanted = _annotation_at(at) if whole else None
            literals = frozenset(_unescaped(m) for m in found if column_of(m) is None)
            yield _Slot(at, text, columns, whole, mark, wanted, literals)

    def _shown_sensitive(self, slots: list[_Slot], hidden: AbstractSet[str]) -> None:
        """A problem at each placeholder that writes a sensitive column into a value that
        is not sensitive: a job id, a prefix, which plans, logs and reports show."""
        sensitive = service_sensitivity().applies
        for slot in slots:
            if sensitive(slot.path):
                continue
            for match in PLACEHOLDER.finditer(slot.text):
                column = column_of(match)
                if column in hidden:
                    field = next(p for p in reversed(slot.path) if isinstance(p, str))
                    self._problem(
                        SENSITIVE_SHOWN,
                        f"column {quoted_column(column)} fills a value the service marks "
                        f"sensitive, and here `{field}`, which plans, logs and reports show",
                        self._placeholder_mark(slot.path, slot.text, match.start()),
                    )

    def _placeholder_mark(self, path: JsonPath, text: str, offset: int) -> Mark:
        """Where the placeholder at ``offset`` of the value ``text`` at ``path`` is written:
        exact where the value is written as read up to it, else the value's start."""
        start = self._at(path)
        if self._lines is None:
            self._lines = self.source.text.splitlines()
        line = self._lines[start.line - 1] if start.line <= len(self._lines) else ""
        written = line[start.column - 1 :]
        quoted = int(written[:1] in ("'", '"'))
        if written[quoted : quoted + offset] == text[:offset]:
            return Mark(start.line, start.column + quoted + offset)
        return start

    def _complete_rows(self, rows: Rows, used: set[str]) -> list[Row]:
        """The rows with a cell for every placeholder, each once; the others are problems."""
        kept: list[Row] = []
        first: dict[tuple[tuple[str, Any], ...], Row] = {}
        for row in rows.rows:
            missing = [
                column for column in rows.columns if column in used and lacks_value(row, column)
            ]
            if missing:
                names = ", ".join(map(quoted_column, missing))
                self._problem(
                    MISSING_CELL, f"row {row.number} has no value for {names}", row.mark, rows.file
                )
                continue
            values = tuple(sorted((name, cell.value) for name, cell in row.cells.items()))
            earlier = first.setdefault(values, row)
            if earlier is not row:
                self._problem(
                    DUPLICATE_ROW,
                    f"row {row.number} repeats row {earlier.number}: one export, listed twice",
                    row.mark,
                    rows.file,
                )
                continue
            kept.append(row)
        return kept

    def _document(
        self,
        body: dict[str, Any],
        slots: list[_Slot],
        filled: _Tree,
        row: Row,
        file: str,
        row_name: str | None,
        total: int,
        literals: dict[JsonPath, frozenset[str]],
    ) -> Document:
        origins: dict[JsonPath, tuple[Location, tuple[str, ...]]] = {}
        for slot in slots:
            mark = row.cells[slot.columns[0]].mark
            origins[slot.path] = (Location(file, mark.line, mark.column, slot.path), slot.columns)
        name = str(row.cells[row_name].value) if row_name in row.cells else None
        return self.template.replace(
            data=_fill(body, filled, row),
            row=FanOutRow(row.number, name, total),
            origins=origins,
            literals=literals,
        )


def outside_folder(name: str) -> str | None:
    """Why ``for-each: NAME`` names no file beside the template or below it; None if it does."""
    if not name or name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name):
        return f"`{FOR_EACH}` names a file beside this one or below it, not `{name}`"
    return None


def rows_file_beside(template: str, name: str) -> str:
    """The path of the rows file ``name`` (not :func:`outside_folder`) beside ``template``."""
    folder = posixpath.dirname(template.replace("\\", "/"))
    return posixpath.join(folder, name) if folder else name


def read_rows_file(file: str, read_rows: ReadRows, limits: LoadLimits) -> Rows | str:
    """The rows of ``file``, or why it cannot be read; ``RowsError`` for what it holds."""
    raw, unreadable = read_rows(file)
    if raw is None:
        return f"rows file `{file}`: {unreadable or 'cannot read file'}"
    return rows_from_bytes(file, raw, limits)


def unknown_column(column: str, rows: Rows) -> str:
    """What is wrong with a placeholder that names no column of ``rows``."""
    return f"placeholder `${{{column}}}` names no column of the rows ({columns_of(rows)})"


# What a CSV's one column holds when its cells were separated by something else.
_OTHER_SEPARATORS = {";": "`;`", "\t": "tabs", "|": "`|`"}


def columns_of(rows: Rows) -> str:
    """The columns of ``rows`` as a message lists them; for a CSV whose header is one
    column holding `;`, a tab or `|`, why: its cells are separated by commas only."""
    known = ", ".join(map(quoted_column, rows.columns))
    if len(rows.columns) == 1 and rows.file.lower().endswith(CSV_SUFFIXES):
        (header,) = rows.columns
        for separator, name in _OTHER_SEPARATORS.items():
            if separator in header:
                return f"{known}, its only column: a CSV separates its cells by commas, not {name}"
    return known


def string_values(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every string value within ``value`` (found at ``path``), with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from string_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_values(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def lacks_value(row: Row, column: str) -> bool:
    """Whether ``row`` has no cell, or an empty one, for ``column`` (QS113)."""
    cell = row.cells.get(column)
    return cell is None or cell.value == ""


def sensitive_columns(values: Iterable[tuple[JsonPath, str]]) -> frozenset[str]:
    """The columns whose placeholders, in ``values`` (a template's strings by path), fill a
    value the service model marks sensitive."""
    sensitive = service_sensitivity().applies
    return frozenset(
        column
        for path, text in values
        if sensitive(path)
        for match in PLACEHOLDER.finditer(text)
        if (column := column_of(match)) is not None  # not an escape, `$${...}`
    )


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(item) for item in value)
    return 1


def cell_text(value: Any) -> str:
    """A cell's value as a placeholder within text writes it (a boolean as YAML writes it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unescaped(match: re.Match[str]) -> str:
    """An escape, `$${...}`, as the literal `${...}` it writes."""
    return match.group()[1:]


def _filled(slot: _Slot, row: Row) -> Any:
    if slot.whole:
        return _typed(row.cells[slot.columns[0]].value, slot.wanted)

    def text(match: re.Match[str]) -> str:
        column = column_of(match)
        return _unescaped(match) if column is None else cell_text(row.cells[column].value)

    return PLACEHOLDER.sub(text, slot.text)


def _annotation_at(path: JsonPath) -> Any:
    from qslint.compiled_model import annotation_at  # only for a template with placeholders

    return annotation_at(path)


def _typed(value: Any, wanted: Any) -> Any:
    """A cell's value as the request needs it (``wanted``): a number where a number goes; a
    cell that is not one stays as written, for the type rule to report at the cell."""
    if wanted is str or not isinstance(value, str):
        return cell_text(value) if wanted is str else value
    converters: Mapping[Any, Callable[[str], Any]] = {int: int, float: float, bool: _boolean}
    convert = converters.get(wanted)
    if convert is None:
        return value
    try:
        return convert(value.strip())
    except ValueError:
        return value


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError(text)
    return lowered == "true"


# The slots by path, as nested keys: each container that holds a slot, and the slot at its
# end. A row's document copies these containers once each and shares the rest.
_Tree = dict[str | int, "_Tree | _Slot"]


def _tree(slots: list[_Slot]) -> _Tree:
    root: _Tree = {}
    for slot in slots:
        node = root
        for part in slot.path[:-1]:
            below = node.setdefault(part, {})
            assert isinstance(below, dict), "a slot is a string: nothing is under it"
            node = below
        node[slot.path[-1]] = slot
    return root


def _fill(data: Any, tree: _Tree, row: Row) -> Any:
    """``data`` with each slot of ``tree`` filled from ``row``: the containers that hold
    slots are copied, the rest shared with the template and every other row."""
    copied = dict(data) if isinstance(data, dict) else list(data)
    for key, below in tree.items():
        value = _filled(below, row) if isinstance(below, _Slot) else _fill(data[key], below, row)
        copied[key] = value
    return copied


def _set(data: Any, path: JsonPath, value: Any) -> Any:
    """``data`` with the value at ``path`` replaced: the containers along the path are
    copied, the rest shared."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copied: Any = dict(data)
    else:
        copied = list(data)
    copied[head] = _set(data[head], rest, value)
    return copied

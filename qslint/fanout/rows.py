"""A fan-out's rows, each cell with its position: from a CSV file with a header row, a YAML or
JSON list of mappings, or a list written inline in the template.

The standard library's ``csv`` module reports no positions, and every finding about a cell
must point at it, so CSV (RFC 4180: commas, double quotes, ``""`` for a quote) is scanned
here. YAML and JSON rows go through the loader, under the same limits as any definition:
nothing in a rows file is ever constructed into an object, and it is never read past
``max-file-size``, nested past ``max-depth`` or counted past ``max-nodes``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qslint.config import LoadLimits
from qslint.fanout import CSV_SUFFIXES, quoted_column
from qslint.findings import JsonPath, Mark, describe_type, plural
from qslint.loader.composing import compose_documents
from qslint.loader.decoding import decode
from qslint.loader.documents import NOTHING_SENSITIVE, one_based
from qslint.loader.problems import json_problem

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Cell:
    value: Scalar
    mark: Mark


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, among the data rows
    mark: Mark  # where the row starts
    cells: Mapping[str, Cell]


@dataclass
class Rows:
    """The rows of one fan-out, in order, and where each column is named."""

    file: str  # as displayed: the rows file, or the template for inline rows
    columns: dict[str, Mark] = field(default_factory=dict)  # in order of first appearance
    rows: list[Row] = field(default_factory=list)


class RowsError(Exception):
    """Rows that cannot be read: a one-line message at a position in ``Rows.file``."""

    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def rows_from_bytes(file: str, raw: bytes, limits: LoadLimits) -> Rows:
    """The rows of a rows file (CSV by its suffix, else YAML or JSON); ``RowsError``."""
    decoded = decode(file, raw)
    if decoded.problems:
        problem = decoded.problems[0]
        raise RowsError(problem.message, problem.mark)
    if file.lower().endswith(CSV_SUFFIXES):
        return _csv_rows(file, decoded.text, limits)
    if file.lower().endswith(".json"):
        problem = json_problem(decoded.text)
        if problem is not None:
            raise RowsError(problem.message, problem.mark)
    documents, problem = compose_documents(decoded.text, limits, NOTHING_SENSITIVE)
    if problem is not None:
        raise RowsError(problem.message, problem.mark)
    if len(documents) != 1:
        raise RowsError("a rows file holds one list of mappings", Mark(1, 1))
    document = documents[0]
    return rows_from_values(file, document.data, document.values, document.keys, ())


def rows_from_values(
    file: str,
    data: Any,
    values: Mapping[JsonPath, Any],
    keys: Mapping[JsonPath, Any],
    at: JsonPath,
) -> Rows:
    """Rows from a parsed list of mappings at ``at`` of a document whose 0-based marks are
    ``values`` and ``keys``; ``RowsError`` for anything but a list of flat mappings."""

    def mark(path: JsonPath, table: Mapping[JsonPath, Any] = values) -> Mark:
        found = table.get(path)
        return one_based(found) if found is not None else Mark(1, 1)

    if not isinstance(data, list):
        raise RowsError(f"rows are a list of mappings, not {describe_type(data)}", mark(at))
    rows = Rows(file)
    for index, item in enumerate(data):
        where = (*at, index)
        if not isinstance(item, dict):
            raise RowsError(f"a row is a mapping, not {describe_type(item)}", mark(where))
        cells = {}
        for column, value in item.items():
            if isinstance(value, list | dict | date):
                kind = describe_type(value)
                raise RowsError(
                    f"cell {quoted_column(str(column))} is {kind}: a cell is a string or a number",
                    mark((*where, column)),
                )
            rows.columns.setdefault(column, mark((*where, column), keys))
            if value is not None:
                cells[column] = Cell(value, mark((*where, column)))
        rows.rows.append(Row(index + 1, mark(where), cells))
    return rows


def _csv_rows(file: str, text: str, limits: LoadLimits) -> Rows:
    records = _records(text, limits.max_nodes)
    header = next(records, None)
    if header is None:
        raise RowsError("the rows file is empty: it needs a header row", Mark(1, 1))
    rows = Rows(file)
    for name, mark in header:
        if not name.strip():
            raise RowsError("a column of the header row has no name", mark)
        if name in rows.columns:
            raise RowsError(f"column {quoted_column(name)} is named twice in the header row", mark)
        rows.columns[name] = mark
    names = list(rows.columns)
    for number, record in enumerate(records, start=1):
        if len(record) > len(names):
            _, mark = record[len(names)]
            raise RowsError(
                f"row {number} has {len(record)} cells; the header names "
                f"{plural(len(names), 'column')}",
                mark,
            )
        cells = {
            name: Cell(value, mark) for name, (value, mark) in zip(names, record, strict=False)
        }
        rows.rows.append(Row(number, record[0][1], cells))
    return rows


def _records(text: str, max_cells: int) -> Iterator[Sequence[tuple[str, Mark]]]:
    """Each non-blank record of CSV ``text``: its cells, each with where it starts."""
    scanner = _Scanner(text)
    cells = 0
    while not scanner.done:
        record = scanner.record()
        cells += len(record)
        if cells > max_cells:
            raise RowsError(f"more than {max_cells} cells (`max-nodes`)", record[0][1])
        if record != [("", record[0][1])]:  # a blank line
            yield record


class _Scanner:
    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0
        self._line = 1
        self._column = 1

    @property
    def done(self) -> bool:
        return self._at >= len(self._text)

    def _advance(self, count: int = 1) -> None:
        end = min(self._at + count, len(self._text))
        newlines = self._text.count("\n", self._at, end)
        if newlines:
            self._line += newlines
            self._column = end - self._text.rfind("\n", self._at, end)
        else:
            self._column += end - self._at
        self._at += count

    def record(self) -> list[tuple[str, Mark]]:
        cells = [self._cell()]
        while not self.done and self._text[self._at] == ",":
            self._advance()
            cells.append(self._cell())
        if self._text.startswith("\r\n", self._at):
            self._advance(2)
        elif not self.done:
            self._advance()  # the newline that ends the record
        return cells

    def _cell(self) -> tuple[str, Mark]:
        text, start = self._text, Mark(self._line, self._column)
        if self.done or text[self._at] != '"':
            end = self._at
            while end < len(text) and text[end] not in ",\r\n":
                end += 1
            value = text[self._at : end]
            if '"' in value:
                raise RowsError("a quote inside a cell that is not quoted", start)
            self._advance(end - self._at)
            return value, start
        self._advance()
        parts = []
        while True:
            close = text.find('"', self._at)
            if close < 0:
                raise RowsError("a quoted cell is never closed", start)
            parts.append(text[self._at : close])
            self._advance(close - self._at + 1)
            if not text.startswith('"', self._at):
                break
            parts.append('"')
            self._advance()
        if not self.done and text[self._at] not in ",\r\n":
            mark = Mark(self._line, self._column)
            raise RowsError("text after the closing quote of a cell", mark)
        return "".join(parts), start

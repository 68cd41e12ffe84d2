"""Hover and completion on a fan-out template's ``${column}`` placeholders.

Hover names the column a placeholder fills from, how many rows fill it and from which rows
file, with a few of its values; a column that fills a value the service model marks
sensitive (a row-level security tag's value) shows its name and count only. A placeholder
no column fills is told in the words of its finding. Completion after ``${`` offers the
rows' columns. Both read the template as the editor holds it and its rows through
:class:`~qslint.server.rows.RowsFiles`. Positions are 0-based lines and code points.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from qslint.config import LoadLimits
from qslint.fanout.expansion import (
    FAN_OUT_KEY,
    FOR_EACH,
    PLACEHOLDER,
    cell_text,
    column_of,
    lacks_value,
    outside_folder,
    rows_file_beside,
    sensitive_columns,
    string_values,
    unknown_column,
)
from qslint.fanout.rows import Rows, RowsError, rows_from_values
from qslint.findings import plural
from qslint.loader import Document, SourceFile, load_source
from qslint.loader.documents import one_based
from qslint.server.ranges import NodeRanges, Range
from qslint.server.rows import RowsFiles

MAX_SAMPLES = 5  # distinct values a hover shows of a column
MAX_SAMPLE_WIDTH = 40  # characters of one value shown
INLINE = "the inline rows"
# `${` and what is typed of a column's name after it, up to the cursor; and the rest of
# the name after the cursor, which a completion replaces too.
_TYPING = re.compile(r"\$\{[ \t]*(?P<typed>[^\s{}$\"']*)$")
_NAME_REST = re.compile(r"[^\s{}$\"']*")


@dataclass(frozen=True)
class FanOutRows:
    """A template's rows as the editor's state has them, or why there are none."""

    shown: str  # the rows file as the template names it, or INLINE
    rows: Rows | None
    problem: str | None  # why there are no rows: QS110's words
    hidden: frozenset[str]  # the columns that fill a sensitive value: never shown


@dataclass(frozen=True)
class PlaceholderHover:
    markdown: str
    range: Range


@dataclass(frozen=True)
class ColumnItem:
    """A column offered after ``${``: what replaces the range, and what describes it."""

    name: str
    new_text: str
    detail: str
    markdown: str


@dataclass(frozen=True)
class ColumnCompletion:
    range: Range  # what is typed of the name (and the rest of it after the cursor)
    items: list[ColumnItem]


class Placeholders:
    """Answers hover and completion on the placeholders of the templates an editor holds."""

    def __init__(self, rows_files: RowsFiles, limits_of: Callable[[str], LoadLimits]) -> None:
        self.rows_files = rows_files
        self.limits_of = limits_of  # the limits of a template's configuration, by its path

    def hover(self, path: str, text: str, line: int, character: int) -> PlaceholderHover | None:
        """What the placeholder under the cursor fills from, if the cursor is on one."""
        lines = text.splitlines()
        if not 0 <= line < len(lines) or "${" not in lines[line]:
            return None  # no placeholder under the cursor: nothing to parse
        limits = self.limits_of(path)
        source = load_source(path, text.encode("utf-8"), limits)
        template = template_at(source, line)
        if template is None:
            return None
        found = _placeholder_at(template, NodeRanges(text, limits), text, line, character)
        if found is None:
            return None
        rows = self.rows_of(path, template, limits)
        column, range_ = found
        return None if rows is None else PlaceholderHover(describe(column, rows), range_)

    def completion(
        self, path: str, text: str, line: int, character: int
    ) -> ColumnCompletion | None:
        """The rows' columns, if the cursor follows ``${`` in a template."""
        lines = text.splitlines(keepends=True)
        if not 0 <= line < len(lines):
            return None
        written = lines[line].rstrip("\r\n")
        typing = _TYPING.search(written, 0, character)
        if typing is None or _in_comment(written[: typing.start()]):
            return None
        if written[: typing.start()].endswith("$"):  # `$${`, an escape: literal text
            return None
        limits = self.limits_of(path)
        template = template_at(load_source(path, text.encode("utf-8"), limits), line)
        if template is None:  # the line being typed may not parse yet: read the others
            ending = lines[line][len(written) :]
            others = "".join([*lines[:line], ending, *lines[line + 1 :]])
            template = template_at(load_source(path, others.encode("utf-8"), limits), line)
        rows = None if template is None else self.rows_of(path, template, limits)
        if rows is None or rows.rows is None:
            return None
        rest = _NAME_REST.match(written, character)
        end = rest.end() if rest else character
        closed = written.startswith("}", end)
        items = [
            ColumnItem(
                name,
                name if closed else f"{name}}}",
                f"column of {rows.shown}, {plural(len(rows.rows.rows), 'row')}",
                # The column being typed may be about to fill a sensitive value.
                describe(name, rows, with_values=False),
            )
            for name in rows.rows.columns
            if "}" not in name
        ]
        return ColumnCompletion(((line, typing.start("typed")), (line, end)), items)

    def rows_of(self, path: str, template: Document, limits: LoadLimits) -> FanOutRows | None:
        """The rows of ``template`` (of the file at ``path``); None when it names none."""
        settings = template.data[FAN_OUT_KEY]
        if not isinstance(settings, dict) or FOR_EACH not in settings:
            return None
        given = settings[FOR_EACH]
        shown = given if isinstance(given, str) else INLINE
        body = {key: value for key, value in template.data.items() if key != FAN_OUT_KEY}
        hidden = sensitive_columns(string_values(body, ()))
        if isinstance(given, str):
            elsewhere = outside_folder(given)
            if elsewhere is not None:
                return FanOutRows(shown, None, elsewhere, hidden)
            file = os.path.normpath(rows_file_beside(path, given))
            rows = self.rows_files.rows(file, given, limits)
        else:
            at = (FAN_OUT_KEY, FOR_EACH)
            try:
                rows = rows_from_values(path, given, template.values, template.keys, at)
            except RowsError as error:
                rows = error.message
        if isinstance(rows, str):
            return FanOutRows(shown, None, rows, hidden)
        return FanOutRows(shown, rows, None, hidden)


def template_at(source: SourceFile, line: int) -> Document | None:
    """The document of ``source`` that holds ``line``, if it is a fan-out's template."""
    holding = None
    for document in source.documents:
        if document.start.line - 1 <= line:
            holding = document
    if holding is None or not isinstance(holding.data, dict) or FAN_OUT_KEY not in holding.data:
        return None
    return holding


def _placeholder_at(
    template: Document, ranges: NodeRanges, text: str, line: int, character: int
) -> tuple[str, Range] | None:
    """The column of the placeholder under the cursor in a string value, and its range."""
    lines = text.splitlines()
    body = {key: value for key, value in template.data.items() if key != FAN_OUT_KEY}
    for path, value in string_values(body, ()):
        mark = template.values.get(path)
        if "${" not in value or mark is None or not 0 <= line < len(lines):
            continue
        start, end = ranges.of(one_based(mark))
        if not start <= (line, character) < end:
            continue
        first = start[1] if start[0] == line else 0
        last = end[1] if end[0] == line else len(lines[line])
        for match in PLACEHOLDER.finditer(lines[line], first, last):
            column = column_of(match)
            if match.start() <= character < match.end() and column is not None:
                return column, ((line, match.start()), (line, match.end()))
    return None


def _in_comment(before: str) -> bool:
    """Whether a YAML comment has started in ``before``, the start of a line."""
    quote = None
    for index, char in enumerate(before):
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or before[index - 1] in " \t"):
            return True
    return False


def describe(column: str, rows: FanOutRows, *, with_values: bool = True) -> str:
    """Markdown: where ``column``'s values come from, how many rows fill it, a few of them
    (but for a column that fills a sensitive value, or ``with_values=False``)."""
    head = f"**{_code('${' + column + '}')}**"
    if rows.rows is None:
        return f"{head}: {rows.problem}"
    total = len(rows.rows.rows)
    if column not in rows.rows.columns:
        words = unknown_column(column, rows.rows)
        return f"{head}: {words}\n\nRows: {_source(rows)}, {plural(total, 'row')}"
    filled = [row for row in rows.rows.rows if not lacks_value(row, column)]
    count = plural(total, "row") if len(filled) == total else f"{len(filled)} of {total} rows"
    text = f"{head}: column {_code(column)} of {_source(rows)}, filled by {count}"
    if column in rows.hidden:
        return f"{text}\n\nIt fills a value the service marks sensitive: its values are not shown."
    if not with_values:
        return text
    values = list(dict.fromkeys(cell_text(row.cells[column].value) for row in filled))
    if values:
        shown = ", ".join(_code(value) for value in values[:MAX_SAMPLES])
        more = f", … ({len(values)} distinct)" if len(values) > MAX_SAMPLES else ""
        text += f"\n\nValues: {shown}{more}"
    return text


def _source(rows: FanOutRows) -> str:
    return rows.shown if rows.shown == INLINE else _code(rows.shown)


def _code(text: str) -> str:
    """``text`` on one line as Markdown inline code, whatever backticks it holds."""
    text = " ".join(text.splitlines())
    if len(text) > MAX_SAMPLE_WIDTH:
        text = text[: MAX_SAMPLE_WIDTH - 1] + "…"
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"

"""What a load yields: documents of positioned values, files, and why parts of them failed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from qslint.findings import JsonPath, Location, Mark
from qslint.records import Record
from qslint.suppressions import Suppression

PathPredicate = Callable[[JsonPath], bool]


class Document(Record):
    """One parsed job document: plain values plus where each of them starts."""

    def __init__(self, data: Any, start: Mark, *, yaml11: bool = False) -> None:
        self.data = data
        self.start = start
        self.yaml11 = yaml11  # opened by a `%YAML 1.1` directive: read as YAML 1.1
        # Where each value and each mapping key starts, as the parser's own 0-based marks:
        # every node of every file gets one, and only the few a finding names are ever
        # converted.
        self.values: dict[JsonPath, Any] = {}
        self.keys: dict[JsonPath, Any] = {}
        self.hidden: list[tuple[Mark, Mark]] = []  # spans of sensitive scalars
        # The text of each plain (unquoted) scalar value that YAML 1.2 reads as other than a
        # string, or YAML 1.1 does: where the two readers may disagree.
        self.plain_scalars: dict[JsonPath, str] = {}
        # A fan-out's row (None for a plain document) and, for each value a row's cell
        # filled, where that cell is in the rows file and the columns the value's
        # placeholders name.
        self.row: FanOutRow | None = None
        self.origins: dict[JsonPath, tuple[Location, tuple[str, ...]]] = {}
        # For each value a fan-out's template wrote escaped (`$${X}`), the `${X}` it holds on
        # purpose: no placeholder left unrendered.
        self.literals: Mapping[JsonPath, frozenset[str]] = {}

    def locate(self, path: JsonPath, *, key: bool = False) -> Mark:
        """The 1-based position of the node at ``path`` (its key with ``key=True``).

        A path that does not exist (a missing field) is located at its nearest existing
        ancestor, preferring the key that introduces it: that is where the user adds it.
        """
        if key and path in self.keys:
            return one_based(self.keys[path])
        if path in self.values:
            return one_based(self.values[path])
        while path:
            path = path[:-1]
            if path in self.keys:
                return one_based(self.keys[path])
            if path in self.values:
                return one_based(self.values[path])
        return self.start


def one_based(mark: Any) -> Mark:
    return Mark(mark.line + 1, mark.column + 1)


class FanOutRow(NamedTuple):
    """Which row of a fan-out a document is: its number in the rows (1-based), its name when
    the template names rows by a column, and how many rows the template expands to."""

    number: int
    name: str | None
    total: int

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.number)


class FanOutProblem(NamedTuple):
    """Why a fan-out cannot expand (a part of) its template: ``kind`` is what the rules of
    fan-outs tell apart, ``file`` where the problem is (the template or its rows file)."""

    kind: str
    message: str
    file: str
    mark: Mark


class LoadProblem(NamedTuple):
    """Why (part of) a file could not be read; QS100 material."""

    message: str
    mark: Mark


class SourceFile(Record):
    """A file as the checks see it."""

    def __init__(
        self,
        path: str,
        text: str,
        *,
        problems: list[LoadProblem] | None = None,
        byte_order_mark: bool = False,  # the bytes started with a UTF-8 BOM (not in ``text``)
    ) -> None:
        self.path = path
        self.text = text
        self.problems = [] if problems is None else problems
        self.byte_order_mark = byte_order_mark
        self.documents: list[Document] = []
        self.suppressions: dict[int, Suppression] = {}  # by line
        self.fan_out_problems: list[FanOutProblem] = []
        # The rows files its fan-outs read (its result depends on them), and those of them
        # that read as rows (and so are no definition).
        self.rows_files: tuple[str, ...] = ()
        self.rows_read: tuple[str, ...] = ()
        # Once fan-outs are expanded: for each document, the index of the one written in the
        # file that gave it (a row's template), which is where a fix edits.
        self.written: tuple[int, ...] = ()

    def written_index(self, index: int) -> int:
        """The index among the file's written documents of document ``index``."""
        return self.written[index] if self.written else index

    def is_suppressed(self, code: str, line: int) -> bool:
        suppression = self.suppressions.get(line)
        return suppression is not None and suppression.covers(code)

    @functools.cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()  # once per file, however many findings show a line

    def excerpt(self, line: int) -> str | None:
        """Source line ``line`` with every sensitive value on it starred out, for display."""
        lines = self._lines
        if not 1 <= line <= len(lines):
            return None
        return self._masked(line, lines[line - 1])

    def masked_text(self) -> str:
        """The whole text with every sensitive value starred out, for display (a diff)."""
        lines = self.text.splitlines(keepends=True)
        for number, text in enumerate(lines, start=1):
            content = text.rstrip("\r\n")
            lines[number - 1] = self._masked(number, content) + text[len(content) :]
        return "".join(lines)

    def _masked(self, line: int, text: str) -> str:
        for document in self.documents:
            for start, end in document.hidden:
                if start.line <= line <= end.line:
                    first = start.column - 1 if start.line == line else 0
                    last = end.column - 1 if end.line == line else len(text)
                    text = text[:first] + "*" * (last - first) + text[last:]
        return text


class Sensitivity:
    """Which values are sensitive: under a field in ``names`` for which ``applies(path)``.

    The name check is the cheap filter run for every mapping key; the predicate decides.
    """

    # Slots, not a named tuple: the loader reads ``names`` at every mapping key, and a
    # slot is the quickest attribute to read.
    __slots__ = ("applies", "names")

    def __init__(self, names: frozenset[str], applies: PathPredicate) -> None:
        self.names = names
        self.applies = applies


NOTHING_SENSITIVE = Sensitivity(frozenset(), lambda path: False)


@functools.cache
def service_sensitivity() -> Sensitivity:
    """The values the service model marks sensitive (the model is imported on first use)."""
    from qslint.compiled_model import is_sensitive, sensitive_field_names

    return Sensitivity(sensitive_field_names(), is_sensitive)

"""Text -> documents whose every node knows its line and column.

YAML is composed into nodes by libyaml (``ruamel.yaml.clib``), which keeps a start mark on
every node at a fraction of the cost of the pure-Python round-trip loader. The nodes are then
turned into plain Python values by a small walker that records where each value and each
mapping key starts, expands merge keys and aliases, and refuses what a job definition never
needs (custom tags, duplicate keys, non-string keys). Scalars are converted by ruamel.yaml's
own safe constructor, so ``2026-01-01`` is a date and ``0x1F`` is 31, exactly as in YAML 1.2.

JSON is first checked by the standard library's strict parser (a trailing comma or a comment
is an error there) and then composed the same way, JSON being YAML 1.2's subset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from _ruamel_yaml import CParser
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import Resolver

from qslint.findings import JsonPath

_YAML = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
MAP_TAG, SEQ_TAG, MERGE_TAG = f"{_YAML}map", f"{_YAML}seq", f"{_YAML}merge"
JSON_SUFFIXES = (".json",)

PathPredicate = Callable[[JsonPath], bool]
_SUPPRESSION = re.compile(r"(?:^|\s)#\s*qslint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class LoadLimits:
    """Bounds that keep hostile files cheap to answer."""

    max_depth: int = 64
    max_nodes: int = 200_000


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass
class Document:
    """One parsed job document: plain values plus where each of them starts."""

    data: Any
    start: Mark
    values: dict[JsonPath, Mark] = field(default_factory=dict)
    keys: dict[JsonPath, Mark] = field(default_factory=dict)
    hidden: list[tuple[Mark, Mark]] = field(default_factory=list)  # spans of sensitive scalars

    def locate(self, path: JsonPath, *, key: bool = False) -> Mark:
        """The mark of the node at ``path`` (its key with ``key=True``).

        A path that does not exist (a missing field) is located at its nearest existing
        ancestor, preferring the key that introduces it: that is where the user adds it.
        """
        if key and path in self.keys:
            return self.keys[path]
        if path in self.values:
            return self.values[path]
        while path:
            path = path[:-1]
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
        return self.start


@dataclass(frozen=True)
class LoadProblem:
    """Why (part of) a file could not be read; QS100 material."""

    message: str
    mark: Mark


@dataclass
class SourceFile:
    """A file as the checks see it."""

    path: str
    text: str
    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    suppressions: dict[int, frozenset[str] | None] = field(default_factory=dict)

    def is_suppressed(self, code: str, line: int) -> bool:
        if line not in self.suppressions:
            return False
        codes = self.suppressions[line]
        return codes is None or any(code.startswith(prefix) for prefix in codes)

    def excerpt(self, line: int) -> str | None:
        """Source line ``line`` with every sensitive value on it starred out, for display."""
        lines = self.text.splitlines()
        if not 1 <= line <= len(lines):
            return None
        text = lines[line - 1]
        for document in self.documents:
            for start, end in document.hidden:
                if start.line <= line <= end.line:
                    first = start.column - 1 if start.line == line else 0
                    last = end.column - 1 if end.line == line else len(text)
                    text = text[:first] + "*" * (last - first) + text[last:]
        return text


class NodeComposer(CParser, SafeConstructor, Resolver):  # type: ignore[misc]
    """libyaml's composer with ruamel.yaml's YAML 1.2 resolver and scalar constructors."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        self._parser = self._composer = self
        SafeConstructor.__init__(self, loader=self)
        Resolver.__init__(self, loadumper=self)


class _Invalid(Exception):
    """A node the walker refuses, with the mark of the node."""

    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _DocumentBuilder:
    """Turns one composed node tree into a :class:`Document`."""

    def __init__(self, composer: NodeComposer, limits: LoadLimits, hide: PathPredicate) -> None:
        self._composer = composer
        self._limits = limits
        self._hide = hide
        self._nodes = 0
        self._active: set[int] = set()

    def build(self, root: Node) -> Document:
        document = Document(data=None, start=_mark(root))
        document.data = self._value(root, (), document)
        return document

    def _value(self, node: Node, path: JsonPath, document: Document) -> Any:
        self._nodes += 1
        if self._nodes > self._limits.max_nodes:
            raise _Invalid(
                f"document expands to more than {self._limits.max_nodes} nodes "
                "(aliases included); split it or raise `max-nodes`",
                _mark(node),
            )
        if len(path) > self._limits.max_depth:
            raise _Invalid(f"nesting deeper than {self._limits.max_depth} levels", _mark(node))
        document.values[path] = _mark(node)
        if isinstance(node, ScalarNode):
            if self._hide(path):
                end = node.end_mark
                document.hidden.append((_mark(node), Mark(end.line + 1, end.column + 1)))
            return self._scalar(node)
        if id(node) in self._active:
            raise _Invalid("recursive alias: a node that contains itself", _mark(node))
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._expect_tag(node, SEQ_TAG)
                return [
                    self._value(item, (*path, i), document) for i, item in enumerate(node.value)
                ]
            self._expect_tag(node, MAP_TAG)
            return self._mapping(node, path, document)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        self._expect_tag(node, *SCALAR_TAGS)
        try:
            return self._composer.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as error:
            raise _Invalid(f"invalid {node.tag.removeprefix(_YAML)} value", _mark(node)) from error

    @staticmethod
    def _expect_tag(node: Node, *tags: str) -> None:
        if node.tag not in tags:
            raise _Invalid(
                f"unsupported YAML tag {node.tag!r}: job definitions hold plain values only",
                _mark(node),
            )

    def _mapping(self, node: MappingNode, path: JsonPath, document: Document) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.extend(self._merge_sources(value_node))
                continue
            key = self._key(key_node)
            if key in result:
                raise _Invalid(f"duplicate key {key!r}", _mark(key_node))
            document.keys[(*path, key)] = _mark(key_node)
            result[key] = self._value(value_node, (*path, key), document)
        for key, key_node, value_node in merged:
            if key not in result:
                document.keys[(*path, key)] = _mark(key_node)
                result[key] = self._value(value_node, (*path, key), document)
        return result

    def _merge_sources(self, node: Node) -> Iterator[tuple[str, Node, Node]]:
        """Entries of a ``<<`` value, earlier sources winning as the YAML merge spec says."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        seen: set[str] = set()
        for source in sources:
            if not isinstance(source, MappingNode):
                raise _Invalid(
                    "a merge key `<<` takes a mapping or a list of mappings", _mark(source)
                )
            for key_node, value_node in source.value:
                if key_node.tag == MERGE_TAG:
                    yield from self._merge_sources(value_node)
                    continue
                key = self._key(key_node)
                if key not in seen:
                    seen.add(key)
                    yield key, key_node, value_node

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise _Invalid("mapping keys must be plain strings", _mark(node))
        value = self._scalar(node)
        return value if isinstance(value, str) else node.value


def _error_mark(error: YAMLError, text: str) -> Mark:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return clamp_mark(text, Mark(mark.line + 1, mark.column + 1))
    if isinstance(error, ReaderError):
        return offset_mark(text, error.position)
    return Mark(1, 1)


def _error_message(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError):
        message = error.problem or "invalid YAML"
        if error.context and error.context_mark is not None:
            line, column = error.context_mark.line + 1, error.context_mark.column + 1
            message += f" ({error.context} started at line {line}, column {column})"
        elif error.context:
            message += f" ({error.context})"
        return message
    if isinstance(error, ReaderError):
        return f"unacceptable character #x{error.character:04x}: control characters are not allowed"
    return str(error).splitlines()[0]


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (type(None), "null (an empty value)"),
    (bool, "a boolean"),  # before int: a bool is an int to Python
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
    (datetime, "a timestamp"),  # before date: a datetime is a date to Python
    (date, "a date"),
)


def describe_type(value: object) -> str:
    """``an integer``, ``a list``: how a message names what it found instead."""
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def offset_mark(text: str, offset: int) -> Mark:
    """The line and column of a character offset in ``text``."""
    offset = min(max(offset, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    return Mark(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def clamp_mark(text: str, mark: Mark) -> Mark:
    """Keep a parser's end-of-input mark inside the file."""
    lines = text.splitlines() or [""]
    if mark.line <= len(lines):
        return mark
    return Mark(len(lines), len(lines[-1]) + 1)


def _json_problem(text: str) -> LoadProblem | None:
    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not valid JSON")

    try:
        json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        before = text[: error.pos].rstrip()
        if before.endswith(",") and text[error.pos : error.pos + 1] in ("]", "}"):
            return LoadProblem(
                "invalid JSON: trailing comma (JSON allows none after the last item)",
                offset_mark(text, len(before) - 1),
            )
        return LoadProblem(f"invalid JSON: {error.msg}", Mark(error.lineno, error.colno))
    except ValueError as error:
        return LoadProblem(f"invalid JSON: {error}", Mark(1, 1))
    return None


def find_suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """``# qslint: ignore[QS201, QS305]`` comments by line; ``None`` means every code."""
    found: dict[int, frozenset[str] | None] = {}
    if "qslint" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUPPRESSION.search(line)
        if match is None:
            continue
        codes = match["codes"]
        found[number] = (
            None
            if codes is None
            else frozenset(code.strip().upper() for code in codes.split(",") if code.strip())
        )
    return found


def decode(path: str, raw: bytes) -> SourceFile:
    """Decode a file's bytes as UTF-8 (a BOM is fine); anything else is a load problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        prefix = raw[: error.start].decode("utf-8", errors="replace")
        source = SourceFile(path=path, text="")
        source.problems.append(
            LoadProblem(
                f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
                offset_mark(prefix, len(prefix)),
            )
        )
        return source
    return SourceFile(path=path, text=text)


def _nothing_hidden(path: JsonPath) -> bool:
    return False


def load_source(
    path: str,
    raw: bytes,
    limits: LoadLimits | None = None,
    hide: PathPredicate = _nothing_hidden,
) -> SourceFile:
    """Parse one file into positioned documents, collecting what cannot be read.

    ``hide`` tells which values are sensitive: their spans are kept so that a displayed
    source line never shows them.
    """
    source = decode(path, raw)
    if source.problems:
        return source
    text = source.text
    if path.endswith(JSON_SUFFIXES):
        problem = _json_problem(text)
        if problem is not None:
            source.problems.append(problem)
            return source
    else:
        source.suppressions = find_suppressions(text)
    composer = NodeComposer(text)
    try:
        while composer.check_node():
            builder = _DocumentBuilder(composer, limits or LoadLimits(), hide)
            document = builder.build(composer.get_node())
            if isinstance(document.data, dict):
                source.documents.append(document)
            else:
                source.problems.append(
                    LoadProblem(
                        f"a job definition is a mapping, not {describe_type(document.data)}",
                        document.start,
                    )
                )
    except YAMLError as error:
        source.problems.append(LoadProblem(_error_message(error), _error_mark(error, text)))
    except _Invalid as error:
        source.problems.append(LoadProblem(error.message, error.mark))
    finally:
        composer.dispose()
    if not source.documents and not source.problems:
        source.problems.append(LoadProblem("file holds no job definition", Mark(1, 1)))
    return source

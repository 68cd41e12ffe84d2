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

import codecs
import functools
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from _ruamel_yaml import CParser
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.docinfo import DocInfo
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLWarning
from ruamel.yaml.events import (
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    NodeEvent,
)
from ruamel.yaml.loader import SafeLoader
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import Resolver
from ruamel.yaml.tag import Tag

from qslint.config import DEFINITION_SUFFIXES, LoadLimits
from qslint.findings import JsonPath, Mark, describe_type

_YAML = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
MAP_TAG, SEQ_TAG, MERGE_TAG = f"{_YAML}map", f"{_YAML}seq", f"{_YAML}merge"
STR_TAG = f"{_YAML}str"
JSON_SUFFIXES = (".json",)

PathPredicate = Callable[[JsonPath], bool]
_SUPPRESSION = re.compile(r"(?:^|\s)#\s*qslint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


@dataclass
class Document:
    """One parsed job document: plain values plus where each of them starts."""

    data: Any
    start: Mark
    # Where each value and each mapping key starts, as the parser's own 0-based marks: every
    # node of every file gets one, and only the few a finding names are ever converted.
    values: dict[JsonPath, Any] = field(default_factory=dict)
    keys: dict[JsonPath, Any] = field(default_factory=dict)
    hidden: list[tuple[Mark, Mark]] = field(default_factory=list)  # spans of sensitive scalars

    def locate(self, path: JsonPath, *, key: bool = False) -> Mark:
        """The 1-based position of the node at ``path`` (its key with ``key=True``).

        A path that does not exist (a missing field) is located at its nearest existing
        ancestor, preferring the key that introduces it: that is where the user adds it.
        """
        if key and path in self.keys:
            return _one_based(self.keys[path])
        if path in self.values:
            return _one_based(self.values[path])
        while path:
            path = path[:-1]
            if path in self.keys:
                return _one_based(self.keys[path])
            if path in self.values:
                return _one_based(self.values[path])
        return self.start


def _one_based(mark: Any) -> Mark:
    return Mark(mark.line + 1, mark.column + 1)


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


@dataclass(frozen=True)
class Sensitivity:
    """Which values are sensitive: under a field in ``names`` for which ``applies(path)``.

    The name check is the cheap filter run for every mapping key; the predicate decides.
    """

    names: frozenset[str]
    applies: PathPredicate


NOTHING_SENSITIVE = Sensitivity(frozenset(), lambda path: False)


@functools.cache
def service_sensitivity() -> Sensitivity:
    """The values the service model marks sensitive (the model is imported on first use)."""
    from qslint.model import is_sensitive, sensitive_field_names

    return Sensitivity(sensitive_field_names(), is_sensitive)


# One shared Tag object per resolved tag: libyaml calls ``resolve`` for every node, and the
# builder recognises these by identity instead of formatting each node's tag as a string.
_SHARED_TAGS = {name: Tag(suffix=name) for name in (*SCALAR_TAGS, MAP_TAG, SEQ_TAG, MERGE_TAG)}
_TAG_NAMES = {id(tag): name for name, tag in _SHARED_TAGS.items()}
_PLAIN_TAG_CACHE_SIZE = 4096


class NodeComposer(CParser, SafeConstructor, Resolver):  # type: ignore[misc]
    """libyaml's composer with ruamel.yaml's YAML 1.2 resolver and scalar constructors."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        self._parser = self._composer = self
        SafeConstructor.__init__(self, loader=self)
        Resolver.__init__(self, loadumper=self)

    _plain_tags: ClassVar[dict[str, Tag]] = {}  # shared by all composers: keys and values repeat

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """ruamel.yaml's YAML 1.2 resolution, returning shared tags, memoised for plain text."""
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                name = str(super().resolve(kind, value, implicit))
                tag = _SHARED_TAGS.get(name) or Tag(suffix=name)
                if len(self._plain_tags) >= _PLAIN_TAG_CACHE_SIZE:
                    self._plain_tags.clear()
                self._plain_tags[value] = tag
            return tag
        if kind is ScalarNode:
            return _SHARED_TAGS[STR_TAG]
        return _SHARED_TAGS[SEQ_TAG if kind is SequenceNode else MAP_TAG]


def tag_name(node: Node) -> str:
    """A node's tag as text (fast for the shared, resolved tags)."""
    return _TAG_NAMES.get(id(node.ctag)) or str(node.ctag)


class _Invalid(Exception):
    """A node the walker refuses, with the mark of the node."""

    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _mark(node: Node) -> Mark:
    return _one_based(node.start_mark)


def _hide(node: Node, document: Document) -> None:
    """Keep the span of a sensitive scalar, so that no displayed line shows it."""
    end = node.end_mark
    document.hidden.append((_mark(node), _one_based(end)))


def _unsupported_tag(name: str, node: Node) -> _Invalid:
    return _Invalid(
        f"unsupported YAML tag {name!r}: job definitions hold plain values only", _mark(node)
    )


def _too_many_values_message(limits: LoadLimits) -> str:
    return (
        f"file expands to more than {limits.max_nodes} values (aliases included); "
        "split it or raise `max-nodes`"
    )


def _too_deep_message(limits: LoadLimits) -> str:
    return f"nesting deeper than {limits.max_depth} levels; flatten it or raise `max-depth`"


class _DocumentBuilder:
    """Turns the composed node trees of one file into :class:`Document` objects.

    The node budget is the file's, shared by its documents: many small documents cost as
    much as one big one.
    """

    def __init__(
        self, composer: NodeComposer, limits: LoadLimits, sensitivity: Sensitivity
    ) -> None:
        self._composer = composer
        self._limits = limits
        self._sensitivity = sensitivity
        self._nodes = 0
        self._active: set[int] = set()

    def build(self, root: Node) -> Document:
        document = Document(data=None, start=_mark(root))
        document.data = self._value(root, (), document, hidden=False)
        return document

    def _value(self, node: Node, path: JsonPath, document: Document, *, hidden: bool) -> Any:
        self._nodes += 1
        if self._nodes > self._limits.max_nodes:
            raise _Invalid(_too_many_values_message(self._limits), _mark(node))
        if len(path) > self._limits.max_depth:
            raise _Invalid(_too_deep_message(self._limits), _mark(node))
        document.values[path] = node.start_mark
        if isinstance(node, ScalarNode):
            if hidden:
                _hide(node, document)
            return self._scalar(node)
        if id(node) in self._active:
            raise _Invalid("recursive alias: a node that contains itself", _mark(node))
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._expect_tag(node, SEQ_TAG)
                return [
                    self._value(item, (*path, i), document, hidden=hidden)
                    for i, item in enumerate(node.value)
                ]
            self._expect_tag(node, MAP_TAG)
            return self._mapping(node, path, document, hidden=hidden)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        name = tag_name(node)
        if name == STR_TAG:
            return node.value
        if name not in SCALAR_TAGS:
            raise _unsupported_tag(name, node)
        try:
            return self._composer.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as error:
            raise _Invalid(f"invalid {name.removeprefix(_YAML)} value", _mark(node)) from error

    @staticmethod
    def _expect_tag(node: Node, tag: str) -> None:
        name = tag_name(node)
        if name != tag:
            raise _unsupported_tag(name, node)

    def _mapping(
        self, node: MappingNode, path: JsonPath, document: Document, *, hidden: bool
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if tag_name(key_node) == MERGE_TAG:
                merged.extend(self._merge_sources(value_node))
                continue
            key = self._key(key_node)
            if key in result:
                raise _Invalid(f"duplicate key {key!r}", _mark(key_node))
            result[key] = self._entry(key, key_node, value_node, path, document, hidden=hidden)
        for key, key_node, value_node in merged:
            if key not in result:
                result[key] = self._entry(key, key_node, value_node, path, document, hidden=hidden)
        return result

    def _entry(
        self,
        key: str,
        key_node: Node,
        value_node: Node,
        path: JsonPath,
        document: Document,
        *,
        hidden: bool,
    ) -> Any:
        child = (*path, key)
        document.keys[child] = key_node.start_mark
        if hidden:  # a mapping written where a sensitive value belongs: its keys are data too
            _hide(key_node, document)
        sensitivity = self._sensitivity
        hidden = hidden or (key in sensitivity.names and sensitivity.applies(child))
        return self._value(value_node, child, document, hidden=hidden)

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
                if tag_name(key_node) == MERGE_TAG:
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


class _PureComposer(SafeLoader):  # type: ignore[misc]
    """ruamel.yaml's pure-Python YAML 1.2 parser, for what libyaml's grammar refuses.

    Its composer recurses in Python, one level per nesting level: a level past ``max-depth``
    is refused before it is composed, so no nesting can exhaust the stack.
    """

    max_depth = 0  # ruamel.yaml's own limit (0.19+), with its own message: unused

    def __init__(self, text: str, limits: LoadLimits) -> None:
        super().__init__(text)
        self._limits = limits
        self._level = 0
        # Where the scanner records `%YAML` and `%TAG` directives: set up by `YAML()`, which
        # this loader is not (without it, `%YAML 1.2` raised AttributeError).
        self.doc_infos = [DocInfo()]

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._level > self._limits.max_depth:
            mark = self.peek_event().start_mark
            raise _Invalid(_too_deep_message(self._limits), _one_based(mark))
        self._level += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._level -= 1


def compose_nodes(text: str, limits: LoadLimits) -> list[Node]:
    """The node trees of ``text``'s documents, composed as :func:`load_source` composes
    them: by libyaml, or by ruamel.yaml's parser where libyaml refuses valid YAML 1.2.

    For a text that loaded; raises ``YAMLError`` for one neither parser reads.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", YAMLWarning)
        try:
            return _roots(NodeComposer(text))
        except YAMLError:
            return _roots(_PureComposer(text, limits))


def _roots(composer: Any) -> list[Node]:
    try:
        roots: list[Node] = []
        while composer.check_node():
            roots.append(composer.get_node())
        return roots
    finally:
        composer.dispose()


class _SyntaxProblem(LoadProblem):
    """A load problem raised by the YAML parser itself."""


# libyaml's composer recurses in C, one level per nesting level, and overflows the stack
# (a crash, not an exception) near 30,000 levels, and it composes a whole document before the
# builder counts its values. Each level and value takes at least one character, so a text
# of at most 8 KiB (a job definition is 1-5 KiB) can neither crash it nor cost much to
# compose; only a longer one is checked against the limits, in its events, first. (At
# 2,000 characters every job was parsed twice: a quarter of a cold run.)
_SMALL_TEXT = 8 * 1024
# ruamel.yaml's pure-Python parser takes seconds per MiB: a bigger file that libyaml refuses
# keeps libyaml's verdict rather than keep a pre-commit hook waiting.
_PURE_PARSER_MAX_CHARS = 512 * 1024


def _compose(
    composer_type: Callable[[str], Any], text: str, limits: LoadLimits, sensitivity: Sensitivity
) -> tuple[list[Document], LoadProblem | None]:
    """The documents a composer yields for ``text``, up to the first problem, and that problem."""
    documents: list[Document] = []
    with warnings.catch_warnings():
        # ruamel.yaml warns on stderr about some scalars (`1e999`), quoting them: never shown.
        warnings.simplefilter("ignore", YAMLWarning)
        try:
            if composer_type is NodeComposer and len(text) > _SMALL_TEXT:
                too_big = _structure_problem(NodeComposer(text), limits)
                if too_big is not None:
                    return documents, too_big
            composer = composer_type(text)
        except YAMLError as error:  # the pure-Python reader checks every character up front
            return documents, _syntax_problem(error, text)
        try:
            builder = _DocumentBuilder(composer, limits, sensitivity)
            while composer.check_node():
                if len(documents) == limits.max_documents:
                    return documents, _too_many_documents(composer.peek_event(), limits)
                documents.append(builder.build(composer.get_node()))
        except YAMLError as error:
            return documents, _syntax_problem(error, text)
        except _Invalid as error:
            return documents, LoadProblem(error.message, error.mark)
        finally:
            composer.dispose()
    return documents, None


def _structure_problem(parser: Any, limits: LoadLimits) -> LoadProblem | None:
    """A limit the file breaks, found in the parser's events before anything is composed.

    Values are counted as written (aliases once): the builder counts them expanded. A syntax
    error ends the scan quietly: composing reports it.
    """
    depth = nodes = documents = 0
    try:
        while parser.check_event():
            event: Event = parser.get_event()
            if isinstance(event, NodeEvent):
                nodes += 1
                if nodes > limits.max_nodes:
                    return LoadProblem(_too_many_values_message(limits), _event_mark(event))
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth + 1:  # the root collection is level 0
                    return LoadProblem(_too_deep_message(limits), _event_mark(event))
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > limits.max_documents:
                    return _too_many_documents(event, limits)
    except YAMLError:
        return None
    finally:
        parser.dispose()
    return None


def _event_mark(event: Event) -> Mark:
    return _one_based(event.start_mark)


def _too_many_documents(event: Event, limits: LoadLimits) -> LoadProblem:
    return LoadProblem(
        f"more than {limits.max_documents} YAML documents in one file; "
        "split it or raise `max-documents`",
        _event_mark(event),
    )


def _syntax_problem(error: YAMLError, text: str) -> _SyntaxProblem:
    """What the parser refused, where; a tab in an indentation is named as such."""
    mark = _error_mark(error, text)
    line = text.splitlines()[mark.line - 1] if text else ""
    indentation = line[: len(line) - len(line.lstrip(" \t-?:"))]
    if "\t" in indentation and isinstance(error, MarkedYAMLError):
        tab = Mark(mark.line, indentation.index("\t") + 1)
        return _SyntaxProblem("a tab indents this line; YAML indents with spaces only", tab)
    return _SyntaxProblem(_error_message(error), mark)


def _error_mark(error: YAMLError, text: str) -> Mark:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return clamp_mark(text, _one_based(mark))
    if isinstance(error, ReaderError):
        return offset_mark(text, error.position)
    return Mark(1, 1)


def _error_message(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError):
        message = error.problem or "invalid YAML"
        if error.context and error.context_mark is not None:
            line, column = _one_based(error.context_mark)
            message += f" ({error.context} started at line {line}, column {column})"
        elif error.context:
            message += f" ({error.context})"
        return message
    if isinstance(error, ReaderError):
        return f"unacceptable character #x{error.character:04x}: control characters are not allowed"
    return str(error).splitlines()[0]


# The line breaks libyaml counts (YAML 1.1's): its marks and displayed lines agree on them.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def offset_mark(text: str, offset: int) -> Mark:
    """The line and column of a character offset in ``text``, lines as libyaml counts them."""
    offset = min(max(offset, 0), len(text))
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text, 0, offset))]
    return Mark(len(starts), offset - starts[-1] + 1)


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
        return LoadProblem(
            f"invalid JSON: {error.msg}", clamp_mark(text, offset_mark(text, error.pos))
        )
    except ValueError as error:
        return LoadProblem(f"invalid JSON: {error}", Mark(1, 1))
    except RecursionError:
        return None  # nested past Python's stack: composing reports the nesting, positioned
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


# UTF-32's byte order marks begin with UTF-16's: they are looked for first.
_OTHER_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(path: str, raw: bytes) -> SourceFile:
    """Decode a file's bytes as UTF-8 (a BOM is fine); anything else is a load problem.

    UTF-16 and UTF-32 are refused even with a byte order mark, though YAML allows them: the
    AWS CLI reads ``file://`` input in the locale's encoding (UTF-8 on CI runners), JSON
    between systems must be UTF-8 (RFC 8259), and a file qslint passes must be one the
    submission path reads.
    """
    decoded = _decoded(raw)
    if isinstance(decoded, LoadProblem):
        return SourceFile(path=path, text="", problems=[decoded])
    return SourceFile(path=path, text=decoded.removeprefix("\ufeff"))  # as utf-8-sig reads


def _decoded(raw: bytes) -> str | LoadProblem:
    """The text of UTF-8 bytes, or why they are not a job definition's text."""
    for bom, encoding in _OTHER_UNICODE_BOMS:
        if raw.startswith(bom):
            return LoadProblem(
                f"file is {encoding} (it starts with a {encoding} byte order mark); "
                "save it as UTF-8",
                Mark(1, 1),
            )
    nul = raw.find(b"\0")
    if nul != -1:
        return LoadProblem(
            "file holds a NUL byte: binary content, or UTF-16/UTF-32 without a byte order "
            "mark; job definitions are UTF-8 text",
            _byte_mark(raw, nul),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return LoadProblem(
            f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
            _byte_mark(raw, error.start),
        )


def _byte_mark(raw: bytes, offset: int) -> Mark:
    """The line and column (in characters) of the byte at ``offset`` in a UTF-8 file."""
    prefix = raw[:offset].decode("utf-8", errors="replace").removeprefix("\ufeff")
    return offset_mark(prefix, len(prefix))


def load_source(
    path: str,
    raw: bytes,
    limits: LoadLimits | None = None,
    sensitivity: Sensitivity = NOTHING_SENSITIVE,
) -> SourceFile:
    """Parse one file into positioned documents, collecting what cannot be read.

    The spans of ``sensitivity``'s values are kept so that a displayed source line never
    shows them.
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
    limits = limits or LoadLimits()
    documents, problem = _compose(NodeComposer, text, limits, sensitivity)
    if isinstance(problem, _SyntaxProblem) and len(text) <= _PURE_PARSER_MAX_CHARS:
        # libyaml implements YAML 1.1's grammar: it refuses some valid YAML 1.2, such as a
        # timestamp in a flow sequence (`[2026-01-05T00:00:00Z]`). ruamel.yaml's pure-Python
        # parser has the last word; only files libyaml refuses pay for it.
        pure = functools.partial(_PureComposer, limits=limits)
        documents, problem = _compose(pure, text, limits, sensitivity)
    elif isinstance(problem, _SyntaxProblem):
        note = " (a file this big is read with libyaml's YAML 1.1 grammar only)"
        problem = _SyntaxProblem(problem.message + note, problem.mark)
    for document in documents:
        if isinstance(document.data, dict):
            source.documents.append(document)
        else:
            found = describe_type(document.data)
            message = f"a job definition is a mapping, not {found}"
            if not path.lower().endswith(DEFINITION_SUFFIXES):  # named explicitly
                message += "; is this a job definition file? qslint reads YAML and JSON"
            source.problems.append(LoadProblem(message, clamp_mark(text, document.start)))
    if problem is not None:
        source.problems.append(problem)
    if not source.documents and not source.problems:
        source.problems.append(LoadProblem("file holds no job definition", Mark(1, 1)))
    return source

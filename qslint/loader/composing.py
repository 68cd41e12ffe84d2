"""Text -> positioned values, under the run's limits.

YAML is composed into nodes by libyaml (``ruamel.yaml.clib``), which keeps a start mark on
every node at a fraction of the cost of the pure-Python round-trip loader. The nodes are then
turned into plain Python values by a small walker that records where each value and each
mapping key starts, expands merge keys and aliases, and refuses what a job definition never
needs (custom tags, duplicate keys, non-string keys). Scalars are converted by ruamel.yaml's
own safe constructor, so ``2026-01-01`` is a date and ``0x1F`` is 31, exactly as in YAML 1.2.
"""

from __future__ import annotations

import bisect
import functools
import warnings
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from _ruamel_yaml import CParser
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.docinfo import DocInfo
from ruamel.yaml.error import StringMark, YAMLError, YAMLWarning
from ruamel.yaml.events import (
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    NodeEvent,
)
from ruamel.yaml.loader import SafeLoader
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import Resolver
from ruamel.yaml.tag import Tag

from qslint.config import LoadLimits
from qslint.findings import JsonPath, Mark, plural
from qslint.loader.documents import Document, LoadProblem, Sensitivity, one_based
from qslint.loader.problems import SyntaxProblem, line_starts, syntax_problem
from qslint.loader.yaml11 import yaml11_reading

_YAML = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
MAP_TAG, SEQ_TAG, MERGE_TAG = f"{_YAML}map", f"{_YAML}seq", f"{_YAML}merge"
STR_TAG = f"{_YAML}str"

# One shared Tag object per resolved tag: libyaml calls ``resolve`` for every node, and the
# builder recognises these by identity instead of formatting each node's tag as a string.
_SHARED_TAGS = {name: Tag(suffix=name) for name in (*SCALAR_TAGS, MAP_TAG, SEQ_TAG, MERGE_TAG)}
# A plain string that YAML 1.1 reads as another type (`NO`, `12:30`) gets a tag of its own.
_YAML11_TYPED_STR = Tag(suffix=STR_TAG)
_TAG_NAMES = {id(tag): name for name, tag in _SHARED_TAGS.items()} | {
    id(_YAML11_TYPED_STR): STR_TAG
}
# The tags of plain scalars whose YAML 1.1 reading may differ: every one but a plain string's.
_YAML11_CANDIDATES = frozenset(
    {id(_SHARED_TAGS[name]) for name in SCALAR_TAGS - {STR_TAG}} | {id(_YAML11_TYPED_STR)}
)
_PLAIN_TAG_CACHE_SIZE = 4096


class _SharedTagResolver:
    """ruamel.yaml's YAML 1.2 resolution, returning shared tags, memoised for plain text."""

    _plain_tags: ClassVar[dict[str, Tag]] = {}  # shared by all composers: keys and values repeat

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                name = str(super().resolve(kind, value, implicit))  # type: ignore[misc]
                tag = _SHARED_TAGS.get(name) or Tag(suffix=name)
                if name == STR_TAG and yaml11_reading(value).kind != "string":
                    tag = _YAML11_TYPED_STR
                if len(self._plain_tags) >= _PLAIN_TAG_CACHE_SIZE:
                    self._plain_tags.clear()
                self._plain_tags[value] = tag
            return tag
        if kind is ScalarNode:
            return _SHARED_TAGS[STR_TAG]
        return _SHARED_TAGS[SEQ_TAG if kind is SequenceNode else MAP_TAG]


class NodeComposer(_SharedTagResolver, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
    """libyaml's composer with ruamel.yaml's YAML 1.2 resolver and scalar constructors."""

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        self._parser = self._composer = self
        SafeConstructor.__init__(self, loader=self)
        Resolver.__init__(self, loadumper=self)


_PLAIN_RESOLVER = Resolver()


@functools.lru_cache(maxsize=1024)
def plain_is_string(text: str) -> bool:
    """Whether ``text`` written plain (unquoted) reads back as that string, in YAML 1.2 as
    qslint reads it and in YAML 1.1 as PyYAML does."""
    tag = _PLAIN_RESOLVER.resolve(ScalarNode, text, (True, False))
    return str(tag) == STR_TAG and yaml11_reading(text).kind == "string"


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
    return one_based(node.start_mark)


def _hide(node: Node, document: Document) -> None:
    """Keep the span of a sensitive scalar, so that no displayed line shows it."""
    end = node.end_mark
    document.hidden.append((_mark(node), one_based(end)))


def _unsupported_tag(name: str, node: Node) -> _Invalid:
    return _Invalid(
        f"unsupported YAML tag {name!r}: job definitions hold plain values only", _mark(node)
    )


def _too_many_values_message(limits: LoadLimits) -> str:
    return (
        f"file expands to more than {plural(limits.max_nodes, 'value')} (aliases included); "
        "split it or raise `max-nodes`"
    )


def _too_deep_message(limits: LoadLimits) -> str:
    deeper = plural(limits.max_depth, "level")
    return f"nesting deeper than {deeper}; flatten it or raise `max-depth`"


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
            if id(node.ctag) in _YAML11_CANDIDATES:
                document.plain_scalars[path] = node.value
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


class _PureComposer(_SharedTagResolver, SafeLoader):  # type: ignore[misc]
    """ruamel.yaml's pure-Python YAML 1.2 parser, for what libyaml's grammar refuses.

    Its composer recurses in Python, one level per nesting level: a level past ``max-depth``
    is refused before it is composed, so no nesting can exhaust the stack.
    """

    max_depth = 0  # ruamel.yaml's own limit (0.19+), with its own message: unused

    def __init__(self, text: str, limits: LoadLimits) -> None:
        # Before the reader reads: it asks for marks as it goes.
        self._line_starts = line_starts(text)
        super().__init__(text)
        self._limits = limits
        self._level = 0
        # Where the scanner records `%YAML` and `%TAG` directives: set up by `YAML()`, which
        # this loader is not (without it, `%YAML 1.2` raised AttributeError).
        self.doc_infos = [DocInfo()]

    def get_mark(self) -> Any:
        """The reader's mark, its line and column counted as libyaml counts them.

        YAML 1.2's reader starts a line at LF and CR only; libyaml, and so every other
        position qslint gives, at NEL, LS and PS too. The grammar keeps its own counting.
        """
        mark = super().get_mark()
        line = bisect.bisect_right(self._line_starts, mark.index) - 1
        column = mark.index - self._line_starts[line]
        return StringMark(mark.name, mark.index, line, column, mark.buffer, mark.pointer)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._level > self._limits.max_depth:
            mark = self.peek_event().start_mark
            raise _Invalid(_too_deep_message(self._limits), one_based(mark))
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
            return documents, syntax_problem(error, text)
        try:
            builder = _DocumentBuilder(composer, limits, sensitivity)
            empty_at_end = 0  # documents that hold nothing, since the last one that does
            while composer.check_node():
                if len(documents) == limits.max_documents:
                    return documents, _too_many_documents(composer.peek_event(), limits)
                root = composer.get_node()
                documents.append(builder.build(root))
                empty_at_end = empty_at_end + 1 if _is_empty(root) else 0
            # A trailing `---` (an editor's or a generator's habit) opens a document with no
            # content: it is no definition, and no mistake either.
            del documents[len(documents) - empty_at_end :]
        except YAMLError as error:
            return documents, syntax_problem(error, text)
        except _Invalid as error:
            return documents, LoadProblem(error.message, error.mark)
        finally:
            composer.dispose()
    return documents, None


def _is_empty(root: Node) -> bool:
    """A document with no content at all (not even an explicit `null` or `~`)."""
    return isinstance(root, ScalarNode) and not root.style and root.value == ""


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
    return one_based(event.start_mark)


def _too_many_documents(event: Event, limits: LoadLimits) -> LoadProblem:
    return LoadProblem(
        f"more than {plural(limits.max_documents, 'YAML document')} in one file; "
        "split it or raise `max-documents`",
        _event_mark(event),
    )


def compose_documents(
    text: str, limits: LoadLimits, sensitivity: Sensitivity
) -> tuple[list[Document], LoadProblem | None]:
    """The documents of ``text`` up to the first problem, and that problem.

    The spans of ``sensitivity``'s values are kept in each document.
    """
    documents, problem = _compose(NodeComposer, text, limits, sensitivity)
    if isinstance(problem, SyntaxProblem) and len(text) <= _PURE_PARSER_MAX_CHARS:
        # libyaml implements YAML 1.1's grammar: it refuses some valid YAML 1.2, such as a
        # timestamp in a flow sequence (`[2026-01-05T00:00:00Z]`). ruamel.yaml's pure-Python
        # parser has the last word; only files libyaml refuses pay for it.
        pure = functools.partial(_PureComposer, limits=limits)
        documents, problem = _compose(pure, text, limits, sensitivity)
    elif isinstance(problem, SyntaxProblem):
        note = " (a file this big is read with libyaml's YAML 1.1 grammar only)"
        problem = SyntaxProblem(problem.message + note, problem.mark)
    return documents, problem

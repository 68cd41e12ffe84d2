"""Parser events -> positioned documents, under the run's limits.

The documents are built straight from the parser's events, without composing node trees
first: a job file's scalars are mostly plain strings, and a node object per value cost more
than the whole walk. Every value and mapping key records where it starts, merge keys and
aliases are expanded (an anchored node's events are kept to be read again), and what a job
definition never needs (custom tags, duplicate keys, non-string keys) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ruamel.yaml.composer import ComposerError
from ruamel.yaml.constructor import ConstructorError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.tag import Tag

from qslint.config import LoadLimits
from qslint.findings import JsonPath, Mark, plural
from qslint.loader.documents import Document, LoadProblem, Sensitivity, one_based
from qslint.loader.tags import MAP_TAG, MERGE_TAG, SCALAR_TAGS, SEQ_TAG, STR_TAG, plain_tag
from qslint.wire import aws_cli_yaml11_value

_YAML = "tag:yaml.org,2002:"
_SCALAR_MEMO_SIZE = 1024
# Non-string scalars' values by tag, text and the YAML version the constructor reads them
# as: shared by every file, as a project's definitions repeat their numbers and timestamps.
_constructed: dict[tuple[str, str, Any], Any] = {}
_TAGS = {name: Tag(suffix=name) for name in SCALAR_TAGS}
_Entry = tuple[str, Any, list[Any]]  # a mapping entry: its key, the key's event, the value's events
NextEvent = Callable[[], Any]  # the next event of the node being read


class Invalid(Exception):
    """A node the builder refuses, with the mark of the node."""

    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class TooDeep(Invalid):
    """Nesting past ``max-depth``: refused where it starts, before the rest is read."""


class _Alias:
    """An alias, resolved where it was read: the events of the node it names.

    ``open`` is set when the alias stands inside the node it names (a node that contains
    itself); building through it is refused.
    """

    __slots__ = ("event", "events", "open")

    def __init__(self, event: Event, events: list[Any], *, open: bool) -> None:
        self.event = event
        self.events = events
        self.open = open


class _Events:
    """A document's events from the parser, keeping each anchored node's events."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser
        self._anchors: dict[str, list[Any]] = {}
        # The anchored collections being read: [anchor, events, open levels].
        self._recording: list[list[Any]] = []

    def new_document(self) -> None:
        self._anchors.clear()

    def next(self) -> Any:
        event = self._parser.get_event()
        kind = type(event)
        if kind is AliasEvent:
            event = self._alias(event)
        if self._recording:
            self._record(event, kind)
        if kind in _ANCHORABLE and event.anchor is not None:
            if kind is ScalarEvent:
                self._anchors[event.anchor] = [event]
            else:
                self._recording.append([event.anchor, [event], 1])
        return event

    def _record(self, event: Any, kind: type) -> None:
        levels = 1 if kind in _STARTS else -1 if kind in _ENDS else 0
        for recording in self._recording:
            recording[1].append(event)
            recording[2] += levels
        if levels < 0 and self._recording[-1][2] == 0:
            anchor, events, _ = self._recording.pop()
            self._anchors[anchor] = events

    def _alias(self, event: AliasEvent) -> _Alias:
        name = event.anchor
        for anchor, events, _ in reversed(self._recording):
            if anchor == name:
                return _Alias(event, events, open=True)
        events = self._anchors.get(name)
        if events is None:
            raise ComposerError(None, None, f"found undefined alias {name!r}", event.start_mark)
        return _Alias(event, events, open=False)


_STARTS = frozenset({MappingStartEvent, SequenceStartEvent})
_ENDS = frozenset({MappingEndEvent, SequenceEndEvent})
_ANCHORABLE = frozenset({ScalarEvent, MappingStartEvent, SequenceStartEvent})


def _replay(events: list[Any]) -> NextEvent:
    """After its first, the kept events of an anchored node that an alias names."""
    return iter(events[1:]).__next__


def _children(events: list[Any]) -> Iterator[list[Any]]:
    """The kept events of each child of the collection whose events are ``events``."""
    depth = 0
    child: list[Any] = []
    for item in events[1:-1]:
        child.append(item)
        if isinstance(item, CollectionStartEvent):
            depth += 1
        elif isinstance(item, CollectionEndEvent):
            depth -= 1
        if depth == 0:
            yield child
            child = []


def too_many_values_message(limits: LoadLimits) -> str:
    return (
        f"file expands to more than {plural(limits.max_nodes, 'value')} (aliases included); "
        "split it or raise `max-nodes`"
    )


def too_deep_message(limits: LoadLimits) -> str:
    deeper = plural(limits.max_depth, "level")
    return f"nesting deeper than {deeper}; flatten it or raise `max-depth`"


def too_many_documents(event: Event, limits: LoadLimits) -> LoadProblem:
    return LoadProblem(
        f"more than {plural(limits.max_documents, 'YAML document')} in one file; "
        "split it or raise `max-documents`",
        one_based(event.start_mark),
    )


def _unsupported_tag(name: str, event: Event) -> Invalid:
    return Invalid(
        f"unsupported YAML tag {name!r}: job definitions hold plain values only",
        one_based(event.start_mark),
    )


class DocumentBuilder:
    """Reads the documents of one file from ``parser``, a ruamel.yaml parser that is also its
    constructor (for the scalars that are not strings).

    The node budget is the file's, shared by its documents: many small documents cost as
    much as one big one. Without ``aliases`` (a text with no `&` nor `*` has no anchor nor
    alias), the events come straight from the parser, with no bookkeeping per event.
    """

    def __init__(
        self, parser: Any, limits: LoadLimits, sensitivity: Sensitivity, *, aliases: bool = True
    ) -> None:
        self._parser = parser
        self._aliases = aliases
        self._limits = limits
        self._max_nodes, self._max_depth = limits.max_nodes, limits.max_depth  # read per value
        self._sensitivity = sensitivity
        self._nodes = 0
        # Each mapping a merge named in this document: its events and entries, by the id of its
        # first event (the same object wherever read again, and kept, so its id stays its own).
        self._merged: dict[int, tuple[list[Any], list[_Entry]]] = {}

    def build(self, documents: list[Document]) -> LoadProblem | None:
        """Append each document of the file to ``documents``, up to the first that breaks a
        limit, whose problem is returned (a syntax error raises ``YAMLError``)."""
        parser = self._parser
        events = _Events(parser) if self._aliases else None
        next_event: NextEvent = events.next if events else parser.get_event
        parser.get_event()  # the stream's start
        empty_at_end = 0  # documents that hold nothing, since the last one that does
        while not parser.check_event(StreamEndEvent):
            if len(documents) == self._limits.max_documents:
                return too_many_documents(parser.peek_event(), self._limits)
            start = parser.get_event()
            if events:
                events.new_document()
            self._merged.clear()
            root = next_event()
            # The AWS CLI reads a document under a `%YAML 1.1` directive as YAML 1.1.
            yaml11 = tuple(start.version or ())[:2] == (1, 1)
            document = Document(data=None, start=one_based(root.start_mark), yaml11=yaml11)
            try:
                document.data = self._value(root, next_event, (), document, hidden=False)
            except TooDeep:
                raise
            except Invalid:
                _read_document(next_event)  # a syntax error anywhere in it comes first
                raise
            parser.get_event()  # the document's end
            documents.append(document)
            empty_at_end = empty_at_end + 1 if _is_empty(root) else 0
        # A trailing `---` (an editor's or a generator's habit) opens a document with no
        # content: it is no definition, and no mistake either.
        del documents[len(documents) - empty_at_end :]
        return None

    def _value(
        self, event: Any, next_event: NextEvent, path: JsonPath, document: Document, *, hidden: bool
    ) -> Any:
        if type(event) is _Alias:
            if event.open:
                mark = one_based(event.events[0].start_mark)
                raise Invalid("recursive alias: a node that contains itself", mark)
            return self._value(
                event.events[0], _replay(event.events), path, document, hidden=hidden
            )
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise Invalid(too_many_values_message(self._limits), one_based(event.start_mark))
        if len(path) > self._max_depth:
            raise TooDeep(too_deep_message(self._limits), one_based(event.start_mark))
        document.values[path] = event.start_mark
        if type(event) is ScalarEvent:
            if hidden:
                _hide(event, document)
            value, plain = self._scalar(event)
            if plain:
                document.plain_scalars[path] = event.value
            if document.yaml11 and not event.style:
                read, yaml11_value = aws_cli_yaml11_value(event.value)
                if read:
                    return yaml11_value
            return value
        if event.ctag is not None:  # untagged, as nearly all are, it needs no check
            _expect_tag(event, SEQ_TAG if type(event) is SequenceStartEvent else MAP_TAG)
        if type(event) is SequenceStartEvent:
            return self._sequence(next_event, path, document, hidden=hidden)
        return self._mapping(next_event, path, document, hidden=hidden)

    def _sequence(
        self, next_event: NextEvent, path: JsonPath, document: Document, *, hidden: bool
    ) -> list[Any]:
        items: list[Any] = []
        item = next_event()
        while type(item) is not SequenceEndEvent:
            child = (*path, len(items))
            items.append(self._value(item, next_event, child, document, hidden=hidden))
            item = next_event()
        return items

    def _scalar(self, event: ScalarEvent) -> tuple[Any, bool]:
        """The value of a scalar, and whether it is a plain one whose YAML 1.1 reading may
        differ (every plain scalar but a string that both read as one)."""
        tag = None if event.ctag is None else str(event.ctag)
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return event.value, False
            tag, differs = plain_tag(event.value)
            if tag == STR_TAG:
                return event.value, differs
            differs = True
        elif tag == STR_TAG:
            return event.value, False
        else:
            differs = False
        if tag not in SCALAR_TAGS:
            raise _unsupported_tag(tag, event)
        return self._construct(tag, event), differs

    def _construct(self, name: str, event: ScalarEvent) -> Any:
        # Under `%YAML 1.1`, ruamel.yaml's pure parser constructs `012` as 10, not 12.
        key = (name, event.value, self._parser.resolver.processing_version)
        constructed = _constructed.get(key, self)
        if constructed is self:
            node = ScalarNode(_TAGS[name], event.value, event.start_mark, event.end_mark)
            try:
                constructed = self._parser.construct_object(node, deep=True)
            except (ConstructorError, ValueError, OverflowError, IndexError) as error:
                short = name.removeprefix(_YAML)
                raise Invalid(f"invalid {short} value", one_based(event.start_mark)) from error
            if len(_constructed) >= _SCALAR_MEMO_SIZE:
                _constructed.clear()
            _constructed[key] = constructed  # scalars are immutable: shared safely
        return constructed

    def _mapping(
        self, next_event: NextEvent, path: JsonPath, document: Document, *, hidden: bool
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[_Entry] = []
        key_event = next_event()
        while type(key_event) is not MappingEndEvent:
            # Most keys are untagged strings, quoted or plain: taken as they are, without the
            # calls that a merge, a tag or a key of another type needs.
            if (
                type(key_event) is ScalarEvent
                and key_event.ctag is None
                and (not key_event.implicit[0] or plain_tag(key_event.value)[0] == STR_TAG)
            ):
                key = key_event.value
            elif self._is_merge(key_event):
                merged.extend(self._merge_sources(_capture(next_event(), next_event)))
                key_event = next_event()
                continue
            else:
                key, key_event = self._key(key_event)
            if key in result:
                raise Invalid(f"duplicate key {key!r}", one_based(key_event.start_mark))
            value = next_event()
            result[key] = self._entry(key, key_event, value, next_event, path, document, hidden)
            key_event = next_event()
        for key, key_event, value_events in merged:
            if key not in result:
                replay = _replay(value_events)
                value = value_events[0]
                result[key] = self._entry(key, key_event, value, replay, path, document, hidden)
        return result

    def _entry(
        self,
        key: str,
        key_event: ScalarEvent,
        value: Any,
        next_event: NextEvent,
        path: JsonPath,
        document: Document,
        hidden: bool,
    ) -> Any:
        child = (*path, key)
        document.keys[child] = key_event.start_mark
        if hidden:  # a mapping written where a sensitive value belongs: its keys are data too
            _hide(key_event, document)
        sensitivity = self._sensitivity
        hidden = hidden or (key in sensitivity.names and sensitivity.applies(child))
        return self._value(value, next_event, child, document, hidden=hidden)

    def _is_merge(self, event: Any) -> bool:
        if type(event) is not ScalarEvent:
            return False
        if event.ctag is None:  # only `<<` resolves to the merge tag
            return event.value == "<<" and bool(event.implicit[0])
        return event.tag == MERGE_TAG

    def _merge_sources(self, events: list[Any]) -> Iterator[_Entry]:
        """Entries of a ``<<`` value, earlier sources winning as the YAML merge spec says."""
        sources = _merge_source_events(events)
        yield from _first_each(
            entry for source in sources for entry in self._merged_entries(source)
        )

    def _merged_entries(self, mapping: list[Any]) -> list[_Entry]:
        """The entries of the mapping whose events are ``mapping``, the merges it holds
        expanded, earlier ones winning.

        Each mapping's entries are found once per document and kept (an anchor merged twice
        per line would otherwise double the walk line after line), without recursion (a
        chain of merges may be longer than Python's stack is deep), and each entry kept costs
        a value of the file's budget."""
        pending = [mapping]
        while pending:
            current = pending[-1]
            if id(current[0]) in self._merged:
                pending.pop()
                continue
            children = list(_children(current))
            entries = list(zip(children[::2], children[1::2], strict=True))
            sources = [
                source
                for key_events, value_events in entries
                if self._is_merge(key_events[0])
                for source in _merge_source_events(value_events)
            ]
            missing = [source for source in sources if id(source[0]) not in self._merged]
            if missing:
                if any(source[0] is waiting[0] for source in missing for waiting in pending):
                    mark = one_based(missing[0][0].start_mark)
                    raise Invalid("recursive alias: a node that contains itself", mark)
                pending.extend(missing)
                continue
            self._merged[id(current[0])] = (current, self._expand(entries))
            pending.pop()
        return self._merged[id(mapping[0])][1]

    def _expand(self, entries: list[tuple[list[Any], list[Any]]]) -> list[_Entry]:
        """A mapping's entries, each merge replaced by its sources' kept entries."""

        def merged(key_events: list[Any], value_events: list[Any]) -> list[_Entry]:
            if self._is_merge(key_events[0]):
                sources = _merge_source_events(value_events)
                return [entry for source in sources for entry in self._merged[id(source[0])][1]]
            key, key_event = self._key(key_events[0])
            return [(key, key_event, _resolved(value_events))]

        expanded = _first_each(entry for pair in entries for entry in merged(*pair))
        self._nodes += len(expanded)
        if self._nodes > self._max_nodes and entries:
            mark = one_based(entries[0][0][0].start_mark)
            raise Invalid(too_many_values_message(self._limits), mark)
        return expanded

    def _key(self, event: Any) -> tuple[str, ScalarEvent]:
        if type(event) is _Alias:
            event = event.events[0]
        if type(event) is not ScalarEvent:
            raise Invalid("mapping keys must be plain strings", one_based(event.start_mark))
        value, _ = self._scalar(event)
        return (value if isinstance(value, str) else event.value), event


def _first_each(entries: Iterable[_Entry]) -> list[_Entry]:
    """Each key's first entry, in order: an earlier one wins, as the YAML merge spec says."""
    first: dict[str, _Entry] = {}
    for entry in entries:
        first.setdefault(entry[0], entry)
    return list(first.values())


def _resolved(events: list[Any]) -> list[Any]:
    """The events of a node, through an alias that names it."""
    head = events[0]
    if type(head) is _Alias:
        if head.open:
            mark = one_based(head.events[0].start_mark)
            raise Invalid("recursive alias: a node that contains itself", mark)
        return head.events
    return events


def _merge_source_events(events: list[Any]) -> list[list[Any]]:
    """The events of each mapping a ``<<`` value names: itself, or each item of its list."""
    events = _resolved(events)
    listed = _children(events) if type(events[0]) is SequenceStartEvent else [events]
    sources = [_resolved(source) for source in listed]
    for source in sources:
        if type(source[0]) is not MappingStartEvent:
            raise Invalid(
                "a merge key `<<` takes a mapping or a list of mappings",
                one_based(source[0].start_mark),
            )
    return sources


def _capture(first: Any, next_event: NextEvent) -> list[Any]:
    """The events of the node that starts with ``first``, read to its end."""
    captured = [first]
    depth = 1 if isinstance(first, CollectionStartEvent) else 0
    while depth:
        item = next_event()
        captured.append(item)
        if isinstance(item, CollectionStartEvent):
            depth += 1
        elif isinstance(item, CollectionEndEvent):
            depth -= 1
    return captured


def _read_document(next_event: NextEvent) -> None:
    """Read the rest of the document, so that a syntax error in it is raised."""
    while type(next_event()) is not DocumentEndEvent:
        pass


def _expect_tag(event: Any, expected: str) -> None:
    tag = event.tag
    if tag is not None and tag not in ("!", expected):
        raise _unsupported_tag(tag, event)


def _hide(event: Any, document: Document) -> None:
    """Keep the span of a sensitive scalar, so that no displayed line shows it."""
    document.hidden.append((one_based(event.start_mark), one_based(event.end_mark)))


def _is_empty(root: Any) -> bool:
    """A document with no content at all (not even an explicit `null` or `~`)."""
    return type(root) is ScalarEvent and not root.style and root.value == ""

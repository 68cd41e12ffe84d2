"""Text -> positioned values, under the run's limits.

YAML is parsed by libyaml (``ruamel.yaml.clib``), whose events keep a start mark on every
node at a fraction of the cost of the pure-Python round-trip loader; :mod:`.building` turns
them into plain Python values and their positions. Scalars are converted by ruamel.yaml's own
safe constructor, so ``2026-01-01`` is a date and ``0x1F`` is 31, exactly as in YAML 1.2.
A document under a ``%YAML 1.1`` directive is read as the AWS CLI then reads it, as YAML 1.1
(:func:`qslint.wire.aws_cli_yaml11_value`): ``NO`` is false there.
Node trees (:func:`compose_nodes`) serve the fixes and the language server, which edit or
measure a text that loaded.
"""

from __future__ import annotations

import bisect
import functools
import warnings
from collections.abc import Callable
from typing import Any

from _ruamel_yaml import CParser
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.docinfo import DocInfo
from ruamel.yaml.error import StringMark, YAMLError, YAMLWarning
from ruamel.yaml.loader import SafeLoader
from ruamel.yaml.nodes import Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import Resolver
from ruamel.yaml.tag import Tag

from qslint.config import LoadLimits
from qslint.loader.building import DocumentBuilder, Invalid, TooDeep, too_deep_message
from qslint.loader.documents import Document, LoadProblem, Sensitivity, one_based
from qslint.loader.problems import SyntaxProblem, line_starts, syntax_problem
from qslint.loader.tags import MAP_TAG, MERGE_TAG, SCALAR_TAGS, SEQ_TAG, STR_TAG, plain_tag

# One shared Tag object per resolved tag: libyaml calls ``resolve`` for every node, and
# :func:`tag_name` recognises these by identity instead of formatting each node's tag.
_SHARED_TAGS = {name: Tag(suffix=name) for name in (*SCALAR_TAGS, MAP_TAG, SEQ_TAG, MERGE_TAG)}
_TAG_NAMES = {id(tag): name for name, tag in _SHARED_TAGS.items()}


class _SharedTagResolver:
    """ruamel.yaml's YAML 1.2 resolution, returning shared tags, memoised for plain text."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            name = plain_tag(value)[0]
            return _SHARED_TAGS.get(name) or Tag(suffix=name)
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


def tag_name(node: Node) -> str:
    """A node's tag as text (fast for the shared, resolved tags)."""
    return _TAG_NAMES.get(id(node.ctag)) or str(node.ctag)


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
            raise TooDeep(too_deep_message(self._limits), one_based(mark))
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


# ruamel.yaml's pure-Python parser takes seconds per MiB: a bigger file that libyaml refuses
# keeps libyaml's verdict rather than keep a pre-commit hook waiting.
_PURE_PARSER_MAX_CHARS = 512 * 1024


def _compose(
    parser_type: Callable[[str], Any], text: str, limits: LoadLimits, sensitivity: Sensitivity
) -> tuple[list[Document], LoadProblem | None]:
    """The documents a parser yields for ``text``, up to the first problem, and that problem."""
    documents: list[Document] = []
    with warnings.catch_warnings():
        # ruamel.yaml warns on stderr about some scalars (`1e999`), quoting them: never shown.
        warnings.simplefilter("ignore", YAMLWarning)
        try:
            parser = parser_type(text)
        except YAMLError as error:  # the pure-Python reader checks every character up front
            return documents, syntax_problem(error, text)
        try:
            aliases = "&" in text or "*" in text
            builder = DocumentBuilder(parser, limits, sensitivity, aliases=aliases)
            return documents, builder.build(documents)
        except YAMLError as error:
            return documents, syntax_problem(error, text)
        except Invalid as error:
            return documents, LoadProblem(error.message, error.mark)
        finally:
            parser.dispose()


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

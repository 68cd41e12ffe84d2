"""A finding's exact range: from its position to the end of the node that starts there.

Findings know where their node starts; an editor underlines a range. The document is
composed again (as the loader composes it) and each node's end is looked up by its start:
a scalar or a flow collection ends where its text does, a block collection at the end of
its first line. A position no node starts at (a file that does not parse, a comment) spans
the rest of its line. Positions here are 0-based lines and code points.
"""

from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qslint.config import LoadLimits
from qslint.findings import Mark
from qslint.loader import compose_nodes

Position = tuple[int, int]  # 0-based line, 0-based code point
Range = tuple[Position, Position]


def _nodes(roots: list[Node]) -> Iterator[Node]:
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if id(node) in seen:  # an alias: its node is walked once
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, MappingNode):
            pending.extend(child for pair in node.value for child in pair)


class NodeRanges:
    """The end of every node of a text, by where the node starts."""

    def __init__(self, text: str, limits: LoadLimits) -> None:
        self._lines = text.splitlines() or [""]
        self._ends: dict[Position, Position] = {}
        try:
            roots = compose_nodes(text, limits)
        except (YAMLError, RecursionError):
            roots = []  # the loader reported it; every range spans the rest of its line
        for node in _nodes(roots):
            start = (node.start_mark.line, node.start_mark.column)
            if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
                end = (node.end_mark.line, node.end_mark.column)
            else:
                end = (start[0], len(self._line(start[0]).rstrip()))
            if start not in self._ends or isinstance(node, ScalarNode):
                self._ends[start] = end

    def _line(self, number: int) -> str:
        return self._lines[number] if 0 <= number < len(self._lines) else ""

    def of(self, mark: Mark) -> Range:
        """The range of the node at ``mark`` (1-based), else to the end of its line."""
        start = (mark.line - 1, mark.column - 1)
        end = self._ends.get(start)
        if end is None or end <= start:
            line = self._line(start[0]).rstrip()
            end = (start[0], max(len(line), start[1] + 1))
        return start, end

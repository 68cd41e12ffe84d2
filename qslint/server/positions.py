"""qslint's positions (code points) as the client counts them (UTF-16 by default)."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from qslint.findings import Mark
from qslint.fix import Change
from qslint.server.ranges import Range


def to_client(document: TextDocument, range_: Range) -> types.Range:
    """A 0-based code-point range of ``document`` in the client's units."""
    (start_line, start_column), (end_line, end_column) = range_
    server_range = ServerTextRange(
        ServerTextPosition(start_line, start_column), ServerTextPosition(end_line, end_column)
    )
    return document.range_to_client_units(server_range)


def _zero_based(mark: Mark) -> tuple[int, int]:
    return mark.line - 1, mark.column - 1


def text_edit(document: TextDocument, change: Change) -> types.TextEdit:
    """``change`` (1-based marks) as the client's edit of ``document``."""
    range_ = to_client(document, (_zero_based(change.start), _zero_based(change.end)))
    return types.TextEdit(range=range_, new_text=change.text)


def from_client(document: TextDocument, position: types.Position) -> tuple[int, int]:
    """A client's position as a 0-based line and code point."""
    server = document.position_from_client_units(position)
    return server.line, server.character

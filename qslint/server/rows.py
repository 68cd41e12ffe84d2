"""Fan-outs' rows files as the editor and the disk hold them, each parsed once per text.

Hover and completion on a template's placeholders ask for its rows at every request; a
keystroke in the template must not read or parse them again. An open rows file is taken
from the editor (an edit not yet saved counts) and parsed again when its text changes; a
closed one is read from disk, under the template's limits, again only when the file's
size, modification time or inode changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable

from qslint.config import LoadLimits
from qslint.fanout.expansion import read_rows_file
from qslint.fanout.rows import Rows, RowsError
from qslint.files import read_held

MAX_FILES = 16  # parsed rows files kept; the least recently asked for is dropped first

# An open document's text by its absolute path; None when the editor does not hold it.
HeldText = Callable[[str], str | None]


class RowsFiles:
    """The parsed rows of the rows files asked for lately, by absolute path."""

    def __init__(self, held: HeldText) -> None:
        self._held = held
        self._parsed: dict[str, tuple[Hashable, Rows | str]] = {}

    def rows(self, file: str, shown: str, limits: LoadLimits) -> Rows | str:
        """The rows of ``file`` (absolute), or why there are none in the words of QS110,
        naming the file ``shown`` (as the template names it)."""
        held = self._held(file)
        version = ("held", held) if held is not None else ("disk", _stat(file))
        key = (version, shown, limits)
        known = self._parsed.pop(file, None)
        if known is None or known[0] != key:
            known = (key, _parse(file, shown, held, limits))
        self._parsed[file] = known  # last: the most recently asked for
        while len(self._parsed) > MAX_FILES:
            del self._parsed[next(iter(self._parsed))]
        return known[1]


def _stat(file: str) -> tuple[int, int, int] | None:
    try:
        status = os.stat(file)  # noqa: PTH116 - a path string, as the editor's are kept
    except OSError:
        return None  # read, to say why it cannot be
    return status.st_size, status.st_mtime_ns, status.st_ino


def _parse(file: str, shown: str, held: str | None, limits: LoadLimits) -> Rows | str:
    raw = None if held is None else held.encode("utf-8")
    try:
        return read_rows_file(shown, lambda _: read_held(file, raw, limits.max_file_size), limits)
    except RowsError as error:
        mark = error.mark
        return f"rows file `{shown}`, line {mark.line}, column {mark.column}: {error.message}"

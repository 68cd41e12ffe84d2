"""Fan-out: a template × rows -> one job document per row, every position kept.

:mod:`~qslint.fanout.rows` reads the rows (CSV, YAML, JSON, or inline) with the position of
each cell, :mod:`~qslint.fanout.expansion` fills the template once per row, and
:mod:`~qslint.fanout.merging` makes a finding found in many rows one finding. Each is imported
by its own name: the engine needs the merging only, and not the loader the others import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qslint.loader import SourceFile

FAN_OUT_KEY = "x-qslint"  # a document whose top level holds it is a template
CSV_SUFFIXES = (".csv",)  # a rows file's, never a definition's


def quoted_column(name: str) -> str:
    """A column's name as a message shows it: in backticks, each character that does not
    print (a tab, a line break) escaped as Python writes it, else unseen or breaking the
    message's line."""
    if name.isprintable():
        return f"`{name}`"
    return "`" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in name) + "`"


def has_template(source: SourceFile) -> bool:
    """Whether a document of ``source`` is a template: only then is the expansion needed."""
    return any(FAN_OUT_KEY in document.data for document in source.documents)


# Kinds of problem, each reported by one rule (rules/fanout.py), which a run served from the
# cache loads without the loader: they are named here, where nothing is imported.
CANNOT_EXPAND = "cannot-expand"
UNKNOWN_COLUMN = "unknown-column"
UNUSED_COLUMN = "unused-column"
MISSING_CELL = "missing-cell"
DUPLICATE_ROW = "duplicate-row"
SENSITIVE_SHOWN = "sensitive-shown"

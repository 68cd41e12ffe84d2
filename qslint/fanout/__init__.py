"""Fan-out: a template × rows -> one job document per row, every position kept.

:mod:`~qslint.fanout.rows` reads the rows (CSV, YAML, JSON, or inline) with the position of
each cell, :mod:`~qslint.fanout.expansion` fills the template once per row, and
:mod:`~qslint.fanout.merging` makes a finding found in many rows one finding.
"""

from qslint.fanout.expansion import (
    CANNOT_EXPAND,
    DUPLICATE_ROW,
    FAN_OUT_KEY,
    MISSING_CELL,
    UNKNOWN_COLUMN,
    UNUSED_COLUMN,
    ReadRows,
    expand_source,
)
from qslint.fanout.merging import merge_row_findings

__all__ = [
    "CANNOT_EXPAND",
    "DUPLICATE_ROW",
    "FAN_OUT_KEY",
    "MISSING_CELL",
    "UNKNOWN_COLUMN",
    "UNUSED_COLUMN",
    "ReadRows",
    "expand_source",
    "merge_row_findings",
]

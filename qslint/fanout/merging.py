"""A fan-out's findings, one per problem: the template's once, a row's at its cell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qslint.findings import Finding, Location, plural

if TYPE_CHECKING:
    from qslint.loader.documents import Document, FanOutRow

MAX_ROWS_NAMED = 5


def merge_row_findings(found: Sequence[tuple[Finding, Document]]) -> list[Finding]:
    """The findings of the rows of fan-outs, each found in a row's document.

    A finding at the same place of the template in several rows is one problem: it is
    reported once, naming the rows. A finding at a value a row's cell filled is the row's,
    at the cell, unless every row of several has it: then the template's text is the cause.
    """
    groups: dict[tuple[str, Location], list[tuple[Finding, Document]]] = {}
    for finding, document in found:
        groups.setdefault((finding.code, finding.location), []).append((finding, document))
    merged: list[Finding] = []
    for (_, location), members in groups.items():
        rows = [document.row for _, document in members if document.row is not None]
        total = rows[0].total if rows else 0
        every = len({row.number for row in rows}) == total
        at_cells = [document.origins.get(location.path) for _, document in members]
        if all(at_cells) and not (every and total > 1):
            merged += [
                replace(finding, location=cell, fix=None, excerpt=None)
                for (finding, _), cell in zip(members, at_cells, strict=True)
                if cell is not None
            ]
            continue
        first = members[0][0]
        merged.append(replace(first, message=f"{first.message} ({_which(rows)})", fix=None))
    return merged


def _which(rows: Sequence[FanOutRow]) -> str:
    """``in all 200 rows``, ``in 2 of 200 rows: 4, 17``, by number or by the rows' names."""
    total = rows[0].total if rows else 0
    if len(rows) == total:
        return f"in all {plural(total, 'row')}" if total > 1 else "in its one row"
    named = ", ".join(row.label for row in rows[:MAX_ROWS_NAMED])
    more = ", …" if len(rows) > MAX_ROWS_NAMED else ""
    return f"in {len(rows)} of {plural(total, 'row')}: {named}{more}"

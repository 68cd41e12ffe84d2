"""A fan-out's findings, one per problem: the template's once, a row's at its cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qslint.fanout import quoted_column
from qslint.findings import Finding, Fix, Location, plural

if TYPE_CHECKING:
    from qslint.loader.documents import Document, FanOutRow

MAX_ROWS_NAMED = 5


def merge_row_findings(found: Sequence[tuple[Finding, Document]]) -> list[Finding]:
    """The findings of the rows of fan-outs, each found in a row's document.

    A finding at the same place of the template in several rows is one problem: it is
    reported once, naming the rows. A finding at a value a row's cell filled is the row's,
    at the cell, unless every row of several has it: then the template's text is the cause.

    A fix edits the template's text, so it is kept only where it is the template's: found in
    every row, the same in each, and writing over no value a row fills. Any other says why
    it is not applied.
    """
    groups: dict[tuple[str, Location], list[tuple[Finding, Document]]] = {}
    for finding, document in found:
        groups.setdefault((finding.code, finding.location), []).append((finding, document))
    merged: list[Finding] = []
    for (_, location), members in groups.items():
        rows = [document.row for _, document in members if document.row is not None]
        total = rows[0].total if rows else 0
        every = len({row.number for row in rows}) == total
        origins = [document.origins.get(location.path) for _, document in members]
        if all(origins) and not (every and total > 1):
            merged += [
                finding.replace(
                    message=f"{finding.message} ({_from_columns(origin[1])})",
                    location=origin[0],
                    fix=None,
                    excerpt=None,
                    unapplied_fix=_row_fix_note(finding, document.row),
                )
                for (finding, document), origin in zip(members, origins, strict=True)
                if origin is not None
            ]
            continue
        first = members[0][0]
        fix, unapplied = _template_fix(members, every=every)
        message = f"{first.message} ({_which(rows)})"
        merged.append(first.replace(message=message, fix=fix, unapplied_fix=unapplied))
    return merged


def _from_columns(columns: Sequence[str]) -> str:
    """``from column `top```: a cell's finding speaks of the request's field, which the
    rows file does not show; its columns do."""
    word = "column" if len(columns) == 1 else "columns"
    return f"from {word} " + ", ".join(map(quoted_column, columns))


def _row_fix_note(finding: Finding, row: FanOutRow | None) -> str | None:
    if finding.fix is None or row is None:
        return None
    return f"it would write row {row.label}'s value into the template: correct the cell"


def _template_fix(
    members: Sequence[tuple[Finding, Document]], *, every: bool
) -> tuple[Fix | None, str | None]:
    """The fix of a finding of the template's, or why it has none to apply."""
    fixes = [finding.fix for finding, _ in members]
    first = fixes[0]
    if None in fixes:
        return None, ("only some rows offer a fix" if any(fixes) else None)
    if not every:
        return None, "found in some rows only, and the template's text is every row's"
    if any(fix != first for fix in fixes[1:]):
        return None, "its fix differs from row to row: the rows' values decide it"
    document = members[0][1]
    filled = document.origins.keys() | document.literals.keys()
    if any(edit.path in filled for edit in first.edits if not edit.delete and not edit.span):
        return None, "it would write a row's value over the template's placeholders"
    return first, None


def _which(rows: Sequence[FanOutRow]) -> str:
    """``in all 200 rows``, ``in 2 of 200 rows: 4, 17``, by number or by the rows' names."""
    total = rows[0].total if rows else 0
    if len(rows) == total:
        return f"in all {plural(total, 'row')}" if total > 1 else "in its one row"
    named = ", ".join(row.label for row in rows[:MAX_ROWS_NAMED])
    more = ", …" if len(rows) > MAX_ROWS_NAMED else ""
    return f"in {len(rows)} of {plural(total, 'row')}: {named}{more}"

"""QS110–QS115: a fan-out (`x-qslint: for-each`) expands to one complete job per row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from qslint.fanout import (
    CANNOT_EXPAND,
    DUPLICATE_ROW,
    MISSING_CELL,
    SENSITIVE_SHOWN,
    UNKNOWN_COLUMN,
    UNUSED_COLUMN,
)
from qslint.findings import Severity
from qslint.rule import RuleContext, Violation, file_rule

if TYPE_CHECKING:
    from qslint.loader import SourceFile


def _problems(source: SourceFile, kind: str) -> Iterator[Violation]:
    for problem in source.fan_out_problems:
        if problem.kind == kind:
            yield Violation(problem.message, mark=problem.mark, file=problem.file)


@file_rule("QS110", "A fan-out cannot be expanded")
def fan_out_unreadable(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports an `x-qslint` fan-out that gives no rows: `for-each` missing, a rows file that
    is not beside the definition (or below its folder), cannot be read, breaks the
    hostile-input limits or is not a CSV file with a header row or a YAML or JSON list of
    flat mappings; a `row-name` column that fills a sensitive value; an unknown setting.

    ## Why is this bad?
    The template is neither checked nor submitted: submitted as written, every `${column}`
    would reach the service as literal text.

    ## Example
    ```yaml
    x-qslint:
      for-each: ../tenants.csv
    ```

    ## Fix
    Name a rows file beside the definition (`for-each: tenants.csv`) and correct it at the
    position shown.
    """
    yield from _problems(source, CANNOT_EXPAND)


@file_rule("QS111", "A placeholder names no column of the rows")
def fan_out_unknown_column(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `${name}` placeholder of a fan-out's template (or a `row-name`) that names
    no column of its rows.

    ## Why is this bad?
    Nothing can fill it: the template is not expanded, and no job is checked or submitted.

    ## Example
    ```yaml
    SnapshotJobId: weekly-${tennant}
    ```

    ## Fix
    Correct the name to one of the columns the message lists, or add the column.
    """
    yield from _problems(source, UNKNOWN_COLUMN)


@file_rule("QS112", "A column of the rows fills no placeholder", severity=Severity.WARNING)
def fan_out_unused_column(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a column of a fan-out's rows that no placeholder of the template uses (and
    that is not the `row-name`), at its name in the header row.

    ## Why is this bad?
    A value someone maintains row by row reaches no job: most often a placeholder is
    misspelt or was forgotten (the tag value of `tenant_id`, say).

    ## Example
    ```csv
    tenant,tenant_id,region
    ```
    with no `${region}` in the template.

    ## Fix
    Use the column in the template, or remove it from the rows.
    """
    yield from _problems(source, UNUSED_COLUMN)


@file_rule("QS113", "A row has no value for a placeholder")
def fan_out_missing_cell(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a row of a fan-out whose cell for a column the template uses is missing or
    empty, at the row. That row gives no job.

    ## Why is this bad?
    Filled with nothing, a job id or prefix collides with another row's, or a tag value
    is empty and the export shows rows nobody meant to send.

    ## Example
    ```csv
    tenant,tenant_id
    acme,
    ```

    ## Fix
    Give the cell its value, or remove the row.
    """
    yield from _problems(source, MISSING_CELL)


@file_rule("QS114", "A row repeats an earlier row")
def fan_out_duplicate_row(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a row of a fan-out whose every cell is that of an earlier row, at the later
    one. It gives no job of its own.

    ## Why is this bad?
    The same export is listed twice: a merge of two tenant lists, a row pasted twice. The
    second copy is the one to remove.

    ## Example
    ```csv
    tenant,tenant_id
    acme,t-1
    acme,t-1
    ```

    ## Fix
    Remove the repeated row.
    """
    yield from _problems(source, DUPLICATE_ROW)


@file_rule("QS115", "A sensitive column is written where it is shown", severity=Severity.WARNING)
def fan_out_sensitive_shown(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a placeholder of a fan-out's template that writes a column into a value the
    service does not mark sensitive (a job id, a bucket prefix) when the same column also
    fills one it does mark sensitive (a row-level security tag value, a parameter value).

    ## Why is this bad?
    The service and qslint keep a sensitive value out of logs and reports; written into a
    job id or a prefix, the same value is in every plan, log line, report and S3 key.

    ## Example
    ```yaml
    SnapshotJobId: weekly-sales-${tenant_id}
    ...
            - {Key: tenant_id, Value: "${tenant_id}"}
    ```

    ## Fix
    Add a column that names the row without revealing its tag value (`tenant`), and use
    it in the job id and prefix.
    """
    yield from _problems(source, SENSITIVE_SHOWN)

"""QS201–QS211: formats, file groups and sheet selections the service accepts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING

from qslint.findings import Severity
from qslint.rule import (
    Fix,
    RuleContext,
    RuleOption,
    Violation,
    delete_node,
    job_rule,
    plural,
    replace_value,
)

if TYPE_CHECKING:
    from qslint.model import SnapshotFile
    from qslint.model import StartDashboardSnapshotJobRequest as Job

FILES_PER_FORMAT = {"PDF": 1, "EXCEL": 1, "CSV": 5}
A_FILE = {"PDF": "a PDF file", "EXCEL": "an Excel file", "CSV": "a CSV file"}
EXCEL_MAX_SHEETS = 5
EXCEL_MAX_VISUALS = 5


@job_rule("QS201", "A PDF file must select ALL_VISUALS and list no VisualIds", fixable=True)
def pdf_selects_all_visuals(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a PDF file whose sheet selection uses `SELECTED_VISUALS` or lists `VisualIds`.

    ## Why is this bad?
    A paginated PDF always renders whole sheets. The API accepts the request and the job
    then fails, after it has taken one of the account's 12 concurrent slots.

    ## Example
    ```yaml
    - FormatType: PDF
      SheetSelections:
        - SheetId: summary
          SelectionScope: SELECTED_VISUALS
          VisualIds: [top-customers]
    ```

    ## Fix
    Use `SelectionScope: ALL_VISUALS` and remove `VisualIds`.
    """
    for at, file, selection in job.selections():
        if file.FormatType != "PDF":
            continue
        drop_visuals = (delete_node((*at, "VisualIds")),) if selection.VisualIds is not None else ()
        if selection.SelectionScope != "ALL_VISUALS":
            yield Violation(
                "a PDF file exports whole sheets: use `SelectionScope: ALL_VISUALS` "
                "and drop `VisualIds`",
                path=(*at, "SelectionScope"),
                fix=Fix(
                    "select ALL_VISUALS and drop VisualIds",
                    (replace_value((*at, "SelectionScope"), "ALL_VISUALS"), *drop_visuals),
                ),
            )
        elif drop_visuals:
            yield Violation(
                "a PDF file exports whole sheets: remove `VisualIds`",
                path=(*at, "VisualIds"),
                key=True,
                fix=Fix("drop VisualIds", drop_visuals),
            )


@job_rule("QS202", "CSV and Excel files must select SELECTED_VISUALS")
def tabular_selects_visuals(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a CSV or Excel file whose sheet selection uses `ALL_VISUALS`.

    ## Why is this bad?
    CSV and Excel exports hold table and pivot-table visuals named one by one; the service
    fails a job that asks for a whole sheet in these formats.

    ## Example
    ```yaml
    - FormatType: CSV
      SheetSelections:
        - SheetId: orders
          SelectionScope: ALL_VISUALS
    ```

    ## Fix
    Use `SelectionScope: SELECTED_VISUALS` and list the table visuals in `VisualIds`.
    """
    for at, file, selection in job.selections():
        if file.FormatType != "PDF" and selection.SelectionScope == "ALL_VISUALS":
            yield Violation(
                f"{A_FILE[file.FormatType]} exports chosen visuals: use "
                "`SelectionScope: SELECTED_VISUALS` with `VisualIds`",
                path=(*at, "SelectionScope"),
            )


@job_rule("QS203", "SELECTED_VISUALS without VisualIds")
def selected_visuals_listed(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a CSV or Excel sheet selection with `SelectionScope: SELECTED_VISUALS` and no
    (or an empty) `VisualIds` list. (A PDF selection is QS201's.)

    ## Why is this bad?
    There is nothing to export: the service refuses or fails the job.

    ## Example
    ```yaml
    - SheetId: orders
      SelectionScope: SELECTED_VISUALS
    ```

    ## Fix
    List the visuals to export: `VisualIds: [orders-table]`.
    """
    for at, file, selection in job.selections():
        if file.FormatType == "PDF" or selection.SelectionScope != "SELECTED_VISUALS":
            continue
        if not selection.VisualIds:
            yield Violation(
                "`SELECTED_VISUALS` needs the visuals to export in `VisualIds`",
                path=at if selection.VisualIds is None else (*at, "VisualIds"),
            )


@job_rule("QS204", "A CSV file selects exactly one visual")
def csv_single_visual(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a CSV file with more than one sheet selection or more than one visual id.

    ## Why is this bad?
    One CSV file holds one table. The service fails the job; to export several visuals as
    CSV, use one file group per visual (up to 5 CSV files per job).

    ## Example
    ```yaml
    - FormatType: CSV
      SheetSelections:
        - SheetId: orders
          SelectionScope: SELECTED_VISUALS
          VisualIds: [orders-table, returns-table]
    ```

    ## Fix
    Keep one visual id here and move the other into a file group of its own.
    """
    for path, file in job.files():
        if file.FormatType != "CSV":
            continue
        if len(file.SheetSelections) > 1:
            yield Violation(
                f"a CSV file exports one visual, but this one has {len(file.SheetSelections)} "
                "sheet selections; give each its own file group",
                path=(*path, "SheetSelections", 1),
            )
            continue
        visuals = file.SheetSelections[0].VisualIds or []
        if len(visuals) > 1:
            yield Violation(
                f"a CSV file exports one visual, but this one lists {len(visuals)}; give each "
                "its own file group",
                path=(*path, "SheetSelections", 0, "VisualIds", 1),
            )


@job_rule("QS205", "An Excel workbook holds at most 5 sheet selections and 5 visuals")
def excel_limits(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports an Excel file with more than 5 sheet selections, or more than 5 visual ids
    across all its sheet selections.

    ## Why is this bad?
    An Excel export holds at most 5 table or pivot-table visuals, one worksheet each; the
    service refuses or fails larger requests.

    ## Example
    ```yaml
    - FormatType: EXCEL
      SheetSelections:
        - SheetId: finance
          SelectionScope: SELECTED_VISUALS
          VisualIds: [a, b, c]
        - SheetId: costs
          SelectionScope: SELECTED_VISUALS
          VisualIds: [d, e, f]
    ```

    ## Fix
    Keep at most 5 visuals in the workbook; move the rest into a second job.
    """
    for path, file in job.files():
        if file.FormatType != "EXCEL":
            continue
        if len(file.SheetSelections) > EXCEL_MAX_SHEETS:
            yield Violation(
                f"an Excel workbook holds at most {EXCEL_MAX_SHEETS} sheet selections, "
                f"not {len(file.SheetSelections)}",
                path=(*path, "SheetSelections", EXCEL_MAX_SHEETS),
            )
            continue
        seen = 0
        for i, selection in enumerate(file.SheetSelections):
            visuals = selection.VisualIds or []
            if seen + len(visuals) > EXCEL_MAX_VISUALS:
                total = sum(len(s.VisualIds or []) for s in file.SheetSelections)
                yield Violation(
                    f"an Excel workbook holds at most {EXCEL_MAX_VISUALS} visuals in total, "
                    f"not {total}",
                    path=(*path, "SheetSelections", i, "VisualIds", EXCEL_MAX_VISUALS - seen),
                )
                break
            seen += len(visuals)


@job_rule("QS206", "A PDF file has exactly one sheet selection")
def pdf_single_sheet(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a PDF file with more than one sheet selection.

    ## Why is this bad?
    A snapshot PDF renders one sheet; the service takes one sheet selection for PDF.

    ## Example
    ```yaml
    - FormatType: PDF
      SheetSelections:
        - {SheetId: summary, SelectionScope: ALL_VISUALS}
        - {SheetId: details, SelectionScope: ALL_VISUALS}
    ```

    ## Fix
    Keep one sheet selection; export the other sheet in a job of its own.
    """
    for path, file in job.files():
        if file.FormatType == "PDF" and len(file.SheetSelections) > 1:
            yield Violation(
                f"a PDF file takes one sheet selection, not {len(file.SheetSelections)}",
                path=(*path, "SheetSelections", 1),
            )


@job_rule(
    "QS207",
    "Too many FileGroups in one job",
    options=[RuleOption("max-file-groups", 6, "the most file groups a job may hold", minimum=1)],
)
def too_many_file_groups(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a job with more file groups than the documented limit of 6 (the service model
    admits 7; set `[tool.qslint.options.QS207] max-file-groups` to change the limit).

    ## Why is this bad?
    The API reference documents at most 6 file-group configurations per job; larger jobs
    are refused.

    ## Example
    A job with seven entries under `SnapshotConfiguration.FileGroups`.

    ## Fix
    Split the file groups over two jobs.
    """
    limit: int = context.options["max-file-groups"]
    groups = job.SnapshotConfiguration.FileGroups
    if len(groups) > limit:
        yield Violation(
            f"a job holds at most {plural(limit, 'file group')}, not {len(groups)}; "
            "split it into two jobs",
            path=("SnapshotConfiguration", "FileGroups", limit),
        )


@job_rule("QS208", "Each FileGroup holds exactly one file")
def one_file_per_group(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a file group whose `Files` list is missing, empty, or holds more than one file.

    ## Why is this bad?
    The service model takes exactly one file configuration per file group.

    ## Example
    ```yaml
    FileGroups:
      - Files:
          - {FormatType: PDF, SheetSelections: [...]}
          - {FormatType: CSV, SheetSelections: [...]}
    ```

    ## Fix
    Give every file its own file group.
    """
    for g, group in enumerate(job.SnapshotConfiguration.FileGroups):
        at = ("SnapshotConfiguration", "FileGroups", g)
        if group.Files is None:
            yield Violation("this file group has no `Files`: add exactly one file", path=at)
        elif not group.Files:
            yield Violation("`Files` is empty: add exactly one file", path=(*at, "Files"))
        elif len(group.Files) > 1:
            yield Violation(
                f"a file group holds one file, not {len(group.Files)}; give each its own group",
                path=(*at, "Files", 1),
            )


@job_rule("QS209", "At most 1 PDF, 1 Excel and 5 CSV files per job")
def files_per_format(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a job that asks for more than one PDF, more than one Excel workbook, or more
    than five CSV files.

    ## Why is this bad?
    These are the API's documented limits for one StartDashboardSnapshotJob call.

    ## Example
    Two file groups that both have `FormatType: PDF`.

    ## Fix
    Move the extra files into another job.
    """
    counts: Counter[str] = Counter()
    for path, file in job.files():
        counts[file.FormatType] += 1
        limit = FILES_PER_FORMAT[file.FormatType]
        if counts[file.FormatType] == limit + 1:
            yield Violation(
                f"a job holds at most {plural(limit, f'{file.FormatType} file')}; "
                "move this one into another job",
                path=(*path, "FormatType"),
            )


@job_rule(
    "QS210",
    "The same visual or sheet is selected twice in one file",
    severity=Severity.WARNING,
    fixable=True,
)
def repeated_selection(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a sheet that appears in two sheet selections of one file, a visual id listed
    twice in one selection, and a visual id listed under two sheet selections of one file.

    ## Why is this bad?
    It exports the same data twice (or the service refuses it), and it usually hides a
    copy-paste slip where another sheet or visual was meant. Visual ids are unique within a
    dashboard, so a visual listed under two sheets is not on one of them.

    ## Example
    ```yaml
    VisualIds: [orders-table, orders-table]
    ```

    ## Fix
    Remove the repetition, or name the sheet or visual that was meant.
    """
    for path, file in job.files():
        sheets: set[str] = set()
        sheet_of_visual: dict[str, str] = {}  # the sheet each visual of the file is listed under
        for i, selection in enumerate(file.SheetSelections):
            at = (*path, "SheetSelections", i)
            repeated_sheet = selection.SheetId in sheets
            if repeated_sheet:  # its visuals are part of the same slip: one finding
                yield Violation(
                    f"sheet `{selection.SheetId}` is already selected in this file",
                    path=(*at, "SheetId"),
                )
            sheets.add(selection.SheetId)
            visuals: set[str] = set()
            for v, visual in enumerate(selection.VisualIds or []):
                other_sheet = sheet_of_visual.get(visual)
                if visual in visuals:
                    yield Violation(
                        f"visual `{visual}` is listed twice",
                        path=(*at, "VisualIds", v),
                        fix=Fix(
                            "drop the repeated visual id", (delete_node((*at, "VisualIds", v)),)
                        ),
                    )
                elif other_sheet is not None and not repeated_sheet:
                    yield Violation(
                        f"visual `{visual}` is already listed under sheet `{other_sheet}` in this "
                        "file; visual ids are unique within a dashboard, so one of the two "
                        "sheets does not hold it",
                        path=(*at, "VisualIds", v),
                    )
                visuals.add(visual)
                sheet_of_visual.setdefault(visual, selection.SheetId)


@job_rule("QS211", "Two FileGroups request an identical file", severity=Severity.WARNING)
def identical_files(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a file group that requests exactly the same file as an earlier one.

    ## Why is this bad?
    The job does the same export twice: it costs time and a file-group slot, and it is
    usually a copy that was meant to be changed.

    ## Example
    Two file groups with the same `FormatType` and the same `SheetSelections`.

    ## Fix
    Remove the second group or change it to the export that was meant.
    """
    first: dict[Hashable, int] = {}  # the group of each distinct file
    for path, file in job.files():
        key = file_key(file)
        if key in first:
            yield Violation(
                f"this file group requests the same file as FileGroups[{first[key]}]",
                path=path[:3],
            )
        else:
            first[key] = int(path[2])


def file_key(file: SnapshotFile) -> Hashable:
    """Every field of ``file``, nested ones too (tests/test_rules.py pins the list), as one
    hashable value: equal for files that request the same export. Its class is part of it:
    a part of a partial job, which left out what was not valid, is never equal to a whole
    one, which may hold what it left out."""
    selections = tuple(
        (s.SheetId, s.SelectionScope, None if s.VisualIds is None else tuple(s.VisualIds))
        for s in file.SheetSelections
    )
    return (type(file), file.FormatType, selections)

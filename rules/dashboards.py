"""QS701–QS709: a job against the dashboard it exports.

These rules read the dashboards from their context (``context.dashboards``): a folder of
exported definitions (``--dashboards DIR``, ``dashboards = "DIR"``) or QuickSight itself
(``--remote``). When neither was asked for, they report nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from qslint_rules.parameters import can_name_a_dashboard_parameter

from qslint.findings import JsonPath
from qslint.rule import RuleContext, Severity, Violation, closest, did_you_mean, job_rule

if TYPE_CHECKING:
    from qslint.dashboards.index import Dashboard, ParameterDeclaration, Sheet
    from qslint.model import Parameter, SnapshotFileSheetSelection
    from qslint.model import StartDashboardSnapshotJobRequest as Job

TABLE_KINDS = frozenset({"TableVisual", "PivotTableVisual"})  # what CSV and Excel export
TABLE_FORMATS = {"CSV": "a CSV", "EXCEL": "an Excel"}


def _dashboard(job: Job, context: RuleContext) -> Dashboard | None:
    known = context.dashboards
    return known.find(job.AwsAccountId, job.DashboardId) if known is not None else None


def _suggestion(word: str, candidates: list[str]) -> str:
    """The candidate ``word`` most likely means: one it starts (a renamed id often grows a
    suffix: ``visual-sla`` -> ``visual-sla-daily``), else the closest spelling."""
    extended = [candidate for candidate in candidates if candidate.startswith(word)]
    match = extended[0] if len(extended) == 1 else closest(word, candidates)
    return did_you_mean(match)


class _Selection(NamedTuple):
    path: JsonPath  # of the sheet selection
    format_type: str  # of its file
    selection: SnapshotFileSheetSelection
    sheet: Sheet | None  # the dashboard's sheet of that id, if it has one


class _SelectedVisual(NamedTuple):
    path: JsonPath  # of the `VisualIds` entry
    format_type: str
    visual_id: str
    sheet: Sheet  # the sheet the selection names


def _selections(job: Job, dashboard: Dashboard) -> Iterator[_Selection]:
    for path, file, selection in job.selections():
        yield _Selection(path, file.FormatType, selection, dashboard.sheet(selection.SheetId))


def _selected_visuals(job: Job, dashboard: Dashboard) -> Iterator[_SelectedVisual]:
    """Each `VisualIds` entry of a selection whose sheet the dashboard has (else: QS702)."""
    for selected in _selections(job, dashboard):
        if selected.sheet is None:
            continue
        for v, visual_id in enumerate(selected.selection.VisualIds or ()):
            path = (*selected.path, "VisualIds", v)
            yield _SelectedVisual(path, selected.format_type, visual_id, selected.sheet)


def _parameters(
    job: Job, dashboard: Dashboard
) -> Iterator[tuple[JsonPath, Parameter, ParameterDeclaration | None]]:
    """Each parameter the job passes, with its path and the dashboard's declaration of it."""
    for path, parameter in job.parameters():
        yield path, parameter, dashboard.parameter(parameter.Name)


@job_rule(
    "QS701", "No definition of the job's dashboard", severity=Severity.WARNING, cross_checks=True
)
def unknown_dashboard(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    When jobs are cross-checked with their dashboards (`--dashboards DIR`, `dashboards` in
    the configuration, or `--remote`), reports a job whose `DashboardId` has no definition
    there: no file of the folder defines it, or QuickSight has no such dashboard
    (`ResourceNotFoundException`). A dashboard QuickSight did not describe for another reason
    is QS709's.

    ## Why is this bad?
    None of QS702–QS708 can check the job: its sheets, visuals and parameters go unchecked
    until the job runs. A dashboard id that matches no dashboard also fails the job.

    ## Example
    `DashboardId: sales-overveiw` while the folder holds `sales-overview.json`.

    ## Fix
    Correct the `DashboardId`, or add the dashboard's definition to the folder
    (`qslint dashboards pull DASHBOARD_ID --out DIR`).
    """
    known = context.dashboards
    if known is None or _dashboard(job, context) is not None:
        return
    if known.why_unreadable(job.AwsAccountId, job.DashboardId) is not None:
        return  # QS709's: QuickSight did not say whether the dashboard exists
    reason = known.why_missing(job.AwsAccountId, job.DashboardId)
    yield Violation(
        f"cannot cross-check dashboard `{job.DashboardId}`: {reason}"
        + _suggestion(job.DashboardId, known.ids),
        path=("DashboardId",),
    )


@job_rule("QS702", "The sheet is not a sheet of the dashboard", cross_checks=True)
def unknown_sheet(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `SheetId` that is not the id of a sheet of the job's dashboard, with the
    closest sheet id or name as a suggestion.

    ## Why is this bad?
    The service accepts the job and fails it when it runs: the file is never produced.

    ## Example
    ```yaml
    SheetSelections:
      - {SheetId: sheet-sumary, SelectionScope: ALL_VISUALS}
    ```

    ## Fix
    Use the id of one of the dashboard's sheets (the `SheetId` in its definition, not the
    sheet's name on the tab).
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    for selected in _selections(job, dashboard):
        if selected.sheet is None:
            sheet_id = selected.selection.SheetId
            yield Violation(
                f"dashboard `{dashboard.id}` has no sheet `{sheet_id}`"
                + _sheet_suggestion(sheet_id, dashboard),
                path=(*selected.path, "SheetId"),
            )


def _sheet_suggestion(sheet_id: str, dashboard: Dashboard) -> str:
    """The closest sheet by id or by name, always named by its id."""
    by_word = {sheet.id: sheet for sheet in dashboard.sheets}
    by_word.update({sheet.name: sheet for sheet in dashboard.sheets if sheet.name})
    match = closest(sheet_id, list(by_word))
    if match is None:
        return ""
    sheet = by_word[match]
    return f"; did you mean `{sheet.id}` ({sheet.name or 'unnamed'})?"


@job_rule("QS703", "The visual is not on the sheet", cross_checks=True)
def unknown_visual(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `VisualIds` entry that is not the id of a visual on the selected sheet. When
    the visual is on another sheet of the dashboard the message names that sheet; otherwise
    it suggests the closest visual id of the sheet.

    ## Why is this bad?
    The job fails when it runs, after its place in the queue.

    ## Example
    ```yaml
    - SheetId: sheet-orders
      SelectionScope: SELECTED_VISUALS
      VisualIds: [visual-stock-levels]   # a visual of sheet-inventory
    ```

    ## Fix
    Select the sheet the visual is on, or the visual's current id.
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    for selected in _selected_visuals(job, dashboard):
        visual_id, sheet = selected.visual_id, selected.sheet
        if sheet.visual(visual_id) is not None:
            continue
        elsewhere = [other.id for other in dashboard.sheets if other.visual(visual_id)]
        hint = (
            f"; it is on sheet `{elsewhere[0]}`"
            if elsewhere
            else _suggestion(visual_id, [visual.id for visual in sheet.visuals])
        )
        yield Violation(f"sheet `{sheet.id}` has no visual `{visual_id}`{hint}", path=selected.path)


@job_rule("QS704", "CSV and Excel files export only tables and pivot tables", cross_checks=True)
def not_a_table(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a visual selected for a CSV or Excel file that is neither a table
    (`TableVisual`) nor a pivot table (`PivotTableVisual`), naming its actual type.

    ## Why is this bad?
    CSV and Excel snapshots hold the data of tables and pivot tables only: the job fails
    when it runs.

    ## Example
    ```yaml
    - FormatType: CSV
      SheetSelections:
        - {SheetId: sheet-orders, SelectionScope: SELECTED_VISUALS,
           VisualIds: [visual-orders-trend]}   # a line chart
    ```

    ## Fix
    Select a table or pivot table showing the same data, or export the chart in a PDF.
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    for selected in _selected_visuals(job, dashboard):
        visual = selected.sheet.visual(selected.visual_id)
        if selected.format_type not in TABLE_FORMATS or visual is None:
            continue  # a PDF exports any visual; an unknown one is QS703's finding
        if visual.kind not in TABLE_KINDS:
            yield Violation(
                f"{TABLE_FORMATS[selected.format_type]} file exports tables and pivot tables "
                "only, but "
                f"visual `{visual.id}` is a `{visual.kind}`",
                path=selected.path,
            )


@job_rule("QS705", "The parameter is not declared by the dashboard", cross_checks=True)
def undeclared_parameter(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter in `Parameters` whose `Name` the dashboard does not declare, with
    the closest declared name as a suggestion.

    ## Why is this bad?
    The value filters nothing: the job fails, or exports the dashboard unfiltered.

    ## Example
    ```yaml
    StringParameters:
      - {Name: Warehose, Values: [dub-01]}
    ```

    ## Fix
    Use the name of one of the dashboard's parameters (names are case-sensitive).
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    declared = [declaration.name for declaration in dashboard.parameters]
    for path, parameter, declaration in _parameters(job, dashboard):
        # A name no dashboard parameter can have is QS405's.
        if declaration is None and can_name_a_dashboard_parameter(parameter.Name):
            yield Violation(
                f"dashboard `{dashboard.id}` declares no parameter `{parameter.Name}`"
                + _suggestion(parameter.Name, declared),
                path=(*path, "Name"),
            )


@job_rule("QS706", "The parameter is passed as another type than declared", cross_checks=True)
def parameter_type_mismatch(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter passed under one type's list (`StringParameters`) while the
    dashboard declares it as another type (`IntegerParameterDeclaration`).

    ## Why is this bad?
    The service refuses a value of the wrong type for a parameter, after the job was queued.

    ## Example
    ```yaml
    StringParameters:
      - {Name: FiscalYear, Values: ["2025"]}   # an integer parameter
    ```

    ## Fix
    Move the parameter to the list of its declared type (`IntegerParameters`), with values
    of that type.
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    for path, parameter, declaration in _parameters(job, dashboard):
        if declaration is not None and declaration.kind != path[2]:
            yield Violation(
                f"parameter `{parameter.Name}` is declared as `{declaration.declaration}`: "
                f"pass it under `{declaration.kind}`, not `{path[2]}`",
                path=(*path, "Name"),
            )


@job_rule(
    "QS707",
    "Several values for a single-valued parameter",
    severity=Severity.WARNING,
    cross_checks=True,
)
def several_values_for_single_valued(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter passed with more than one value while the dashboard declares it
    `SINGLE_VALUED` (a DateTime parameter always is).

    ## Why is this bad?
    Only one value can apply: the others are dropped or the job fails, and the snapshot is
    not filtered the way the definition reads.

    ## Example
    ```yaml
    StringParameters:
      - {Name: Warehouse, Values: [dub-01, ams-02]}   # SINGLE_VALUED
    ```

    ## Fix
    Pass one value, make one job per value, or declare the parameter `MULTI_VALUED`.
    """
    dashboard = _dashboard(job, context)
    if dashboard is None:
        return
    for path, parameter, declaration in _parameters(job, dashboard):
        if declaration is None or declaration.kind != path[2] or declaration.multi_valued:
            continue  # QS705's or QS706's finding, or several values are fine
        if len(parameter.Values) > 1:
            yield Violation(
                f"parameter `{parameter.Name}` is single-valued in dashboard `{dashboard.id}`, "
                f"but {len(parameter.Values)} values are passed",
                path=(*path, "Name"),
            )


@job_rule(
    "QS708",
    "A row-level security tag key no data set declares",
    severity=Severity.WARNING,
    cross_checks=True,
)
def undeclared_tag_key(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `RowLevelPermissionTags` key that none of the dashboard's data sets declares
    in its `RowLevelPermissionTagConfiguration`. The data sets are those of the definition's
    `DataSetIdentifierDeclarations`; they are known with `--remote` (fetched with
    `describe_data_set`), and offline when the folder also holds their
    `describe-data-set` outputs (`qslint dashboards pull` writes them).

    ## Why is this bad?
    A tag no data set enforces restricts nothing: the snapshot may show rows the anonymous
    user was meant not to see, or the misspelt key leaves the intended restriction out.

    ## Example
    ```yaml
    RowLevelPermissionTags:
      - {Key: regoin, Value: EMEA}   # the data set's tag key is `region`
    ```

    ## Fix
    Use a tag key of the data set's row-level security configuration.
    """
    dashboard = _dashboard(job, context)
    if dashboard is None or dashboard.rls_tag_keys is None:
        return
    users = job.UserConfiguration.AnonymousUsers if job.UserConfiguration else None
    declared = sorted(dashboard.rls_tag_keys)
    for u, user in enumerate(users or ()):
        for t, tag in enumerate(user.RowLevelPermissionTags or ()):
            if tag.Key not in dashboard.rls_tag_keys:
                path = ("UserConfiguration", "AnonymousUsers", u, "RowLevelPermissionTags", t)
                yield Violation(
                    f"no data set of dashboard `{dashboard.id}` declares row-level security "
                    f"tag key `{tag.Key}`" + _suggestion(tag.Key, declared),
                    path=(*path, "Key"),
                )


@job_rule("QS709", "QuickSight did not describe the job's dashboard", cross_checks=True)
def unreadable_dashboard(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    With `--remote`, reports a job whose dashboard, or one of its data sets, QuickSight did
    not describe even after the retries (throttling, a 5xx or connection error,
    `AccessDeniedException`, an answer that is not a definition).

    ## Why is this bad?
    The gate could not check what QS701–QS708 check: the job's sheets, visuals, parameters
    and tag keys. A gate that passed it would pass what nobody checked, so it fails closed.

    ## Example
    `qslint check --remote` while QuickSight throttles `DescribeDashboardDefinition` for
    longer than the retries last.

    ## Fix
    Run the check again once QuickSight answers, or give the gate's role
    `quicksight:DescribeDashboardDefinition` and `quicksight:DescribeDataSet`. A team that
    prefers the gate to pass makes it a warning: `unreadable-dashboards = "warning"` in the
    configuration, or `--unreadable-dashboards warning`.
    """
    known = context.dashboards
    reason = known and known.why_unreadable(job.AwsAccountId, job.DashboardId)
    if reason:
        yield Violation(
            f"cannot cross-check dashboard `{job.DashboardId}`: {reason}", path=("DashboardId",)
        )

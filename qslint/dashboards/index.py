"""What the QS7xx rules know of a dashboard: its sheets, visuals, parameters and RLS tag keys.

Built from the answers of ``DescribeDashboardDefinition`` and ``DescribeDataSet`` (as
``aws quicksight describe-…`` prints them or boto3 returns them), whatever their source, and
kept small: a run holds one index and every rule reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# Each parameter declaration type, and the list of a job's ``Parameters`` that passes it.
DECLARATION_KINDS = {
    "StringParameterDeclaration": "StringParameters",
    "IntegerParameterDeclaration": "IntegerParameters",
    "DecimalParameterDeclaration": "DecimalParameters",
    "DateTimeParameterDeclaration": "DateTimeParameters",
}
ANY_ACCOUNT = ""  # the account of a definition read from a file, which names none


class DefinitionError(ValueError):
    """An answer that is not shaped like the API's; the message says what is wrong."""


@dataclass(frozen=True)
class Visual:
    id: str
    kind: str  # the member of the API's ``Visual`` union: ``TableVisual``, ``BarChartVisual``…


@dataclass(frozen=True)
class Sheet:
    id: str
    name: str
    visuals: tuple[Visual, ...]

    def visual(self, visual_id: str) -> Visual | None:
        return next((visual for visual in self.visuals if visual.id == visual_id), None)


@dataclass(frozen=True)
class ParameterDeclaration:
    name: str
    kind: str  # the job's list that passes it: ``StringParameters``, ``IntegerParameters``…
    declaration: str  # the API's declaration type: ``IntegerParameterDeclaration``…
    multi_valued: bool  # DateTime parameters are always single-valued


@dataclass(frozen=True)
class Dashboard:
    id: str
    sheets: tuple[Sheet, ...]
    parameters: tuple[ParameterDeclaration, ...]
    data_sets: tuple[str, ...]  # data set ids, from ``DataSetIdentifierDeclarations``
    rls_tag_keys: frozenset[str] | None = None  # None: its data sets are not known

    def sheet(self, sheet_id: str) -> Sheet | None:
        return next((sheet for sheet in self.sheets if sheet.id == sheet_id), None)

    def parameter(self, name: str) -> ParameterDeclaration | None:
        return next((p for p in self.parameters if p.name == name), None)


@dataclass(frozen=True)
class Dashboards:
    """Every dashboard a run knows, and why the others are not known.

    ``digest`` identifies the content (the cache keys results with it); ``origin`` says in a
    few words where definitions were looked for, for the message of a dashboard not found.
    """

    found: Mapping[tuple[str, str], Dashboard]  # (account or ANY_ACCOUNT, dashboard id)
    origin: str
    digest: str
    unavailable: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Dashboards (found or not) that could not be checked whole: QuickSight did not describe
    # them or one of their data sets, even when asked again.
    unreadable: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def find(self, account: str, dashboard_id: str) -> Dashboard | None:
        return self.found.get((account, dashboard_id)) or self.found.get(
            (ANY_ACCOUNT, dashboard_id)
        )

    def why_missing(self, account: str, dashboard_id: str) -> str:
        return self.unavailable.get((account, dashboard_id), f"no definition in {self.origin}")

    def why_unreadable(self, account: str, dashboard_id: str) -> str | None:
        """Why the dashboard could not be checked whole, or ``None`` when it could."""
        return self.unreadable.get((account, dashboard_id))

    @property
    def ids(self) -> list[str]:
        return sorted({dashboard_id for _, dashboard_id in self.found})


def _expect(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise DefinitionError(f"`{what}` is not a {'mapping' if kind is dict else 'list'}")
    return value


def _only_member(union: Any, what: str) -> tuple[str, dict[str, Any]]:
    """A union value (``{"TableVisual": {...}}``) as its member's name and value."""
    members = _expect(union, dict, what)
    if len(members) != 1:
        raise DefinitionError(f"`{what}` must hold exactly one member, not {len(members)}")
    ((kind, value),) = members.items()
    return kind, _expect(value, dict, f"{what}.{kind}")


def _visual(union: Any, what: str) -> Visual:
    kind, value = _only_member(union, what)
    return Visual(id=str(value.get("VisualId", "")), kind=kind)


def _sheet(value: Any, what: str) -> Sheet:
    sheet = _expect(value, dict, what)
    visuals = _expect(sheet.get("Visuals", []), list, f"{what}.Visuals")
    return Sheet(
        id=str(sheet.get("SheetId", "")),
        name=str(sheet.get("Name", "")),
        visuals=tuple(_visual(v, f"{what}.Visuals[{i}]") for i, v in enumerate(visuals)),
    )


def _parameter(union: Any, what: str) -> ParameterDeclaration:
    declaration, value = _only_member(union, what)
    if declaration not in DECLARATION_KINDS:
        raise DefinitionError(f"`{what}`: unknown declaration type `{declaration}`")
    return ParameterDeclaration(
        name=str(value.get("Name", "")),
        kind=DECLARATION_KINDS[declaration],
        declaration=declaration,
        multi_valued=value.get("ParameterValueType") == "MULTI_VALUED",
    )


def data_set_id(arn: str) -> str:
    """``arn:aws:quicksight:eu-west-1:111122223333:dataset/orders`` -> ``orders``."""
    return arn.rsplit("/", 1)[-1]


def dashboard_from_answer(answer: Mapping[str, Any]) -> Dashboard:
    """A ``DescribeDashboardDefinition`` answer, reduced to what the rules need."""
    if not isinstance(answer.get("DashboardId"), str):
        raise DefinitionError("no `DashboardId`")
    definition = _expect(answer.get("Definition"), dict, "Definition")
    sheets = _expect(definition.get("Sheets", []), list, "Definition.Sheets")
    declared = _expect(
        definition.get("ParameterDeclarations", []), list, "Definition.ParameterDeclarations"
    )
    identifiers = _expect(
        definition.get("DataSetIdentifierDeclarations", []),
        list,
        "Definition.DataSetIdentifierDeclarations",
    )
    return Dashboard(
        id=answer["DashboardId"],
        sheets=tuple(_sheet(s, f"Definition.Sheets[{i}]") for i, s in enumerate(sheets)),
        parameters=tuple(
            _parameter(p, f"Definition.ParameterDeclarations[{i}]") for i, p in enumerate(declared)
        ),
        data_sets=tuple(
            data_set_id(str(_expect(d, dict, "DataSetIdentifierDeclarations").get("DataSetArn")))
            for d in identifiers
        ),
    )


def tag_keys_from_answer(answer: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """A ``DescribeDataSet`` answer's data set id and the RLS tag keys it enforces."""
    data_set = _expect(answer.get("DataSet"), dict, "DataSet")
    if not isinstance(data_set.get("DataSetId"), str):
        raise DefinitionError("no `DataSet.DataSetId`")
    configuration = data_set.get("RowLevelPermissionTagConfiguration") or {}
    if configuration.get("Status") == "DISABLED":
        return data_set["DataSetId"], frozenset()
    rules = _expect(configuration.get("TagRules", []), list, "TagRules")
    return data_set["DataSetId"], frozenset(str(rule.get("TagKey")) for rule in rules)


def with_tag_keys(
    dashboards: Iterable[Dashboard], tag_keys: Mapping[str, frozenset[str]]
) -> list[Dashboard]:
    """Each dashboard with the RLS tag keys of its data sets, when every one is known."""
    return [_with_tag_keys(dashboard, tag_keys) for dashboard in dashboards]


def _with_tag_keys(dashboard: Dashboard, tag_keys: Mapping[str, frozenset[str]]) -> Dashboard:
    known = [tag_keys[data_set] for data_set in dashboard.data_sets if data_set in tag_keys]
    if not dashboard.data_sets or len(known) < len(dashboard.data_sets):
        return dashboard
    return replace(dashboard, rls_tag_keys=frozenset().union(*known))

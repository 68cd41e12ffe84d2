"""qslint's request models against botocore's ``quicksight`` service model, node for node.

The walker below descends the botocore input shape of ``StartDashboardSnapshotJob`` and the
pydantic class ``StartDashboardSnapshotJobRequest`` in parallel (structures into model
classes, lists into their items) and records every difference with its path, so that a
botocore upgrade that moves a limit, adds a member or an enum value shows up here all at once
instead of as one surprise per CI run. Paths name a member as ``A.B``, and the items of a list
member as ``A.B[]``; a list's own length limits are reported on the list (``A.B``).
"""

import copy
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import botocore.session
import pytest
from botocore.model import Shape, ShapeResolver
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from qslint import model
from qslint.model import DateTimeValue, RuleLimit, StartDashboardSnapshotJobRequest
from qslint.wire import service_regex

SERVICE = "quicksight"
OPERATION = "StartDashboardSnapshotJob"

# The model type each botocore scalar type must map to. Timestamps are handled apart (below).
SCALAR_TYPES: dict[str, type] = {
    "string": str,
    "long": int,
    "integer": int,
    "double": float,
    "float": float,
    "boolean": bool,
}
NUMERIC_TYPES = {"long", "integer", "double", "float"}

# DateTimeValue is deliberately not `datetime`: botocore serialises a timestamp member from a
# datetime *or* from any string it can parse (and YAML hands us dates and epoch numbers), so
# the model accepts that union and leaves "does this string parse?" to rule QS403. It is
# recognised by its base union plus its own validator metadata, so that further metadata
# wrapped around it (a nested Annotated is flattened by typing) does not hide it.
_DATETIME_BASE, *_DATETIME_METADATA = get_args(DateTimeValue)


def expected_pattern(pattern: str) -> str:
    """The pattern the model must store for a botocore pattern.

    The service matches its patterns against the whole value; pydantic's ``pattern`` is a
    search, so the model anchors it, unless botocore already did; and the service reads
    ``\\w`` and ``\\d`` as ASCII, which the model spells out (``service_regex``, pinned by
    tests/test_wire.py). Restated here rather than imported from
    ``qslint.model.service_pattern`` so that a change there is drift too.
    """
    return service_regex(pattern if pattern.startswith("^") else f"^(?:{pattern})$")


def botocore_request_shape() -> Shape:
    session = botocore.session.get_session()
    return session.get_service_model(SERVICE).operation_model(OPERATION).input_shape


def is_sensitive(shape: Shape) -> bool:
    """Whether values of a member of this shape are sensitive: the shape, or a list's items."""
    if shape.metadata.get("sensitive"):
        return True
    return shape.type_name == "list" and is_sensitive(shape.member)


def is_datetime_value(annotation: Any) -> bool:
    if get_origin(annotation) is not Annotated:
        return False
    base, *metadata = get_args(annotation)
    return base == _DATETIME_BASE and all(item in metadata for item in _DATETIME_METADATA)


@dataclass
class Node:
    """One level of a model annotation: the bare type and the constraints wrapped around it."""

    annotation: Any
    metadata: list[Any] = field(default_factory=list)
    problem: str = ""


def peel(annotation: Any, metadata: list[Any]) -> Node:
    """Strip ``Annotated`` and ``| None`` off an annotation, collecting their metadata.

    A nested ``Annotated[X, Field(...)]`` (as in ``Annotated[list[T], Field(...)] | None``)
    carries a ``FieldInfo`` whose own ``.metadata`` holds the constraints (annotated_types
    ``MinLen``/``MaxLen``, pydantic's general metadata with ``pattern``): those are flattened
    in. List items are not entered: they are the next level of the walk.
    """
    collected = list(metadata)
    while True:
        if is_datetime_value(annotation):
            collected.extend(get_args(annotation)[1 + len(_DATETIME_METADATA) :])
            return Node(DateTimeValue, collected)
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                collected.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif origin is Union or origin is types.UnionType:
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return Node(annotation, collected, f"a union of {len(options)} types")
            annotation = options[0]
        else:
            return Node(annotation, collected)


@dataclass
class Constraints:
    """The validated bounds, pattern and rule-owned limits found in a node's metadata."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    rule_limits: list[RuleLimit] = field(default_factory=list)

    @classmethod
    def of(cls, metadata: list[Any]) -> "Constraints":
        found = cls()
        for item in metadata:
            if isinstance(item, RuleLimit):
                found.rule_limits.append(item)
                continue
            # MinLen/MaxLen/Len, Ge/Le/Interval, pydantic's general metadata and
            # StringConstraints all expose their constraints under these attribute names.
            for name in ("min_length", "max_length", "pattern", "ge", "le", "gt", "lt"):
                value = getattr(item, name, None)
                if value is not None:
                    found.values.setdefault(name, []).append(value)
        return found


def show(value: Any) -> str:
    return "none" if value is None else repr(value) if isinstance(value, str) else str(value)


@dataclass
class DriftWalker:
    """Walks a botocore shape and a pydantic model together; collects drifts with paths."""

    drifts: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    _stack: set[tuple[str, type]] = field(default_factory=set)

    def drift(self, path: str, message: str) -> None:
        self.drifts.append(f"{path or '<request>'}: {message}")

    def walk_structure(self, path: str, shape: Shape, cls: type[BaseModel]) -> None:
        key = (shape.name, cls)
        if key in self._stack:  # a recursive shape: already being compared further up
            return
        self._stack.add(key)
        fields = cls.model_fields
        required = set(shape.required_members)
        for name, member in shape.members.items():
            member_path = f"{path}.{name}" if path else name
            if name not in fields:
                self.drift(member_path, f"member of {shape.name} in botocore, no field in qslint")
                continue
            self.walk_field(member_path, member, fields[name], name in required)
        for name in fields.keys() - shape.members.keys():
            member_path = f"{path}.{name}" if path else name
            self.drift(member_path, f"field of {cls.__name__} in qslint, not in botocore")
        self._stack.discard(key)

    def walk_field(self, path: str, shape: Shape, info: FieldInfo, required: bool) -> None:
        if info.alias not in (None, path.rsplit(".", 1)[-1]):
            self.drift(path, f"aliased to {info.alias!r} in qslint")
        if required != info.is_required():
            ours = _required(info.is_required())
            self.drift(path, f"{_required(required)} in botocore, {ours} in qslint")
        extra = info.json_schema_extra
        marked = isinstance(extra, dict) and extra.get("sensitive") is True
        if is_sensitive(shape) != marked:
            self.drift(
                path,
                f"{_sensitive(is_sensitive(shape))} in botocore, {_sensitive(marked)} in qslint",
            )
        self.walk_node(path, shape, info.annotation, info.metadata)

    def walk_node(self, path: str, shape: Shape, annotation: Any, metadata: list[Any]) -> None:
        self.visited.append(path)
        node = peel(annotation, metadata)
        if node.problem:
            self.drift(path, f"{shape.type_name} in botocore, {node.problem} in qslint")
            return
        self.check_constraints(path, shape, Constraints.of(node.metadata))
        kind, bare = shape.type_name, node.annotation
        if kind == "structure" and isinstance(bare, type) and issubclass(bare, BaseModel):
            self.walk_structure(path, shape, bare)
        elif kind == "list" and get_origin(bare) is list:
            self.walk_node(f"{path}[]", shape.member, get_args(bare)[0], [])
        elif kind in {"structure", "list"}:
            self.drift(path, f"{kind} in botocore, {_name(bare)} in qslint")
        elif kind == "timestamp":
            if bare is not DateTimeValue:
                self.drift(path, f"timestamp in botocore, {_name(bare)} in qslint")
        elif kind == "string" and shape.enum:
            self.check_enum(path, list(shape.enum), bare)
        elif kind in SCALAR_TYPES:
            if bare is not SCALAR_TYPES[kind]:
                want = SCALAR_TYPES[kind].__name__
                self.drift(path, f"{kind} in botocore (so {want}), {_name(bare)} in qslint")
        else:
            self.drift(path, f"botocore type {kind!r} is not handled by this test")

    def check_enum(self, path: str, values: list[str], bare: Any) -> None:
        if get_origin(bare) is not Literal:
            self.drift(path, f"enum {values} in botocore, {_name(bare)} in qslint")
            return
        literal = list(get_args(bare))
        if missing := [value for value in values if value not in literal]:
            self.drift(path, f"enum values {missing} in botocore, missing in qslint")
        if extra := [value for value in literal if value not in values]:
            self.drift(path, f"enum values {extra} in qslint, not in botocore")

    def check_constraints(self, path: str, shape: Shape, found: Constraints) -> None:
        numeric = shape.type_name in NUMERIC_TYPES
        validated = {
            "min": "ge" if numeric else "min_length",
            "max": "le" if numeric else "max_length",
        }
        for name in ("gt", "lt", *({"min_length", "max_length"} - set(validated.values()))):
            if name in found.values:
                self.drift(path, f"{name}={show(found.values[name][0])} in qslint, not in botocore")
        if len(found.rule_limits) > 1:
            self.drift(path, f"{len(found.rule_limits)} RuleLimit entries in qslint")
        rule_limit = found.rule_limits[0] if found.rule_limits else RuleLimit()
        for bound, attribute in validated.items():
            checked = found.values.get(attribute, [])
            if len(set(checked)) > 1:
                self.drift(path, f"conflicting {attribute} {checked} in qslint")
            by_validation = checked[0] if checked else None
            by_rule = getattr(rule_limit, bound)
            if by_validation is not None and by_rule is not None:
                self.drift(
                    path,
                    f"{bound} both validated ({attribute}={by_validation}) and "
                    f"in RuleLimit ({bound}={by_rule}, {rule_limit.rule or 'no rule'}) in qslint",
                )
            ours = by_validation if by_validation is not None else by_rule
            theirs = shape.metadata.get(bound)
            if ours != theirs:
                self.drift(path, f"{bound} {show(theirs)} in botocore, {show(ours)} in qslint")
        if (by_rule := [b for b in ("min", "max") if getattr(rule_limit, b) is not None]) and (
            not rule_limit.rule
        ):
            self.drift(path, f"RuleLimit {by_rule} in qslint names no rule")
        theirs = shape.metadata.get("pattern")
        want = expected_pattern(theirs) if theirs is not None else None
        patterns = found.values.get("pattern", [])
        ours = patterns[0] if patterns else None
        if len(set(patterns)) > 1:
            self.drift(path, f"conflicting patterns {patterns} in qslint")
        if ours != want:
            self.drift(path, f"pattern {show(want)} expected from botocore, {show(ours)} in qslint")


def _required(flag: bool) -> str:
    return "required" if flag else "optional"


def _sensitive(flag: bool) -> str:
    return "sensitive" if flag else "not sensitive"


def _name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else repr(annotation)


def find_drifts(shape: Shape, cls: type[BaseModel]) -> DriftWalker:
    walker = DriftWalker()
    walker.walk_structure("", shape, cls)
    return walker


# --- the real comparison --------------------------------------------------------------------


def test_model_matches_botocore_service_model() -> None:
    walker = find_drifts(botocore_request_shape(), StartDashboardSnapshotJobRequest)
    assert walker.drifts == [], "qslint.model drifted from botocore:\n" + "\n".join(walker.drifts)


def test_walker_reaches_every_level_of_the_request() -> None:
    visited = find_drifts(botocore_request_shape(), StartDashboardSnapshotJobRequest).visited
    for path in (
        "UserConfiguration.AnonymousUsers[].RowLevelPermissionTags[].Value",
        "SnapshotConfiguration.FileGroups[].Files[].SheetSelections[].VisualIds[]",
        "SnapshotConfiguration.DestinationConfiguration.S3Destinations[]"
        ".BucketConfiguration.BucketRegion",
        "SnapshotConfiguration.Parameters.DateTimeParameters[].Values[]",
        "SnapshotConfiguration.Parameters.DecimalParameters[].Values[]",
    ):
        assert path in visited


# --- the walker can fail ----------------------------------------------------------------------


def request_shape_definitions() -> dict[str, Any]:
    """A private copy of the raw botocore definitions reachable from the request shape."""
    shapes = botocore.session.get_session().get_service_data(SERVICE)["shapes"]
    reachable: dict[str, Any] = {}

    def collect(name: str) -> None:
        if name in reachable:
            return
        reachable[name] = copy.deepcopy(shapes[name])
        definition = reachable[name]
        for member in definition.get("members", {}).values():
            collect(member["shape"])
        if "member" in definition:
            collect(definition["member"]["shape"])

    collect("StartDashboardSnapshotJobRequest")
    return reachable


def _mutate(shapes: dict[str, Any], name: str, **changes: Any) -> None:
    for key, value in changes.items():
        if value is None:
            shapes[name].pop(key, None)
        else:
            shapes[name][key] = value


def _add_member(shapes: dict[str, Any], structure: str, member: str) -> None:
    shapes[structure]["members"][member] = {"shape": "NonEmptyString"}


def _retarget(shapes: dict[str, Any], structure: str, member: str, **definition: Any) -> None:
    """Give one member a shape of its own (shared shapes would drift at every use)."""
    member_shape = shapes[structure]["members"][member]
    own = f"{structure}{member}"
    shapes[own] = {**shapes[member_shape["shape"]], **definition}
    member_shape["shape"] = own


def _require(shapes: dict[str, Any], structure: str, member: str) -> None:
    shapes[structure].setdefault("required", []).append(member)


DRIFTS = {
    "list max owned by a rule": (
        lambda s: _mutate(s, "SnapshotFileGroupList", max=6),
        "SnapshotConfiguration.FileGroups: max 6 in botocore, 7 in qslint",
    ),
    "validated list min": (
        lambda s: _mutate(s, "SessionTagList", min=2),
        "UserConfiguration.AnonymousUsers[].RowLevelPermissionTags: min 2 in botocore, 1 in qslint",
    ),
    "string max": (
        lambda s: _mutate(s, "SessionTagKey", max=64),
        "UserConfiguration.AnonymousUsers[].RowLevelPermissionTags[].Key: max 64 in botocore, "
        "128 in qslint",
    ),
    "unanchored pattern": (
        lambda s: _retarget(s, "S3BucketConfiguration", "BucketName", pattern=r"\S+"),
        r"SnapshotConfiguration.DestinationConfiguration.S3Destinations[].BucketConfiguration"
        r".BucketName: pattern '^(?:\\S+)$' expected from botocore, '^(?:.*\\S.*)$' in qslint",
    ),
    "anchored pattern": (
        lambda s: _mutate(s, "AwsAccountId", pattern="^[0-9]{10,12}$"),
        "AwsAccountId: pattern '^[0-9]{10,12}$' expected from botocore, '^[0-9]{12}$' in qslint",
    ),
    "new enum value": (
        lambda s: _mutate(s, "SnapshotFileFormatType", enum=["CSV", "PDF", "EXCEL", "PNG"]),
        "SnapshotConfiguration.FileGroups[].Files[].FormatType: enum values ['PNG'] in "
        "botocore, missing in qslint",
    ),
    "new member": (
        lambda s: _add_member(s, "S3BucketConfiguration", "KmsKeyId"),
        "SnapshotConfiguration.DestinationConfiguration.S3Destinations[].BucketConfiguration"
        ".KmsKeyId: member of S3BucketConfiguration in botocore, no field in qslint",
    ),
    "removed member": (
        lambda s: s["SnapshotConfiguration"]["members"].pop("Parameters"),
        "SnapshotConfiguration.Parameters: field of SnapshotConfiguration in qslint, "
        "not in botocore",
    ),
    "newly required": (
        lambda s: _require(s, "SnapshotConfiguration", "DestinationConfiguration"),
        "SnapshotConfiguration.DestinationConfiguration: required in botocore, optional in qslint",
    ),
    "newly sensitive": (
        lambda s: _mutate(s, "SessionTagKey", sensitive=True),
        "UserConfiguration.AnonymousUsers[].RowLevelPermissionTags[].Key: sensitive in "
        "botocore, not sensitive in qslint",
    ),
    "no longer sensitive": (
        lambda s: _mutate(s, "SensitiveLong", sensitive=None),
        "SnapshotConfiguration.Parameters.IntegerParameters[].Values: not sensitive in "
        "botocore, sensitive in qslint",
    ),
    "changed type": (
        lambda s: _mutate(s, "SensitiveDouble", type="long"),
        "SnapshotConfiguration.Parameters.DecimalParameters[].Values[]: long in botocore "
        "(so int), float in qslint",
    ),
    "timestamp": (
        lambda s: _mutate(s, "SensitiveString", type="timestamp"),
        "SnapshotConfiguration.Parameters.StringParameters[].Values[]: timestamp in botocore, "
        "str in qslint",
    ),
}


@pytest.mark.parametrize("case", list(DRIFTS))
def test_walker_reports_a_drifted_botocore_model(case: str) -> None:
    mutate, expected = DRIFTS[case]
    shapes = request_shape_definitions()
    mutate(shapes)
    shape = ShapeResolver(shapes).get_shape_by_name("StartDashboardSnapshotJobRequest")
    assert find_drifts(shape, StartDashboardSnapshotJobRequest).drifts == [expected]


def test_walker_reports_drift_on_the_model_side() -> None:
    shapes = {
        "Request": {
            "type": "structure",
            "required": ["Items"],
            "members": {"Items": {"shape": "Items"}, "Secret": {"shape": "Secret"}},
        },
        "Items": {"type": "list", "member": {"shape": "Item"}, "min": 1, "max": 3},
        "Item": {"type": "string", "pattern": "^[a-z]+$"},
        "Secret": {"type": "string", "sensitive": True},
    }

    class Request(BaseModel):
        Items: Annotated[
            list[Annotated[str, Field(pattern="[a-z]+")]],
            Field(min_length=1, max_length=3),
            RuleLimit(max=3, rule="QS999"),
        ]
        Secret: str | None = None
        Extra: int = 0

    shape = ShapeResolver(shapes).get_shape_by_name("Request")
    assert find_drifts(shape, Request).drifts == [
        "Items: max both validated (max_length=3) and in RuleLimit (max=3, QS999) in qslint",
        "Items[]: pattern '^[a-z]+$' expected from botocore, '[a-z]+' in qslint",
        "Secret: sensitive in botocore, not sensitive in qslint",
        "Extra: field of Request in qslint, not in botocore",
    ]


def test_rule_limit_stands_in_for_a_botocore_bound() -> None:
    # The model's own FileGroups field: validated min 1, RuleLimit max 7 (QS207).
    info = model.SnapshotConfiguration.model_fields["FileGroups"]
    found = Constraints.of(peel(info.annotation, info.metadata).metadata)
    assert found.values == {"min_length": [1]}
    assert found.rule_limits == [RuleLimit(max=7, rule="QS207")]


def test_peel_finds_constraints_inside_optional_annotated() -> None:
    # `Annotated[list[T], Field(min_length=1, max_length=1)] | None`: pydantic leaves the
    # inner FieldInfo in the annotation, so its constraints are not in FieldInfo.metadata.
    info = model.SnapshotUserConfiguration.model_fields["AnonymousUsers"]
    assert info.metadata == []
    found = Constraints.of(peel(info.annotation, info.metadata).metadata)
    assert found.values == {"min_length": [1], "max_length": [1]}

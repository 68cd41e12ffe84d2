"""pydantic models of the StartDashboardSnapshotJob request, field for field.

Field names are the API's own PascalCase names. Every constraint of botocore's ``quicksight``
service model is here (``tests/test_model_drift.py`` proves it): most are enforced by
validation, and the few that a rule owns with a sharper message (the number of file groups,
files, sheet selections, visual ids and S3 destinations) are recorded as :class:`RuleLimit`
metadata instead, so that one problem gives one finding.
"""

import functools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from qslint.findings import JsonPath, MissingPart
from qslint.wire import service_regex


@dataclass(frozen=True)
class RuleLimit:
    """A service-model size limit that a rule checks instead of validation."""

    min: int | None = None
    max: int | None = None
    rule: str = ""


def service_pattern(pattern: str) -> str:
    """A service-model pattern as the service matches it: the whole value (the service
    anchors its patterns), with ASCII `\\w` and `\\d` (it matches as Java does)."""
    anchored = pattern if pattern.startswith("^") else f"^(?:{pattern})$"
    return service_regex(anchored)


ResourceId = Annotated[
    str, Field(min_length=1, max_length=512, pattern=service_pattern(r"[\w\-]+"))
]
NonEmptyString = Annotated[str, Field(pattern=service_pattern(r".*\S.*"))]
AccountId = Annotated[str, Field(min_length=12, max_length=12, pattern=r"^[0-9]{12}$")]
FormatType = Literal["CSV", "PDF", "EXCEL"]
SelectionScope = Literal["ALL_VISUALS", "SELECTED_VISUALS"]


def _timestamp_like(value: object) -> object:
    if isinstance(value, datetime | date | str | float) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return value
    raise PydanticCustomError("timestamp_type", "Input should be a timestamp")


# botocore takes a datetime or a string it can parse; YAML dates and epoch numbers are sent as
# timestamps too. Whether a string parses is QS403's question, not the schema's.
DateTimeValue = Annotated[
    datetime | date | str | int | float,
    PlainValidator(_timestamp_like),
    # For editors: a YAML date or timestamp reaches a JSON Schema validator as its text.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
                {"type": "number"},
            ]
        }
    ),
]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    if not TYPE_CHECKING:  # to type checkers, every field is always there, as it is when valid

        def __getattr__(self, name: str) -> Any:
            # Reached only for a name that is not set: of the fields, only in a partial job
            # (qslint.validation), for one whose value is not valid.
            if name in type(self).model_fields:
                message = f"`{name}` of this {type(self).__name__} is not valid"
                raise MissingPart(message, name=name, obj=self)
            return super().__getattr__(name)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: object) -> object:
        # boto3 refuses an explicit None even for an optional member: leave the key out instead.
        if value is None:
            raise PydanticCustomError("null_value", "Input should not be null")
        return value


class SessionTag(ApiModel):
    Key: Annotated[str, Field(min_length=1, max_length=128)]
    Value: Annotated[
        str, Field(min_length=1, max_length=256, json_schema_extra={"sensitive": True})
    ]


class SnapshotAnonymousUser(ApiModel):
    RowLevelPermissionTags: (
        Annotated[list[SessionTag], Field(min_length=1, max_length=50)] | None
    ) = None


class SnapshotUserConfiguration(ApiModel):
    AnonymousUsers: (
        Annotated[list[SnapshotAnonymousUser], Field(min_length=1, max_length=1)] | None
    ) = None


class SnapshotFileSheetSelection(ApiModel):
    SheetId: ResourceId
    SelectionScope: SelectionScope
    VisualIds: (
        Annotated[list[ResourceId], RuleLimit(min=1, max=5, rule="QS201 QS203 QS204 QS205")] | None
    ) = None


class SnapshotFile(ApiModel):
    SheetSelections: Annotated[
        list[SnapshotFileSheetSelection],
        Field(min_length=1),
        RuleLimit(max=5, rule="QS204 QS205 QS206"),
    ]
    FormatType: FormatType


class SnapshotFileGroup(ApiModel):
    Files: Annotated[list[SnapshotFile], RuleLimit(min=1, max=1, rule="QS208")] | None = None


class S3BucketConfiguration(ApiModel):
    BucketName: NonEmptyString
    BucketPrefix: NonEmptyString
    BucketRegion: NonEmptyString


class SnapshotS3DestinationConfiguration(ApiModel):
    BucketConfiguration: S3BucketConfiguration


class SnapshotDestinationConfiguration(ApiModel):
    S3Destinations: (
        Annotated[
            list[SnapshotS3DestinationConfiguration],
            Field(min_length=1),
            RuleLimit(max=1, rule="QS302"),
        ]
        | None
    ) = None


class StringParameter(ApiModel):
    Name: NonEmptyString
    Values: Annotated[list[str], Field(json_schema_extra={"sensitive": True})]


class IntegerParameter(ApiModel):
    Name: NonEmptyString
    Values: Annotated[list[int], Field(json_schema_extra={"sensitive": True})]


class DecimalParameter(ApiModel):
    Name: NonEmptyString
    Values: Annotated[list[float], Field(json_schema_extra={"sensitive": True})]


class DateTimeParameter(ApiModel):
    Name: NonEmptyString
    Values: Annotated[list[DateTimeValue], Field(json_schema_extra={"sensitive": True})]


Parameter = StringParameter | IntegerParameter | DecimalParameter | DateTimeParameter


class Parameters(ApiModel):
    StringParameters: Annotated[list[StringParameter], Field(max_length=100)] | None = None
    IntegerParameters: Annotated[list[IntegerParameter], Field(max_length=100)] | None = None
    DecimalParameters: Annotated[list[DecimalParameter], Field(max_length=100)] | None = None
    DateTimeParameters: Annotated[list[DateTimeParameter], Field(max_length=100)] | None = None


class SnapshotConfiguration(ApiModel):
    FileGroups: Annotated[
        list[SnapshotFileGroup], Field(min_length=1), RuleLimit(max=7, rule="QS207")
    ]
    DestinationConfiguration: SnapshotDestinationConfiguration | None = None
    # Annotated default: the field shares its name with its shape, as in the service model.
    Parameters: Annotated[Parameters | None, Field(default=None)]


class StartDashboardSnapshotJobRequest(ApiModel):
    """One job definition: the request exactly as boto3 takes it."""

    AwsAccountId: AccountId
    DashboardId: ResourceId
    SnapshotJobId: ResourceId
    UserConfiguration: SnapshotUserConfiguration | None = None
    SnapshotConfiguration: SnapshotConfiguration

    def files(self) -> Iterator[tuple[JsonPath, SnapshotFile]]:
        """Every file of every file group, with its path."""
        for g, group in enumerate(self.SnapshotConfiguration.FileGroups):
            for f, file in enumerate(group.Files or ()):
                yield ("SnapshotConfiguration", "FileGroups", g, "Files", f), file

    def selections(self) -> Iterator[tuple[JsonPath, SnapshotFile, SnapshotFileSheetSelection]]:
        """Every sheet selection of every file, with its path and its file."""
        for path, file in self.files():
            for s, selection in enumerate(file.SheetSelections):
                yield (*path, "SheetSelections", s), file, selection

    def parameters(self) -> Iterator[tuple[JsonPath, Parameter]]:
        """Every parameter of every type, with its path, in file order per type."""
        parameters = self.SnapshotConfiguration.Parameters
        if parameters is None:
            return
        for kind in PARAMETER_KINDS:
            for i, parameter in enumerate(getattr(parameters, kind) or ()):
                yield ("SnapshotConfiguration", "Parameters", kind, i), parameter

    def buckets(self) -> Iterator[tuple[JsonPath, S3BucketConfiguration]]:
        """Every S3 bucket configuration, with its path."""
        destination = self.SnapshotConfiguration.DestinationConfiguration
        for i, s3 in enumerate((destination and destination.S3Destinations) or ()):
            path = ("SnapshotConfiguration", "DestinationConfiguration", "S3Destinations", i)
            yield (*path, "BucketConfiguration"), s3.BucketConfiguration


PARAMETER_KINDS = tuple(Parameters.model_fields)  # StringParameters, IntegerParameters, ...


def _unwrap(annotation: Any) -> Any:
    """The item type behind ``Annotated``, ``X | None`` and ``list[X]``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated or origin is list:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _fields_along(path: JsonPath) -> Iterator[FieldInfo | None]:
    """The request model's field for each name of ``path`` (list indexes step into items),
    ending with ``None`` where the path leaves the model."""
    shape: Any = StartDashboardSnapshotJobRequest
    for part in path:
        if isinstance(part, int):
            continue
        field = shape.model_fields.get(part) if _is_model(shape) else None
        if field is None:
            yield None
            return
        yield field
        shape = _unwrap(field.annotation)


def _is_model(shape: Any) -> bool:
    return isinstance(shape, type) and issubclass(shape, ApiModel)


def _marked_sensitive(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("sensitive"))


def annotation_at(path: JsonPath) -> Any:
    """The type of the value at ``path`` in a request (list indexes step into items).

    A model class for a mapping, a ``Literal`` for an enum, ``str`` for a string; ``None``
    where the path leaves the request model.
    """
    shape: Any = StartDashboardSnapshotJobRequest
    for field in _fields_along(path):
        if field is None:
            return None
        shape = _unwrap(field.annotation)
    return shape


def model_at(path: JsonPath) -> type[ApiModel] | None:
    """The model of the mapping at ``path`` (of each item, for a list of mappings); ``None``
    where the value is not a mapping."""
    shape = annotation_at(path)
    return shape if _is_model(shape) else None


def field_names_at(path: JsonPath) -> list[str]:
    """The fields the mapping at ``path`` may hold; empty when it is not a mapping."""
    model = model_at(path)
    return list(model.model_fields) if model else []


def enum_values_at(path: JsonPath) -> tuple[str, ...]:
    """The allowed values of the enum at ``path``; empty when it is not an enum."""
    shape = annotation_at(path)
    return get_args(shape) if get_origin(shape) is Literal else ()


@functools.cache
def _is_sensitive_shape(shape_path: tuple[str, ...]) -> bool:
    for field in _fields_along(shape_path):
        if field is None:
            return False
        if _marked_sensitive(field):
            return True
    return False


def sensitive_field_names() -> frozenset[str]:
    """The names of every field the service model marks sensitive, at any depth."""
    names: set[str] = set()
    pending: list[type[ApiModel]] = [StartDashboardSnapshotJobRequest]
    while pending:
        model = pending.pop()
        for name, field in model.model_fields.items():
            if _marked_sensitive(field):
                names.add(name)
            shape = _unwrap(field.annotation)
            if _is_model(shape):
                pending.append(shape)
    return frozenset(names)


def is_sensitive(path: JsonPath) -> bool:
    """Whether the value at ``path`` lies in a field the service model marks sensitive."""
    return _is_sensitive_shape(tuple(part for part in path if isinstance(part, str)))

"""pydantic models of the StartDashboardSnapshotJob request, field for field.

Field names are the API's own PascalCase names. Every constraint of botocore's ``quicksight``
service model is here (``tests/test_model_drift.py`` proves it): most are enforced by
validation, and the few that a rule owns with a sharper message (the number of file groups,
files, sheet selections, visual ids and S3 destinations) are recorded as :class:`RuleLimit`
metadata instead, so that one problem gives one finding.

A run does not build these classes: it validates with the schema they compile to
(:mod:`qslint.compile_model`, :mod:`qslint.compiled_model`). They generate the JSON Schema,
and they are the types rules are written against.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator

from qslint.model_parts import RequestParts, refuse_null, timestamp_like
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


# botocore takes a datetime or a string it can parse; YAML dates and epoch numbers are sent as
# timestamps too. Whether a string parses is QS403's question, not the schema's.
DateTimeValue = Annotated[
    datetime | date | str | int | float,
    PlainValidator(timestamp_like),
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

    _refuse_null = field_validator("*", mode="before")(refuse_null)


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


class StartDashboardSnapshotJobRequest(RequestParts, ApiModel):
    """One job definition: the request exactly as boto3 takes it."""

    AwsAccountId: AccountId
    DashboardId: ResourceId
    SnapshotJobId: ResourceId
    UserConfiguration: SnapshotUserConfiguration | None = None
    SnapshotConfiguration: SnapshotConfiguration

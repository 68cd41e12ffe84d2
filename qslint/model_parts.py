"""What the request model and its compiled form share, free of pydantic.

:mod:`qslint.model` declares the request with pydantic; :mod:`qslint.compiled_model` checks
it at run time with pydantic-core alone, from the schema the models generate. Both build
their classes on the iterations and the value checks here, so that neither repeats them.
"""

from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from qslint.findings import JsonPath
from qslint.pydantic_extension import PydanticCustomError

# The fields of `Parameters`, in the model's order (tests/test_compiled_model.py pins it).
PARAMETER_KINDS = (
    "StringParameters",
    "IntegerParameters",
    "DecimalParameters",
    "DateTimeParameters",
)


def refuse_null(value: object) -> object:
    """boto3 refuses an explicit None even for an optional member: leave the key out."""
    if value is None:
        raise PydanticCustomError("null_value", "Input should not be null")
    return value


def timestamp_like(value: object) -> object:
    """What botocore sends as a timestamp: a datetime, a date, a string or an epoch number.
    Whether a string parses is QS403's question, not the schema's."""
    if isinstance(value, datetime | date | str | float) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return value
    raise PydanticCustomError("timestamp_type", "Input should be a timestamp")


class RequestParts:
    """The iterations rules use over a request's nested parts, each with its path (the parts
    are the request's own classes: :mod:`qslint.model` names them for type checkers)."""

    if TYPE_CHECKING:
        SnapshotConfiguration: Any

    def files(self) -> Iterator[tuple[JsonPath, Any]]:
        """Every file of every file group, with its path."""
        for g, group in enumerate(self.SnapshotConfiguration.FileGroups):
            for f, file in enumerate(group.Files or ()):
                yield ("SnapshotConfiguration", "FileGroups", g, "Files", f), file

    def selections(self) -> Iterator[tuple[JsonPath, Any, Any]]:
        """Every sheet selection of every file, with its path and its file."""
        for path, file in self.files():
            for s, selection in enumerate(file.SheetSelections):
                yield (*path, "SheetSelections", s), file, selection

    def parameters(self) -> Iterator[tuple[JsonPath, Any]]:
        """Every parameter of every type, with its path, in file order per type."""
        parameters = self.SnapshotConfiguration.Parameters
        if parameters is None:
            return
        for kind in PARAMETER_KINDS:
            for i, parameter in enumerate(getattr(parameters, kind) or ()):
                yield ("SnapshotConfiguration", "Parameters", kind, i), parameter

    def buckets(self) -> Iterator[tuple[JsonPath, Any]]:
        """Every S3 bucket configuration, with its path."""
        destination = self.SnapshotConfiguration.DestinationConfiguration
        for i, s3 in enumerate((destination and destination.S3Destinations) or ()):
            path = ("SnapshotConfiguration", "DestinationConfiguration", "S3Destinations", i)
            yield (*path, "BucketConfiguration"), s3.BucketConfiguration

"""QS401–QS404: dashboard parameter overrides.

Parameter values are sensitive in the service model: messages name the parameter and the
position of a value, never the value itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING

from qslint.findings import format_json_path
from qslint.rule import RuleContext, Violation, job_rule

if TYPE_CHECKING:
    from qslint.model import StartDashboardSnapshotJobRequest as Job

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
PLAIN_ISO_8601 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


@job_rule("QS401", "A parameter name appears twice")
def duplicate_parameter(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter whose `Name` was already given, in the same list or under another
    type (`StringParameters` and `IntegerParameters` both naming `Region`).

    ## Why is this bad?
    A dashboard parameter has one name and one type: the service refuses the request or one
    of the two values silently wins.

    ## Example
    ```yaml
    StringParameters:
      - {Name: Region, Values: [EMEA]}
      - {Name: Region, Values: [APAC]}
    ```

    ## Fix
    Give each parameter once; put several values into its `Values` list.
    """
    first: dict[str, str] = {}
    in_file_order = sorted(job.parameters(), key=lambda item: context.position(item[0]))
    for path, parameter in in_file_order:
        where = format_json_path(path[2:])
        if parameter.Name in first:
            yield Violation(
                f"parameter `{parameter.Name}` is already given in {first[parameter.Name]}",
                path=(*path, "Name"),
            )
        else:
            first[parameter.Name] = where


@job_rule("QS402", "A parameter has no values")
def parameter_without_values(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter with an empty `Values` list.

    ## Why is this bad?
    An override with no value does not reset the parameter: the service refuses it, or the
    dashboard's default silently applies where a filter was meant.

    ## Example
    ```yaml
    StringParameters:
      - {Name: Region, Values: []}
    ```

    ## Fix
    Give at least one value, or remove the parameter to use the dashboard's default.
    """
    for path, parameter in job.parameters():
        if not parameter.Values:
            yield Violation(f"parameter `{parameter.Name}` has no values", path=(*path, "Values"))


def _botocore_accepts_timestamp(value: object) -> bool:
    # The everyday ISO 8601 shapes, which botocore's parser always takes, decided without it.
    if isinstance(value, str) and PLAIN_ISO_8601.match(value):
        try:
            datetime.fromisoformat(value)  # and the date exists: no February 31st
        except ValueError:
            return False
        return True
    # Anything else is botocore's own call; imported only for such values.
    from botocore.utils import parse_to_aware_datetime

    try:
        parse_to_aware_datetime(value)
    except (TypeError, ValueError, AttributeError, OverflowError, OSError, RuntimeError):
        return False  # RuntimeError: botocore's fallback for epochs past the platform's range
    return True


@job_rule("QS403", "A DateTime value is not a timestamp botocore accepts")
def invalid_datetime(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `DateTimeParameters` value that botocore cannot turn into a timestamp: a
    string that is not a date (`next tuesday`), or an epoch number out of range. YAML dates
    and timestamps (`2026-01-31`, `2026-01-31T08:00:00Z`) are always fine.

    ## Why is this bad?
    boto3 refuses the request with `ParamValidationError` before anything is sent.

    ## Example
    ```yaml
    DateTimeParameters:
      - {Name: ReportDate, Values: ["next tuesday"]}
    ```

    ## Fix
    Write an ISO 8601 date or timestamp, unquoted: `2026-01-31T00:00:00Z`.
    """
    for path, parameter in job.parameters():
        if path[2] != "DateTimeParameters":
            continue
        for i, value in enumerate(parameter.Values):
            if not isinstance(value, date) and not _botocore_accepts_timestamp(value):
                yield Violation(
                    f"value {i + 1} of DateTime parameter `{parameter.Name}` is not a timestamp; "
                    "write an ISO 8601 date or time such as 2026-01-31T00:00:00Z",
                    path=(*path, "Values", i),
                )


@job_rule("QS404", "A number outside what the API can carry")
def number_out_of_range(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports an `IntegerParameters` value outside the signed 64-bit range, and a
    `DecimalParameters` value that is NaN or infinite (`.nan`, `.inf` in YAML).

    ## Why is this bad?
    The service stores integers as 64-bit longs and decimals as finite doubles; such a value
    is refused or silently changed.

    ## Example
    ```yaml
    IntegerParameters:
      - {Name: Threshold, Values: [99999999999999999999]}
    ```

    ## Fix
    Use a value within range.
    """
    for path, parameter in job.parameters():
        for i, value in enumerate(parameter.Values):
            at = (*path, "Values", i)
            name = f"value {i + 1} of parameter `{parameter.Name}`"
            if path[2] == "IntegerParameters" and not INT64_MIN <= value <= INT64_MAX:
                yield Violation(f"{name} is outside the signed 64-bit range", path=at)
            elif path[2] == "DecimalParameters" and not math.isfinite(value):
                yield Violation(f"{name} is not a finite number", path=at)

"""QS401–QS408: dashboard parameter overrides, and what the service receives for them.

Parameter values are sensitive in the service model: messages name the parameter and the
position of a value, never the value itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qslint.findings import JsonPath, Severity, format_json_path
from qslint.rule import Fix, RuleContext, Violation, job_rule, replace_value
from qslint.wire import Sent, SentTimestamp, double_rounds, sent_timestamp

if TYPE_CHECKING:
    from qslint.model import StartDashboardSnapshotJobRequest as Job

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# What the service model says a dashboard's parameter names are (ParameterName's pattern).
DASHBOARD_PARAMETER_NAME = re.compile(r"^[a-zA-Z0-9]+$")


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
    parameters = list(job.parameters())
    if len({parameter.Name for _, parameter in parameters}) == len(parameters):
        return  # as nearly always: no name to place in the file
    first: dict[str, str] = {}
    in_file_order = sorted(parameters, key=lambda item: context.position(item[0]))
    for path, parameter in in_file_order:
        if parameter.Name in first:
            yield Violation(
                f"parameter `{parameter.Name}` is already given in {first[parameter.Name]}",
                path=(*path, "Name"),
            )
        else:
            first[parameter.Name] = format_json_path(path[2:])


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


def _datetime_values(job: Job) -> Iterator[tuple[JsonPath, str, SentTimestamp]]:
    """``(path, label, what botocore sends)`` of every DateTime parameter value."""
    for path, parameter in job.parameters():
        if path[2] != "DateTimeParameters":
            continue
        for i, value in enumerate(parameter.Values):
            label = f"value {i + 1} of DateTime parameter `{parameter.Name}`"
            yield (*path, "Values", i), label, sent_timestamp(value)


@job_rule("QS403", "A DateTime value is not a timestamp botocore accepts")
def invalid_datetime(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `DateTimeParameters` value that botocore cannot turn into a timestamp: a
    string that is not a date (`next tuesday`, `2026-02-30`), or an epoch number out of
    range (such as epoch milliseconds).

    These forms are sent exactly as they read: an ISO 8601 date (`"2026-01-31"`, midnight
    UTC), an ISO 8601 date and time with `Z` or an offset (`2026-01-31T08:00:00Z`), one
    without a zone (read as UTC), and epoch seconds written as a number (`1769817600`).
    An unquoted YAML date (`2026-01-31`) is QS106's: the AWS CLI and PyYAML hand botocore a
    date, which it refuses. Numbers that spell a date and day/month orders are QS406's;
    partial dates and times, QS407's.

    ## Why is this bad?
    boto3 refuses the request with `ParamValidationError` before anything is sent.

    ## Example
    ```yaml
    DateTimeParameters:
      - {Name: ReportDate, Values: ["next tuesday"]}
    ```

    ## Fix
    Write an ISO 8601 date or timestamp: `2026-01-31T00:00:00Z`.
    """
    for path, label, sent in _datetime_values(job):
        if sent.sent == Sent.REFUSED:
            yield Violation(
                f"{label} is not a timestamp botocore accepts; write an ISO 8601 date or time "
                "such as 2026-01-31T00:00:00Z",
                path=path,
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
        if path[2] == "IntegerParameters":
            problem = "is outside the signed 64-bit range"
            wrong = [i for i, value in enumerate(parameter.Values) if not in_int64(value)]
        elif path[2] == "DecimalParameters":
            problem = "is not a finite number"
            wrong = [i for i, value in enumerate(parameter.Values) if not math.isfinite(value)]
        else:
            continue
        for i in wrong:
            name = f"value {i + 1} of parameter `{parameter.Name}`"
            yield Violation(f"{name} {problem}", path=(*path, "Values", i))


def in_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


@job_rule("QS405", "A parameter name no dashboard parameter can have")
def impossible_parameter_name(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a parameter whose `Name` holds anything but ASCII letters and digits: a space,
    a `-` or `_`, an accented letter.

    ## Why is this bad?
    Dashboard parameter names are letters and digits only (the service model's
    `ParameterName`), so the value can match no parameter: the job exports the dashboard
    unfiltered, or fails.

    ## Example
    ```yaml
    StringParameters:
      - {Name: sales-region, Values: [EMEA]}
    ```

    ## Fix
    Use the dashboard parameter's name exactly as declared: `SalesRegion`.
    """
    for path, parameter in job.parameters():
        if not can_name_a_dashboard_parameter(parameter.Name):
            yield Violation(
                f"parameter name `{parameter.Name}` can match no dashboard parameter: their "
                "names hold only ASCII letters and digits",
                path=(*path, "Name"),
            )


def can_name_a_dashboard_parameter(name: str) -> bool:
    return DASHBOARD_PARAMETER_NAME.match(name) is not None


@job_rule("QS406", "A DateTime value is sent as another instant than it reads", fixable=True)
def datetime_misread(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `DateTimeParameters` value that botocore sends as another instant than its
    text says: a number (or a quoted number) whose digits spell a date (`20260131`), which
    botocore sends as epoch seconds, and a date whose day and month can be read either way
    (`01/02/2026`), which botocore reads month first, and a time whose zone botocore does
    not know (`2026-01-31 08:00 PST`: it knows `UTC`, `GMT`, `Z` and offsets), which it
    sends as UTC. A value that reads one way only (`13/02/2026`, `Jan 31 2026`, and a
    four-digit year first: `2026/01/02`) is not reported.

    ## Why is this bad?
    The request is accepted and the export is filtered on another day: `20260131` is sent as
    23 August 1970, `01/02/2026` is 2 January to botocore, 1 February to most of Europe, and
    `08:00 PST` is sent as 08:00 UTC, eight hours early.

    ## Example
    ```yaml
    DateTimeParameters:
      - {Name: ReportDate, Values: [20260131]}
    ```

    ## Fix
    Write the date in ISO 8601, year first: `"2026-01-31"`, and a zone as an offset:
    `2026-01-31T08:00:00-08:00`. `--fix` writes the date the digits spell.
    """
    for path, label, sent in _datetime_values(job):
        if sent.sent == Sent.DATE_DIGITS and sent.instant is not None:
            yield Violation(
                f"{label} is digits only, which botocore sends as epoch seconds (a moment in "
                f"{sent.instant.year}), not as the date its digits spell; write an ISO 8601 "
                "date such as 2026-01-31",
                path=path,
                fix=Fix("write the date the digits spell", (replace_value(path, sent.meant),))
                if sent.meant
                else None,
            )
        elif sent.sent == Sent.ZONE_IGNORED:
            yield Violation(
                f"{label} names a time zone botocore does not know: it drops the zone and "
                "sends the time as UTC; write the offset instead, such as "
                "2026-01-31T08:00:00-08:00",
                path=path,
            )
        elif sent.sent == Sent.DAY_MONTH:
            yield Violation(
                f"{label} reads as day/month and as month/day; botocore reads the month first "
                "(and a two-digit year last): write an ISO 8601 date such as 2026-01-31",
                path=path,
            )


@job_rule("QS407", "A DateTime value takes part of its date from the day the job runs")
def datetime_partial(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `DateTimeParameters` value that leaves out part of its date: a year and month
    (`"2026-02"`), a time (`"08:00"`), a month name (`"January"`).

    ## Why is this bad?
    botocore fills the missing part from the day the job is submitted: the export covers
    another period on every run, and a month whose day is missing fails on the 29th, 30th or
    31st of some months.

    ## Example
    ```yaml
    DateTimeParameters:
      - {Name: Month, Values: ["2026-02"]}
    ```

    ## Fix
    Write the whole date, and the time if it matters: `"2026-02-01"`.
    """
    for path, label, sent in _datetime_values(job):
        if sent.sent == Sent.PARTIAL:
            yield Violation(
                f"{label} leaves out part of its date: botocore takes it from the day the job "
                "is submitted, so each run sends another instant; write a whole ISO 8601 date",
                path=path,
            )


@job_rule("QS408", "A decimal value is rounded on the way", severity=Severity.WARNING)
def decimal_rounded(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `DecimalParameters` value with more significant digits than a double holds
    (`12345678901234567`, `0.30000000000000000001`).

    ## Why is this bad?
    botocore sends the number and the service reads it as a double: it filters on the
    nearest double (`12345678901234568`), not on the value written, without a word.

    ## Example
    ```yaml
    DecimalParameters:
      - {Name: OrderId, Values: [12345678901234567]}
    ```

    ## Fix
    Write at most 15 significant digits; an identifier this long belongs in a
    `StringParameters` entry.
    """
    document = context.current.document
    written = document.plain_scalars if document is not None else {}  # the numbers' text
    for path, parameter in job.parameters():
        if path[2] != "DecimalParameters":
            continue
        for i, value in enumerate(parameter.Values):
            at = (*path, "Values", i)
            if double_rounds(written.get(at), value):
                yield Violation(
                    f"value {i + 1} of Decimal parameter `{parameter.Name}` has more digits "
                    "than a double holds: the service receives the nearest double, not the "
                    "value written",
                    path=at,
                )

"""QS100–QS107: the file can be read and is a well-formed StartDashboardSnapshotJob request,
read alike by every YAML reader."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from qslint.findings import (
    JsonPath,
    Mark,
    Severity,
    describe_type,
    first_refused,
    format_json_path,
)
from qslint.rule import (
    DocumentInput,
    Fix,
    RuleContext,
    SchemaError,
    Violation,
    closest,
    did_you_mean,
    document_rule,
    file_rule,
    plural,
    replace_value,
)

if TYPE_CHECKING:
    from qslint.loader import SourceFile, Yaml11Reading

TYPE_ERRORS = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "timestamp_type": "a date or timestamp",
}
# Errors the other schema rules report; QS105 reports every remaining one.
OTHER_ERRORS = {"extra_forbidden", "missing", "literal_error", "null_value", *TYPE_ERRORS}
ID_PATTERN = r"^(?:[A-Za-z0-9_\-]+)$"
ID_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")  # what it allows
PATTERN_MEANINGS = {
    ID_PATTERN: "may hold only ASCII letters, digits, `_` and `-`",
    r"^(?:.*\S.*)$": "must not be empty or blank",
    r"^[0-9]{12}$": "must be 12 digits",
}


def field_label(path: JsonPath) -> str:
    """The last field of a path with its indexes, like ``VisualIds[2]``."""
    names = [i for i, part in enumerate(path) if isinstance(part, str)]
    return format_json_path(path[names[-1] :]) if names else "document"


class _Meaning(NamedTuple):
    """The known field an unknown key most likely is, and the mapping it belongs in."""

    field: str | None
    parent: JsonPath


def _is_within(inner: JsonPath, outer: JsonPath) -> bool:
    return inner[: len(outer)] == outer


def _unknown_field_meanings(errors: Sequence[SchemaError]) -> dict[JsonPath, _Meaning]:
    """For each unknown key's path, what it was meant to be.

    A key spelt like a required field that is missing one level up or down is that field,
    misplaced; otherwise it is the closest field name of its own mapping.
    """
    from qslint.compiled_model import field_names_at  # imported only when it is needed

    missing = [error.path for error in errors if error.type == "missing"]
    meanings: dict[JsonPath, _Meaning] = {}
    for error in errors:
        if error.type != "extra_forbidden":
            continue
        key, parent = str(error.path[-1]), error.path[:-1]
        misplaced = next(
            (
                path
                for path in missing
                if str(path[-1]).lower() == key.lower()
                and path[:-1] != parent
                and (_is_within(path[:-1], parent) or _is_within(parent, path[:-1]))
            ),
            None,
        )
        if misplaced is not None:
            meanings[error.path] = _Meaning(str(misplaced[-1]), misplaced[:-1])
        else:
            meanings[error.path] = _Meaning(closest(key, field_names_at(parent)), parent)
    return meanings


@file_rule("QS100", "The file cannot be read or parsed")
def unreadable_file(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a file that is not a job definition at all: not UTF-8, a YAML or JSON syntax
    error, a duplicate mapping key, a YAML tag, a document that is not a mapping, JSON that
    Python's strict parser refuses (a trailing comma, a comment, `NaN`), or a mapping that
    has none of the request's top-level fields, in any case or misspelt (a compose file, a
    CI workflow): one finding, and nothing else is checked in it. A file of such mappings
    only is reported where it is named on the command line; a walk, the pre-commit hook
    (`--force-exclude`) and the language server pass it over, and the summary counts it.

    ## Why is this bad?
    Nothing else can be checked in it, and the AWS CLI and boto3 would refuse it too. A
    duplicate key is worse: YAML tools silently keep one of the two values.

    ## Example
    ```json
    {
      "AwsAccountId": "111122223333",
      "DashboardId": "sales",
    }
    ```

    ## Fix
    Correct the syntax at the position shown: here, drop the comma after the last member.
    """
    for problem in source.problems:
        yield Violation(problem.message, mark=problem.mark)


@file_rule("QS107", "A JSON file starts with a byte order mark")
def json_byte_order_mark(source: SourceFile, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `.json` file that starts with a UTF-8 byte order mark (BOM), as some Windows
    editors save files.

    ## Why is this bad?
    JSON between systems carries no BOM (RFC 8259): Python's `json` module, and with it the
    AWS CLI's `--cli-input-json` and boto3 scripts, refuse the file ("Unexpected UTF-8 BOM").
    YAML readers skip it, so YAML files are not reported.

    ## Example
    A `job.json` saved as "UTF-8 with BOM".

    ## Fix
    Save the file as UTF-8 without a BOM.
    """
    if source.byte_order_mark and source.path.lower().endswith(".json"):
        yield Violation(
            "the file starts with a UTF-8 byte order mark, which Python's `json` and the "
            "AWS CLI refuse; save it as UTF-8 without a BOM",
            mark=Mark(1, 1),
        )


@document_rule("QS101", "Unknown field")
def unknown_field(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a key the StartDashboardSnapshotJob request does not have at that place, and
    suggests the field it most likely means (same name in another case, or a near spelling).

    ## Why is this bad?
    boto3 refuses the whole request with `Unknown parameter`; worse, a misspelt optional
    field is easy to miss in review and its setting silently never applies.

    ## Example
    ```yaml
    SnapshotConfiguration:
      FileGroup:            # misspelt
        - Files: [...]
    ```

    ## Fix
    Use the field name the message suggests, spelt exactly (`FileGroups`).
    """
    for path, meaning in _unknown_field_meanings(document.errors).items():
        where = f" in `{format_json_path(path[:-1])}`" if path[:-1] else ""
        if meaning.parent != path[:-1]:
            home = format_json_path(meaning.parent) or "the top level of the job"
            message = f"`{path[-1]}` is not a field here{where}; it belongs in `{home}`"
        elif meaning.field:
            message = f"unknown field `{path[-1]}`{where}; did you mean `{meaning.field}`?"
        else:
            message = f"unknown field `{path[-1]}`{where}"
        yield Violation(message, path=path, key=True)


@document_rule("QS102", "A required field is missing")
def missing_field(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a field the service model requires that the mapping does not have. A field that
    is only missing because it is misspelt is reported once, as QS101.

    ## Why is this bad?
    The request is refused before any job starts.

    ## Example
    ```yaml
    AwsAccountId: "111122223333"
    SnapshotJobId: weekly-sales
    SnapshotConfiguration: ...
    ```

    ## Fix
    Add the field (here `DashboardId`) to the mapping the finding points at.
    """
    meant = {(m.parent, m.field) for m in _unknown_field_meanings(document.errors).values()}
    for error in document.errors:
        if error.type != "missing" or (error.path[:-1], error.path[-1]) in meant:
            continue
        parent = format_json_path(error.path[:-1]) or "the job"
        yield Violation(
            f"missing required field `{error.path[-1]}` in {parent}", path=error.path, key=True
        )


@document_rule("QS103", "A value has the wrong type", fixable=True)
def wrong_type(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a value of the wrong type: a list where a string is expected, a string in
    `IntegerParameters`, a boolean in `StringParameters`, an explicit `null`, or an
    unquoted `AwsAccountId` (YAML reads it as a number).

    ## Why is this bad?
    boto3 refuses the request. An unquoted account id that starts with `0` has already lost
    its leading zeros when YAML read it.

    ## Example
    ```yaml
    AwsAccountId: 111122223333
    ```

    ## Fix
    Write the value as the type the message names; quote ids: `AwsAccountId: "111122223333"`.
    """
    for error in document.errors:
        if error.type == "null_value":
            yield Violation(
                f"`{field_label(error.path)}` is null; give it a value or leave the key out",
                path=error.path,
            )
            continue
        expected = TYPE_ERRORS.get(error.type)
        if expected is None:
            continue
        found = describe_type(error.input)
        message = f"`{field_label(error.path)}` must be {expected}, not {found}"
        fix = None
        if error.path == ("AwsAccountId",) and isinstance(error.input, int):
            message += "; quote it"
            if len(str(error.input)) == 12:
                fix = Fix("quote the account id", (replace_value(error.path, str(error.input)),))
            else:
                message += " (YAML read it as a number and dropped its leading zeros: no autofix)"
        elif expected == "a string" and isinstance(error.input, int | float | bool):
            message += "; quote it"
            if document.document.yaml11:
                message += " (under its `%YAML 1.1` directive the AWS CLI reads YAML 1.1 too)"
        yield Violation(message, path=error.path, fix=fix)


@document_rule("QS104", "A value is not one of its enum's values", fixable=True)
def invalid_enum_value(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `FormatType` or `SelectionScope` that is not one of the values the API takes,
    and suggests the one it most likely means (`Pdf` → `PDF`).

    ## Why is this bad?
    The service refuses the request with `InvalidParameterValueException`.

    ## Example
    ```yaml
    FormatType: Pdf
    ```

    ## Fix
    Use the exact upper-case value: `FormatType: PDF`.
    """
    from qslint.compiled_model import enum_values_at  # imported only when it is needed

    for error in document.errors:
        if error.type != "literal_error":
            continue
        allowed = enum_values_at(error.path)
        label = field_label(error.path)
        choices = ", ".join(allowed)
        if not isinstance(error.input, str):
            found = describe_type(error.input)
            yield Violation(f"`{label}` must be one of {choices}, not {found}", path=error.path)
            continue
        suggestion = closest(error.input, allowed)
        hint = did_you_mean(suggestion) or f" (one of {choices})"
        case_only = suggestion is not None and suggestion.lower() == error.input.lower()
        yield Violation(
            f"`{error.input}` is not a valid `{label}`{hint}",
            path=error.path,
            fix=Fix(f"write `{suggestion}`", (replace_value(error.path, suggestion),))
            if case_only and suggestion
            else None,
        )


@document_rule("QS105", "A value breaks a service-model constraint")
def constraint_violated(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a value that breaks a length, pattern or list-size constraint of the service
    model: a 12-digit `AwsAccountId`, ids of letters, digits, `_` and `-` only, exactly one
    anonymous user, at most 50 row-level security tags, at most 100 parameters of a type,
    no empty lists. Limits that a more specific rule owns (QS2xx, QS302) are left to it.

    ## Why is this bad?
    boto3 or the service refuses the request.

    ## Example
    ```yaml
    DashboardId: sales overview
    ```

    ## Fix
    Bring the value within the constraint the message names: `DashboardId: sales-overview`.
    """
    for error in document.errors:
        if error.type not in OTHER_ERRORS:
            yield Violation(_constraint_message(error), path=_constraint_path(error))


def _constraint_path(error: SchemaError) -> JsonPath:
    # A list that is too long is shown at its first item past the limit.
    return (*error.path, error.context["max_length"]) if error.type == "too_long" else error.path


def _constraint_message(error: SchemaError) -> str:
    label, limits = field_label(error.path), error.context
    if error.type == "string_pattern_mismatch" or error.path == ("AwsAccountId",):
        pattern = str(limits.get("pattern", r"^[0-9]{12}$"))
        meaning = PATTERN_MEANINGS.get(pattern, f"must match `{pattern}`")
        refused = first_refused(error.input, ID_CHARACTERS) if pattern == ID_PATTERN else None
        return f"`{label}` {meaning}" + (f"; {refused}" if refused else "")
    if error.type == "too_long":
        most = plural(limits["max_length"], "item")
        return f"`{label}` holds at most {most}, not {limits['actual_length']}"
    if error.type == "too_short":
        return f"`{label}` needs at least {plural(limits['min_length'], 'item')}"
    if error.type == "string_too_short":
        return f"`{label}` must be at least {plural(limits['min_length'], 'character')} long"
    if error.type == "string_too_long":
        return f"`{label}` must be at most {plural(limits['max_length'], 'character')} long"
    return f"`{label}` is not a valid value here ({error.type})"


_READING_NAMES = {
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
    "timestamp": "a timestamp",
    "string": "a string",
    "error": "nothing (PyYAML refuses it)",
}


@document_rule(
    "QS106",
    "Another reader of the file (PyYAML, the AWS CLI) gets another type or value, or one "
    "botocore refuses",
    severity=Severity.WARNING,
    fixable=True,
)
def yaml11_reads_differently(document: DocumentInput, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports an unquoted value that YAML 1.1 readers read as another type or value than YAML
    1.2 readers do: `NO`, `on`, `off`, `yes` (booleans to YAML 1.1, strings to YAML 1.2),
    `12:30` (750 to YAML 1.1), `012` (10 to YAML 1.1, 12 to YAML 1.2), `1e3` and `0o17`
    (numbers to YAML 1.2 only). YAML 1.1's reading is PyYAML's, which keeps `y` and `n`
    strings. It also reports an unquoted date (`2026-01-31`) where a DateTime value belongs:
    every YAML reader reads it as a date, which botocore refuses. JSON files are not
    checked: JSON readers read them.

    ## Why is this bad?
    qslint and the AWS CLI read YAML 1.2, but boto3 scripts and Lambda functions often load
    the same file with PyYAML: there, Norway's country code `NO` becomes `False` and the
    request carries another value than the one that was checked, or is refused. A date
    reaches botocore as a `datetime.date` from the AWS CLI and from PyYAML alike, and boto3
    refuses it ("valid types: datetime, timestamp-string"): only `qslint apply` can send
    such a file.

    ## Example
    ```yaml
    StringParameters:
      - Name: Country
        Values: [NO, SE]
    ```

    ## Fix
    Quote the value: `Values: ["NO", SE]`, `Values: ["2026-01-31"]` (midnight UTC), or
    give a date its time: `2026-01-31T00:00:00Z`. `--fix` quotes strings and dates; write a
    number in the form both read alike (`12`, `1000.0`).
    """
    from qslint.compiled_model import is_sensitive
    from qslint.loader import read_alike, yaml11_reading

    if document.source.path.lower().endswith(".json"):
        return
    reported = {error.path for error in document.errors}
    data = document.document.data
    for path, text in document.document.plain_scalars.items():
        if reported and any(path[:n] in reported for n in range(len(path) + 1)):
            continue
        value = _value_at(data, path)
        if isinstance(value, date) and not isinstance(value, datetime):
            subject = "this value" if is_sensitive(path) else f"`{text}`"
            yield Violation(
                f"the AWS CLI and PyYAML read {subject} as a date, which botocore refuses "
                "(only `qslint apply` sends it); quote it or give it a time",
                path=path,
                fix=Fix("quote the date", (replace_value(path, value.isoformat()),)),
            )
            continue
        if read_alike(text, value):  # as nearly all are: no need to know if it may be shown
            continue
        shown = not is_sensitive(path)
        message = _yaml11_message(yaml11_reading(text), text if shown else None, value)
        fix = None
        if isinstance(value, str):
            message += "; quote it"
            fix = Fix("quote the value", (replace_value(path, value),))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            message += f"; write it as {_portable_number(value, shown=shown)}"
        yield Violation(message, path=path, fix=fix)


def _yaml11_message(reading: Yaml11Reading, text: str | None, value: object) -> str:
    """How the two readers read ``text`` (``None``: a sensitive value, not to be shown)."""
    readers = "qslint and the AWS CLI (YAML 1.2)"
    if text is not None:
        subject, yaml11, yaml12 = f"`{text}`", _described(reading), _described_value(value)
    elif _READING_NAMES[reading.kind] == describe_type(value):
        return f"PyYAML (YAML 1.1) reads this value as another {reading.kind} than {readers} do"
    else:
        subject, yaml11, yaml12 = "this value", _READING_NAMES[reading.kind], describe_type(value)
    return f"PyYAML (YAML 1.1) reads {subject} as {yaml11}, {readers} as {yaml12}"


def _value_at(data: object, path: JsonPath) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


def _described(reading: Yaml11Reading) -> str:
    if reading.kind in ("timestamp", "error", "null"):
        return _READING_NAMES[reading.kind]
    return _described_value(reading.value)


def _described_value(value: object) -> str:
    """``the boolean false``, ``the integer 750``, ``the string "NO"``."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the {'integer' if isinstance(value, int) else 'number'} {value!r}"
    return describe_type(value)


def _portable_number(value: float, *, shown: bool) -> str:
    """The number spelt so that YAML 1.1 and 1.2 read it alike (or how, for a hidden one)."""
    if not shown and isinstance(value, int):
        return "decimal digits, without leading zeros"
    if not shown:
        return "digits on both sides of a `.`, and a signed exponent if any (`-0.5`, `1.0e+3`)"
    text = repr(value)
    if isinstance(value, float) and "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return f"`{text}`"

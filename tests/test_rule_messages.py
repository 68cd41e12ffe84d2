"""What rules say where the wording carries the fix (the fixtures check codes and lines)."""

from __future__ import annotations

import json

import pytest
from conftest import VALID_JOB


def messages(run_qslint, write, text: str) -> list[str]:
    write("job.yaml", text)
    result = run_qslint("check", "--output-format", "json", "job.yaml")
    return [f"{finding['code']} {finding['message']}" for finding in json.loads(result.stdout)]


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        (
            "s3://acme-reports/exports/weekly",
            "QS303 `BucketName` takes the bare bucket name, not an `s3://` URL: write "
            "`acme-reports` and move `exports/weekly` into `BucketPrefix`",
        ),
        (
            "S3://acme-reports/",
            "QS303 `BucketName` takes the bare bucket name, not an `s3://` URL: write "
            "`acme-reports`",
        ),
        (
            "arn:aws:s3:::acme-reports",
            "QS303 `BucketName` takes the bare bucket name, not an S3 ARN: write `acme-reports`",
        ),
        (
            "arn:aws-cn:s3:::acme-reports/sales/weekly",  # the path is the prefix already
            "QS303 `BucketName` takes the bare bucket name, not an S3 ARN: write `acme-reports`",
        ),
    ],
)
def test_a_bucket_url_or_arn_names_the_bare_bucket(run_qslint, write, bucket, expected):
    job = VALID_JOB.replace("BucketName: acme-reports", f"BucketName: {bucket}")
    assert messages(run_qslint, write, job) == [expected]


def test_a_bare_name_that_breaks_the_rules_keeps_the_naming_message(run_qslint, write):
    job = VALID_JOB.replace("BucketName: acme-reports", "BucketName: Acme_Reports")
    assert messages(run_qslint, write, job) == [
        "QS303 bucket name may hold only lowercase letters, digits, dots and hyphens; "
        "character 1 of the value is `A`"
    ]


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ('"sales overview"', "character 6 of the value is a space"),
        ('"sales-overview "', "character 15 of the value is a space"),  # unseen at a line end
        ('"sales\\toverview"', "character 6 of the value is a tab"),
        ('"sales\\noverview"', "character 6 of the value is a line break"),
        ('"sales\\u00a0overview"', "character 6 of the value is U+00A0 (NO-BREAK SPACE)"),
        ('"sales`overview"', "character 6 of the value is U+0060 (GRAVE ACCENT)"),  # quotes
        (
            '"ventes-aperçu"',
            "character 12 of the value is U+00E7 (LATIN SMALL LETTER C WITH CEDILLA)",
        ),
        ('"a\\u200b"', "character 2 of the value is U+200B (ZERO WIDTH SPACE)"),
    ],
)
def test_an_id_s_message_names_its_first_refused_character(run_qslint, write, value, refused):
    job = VALID_JOB.replace("DashboardId: sales-overview", f"DashboardId: {value}")
    assert messages(run_qslint, write, job) == [
        f"QS105 `DashboardId` may hold only ASCII letters, digits, `_` and `-`; {refused}"
    ]


def test_a_visual_under_two_sheets_names_the_first_sheet(run_qslint, write):
    job = VALID_JOB.replace(
        "        - FormatType: PDF\n"
        "          SheetSelections:\n"
        "            - SheetId: summary\n"
        "              SelectionScope: ALL_VISUALS\n",
        "        - FormatType: EXCEL\n"
        "          SheetSelections:\n"
        "            - {SheetId: summary, SelectionScope: SELECTED_VISUALS, VisualIds: [orders]}\n"
        "            - {SheetId: detail, SelectionScope: SELECTED_VISUALS, VisualIds: [orders]}\n",
    )
    assert messages(run_qslint, write, job) == [
        "QS210 visual `orders` is already listed under sheet `summary` in this file; visual "
        "ids are unique within a dashboard, so one of the two sheets does not hold it"
    ]


def with_parameters(parameters: str) -> str:
    return VALID_JOB + "  Parameters:\n" + parameters


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            "DashboardId: on",
            "QS106 PyYAML (YAML 1.1) reads `on` as the boolean true, qslint and the AWS CLI "
            '(YAML 1.2) as the string "on"; quote it',
        ),
        (
            "DashboardId: 12:30",  # not an id either: QS105 speaks for the value
            "QS105 `DashboardId` may hold only ASCII letters, digits, `_` and `-`; character 3 "
            "of the value is `:`",
        ),
    ],
)
def test_yaml_1_1_readings_of_shown_values(run_qslint, write, field, expected):
    job = VALID_JOB.replace("DashboardId: sales-overview", field)
    assert messages(run_qslint, write, job) == [expected]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            "    StringParameters:\n      - {Name: Country, Values: [NO]}\n",
            "QS106 PyYAML (YAML 1.1) reads this value as a boolean, qslint and the AWS CLI "
            "(YAML 1.2) as a string; quote it",
        ),
        (
            "    IntegerParameters:\n      - {Name: Store, Values: [0042]}\n",
            "QS106 PyYAML (YAML 1.1) reads this value as another integer than qslint and the AWS "
            "CLI (YAML 1.2) do; write it as decimal digits, without leading zeros",
        ),
        (
            "    DecimalParameters:\n      - {Name: Threshold, Values: [1e3]}\n",
            "QS106 PyYAML (YAML 1.1) reads this value as a string, qslint and the AWS CLI "
            "(YAML 1.2) as a number; write it as digits on both sides of a `.`, and a signed "
            "exponent if any (`-0.5`, `1.0e+3`)",
        ),
        (  # the wrong type is one QS103, whose quoting also settles YAML 1.1's reading
            "    StringParameters:\n      - {Name: Store, Values: [0042]}\n",
            "QS103 `Values[0]` must be a string, not an integer; quote it",
        ),
    ],
    ids=["boolean", "octal", "exponent", "wrong-type"],
)
def test_yaml_1_1_readings_of_sensitive_values_never_show_them(run_qslint, write, values, expected):
    assert messages(run_qslint, write, with_parameters(values)) == [expected]


def test_a_json_file_is_read_by_json_readers(run_qslint, write):
    write("job.json", '{"A": 1e3}')
    result = run_qslint("check", "--output-format", "json", "--select", "QS106", "job.json")
    assert json.loads(result.stdout) == []

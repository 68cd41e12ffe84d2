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
        "QS303 bucket name may hold only lowercase letters, digits, dots and hyphens"
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

"""Fan-out at its edges: a YAML rows file beside the definitions, literal ``$${...}``, and
``check --fix`` inside a template, on real files (and a real git repository for apply)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from applying import apply_args, git_repository, submitted_names
from corpus import FAN_OUT_TEMPLATE

YAML_TEMPLATE = FAN_OUT_TEMPLATE.replace("tenants.csv", "tenants.yaml")
TENANTS_YAML = """\
- {tenant: acme, tenant_id: t-1, top: 3}
- {tenant: globex, tenant_id: t-2, top: 4}
"""


def check_json(qslint, *args: str) -> tuple[int, list[dict]]:
    result = qslint("check", "--output-format", "json", *args)
    return result.exit_code, json.loads(result.output)


def places(findings: list[dict]) -> list[tuple[str, str, int, int]]:
    return [(f["code"], f["file"], f["line"], f["column"]) for f in findings]


@pytest.fixture
def yaml_rows(aws_workspace: Path) -> Path:
    """A template over a YAML rows file, both in the folder a check walks."""
    (aws_workspace / "jobs" / "weekly.yaml").write_text(YAML_TEMPLATE)
    (aws_workspace / "jobs" / "tenants.yaml").write_text(TENANTS_YAML)
    return aws_workspace


def test_a_yaml_rows_file_in_a_walked_folder_is_rows_not_a_definition(yaml_rows, qslint):
    result = qslint("check", "jobs")
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.output


def test_a_bad_row_in_a_yaml_rows_file_is_reported_once_at_its_cell(yaml_rows, qslint):
    rows = yaml_rows / "jobs" / "tenants.yaml"
    rows.write_text(TENANTS_YAML.replace("globex", "globex corp"))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert places(findings) == [("QS105", "jobs/tenants.yaml", 2, 12)]


def test_a_rows_file_named_alone_reports_its_rows_through_the_template(yaml_rows, qslint):
    # As the pre-commit hook names it when only the rows file is staged.
    rows = yaml_rows / "jobs" / "tenants.yaml"
    rows.write_text(TENANTS_YAML.replace("globex", "globex corp"))
    code, findings = check_json(qslint, "jobs/tenants.yaml")
    assert code == 1
    assert places(findings) == [("QS105", "jobs/tenants.yaml", 2, 12)]
    rows.write_text(TENANTS_YAML)
    assert check_json(qslint, "jobs/tenants.yaml") == (0, [])


def test_a_list_no_template_names_is_still_no_definition(aws_workspace, qslint):
    (aws_workspace / "jobs" / "stray.yaml").write_text(TENANTS_YAML)
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("QS100", "jobs/stray.yaml")]


def test_apply_submits_the_rows_of_a_yaml_rows_file_never_the_file(yaml_rows, qslint, emulator):
    git_repository(yaml_rows, "a template over a YAML rows file")
    result = qslint(*apply_args(emulator, "jobs"))
    assert result.exit_code == 0, result.output
    assert submitted_names(emulator) == Counter({"weekly-sales-acme": 1, "weekly-sales-globex": 1})
    plan = qslint("plan", "--region", "eu-west-1", "--all", "jobs")
    assert plan.exit_code == 0, plan.output
    assert "Jobs to submit: 2" in plan.output
    assert "tenants.yaml" not in plan.output


ESCAPED = YAML_TEMPLATE.replace(
    "BucketPrefix: tenants/${tenant}/weekly", "BucketPrefix: tenants/${tenant}/$${RUN_DATE}"
)


def _prefixes(documents: list[dict]) -> list[str]:
    return [
        bucket["BucketConfiguration"]["BucketPrefix"]
        for document in documents
        for bucket in document["SnapshotConfiguration"]["DestinationConfiguration"][
            "S3Destinations"
        ]
    ]


def test_an_escaped_placeholder_is_literal_text_in_check_render_and_apply(
    yaml_rows, qslint, emulator
):
    (yaml_rows / "jobs" / "weekly.yaml").write_text(ESCAPED)
    assert check_json(qslint, "jobs") == (0, [])  # no QS111, no QS306

    rendered = qslint("render", "jobs/weekly.yaml", "--output-format", "json")
    assert rendered.exit_code == 0, rendered.output
    documents = [json.loads(line) for line in rendered.output.splitlines()]
    assert _prefixes(documents) == ["tenants/acme/${RUN_DATE}", "tenants/globex/${RUN_DATE}"]

    git_repository(yaml_rows, "an escaped placeholder")
    applied = qslint(*apply_args(emulator, "jobs"))
    assert applied.exit_code == 0, applied.output
    sent = sorted(_prefixes([job.request for job in emulator.service.jobs()]))
    assert sent == ["tenants/acme/${RUN_DATE}", "tenants/globex/${RUN_DATE}"]


def test_a_column_written_only_escaped_fills_nothing(yaml_rows, qslint):
    template = yaml_rows / "jobs" / "weekly.yaml"
    template.write_text(YAML_TEMPLATE.replace('Values: ["${top}"]', 'Values: ["$${top}"]'))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert places(findings) == [
        ("QS112", "jobs/tenants.yaml", 1, 34),  # `top` fills nothing
        ("QS103", "jobs/weekly.yaml", 25, 31),  # the text `${top}` is no integer
    ]


def test_an_escape_in_a_plain_file_is_sent_as_written_and_reported(aws_workspace, qslint):
    plain = YAML_TEMPLATE.split("AwsAccountId", 1)[1].replace("${tenant}", "acme")
    plain = plain.replace('"${tenant_id}"', "t-1").replace('"${top}"', "3")
    text = "AwsAccountId" + plain.replace("tenants/acme/weekly", "tenants/$${RUN_DATE}")
    (aws_workspace / "jobs" / "plain.yaml").write_text(text)
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    (finding,) = findings
    assert finding["code"] == "QS306"
    assert "`$${RUN_DATE}`" in finding["message"]
    assert "only in a fan-out template" in finding["message"]

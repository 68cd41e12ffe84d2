"""A rows file named on the command line (as the pre-commit hook names a staged one) is
checked as the templates that read it, with or without a configuration file, and without
the definitions that merely mention it: a CSV is never a definition, and a YAML or JSON list
no template reads stays one to check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FAN_OUT, VALID_JOB

from qslint.rows_templates import may_be_rows

BAD_ROW = "tenant,tenant_id\nacme,t-1\nglobex corp,t-2\n"  # `globex corp` is no job id
GOOD_ROWS = "tenant,tenant_id\nacme,t-1\n"


def check(run_qslint, *args: str) -> tuple[int, list[tuple[str, str, int, int]]]:
    result = run_qslint("check", "--output-format", "json", *args)
    found = [(f["code"], f["file"], f["line"], f["column"]) for f in json.loads(result.stdout)]
    return result.exit_code, found


def test_without_a_configuration_the_templates_beside_it_are_checked(run_qslint, write):
    write("snapshots/weekly.yaml", FAN_OUT)
    write("snapshots/tenants.csv", BAD_ROW)

    named = check(run_qslint, "--force-exclude", "snapshots/tenants.csv")

    assert named == (1, [("QS105", "snapshots/tenants.csv", 3, 1)])


def test_a_template_above_reads_it_and_one_beside_a_namesake_does_not(run_qslint, write):
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("weekly.yaml", FAN_OUT.replace("tenants.csv", "rows/tenants.csv"))
    write("rows/tenants.csv", BAD_ROW)
    write("other/weekly.yaml", FAN_OUT.replace("weekly-sales-", "other-sales-"))
    write("other/tenants.csv", BAD_ROW)  # its own rows, with the same name and mistake

    named = check(run_qslint, "--force-exclude", "rows/tenants.csv")

    assert named == (1, [("QS105", "rows/tenants.csv", 3, 1)])


def test_a_column_it_lost_is_reported_at_the_template(run_qslint, write):
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", "tenant\nacme\n")

    assert check(run_qslint, "tenants.csv") == (1, [("QS111", "weekly.yaml", 9, 36)])


def test_a_definition_that_only_mentions_it_is_not_checked(run_qslint, write):
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", GOOD_ROWS)
    broken = VALID_JOB.replace("BucketRegion: eu-west-1", "BucketRegion: mars-east-1")
    write("notes.yaml", "# Tenants are listed in tenants.csv\n" + broken)

    result = run_qslint("check", "--force-exclude", "tenants.csv")

    assert result.exit_code == 0, result.output
    assert "1 file checked" in result.output


def test_a_csv_no_template_reads_passes_without_being_read_as_a_definition(run_qslint, write):
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", GOOD_ROWS)
    write("exports/sales.csv", 'name,"value: with a colon"\n"a, b",1\n')

    result = run_qslint("check", "--force-exclude", "exports/sales.csv")

    assert result.exit_code == 0, result.output
    assert "0 files checked" in result.output


def test_a_template_the_configuration_excludes_is_not_checked(run_qslint, write):
    write(".qslint.toml", 'region = "eu-west-1"\nexclude = ["drafts"]\n')
    write("drafts/weekly.yaml", FAN_OUT)
    write("drafts/tenants.csv", BAD_ROW)

    assert check(run_qslint, "--force-exclude", "drafts/tenants.csv") == (0, [])


YAML_TEMPLATE = FAN_OUT.replace("tenants.csv", "tenants.yaml")


def test_a_yaml_rows_file_that_lost_a_column_is_reported_at_the_template(run_qslint, write):
    write("weekly.yaml", YAML_TEMPLATE)
    write("tenants.yaml", "# one row per tenant\n---\n- {tenant: acme}\n")

    named = check(run_qslint, "--force-exclude", "tenants.yaml")

    assert named == (1, [("QS111", "weekly.yaml", 9, 36)])


def test_a_json_rows_file_alone_reports_its_bad_row_at_its_cell(run_qslint, write):
    write("weekly.yaml", FAN_OUT.replace("tenants.csv", "tenants.json"))
    write(
        "tenants.json",
        '[{"tenant": "acme", "tenant_id": "t-1"},\n {"tenant": "a b", "tenant_id": "t-2"}]\n',
    )

    named = check(run_qslint, "--force-exclude", "tenants.json")

    assert named == (1, [("QS105", "tenants.json", 2, 13)])


def test_a_list_no_template_reads_is_still_no_definition(run_qslint, write):
    write("weekly.yaml", YAML_TEMPLATE)
    write("tenants.yaml", "- {tenant: acme, tenant_id: t-1}\n")
    write("stray.yaml", "- {tenant: acme, tenant_id: t-1}\n")

    code, found = check(run_qslint, "--force-exclude", "stray.yaml")

    assert (code, [(c, file) for c, file, _, _ in found]) == (1, [("QS100", "stray.yaml")])


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        (b"- {tenant: acme}\n", True),
        (b"\xef\xbb\xbf# tenants\n\n%YAML 1.2\n--- - a\n", True),
        (b'[{"tenant": "acme"}]', True),
        (b"-\n  tenant: acme\n", True),
        (b"# - a comment, not an item\nAwsAccountId: '1'\nTags:\n  - a\n", False),
        (b"-tenant: acme\n", False),
        (b"", False),
    ],
)
def test_a_yaml_file_may_be_rows_only_when_it_opens_with_a_list(tmp_path, text, rows):
    path = tmp_path / "file.yaml"
    path.write_bytes(text)
    assert may_be_rows(path, {}) is rows
    assert may_be_rows(Path("unsaved.yaml"), {str(Path("unsaved.yaml").absolute()): text}) is rows

"""A rows file named on the command line (as the pre-commit hook names a staged one) is
checked as the templates that read it, with or without a configuration file, and without
the definitions that merely mention it: a CSV is never a definition, and a YAML or JSON list
no template reads stays one to check."""

from __future__ import annotations

import json
import os
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
        (b"- {tenant: acme}\n" * 400, True),  # past the bytes read: the start says
    ],
)
def test_a_yaml_file_may_be_rows_only_when_it_opens_with_a_list(tmp_path, text, rows):
    path = tmp_path / "file.yaml"
    path.write_bytes(text)
    assert may_be_rows(path, {}) is rows
    assert may_be_rows(Path("unsaved.yaml"), {str(Path("unsaved.yaml").absolute()): text}) is rows


def test_a_yaml_rows_file_past_the_sniffed_bytes_is_still_rows(run_qslint, write):
    write("weekly.yaml", YAML_TEMPLATE)
    many = "".join(f"- {{tenant: t{n:04d}, tenant_id: id-{n}}}\n" for n in range(300))
    write("tenants.yaml", many)
    assert len(many) > 4096

    assert check(run_qslint, "--force-exclude", "tenants.yaml") == (0, [])
    write("tenants.yaml", many.replace(", tenant_id: id-0}", "}"))  # a row lost its cell
    code, found = check(run_qslint, "--force-exclude", "tenants.yaml")
    assert (code, {c for c, *_ in found}) == (1, {"QS113"})


def test_a_list_a_template_names_but_cannot_read_gets_the_templates_finding(run_qslint, write):
    write("weekly.yaml", YAML_TEMPLATE)
    write("tenants.yaml", "- acme\n")  # rows are mappings

    assert check(run_qslint, "--force-exclude", "tenants.yaml") == (
        1,
        [("QS110", "tenants.yaml", 1, 3)],
    )


def test_a_rows_file_a_template_reads_through_a_link_is_found_by_its_target(
    run_qslint, write, tmp_path
):
    write("weekly.yaml", FAN_OUT.replace("tenants.csv", "current.csv"))
    write("tenants-2026.csv", BAD_ROW)
    (tmp_path / "current.csv").symlink_to("tenants-2026.csv")

    code, found = check(run_qslint, "--force-exclude", "tenants-2026.csv")

    assert (code, [c for c, *_ in found]) == (1, ["QS105"])


def test_a_rows_file_named_through_a_link_is_its_target(run_qslint, write, tmp_path):
    write("weekly.yaml", FAN_OUT.replace("tenants.csv", "tenants-2026.csv"))
    write("tenants-2026.csv", BAD_ROW)
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "current.csv").symlink_to("../tenants-2026.csv")

    code, found = check(run_qslint, "--force-exclude", "links/current.csv")

    assert (code, [c for c, *_ in found]) == (1, ["QS105"])


def test_a_template_that_escapes_the_rows_files_name_is_found(run_qslint, write):
    template = json.dumps(_as_json(FAN_OUT.replace("tenants.csv", "t\u00e9nants.csv")))
    assert "\\u00e9" in template  # JSON's ASCII escape: the name's bytes are not in the file
    write("weekly.json", template)
    write("t\u00e9nants.csv", BAD_ROW)

    code, found = check(run_qslint, "--force-exclude", "t\u00e9nants.csv")

    assert (code, [c for c, *_ in found]) == (1, ["QS105"])


def _as_json(yaml_text: str) -> object:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(yaml_text)


def test_from_a_subfolder_templates_up_to_the_configuration_are_found(
    run_qslint, write, tmp_path, monkeypatch
):
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("weekly.yaml", FAN_OUT.replace("tenants.csv", "rows/tenants.csv"))
    write("rows/tenants.csv", BAD_ROW)
    monkeypatch.chdir(tmp_path / "rows")

    code, found = check(run_qslint, "--force-exclude", "tenants.csv")

    assert (code, [(c, file.endswith("rows/tenants.csv")) for c, file, *_ in found]) == (
        1,
        [("QS105", True)],
    )


def test_a_rows_file_that_is_not_there_is_an_error_not_a_pass(run_qslint, write):
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", GOOD_ROWS)

    result = run_qslint("check", "tenant.csv")  # a typo

    assert result.exit_code == 2
    assert "no such file or directory: tenant.csv" in result.output


def test_odd_rows_file_names_get_a_finding_or_nothing_never_an_internal_error(
    run_qslint, write, tmp_path
):
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", GOOD_ROWS)
    undecodable = os.fsdecode(b"t\xe9nants.csv")  # not UTF-8: surrogate-escaped
    (tmp_path / undecodable).write_text(GOOD_ROWS)
    assert run_qslint("check", "--force-exclude", undecodable).exit_code == 0

    too_long = "a" * 300 + ".csv"  # its status cannot be read
    code, found = check(run_qslint, too_long)
    assert (code, [c for c, *_ in found]) == (1, ["QS100"])


def test_plan_reads_no_rows_file_as_its_templates(run_qslint, write):
    """Only check stands a rows file for its templates: plan and apply act on what is named."""
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("weekly.yaml", FAN_OUT)
    write("tenants.csv", GOOD_ROWS)

    result = run_qslint("plan", "--all", "tenants.csv")

    assert "Jobs to submit: 0" in result.output, result.output

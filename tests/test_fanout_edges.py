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


# The folder walked, and the rows file named alone (as the pre-commit hook names it when
# only the rows file is staged): its bad row is reported once, at its cell.
@pytest.mark.parametrize("named", ["jobs", "jobs/tenants.yaml"])
def test_a_bad_row_in_a_yaml_rows_file_is_reported_once_at_its_cell(yaml_rows, qslint, named):
    rows = yaml_rows / "jobs" / "tenants.yaml"
    rows.write_text(TENANTS_YAML.replace("globex", "globex corp"))
    code, findings = check_json(qslint, named)
    assert code == 1
    assert places(findings) == [("QS105", "jobs/tenants.yaml", 2, 12)]
    rows.write_text(TENANTS_YAML)
    assert check_json(qslint, named) == (0, [])


def test_a_list_no_template_names_is_still_no_definition(aws_workspace, qslint):
    (aws_workspace / "jobs" / "stray.yaml").write_text(TENANTS_YAML)
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("QS100", "jobs/stray.yaml")]


def test_a_definition_a_template_names_as_its_rows_keeps_its_own_findings(aws_workspace, qslint):
    jobs = aws_workspace / "jobs"
    definition = jobs / "job.yaml"
    definition.write_text(
        (Path(__file__).parents[1] / "examples" / "weekly-sales-pdf.yaml")
        .read_text()
        .replace("FormatType: PDF", "FormatType: PDFX")
    )
    (jobs / "weekly.yaml").write_text(YAML_TEMPLATE.replace("tenants.yaml", "job.yaml"))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert {(f["code"], f["file"]) for f in findings} == {
        ("QS110", "jobs/job.yaml"),  # the template's: a mapping, no rows
        ("QS104", "jobs/job.yaml"),  # the definition's own
    }


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


CSV_TEMPLATE = FAN_OUT_TEMPLATE.replace(
    "BucketPrefix: tenants/${tenant}/weekly", "BucketPrefix: ${folder}/weekly"
)


def tenants_csv(*folders: str) -> str:
    rows = [f"tenant-{n},t-{n},{n},{folder}" for n, folder in enumerate(folders)]
    return "\n".join(["tenant,tenant_id,top,folder", *rows]) + "\n"


@pytest.fixture
def csv_rows(aws_workspace: Path) -> Path:
    (aws_workspace / "jobs" / "tenants.csv").write_text(tenants_csv("a", "b", "c"))
    return aws_workspace


def test_a_fix_the_template_causes_is_applied_once_to_the_template(csv_rows, qslint):
    template = csv_rows / "jobs" / "weekly.yaml"
    template.write_text(CSV_TEMPLATE.replace("ALL_VISUALS", "all_visuals"))
    result = qslint("check", "--fix", "--no-cache", "jobs")
    assert result.exit_code == 0, result.output
    assert "Fixed 1 problem." in result.stdout
    assert result.stderr == ""
    assert template.read_text() == CSV_TEMPLATE  # one edit, at the template's own text
    assert (csv_rows / "jobs" / "tenants.csv").read_text() == tenants_csv("a", "b", "c")


def test_a_fix_of_a_rows_value_is_never_written_and_the_run_says_so(csv_rows, qslint):
    template = csv_rows / "jobs" / "weekly.yaml"
    template.write_text(CSV_TEMPLATE)
    rows = csv_rows / "jobs" / "tenants.csv"
    rows.write_text(tenants_csv("a", "/b", "c"))
    result = qslint("check", "--fix", "--no-cache", "jobs")
    assert result.exit_code == 0, result.output  # QS305 is a warning
    assert "jobs/tenants.csv:3:16: QS305 " in result.stdout
    assert result.stderr.splitlines() == [
        "qslint: not fixed jobs/tenants.csv:3:16: QS305: it would write row tenant-1's value "
        "into the template: correct the cell"
    ]
    assert template.read_text() == CSV_TEMPLATE
    assert rows.read_text() == tenants_csv("a", "/b", "c")


def test_a_template_fix_that_rows_decide_is_not_applied_and_the_run_says_why(csv_rows, qslint):
    template = csv_rows / "jobs" / "weekly.yaml"
    written = CSV_TEMPLATE.replace("${folder}/weekly", "/${folder}/weekly")
    template.write_text(written)
    result = qslint("check", "--fix", "--no-cache", "jobs")
    assert result.exit_code == 0, result.output
    assert "jobs/weekly.yaml:21:25: QS305 " in result.stdout
    assert "(in all 3 rows)" in result.stdout
    assert result.stderr.splitlines() == [
        "qslint: not fixed jobs/weekly.yaml:21:25: QS305: its fix differs from row to row: "
        "the rows' values decide it"
    ]
    assert template.read_text() == written


def test_a_one_row_template_keeps_its_placeholders_from_a_fix(csv_rows, qslint):
    # One row: a finding at a value the row filled is the row's, at its cell.
    (csv_rows / "jobs" / "tenants.csv").write_text(tenants_csv("a"))
    template = csv_rows / "jobs" / "weekly.yaml"
    written = CSV_TEMPLATE.replace("${folder}/weekly", "/${folder}/weekly")
    template.write_text(written)
    result = qslint("check", "--fix", "--no-cache", "jobs")
    assert result.stderr.splitlines() == [
        "qslint: not fixed jobs/tenants.csv:2:16: QS305: it would write row tenant-0's value "
        "into the template: correct the cell"
    ]
    assert template.read_text() == written


def test_a_fix_in_a_document_after_a_template_edits_that_document(csv_rows, qslint):
    plain = CSV_TEMPLATE.split("AwsAccountId", 1)[1]
    plain = plain.replace("${tenant}", "all").replace('"${tenant_id}"', "t-0")
    plain = "AwsAccountId" + plain.replace("${folder}", "all").replace('"${top}"', "5")
    job = csv_rows / "jobs" / "weekly.yaml"
    job.write_text(f"{CSV_TEMPLATE}---\n{plain.replace('ALL_VISUALS', 'all_visuals')}")
    result = qslint("check", "--fix", "--no-cache", "jobs")
    assert result.exit_code == 0, result.output
    assert "Fixed 1 problem." in result.stdout
    assert job.read_text() == f"{CSV_TEMPLATE}---\n{plain}"


def test_an_unclosed_placeholder_is_text_and_no_crash(yaml_rows, qslint):
    # As an editor holds the template while `${ten` is being typed.
    template = yaml_rows / "jobs" / "weekly.yaml"
    template.write_text(YAML_TEMPLATE.replace("tenants/${tenant}/weekly", "${tenant}/${ten"))
    assert check_json(qslint, "jobs") == (0, [])
    rendered = qslint("render", "jobs/weekly.yaml", "--output-format", "json")
    documents = [json.loads(line) for line in rendered.output.splitlines()]
    assert _prefixes(documents) == ["acme/${ten", "globex/${ten"]


def test_a_row_added_to_a_rows_file_is_compared_anew_though_no_definition_changed(
    aws_workspace, qslint
):
    """The cache reuses the repository rules' findings for a run whose files are unchanged,
    but a fan-out's jobs come from its rows file too (a CSV: no file of the walk): a new
    row's job is compared."""
    jobs = aws_workspace / "jobs"
    (jobs / "weekly.yaml").write_text(FAN_OUT_TEMPLATE)
    rows = "tenant,tenant_id,top\nacme,t-1,3\nglobex,t-2,4\n"
    (jobs / "tenants.csv").write_text(rows)
    lines = FAN_OUT_TEMPLATE.splitlines()[3:]  # the request, without `x-qslint`
    concrete = {"${tenant}": "initech", "${tenant_id}": "t-9", '"${top}"': "5"}
    by_hand = "\n".join(lines) + "\n"
    for placeholder, value in concrete.items():
        by_hand = by_hand.replace(placeholder, value)
    (jobs / "initech.yaml").write_text(by_hand)
    assert check_json(qslint, "jobs/initech.yaml") == (0, [])

    (jobs / "tenants.csv").write_text(rows + "initech,t-3,5\n")
    code, findings = check_json(qslint, "jobs/initech.yaml")
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("QS601", "jobs/initech.yaml")]


NO_ROW_NAME = FAN_OUT_TEMPLATE.replace("  row-name: tenant\n", "")


@pytest.mark.parametrize(
    ("template", "header", "expected"),
    [
        (
            FAN_OUT_TEMPLATE,
            "tenant;tenant_id;top",
            "`row-name` names no column of the rows: `tenant` (`tenant;tenant_id;top`, its "
            "only column: a CSV separates its cells by commas, not `;`)",
        ),
        (
            NO_ROW_NAME,
            "tenant\ttenant_id\ttop",
            "placeholder `${tenant}` names no column of the rows (`tenant\\ttenant_id\\ttop`, "
            "its only column: a CSV separates its cells by commas, not tabs)",
        ),
        (  # a header of one column, separated as it should be: nothing to explain
            NO_ROW_NAME,
            "name",
            "placeholder `${tenant}` names no column of the rows (`name`)",
        ),
    ],
)
def test_a_csv_separated_by_another_character_says_so(
    aws_workspace, qslint, template, header, expected
):
    (aws_workspace / "jobs" / "weekly.yaml").write_text(template)
    separator = header[6] if len(header) > 6 else None  # as the header is separated
    row = separator.join(["acme", "t-1", "3"]) if separator else "acme"
    (aws_workspace / "jobs" / "tenants.csv").write_text(f"{header}\n{row}\n")
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert next(f["message"] for f in findings if f["code"] == "QS111") == expected


def test_a_row_longer_than_the_header_counts_its_columns(aws_workspace, qslint):
    (aws_workspace / "jobs" / "weekly.yaml").write_text(NO_ROW_NAME)
    (aws_workspace / "jobs" / "tenants.csv").write_text("tenant\nacme,t-1,3\n")
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["message"]) for f in findings] == [
        ("QS110", "row 1 has 3 cells; the header names 1 column")
    ]


@pytest.fixture
def linked_template(aws_workspace: Path) -> Path:
    """`jobs/sub/weekly.yaml` over two rows beside it, and `jobs/alias.yaml` a link to it,
    which a walk meets first; the folder of the template."""
    sub = aws_workspace / "jobs" / "sub"
    sub.mkdir()
    (sub / "weekly.yaml").write_text(FAN_OUT_TEMPLATE)
    (sub / "tenants.csv").write_text("tenant,tenant_id,top\nacme,t-1,3\nglobex,t-2,4\n")
    (aws_workspace / "jobs" / "alias.yaml").symlink_to("sub/weekly.yaml")
    return sub


def test_a_template_reached_through_a_link_is_checked_by_its_own_name(linked_template, qslint):
    # Beside the link is no rows file. Checked by its own name, the template finds its
    # rows, and plan and the apply gate see its jobs.
    sub = linked_template
    assert check_json(qslint, "jobs") == (0, [])
    (sub / "weekly.yaml").write_text(FAN_OUT_TEMPLATE.replace("eu-west-1", "eu-west-9"))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert places(findings) == [("QS304", "jobs/sub/weekly.yaml", 22, 25)]
    (sub / "weekly.yaml").write_text(FAN_OUT_TEMPLATE)
    plan = qslint("plan", "jobs", "--run-key", "r1")
    assert plan.exit_code == 0, plan.output
    assert "  jobs/sub/weekly.yaml:1  fan-out, 2 of 2 rows" in plan.stdout.splitlines()


def test_a_one_file_run_compares_with_a_linked_template_by_its_own_name(
    aws_workspace, linked_template, qslint
):
    # The hook's run: the rest of the project holds the template under two names.
    acme = FAN_OUT_TEMPLATE.split("AwsAccountId:", 1)[1].replace('["${top}"]', "[3]")
    acme = acme.replace("${tenant}", "acme").replace("${tenant_id}", "t-1")
    (aws_workspace / "jobs" / "other.yaml").write_text("AwsAccountId:" + acme)  # its row
    code, findings = check_json(qslint, "--no-cache", "jobs/other.yaml")
    assert code == 1
    assert [(f["code"], f["message"].rpartition(" at ")[2]) for f in findings] == [
        ("QS601", "jobs/sub/weekly.yaml:6:16")
    ]


def test_a_tab_in_a_column_name_is_shown_escaped_in_every_message(aws_workspace, qslint):
    (aws_workspace / "jobs" / "weekly.yaml").write_text(NO_ROW_NAME)
    (aws_workspace / "jobs" / "tenants.csv").write_text("tenant\ttenant_id\ttop\nacme\tt-1\t3\n")
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert all(f["message"].isprintable() for f in findings)
    assert [f["message"] for f in findings if f["code"] == "QS112"] == [
        "column `tenant\\ttenant_id\\ttop` fills no placeholder"
    ]
    yaml_rows = YAML_TEMPLATE.replace("  row-name: tenant\n", "")
    (aws_workspace / "jobs" / "weekly.yaml").write_text(yaml_rows)
    rows = '- {tenant: acme, tenant_id: t-1, top: 3, "no\\u2028te": [1]}\n'
    (aws_workspace / "jobs" / "tenants.yaml").write_text(rows)
    code, findings = check_json(qslint, "jobs")
    assert [f["message"] for f in findings if f["code"] == "QS110"] == [
        "cell `no\\u2028te` is a list: a cell is a string or a number"
    ]

"""Files that are not job definitions: one clear finding each, and no definitions at all is
a warning, not a failure (as ruff does)."""

from __future__ import annotations

import json

from conftest import GITHUB_WORKFLOW, VALID_JOB, codes_and_lines

COMPOSE_FILE = """\
services:
  web:
    image: nginx
    ports: ["80:80"]
volumes: {}
"""


def test_a_compose_file_is_one_finding(run_qslint, write):
    write("compose.yaml", COMPOSE_FILE)

    result = run_qslint("check", "--output-format", "json", "compose.yaml")

    findings = json.loads(result.stdout)
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [("QS100", 1, 1)]
    assert findings[0]["message"].startswith("not a snapshot job definition")
    assert result.exit_code == 1


def test_a_workflow_named_on_the_command_line_is_one_finding(run_qslint, write):
    write("ci.yml", GITHUB_WORKFLOW)

    result = run_qslint("check", "--output-format", "json", "ci.yml")

    assert codes_and_lines(result) == [("QS100", 1)]


def test_a_stray_document_beside_a_job_is_one_finding_and_the_job_is_checked(run_qslint, write):
    pdf_selecting_visuals = VALID_JOB.replace("ALL_VISUALS", "SELECTED_VISUALS")
    write("jobs.yaml", f"{GITHUB_WORKFLOW}---\n{pdf_selecting_visuals}")

    result = run_qslint("check", "--output-format", "json", "jobs.yaml")

    findings = json.loads(result.stdout)
    assert [(f["code"], f["line"]) for f in findings] == [("QS100", 1), ("QS201", 24)]
    assert findings[0]["message"].startswith("this document is not a snapshot job definition")


def test_a_job_with_names_in_the_wrong_case_still_gets_its_suggestions(run_qslint, write):
    miscased = VALID_JOB.replace("AwsAccountId", "awsAccountId")
    write("job.yaml", miscased.replace("DashboardId", "dashboardId"))

    result = run_qslint("check", "--output-format", "json", "job.yaml")

    assert [code for code, _ in codes_and_lines(result)] == ["QS101", "QS101"]


def test_no_definitions_under_the_paths_is_a_warning(run_qslint, write):
    write("docs/readme.txt", "no definitions here\n")

    result = run_qslint("check", "--output-format", "json", "docs")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stderr == "qslint: warning: no job definition files under the given paths\n"

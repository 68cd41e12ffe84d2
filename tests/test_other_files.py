"""Files that are not job definitions: one clear finding each where they are named, passed
over and counted where a walk or the pre-commit hook finds them, and no definitions at all is
a warning, not a failure (as ruff does)."""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import GITHUB_WORKFLOW, VALID_JOB, codes_and_lines

from qslint.apply.summary import report_json

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


ACTION = """\
name: qslint
description: Lint QuickSight snapshot job definitions
runs:
  using: composite
  steps:
    - {run: qslint check, shell: bash}
"""
PACKAGE_JSON = '{"name": "reports", "version": "1.0.0", "scripts": {"test": "jest"}}\n'
PDF_SELECTING_VISUALS = VALID_JOB.replace("ALL_VISUALS", "SELECTED_VISUALS")


@pytest.fixture
def repository_root(write):
    """A repository's root as it is: definitions among a GitHub Action, a compose file, a
    package manifest and the report ``qslint apply --report`` wrote."""
    write("action.yml", ACTION)
    write("docker-compose.yml", COMPOSE_FILE)
    write("package.json", PACKAGE_JSON)
    write("apply-report.json", report_json([], show_sensitive=False))
    write("jobs/weekly.yaml", VALID_JOB)


def test_a_walk_passes_over_what_is_clearly_something_else_and_counts_it(
    run_qslint, repository_root, tmp_path
):
    an_hour_ago = time.time() - 3600  # settled: the second run takes each result from the cache
    for path in tmp_path.rglob("*.*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    result = run_qslint("check")
    from_the_cache = run_qslint("check")

    assert result.exit_code == from_the_cache.exit_code == 0, result.output
    assert result.stdout == "All checks passed (1 file checked; 4 other YAML/JSON files skipped).\n"
    assert from_the_cache.stdout == result.stdout


def test_the_summary_and_the_statistics_count_without_the_files_passed_over(
    run_qslint, repository_root, write
):
    write("jobs/top-customers.yaml", PDF_SELECTING_VISUALS.replace("weekly-sales", "top-customers"))

    text = run_qslint("check", "--statistics")
    statistics = run_qslint("check", "--statistics", "--output-format", "json")
    findings = run_qslint("check", "--output-format", "json")

    assert text.stdout.splitlines()[-2:] == [
        "Found 1 problem (1 error) in 2 files checked; 4 other YAML/JSON files skipped.",
        "[*] 1 fixable with `--fix`.",
    ]
    assert [(entry["code"], entry["count"]) for entry in json.loads(statistics.stdout)] == [
        ("QS201", 1)
    ]
    assert codes_and_lines(findings) == [("QS201", 15)]


def test_the_hook_passes_over_a_staged_compose_file_that_a_name_does_not(run_qslint, write):
    """pre-commit names every staged YAML file with ``--force-exclude``: found as a walk
    finds them, not named on purpose."""
    write("docker-compose.yml", COMPOSE_FILE)
    write("weekly.yaml", VALID_JOB)

    hook = run_qslint("check", "--force-exclude", "docker-compose.yml", "weekly.yaml")
    named = run_qslint("check", "docker-compose.yml", "weekly.yaml")

    assert hook.exit_code == 0, hook.output
    assert hook.stdout.endswith("(1 file checked; 1 other YAML/JSON file skipped).\n")
    assert named.exit_code == 1
    assert named.stdout.startswith("docker-compose.yml:1:1: QS100 [error] not a snapshot job")


def test_a_walk_still_checks_a_definition_with_misspelt_or_camel_case_fields(run_qslint, write):
    misspelt = VALID_JOB.replace("AwsAccountId", "awsAccountID").replace(
        "SnapshotJobId", "snapshotJobID"
    )
    miscased = misspelt.replace("DashboardId", "dashbordId")
    write("jobs/weekly.yaml", miscased.replace("SnapshotConfiguration", "snapshot_configuration"))

    result = run_qslint("check", "--output-format", "json")

    assert codes_and_lines(result) == [("QS101", 1), ("QS101", 2), ("QS101", 3), ("QS101", 9)]


@pytest.mark.parametrize(
    "arguments",
    [
        ("jobs", "jobs/compose.yaml"),
        ("jobs/compose.yaml", "jobs"),
        ("jobs", "jobs/alias.yaml"),  # a link the walk meets, to a file it meets too
        ("jobs/alias.yaml", "jobs"),
    ],
)
def test_a_file_named_on_purpose_is_reported_whatever_else_finds_it(
    run_qslint, write, tmp_path, arguments
):
    write("jobs/weekly.yaml", VALID_JOB)
    write("jobs/compose.yaml", COMPOSE_FILE)
    (tmp_path / "jobs" / "alias.yaml").symlink_to("compose.yaml")
    result = run_qslint("check", "--output-format", "json", *arguments)
    assert codes_and_lines(result) == [("QS100", 1)]

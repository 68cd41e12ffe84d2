"""GitLab Code Quality and reviewdog rdjson reports: valid, stable, and every finding kept."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import VALID_JOB

from qslint.cli import cli

ROOT = Path(__file__).resolve().parents[1]
# reviewdog's schema, kept in the tests with its licence (tests/schemas/LICENSES.md).
RDJSON_SCHEMA = Path(__file__).parent / "schemas" / "rdjson-diagnostic-result.schema.json"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def _check_examples(monkeypatch: pytest.MonkeyPatch, output_format: str) -> object:
    """``qslint check examples/`` in this checkout, parsed (the examples exit 1)."""
    monkeypatch.chdir(ROOT)
    args = ["check", "examples", "--no-cache", "--output-format", output_format]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.fixture
def examples_findings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    found = _check_examples(monkeypatch, "json")
    assert isinstance(found, list)
    return sorted((item["file"], item["code"], item["line"]) for item in found)


def _validate_rdjson(log: object) -> None:
    schema = json.loads(RDJSON_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)] == []


def test_gitlab_report_round_trips_every_finding_of_the_examples(monkeypatch, examples_findings):
    issues = _check_examples(monkeypatch, "gitlab")
    assert isinstance(issues, list)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["description"].startswith(issue["check_name"])
    found = sorted(
        (issue["location"]["path"], issue["check_name"], issue["location"]["lines"]["begin"])
        for issue in issues
    )
    assert found == examples_findings
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_gitlab_fingerprints_are_stable_across_runs_and_line_moves(run_qslint, write):
    slashed = VALID_JOB.replace("sales/weekly", "/sales")
    write("weekly.yaml", slashed)
    first = json.loads(run_qslint("check", "--output-format", "gitlab").stdout)
    again = json.loads(run_qslint("check", "--no-cache", "--output-format", "gitlab").stdout)
    write("weekly.yaml", "# a comment that moves every line down\n" + slashed)
    moved = json.loads(run_qslint("check", "--output-format", "gitlab").stdout)
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in again]
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in moved]
    assert moved[0]["location"]["lines"]["begin"] == first[0]["location"]["lines"]["begin"] + 1


def test_gitlab_identical_findings_get_distinct_fingerprints(run_qslint, write):
    twice = VALID_JOB + "---\n" + VALID_JOB  # QS601 once, but QS502-free: two equal jobs
    write("a.yaml", twice.replace("sales/weekly", "/sales"))
    issues = json.loads(run_qslint("check", "--output-format", "gitlab").stdout)
    same = [i for i in issues if i["check_name"] == "QS305"]
    assert len(same) == 2
    assert same[0]["fingerprint"] != same[1]["fingerprint"]


def test_rdjson_validates_and_round_trips_every_finding_of_the_examples(
    monkeypatch, examples_findings
):
    log = _check_examples(monkeypatch, "rdjson")
    _validate_rdjson(log)
    assert isinstance(log, dict)
    found = sorted(
        (d["location"]["path"], d["code"]["value"], d["location"]["range"]["start"]["line"])
        for d in log["diagnostics"]
    )
    assert found == examples_findings
    assert {d["severity"] for d in log["diagnostics"]} <= {"ERROR", "WARNING", "INFO"}


def test_rdjson_suggestions_are_the_fixes(run_qslint, write):
    write("weekly.yaml", VALID_JOB.replace("FormatType: PDF", "FormatType: Pdf"))
    log = json.loads(run_qslint("check", "--output-format", "rdjson").stdout)
    _validate_rdjson(log)
    (diagnostic,) = log["diagnostics"]
    assert diagnostic["code"]["value"] == "QS104"
    assert diagnostic["suggestions"] == [
        {
            "range": {"start": {"line": 12, "column": 24}, "end": {"line": 12, "column": 26}},
            "text": "DF",
        }
    ]


def test_rdjson_columns_count_utf8_bytes(run_qslint, write):
    # The second `Région` stands after a first one on its line: its column is one byte
    # further than its character column ("é" is two bytes). (No dashboard parameter can have
    # that name, QS405's finding, left out here.)
    parameters = (
        "  Parameters:\n"
        "    StringParameters: [{Name: Région, Values: [a]}, {Name: Région, Values: [b]}]\n"
    )
    write("weekly.yaml", VALID_JOB + parameters)
    only = ("--ignore", "QS405")
    (finding,) = json.loads(run_qslint("check", *only, "--output-format", "json").stdout)
    log = json.loads(run_qslint("check", *only, "--output-format", "rdjson").stdout)
    start = log["diagnostics"][0]["location"]["range"]["start"]
    assert finding["code"] == "QS401"
    assert (start["line"], start["column"]) == (finding["line"], finding["column"] + 1)

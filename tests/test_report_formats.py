"""SARIF, GitHub annotations and JUnit XML: each run through the CLI and parsed back."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import VALID_JOB, crashing_rule, validate_sarif

from qslint import __version__, runner
from qslint.findings import Severity
from qslint.report import FORMATS
from qslint.rule import Violation, job_rule, load_rules, repository_rule

# QS101 repeats the unknown key: a message holding `:`, `,`, `%`, CR and LF.
ODD_KEY = "Odd: key, 100%\r\nnext"
WEEKLY = VALID_JOB.replace(
    "SelectionScope: ALL_VISUALS",  # QS201 error at 15:31
    "SelectionScope: SELECTED_VISUALS\n              VisualIds: [top-customers]",
).replace("BucketPrefix: sales/weekly", "BucketPrefix: /sales")  # QS305 warning at 21:25
ODD = VALID_JOB.replace("SnapshotJobId:", '"Odd: key, 100%\\r\\nnext": 1\nSnapshotJobId:')
DUPLICATE = VALID_JOB.replace("weekly-sales", "daily-sales")  # QS601 on the second, at 3:16

# (code, severity, file under jobs/, line, column)
EXPECTED = [
    ("QS601", "error", "dup-b.yaml", 3, 16),
    ("QS101", "error", "odd.yaml", 3, 1),
    ("QS201", "error", "weekly,eu.yaml", 15, 31),
    ("QS305", "warning", "weekly,eu.yaml", 21, 25),
]
FILES = ["clean.yaml", "dup-a.yaml", "dup-b.yaml", "odd.yaml", "weekly,eu.yaml"]


@pytest.fixture
def jobs(write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Definitions in ``jobs/`` under a configured root, with qslint run from ``jobs/``."""
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("jobs/clean.yaml", VALID_JOB.replace("weekly-sales", "clean"))
    write("jobs/dup-a.yaml", DUPLICATE)
    write("jobs/dup-b.yaml", DUPLICATE)
    write("jobs/odd.yaml", ODD)
    write("jobs/weekly,eu.yaml", WEEKLY)
    monkeypatch.chdir(tmp_path / "jobs")
    return tmp_path / "jobs"


# SARIF


def _sarif(run_qslint, jobs: Path) -> dict:
    output = jobs.parent / "qslint.sarif"
    result = run_qslint("check", "--output-format", "sarif", "--output-file", str(output))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return json.loads(output.read_text(encoding="utf-8"))


def test_sarif_validates_against_the_schema(run_qslint, jobs):
    validate_sarif(_sarif(run_qslint, jobs))


def test_sarif_lists_the_rules_that_ran(run_qslint, jobs):
    log = _sarif(run_qslint, jobs)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("qslint", __version__)
    assert driver["informationUri"].startswith("https://")
    rules = {rule.code: rule for rule in load_rules()}
    assert [rule["id"] for rule in driver["rules"]] == sorted(rules)
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert by_id["QS201"] == {
        "id": "QS201",
        "name": rules["QS201"].name,
        "shortDescription": {"text": rules["QS201"].summary},
        "fullDescription": {
            "text": "Reports a PDF file whose sheet selection uses `SELECTED_VISUALS` or lists "
            "`VisualIds`."
        },
        "helpUri": "https://github.com/qslint/qslint#qs201",
        "help": {"text": by_id["QS201"]["help"]["text"], "markdown": rules["QS201"].documentation},
        "defaultConfiguration": {"level": "error"},
    }
    assert by_id["QS305"]["defaultConfiguration"] == {"level": "warning"}


def test_sarif_rules_carry_their_whole_documentation(run_qslint, jobs):
    (run,) = _sarif(run_qslint, jobs)["runs"]
    by_id = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    markdown, text = by_id["QS207"]["help"]["markdown"], by_id["QS207"]["help"]["text"]
    assert markdown.startswith("# QS207 too-many-file-groups (error)\n\nToo many FileGroups")
    assert "## Why is this bad?" in markdown
    assert "## Options\n- `max-file-groups` (default 6)" in markdown
    assert text.startswith("QS207 too-many-file-groups (error)\n\nToo many FileGroups")
    assert "\nWhy is this bad?\n" in text
    assert "#" not in text
    assert "```" not in by_id["QS201"]["help"]["text"]


def test_every_built_in_rules_help_link_is_anchored_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for rule in load_rules():
        anchor = rule.help_uri.removeprefix("https://github.com/qslint/qslint#")
        assert f'<a id="{anchor}"></a>{rule.code} ' in readme, rule.code


def test_a_plugin_rule_links_to_its_own_documentation_or_to_nothing():
    def check(job, context):
        return iter(())

    documented = job_rule("ACME1", "Job ids start with acme-", url="https://acme.test/ACME1")
    assert documented(check).help_uri == "https://acme.test/ACME1"
    assert job_rule("ACME2", "Bucket names start with acme-")(check).help_uri == ""


def test_sarif_results_have_the_shape_code_scanning_needs(run_qslint, jobs):
    (run,) = _sarif(run_qslint, jobs)["runs"]
    rules = run["tool"]["driver"]["rules"]
    # URIs are relative to the configuration's folder, not to where qslint ran.
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": jobs.parent.resolve().as_uri() + "/"}}
    seen = []
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        region = location["physicalLocation"]["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/")
        seen.append(
            (
                result["ruleId"],
                result["level"],
                unquote(artifact["uri"]),
                region["startLine"],
                region["startColumn"],
            )
        )
    assert seen == [(code, level, f"jobs/{f}", line, col) for code, level, f, line, col in EXPECTED]
    qs201 = run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert qs201["uri"] == "jobs/weekly%2Ceu.yaml"  # a URI reference, percent-encoded


def test_sarif_related_locations_and_json_paths(run_qslint, jobs):
    (run,) = _sarif(run_qslint, jobs)["runs"]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    (related,) = by_rule["QS601"]["relatedLocations"]
    physical = related["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "jobs/dup-a.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3, "startColumn": 16}
    assert related["properties"] == {"jsonPath": "SnapshotJobId"}
    assert "relatedLocations" not in by_rule["QS201"]
    assert by_rule["QS201"]["locations"][0]["properties"] == {
        "jsonPath": "SnapshotConfiguration.FileGroups[0].Files[0].SheetSelections[0].SelectionScope"
    }
    assert ODD_KEY in by_rule["QS101"]["message"]["text"]


def test_sarif_names_a_file_outside_the_root_by_absolute_uri(
    run_qslint, write, tmp_path, monkeypatch
):
    write("project/.qslint.toml", 'region = "eu-west-1"\n')
    outside = write("outside.yaml", WEEKLY)
    monkeypatch.chdir(tmp_path / "project")
    log = json.loads(run_qslint("check", "--output-format", "sarif", str(outside)).stdout)
    validate_sarif(log)
    locations = [result["locations"][0] for result in log["runs"][0]["results"]]
    assert [loc["physicalLocation"]["artifactLocation"] for loc in locations] == [
        {"uri": outside.resolve().as_uri()}
    ] * 2


def test_sarif_paths_are_relative_to_the_repository_wherever_the_configuration_is(
    run_qslint, write, tmp_path, monkeypatch
):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write("snapshots/.qslint.toml", 'region = "eu-west-1"\n')
    write("snapshots/weekly.yaml", WEEKLY)
    outside = tmp_path.parent
    for where, argument in (
        (tmp_path, "snapshots"),
        (tmp_path / "snapshots", "."),
        (outside, str(tmp_path.relative_to(outside) / "snapshots")),
    ):
        monkeypatch.chdir(where)
        log = json.loads(run_qslint("check", "--output-format", "sarif", argument).stdout)
        validate_sarif(log)
        (run,) = log["runs"]
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
        artifacts = [
            r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]
        ]
        assert artifacts == [{"uri": "snapshots/weekly.yaml", "uriBaseId": "%SRCROOT%"}] * 2
        gitlab = json.loads(run_qslint("check", "--output-format", "gitlab", argument).stdout)
        assert {issue["location"]["path"] for issue in gitlab} == {"snapshots/weekly.yaml"}


def test_sarif_of_a_clean_run_is_valid_and_empty(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check", "--output-format", "sarif")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []


NOT_RUN = (
    "QS301 did not run: no region is known (set `region` in the configuration or AWS_REGION, "
    "or ignore QS301)"
)


CRASHED = (
    "internal error in rule QS999 while checking weekly.yaml (ZeroDivisionError). This is a "
    "bug; please report it at https://github.com/qslint/qslint/issues (--debug shows the "
    "details)."
)


def _invocations(run_qslint, *, exit_code: int) -> tuple[list[dict], list[str]]:
    """The invocations of ``check``'s SARIF log, valid, and the codes of its rules in order."""
    result = run_qslint("check", "--output-format", "sarif")
    assert result.exit_code == exit_code
    log = json.loads(result.stdout)
    validate_sarif(log)
    (run,) = log["runs"]
    return run["invocations"], [rule["id"] for rule in run["tool"]["driver"]["rules"]]


def test_sarif_says_which_rule_did_not_run_for_want_of_a_region(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    invocations, codes = _invocations(run_qslint, exit_code=0)
    assert invocations == [
        {
            "executionSuccessful": True,
            "toolConfigurationNotifications": [
                {
                    "level": "warning",
                    "message": {"text": NOT_RUN},
                    "associatedRule": {"id": "QS301", "index": codes.index("QS301")},
                }
            ],
        }
    ]


def test_sarif_says_which_rule_raised_and_that_the_run_failed(run_qslint, write, monkeypatch):
    monkeypatch.setattr(runner, "load_rules", lambda: [*load_rules(), crashing_rule])
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    write("weekly.yaml", VALID_JOB)
    invocations, codes = _invocations(run_qslint, exit_code=2)
    where = {"artifactLocation": {"uri": "weekly.yaml", "uriBaseId": "%SRCROOT%"}}
    assert invocations == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {
                    "level": "error",
                    "message": {"text": CRASHED},
                    "associatedRule": {"id": "QS999", "index": codes.index("QS999")},
                    "locations": [{"physicalLocation": where}],
                }
            ],
        }
    ]


@repository_rule("QS998", "Always crashes across files", severity=Severity.ERROR)
def crashing_repository_rule(jobs, context):
    """Raises, like a buggy plugin would, reading every file."""
    raise ZeroDivisionError("division by zero")
    yield Violation("unreachable")


def test_a_repository_rule_that_raised_is_noted_at_no_file(run_qslint, write, monkeypatch):
    monkeypatch.setattr(runner, "load_rules", lambda: [*load_rules(), crashing_repository_rule])
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    write("weekly.yaml", VALID_JOB)
    invocations, _ = _invocations(run_qslint, exit_code=2)
    (raised,) = invocations[0]["toolExecutionNotifications"]
    assert "locations" not in raised
    assert raised["message"]["text"].startswith(
        "internal error in rule QS998 while comparing the jobs of every file (ZeroDivisionError)."
    )
    github = run_qslint("check", "--output-format", "github").stdout.splitlines()
    assert [parse_workflow_command(line)[:2] for line in github] == [("error", {"title": "QS998"})]


def test_sarif_of_a_run_with_nothing_to_note_says_it_succeeded(run_qslint, jobs):
    (run,) = _sarif(run_qslint, jobs)["runs"]
    assert run["invocations"] == [{"executionSuccessful": True}]


# GitHub workflow commands


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, character in mappings:  # in the runner's order: %25 last
        text = text.replace(escaped, character)
    return text


DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """``(command, properties, data)``, read the way actions/runner's ActionCommand reads it."""
    line = line.lstrip()
    assert line.startswith("::"), line
    end = line.index("::", 2)  # the first `::` after the name ends the properties
    name, _, properties = line[2:end].partition(" ")
    pairs = (item.split("=", 1) for item in properties.split(",") if item)
    parsed = {key: _unescape(value, PROPERTY) for key, value in pairs}
    return name, parsed, _unescape(line[end + 2 :], DATA)


def test_github_annotations_parse_back_with_escaping(run_qslint, jobs):
    result = run_qslint("check", "--output-format", "github")
    assert result.exit_code == 1
    assert "\r" not in result.stdout
    lines = result.stdout.split("\n")
    assert lines.pop() == ""
    commands = [parse_workflow_command(line) for line in lines]
    assert [
        (name, props["title"], props["file"], int(props["line"]), int(props["col"]))
        for name, props, _ in commands
    ] == [
        (level, code, str(jobs / file), line, column)
        for code, level, file, line, column in EXPECTED
    ]
    messages = {props["title"]: data for _, props, data in commands}
    assert messages["QS101"] == f"unknown field `{ODD_KEY}`"
    assert messages["QS601"].endswith("is also defined at dup-a.yaml:3:16")
    # what the runner sees: `%`, CR and LF escaped in the data; `:` and `,` too in properties
    (odd,) = [line for line in lines if "title=QS101" in line]
    assert odd.endswith("::unknown field `Odd: key, 100%25%0D%0Anext`")
    (weekly, _) = [line for line in lines if "weekly" in line]
    assert "weekly%2Ceu.yaml,line=15,col=31,title=QS201::" in weekly


def test_github_severities_map_to_commands(run_qslint, write):
    write(".qslint.toml", 'region = "eu-west-1"\n[severity]\nQS305 = "info"\nQS201 = "warning"\n')
    write("weekly.yaml", WEEKLY)
    result = run_qslint("check", "--output-format", "github")
    assert result.exit_code == 0
    commands = [parse_workflow_command(line) for line in result.stdout.splitlines()]
    assert [(name, props["title"]) for name, props, _ in commands] == [
        ("warning", "QS201"),
        ("notice", "QS305"),
    ]


def test_github_warns_of_a_rule_that_did_not_run_and_a_rule_that_raised(
    run_qslint, write, monkeypatch
):
    monkeypatch.setattr(runner, "load_rules", lambda: [*load_rules(), crashing_rule])
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check", "--output-format", "github")
    assert result.exit_code == 2
    commands = [parse_workflow_command(line) for line in result.stdout.splitlines()]
    weekly = str((Path.cwd() / "weekly.yaml").absolute())
    assert commands == [
        ("warning", {"title": "QS301"}, NOT_RUN),
        ("error", {"file": weekly, "title": "QS999"}, CRASHED),
    ]


def test_github_prints_nothing_for_a_clean_run(run_qslint, write, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # else a warning says QS301 did not run
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check", "--output-format", "github")
    assert (result.exit_code, result.stdout) == (0, "")


# JUnit XML


def test_junit_has_a_suite_per_file_and_a_failing_test_case_per_problem(run_qslint, jobs):
    output = jobs.parent / "qslint.xml"
    result = run_qslint("check", "--output-format", "junit", "--output-file", str(output))
    assert result.exit_code == 1
    root = ET.parse(output).getroot()
    assert root.tag == "testsuites"
    assert root.get("name") == "qslint"
    # 4 problems, and one passing case for each of the 2 clean files
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "4", "0")
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == FILES
    cases = [(suite, case) for suite in suites for case in suite.findall("testcase")]
    for suite, _ in cases:
        tests, failures = int(suite.get("tests")), int(suite.get("failures"))
        assert tests == len(suite.findall("testcase")) and failures == len(
            suite.findall(".//failure")
        )
    passing = [case.get("classname") for _, case in cases if case.find("failure") is None]
    assert passing == ["clean.yaml", "dup-a.yaml"]
    assert {case.get("name") for _, case in cases if case.find("failure") is None} == {
        "no problems"
    }
    failing = [case for _, case in cases if case.find("failure") is not None]
    assert [len(case.findall("failure")) for case in failing] == [1, 1, 1, 1]  # one each
    assert [
        (case.get("classname"), case.get("file"), case.get("name"), case.get("line"))
        for case in failing
    ] == [(file, file, code, str(line)) for code, _, file, line, _ in EXPECTED]
    for case, (code, severity, file, line, column) in zip(failing, EXPECTED, strict=True):
        failure = case.find("failure")
        assert failure.get("type") == code
        detail = f"{file}:{line}:{column}: {code} [{severity}] {failure.get('message')}"
        assert failure.text == detail.replace("\r\n", "\n")  # XML reads a CR LF in text as LF
    assert failing[1].find("failure").get("message") == f"unknown field `{ODD_KEY}`"


def test_junit_infos_do_not_fail(run_qslint, write):
    write(".qslint.toml", '[severity]\nQS305 = "info"\n')
    write("weekly.yaml", VALID_JOB.replace("BucketPrefix: sales/weekly", "BucketPrefix: /sales"))
    result = run_qslint("check", "--output-format", "junit")
    root = ET.fromstring(result.stdout.encode())
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    assert [case.get("name") for case in root.findall("testsuite/testcase")] == ["no problems"]
    assert root.findall(".//failure") == []


def test_junit_replaces_characters_xml_cannot_carry(run_qslint, write):
    write("weekly.json", json.dumps({"AwsAccountId": "111122223333", "Bad\u0001Key": 1}))
    result = run_qslint("check", "--output-format", "junit")
    failures = ET.fromstring(result.stdout.encode()).findall(".//failure")
    assert "unknown field `Bad\ufffdKey`" in [failure.get("message") for failure in failures]


# Every format


MARKER = "MARKER-5e1d"
SENSITIVE = VALID_JOB.replace(
    "          Value: EMEA\n",  # QS501: the tag key repeats
    f"          Value: {MARKER}-tag1\n        - Key: region\n          Value: {MARKER}-tag2\n",
) + (
    "  Parameters:\n"
    "    StringParameters:\n"  # QS401: the name repeats
    f"      - {{Name: Region, Values: [{MARKER}-s1]}}\n"
    f"      - {{Name: Region, Values: ['{MARKER}-s2']}}\n"
    "    DateTimeParameters:\n"  # QS403: at the value itself
    f"      - {{Name: Start, Values: [{MARKER}-date]}}\n"
)


@pytest.mark.parametrize("output_format", FORMATS)
def test_sensitive_values_appear_in_no_format(run_qslint, write, output_format):
    write("weekly.yaml", SENSITIVE)
    result = run_qslint("check", "--show-source", "--output-format", output_format)
    assert result.exit_code == 1
    assert all(code in result.stdout for code in ("QS401", "QS403", "QS501"))
    assert MARKER not in result.stdout


# --statistics


def test_statistics_in_json_count_findings_per_rule(run_qslint, jobs):
    result = run_qslint("check", "--statistics", "--output-format", "json")

    assert result.exit_code == 1
    found = {code for code, *_ in EXPECTED}  # once each
    assert json.loads(result.stdout) == [
        {
            "code": code,
            "name": rule.name,
            "severity": str(rule.severity),
            "count": 1,
            "fixable": rule.fixable,
            "summary": rule.summary,
        }
        for code, rule in sorted((r.code, r) for r in load_rules() if r.code in found)
    ]


@pytest.mark.parametrize("output_format", sorted(set(FORMATS) - {"text", "json"}))
def test_statistics_in_another_format_is_refused(run_qslint, jobs, output_format):
    result = run_qslint("check", "--statistics", "--output-format", output_format)

    assert result.exit_code == 2
    assert result.stderr == (
        "qslint: --statistics counts findings in the text or json format only\n"
    )

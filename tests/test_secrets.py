"""Sensitive values never reach any output: every format, every flag, every error path.

Each sensitive field of a broken definition holds a unique marker, on lines that findings
point at; no output of any kind may contain it.
"""

from __future__ import annotations

import itertools
import json

import pytest

from qslint import runner
from qslint.findings import Severity
from qslint.report import FORMATS
from qslint.rule import Violation, job_rule, load_rules

MARKER = "S3CR3T-MARKER"

# Job rules run on definitions that match the schema: QS401, QS402, QS403 and QS404 on the
# lines that hold the marker (and QS501 on a tag's), and a fixable finding (QS210) for --diff.
JOB_FINDINGS = f"""\
AwsAccountId: "111122223333"
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:
        - {{Key: region, Value: {MARKER}-rls}}
        - {{Key: region, Value: "{MARKER}-rls-quoted"}}
DashboardId: sales-overview
SnapshotJobId: weekly-sales
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: CSV
          SheetSelections:
            - {{SheetId: summary, SelectionScope: SELECTED_VISUALS, VisualIds: [a, a]}}
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-reports
          BucketPrefix: sales/weekly
          BucketRegion: eu-west-1
  Parameters:
    StringParameters:
      - {{Name: Region, Values: [{MARKER}-string, "{MARKER}-string-2"]}}
      - {{Name: Region, Values: [{MARKER}-string-3]}}
      - {{Name: Empty, Values: []}}
    IntegerParameters:
      - {{Name: Count, Values: [99999999999999999999]}}
    DecimalParameters:
      - {{Name: Share, Values: [.inf]}}
    DateTimeParameters:
      - {{Name: Start, Values: ["{MARKER}-datetime", {MARKER}-datetime-plain]}}
"""

FLOW_TAG = f"{{Key: r, Value: {MARKER}, X: 1}}"
FLOW_USERS = f"{{AnonymousUsers: [{{RowLevelPermissionTags: [{FLOW_TAG}]}}]}}"
# Schema errors: QS103 on values of the wrong type (whose text is the marker) and on an
# unquoted account id (fixable, two lines above a tag value), QS104 (fixable).
SCHEMA_FINDINGS = f"""\
AwsAccountId: 111122223333
UserConfiguration: {FLOW_USERS}
DashboardId: sales-overview
SnapshotJobId: weekly-sales
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: pdf
          SheetSelections:
            - SheetId: summary
              SelectionScope: ALL_VISUALS
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-reports
          BucketPrefix: sales/weekly
          BucketRegion: eu-west-1
  Parameters:
    IntegerParameters:
      - {{Name: Count, Values: [{MARKER}-integer]}}
    DecimalParameters:
      - {{Name: Share, Values: ["{MARKER}-decimal"]}}
    DateTimeParameters:
      - {{Name: Start, Values: [[{MARKER}-datetime-in-a-list]]}}
"""

# A whole job on one line: the line a fix rewrites holds a tag value and parameter values.
ONE_LINE = (
    "{AwsAccountId: 111122223333, DashboardId: d, SnapshotJobId: j, UserConfiguration: "
    f"{{AnonymousUsers: [{{RowLevelPermissionTags: [{{Key: k, Value: {MARKER}-flow}}]}}]}}, "
    "SnapshotConfiguration: {FileGroups: [{Files: [{FormatType: CSV, SheetSelections: "
    "[{SheetId: s, SelectionScope: ALL_VISUALS}]}]}], DestinationConfiguration: "
    "{S3Destinations: [{BucketConfiguration: {BucketName: b, BucketPrefix: p, "
    "BucketRegion: eu-west-1}}]}, Parameters: {StringParameters: [{Name: n, Values: "
    f"[{MARKER}-flow-parameter, {{{MARKER}-as-key: x}}]}}]}}}}}}\n"
)
# Files that do not parse, with the marker on the line the parser stops at.
UNPARSABLE = {
    "quote.yaml": f"A: 1\nValues: ['{MARKER}-unterminated\n",
    "escape.yaml": f'A: 1\nValues: ["{MARKER}\\q"]\n',
    "tab.yaml": f"Values:\n\t- {MARKER}-tab\n",
    "colon.yaml": f"Value: {MARKER}: x: y\n",
    "json.json": f'{{"Value": "{MARKER}-json",}}\n',
    "control.json": f'{{"Value": "{MARKER}\t"}}\n',
    "number.yaml": "DecimalParameters:\n  - {Name: X, Values: [1e999]}\n",
}


@job_rule("QS998", "Raises with a value in its message", severity=Severity.ERROR)
def leaking_rule(job, context):
    """Raises an exception that quotes a sensitive value, like a careless plugin."""
    raise ValueError(f"bad value {MARKER}")
    yield Violation("unreachable")


@pytest.fixture
def broken(write, run_qslint):
    write("job.yaml", JOB_FINDINGS)
    write("typed.yaml", SCHEMA_FINDINGS)
    write("one-line.yaml", ONE_LINE)
    for name, text in UNPARSABLE.items():
        write(f"unparsable/{name}", text)
    result = run_qslint("check", "--no-cache", "--output-format", "json")
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"QS100", "QS103", "QS104", "QS401", "QS402", "QS403", "QS404"} <= codes


ARGUMENTS = [
    *(["--output-format", name] for name in FORMATS),
    ["--show-source"],
    ["--show-source", "--statistics"],
    ["--statistics"],
    ["--diff"],
    ["--quiet"],
]


@pytest.mark.parametrize("arguments", ARGUMENTS, ids=" ".join)
def test_no_output_holds_a_sensitive_value(broken, run_qslint, arguments):
    for cache in ("--no-cache", None):  # a result from the cache is no different
        result = run_qslint("check", *arguments, *filter(None, [cache]))
        assert result.exit_code == 1, result.output
        assert MARKER not in result.stdout
        assert MARKER not in result.stderr


def test_fix_output_holds_no_sensitive_value(broken, run_qslint):
    result = run_qslint("check", "--fix", "--show-source")
    assert "Fixed 4 problems." in result.stdout
    assert MARKER not in result.output


def test_an_internal_error_does_not_quote_its_exception(broken, run_qslint, monkeypatch):
    monkeypatch.setattr(runner, "load_rules", lambda: [*load_rules(), leaking_rule])
    for arguments in itertools.product(["--no-cache"], ["--show-source", "--no-show-source"]):
        result = run_qslint("check", *arguments)
        assert result.exit_code == 2
        assert "internal error in rule QS998" in result.stderr
        assert MARKER not in result.output


@pytest.mark.parametrize(
    ("name", "text", "codes"),
    [
        ("job.yaml", JOB_FINDINGS, {"QS401", "QS403", "QS501"}),
        ("typed.yaml", SCHEMA_FINDINGS, {"QS101", "QS103"}),
        ("one-line.yaml", ONE_LINE, {"QS103"}),
    ],
)
def test_findings_point_at_the_lines_that_hold_the_marker(broken, run_qslint, name, text, codes):
    result = run_qslint("check", "--no-cache", "--output-format", "json", name)
    marked = {number for number, line in enumerate(text.splitlines(), 1) if MARKER in line}
    found = {finding["code"] for finding in json.loads(result.stdout) if finding["line"] in marked}
    assert codes <= found

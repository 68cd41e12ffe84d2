"""Every independent problem of a file in one run.

A schema error (QS101–QS105) in one place never hides a rule's finding in another: the job
rules check the parts of a job that are well formed. One problem still gives one finding: no
rule reports at a node that holds a schema error, at it or under it.

Each case under ``tests/independent/`` is a realistic definition whose first line says what
one run reports, as the rule fixtures' do (``# expect: QS103@4 QS201@18``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_rules import Expected, all_rules, as_expected, expectation_of

from qslint.model import StartDashboardSnapshotJobRequest as Job
from qslint.rule import RuleContext, Violation, job_rule
from qslint.runner import RuleSets, lint
from qslint.settings import Overrides, Settings

CASES = sorted((Path(__file__).parent / "independent").glob("*.yaml"))


def check(
    path: Path, dashboards: Path | None = None, expected: tuple[Expected, ...] = ()
) -> list[Expected]:
    overrides = Overrides(region="eu-west-1", dashboards=dashboards)
    settings = Settings(overrides, cwd=path.parent, environ={})
    # Each case is a project of its own, as the rule fixtures are.
    result = lint([path], settings, RuleSets(all_rules()), whole_projects=False)
    assert not result.internal_errors, [error.details for error in result.internal_errors]
    return as_expected(result.findings, expected)


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_one_run_reports_every_independent_problem(path: Path) -> None:
    expected = expectation_of(path)
    assert check(path, expected=expected) == list(expected)


# Every field of a job with a value of the wrong shape: no rule can check anything, and none
# may fail for it.
EVERYTHING_BROKEN = """\
AwsAccountId: [111122223333]
DashboardId: {Id: sales}
SnapshotJobId: 7
UserConfiguration: [anonymous]
SnapshotConfiguration:
  FileGroups:
    - Files: PDF
    - Files: [PDF]
    - Files:
        - FormatType: [PDF]
          SheetSelections: summary
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration: acme-reports
      - {}
  Parameters:
    StringParameters: [Region]
    IntegerParameters:
      - {Name: [Year], Values: 2026}
"""


def test_rules_that_cannot_see_what_they_need_report_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(EVERYTHING_BROKEN, encoding="utf-8")
    codes = {code for _, code, _, _ in check(path)}
    assert codes <= {"QS101", "QS102", "QS103", "QS104", "QS105"}, codes


def test_cross_checks_need_the_account_and_dashboard(tmp_path: Path) -> None:
    """QS7xx rules read the job's account id: when it is not valid, they say nothing."""
    fixtures = Path(__file__).parent / "fixtures"
    text = (fixtures / "QS702" / "bad-sheet-id-typo.yaml").read_text(encoding="utf-8")
    path = tmp_path / "job.yaml"
    path.write_text(text.replace('"111122223333"', "111122223333"), encoding="utf-8")
    assert [code for _, code, _, _ in check(path, fixtures / "dashboards")] == ["QS103"]


def test_a_rule_that_cannot_read_an_item_is_run_a_bounded_number_of_times(
    tmp_path: Path,
) -> None:
    """Each run without one more unreadable item: a file of many stops item by item and
    leaves them all out at once, still checking every part it can."""
    groups = 200
    group = """\
    - Files:
        - FormatType: PDF
          SheetSelections:
            - {SheetId: sheet summary, SelectionScope: SELECTED_VISUALS, VisualIds: [v]}
"""
    path = tmp_path / "many.yaml"
    header = "AwsAccountId: '111122223333'\nDashboardId: sales\nSnapshotJobId: weekly\n"
    path.write_text(f"{header}SnapshotConfiguration:\n  FileGroups:\n{group * groups}")
    runs: list[int] = []

    @job_rule("TEST1", "Reads every SheetId")
    def reads_sheet_ids(job: Job, context: RuleContext) -> Iterator[Violation]:
        runs.append(1)
        for at, _, selection in job.selections():
            if selection.SheetId == "never":
                yield Violation("unreachable", path=at)

    settings = Settings(Overrides(region="eu-west-1"), cwd=tmp_path, environ={})
    rules = RuleSets([*all_rules(), reads_sheet_ids])
    result = lint([path], settings, rules, whole_projects=False)
    assert not result.internal_errors
    codes = Counter(finding.code for finding in result.findings)
    assert codes["QS105"] == groups  # every malformed SheetId
    assert codes["QS201"] == groups  # every PDF that selects visuals, read without its SheetId
    assert 1 < len(runs) <= 13

"""Repository rules see the project: a file checked alone is compared with every definition
its configuration selects from its folder, as ``qslint check`` on that folder would."""

from __future__ import annotations

import json

import pytest
from conftest import VALID_JOB

from qslint import checking

CONFIG = 'region = "eu-west-1"\n'


def findings(result):
    return [(f["file"], f["code"], f["line"]) for f in json.loads(result.stdout)]


def test_a_file_checked_alone_is_compared_with_the_project(run_qslint, write):
    write(".qslint.toml", CONFIG)
    write("jobs/weekly.yaml", VALID_JOB)
    write("jobs/weekly-copy.yaml", VALID_JOB)

    result = run_qslint("check", "--output-format", "json", "jobs/weekly-copy.yaml")

    assert findings(result) == [("jobs/weekly-copy.yaml", "QS601", 3)]
    [finding] = json.loads(result.stdout)
    assert finding["related"][0]["file"] == "jobs/weekly.yaml"


def test_the_project_is_only_compared_with_never_reported(run_qslint, write):
    write(".qslint.toml", CONFIG)
    write("jobs/a.yaml", VALID_JOB)
    write("jobs/b.yaml", VALID_JOB)  # a duplicate of a.yaml: neither is checked here
    write("jobs/c.yaml", VALID_JOB.replace("weekly-sales", "monthly-sales"))

    result = run_qslint("check", "--output-format", "json", "jobs/c.yaml")

    assert findings(result) == []
    assert result.exit_code == 0


def test_files_of_another_configuration_are_another_project(run_qslint, write):
    write(".qslint.toml", CONFIG)
    write("jobs/weekly.yaml", VALID_JOB)
    write("other-team/.qslint.toml", CONFIG)
    write("other-team/weekly.yaml", VALID_JOB)

    result = run_qslint("check", "--output-format", "json", "jobs/weekly.yaml")

    assert findings(result) == []


def test_without_a_configuration_file_the_run_is_the_project(run_qslint, write):
    write("jobs/weekly.yaml", VALID_JOB)
    write("jobs/weekly-copy.yaml", VALID_JOB)

    assert findings(run_qslint("check", "--output-format", "json", "jobs/weekly.yaml")) == []


def test_excluded_files_are_not_part_of_the_project(run_qslint, write):
    write(".qslint.toml", CONFIG + 'extend-exclude = ["drafts/"]\n')
    write("jobs/weekly.yaml", VALID_JOB)
    write("drafts/weekly.yaml", VALID_JOB)

    assert findings(run_qslint("check", "--output-format", "json", "jobs/weekly.yaml")) == []


def test_the_cache_keeps_a_one_file_run_from_parsing_the_project(
    run_qslint, write, monkeypatch: pytest.MonkeyPatch
):
    write(".qslint.toml", CONFIG)
    for week in range(5):
        write(f"jobs/week-{week}.yaml", VALID_JOB.replace("weekly-sales", f"sales-{week}"))
    write("jobs/new.yaml", VALID_JOB)
    parsed: list[str] = []
    check_task = checking.check_task

    def counting(checker, task):
        parsed.append(task.path)
        return check_task(checker, task)

    # Every file parsed: checked in the run, or a cached file that lost its jobs.
    monkeypatch.setattr(checking, "check_task", counting)

    run_qslint("check")  # fills the cache, as any earlier run or commit did
    assert len(parsed) == 6
    parsed.clear()
    write("jobs/new.yaml", VALID_JOB.replace("weekly-sales", "sales-0"))  # now a duplicate

    result = run_qslint("check", "--output-format", "json", "jobs/new.yaml")

    assert findings(result) == [("jobs/new.yaml", "QS601", 3)]
    assert parsed == ["jobs/new.yaml"]


def test_a_file_named_twice_through_a_link_is_checked_once(run_qslint, write, tmp_path):
    write("w.yaml", VALID_JOB.replace("sales-overview", "sales overview"))
    (tmp_path / "w2.yaml").symlink_to("w.yaml")
    for arguments in ((".",), ("w.yaml", "w2.yaml")):
        result = run_qslint("check", "--output-format", "json", "--no-cache", *arguments)
        assert [(f["file"], f["code"]) for f in json.loads(result.stdout)] == [("w.yaml", "QS105")]


def test_a_suppressed_duplicate_is_suppressed_whichever_copy_a_run_reports(run_qslint, write):
    """The hook reports the staged copy, a folder run the later one: one comment serves both."""
    write(".qslint.toml", CONFIG)
    write("jobs/z.yaml", VALID_JOB)
    meant = "SnapshotJobId: weekly-sales  # qslint: ignore[QS601] a deliberate second copy"
    write("jobs/a.yaml", VALID_JOB.replace("SnapshotJobId: weekly-sales", meant))

    for arguments in (("jobs/a.yaml",), (".",)):
        result = run_qslint("check", "--output-format", "json", *arguments)
        assert findings(result) == [], arguments


def test_a_configuration_that_ignores_qs601_beside_one_that_does_not(run_qslint, write):
    """The other's QS601 compares its jobs with every job of the run, the ignoring one's
    too, as the apply gate does: the service would get `a.yaml`'s job and `x.yaml`'s. Only
    the other's files are reported."""
    write(".qslint.toml", CONFIG + 'ignore = ["QS601"]\n')
    write("a.yaml", VALID_JOB)
    write("other/.qslint.toml", CONFIG)
    write("other/x.yaml", VALID_JOB)
    write("other/y.yaml", VALID_JOB)
    expected = [("other/x.yaml", "QS601", 3), ("other/y.yaml", "QS601", 3)]

    for cache in (["--no-cache"], [], []):  # the second is served from the cache
        result = run_qslint("check", "--output-format", "json", *cache, ".")
        assert result.exit_code == 1, result.output
        assert findings(result) == expected
    alone = run_qslint("check", "--output-format", "json", "other/x.yaml")
    (finding,) = json.loads(alone.stdout)  # compared with its project, `other/`, only
    assert finding["message"].endswith("is also defined at other/y.yaml:3:16")
    gate = run_qslint("plan", ".", "--run-key", "r1")
    assert gate.exit_code == 1
    assert [line.split()[:2] for line in gate.stderr.splitlines()[:2]] == [
        ["other/x.yaml:3:16:", "QS601"],
        ["other/y.yaml:3:16:", "QS601"],
    ]

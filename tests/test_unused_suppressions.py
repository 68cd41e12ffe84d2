"""QS901: a suppression comment that suppresses nothing is reported, and fixed away."""

from __future__ import annotations

import json

import pytest
from conftest import VALID_JOB, codes_and_lines

PREFIX = "BucketPrefix: sales/weekly"  # line 20 of VALID_JOB
SLASHED = "BucketPrefix: /sales/weekly"  # QS305 there
# A region: without one QS301 cannot run, and a bare `# qslint: ignore` is not judged.
CONFIG = 'region = "eu-west-1"\n'


def _with(line: str, replacement: str, text: str = VALID_JOB) -> str:
    assert line in text
    return text.replace(line, replacement)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # The comment ends a line: it goes with the spaces before it.
        (f"{PREFIX}   # qslint: ignore[QS305]", PREFIX),
        # Comment text follows the directive: only the directive goes.
        (f"{PREFIX}  # qslint: ignore[QS305] see ticket 12", f"{PREFIX}  # see ticket 12"),
        # A bare directive that suppresses nothing.
        (f"{PREFIX}  # qslint: ignore", PREFIX),
        # Of two codes, the one that suppresses nothing goes.
        (f"{SLASHED}  # qslint: ignore[QS305, QS201]", f"{SLASHED}  # qslint: ignore[QS305]"),
    ],
)
def test_unused_suppression_is_reported_and_fixed(run_qslint, write, tmp_path, before, after):
    write(".qslint.toml", CONFIG)
    write("weekly.yaml", _with(PREFIX, before))
    result = run_qslint("check", "--output-format", "json")
    (finding,) = json.loads(result.stdout)
    assert (finding["code"], finding["severity"], finding["line"]) == ("QS901", "warning", 20)
    assert finding["column"] == before.index("#") + 11  # the line's indentation is 10
    assert result.exit_code == 0  # a warning
    run_qslint("check", "--fix")
    assert (tmp_path / "weekly.yaml").read_text(encoding="utf-8") == _with(PREFIX, after)
    assert run_qslint("check", "--output-format", "json").stdout == "[]\n"


def test_a_comment_alone_on_its_line_is_removed_with_the_line(run_qslint, write, tmp_path):
    write("weekly.yaml", _with(PREFIX, f"# qslint: ignore[QS305]\n          {PREFIX}"))
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == [("QS901", 20)]
    run_qslint("check", "--fix")
    assert (tmp_path / "weekly.yaml").read_text(encoding="utf-8") == VALID_JOB


def test_a_comment_that_suppresses_a_repository_finding_is_in_use(run_qslint, write):
    write("a.yaml", VALID_JOB)
    copy = _with("SnapshotJobId: weekly-sales", "SnapshotJobId: weekly-sales  # qslint: ignore")
    write("b.yaml", copy)
    for _ in range(2):  # cold, then from the cache
        assert run_qslint("check", "--output-format", "json").stdout == "[]\n"


def test_the_finding_stays_when_the_duplicate_goes(run_qslint, write, tmp_path):
    write(".qslint.toml", CONFIG)
    write("a.yaml", VALID_JOB)
    copy = _with("SnapshotJobId: weekly-sales", "SnapshotJobId: weekly-sales  # qslint: ignore")
    write("b.yaml", copy)
    assert run_qslint("check", "--output-format", "json").stdout == "[]\n"
    (tmp_path / "a.yaml").unlink()
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == [("QS901", 3)]


def test_per_file_ignores_and_ignore_drop_qs901(run_qslint, write):
    write("weekly.yaml", _with(PREFIX, f"{PREFIX}  # qslint: ignore[QS305]"))
    assert run_qslint("check", "--ignore", "QS901", "--output-format", "json").stdout == "[]\n"
    write(".qslint.toml", '[per-file-ignores]\n"weekly.yaml" = ["QS9"]\n')
    assert run_qslint("check", "--output-format", "json").stdout == "[]\n"


@pytest.mark.parametrize(
    ("comment", "arguments"),
    [
        # QS7xx cross-check with dashboards: without them, no run can tell.
        ("# qslint: ignore[QS701]", ()),
        # QS301 compares with the region jobs are submitted in: this run knows none.
        ("# qslint: ignore[QS301]", ()),
        # A rule this run does not select might still need it in a run that does.
        ("# qslint: ignore[QS305]", ("--select", "QS2")),
        ("# qslint: ignore[QS3]", ("--ignore", "QS3")),
    ],
)
def test_a_suppression_no_rule_of_the_run_could_use_is_kept(
    run_qslint, write, tmp_path, comment, arguments
):
    write("weekly.yaml", _with(PREFIX, f"{PREFIX}  {comment}"))
    result = run_qslint("check", "--output-format", "json", *arguments)
    assert json.loads(result.stdout) == []
    run_qslint("check", "--fix", *arguments)
    assert comment in (tmp_path / "weekly.yaml").read_text(encoding="utf-8")


def test_a_misspelt_code_is_always_reported(run_qslint, write):
    write("weekly.yaml", _with(PREFIX, f"{PREFIX}  # qslint: ignore[QS3O5]"))
    result = run_qslint("check", "--output-format", "json", "--select", "QS2,QS9")
    assert codes_and_lines(result) == [("QS901", 20)]


def test_a_qs301_suppression_is_judged_where_the_configuration_names_the_region(run_qslint, write):
    # In the bucket's region it suppresses nothing; elsewhere it hides a QS301.
    region = "BucketRegion: eu-west-1"  # line 21
    write("weekly.yaml", _with(region, f"{region}  # qslint: ignore[QS301]"))
    write(".qslint.toml", CONFIG)
    in_the_region = run_qslint("check", "--output-format", "json")
    assert codes_and_lines(in_the_region) == [("QS901", 21)]
    write(".qslint.toml", 'region = "us-east-1"\n')
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == []


@pytest.mark.parametrize(
    ("config", "arguments", "environment"),
    [
        ("", ["--region", "eu-west-1"], {}),  # a region only this command line names
        ("", [], {"AWS_REGION": "eu-west-1"}),  # only this machine's environment
        ('region = "us-east-1"\n', ["--region", "eu-west-1"], {}),  # over the configuration's
    ],
)
def test_a_comment_that_may_hide_qs301_is_kept_where_the_region_is_not_the_projects(
    run_qslint, write, tmp_path, monkeypatch, config, arguments, environment
):
    # Another machine, or the same one without the flag, submits the jobs elsewhere: there
    # the comment hides a QS301, so this run must not --fix it away.
    region = "BucketRegion: eu-west-1"  # line 21
    write("weekly.yaml", _with(region, f"{region}  # qslint: ignore[QS301]"))
    write(".qslint.toml", config)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert codes_and_lines(run_qslint("check", "--output-format", "json", *arguments)) == []
    run_qslint("check", "--fix", *arguments)
    assert "# qslint: ignore[QS301]" in (tmp_path / "weekly.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "comment", ["# qslint: ignore[QS30]", "# qslint: ignore[QS3]", "# qslint: ignore"]
)
def test_without_a_region_a_comment_that_may_hide_qs301_is_kept(
    run_qslint, write, tmp_path, comment
):
    # It covers QS301, which runs where a region is known: --fix must not take it away.
    region = "BucketRegion: eu-west-1"  # line 21
    write("weekly.yaml", _with(region, f"{region}  {comment}"))
    assert run_qslint("check", "--output-format", "json").stdout == "[]\n"
    run_qslint("check", "--fix")
    assert comment in (tmp_path / "weekly.yaml").read_text(encoding="utf-8")
    elsewhere = run_qslint("check", "--output-format", "json", "--region", "us-east-1")
    assert codes_and_lines(elsewhere) == []  # it hides the QS301 of that region


@pytest.mark.parametrize("region", [[], ["--region", "eu-west-1"], ["--region", "us-east-1"]])
def test_a_finding_per_file_ignores_drop_uses_no_comment(run_qslint, write, region):
    # QS301 never reaches this file, so a comment on its bucket's region hides nothing:
    # every run says so, whatever its region.
    write(".qslint.toml", '[per-file-ignores]\n"weekly.yaml" = ["QS301"]\n')
    line = "BucketRegion: eu-west-1"  # line 21
    write("weekly.yaml", _with(line, f"{line}  # qslint: ignore"))
    result = run_qslint("check", "--output-format", "json", *region)
    assert codes_and_lines(result) == [("QS901", 21)]


@pytest.mark.parametrize(
    ("line", "comment", "arguments"),
    [
        (SLASHED, "# qslint: ignore", ["--ignore", "QS305"]),
        (SLASHED, "# qslint: ignore[QS30]", ["--ignore", "QS305"]),
        ("BucketRegion: us-east-1", "# qslint: ignore[QS3]", ["--ignore", "QS301"]),
        ("BucketRegion: us-east-1", "# qslint: ignore", ["--select", "QS1,QS9"]),
    ],
)
def test_a_comment_for_a_rule_the_command_line_drops_is_kept(
    run_qslint, write, tmp_path, line, comment, arguments
):
    # The configuration's runs need it: a run with other flags must not --fix it away.
    write(".qslint.toml", CONFIG)
    text = _with("BucketRegion: eu-west-1", line) if "Region" in line else _with(PREFIX, line)
    write("weekly.yaml", text.replace(line, f"{line}  {comment}"))
    assert json.loads(run_qslint("check", "--output-format", "json", *arguments).stdout) == []
    run_qslint("check", "--fix", *arguments)
    assert comment in (tmp_path / "weekly.yaml").read_text(encoding="utf-8")
    assert json.loads(run_qslint("check", "--output-format", "json").stdout) == []


def test_a_bare_comment_is_judged_where_the_configuration_drops_qs301(
    run_qslint, write, monkeypatch
):
    # No run of the project runs QS301, whatever its region: nothing to keep the comment for.
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    write(".qslint.toml", 'ignore = ["QS301"]\n')
    write("weekly.yaml", _with(PREFIX, f"{PREFIX}  # qslint: ignore"))
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == [("QS901", 20)]


def test_a_bare_comment_is_judged_by_what_the_configuration_drops(run_qslint, write):
    # Every run of the project shares the configuration's `ignore`: nothing to keep it for.
    write(".qslint.toml", CONFIG + 'ignore = ["QS305"]\n')
    write("weekly.yaml", _with(PREFIX, f"{SLASHED}  # qslint: ignore"))
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == [("QS901", 20)]

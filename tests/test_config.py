"""Configuration: discovery, every key, and clear errors for what does not exist."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import VALID_JOB, codes_and_lines, exit_and_findings
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec import GitIgnoreSpec

from qslint import sources
from qslint.config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE
from qslint.sources import glob_matcher

WRONG_REGION = VALID_JOB.replace("BucketRegion: eu-west-1", "BucketRegion: us-east-1")
SLASHED_PREFIX = VALID_JOB.replace("BucketPrefix: sales/weekly", "BucketPrefix: /sales/weekly")


def seven_groups(job: str) -> str:
    group = job[job.index("    - Files:") : job.index("  DestinationConfiguration")]
    return job.replace(group, group * 7)


def test_pyproject_table_is_found_from_a_subfolder(run_qslint, write, tmp_path, monkeypatch):
    write("pyproject.toml", '[tool.qslint]\nregion = "eu-west-1"\n')
    write("jobs/weekly.yaml", WRONG_REGION)
    monkeypatch.chdir(tmp_path / "jobs")
    result = run_qslint("check", ".", "--output-format", "json")
    assert codes_and_lines(result) == [("QS301", 21)]


def test_pyproject_without_table_is_passed_over(run_qslint, write, tmp_path, monkeypatch):
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("jobs/pyproject.toml", "[project]\nname = 'x'\n")
    write("jobs/weekly.yaml", WRONG_REGION)
    monkeypatch.chdir(tmp_path / "jobs")
    assert codes_and_lines(run_qslint("check", "--output-format", "json")) == [("QS301", 21)]


def test_qslint_toml_wins_over_pyproject_in_the_same_folder(run_qslint, write):
    write("pyproject.toml", '[tool.qslint]\nregion = "eu-west-1"\n')
    write(".qslint.toml", 'region = "us-east-1"\n')
    write("weekly.yaml", WRONG_REGION)
    assert exit_and_findings(run_qslint) == (0, [])  # us-east-1, the bucket's region


def test_region_precedence(run_qslint, write, monkeypatch):
    write("weekly.yaml", WRONG_REGION)
    wrong_region = (1, [("QS301", 21)])
    assert exit_and_findings(run_qslint) == (0, [])  # no region known: QS301 is silent
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert exit_and_findings(run_qslint) == wrong_region
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert exit_and_findings(run_qslint) == (0, [])
    write(".qslint.toml", 'region = "eu-west-1"\n')
    assert exit_and_findings(run_qslint) == wrong_region
    assert exit_and_findings(run_qslint, "--region", "us-east-1") == (0, [])


def test_unknown_key_is_an_error_naming_it(run_qslint, write):
    write(".qslint.toml", 'regoin = "eu-west-1"\n')
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check")
    assert result.exit_code == 2
    assert "unknown configuration key `regoin`" in result.stderr
    assert "Traceback" not in result.output


def test_wrong_type_is_an_error_naming_the_key(run_qslint, write):
    write(".qslint.toml", 'ignore = "QS502"\n')
    result = run_qslint("check")
    assert result.exit_code == 2
    assert "`ignore` must be an array" in result.stderr


def test_invalid_toml_is_an_error(run_qslint, write):
    write(".qslint.toml", "region = \n")
    result = run_qslint("check")
    assert result.exit_code == 2
    assert ".qslint.toml: cannot read configuration" in result.stderr


def test_select_and_ignore_from_config(run_qslint, write):
    write(
        "weekly.yaml", SLASHED_PREFIX.replace("BucketRegion: eu-west-1", "BucketRegion: us-east-1")
    )
    write(".qslint.toml", 'region = "eu-west-1"\nignore = ["QS3"]\nselect = ["QS305"]\n')
    result = run_qslint("check", "--output-format", "json")
    assert codes_and_lines(result) == [("QS305", 20)]  # the more specific selector wins


def test_cli_select_overrides_and_cli_ignore_extends(run_qslint, write):
    write(
        "weekly.yaml", SLASHED_PREFIX.replace("BucketRegion: eu-west-1", "BucketRegion: us-east-1")
    )
    write(".qslint.toml", 'region = "eu-west-1"\nignore = ["QS305"]\n')
    both = run_qslint("check", "--output-format", "json", "--select", "QS301,QS305")
    assert codes_and_lines(both) == [("QS301", 21)]
    none = run_qslint("check", "--output-format", "json", "--ignore", "qs301")
    assert codes_and_lines(none) == []


def test_selector_matching_no_rule_is_an_error(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check", "--select", "QS999")
    assert result.exit_code == 2
    assert "'QS999' matches no rule" in result.stderr


def test_per_file_ignores(run_qslint, write):
    write("drafts/weekly.yaml", SLASHED_PREFIX)
    write("live/weekly.yaml", SLASHED_PREFIX.replace("weekly-sales", "weekly-sales-live"))
    write(".qslint.toml", '[per-file-ignores]\n"drafts/*.yaml" = ["QS305"]\n')
    result = run_qslint("check", "--output-format", "json")
    assert [(f["file"], f["code"]) for f in json.loads(result.stdout)] == [
        ("live/weekly.yaml", "QS305")
    ]


def test_per_file_ignores_all_drops_every_rule(run_qslint, write):
    write("drafts/weekly.yaml", SLASHED_PREFIX.replace("sales-overview", "Sales Overview"))
    write("live/weekly.yaml", SLASHED_PREFIX.replace("weekly-sales", "weekly-sales-live"))
    write(".qslint.toml", '[per-file-ignores]\n"drafts/*.yaml" = ["ALL"]\n')
    result = run_qslint("check", "--output-format", "json")
    assert [(f["file"], f["code"]) for f in json.loads(result.stdout)] == [
        ("live/weekly.yaml", "QS305")
    ]


def test_severity_override(run_qslint, write):
    write("weekly.yaml", SLASHED_PREFIX)
    assert exit_and_findings(run_qslint) == (0, [("QS305", 20)])  # QS305 is a warning
    write(".qslint.toml", '[severity]\nQS305 = "error"\n')
    result = run_qslint("check")
    assert result.exit_code == 1
    assert "QS305 [error]" in result.stdout


def test_severity_override_errors(run_qslint, write):
    write(".qslint.toml", '[severity]\nQS305 = "fatal"\n')
    assert "must be one of error, warning, info" in run_qslint("check").stderr
    write(".qslint.toml", '[severity]\nQS999 = "error"\n')
    assert "there is no rule QS999" in run_qslint("check").stderr


def test_rule_option_changes_the_limit(run_qslint, write):
    write("weekly.yaml", seven_groups(VALID_JOB))
    assert ("QS207", 41) in codes_and_lines(run_qslint("check", "--output-format", "json"))
    write(".qslint.toml", "[options.QS207]\nmax-file-groups = 7\n")
    assert "QS207" not in run_qslint("check").stdout


def test_rule_option_errors(run_qslint, write):
    write(".qslint.toml", "[options.QS207]\nmax-groups = 7\n")
    result = run_qslint("check")
    assert result.exit_code == 2
    assert "QS207 has no such option (its options: max-file-groups)" in result.stderr
    write(".qslint.toml", '[options.QS207]\nmax-file-groups = "7"\n')
    assert "must be of type int" in run_qslint("check").stderr


def test_include_and_exclude(run_qslint, write):
    write("snapshots/weekly.yaml", SLASHED_PREFIX)
    write("snapshots/old/weekly.yaml", SLASHED_PREFIX)
    write("k8s/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
    write(".github/workflows/ci.yml", "on: push\n")
    write(".qslint.toml", 'include = ["snapshots/**/*.yaml"]\nextend-exclude = ["old/"]\n')
    result = run_qslint("check", "--output-format", "json")
    assert [f["file"] for f in json.loads(result.stdout)] == ["snapshots/weekly.yaml"]


def test_force_exclude_applies_globs_to_named_files(run_qslint, write):
    write("k8s/deployment.yaml", "apiVersion: apps/v1\n")
    write(".qslint.toml", 'include = ["snapshots/**/*.yaml"]\n')
    assert exit_and_findings(run_qslint, "k8s/deployment.yaml") == (1, [("QS100", 1)])
    result = run_qslint("check", "--force-exclude", "k8s/deployment.yaml")
    assert result.exit_code == 0
    assert "All checks passed (0 files checked)." in result.stdout


@pytest.mark.parametrize(
    "patterns",
    [
        [".git", "node_modules/", "*.tmp.yaml", "snapshots/**/draft-*.yaml", "/top.yaml"],
        ["*.yaml", "!keep.yaml", "legacy/"],  # a negation: pathspec decides
        ["# a comment", "", "a?c.json", "[ab]/x.yml"],
        [".git", "venv", "*.yaml", ".venv/"],  # names in any folder: one shared start
        DEFAULT_INCLUDE,
        DEFAULT_EXCLUDE,
    ],
)
def test_glob_matcher_agrees_with_pathspec(patterns):
    spec = GitIgnoreSpec.from_lines(patterns)
    matches = glob_matcher(patterns)
    paths = [
        ".git/", "a/.git/", "node_modules/x.yaml", "x.tmp.yaml", "a/b/x.tmp.yaml", "top.yaml",
        "a/top.yaml", "snapshots/a/draft-1.yaml", "other/snapshots/draft-1.yaml", "keep.yaml",
        "a/keep.yaml", "legacy/", "legacy/x.yaml", "abc.json", "a/abc.json", "b/x.yml", "c/x.yml",
        "venv", "a/venv/b.yaml", "xvenv/a.yaml", "a.venv", ".venv", "a/.venv/", "x.yaml/",
        ".github/workflows/ci.yml", "a/.gitlab-ci.yml", ".gitlab-ci.yml.bak", "a.yml/b",
    ]  # fmt: skip
    assert [bool(matches(path)) for path in paths] == [spec.match_file(path) for path in paths]


@pytest.mark.parametrize("patterns", [DEFAULT_INCLUDE, DEFAULT_EXCLUDE])
def test_default_globs_are_translated_as_pathspec_translates_them(patterns):
    # The defaults' regular expressions are written out so that a run need not import
    # pathspec; they must stay what pathspec makes of the defaults.
    assert sources._TRANSLATED[patterns] == sources.translate(GitIgnoreSpec.from_lines(patterns))


_PARTS = st.sampled_from(
    [
        *("a", "x.yaml", "x.yml", "b.json", ".git", ".github", "venv", "node_modules", "\n", ""),
        *(".pre-commit-config.yaml", ".gitlab-ci.yml"),  # excluded, with a definition's suffix
    ]
)
_NAMES = st.lists(_PARTS, min_size=1, max_size=3).map("".join)


@settings(max_examples=300)
@given(folders=st.lists(st.just("") | _NAMES, max_size=3), name=_NAMES)
def test_a_walk_selects_by_name_what_the_default_globs_select_by_path(
    folders: list[str], name: str
):
    """A walk matches a folder once and then each file's name; the globs match the path."""
    defaults = SimpleNamespace(include=DEFAULT_INCLUDE, exclude=DEFAULT_EXCLUDE)
    selector = sources.FileSelector(
        Path("/project"), glob_matcher(DEFAULT_INCLUDE), glob_matcher(DEFAULT_EXCLUDE)
    )
    folder = "".join(f"{part}/" for part in folders)
    by_name = sources._names_selected(defaults, selector, folder)  # type: ignore[arg-type]
    # Matched whole: a folder with a newline, or `/` alone (an empty first name).
    assert (by_name is None) == ("\n" in folder[:-1] or folder == "/")
    if by_name is not None:
        assert by_name(name) == selector.selects(folder + name)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('select = ["QS99"]', "`select`"),
        ('ignore = ["QZ"]', "`ignore`"),
        ('ignore = "QS1"', "`ignore`"),
        ("include = [1]", "`include[0]`"),
        ('region = "eu-wst-1"', "`region`"),
        ("max-depth = 500", "`max-depth`"),
        ('[per-file-ignores]\n"drafts/*.yaml" = ["QZ"]', '`per-file-ignores."drafts/*.yaml"`'),
        ('[per-file-ignores]\n"drafts/*.yaml" = "QS1"', '`per-file-ignores."drafts/*.yaml"`'),
        ('[severity]\nQS999 = "error"', "`severity.QS999`"),
        ('[severity]\nQS305 = "fatal"', "`severity.QS305`"),
        ("[options.QS207]\nmax-groups = 7", "`options.QS207.max-groups`"),
        ('[options.QS207]\nmax-file-groups = "7"', "`options.QS207.max-file-groups`"),
        ("[options.QS999]\na = 1", "`options.QS999`"),
        ('dashboards = "exports/"', "`dashboards`"),
        ("unknown = 1", "unknown configuration key `unknown`"),
    ],
)
def test_every_configuration_error_names_the_file_and_key(run_qslint, write, table, key):
    config = write("team/.qslint.toml", table + "\n")
    write("team/weekly.yaml", VALID_JOB)

    result = run_qslint("check", "team")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"qslint: {config}: {key}"), result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("flag", "value"), [("--select", "QS99"), ("--ignore", "QZ"), ("--dashboards", "exports")]
)
def test_a_wrong_flag_is_blamed_on_the_flag_not_the_configuration(run_qslint, write, flag, value):
    write(".qslint.toml", 'select = ["QS1", "QS2"]\n')
    write("weekly.yaml", VALID_JOB)

    result = run_qslint("check", flag, value)

    assert result.exit_code == 2
    assert f"{flag}" in result.stderr
    assert ".qslint.toml" not in result.stderr

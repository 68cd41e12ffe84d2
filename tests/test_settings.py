"""Settings, resolved once: the configuration nearest each file, ``--config``, one region.

The monorepo: ``eu/`` and ``us/`` with a ``.qslint.toml`` each, and one job in each folder
whose bucket is in us-east-1. Only the eu job is in the wrong region, wherever qslint runs
from and however the files are named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import VALID_JOB, RunQslint, exit_and_findings

from qslint.settings import Overrides, Settings

US_BUCKET = VALID_JOB.replace("BucketRegion: eu-west-1", "BucketRegion: us-east-1")


def findings(result: object) -> list[tuple[str, str]]:
    return [(item["file"], item["code"]) for item in json.loads(result.stdout)]  # type: ignore[attr-defined]


@pytest.fixture
def monorepo(write) -> Path:
    write("repo/eu/.qslint.toml", 'region = "eu-west-1"\n')
    write("repo/us/.qslint.toml", 'region = "us-east-1"\n')
    write("repo/eu/weekly.yaml", US_BUCKET)
    us_job = US_BUCKET.replace("SnapshotJobId: weekly-sales", "SnapshotJobId: weekly-sales-us")
    return write("repo/us/weekly.yaml", us_job).parent.parent


def test_each_file_gets_its_nearest_configuration_from_the_root(
    run_qslint: RunQslint, monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo)
    result = run_qslint("check", "--output-format", "json", "--no-cache")
    assert findings(result) == [("eu/weekly.yaml", "QS301")]


def test_each_file_gets_its_nearest_configuration_from_outside(
    run_qslint: RunQslint, monorepo: Path
) -> None:
    result = run_qslint("check", "repo", "--output-format", "json", "--no-cache")
    assert findings(result) == [("repo/eu/weekly.yaml", "QS301")]
    folder = run_qslint("check", "repo/eu/", "--output-format", "json", "--no-cache")
    assert findings(folder) == [("repo/eu/weekly.yaml", "QS301")]


def test_each_file_gets_its_nearest_configuration_hook_style(
    run_qslint: RunQslint, monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo)
    named = ("eu/weekly.yaml", "us/weekly.yaml", "eu/.qslint.toml")
    result = run_qslint("check", "--force-exclude", "--output-format", "json", *named)
    assert findings(result) == [("eu/weekly.yaml", "QS301")]


def test_the_same_ids_in_two_regions_are_two_jobs(run_qslint, write):
    """Dashboards are regional: QS601 compares jobs of one region only."""
    write("eu/.qslint.toml", 'region = "eu-west-1"\n')
    write("us/.qslint.toml", 'region = "us-east-1"\n')
    write("eu/weekly.yaml", VALID_JOB)
    write("us/weekly.yaml", US_BUCKET)
    write("us/copy.yaml", US_BUCKET)
    result = run_qslint("check", "eu", "us", "--output-format", "json", "--no-cache")
    assert findings(result) == [("us/weekly.yaml", "QS601")]
    assert "in account 111122223333, us-east-1, is also defined at us/copy.yaml" in result.stdout


def test_hook_style_keeps_out_what_a_walk_keeps_out(run_qslint, write):
    """A folder with a configuration of its own is entered only if the one above allows it."""
    write(".qslint.toml", 'region = "eu-west-1"\nextend-exclude = ["vendor/"]\n')
    write("vendor/pkg/.qslint.toml", 'region = "eu-west-1"\n')
    write("vendor/pkg/x.yaml", US_BUCKET)
    write("jobs/x.yaml", US_BUCKET)
    walked = run_qslint("check", "--output-format", "json", "--no-cache")
    named = run_qslint(
        "check", "--force-exclude", "--output-format", "json", "vendor/pkg/x.yaml", "jobs/x.yaml"
    )
    assert findings(walked) == findings(named) == [("jobs/x.yaml", "QS301")]


def test_a_folder_configuration_selects_its_own_files(run_qslint: RunQslint, write) -> None:
    write(".qslint.toml", 'include = ["jobs/*.yaml"]\n')
    write("jobs/weekly.yaml", VALID_JOB)
    write("other/.qslint.toml", 'include = ["*.json"]\n')
    write("other/weekly.yaml", VALID_JOB.replace("sales-overview", "sales overview"))
    result = run_qslint("check", "--output-format", "json", "--no-cache")
    assert findings(result) == []
    assert "1 file" in run_qslint("check", "--no-cache").stdout


def test_config_forces_one_configuration_for_every_file(
    run_qslint: RunQslint, monorepo: Path, write
) -> None:
    write("shared.toml", 'region = "us-east-1"\n')
    result = run_qslint("check", "repo", "--config", "shared.toml", "--output-format", "json")
    assert findings(result) == []
    write("eu-only.toml", 'region = "eu-west-1"\n')
    result = run_qslint("check", "repo", "--config", "eu-only.toml", "--output-format", "json")
    assert findings(result) == [("repo/eu/weekly.yaml", "QS301"), ("repo/us/weekly.yaml", "QS301")]


def test_config_that_does_not_exist_is_one_line(run_qslint: RunQslint) -> None:
    result = run_qslint("check", "--config", "nowhere.toml")
    assert result.exit_code == 2
    assert result.stderr == "qslint: --config: no such file: nowhere.toml\n"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("flag", "qslint: --region: unknown AWS region `eu-wst-1`; did you mean `eu-west-1`?\n"),
        ("config", ".qslint.toml: `region`: unknown AWS region `eu-wst-1`; did you mean"),
        ("AWS_REGION", "qslint: AWS_REGION: unknown AWS region `eu-wst-1`; did you mean"),
        ("AWS_DEFAULT_REGION", "qslint: AWS_DEFAULT_REGION: unknown AWS region `eu-wst-1`"),
    ],
)
def test_an_unknown_region_is_a_configuration_error_with_a_suggestion(
    run_qslint: RunQslint, write, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    write("weekly.yaml", VALID_JOB)
    arguments = ["check"]
    if where == "flag":
        arguments += ["--region", "eu-wst-1"]
    elif where == "config":
        write(".qslint.toml", 'region = "eu-wst-1"\n')
    else:
        monkeypatch.setenv(where, "eu-wst-1")
    result = run_qslint(*arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_region_of_the_aws_profile_comes_last(
    run_qslint: RunQslint, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("weekly.yaml", US_BUCKET)
    write("aws-config", "[default]\nregion = eu-west-1\n[profile us]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    wrong_region = (1, [("QS301", 21)])
    assert exit_and_findings(run_qslint, "--no-cache") == wrong_region  # default: eu-west-1
    assert exit_and_findings(run_qslint, "--no-cache", "--profile", "us") == (0, [])
    monkeypatch.setenv("AWS_PROFILE", "us")
    assert exit_and_findings(run_qslint, "--no-cache") == (0, [])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # the environment wins
    assert exit_and_findings(run_qslint, "--no-cache") == wrong_region


def test_region_precedence_in_one_place(tmp_path: Path) -> None:
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    environ = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-west-2"}

    def region(overrides: Overrides, env: dict[str, str]) -> str | None:
        return Settings(overrides, cwd=tmp_path, environ=env).for_folder(tmp_path).region

    assert region(Overrides(region="ap-south-1"), environ) == "ap-south-1"
    assert region(Overrides(), environ) == "eu-west-1"
    (tmp_path / ".qslint.toml").write_text("")
    assert region(Overrides(), environ) == "us-east-1"
    assert region(Overrides(), {"AWS_DEFAULT_REGION": "us-west-2"}) == "us-west-2"
    no_profile = {"AWS_CONFIG_FILE": str(tmp_path / "none")}
    assert region(Overrides(), no_profile) is None


def test_settings_read_each_configuration_once(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    settings = Settings(cwd=tmp_path, environ={})
    first = settings.for_folder(tmp_path / "a" / "b")
    assert settings.for_file(tmp_path / "a" / "job.yaml") is first
    assert first.target.region == "eu-west-1"
    assert first.file == tmp_path / ".qslint.toml"


def test_a_misspelt_configured_region_is_an_error_even_under_region(run_qslint, write):
    write(".qslint.toml", 'region = "eu-wst-1"\n')
    result = run_qslint("check", "--region", "eu-west-1")
    assert result.exit_code == 2
    assert "`region`: unknown AWS region `eu-wst-1`" in result.stderr


def test_an_unused_environment_region_is_no_error(run_qslint, monorepo, monkeypatch):
    """Every file names its region: a broken AWS_REGION in the shell is nobody's region."""
    monkeypatch.chdir(monorepo)
    monkeypatch.setenv("AWS_REGION", "eu-wst-1")
    result = run_qslint("check", "--output-format", "json", "--no-cache")
    assert findings(result) == [("eu/weekly.yaml", "QS301")]


def test_the_profile_is_found_in_botocores_order(tmp_path: Path) -> None:
    (tmp_path / "aws").write_text(
        "[profile a]\nregion = eu-west-1\n[profile b]\nregion = us-east-1\n"
    )
    environ = {
        "AWS_CONFIG_FILE": str(tmp_path / "aws"),
        "AWS_DEFAULT_PROFILE": "a",
        "AWS_PROFILE": "b",
    }
    assert Settings(cwd=tmp_path, environ=environ).for_folder(tmp_path).region == "eu-west-1"


NO_REGION = (
    "qslint: warning: QS301 did not run: no region is known (set `region` in the "
    "configuration or AWS_REGION, or ignore QS301)\n"
)


def test_a_run_without_a_region_says_qs301_did_not_run(run_qslint, monorepo, write):
    # Silent, QS301 would seem to have found every bucket in the right region.
    write("repo/global/weekly.yaml", US_BUCKET)
    for output_format in ("text", "json"):
        result = run_qslint("check", "--output-format", output_format, "repo/global")
        assert (result.exit_code, result.stderr) == (0, NO_REGION)
    both = run_qslint("check", "--output-format", "json", "repo")  # one folder has none
    assert (findings(both), both.stderr) == ([("repo/eu/weekly.yaml", "QS301")], NO_REGION)
    for arguments in (["--region", "us-east-1"], ["--ignore", "QS301"], ["--select", "QS1"]):
        result = run_qslint("check", *arguments, "repo/global")
        assert (result.exit_code, result.stderr) == (0, ""), arguments
    configured = run_qslint("check", "repo/eu", "repo/us")
    assert configured.stderr == ""
    write("repo/global/ci.yaml", "on: push\njobs: {build: {runs-on: ubuntu-latest}}\n")
    workflow = run_qslint("check", "--force-exclude", "repo/global/ci.yaml")  # no definition
    assert workflow.stderr == "qslint: warning: no job definition files under the given paths\n"
    write("repo/global/.qslint.toml", '[per-file-ignores]\n"*.yaml" = ["QS3"]\n')
    assert run_qslint("check", "repo/global").stderr == ""  # ignored for every file


def test_a_yaml_rows_file_is_no_definition_that_qs301_skipped(run_qslint, write):
    # Walked, it is the template's rows: only the template could have lost QS301.
    from corpus import FAN_OUT_TEMPLATE

    write("jobs/weekly.yaml", FAN_OUT_TEMPLATE.replace("tenants.csv", "tenants.yaml"))
    write("jobs/tenants.yaml", "- {tenant: acme, tenant_id: t-1, top: 3}\n")
    write(".qslint.toml", '[per-file-ignores]\n"jobs/weekly.yaml" = ["QS301"]\n')
    result = run_qslint("check", "--no-cache", "jobs")
    assert (result.exit_code, result.stderr) == (0, "")


EMPTY_REGION = "empty; name the AWS region jobs are submitted in"


def test_an_empty_region_is_a_configuration_error(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    configuration = write(".qslint.toml", 'region = ""\n')
    configured = run_qslint("check", "weekly.yaml")
    expected = f"qslint: {configuration}: `region`: {EMPTY_REGION}\n"
    assert (configured.exit_code, configured.stderr) == (2, expected)
    configuration.write_text("")
    given = run_qslint("check", "--region", "", "weekly.yaml")
    assert (given.exit_code, given.stderr) == (2, f"qslint: --region: {EMPTY_REGION}\n")

"""One target: apply submits in the region its lint gate checked, the same value boto3 gets.

Real boto3 over HTTP against the emulator, which records the region each call was signed
for; the emulator refuses a job whose bucket is in another region, as QuickSight does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from applying import job_yaml
from click.testing import CliRunner, Result
from conftest import exit_and_findings

from qslint.cli import cli
from qslint.emulator.server import Emulator
from qslint.emulator.service import Settings

FAST = Settings(queued_seconds=0.0, running_seconds=0.1, region="us-east-1")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake credentials, no AWS region or profile in the environment, as the working folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "emulator")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(FAST) as running:
        yield running


def qslint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def apply(emulator: Emulator, *paths: str) -> Result:
    args = ["apply", *paths, "--all", "--endpoint-url", emulator.url, "--poll-interval", "0.1"]
    return qslint(*args, "--journal", ".qslint/journal.json", "--run-key", "regions")


def regions(emulator: Emulator) -> Counter[str]:
    return Counter(job.region for job in emulator.service.jobs())


def test_the_configured_region_wins_over_aws_default_region(
    workspace: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / ".qslint.toml").write_text('region = "eu-west-1"\n')
    (workspace / "jobs").mkdir()
    for number in range(3):
        (workspace / "jobs" / f"job-{number}.yaml").write_text(
            job_yaml(f"job-{number}", region="eu-west-1")
        )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    result = apply(emulator, "jobs")

    assert result.exit_code == 0, result.output
    assert "Submitting 3 jobs in eu-west-1." in result.stderr
    assert "3 jobs: 3 completed" in result.stdout
    assert regions(emulator) == {"eu-west-1": 3}


def test_aws_region_alone_serves_apply_as_it_serves_check(
    workspace: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "job.yaml").write_text(job_yaml("weekly", region="eu-west-1"))
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    assert exit_and_findings(qslint, "job.yaml") == (0, [])
    result = apply(emulator, "job.yaml")

    assert result.exit_code == 0, result.output
    assert regions(emulator) == {"eu-west-1": 1}


def test_each_folder_is_planned_and_submitted_in_its_own_region(
    workspace: Path, emulator: Emulator
) -> None:
    """The same job in two regions: dashboards and job ids are regional, so two jobs."""
    for folder, region in (("eu", "eu-west-1"), ("us", "us-east-1")):
        (workspace / folder).mkdir()
        (workspace / folder / ".qslint.toml").write_text(f'region = "{region}"\n')
        (workspace / folder / "job.yaml").write_text(job_yaml("weekly", region=region))

    plan = qslint("plan", "eu", "us")
    assert plan.exit_code == 0, plan.output
    rows = {line.split()[0]: line.split()[1:3] for line in plan.stdout.splitlines()[3:5]}
    assert rows == {
        "eu/job.yaml": ["111122223333", "eu-west-1"],
        "us/job.yaml": ["111122223333", "us-east-1"],
    }

    result = apply(emulator, "eu", "us")

    assert result.exit_code == 0, result.output
    assert "Submitting 1 job in eu-west-1, 1 job in us-east-1." in result.stderr
    assert "2 jobs: 2 completed" in result.stdout
    assert sorted(
        (job.job_id.rsplit("-", 1)[0], job.region) for job in emulator.service.jobs()
    ) == [
        ("weekly", "eu-west-1"),
        ("weekly", "us-east-1"),
    ]


def test_a_lint_gate_in_the_wrong_region_submits_nothing(
    workspace: Path, emulator: Emulator
) -> None:
    (workspace / ".qslint.toml").write_text('region = "eu-west-1"\n')
    (workspace / "job.yaml").write_text(job_yaml("weekly", region="us-east-1"))

    result = apply(emulator, "job.yaml")

    assert result.exit_code == 1
    assert "QS301" in result.stderr
    assert emulator.service.calls() == []


def test_no_region_anywhere_is_one_line(workspace: Path, emulator: Emulator) -> None:
    (workspace / "job.yaml").write_text(job_yaml("weekly", region="eu-west-1"))

    plan = qslint("plan", "job.yaml")
    result = apply(emulator, "job.yaml")

    assert plan.exit_code == result.exit_code == 2
    for said in (plan.stderr, result.stderr):
        assert said.startswith("qslint: no AWS region: pass --region, set `region`")
        assert said.endswith(" (for job.yaml)\n")
    assert emulator.service.calls() == []

"""plan / apply / estimate end to end: real boto3 against the emulator, real git, a real
SIGKILL. The emulator records every call; the assertions are on that record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qslint.apply.plan import estimate_minutes, submitted_job_id
from qslint.cli import cli
from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, Settings

REGION = "eu-west-1"
SECRETS = ("EMEA-SECRET", "parameter-secret")  # sensitive values the definitions hold
# Short emulated jobs, long enough that twelve run at once and a thirteenth must wait.
QUICK = Settings(queued_seconds=0.2, running_seconds=2.5, region=REGION)
POLL = "1.0"


def job_yaml(name: str, *, account: str = "111122223333", prefix: str = "daily") -> str:
    return textwrap.dedent(
        f"""\
        AwsAccountId: "{account}"
        DashboardId: sales
        SnapshotJobId: {name}
        UserConfiguration:
          AnonymousUsers:
            - RowLevelPermissionTags:
                - {{Key: region, Value: {SECRETS[0]}}}
        SnapshotConfiguration:
          FileGroups:
            - Files:
                - FormatType: PDF
                  SheetSelections:
                    - {{SheetId: summary, SelectionScope: ALL_VISUALS}}
          DestinationConfiguration:
            S3Destinations:
              - BucketConfiguration:
                  BucketName: acme-reports
                  BucketPrefix: {prefix}
                  BucketRegion: {REGION}
          Parameters:
            StringParameters:
              - {{Name: Team, Values: [{SECRETS[1]}]}}
            DateTimeParameters:
              - {{Name: Day, Values: [2026-01-31]}}
        """
    )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a qslint configuration and fake AWS credentials, as the working directory."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "emulator",
        "AWS_SECRET_ACCESS_KEY": "emulator",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    (tmp_path / ".qslint.toml").write_text(f'region = "{REGION}"\n')
    (tmp_path / "jobs").mkdir()
    return tmp_path


def write_jobs(folder: Path, count: int, **options: str) -> list[str]:
    names = [f"job-{number:02d}" for number in range(count)]
    for name in names:
        (folder / f"{name}.yaml").write_text(job_yaml(name, **options))
    return names


def qslint(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def apply_args(emulator: Emulator, *extra: str) -> list[str]:
    return [
        "apply",
        "--region",
        REGION,
        "--endpoint-url",
        emulator.url,
        "--poll-interval",
        POLL,
        *extra,
    ]


def submitted_names(emulator: Emulator) -> Counter[str]:
    """How many jobs the service holds per definition name (the id less its time suffix)."""
    return Counter(job.job_id.rsplit("-", 1)[0] for job in emulator.service.jobs())


def statuses(report_file: Path) -> dict[str, str]:
    """Job name -> final status, from an apply ``--report``."""
    report = json.loads(report_file.read_text())
    return {job["name"]: job["status"] for job in report["jobs"]}


def figures(emulator: Emulator, started: float) -> str:
    service = emulator.service
    return (
        f"{len(service.jobs())} jobs: at most {service.peak_running()} running at once, at most "
        f"{service.max_calls_per_second()} calls in one second, {len(service.calls())} calls, "
        f"{time.monotonic() - started:.1f}s wall time"
    )


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(QUICK) as running:
        yield running


def test_thirty_jobs_run_once_each_within_the_limits(workspace, emulator, capsys):
    names = write_jobs(workspace / "jobs", 30)
    started = time.monotonic()
    result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
    with capsys.disabled():
        print(f"\n30-job run: {figures(emulator, started)}")
    assert result.exit_code == 0, result.output
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    assert emulator.service.peak_running() == 12  # the limit was reached, never passed
    assert emulator.service.max_calls_per_second() <= 10
    assert not [call for call in emulator.service.calls() if call.status >= 400]
    report = json.loads((workspace / "report.json").read_text())
    assert report["counts"] == {"completed": 30}
    assert all(job["files"] == ["s3://acme-reports/…"] for job in report["jobs"])
    for secret in SECRETS:
        assert secret not in result.output
    assert not (workspace / ".qslint" / "apply-journal.json").exists()


def test_the_same_guarantees_under_injected_faults(workspace):
    names = write_jobs(workspace / "jobs", 30)
    faults = Faults(
        error_rate=0.05,
        throttle_rate=0.05,
        drop_rate=0.05,
        slow_rate=0.05,
        slow_seconds=0.3,
        seed=4,
    )
    settings = Settings(queued_seconds=0.2, running_seconds=2.5, region=REGION, faults=faults)
    with Emulator(settings) as emulator:
        started = time.monotonic()
        result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
        print(f"30 jobs with faults: {figures(emulator, started)}")
    assert result.exit_code == 0, result.output
    answered = Counter(call.status for call in emulator.service.calls())
    assert answered[0] and answered[429] and answered[500]  # every kind of fault happened
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    assert emulator.service.peak_running() <= 12
    assert emulator.service.max_calls_per_second() <= 10
    assert statuses(workspace / "report.json") == dict.fromkeys(names, "completed")


def test_sigkill_midway_then_rerun_submits_nothing_twice_and_loses_nothing(workspace, emulator):
    names = write_jobs(workspace / "jobs", 16)
    command = [sys.executable, "-m", "qslint", *apply_args(emulator, "jobs")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:

        def halfway(service) -> bool:
            starts = [c for c in service.calls() if c.operation == "StartDashboardSnapshotJob"]
            return len(starts) >= 8

        assert emulator.service.wait_for(halfway, timeout=60)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    journal = json.loads((workspace / ".qslint" / "apply-journal.json").read_text())
    assert len(journal["jobs"]) == 16
    before = len(emulator.service.jobs())
    assert 0 < before < 16

    result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
    assert result.exit_code == 0, result.output
    assert "Resuming from" in result.output
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    assert statuses(workspace / "report.json") == dict.fromkeys(names, "completed")
    assert emulator.service.max_calls_per_second() <= 10 * 2  # two processes, one each
    assert not (workspace / ".qslint" / "apply-journal.json").exists()


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def test_changed_since_submits_only_what_changed(workspace, emulator, monkeypatch):
    for name, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    jobs = workspace / "jobs"
    write_jobs(jobs, 4)  # job-00 .. job-03
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "four jobs")
    # job-00: reformatted and commented only; job-01: a real change; job-02: deleted;
    # job-03: untouched; job-04: new.
    text = (jobs / "job-00.yaml").read_text()
    (jobs / "job-00.yaml").write_text("# the daily sales pack\n" + text.replace(": ", ":   "))
    (jobs / "job-01.yaml").write_text(job_yaml("job-01", prefix="weekly"))
    (jobs / "job-02.yaml").unlink()
    (jobs / "job-04.yaml").write_text(job_yaml("job-04"))
    git("add", ".")
    git("commit", "-q", "-m", "change some")

    plan = qslint("plan", "jobs", "--changed-since", "HEAD~1")
    assert plan.exit_code == 0, plan.output
    assert "Jobs to submit: 2" in plan.output
    assert "unchanged since HEAD~1" in plan.output
    assert "deleted since HEAD~1 (not acted on)" in plan.output
    assert not emulator.service.calls()  # plan calls no AWS API

    result = qslint(*apply_args(emulator, "jobs", "--changed-since", "HEAD~1"))
    assert result.exit_code == 0, result.output
    assert set(submitted_names(emulator)) == {"job-01", "job-04"}

    unknown = qslint("plan", "jobs", "--changed-since", "no-such-ref")
    assert unknown.exit_code == 2


def test_one_invalid_definition_and_nothing_is_submitted(workspace, emulator):
    write_jobs(workspace / "jobs", 3)
    broken = job_yaml("broken").replace("FormatType: PDF", "FormatType: Pdf")
    (workspace / "jobs" / "broken.yaml").write_text(broken)
    result = qslint(*apply_args(emulator, "jobs"))
    assert result.exit_code == 1
    assert "QS104" in result.output
    assert "nothing submitted" in result.output
    assert emulator.service.calls() == []
    assert qslint("plan", "jobs").exit_code == 1


def test_final_errors_are_reported_with_the_service_message_and_others_still_run(
    workspace, emulator
):
    write_jobs(workspace / "jobs", 2)
    elsewhere = job_yaml("elsewhere").replace(f"BucketRegion: {REGION}", "BucketRegion: us-east-1")
    (workspace / "jobs" / "elsewhere.yaml").write_text(elsewhere)
    # QS301 would stop the run at the gate; this checks the service's own refusal.
    (workspace / ".qslint.toml").write_text(f'region = "{REGION}"\nignore = ["QS301"]\n')
    result = qslint(*apply_args(emulator, "jobs", "--exact-job-ids", "--report", "r.json"))
    assert result.exit_code == 1
    assert "must be in the region the job is started in (eu-west-1)" in result.output
    assert statuses(workspace / "r.json") == {
        "elsewhere": "error",
        "job-00": "completed",
        "job-01": "completed",
    }
    assert sorted(job.job_id for job in emulator.service.jobs()) == ["job-00", "job-01"]


def test_no_wait_submits_and_returns(workspace, emulator):
    write_jobs(workspace / "jobs", 3)
    result = qslint(*apply_args(emulator, "jobs", "--no-wait", "--exact-job-ids", "--report", "r"))
    assert result.exit_code == 0, result.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == ["job-00", "job-01", "job-02"]
    assert set(statuses(workspace / "r").values()) == {"submitted"}
    assert not any(
        call.operation == "DescribeDashboardSnapshotJobResult" for call in emulator.service.calls()
    )


def test_show_sensitive_shows_the_result_uris(workspace, emulator):
    write_jobs(workspace / "jobs", 1)
    result = qslint(*apply_args(emulator, "jobs", "--show-sensitive", "--exact-job-ids"))
    assert result.exit_code == 0, result.output
    assert "s3://acme-reports/daily/job-00/user-0/group-0.pdf" in result.output


def test_estimate_follows_the_api_pages_example():
    assert estimate_minutes(100, 12) == 108
    result = qslint("estimate", "--jobs", "100", "--minutes-per-wave", "12", "--deadline", "12:00")
    assert result.exit_code == 0
    assert "100 jobs in 9 waves of up to 12: 9 × 12 min = 108 minutes" in result.output
    assert "latest start for a 12:00 deadline: 10:12" in result.output


def test_submitted_job_ids_are_valid_and_bounded():
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 31, 12, 0, 5, tzinfo=UTC)
    assert submitted_job_id("weekly-sales", moment) == "weekly-sales-20260131T120005Z"
    long = submitted_job_id("x" * 600, moment)
    assert len(long) == 512
    assert long.endswith("-20260131T120005Z")


def test_apply_never_imports_boto3_for_check():
    probe = "import sys, qslint.cli; print('boto3' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "False"

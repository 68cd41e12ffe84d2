"""plan / apply / estimate end to end: real boto3 against the emulator, real git, a real
SIGKILL. The emulator records every call; the assertions are on that record."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from applying import (
    SECRETS,
    apply_args,
    git,
    job_yaml,
    statuses,
    submitted_names,
    write_jobs,
)

from qslint.apply.identity import job_id_for
from qslint.apply.plan import estimate_minutes
from qslint.emulator.server import Emulator
from qslint.emulator.service import ACTIVE, Faults, QuickSightService, Settings, SnapshotJob

REGION = "eu-west-1"
# Jobs that run until released (see release_full_waves): twelve run at once and a thirteenth
# must wait, however slowly the machine lets the first twelve start.
LONG = Settings(queued_seconds=0.2, running_seconds=3600.0, region=REGION)


def figures(emulator: Emulator) -> str:
    service = emulator.service
    return (
        f"{len(service.jobs())} jobs: at most {service.peak_running()} running at once, at most "
        f"{service.max_calls_per_second()} calls in one second, {len(service.calls())} calls, "
        f"{service.clock.now() - service.clock.origin:.1f} emulated seconds"
    )


@pytest.fixture
def workspace(aws_workspace: Path) -> Path:
    return aws_workspace


def release_full_waves(emulator: Emulator, total: int) -> threading.Thread:
    """Finish the active jobs each time twelve are active, and once all ``total`` started."""
    service = emulator.service
    released: set[str] = set()

    def unreleased(service: QuickSightService) -> list[SnapshotJob]:
        now = service.clock.now()
        return [j for j in service.jobs() if j.status(now) in ACTIVE and j.job_id not in released]

    def wave_is_full(service: QuickSightService) -> bool:
        waiting = unreleased(service)
        return len(waiting) == 12 or bool(waiting and len(service.jobs()) == total)

    def release() -> None:
        for _ in range(total):  # each wave releases one job at least: bounded
            if not service.wait_for(wave_is_full, timeout=60):
                return
            wave = unreleased(service)
            # All end together, once the last queued one started: they all ran at once.
            end = max(job.started for job in wave) + 0.001
            for job in wave:
                job.running_seconds = end - job.started
                released.add(job.job_id)
            if len(service.jobs()) == total and not unreleased(service):
                return

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


def test_thirty_jobs_run_once_each_within_the_limits(workspace, fast_clock, qslint, capsys):
    names = write_jobs(workspace / "jobs", 30)
    with Emulator(LONG, clock=fast_clock) as emulator:
        releasing = release_full_waves(emulator, 30)
        result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
        releasing.join(timeout=60)
    with capsys.disabled():
        print(f"\n30-job run: {figures(emulator)}")
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


def test_the_same_guarantees_under_injected_faults(workspace, fast_clock, qslint):
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
    with Emulator(settings, clock=fast_clock) as emulator:
        result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
        print(f"30 jobs with faults: {figures(emulator)}")
    assert result.exit_code == 0, result.output
    answered = Counter(call.status for call in emulator.service.calls())
    assert answered[0] and answered[429] and answered[500]  # every kind of fault happened
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    assert emulator.service.peak_running() <= 12
    assert emulator.service.max_calls_per_second() <= 10
    assert statuses(workspace / "report.json") == dict.fromkeys(names, "completed")


def kill_after(emulator: Emulator, command: list[str], calls: int) -> None:
    """Run ``command``, and SIGKILL it once the emulator has seen ``calls`` more calls."""
    at = len(emulator.service.calls()) + calls
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert emulator.service.wait_for(lambda service: len(service.calls()) >= at, timeout=60)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL


def test_sigkill_midway_and_at_random_moments_then_rerun_loses_and_duplicates_nothing(
    workspace, emulator, fast_clock, qslint
):
    names = write_jobs(workspace / "jobs", 16)
    command = fast_clock.command(*apply_args(emulator, "jobs"))
    kill_after(emulator, command, calls=8)  # midway through the starts
    journal = json.loads((workspace / ".qslint" / "apply-journal.json").read_text())
    assert len(journal["jobs"]) == 16
    assert 0 < len(emulator.service.jobs()) < 16
    moments = random.Random(14).sample(range(1, 30), 2)  # then after so many calls of a run
    for moment in moments:
        kill_after(emulator, command, calls=moment)

    result = qslint(*apply_args(emulator, "jobs", "--report", "report.json"))
    print(f"killed after 8 calls, then {moments}; then: {result.output.splitlines()[-1]}")
    assert result.exit_code == 0, result.output
    assert "Resuming from" in result.output
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    ended = statuses(workspace / "report.json")  # a job may have ended while none ran
    assert sorted(ended) == sorted(names)
    assert set(ended.values()) <= {"completed", "already exported"}
    assert emulator.service.max_calls_per_second() <= 10 * 2  # two processes, one each
    assert not (workspace / ".qslint" / "apply-journal.json").exists()


def test_changed_since_submits_only_what_changed(workspace, emulator, qslint):
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

    result = qslint(
        *apply_args(emulator, "jobs", run_key=None, baseline=("--changed-since", "HEAD~1"))
    )
    assert result.exit_code == 0, result.output
    assert set(submitted_names(emulator)) == {"job-01", "job-04"}

    unknown = qslint("plan", "jobs", "--changed-since", "no-such-ref")
    assert unknown.exit_code == 2


def test_one_invalid_definition_and_nothing_is_submitted(workspace, emulator, qslint):
    write_jobs(workspace / "jobs", 3)
    broken = job_yaml("broken").replace("FormatType: PDF", "FormatType: Pdf")
    (workspace / "jobs" / "broken.yaml").write_text(broken)
    result = qslint(*apply_args(emulator, "jobs"))
    assert result.exit_code == 1
    assert "QS104" in result.output
    assert "nothing submitted" in result.output
    assert emulator.service.calls() == []
    planned = qslint("plan", "jobs")
    assert planned.exit_code == 1
    assert "broken.yaml:11:23: QS104" in planned.output


def test_final_errors_are_reported_with_the_service_message_and_others_still_run(
    workspace, emulator, qslint
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


def test_no_wait_submits_and_returns(workspace, emulator, qslint):
    write_jobs(workspace / "jobs", 3)
    result = qslint(*apply_args(emulator, "jobs", "--no-wait", "--exact-job-ids", "--report", "r"))
    assert result.exit_code == 0, result.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == ["job-00", "job-01", "job-02"]
    assert set(statuses(workspace / "r").values()) == {"submitted"}
    assert not any(
        call.operation == "DescribeDashboardSnapshotJobResult" for call in emulator.service.calls()
    )


def test_show_sensitive_shows_the_result_uris(workspace, emulator, qslint):
    write_jobs(workspace / "jobs", 1)
    result = qslint(*apply_args(emulator, "jobs", "--show-sensitive", "--exact-job-ids"))
    assert result.exit_code == 0, result.output
    assert "Submitting 1 job in eu-west-1." in result.output
    assert result.output.splitlines()[-1] == "1 job: 1 completed; 0 retries"
    assert "s3://acme-reports/daily/job-00/user-0/group-0.pdf" in result.output


def test_estimate_follows_the_api_pages_example(qslint):
    assert estimate_minutes(100, 12) == 108
    result = qslint("estimate", "--jobs", "100", "--minutes-per-wave", "12", "--deadline", "12:00")
    assert result.exit_code == 0
    assert "100 jobs in 9 waves of up to 12: 9 × 12 min = 108 minutes" in result.output
    assert "latest start for a 12:00 deadline: 10:12" in result.output


def test_submitted_job_ids_are_derived_from_the_definition_and_run_key_and_bounded(workspace):
    from qslint.apply.plan import PlannedJob

    def job(name: str, prefix: str = "daily") -> PlannedJob:
        request = {"SnapshotJobId": name, "SnapshotConfiguration": {"Prefix": prefix}}
        return PlannedJob("f", "1", REGION, "d", name, ("PDF",), request)

    ids = job_id_for("commit-1", exact=False)
    first = ids(job("weekly-sales"), 1)
    assert first == ids(job("weekly-sales"), 1)  # the same deployment, the same id
    assert first.startswith("weekly-sales-") and len(first) == len("weekly-sales-") + 12
    assert ids(job("weekly-sales"), 2) == f"{first}-2"  # the retry of a failed export
    assert ids(job("weekly-sales", prefix="monthly"), 1) != first  # another definition
    assert job_id_for("commit-2", exact=False)(job("weekly-sales"), 1) != first
    long = ids(job("x" * 600), 3)
    assert len(long) == 512
    assert long.endswith(f"{ids(job('x' * 600), 1)[-13:]}-3")
    exact = job_id_for("commit-1", exact=True)
    assert (exact(job("weekly-sales"), 1), exact(job("weekly-sales"), 2)) == (
        "weekly-sales",
        "weekly-sales-2",
    )


def test_apply_never_imports_boto3_for_check():
    probe = "import sys, qslint.cli; print('boto3' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "False"

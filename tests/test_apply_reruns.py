"""Re-runs of one deployment: whatever fails, each definition is exported once.

Real boto3 over HTTP against the emulator, real git clones, real processes run at once or
killed with SIGKILL; apply and the emulator share one fast clock. The emulator's record of
jobs is the ground truth: one job per definition (or one per attempt of a failed export).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

from applying import (
    QUICK,
    apply_args,
    git,
    git_repository,
    starts,
    statuses,
    submitted_names,
    write_jobs,
)

from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults

REGION = "eu-west-1"
ONLY_STARTS = frozenset({"StartDashboardSnapshotJob"})


def test_starts_whose_answers_are_lost_after_they_took_effect_are_followed_not_repeated(
    aws_workspace, fast_clock, qslint, capsys
):
    names = write_jobs(aws_workspace / "jobs", 20)
    faults = Faults(drop_rate=0.4, unavailable_rate=0.3, seed=3, operations=ONLY_STARTS)
    with Emulator(replace(QUICK, faults=faults), clock=fast_clock) as emulator:
        result = qslint(*apply_args(emulator, "jobs", "--report", "r.json"))
    lost = Counter(c.status for c in emulator.service.calls() if c.status in (0, 503))
    with capsys.disabled():
        print(f"\n20 jobs, starts lost after effect {dict(lost)}: {result.output.splitlines()[-1]}")
    assert result.exit_code == 0, result.output
    assert lost[0] and lost[503]
    assert statuses(aws_workspace / "r.json") == dict.fromkeys(names, "completed")
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    assert not (aws_workspace / ".qslint" / "apply-journal.json").exists()


def test_the_same_deployment_from_a_fresh_clone_creates_no_new_job(
    aws_workspace, emulator, qslint, monkeypatch
):
    names = write_jobs(aws_workspace / "jobs", 5)
    git_repository(aws_workspace)
    first = qslint(*apply_args(emulator, "jobs", run_key=None))
    assert first.exit_code == 0, first.output
    jobs_before = sorted(job.job_id for job in emulator.service.jobs())

    git("clone", "-q", str(aws_workspace), str(aws_workspace / "clone"))
    monkeypatch.chdir(aws_workspace / "clone")  # another runner: no journal, same commit
    again = qslint(*apply_args(emulator, "jobs", "--report", "r.json", run_key=None))
    assert again.exit_code == 0, again.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == jobs_before
    assert statuses(Path("r.json")) == dict.fromkeys(names, "already exported")
    assert "5 jobs: 5 already exported; 0 retries" in again.output


def test_the_examples_applied_again_are_followed_whatever_form_their_values_take(
    aws_workspace, emulator, qslint
):
    examples = Path(__file__).parent.parent / "examples"
    for example in [*examples.glob("*.yaml"), *examples.glob("*.json")]:
        shutil.copy(example, aws_workspace / "jobs")  # timestamps as strings, dates, lists
    first = qslint(*apply_args(emulator, "jobs"))
    assert first.exit_code == 0, first.output
    jobs_before = sorted(job.job_id for job in emulator.service.jobs())
    again = qslint(*apply_args(emulator, "jobs"))
    assert again.exit_code == 0, again.output
    assert "7 jobs: 7 already exported" in again.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == jobs_before


def test_two_applies_started_at_once_create_no_new_job(aws_workspace, emulator, fast_clock):
    # The account's rate is shared with other callers: each run meets throttling it did
    # not cause, and must absorb it.
    emulator.service.settings = replace(QUICK, max_requests_per_second=6)
    names = write_jobs(aws_workspace / "jobs", 12)
    git_repository(aws_workspace)
    git("clone", "-q", str(aws_workspace), str(aws_workspace / "clone"))
    runs = [
        subprocess.Popen(
            fast_clock.command(*apply_args(emulator, "jobs", run_key=None)),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for folder in (aws_workspace, aws_workspace / "clone")
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    answered = Counter(call.status for call in emulator.service.calls())
    print(f"two runs at once: {dict(answered)}")
    assert answered[409]  # ResourceExists: the two runs met at the service
    assert answered[429]  # throttled by the other callers, and absorbed
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
    # Each job ran once: followed by both runs, or found already exported by the later one.
    for output in outputs:
        counted = re.search(r"^12 jobs: (.*); \d+ retr", output, re.MULTILINE)
        assert counted, output
        numbers = re.fullmatch(
            r"(?:(\d+) already exported)?(?:, )?(?:(\d+) completed)?", counted[1]
        )
        assert numbers and sum(int(n or 0) for n in numbers.groups()) == 12, counted[1]


def test_a_failed_export_is_retried_once_by_the_next_run_and_a_completed_one_never(
    aws_workspace, emulator, qslint
):
    names = write_jobs(aws_workspace / "jobs", 3)
    emulator.service.settings = replace(QUICK, job_failure_rate=1.0)
    failed = qslint(*apply_args(emulator, "jobs"))
    assert failed.exit_code == 1
    assert "3 jobs: 3 failed" in failed.output

    emulator.service.settings = QUICK
    retried = qslint(*apply_args(emulator, "jobs", "--report", "r.json"))
    assert retried.exit_code == 0, retried.output
    report = json.loads(Path("r.json").read_text())
    assert {job["attempt"] for job in report["jobs"]} == {2}
    again = qslint(*apply_args(emulator, "jobs"))
    assert again.exit_code == 0, again.output
    assert submitted_names(emulator) == Counter(dict.fromkeys(names, 2))  # a failure, a retry
    assert sorted(job.status(emulator.service.clock.now()) for job in emulator.service.jobs()) == [
        *["COMPLETED"] * 3,
        *["FAILED"] * 3,
    ]


def journal_states(path: Path) -> list[str]:
    """The state of each job in the journal at ``path`` (written atomically), or none yet."""
    try:
        return sorted(entry["state"] for entry in json.loads(path.read_text())["jobs"].values())
    except FileNotFoundError:
        return []


def test_a_journaled_job_the_service_does_not_know_is_started_under_its_id(
    aws_workspace, fast_clock, qslint
):
    write_jobs(aws_workspace / "jobs", 4)
    journal_path = aws_workspace / ".qslint" / "apply-journal.json"
    long_jobs = replace(QUICK, running_seconds=600.0)
    with Emulator(long_jobs, clock=fast_clock) as forgetful:
        process = subprocess.Popen(
            fast_clock.command(*apply_args(forgetful, "jobs")), stderr=subprocess.DEVNULL
        )
        try:  # killed once its four jobs are started and journaled as such
            assert forgetful.service.wait_for(
                lambda service: journal_states(journal_path) == ["submitted"] * 4, timeout=60
            )
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait()
        ids = sorted(job.job_id for job in forgetful.service.jobs())
    assert journal_states(journal_path) == ["submitted"] * 4
    with Emulator(QUICK, clock=fast_clock) as emulator:  # a service that never saw them
        result = qslint(*apply_args(emulator, "jobs"))
    assert result.exit_code == 0, result.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == ids
    assert not journal_path.exists()


def test_an_id_that_exists_with_another_definition_is_a_conflict_not_a_success(
    aws_workspace, emulator, qslint
):
    write_jobs(aws_workspace / "jobs", 1)
    first = qslint(*apply_args(emulator, "jobs", "--exact-job-ids"))
    assert first.exit_code == 0, first.output
    write_jobs(aws_workspace / "jobs", 1, prefix="weekly")  # the same id, another export
    emulator.service.settings = replace(
        QUICK, faults=Faults(error_rate=0.5, seed=2, operations=ONLY_STARTS)
    )
    second = qslint(*apply_args(emulator, "jobs", "--exact-job-ids", "--report", "r.json"))
    assert second.exit_code == 1
    assert "job-00 already exists on dashboard sales with another definition" in second.output
    assert statuses(aws_workspace / "r.json") == {"job-00": "error"}
    assert "completed" not in second.output.splitlines()[-1]
    assert starts(emulator) >= 2


def test_jobs_an_earlier_run_exported_are_said_so_and_counted_apart(
    aws_workspace, emulator, qslint
):
    names = write_jobs(aws_workspace / "jobs", 3)
    first = qslint(*apply_args(emulator, "jobs", run_key="deploy-1"))
    assert first.exit_code == 0, first.output
    assert first.stdout.endswith("3 jobs: 3 completed; 0 retries\n")
    jobs_before = sorted(job.job_id for job in emulator.service.jobs())

    again = qslint(*apply_args(emulator, "jobs", "--report", "r.json", run_key="deploy-1"))
    assert again.exit_code == 0, again.output
    assert sorted(job.job_id for job in emulator.service.jobs()) == jobs_before
    logged = [line.split(" ", 1)[1] for line in again.stderr.splitlines()[1:]]
    said = [line for line in logged if "already exported" in line]
    assert len(said) == 3
    assert all(
        line.endswith(f"already exported by this deployment (run key deploy-1) (jobs/{name}.yaml)")
        for line, name in zip(sorted(said), names, strict=True)
    )
    assert not [line for line in logged if " running " in line or " completed " in line]
    table = again.stdout.splitlines()
    assert [row.split()[1:3] for row in table[1:4]] == [["already", "exported"]] * 3
    assert all("s3://acme-reports/… (1 file)" in row for row in table[1:4])
    assert table[-2:] == [
        "3 jobs: 3 already exported; 0 retries",
        "Already exported by this deployment (run key deploy-1): a new --run-key exports "
        "them again.",
    ]
    report = json.loads(Path("r.json").read_text())
    assert report["counts"] == {"already exported": 3}
    assert statuses(Path("r.json")) == dict.fromkeys(names, "already exported")


def test_with_exact_job_ids_the_id_is_the_deployment(aws_workspace, emulator, qslint):
    write_jobs(aws_workspace / "jobs", 1)
    first = qslint(*apply_args(emulator, "jobs", "--exact-job-ids"))
    assert first.exit_code == 0, first.output
    again = qslint(*apply_args(emulator, "jobs", "--exact-job-ids"))
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines()[-1].endswith(
        "job-00 already exported by this deployment (job ids as written) (jobs/job-00.yaml)"
    )
    assert again.stdout.splitlines()[-2:] == [
        "1 job: 1 already exported; 0 retries",
        "Already exported by this deployment (job ids as written): another SnapshotJobId "
        "exports them again (the same one, 24 hours on).",
    ]
    assert starts(emulator) == 2  # the second refused: the service has the id

"""apply against garbage, silence, load and its own broken files: a clear line, never a
traceback; nothing lost, half-written or sent twice.

Real boto3 over HTTP against the emulator (or a socket that never answers), on a fast clock
shared by apply and the emulator; real processes for Ctrl-C and for the CPU load.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from applying import QUICK, apply_args, git, git_repository, job_yaml, statuses, write_jobs

from qslint.apply.journal import Journal
from qslint.aws.client import quicksight_client
from qslint.config import Target
from qslint.emulator.routes import error_status
from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, max_in_window

REGION = "eu-west-1"
JOURNAL = Path(".qslint") / "apply-journal.json"
ONE_HOUR = 3600.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "cannot read the journal"),
        ('{"version": 1, "jobs": {}}', "not a qslint journal of version 2"),
        ('{"version": 2}', "it lists no jobs"),
        ('{"version": 2, "jobs": {"k": "a string"}}', "job 'k' is not an object"),
        (
            '{"version": 2, "jobs": {"k": {"job_id": "j", "digest": "d", "file": "f", '
            '"attempt": 1, "state": "odd"}}}',
            "job 'k' has an unknown state 'odd'",
        ),
    ],
)
def test_a_journal_that_cannot_be_understood_is_one_line_naming_it(
    aws_workspace, emulator, qslint, text, says
):
    write_jobs(aws_workspace / "jobs", 1)
    JOURNAL.parent.mkdir()
    JOURNAL.write_text(text)
    for _ in range(2):  # and it is not left locked
        result = qslint(*apply_args(emulator, "jobs"))
        assert result.exit_code == 2
        error = result.output.splitlines()[-1]
        assert error.startswith(f"qslint: {JOURNAL}: ") and says in error
    assert emulator.service.calls() == []


def test_a_journal_that_cannot_be_saved_mid_run_still_ends_with_summary_and_report(
    aws_workspace, emulator, qslint
):
    names = write_jobs(aws_workspace / "jobs", 3)
    # The jobs run until the journal is broken, however slowly the machine gets there.
    emulator.service.settings = replace(QUICK, running_seconds=ONE_HOUR)

    def break_the_journal() -> None:
        service = emulator.service
        service.wait_for(lambda service: len(service.jobs()) == 3, timeout=60)
        while not JOURNAL.is_dir():  # the journal's name becomes a folder, whatever apply writes
            with contextlib.suppress(FileNotFoundError):
                JOURNAL.unlink()
            with contextlib.suppress(FileExistsError, NotADirectoryError):
                (JOURNAL / "in-the-way").mkdir(parents=True)
        for job in service.jobs():
            job.running_seconds = max(0.0, service.clock.now() - job.started)

    breaker = threading.Thread(target=break_the_journal, daemon=True)
    breaker.start()
    result = qslint(*apply_args(emulator, "jobs", "--report", "r.json"))
    breaker.join(timeout=60)
    assert result.exit_code == 1
    assert "3 jobs: 3 completed" in result.output
    assert result.output.splitlines()[-1].startswith(
        f"qslint: the journal could not be saved ({JOURNAL}: "
    )
    assert "Traceback" not in result.output
    assert statuses(aws_workspace / "r.json") == dict.fromkeys(names, "completed")


def test_two_applies_in_one_folder_are_refused(aws_workspace, emulator, qslint):
    write_jobs(aws_workspace / "jobs", 1)
    running = Journal(JOURNAL)
    running.open()  # as an apply in progress holds it
    try:
        refused = qslint(*apply_args(emulator, "jobs"))
    finally:
        running.close()
    assert refused.exit_code == 2
    assert refused.output.splitlines()[-1] == f"qslint: {JOURNAL}: another qslint apply is using it"
    assert emulator.service.calls() == []


def test_report_and_journal_are_checked_before_the_first_call(aws_workspace, emulator, qslint):
    write_jobs(aws_workspace / "jobs", 1)
    no_folder = qslint(*apply_args(emulator, "jobs", "--report", "nodir/r.json"))
    assert no_folder.exit_code == 2
    assert no_folder.output.splitlines()[-1] == "qslint: cannot write nodir/r.json: no folder nodir"
    Path("a-file").write_text("")
    no_journal = qslint(*apply_args(emulator, "jobs", "--journal", "a-file/journal.json"))
    assert no_journal.exit_code == 2
    assert no_journal.output.splitlines()[-1].startswith("qslint: a-file/journal.json: ")
    assert emulator.service.calls() == []


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and reads requests, and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def failed_report(qslint, endpoint: str, *options: str) -> dict:
    """The report of ``apply --all`` of ``jobs`` against ``endpoint``, which fails (exit 1)."""
    args = ["apply", "jobs", "--all", "--region", REGION, "--endpoint-url", endpoint]
    result = qslint(*args, "--run-key", "k", *options, "--report", "r.json")
    assert result.exit_code == 1, result.output
    report: dict = json.loads(Path("r.json").read_text())
    return report


def test_an_endpoint_that_never_answers_fails_each_job_clearly_in_bounded_time(
    aws_workspace, qslint, silent_endpoint
):
    write_jobs(aws_workspace / "jobs", 3)
    timeouts = ["--connect-timeout", "0.1", "--read-timeout", "0.1"]
    report = failed_report(qslint, silent_endpoint, *timeouts)
    assert report["counts"] == {"unknown": 3}
    for job in report["jobs"]:
        assert "Read timeout" in job["error"]
        assert "running apply again finds out" in job["error"]
        assert job["retries"] == 5  # the attempts are bounded
    journal = json.loads(JOURNAL.read_text())  # kept: the service may have the jobs
    assert {entry["state"] for entry in journal["jobs"].values()} == {"submitting"}


def test_an_endpoint_that_refuses_connections_submitted_nothing_and_says_so(aws_workspace, qslint):
    with socket.create_server(("127.0.0.1", 0)) as closed:  # a port nothing listens on
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
    write_jobs(aws_workspace / "jobs", 2)
    report = failed_report(qslint, endpoint)
    assert report["counts"] == {"error": 2}  # not unknown: no request reached a service
    for job in report["jobs"]:
        assert "Could not connect to the endpoint URL" in job["error"]
        assert "this run submitted nothing: check the endpoint (--endpoint-url" in job["error"]
        assert "may have started" not in job["error"]
    assert not JOURNAL.exists()  # no job of the run may exist: nothing to find out later


@pytest.fixture
def exists_then_gone() -> Iterator[str]:
    """An endpoint that answers one call (the start) with ResourceExistsException, then goes
    away: every later connection is refused."""
    server = socket.create_server(("127.0.0.1", 0))
    body = b'{"Message": "the job exists", "__type": "ResourceExistsException"}'
    answer = (
        b"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
        b"x-amzn-ErrorType: ResourceExistsException\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )

    def answer_once() -> None:
        connection, _ = server.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            head, _, sent = request.partition(b"\r\n\r\n")
            length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
            while length and len(sent) < int(length[1]):
                sent += connection.recv(65536)
            connection.sendall(answer)
        server.close()

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    thread.join(timeout=5)
    server.close()


def test_a_job_the_service_said_exists_stays_unknown_when_the_endpoint_goes(
    aws_workspace, qslint, exists_then_gone
):
    write_jobs(aws_workspace / "jobs", 1)
    report = failed_report(qslint, exists_then_gone)
    assert report["counts"] == {"unknown": 1}  # it exists: the next run finds out
    (job,) = report["jobs"]
    assert "running apply again finds out" in job["error"]
    assert "submitted nothing" not in job["error"]
    journal = json.loads(JOURNAL.read_text())
    assert {entry["state"] for entry in journal["jobs"].values()} == {"submitting"}


def test_the_client_makes_one_attempt_per_call_whatever_the_environment(monkeypatch):
    """A failure's `sent` speaks of the call's one attempt: were botocore to retry inside a
    call, an attempt that reached the service could hide behind a refused one."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    client = quicksight_client(Target(REGION, endpoint_url="http://127.0.0.1:9"))
    assert client.meta.config.retries["total_max_attempts"] == 1


def test_apply_without_a_run_key_refuses_before_it_says_it_submits(aws_workspace, qslint):
    write_jobs(aws_workspace / "jobs", 1)  # in no git repository: no commit to key the run
    result = qslint("apply", "jobs", "--all", "--region", REGION, "--endpoint-url", "http://x")
    assert result.exit_code == 2
    assert "no run key" in result.output
    assert "Submitting" not in result.output


def _burn(stop: threading.Event) -> None:
    while not stop.is_set():
        pass


def test_at_most_max_rps_calls_in_any_second_with_every_cpu_busy(aws_workspace, fast_clock, qslint):
    write_jobs(aws_workspace / "jobs", 12)
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    burners = [context.Process(target=_burn, args=(stop,)) for _ in range(os.cpu_count() or 2)]
    for burner in burners:
        burner.start()
    try:
        with Emulator(QUICK, clock=fast_clock) as emulator:
            result = qslint(*apply_args(emulator, "jobs", "--max-rps", "4"))
    finally:
        stop.set()
        for burner in burners:
            burner.join()
    times = [call.time for call in emulator.service.calls()]
    print(f"{len(times)} calls under load: at most {max_in_window(times)} in any second")
    assert result.exit_code == 0, result.output
    assert len(times) > 30
    assert max_in_window(times) <= 4


def test_malformed_answers_are_retried_never_a_traceback(aws_workspace, fast_clock, qslint):
    names = write_jobs(aws_workspace / "jobs", 6)
    faults = Faults(garbage_rate=0.15, unavailable_rate=0.05, seed=5)
    with Emulator(replace(QUICK, faults=faults), clock=fast_clock) as emulator:
        result = qslint(*apply_args(emulator, "jobs", "--report", "r.json"))
    assert result.exit_code == 0, result.output
    assert statuses(Path("r.json")) == dict.fromkeys(names, "completed")
    assert Counter(job.job_id for job in emulator.service.jobs()).most_common(1)[0][1] == 1


def test_every_retry_is_a_log_line_and_counted_in_the_summary(aws_workspace, fast_clock, qslint):
    write_jobs(aws_workspace / "jobs", 4)
    # Seed 4 answers an error and a throttle to first starts of these four jobs, whatever
    # the threads' order (the draws are keyed by the call).
    faults = Faults(error_rate=0.2, throttle_rate=0.1, seed=4)
    with Emulator(replace(QUICK, faults=faults), clock=fast_clock) as emulator:
        result = qslint(*apply_args(emulator, "jobs"))
    assert result.exit_code == 0, result.output
    retry_lines = [line for line in result.output.splitlines() if " retry " in line]
    assert any("InternalFailureException" in line for line in retry_lines)
    assert any("ThrottlingException" in line for line in retry_lines)
    assert all(" in " in line and "s: " in line for line in retry_lines)  # attempt, wait
    total = f"; {len(retry_lines)} retr{'y' if len(retry_lines) == 1 else 'ies'}"
    assert result.output.splitlines()[-1].endswith(total)


def test_after_no_wait_a_second_run_waits_for_free_slots(aws_workspace, emulator, qslint):
    # The first run's jobs run until the second run was refused a slot, however slowly the
    # machine starts that run: then they finish.
    emulator.service.settings = replace(QUICK, running_seconds=ONE_HOUR)
    write_jobs(aws_workspace / "jobs", 12)
    (aws_workspace / "more").mkdir()
    for number in range(3):
        (aws_workspace / "more" / f"more-{number}.yaml").write_text(job_yaml(f"more-{number}"))
    submitted = qslint(*apply_args(emulator, "jobs", "--no-wait"))
    assert submitted.exit_code == 0, submitted.output
    emulator.service.settings = QUICK
    first_jobs = emulator.service.jobs()
    refused = error_status("LimitExceededException")

    def finish_first_jobs_once_refused() -> None:
        service = emulator.service
        service.wait_for(lambda s: any(c.status == refused for c in s.calls()), timeout=60)
        for job in first_jobs:
            job.running_seconds = service.clock.now() - job.started

    finisher = threading.Thread(target=finish_first_jobs_once_refused, daemon=True)
    finisher.start()
    result = qslint(*apply_args(emulator, "more"))
    finisher.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "3 jobs: 3 completed" in result.output
    assert "LimitExceededException" in result.output  # waited, logged, then started
    assert emulator.service.peak_running() == 12


def test_ctrl_c_exits_130_and_names_the_jobs_still_running(aws_workspace, fast_clock):
    write_jobs(aws_workspace / "jobs", 2)
    # The jobs outlast the test however slowly it runs: an interrupted apply waits for none.
    with Emulator(replace(QUICK, running_seconds=100 * ONE_HOUR), clock=fast_clock) as emulator:
        process = subprocess.Popen(
            fast_clock.command(*apply_args(emulator, "jobs")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Interrupted once apply saw both jobs run: a job the service holds but whose start
        # answer is still on its way is not one apply can name yet.
        watchdog = threading.Timer(60, process.kill)  # bounds the reads below
        watchdog.start()
        try:
            assert process.stderr is not None  # where apply logs each job's phase
            running = set()
            while len(running) < 2 and (line := process.stderr.readline()):
                job_id, phase = [*line.split(), "", "", ""][1:3]
                if phase == "running":
                    running.add(job_id)
            process.send_signal(signal.SIGINT)
            output, errors = process.communicate(timeout=30)
        finally:
            watchdog.cancel()
            process.kill()
        ids = [job.job_id for job in emulator.service.jobs()]
    assert sorted(running) == sorted(ids)
    assert process.returncode == 130, errors
    last = output.splitlines()[-1]
    assert last.startswith("Interrupted. Still running on the service: ")
    assert all(job_id in last for job_id in ids)
    assert "Running qslint apply again follows the jobs that started" in last


def test_changed_since_compares_values_as_the_api_does_and_follows_renames(aws_workspace, qslint):
    jobs = aws_workspace / "jobs"
    decimal = textwrap.indent("DecimalParameters:\n  - {Name: Amount, Values: [1000]}\n", "    ")
    written = job_yaml("amount").replace(
        "    DateTimeParameters:", decimal + "    DateTimeParameters:"
    )
    (jobs / "amount.yaml").write_text(written)
    (jobs / "moved.yaml").write_text(job_yaml("moved"))
    git_repository(aws_workspace)
    (jobs / "amount.yaml").write_text(written.replace("[1000]", "[1000.0]"))
    (jobs / "sub").mkdir()
    shutil.move(jobs / "moved.yaml", jobs / "sub" / "renamed.yaml")
    git("add", "-A")
    git("commit", "-q", "-m", "1000.0 and a rename")
    plan = qslint("plan", "jobs/amount.yaml", "jobs/sub/renamed.yaml", "--changed-since", "HEAD~1")
    assert plan.exit_code == 0, plan.output
    assert "Jobs to submit: 0" in plan.output
    assert plan.output.count("unchanged since HEAD~1") == 2

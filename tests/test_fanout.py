"""Fan-out end to end: one template over a 200-row CSV, in a real git repository.

check reports a row's problem at the row's cell and a template's problem once at the
template; apply submits each row's job once, within the limits, with real boto3 against the
emulator; a re-run from a fresh clone starts none and a changed row starts exactly one.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from applying import (
    QUICK,
    REGION,
    SECRETS,
    apply_args,
    git,
    git_repository,
    job_yaml,
    starts,
    submitted_names,
)
from corpus import FAN_OUT_TEMPLATE  # the benchmark corpus

from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, Settings

ROWS = 200
# Jobs long enough that twelve run at once and a thirteenth must wait.
LONG = Settings(queued_seconds=0.2, running_seconds=30.0, region=REGION)

TEMPLATE = FAN_OUT_TEMPLATE  # the benchmark's template: one job per tenant, TopN per row


def tenants_csv(rows: int = ROWS, **replaced: str) -> str:
    """A header and ``rows`` rows; ``replaced`` maps a tenant to the name it has instead."""
    lines = ["tenant,tenant_id,top"]
    for number in range(rows):
        tenant = f"tenant-{number:03d}"
        lines.append(f"{replaced.get(tenant, tenant)},{SECRETS[0]}-{number},{10 + number % 5}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def fan_out(aws_workspace: Path) -> Path:
    """A repository whose one definition is a template over a 200-row CSV."""
    (aws_workspace / "jobs" / "weekly.yaml").write_text(TEMPLATE)
    (aws_workspace / "jobs" / "tenants.csv").write_text(tenants_csv())
    git_repository(aws_workspace, "one template, 200 tenants")
    return aws_workspace


def check_json(qslint, *paths: str) -> tuple[int, list[dict]]:
    result = qslint("check", "--output-format", "json", *paths)
    return result.exit_code, json.loads(result.output)


def test_a_template_over_200_rows_checks_clean(fan_out, qslint):
    result = qslint("check", "jobs")
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.output


def test_a_bad_row_is_one_finding_at_its_line_in_the_rows_file(fan_out, qslint):
    (fan_out / "jobs" / "tenants.csv").write_text(tenants_csv(**{"tenant-117": "acme corp"}))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["file"], f["line"], f["column"]) for f in findings] == [
        ("QS105", "jobs/tenants.csv", 119, 1)  # the header and 117 rows before it
    ]


def test_a_template_error_is_one_finding_at_the_template_naming_the_row_count(fan_out, qslint):
    template = fan_out / "jobs" / "weekly.yaml"
    template.write_text(TEMPLATE.replace("BucketRegion: eu-west-1", "BucketRegion: eu-west-9"))
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert len(findings) == 1
    (finding,) = findings
    assert (finding["code"], finding["file"], finding["line"]) == ("QS304", "jobs/weekly.yaml", 22)
    assert finding["message"].endswith("(in all 200 rows)")


def test_a_finding_at_a_cell_names_the_columns_that_fill_the_value(fan_out, qslint):
    # The message speaks of the request's field; the rows file shows only its columns.
    template = fan_out / "jobs" / "weekly.yaml"
    two = TEMPLATE.replace("weekly-sales-${tenant}", "weekly-${tenant}-${top}")
    template.write_text(two.replace('Values: ["${top}"]', "Values: [5]"))
    rows = tenants_csv().replace("tenant-004,EMEA-SECRET-4,14", "tenant 004,EMEA-SECRET-4,14")
    (fan_out / "jobs" / "tenants.csv").write_text(rows)
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["line"], f["column"], f["message"]) for f in findings] == [
        (
            "QS105",
            6,
            1,
            "`SnapshotJobId` may hold only ASCII letters, digits, `_` and `-`; character 14 of "
            "the value is a space (from columns `tenant`, `top`)",
        )
    ]


def test_rows_are_named_by_the_row_name_column_never_by_a_sensitive_value(fan_out, qslint):
    template = fan_out / "jobs" / "weekly.yaml"
    bad_top = tenants_csv().replace("tenant-004,EMEA-SECRET-4,14", "tenant-004,EMEA-SECRET-4,x")
    (fan_out / "jobs" / "tenants.csv").write_text(bad_top)
    code, findings = check_json(qslint, "jobs")
    assert code == 1
    assert [(f["code"], f["file"], f["line"], f["column"]) for f in findings] == [
        ("QS103", "jobs/tenants.csv", 6, 26)
    ]
    template.write_text(TEMPLATE.replace("row-name: tenant", "row-name: tenant_id"))
    result = qslint("check", "jobs")
    assert "QS110" in result.output
    assert SECRETS[0] not in result.output


def test_render_prints_what_boto3_takes_and_the_emulator_accepts_it(fan_out, qslint, emulator):
    result = qslint("render", "jobs/weekly.yaml", "--output-format", "json")
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.output.splitlines()]
    assert len(documents) == ROWS
    assert documents[3]["SnapshotJobId"] == "weekly-sales-tenant-003"
    assert documents[3]["SnapshotConfiguration"]["Parameters"]["IntegerParameters"] == [
        {"Name": "TopN", "Values": [13]}
    ]
    assert all("x-qslint" not in document for document in documents)
    client = boto3.client("quicksight", region_name=REGION, endpoint_url=emulator.url)
    for document in documents[:15]:
        answer = client.start_dashboard_snapshot_job(**document)
        assert answer["SnapshotJobId"] == document["SnapshotJobId"]
    assert len(emulator.service.jobs()) == 15

    yaml_output = qslint("render", "jobs/weekly.yaml")
    assert yaml_output.exit_code == 0, yaml_output.output
    assert yaml_output.output.count("\n---\n") == ROWS - 1


def test_render_refuses_a_template_that_does_not_expand(fan_out, qslint):
    (fan_out / "jobs" / "tenants.csv").write_text("tenant,tenant_id,top\nacme,,1\n")
    result = qslint("render", "jobs/weekly.yaml")
    assert result.exit_code == 1
    assert "QS113" in result.output
    assert "AwsAccountId" not in result.output


def test_apply_starts_each_row_once_within_the_limits_and_once_per_deployment(
    fan_out, fast_clock, qslint, monkeypatch
):
    names = [f"weekly-sales-tenant-{number:03d}" for number in range(ROWS)]
    with Emulator(LONG, clock=fast_clock) as emulator:
        result = qslint(*apply_args(emulator, "jobs", "--report", "r.json", run_key=None))
        assert result.exit_code == 0, result.output
        assert submitted_names(emulator) == Counter(dict.fromkeys(names, 1))
        assert emulator.service.peak_running() == 12
        assert emulator.service.max_calls_per_second() <= 10
        report = json.loads(Path("r.json").read_text())
        assert report["counts"] == {"completed": ROWS}
        assert report["jobs"][3]["row"] == {"template_line": 1, "number": 4, "name": "tenant-003"}
        for secret in SECRETS:
            assert secret not in result.output
        # The summary is the template once, its rows counted; no line per row.
        summary = result.stdout.splitlines()
        assert summary[0] == f"jobs/weekly.yaml:1  fan-out, {ROWS} of {ROWS} rows: {ROWS} completed"
        assert re.fullmatch(rf"{ROWS} jobs: {ROWS} completed; (1 retry|\d+ retries)", summary[1])
        assert len(summary) == 2

        git("clone", "-q", str(fan_out), str(fan_out / "clone"))
        monkeypatch.chdir(fan_out / "clone")  # another runner, the same commit
        again = qslint(*apply_args(emulator, "jobs", run_key=None))
        assert again.exit_code == 0, again.output
        assert len(emulator.service.jobs()) == ROWS  # each start refused: the same job id
        assert f"{ROWS} of {ROWS} rows: {ROWS} already exported" in again.stdout
        assert f"{ROWS} jobs: {ROWS} already exported" in again.stdout
        started = starts(emulator)

        rows = Path("jobs/tenants.csv")
        rows.write_text(tenants_csv().replace("tenant-042,EMEA-SECRET-42,12", "tenant-042,x,12"))
        git("commit", "-q", "-am", "tenant-042 moves")
        changed = qslint(
            *apply_args(emulator, "jobs", run_key=None, baseline=("--changed-since", "HEAD~1"))
        )
        assert changed.exit_code == 0, changed.output
        assert starts(emulator) == started + 1
        assert submitted_names(emulator)["weekly-sales-tenant-042"] == 2
        assert changed.stdout.startswith(
            f"jobs/weekly.yaml:1  fan-out, 1 of {ROWS} rows: 1 completed\n"
        )


HOSTILE_ROWS = {
    "a file past max-file-size": ("tenants.csv", "tenant,tenant_id,top\n" + "a,b,1\n" * 400),
    "cells past max-nodes": ("tenants.csv", "tenant,tenant_id,top\n" + "a,b,1\n" * 30),
    "a YAML tag": ("tenants.yaml", "- !!python/object:os.system {tenant: a}\n"),
    "nesting past max-depth": ("tenants.yaml", "- {tenant: " + "[" * 40 + "]" * 40 + "}\n"),
    "not UTF-8": ("tenants.csv", b"tenant,tenant_id,top\n\xff,b,1\n"),
}


@pytest.mark.parametrize("name", HOSTILE_ROWS)
def test_a_hostile_rows_file_is_one_qs110_and_expands_to_nothing(aws_workspace, qslint, name):
    rows_file, content = HOSTILE_ROWS[name]
    (aws_workspace / ".qslint.toml").write_text(
        'region = "eu-west-1"\nmax-file-size = 2048\nmax-nodes = 60\nmax-depth = 8\n'
    )
    jobs = aws_workspace / "jobs"
    (jobs / "weekly.yaml").write_text(TEMPLATE.replace("tenants.csv", rows_file))
    target = jobs / rows_file
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, findings = check_json(qslint, "jobs/weekly.yaml")
    assert code == 1
    assert [finding["code"] for finding in findings] == ["QS110"], findings
    rendered = qslint("render", "jobs/weekly.yaml")
    assert rendered.exit_code == 1
    assert "AwsAccountId" not in rendered.output


def plan_lines(qslint, *args: str) -> list[str]:
    """``qslint plan ARGS`` (run key ``r1``): its standard output, which holds no secret."""
    result = qslint("plan", "jobs", "--run-key", "r1", *args)
    assert result.exit_code == 0, result.output
    for secret in SECRETS:
        assert secret not in result.output
    return result.stdout.splitlines()


def sample(lines: list[str]) -> list[tuple[str, str, str]]:
    """The sample rows a plan shows of a fan-out: (row, name, destination), each job id checked."""
    found = []
    for line in lines:
        cells = line.split()
        if line.startswith("    ") and cells[0].isdigit():
            number, name, job_id, destination = cells
            assert re.fullmatch(rf"weekly-sales-{name}-[0-9a-f]{{12}}", job_id), line
            found.append((number, name, destination))
    return found


def words(line: str) -> str:
    """A line of a table with its cells one space apart."""
    return " ".join(line.split())


def destination(tenant: str) -> str:
    return f"s3://acme-reports/tenants/{tenant}/weekly"


def test_plan_shows_a_template_once_with_its_rows_a_sample_and_the_estimate(fan_out, qslint):
    lines = plan_lines(qslint, "--minutes-per-wave", "12", "--deadline", "12:00")
    assert lines[1:4] == [
        "Jobs to submit: 200",
        "  jobs/weekly.yaml:1  fan-out, 200 of 200 rows",
        "    account 111122223333, region eu-west-1, dashboard sales-overview, formats PDF",
    ]
    assert lines[4].split() == ["ROW", "NAME", "JOB", "ID", "DESTINATION"]
    assert sample(lines) == [
        (str(number + 1), f"tenant-00{number}", destination(f"tenant-00{number}"))
        for number in range(3)
    ]
    assert lines[8:] == [
        "    … 197 more (--verbose lists every row)",
        "Estimate (accounts run side by side; the busiest one): 200 jobs in 17 waves of up to "
        "12: 17 × 12 min = 204 minutes",
        "latest start for a 12:00 deadline: 08:36",
    ]

    every_row = plan_lines(qslint, "--verbose")
    assert len(sample(every_row)) == ROWS
    assert sample(every_row)[-1] == ("200", "tenant-199", destination("tenant-199"))
    assert not any("more (--verbose" in line for line in every_row)


def test_plan_of_one_changed_row_shows_one_row_to_start_and_the_rest_unchanged(fan_out, qslint):
    rows = fan_out / "jobs" / "tenants.csv"
    # Only the row's tag value changes: the row starts again, the value is never shown.
    rows.write_text(tenants_csv().replace("tenant-042,EMEA-SECRET-42,", "tenant-042,x-42,"))
    git("commit", "-q", "-am", "tenant-042 moves", cwd=fan_out)
    lines = plan_lines(qslint, "--changed-since", "HEAD~1")
    assert lines[1:4] == [
        "Jobs to submit: 1",
        "  jobs/weekly.yaml:1  fan-out, 1 of 200 rows (1 changed)",
        "    account 111122223333, region eu-west-1, dashboard sales-overview, formats PDF",
    ]
    assert sample(lines) == [("43", "tenant-042", destination("tenant-042"))]
    left_out = lines[lines.index("Left out: 199") + 2]
    assert words(left_out) == "jobs/weekly.yaml:1 199 rows unchanged since HEAD~1"
    assert lines[-1].endswith("1 job in 1 wave of up to 12 (--minutes-per-wave M gives the time)")

    every_row = plan_lines(qslint, "--changed-since", "HEAD~1", "--verbose")
    unchanged = [line for line in every_row if line.endswith("unchanged since HEAD~1")]
    assert len(unchanged) == ROWS - 1


def test_plan_counts_new_and_deleted_rows_and_keeps_plain_files_one_per_line(fan_out, qslint):
    rows = fan_out / "jobs" / "tenants.csv"
    lines = tenants_csv(ROWS + 1).splitlines()
    rows.write_text("\n".join([lines[0], *lines[2:]]) + "\n")  # tenant-000 goes, tenant-200 comes
    (fan_out / "jobs" / "daily.yaml").write_text(job_yaml("daily"))
    git("add", ".", cwd=fan_out)
    git("commit", "-q", "-m", "a tenant leaves, one joins; a daily export", cwd=fan_out)
    planned = plan_lines(qslint, "--changed-since", "HEAD~1", "--max-concurrent", "1")
    assert planned[1] == "Jobs to submit: 2"
    assert planned[2].split() == ["FILE", "ACCOUNT", "REGION", "DASHBOARD", "JOB", "ID", "FORMATS"]
    file, account, region, dashboard, job_id, formats = planned[3].split()
    assert (file, account, region, dashboard, formats) == (
        "jobs/daily.yaml",
        "111122223333",
        REGION,
        "sales",
        "PDF",
    )
    assert re.fullmatch(r"daily-[0-9a-f]{12}", job_id)
    assert planned[4] == "  jobs/weekly.yaml:1  fan-out, 1 of 200 rows (1 new)"
    assert sample(planned) == [("200", "tenant-200", destination("tenant-200"))]
    left_out = planned[planned.index("Left out: 200") + 2 : -1]
    assert [words(line) for line in left_out] == [
        "jobs/weekly.yaml:1 199 rows unchanged since HEAD~1",
        "jobs/weekly.yaml:1 1 row deleted since HEAD~1 (not acted on)",
    ]
    assert planned[-1].endswith(
        "2 jobs in 2 waves of up to 1 (--minutes-per-wave M gives the time)"
    )


def test_apply_names_each_failed_row_and_counts_the_rest(aws_workspace, fast_clock, qslint):
    jobs = aws_workspace / "jobs"
    (jobs / "weekly.yaml").write_text(TEMPLATE)
    (jobs / "tenants.csv").write_text(tenants_csv(8))
    failing = replace(QUICK, job_failure_rate=0.5, faults=Faults(seed=3))
    with Emulator(failing, clock=fast_clock) as emulator:
        args = apply_args(emulator, "jobs", "--report", "r.json", "--markdown-summary", "s.md")
        result = qslint(*args)
    assert result.exit_code == 1
    report = json.loads(Path("r.json").read_text())
    failed = [job for job in report["jobs"] if job["status"] == "failed"]
    completed = [job for job in report["jobs"] if job["status"] == "completed"]
    assert failed and completed and len(failed) + len(completed) == 8  # the seed's draws
    summary = result.stdout.splitlines()
    assert summary[0] == (
        f"jobs/weekly.yaml:1  fan-out, 8 of 8 rows: {len(completed)} completed, "
        f"{len(failed)} failed"
    )
    assert summary[1].split() == ["ROW", "NAME", "JOB", "STATUS", "DURATION", "ERROR"]
    assert [line.split()[:4] for line in summary[2:-1]] == [
        [str(job["row"]["number"]), job["row"]["name"], job["job_id"], "failed"] for job in failed
    ]
    assert summary[-1].startswith(f"8 jobs: {len(completed)} completed, {len(failed)} failed;")
    markdown = Path("s.md").read_text()
    assert f"| 8 of 8 rows: {len(completed)} completed, {len(failed)} failed |" in markdown
    for job in failed:
        assert f"row {job['row']['number']} ({job['row']['name']})" in markdown
    for job in completed:
        assert job["job_id"] not in result.stdout + markdown
    for secret in SECRETS:
        assert secret not in result.output + markdown + Path("r.json").read_text()


def test_ctrl_c_counts_a_template_s_rows_and_names_only_the_jobs_still_running(fan_out, fast_clock):
    # The jobs outlast the test however slowly it runs: an interrupted apply waits for none.
    with Emulator(replace(LONG, running_seconds=360_000.0), clock=fast_clock) as emulator:
        args = apply_args(emulator, "jobs", "--max-concurrent", "2")
        process = subprocess.Popen(
            fast_clock.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert emulator.service.wait_for(lambda service: len(service.jobs()) == 2, 60)
            process.send_signal(signal.SIGINT)
            output, errors = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 130, errors
    summary = output.splitlines()
    assert summary[0] == f"jobs/weekly.yaml:1  fan-out, {ROWS} of {ROWS} rows: {ROWS} interrupted"
    assert summary[1] == f"{ROWS} jobs: {ROWS} interrupted; 0 retries"
    assert summary[2].startswith("Interrupted. Still running on the service: weekly-sales-")
    assert len(summary) == 3

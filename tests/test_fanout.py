"""Fan-out end to end: one template over a 200-row CSV, in a real git repository.

check reports a row's problem at the row's cell and a template's problem once at the
template; apply submits each row's job once, within the limits, with real boto3 against the
emulator; a re-run from a fresh clone starts none and a changed row starts exactly one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import boto3
import pytest
from applying import REGION, SECRETS, apply_args, git, git_repository, starts, submitted_names
from corpus import FAN_OUT_TEMPLATE  # the benchmark corpus

from qslint.emulator.server import Emulator
from qslint.emulator.service import Settings

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
        for secret in SECRETS:
            assert secret not in result.output

        git("clone", "-q", str(fan_out), str(fan_out / "clone"))
        monkeypatch.chdir(fan_out / "clone")  # another runner, the same commit
        again = qslint(*apply_args(emulator, "jobs", run_key=None))
        assert again.exit_code == 0, again.output
        assert len(emulator.service.jobs()) == ROWS  # each start refused: the same job id
        assert f"{ROWS} jobs: {ROWS} already exported" in again.output
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

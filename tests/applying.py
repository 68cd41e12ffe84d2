"""What the apply tests share: definitions, a workspace, the emulator and apply on one fast
clock, and readings of the emulator's record."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result
from clocks import FastClock

from qslint.cli import cli
from qslint.emulator.server import Emulator
from qslint.emulator.service import Settings

REGION = "eu-west-1"
QUICK = Settings(queued_seconds=0.2, running_seconds=2.5, region=REGION)  # emulated seconds
SECRETS = ("EMEA-SECRET", "parameter-secret")  # sensitive values the definitions hold
POLL = "1.0"
RUN_KEY = "test-deployment"
# <SnapshotJobId>-<deployment token>[-<attempt>]
_SUBMITTED_ID = re.compile(r"^(?P<name>.+)-[0-9a-f]{12}(-(?P<attempt>\d+))?$")


def job_yaml(
    name: str, *, account: str = "111122223333", prefix: str = "daily", region: str = REGION
) -> str:
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
                  BucketRegion: {region}
          Parameters:
            StringParameters:
              - {{Name: Team, Values: [{SECRETS[1]}]}}
            DateTimeParameters:
              - {{Name: Day, Values: ["2026-01-31T00:00:00Z"]}}
        """
    )


def write_jobs(folder: Path, count: int, **options: str) -> list[str]:
    names = [f"job-{number:02d}" for number in range(count)]
    for name in names:
        (folder / f"{name}.yaml").write_text(job_yaml(name, **options))
    return names


def qslint_on(clock: FastClock, *args: str) -> Result:
    """``qslint ARGS`` in-process, on ``clock``."""
    return CliRunner().invoke(cli, list(args), obj=clock, catch_exceptions=False)


def apply_args(
    emulator: Emulator,
    *extra: str,
    run_key: str | None = RUN_KEY,
    baseline: Sequence[str] = ("--all",),
) -> list[str]:
    key = [] if run_key is None else ["--run-key", run_key]
    endpoint = ["--region", REGION, "--endpoint-url", emulator.url]
    return ["apply", *endpoint, "--poll-interval", POLL, *key, *baseline, *extra]


def definition_name(job_id: str) -> str:
    found = _SUBMITTED_ID.match(job_id)
    assert found, f"{job_id} is not <name>-<token>[-<attempt>]"
    return found["name"]


def submitted_names(emulator: Emulator) -> Counter[str]:
    """How many jobs the service holds per definition (the SnapshotJobId written)."""
    return Counter(definition_name(job.job_id) for job in emulator.service.jobs())


def starts(emulator: Emulator) -> int:
    return sum(c.operation == "StartDashboardSnapshotJob" for c in emulator.service.calls())


def statuses(report_file: Path) -> dict[str, str]:
    """Job name -> final status, from an apply ``--report``."""
    report = json.loads(report_file.read_text())
    return {job["name"]: job["status"] for job in report["jobs"]}


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], check=True, capture_output=True, text=True, cwd=cwd)
    return done.stdout


def git_repository(folder: Path, message: str = "definitions") -> None:
    """``folder`` as a git repository whose one commit holds everything in it."""
    git("init", "-q", "-b", "main", cwd=folder)
    git("add", ".", cwd=folder)
    git("commit", "-q", "-m", message, cwd=folder)

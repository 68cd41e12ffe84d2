"""AWS CLI v1 takes a definition as JSON only (``--cli-input-yaml`` is v2's): the README's
conversion of a YAML file must send the request that the YAML file means.

AWS CLI v1 hands the JSON it reads to botocore, so real boto3 over HTTP to the emulator
stands in for it: the request the emulator receives from the converted JSON is compared
with the one qslint apply sends for the YAML file itself.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from applying import REGION, job_yaml
from botocore.config import Config

from qslint.apply.plan import to_request
from qslint.loader import read_source

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["weekly-sales-pdf.yaml", "finance-excel.yaml", "multi-format.yaml"]


def _readme_conversion() -> list[str]:
    """The README's YAML-to-JSON command, run by this Python, without its file arguments."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [line for line in readme.splitlines() if line.startswith("python3 -c ")]
    *command, source, redirect, target = shlex.split(line)
    assert (source.endswith(".yaml"), redirect, target.endswith(".json")) == (True, ">", True)
    return [sys.executable, *command[1:]]


def _sent(emulator, definition: dict, job_id: str) -> dict:
    client = boto3.client(
        "quicksight",
        region_name=REGION,
        endpoint_url=emulator.url,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    client.start_dashboard_snapshot_job(**{**definition, "SnapshotJobId": job_id})
    (job,) = [job for job in emulator.service.jobs() if job.job_id == job_id]
    return {key: value for key, value in job.request.items() if key != "SnapshotJobId"}


@pytest.mark.parametrize("name", [*EXAMPLES, "dated.yaml"])
def test_the_readme_v1_conversion_sends_what_the_yaml_file_means(name, aws_workspace, emulator):
    if name == "dated.yaml":  # a YAML date, no time: midnight UTC, as apply sends it
        source = aws_workspace / name
        source.write_text(job_yaml("dated"), encoding="utf-8")
    else:
        source = ROOT / "examples" / name
    converted = subprocess.run(
        [*_readme_conversion(), str(source)], capture_output=True, check=True, timeout=60
    )
    as_json = json.loads(converted.stdout)
    (document,) = read_source(source).documents
    from_json = _sent(emulator, as_json, "converted")
    from_yaml = _sent(emulator, to_request(document.data), "as-apply-sends-it")
    assert from_json == from_yaml

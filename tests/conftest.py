"""Shared helpers: run qslint in-process on files written into a temporary folder."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qslint.cli import cli

VALID_JOB = """\
AwsAccountId: "111122223333"
DashboardId: sales-overview
SnapshotJobId: weekly-sales
UserConfiguration:
  AnonymousUsers:
    - RowLevelPermissionTags:
        - Key: region
          Value: EMEA
SnapshotConfiguration:
  FileGroups:
    - Files:
        - FormatType: PDF
          SheetSelections:
            - SheetId: summary
              SelectionScope: ALL_VISUALS
  DestinationConfiguration:
    S3Destinations:
      - BucketConfiguration:
          BucketName: acme-reports
          BucketPrefix: sales/weekly
          BucketRegion: eu-west-1
"""


@pytest.fixture
def valid_job() -> str:
    return VALID_JOB


RunQslint = Callable[..., Result]


@pytest.fixture
def run_qslint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunQslint:
    """Run ``qslint ARGS`` in ``tmp_path`` (with no AWS region or profile in the environment)."""
    monkeypatch.chdir(tmp_path)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a (dedented) file under ``tmp_path``, creating folders."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


def codes_and_lines(result: Result) -> list[tuple[str, int]]:
    """``(code, line)`` of every finding in a ``--output-format json`` run."""
    return [(item["code"], item["line"]) for item in json.loads(result.stdout)]

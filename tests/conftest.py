"""Shared helpers: run qslint in-process on files written into a temporary folder."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
from applying import QUICK, git_repository, qslint_on, write_jobs
from click.testing import CliRunner, Result
from clocks import FastClock

from qslint.cli import cli
from qslint.emulator.server import Emulator
from qslint.findings import Severity
from qslint.rule import Violation, job_rule

# Tests that share the benchmarks' realistic definitions import them as `corpus`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from corpus import FAN_OUT_TEMPLATE  # found through the path above

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

# A fan-out template over `tenants.csv` beside it (columns tenant, tenant_id): the
# benchmark's, without its row names and the TopN parameter its `top` column fills.
FAN_OUT = FAN_OUT_TEMPLATE.replace("  row-name: tenant\n", "").partition("  Parameters:\n")[0]

# A file a walk meets among the definitions that is no definition at all.
GITHUB_WORKFLOW = """\
name: ci
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run qslint check
"""


# What GitHub Actions and GitLab CI tell a run of what a push replaced: the suite may itself
# run in CI, and each test starts outside any.
CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITLAB_CI",
    "CI_PIPELINE_SOURCE",
    "CI_COMMIT_BEFORE_SHA",
    "CI_DEFAULT_BRANCH",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
)


# The modules that take longest (measured with --durations), run first: with two workers, a
# slow module handed out last is a wall-clock cost nothing else overlaps.
SLOWEST_MODULES = ("test_precommit.py", "test_action.py", "test_fanout.py", "test_rate_window.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in SLOWEST_MODULES)  # stable: else as found


@pytest.fixture(autouse=True)
def outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


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


def exit_and_findings(run: Callable[..., Result], *args: str) -> tuple[int, list[tuple[str, int]]]:
    """``qslint check ARGS``: its exit code and the ``(code, line)`` of what caused it."""
    result = run("check", *args, "--output-format", "json")
    return result.exit_code, codes_and_lines(result)


@pytest.fixture
def fast_clock() -> FastClock:
    """One clock for the emulator and apply in a test, 50 times faster than real time."""
    return FastClock(speed=50.0)


@pytest.fixture
def aws_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a qslint configuration, a jobs folder and fake AWS credentials, as the
    working directory (and git identities, for tests that commit)."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "emulator",
        "AWS_SECRET_ACCESS_KEY": "emulator",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    (tmp_path / "jobs").mkdir()
    return tmp_path


@pytest.fixture
def repository(aws_workspace: Path) -> Path:
    """``aws_workspace`` as a git repository: 30 definitions committed on main."""
    write_jobs(aws_workspace / "jobs", 30)
    git_repository(aws_workspace, "thirty definitions")
    return aws_workspace


@pytest.fixture
def runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CI runner's own folder, outside the repository (its files are no definitions)."""
    return tmp_path_factory.mktemp("runner")


@pytest.fixture
def emulator(fast_clock: FastClock) -> Iterator[Emulator]:
    """The emulator on ``fast_clock``, with short jobs (a test module may define its own)."""
    with Emulator(QUICK, clock=fast_clock) as running:
        yield running


@pytest.fixture
def qslint(fast_clock: FastClock) -> RunQslint:
    """Run ``qslint ARGS`` in-process on ``fast_clock``."""
    return lambda *args: qslint_on(fast_clock, *args)


@job_rule("QS999", "Always crashes", severity=Severity.ERROR)
def crashing_rule(job, context):
    """Raises, like a buggy plugin would."""
    raise ZeroDivisionError("division by zero")
    yield Violation("unreachable")


# The OASIS schema, kept in the tests with its licence (tests/schemas/LICENSES.md).
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def validate_sarif(log: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []

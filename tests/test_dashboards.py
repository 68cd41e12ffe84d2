"""Cross-checking jobs with their dashboards: offline from a folder, online from QuickSight.

The online tests talk to the emulator (``qslint.emulator``) with real boto3 over HTTP on
127.0.0.1; it serves ``tests/fixtures/dashboards/`` (dashboards/ID.json, data-sets/ID.json).
The QS701–QS708 rule fixtures themselves run in ``test_rules.py``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from applying import qslint_on
from clocks import FastClock
from ruamel.yaml import YAML

from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, Settings

FIXTURES = Path(__file__).parent / "fixtures"
DASHBOARDS = FIXTURES / "dashboards"
EXAMPLES = Path(__file__).parent.parent / "examples"
ACCOUNT = "111122223333"
EXAMPLE_DASHBOARDS = ("ops-fulfilment-daily", "finance-month-end-close", "qbr-executive-pack")
# What the examples break against those dashboards as the emulator serves them.
EXAMPLE_FINDINGS = [
    ("examples/broken/duplicate-parameter-name.yaml", "QS706", 30),
    ("examples/broken/seven-file-groups.yaml", "QS704", 48),
    ("examples/broken/seven-file-groups.yaml", "QS703", 54),
    ("examples/multi-format.yaml", "QS704", 47),
    ("examples/ops-csv-exports.yaml", "QS703", 51),
]


@pytest.fixture
def aws_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "emulator")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def emulator(aws_environment):
    with Emulator(Settings(region="eu-west-1", definitions=DASHBOARDS)) as running:
        yield running


def findings(result) -> list[tuple[str, str, int]]:
    return [(item["file"], item["code"], item["line"]) for item in json.loads(result.stdout)]


def json_files(folder: Path) -> dict[str, object]:
    return {
        p.relative_to(folder).as_posix(): json.loads(p.read_text()) for p in folder.rglob("*.json")
    }


def copy_fixture(code: str, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / code / name, tmp_path / name)).relative_to(tmp_path)


def test_offline_check_reports_at_the_job_nodes(run_qslint, tmp_path):
    job = copy_fixture("QS704", "bad-csv-line-chart.yaml", tmp_path)
    result = run_qslint("check", "--dashboards", str(DASHBOARDS), str(job), "-q")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "bad-csv-line-chart.yaml:19:19: QS704 [error] a CSV file exports tables and pivot "
        "tables only, but visual `visual-orders-trend` is a `LineChartVisual`"
    ]


def test_without_a_dashboards_source_qs7xx_report_nothing(run_qslint, tmp_path):
    job = copy_fixture("QS701", "bad-misspelt-dashboard-id.yaml", tmp_path)
    assert run_qslint("check", str(job), "--select", "QS7").exit_code == 0


def test_configured_folder_is_relative_to_the_configuration_and_not_linted(
    run_qslint, tmp_path, write
):
    shutil.copytree(DASHBOARDS, tmp_path / "exports")
    write(".qslint.toml", 'region = "eu-west-1"\ndashboards = "exports"\n')
    copy_fixture("QS705", "bad-misspelt-parameter.yaml", tmp_path)
    (tmp_path / "jobs").mkdir()
    result = run_qslint("check", "--output-format", "json")
    assert findings(result) == [("bad-misspelt-parameter.yaml", "QS705", 28)]


def test_yaml_definitions_and_their_changes_reach_a_cached_run(run_qslint, tmp_path):
    """A definition in YAML counts like JSON; editing it invalidates cached results."""
    yaml = YAML(typ="safe")
    folder = tmp_path / "exports"
    folder.mkdir()
    definition = json.loads((DASHBOARDS / "dashboards" / "ops-fulfilment-daily.json").read_text())
    yaml.dump(definition, folder / "ops.yaml")
    job = copy_fixture("QS703", "good-visuals-on-their-sheet.yaml", tmp_path)
    args = ("check", "--dashboards", "exports", str(job), "--output-format", "json")
    assert findings(run_qslint(*args)) == []
    assert (tmp_path / ".qslint_cache").is_dir()
    definition["Definition"]["Sheets"][0]["Visuals"].pop(1)  # visual-late-shipments
    yaml.dump(definition, folder / "ops.yaml")
    assert findings(run_qslint(*args)) == [(str(job), "QS703", 20)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "exports/broken.json:1:2: cannot parse: invalid JSON"),
        ('{"DashboardId": "x", "Definition": []}', "`Definition` is not a mapping"),
    ],
)
def test_an_unreadable_definition_is_one_line_and_exit_2(run_qslint, write, content, message):
    write("exports/broken.json", content)
    write("job.yaml", (FIXTURES / "QS701" / "good-dashboard-defined.yaml").read_text())
    result = run_qslint("check", "--dashboards", "exports", "job.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("qslint: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_definition_with_a_yaml_syntax_error_is_one_line_naming_file_and_line(run_qslint, write):
    write("exports/broken.yaml", "DashboardId: x\nDefinition:\n\tSheets: []\n")
    write("job.yaml", (FIXTURES / "QS701" / "good-dashboard-defined.yaml").read_text())
    result = run_qslint("check", "--dashboards", "exports", "job.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "qslint: exports/broken.yaml:3:1: cannot parse: "
        "a tab indents this line; YAML indents with spaces only\n"
    )


def test_a_definition_past_the_runs_limits_is_refused(run_qslint, write):
    write(".qslint.toml", "max-file-size = 1024\nmax-depth = 3\n")
    write("job.yaml", (FIXTURES / "QS701" / "good-dashboard-defined.yaml").read_text())
    write("big/big.json", json.dumps({"DashboardId": "x", "Padding": "x" * 1024}))
    write("deep/deep.yaml", "DashboardId: x\nDefinition: {a: {b: {c: {d: 1}}}}\n")
    big = run_qslint("check", "--dashboards", "big", "job.yaml")
    assert big.exit_code == 2
    assert big.stderr == (
        "qslint: big/big.json: file is larger than 1 KiB; split it or raise `max-file-size`\n"
    )
    deep = run_qslint("check", "--dashboards", "deep", "job.yaml")
    assert deep.exit_code == 2
    assert deep.stderr == (
        "qslint: deep/deep.yaml:2:25: cannot parse: "
        "nesting deeper than 3 levels; flatten it or raise `max-depth`\n"
    )


def test_online_fetches_each_dashboard_once_and_checks_rls_tag_keys(run_qslint, emulator, tmp_path):
    jobs = [
        copy_fixture("QS708", "bad-misspelt-tag-key.yaml", tmp_path),
        copy_fixture("QS707", "bad-two-warehouses.yaml", tmp_path),
        copy_fixture("QS702", "good-sheet-ids.yaml", tmp_path),
    ]
    result = run_qslint(
        "check", "--remote", "--region", "eu-west-1", "--endpoint-url", emulator.url,
        *map(str, jobs), "--select", "QS7", "--output-format", "json", "--no-cache",
    )  # fmt: skip
    assert findings(result) == [
        ("bad-misspelt-tag-key.yaml", "QS708", 9),
        ("bad-two-warehouses.yaml", "QS707", 28),
    ]
    calls = sorted(call.operation for call in emulator.service.calls())
    assert calls == ["DescribeDashboardDefinition", "DescribeDataSet", "DescribeDataSet"]


def test_online_errors_are_qs701_findings_not_tracebacks(run_qslint, emulator, tmp_path, write):
    job = (FIXTURES / "QS701" / "bad-misspelt-dashboard-id.yaml").read_text()
    write("missing.yaml", job)
    result = run_qslint(
        "check", "--remote", "--region", "eu-west-1", "--endpoint-url", emulator.url,
        "missing.yaml", "-q", "--no-cache",
    )  # fmt: skip
    assert result.exit_code == 0  # QS701 is a warning
    assert "missing.yaml:4:14: QS701 [warning] cannot cross-check dashboard " in result.stdout
    assert "QuickSight answered ResourceNotFoundException" in result.stdout
    unreachable = qslint_on(
        FastClock(speed=1000.0),  # the retries' backoff, in milliseconds
        "check", "--remote", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:9",
        "missing.yaml", "-q", "--no-cache",
    )  # fmt: skip
    assert unreachable.exit_code == 1  # the gate could not check the job: it fails closed
    assert "QS709 [error]" in unreachable.stdout and "ConnectionError" in unreachable.stdout


REMOTE_JOBS = (
    ("QS703", "bad-renamed-visual.yaml"),
    ("QS708", "bad-misspelt-tag-key.yaml"),
    ("QS702", "good-sheet-ids.yaml"),
)


def throttled_emulator(
    throttle_rate: float, clock: FastClock, operations: frozenset[str] = frozenset()
) -> Emulator:
    faults = Faults(throttle_rate=throttle_rate, seed=7, operations=operations)
    return Emulator(
        Settings(region="eu-west-1", definitions=DASHBOARDS, faults=faults), clock=clock
    )


def check_remote(clock: FastClock, emulator: Emulator, *extra: str):
    return qslint_on(
        clock, "check", "--remote", "--region", "eu-west-1", "--endpoint-url", emulator.url,
        "--select", "QS7", "--output-format", "json", "--no-cache", *extra,
    )  # fmt: skip


@pytest.fixture
def remote_jobs(aws_environment, tmp_path, monkeypatch) -> Path:
    """A folder of jobs that cross-check dashboards, as the working directory."""
    monkeypatch.chdir(tmp_path)
    for code, name in REMOTE_JOBS:
        copy_fixture(code, name, tmp_path)
    return tmp_path


def test_online_retries_throttling_and_finds_what_it_hid(remote_jobs):
    """Half the calls throttled: each is asked again, within the rate limit, until answered."""
    clock = FastClock(speed=200.0)
    with throttled_emulator(0.5, clock) as emulator:
        result = check_remote(clock, emulator)
    assert findings(result) == [
        ("bad-misspelt-tag-key.yaml", "QS708", 9),
        ("bad-renamed-visual.yaml", "QS703", 19),
    ]
    assert result.exit_code == 1
    statuses = Counter(call.status for call in emulator.service.calls())
    assert statuses[429] >= 1 and statuses[200] == 3  # one dashboard, two data sets
    assert emulator.service.max_calls_per_second() <= 10


def test_a_dashboard_never_described_fails_the_gate_unless_a_warning_is_asked_for(remote_jobs):
    clock = FastClock(speed=2000.0)
    with throttled_emulator(1.0, clock) as emulator:
        closed = check_remote(clock, emulator)
        asked = Counter(call.operation for call in emulator.service.calls())
        warned = check_remote(clock, emulator, "--unreadable-dashboards", "warning")
        (remote_jobs / ".qslint.toml").write_text('unreadable-dashboards = "warning"\n')
        configured = check_remote(clock, emulator)
    assert closed.exit_code == 1
    assert [(code, line) for _, code, line in findings(closed)] == [("QS709", 4)] * 3
    assert "ThrottlingException" in json.loads(closed.stdout)[0]["message"]
    assert asked == {"DescribeDashboardDefinition": 11}  # the first call and ten retries
    for passing in (warned, configured):
        assert passing.exit_code == 0
        assert [(code, line) for _, code, line in findings(passing)] == [("QS701", 4)] * 3


def test_a_data_set_never_described_fails_the_gate_and_the_dashboard_is_still_checked(
    remote_jobs,
):
    clock = FastClock(speed=2000.0)
    with throttled_emulator(1.0, clock, frozenset({"DescribeDataSet"})) as emulator:
        result = check_remote(clock, emulator)
    found = json.loads(result.stdout)
    assert [(f["file"], f["code"], f["line"]) for f in found] == [
        ("bad-misspelt-tag-key.yaml", "QS709", 4),  # its tag keys (QS708) went unchecked
        ("bad-renamed-visual.yaml", "QS709", 4),
        ("bad-renamed-visual.yaml", "QS703", 19),  # the dashboard itself was described
        ("good-sheet-ids.yaml", "QS709", 4),
    ]
    assert "data set `" in found[0]["message"] and "ThrottlingException" in found[0]["message"]
    assert result.exit_code == 1


def test_a_misspelt_unreadable_dashboards_setting_is_one_line(run_qslint, write, valid_job):
    write(".qslint.toml", 'unreadable-dashboards = "warn"\n')
    write("job.yaml", valid_job)
    result = run_qslint("check", "job.yaml")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "/.qslint.toml: `unreadable-dashboards` must be one of error, warning (not 'warn')\n"
    )
    assert len(result.stderr.splitlines()) == 1

"""The emulator answers as QuickSight does: every answer parses with boto3's own models."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from botocore.validate import ParamValidator
from clocks import TickingClock

from qslint.emulator.routes import service_model, uri_pattern
from qslint.emulator.server import Emulator
from qslint.emulator.service import Faults, Settings, max_in_window, peak_overlap

ACCOUNT = "111122223333"
REGION = "eu-west-1"


def job_request(job_id: str, *, bucket_region: str = REGION) -> dict:
    return {
        "AwsAccountId": ACCOUNT,
        "DashboardId": "sales",
        "SnapshotJobId": job_id,
        "UserConfiguration": {
            "AnonymousUsers": [{"RowLevelPermissionTags": [{"Key": "region", "Value": "EMEA"}]}]
        },
        "SnapshotConfiguration": {
            "FileGroups": [
                {
                    "Files": [
                        {
                            "FormatType": "PDF",
                            "SheetSelections": [
                                {"SheetId": "summary", "SelectionScope": "ALL_VISUALS"}
                            ],
                        }
                    ]
                },
                {
                    "Files": [
                        {
                            "FormatType": "CSV",
                            "SheetSelections": [
                                {
                                    "SheetId": "detail",
                                    "SelectionScope": "SELECTED_VISUALS",
                                    "VisualIds": ["orders"],
                                }
                            ],
                        }
                    ]
                },
            ],
            "DestinationConfiguration": {
                "S3Destinations": [
                    {
                        "BucketConfiguration": {
                            "BucketName": "acme-reports",
                            "BucketPrefix": "sales",
                            "BucketRegion": bucket_region,
                        }
                    }
                ]
            },
        },
    }


def ids(job_id: str) -> dict:
    return {"AwsAccountId": ACCOUNT, "DashboardId": "sales", "SnapshotJobId": job_id}


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "emulator")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def client_for(emulator: Emulator):
    return boto3.client(
        "quicksight",
        region_name=REGION,
        endpoint_url=emulator.url,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def assert_matches_model(operation: str, answer: dict) -> None:
    """The parsed answer is valid against the operation's output shape."""
    shape = service_model().operation_model(operation).output_shape
    body = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(Settings(queued_seconds=0.05, running_seconds=0.1)) as running:
        yield running


def wait_until_ended(emulator: Emulator, job_id: str) -> None:
    """A job's life is a function of time, so the end of its emulated run is a moment to
    wait for, not an event: any call after that moment observes it ended."""
    job = next(job for job in emulator.service.jobs() if job.job_id == job_id)
    emulator.service.clock.sleep(job.finished - emulator.service.clock.now())


def test_job_life_cycle_parses_with_the_boto3_models(emulator):
    # The job runs until the test ends it: a loaded machine can take longer than any slice.
    emulator.service.settings = replace(emulator.service.settings, running_seconds=3600.0)
    client = client_for(emulator)
    started = client.start_dashboard_snapshot_job(**job_request("weekly"))
    assert_matches_model("StartDashboardSnapshotJob", started)
    assert started["SnapshotJobId"] == "weekly"
    assert started["Arn"].endswith(":dashboard/sales/snapshot-job/weekly")

    described = client.describe_dashboard_snapshot_job(**ids("weekly"))
    assert_matches_model("DescribeDashboardSnapshotJob", described)
    assert described["JobStatus"] in ("QUEUED", "RUNNING")
    # Tag values are sensitive: a description names the keys only.
    assert described["UserConfiguration"] == {
        "AnonymousUsers": [{"RowLevelPermissionTagKeys": ["region"]}]
    }
    with pytest.raises(client.exceptions.PreconditionNotMetException):
        client.describe_dashboard_snapshot_job_result(**ids("weekly"))

    (job,) = emulator.service.jobs()
    job.running_seconds = 0.0
    wait_until_ended(emulator, "weekly")
    assert client.describe_dashboard_snapshot_job(**ids("weekly"))["JobStatus"] == "COMPLETED"
    result = client.describe_dashboard_snapshot_job_result(**ids("weekly"))
    assert_matches_model("DescribeDashboardSnapshotJobResult", result)
    groups = result["Result"]["AnonymousUsers"][0]["FileGroups"]
    uris = [s3["S3Uri"] for group in groups for s3 in group["S3Results"]]
    assert uris == [
        "s3://acme-reports/sales/weekly/user-0/group-0.pdf",
        "s3://acme-reports/sales/weekly/user-0/group-1.csv",
    ]


def test_a_failed_job_reports_its_error():
    with Emulator(Settings(queued_seconds=0, running_seconds=0, job_failure_rate=1.0)) as emulator:
        client = client_for(emulator)
        client.start_dashboard_snapshot_job(**job_request("doomed"))
        wait_until_ended(emulator, "doomed")
        result = client.describe_dashboard_snapshot_job_result(**ids("doomed"))
    assert_matches_model("DescribeDashboardSnapshotJobResult", result)
    assert result["JobStatus"] == "FAILED"
    assert "Result" not in result
    assert result["ErrorInfo"]["ErrorType"] == "INTERNAL_ERROR"


@pytest.mark.parametrize(
    ("exception", "status"),
    [
        ("ResourceExistsException", 409),
        ("InvalidParameterValueException", 400),
        ("ResourceNotFoundException", 404),
    ],
)
def test_contract_errors_are_the_modelled_exceptions(emulator, exception, status):
    client = client_for(emulator)
    client.start_dashboard_snapshot_job(**job_request("taken"))
    calls = {
        "ResourceExistsException": lambda: client.start_dashboard_snapshot_job(
            **job_request("taken")
        ),
        "InvalidParameterValueException": lambda: client.start_dashboard_snapshot_job(
            **job_request("elsewhere", bucket_region="us-east-1")
        ),
        "ResourceNotFoundException": lambda: client.describe_dashboard_snapshot_job(
            **ids("unknown")
        ),
    }
    with pytest.raises(getattr(client.exceptions, exception)) as raised:
        calls[exception]()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Message"]
    assert error["ResponseMetadata"]["RequestId"]


def test_the_thirteenth_job_is_refused_while_twelve_run():
    # A high rate limit: this test is about the job limit.
    settings = Settings(queued_seconds=60, running_seconds=60, max_requests_per_second=100)
    with Emulator(settings) as emulator:
        client = client_for(emulator)
        for number in range(12):
            client.start_dashboard_snapshot_job(**job_request(f"job-{number}"))
        with pytest.raises(client.exceptions.LimitExceededException):
            client.start_dashboard_snapshot_job(**job_request("job-12"))


def test_more_than_ten_calls_in_a_second_are_throttled(emulator):
    client = client_for(emulator)
    answers = []
    for _ in range(15):
        try:
            client.describe_dashboard_snapshot_job(**ids("unknown"))
        except client.exceptions.ResourceNotFoundException:
            answers.append(404)
        except client.exceptions.ThrottlingException as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            answers.append(429)
    statuses = [call.status for call in emulator.service.calls()]
    assert statuses == answers
    assert 429 in answers
    accepted = [call.time for call in emulator.service.calls() if call.status != 429]
    assert max_in_window(accepted) <= 10


def test_injected_faults_are_what_boto3_sees_as_faults():
    faults = Faults(error_rate=0.5, drop_rate=0.5, seed=7)
    with Emulator(Settings(faults=faults)) as emulator:
        client = client_for(emulator)
        seen = set()
        for _ in range(8):
            try:
                client.describe_dashboard_snapshot_job(**ids("any"))
            except client.exceptions.InternalFailureException as error:
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
                seen.add("500")
            except botocore.exceptions.ConnectionClosedError:
                seen.add("dropped")
    assert seen == {"500", "dropped"}
    assert {call.status for call in emulator.service.calls()} == {0, 500}


def _answers_per_job(emulator: Emulator, job_ids: list[str], threads: int) -> dict[str, list]:
    """Describe each job three times in a row, the jobs spread over ``threads`` threads."""
    client = client_for(emulator)

    def describe_three_times(job_id: str) -> tuple[str, list]:
        answers = []
        for _ in range(3):
            try:
                client.describe_dashboard_snapshot_job(**ids(job_id))
            except botocore.exceptions.ClientError as error:
                answers.append(error.response["Error"]["Code"])
            except botocore.exceptions.ConnectionClosedError:
                answers.append("dropped")
        return job_id, answers

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return dict(pool.map(describe_three_times, job_ids))


def test_a_seed_gives_each_call_the_same_faults_whatever_the_order_of_calls():
    faults = Faults(error_rate=0.3, drop_rate=0.3, seed=11)
    job_ids = [f"job-{number:02}" for number in range(12)]
    runs = []
    for order, threads in ((job_ids, 1), (job_ids[::-1], 6), (job_ids[5:] + job_ids[:5], 4)):
        with Emulator(Settings(faults=faults, max_requests_per_second=1000)) as emulator:
            runs.append(_answers_per_job(emulator, order, threads))
    assert runs[0] == runs[1] == runs[2]
    answers = {answer for per_job in runs[0].values() for answer in per_job}
    assert answers == {"InternalFailureException", "dropped", "ResourceNotFoundException"}


def test_dashboard_definitions_and_data_sets_are_served_from_a_folder(tmp_path):
    definition = {
        "DashboardId": "sales",
        "Name": "Sales",
        "ResourceStatus": "CREATION_SUCCESSFUL",
        "Definition": {
            "DataSetIdentifierDeclarations": [
                {"Identifier": "orders", "DataSetArn": "arn:aws:quicksight:::dataset/orders"}
            ],
            "Sheets": [{"SheetId": "summary", "Name": "Summary"}],
        },
        "Status": 200,
        "RequestId": "captured-earlier",
    }
    data_set = {
        "DataSet": {"DataSetId": "orders", "Name": "Orders", "ImportMode": "SPICE"},
        "Status": 200,
    }
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "data-sets").mkdir()
    (tmp_path / "dashboards" / "sales.json").write_text(json.dumps(definition))
    (tmp_path / "data-sets" / "orders.json").write_text(json.dumps(data_set))
    with Emulator(Settings(definitions=tmp_path)) as emulator:
        client = client_for(emulator)
        dashboard = client.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId="sales")
        found = client.describe_data_set(AwsAccountId=ACCOUNT, DataSetId="orders")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_dashboard_definition(AwsAccountId=ACCOUNT, DashboardId="other")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.start_dashboard_snapshot_job(**{**job_request("x"), "DashboardId": "other"})
        client.start_dashboard_snapshot_job(**job_request("known-dashboard"))
    assert_matches_model("DescribeDashboardDefinition", dashboard)
    assert_matches_model("DescribeDataSet", found)
    assert dashboard["Definition"]["Sheets"] == [{"SheetId": "summary", "Name": "Summary"}]
    assert dashboard["RequestId"] != "captured-earlier"
    assert found["DataSet"]["ImportMode"] == "SPICE"


def test_routes_come_from_the_service_model():
    pattern = uri_pattern("/accounts/{AwsAccountId}/dashboards/{DashboardId}/definition?x=1")
    assert pattern.match("/accounts/1/dashboards/d-1/definition").groupdict() == {
        "AwsAccountId": "1",
        "DashboardId": "d-1",
    }
    assert not pattern.match("/accounts/1/dashboards/d/e/definition")


def test_window_and_overlap_measures():
    assert max_in_window([0.0, 0.5, 1.0, 1.01, 2.5]) == 3
    assert peak_overlap([(0, 2), (1, 3), (2, 4)]) == 2  # an end and a start at 2 do not overlap


def test_calls_are_admitted_in_the_order_they_arrive():
    with Emulator(Settings(), clock=TickingClock()) as emulator:
        client = client_for(emulator)

        def describe() -> None:
            with contextlib.suppress(client.exceptions.ClientError):
                client.describe_dashboard_snapshot_job(**ids("unknown"))

        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(24):
                pool.submit(describe)
    by_admission = sorted(emulator.service.calls(), key=lambda call: call.time)
    # All within a second of the clock: the first ten admitted are answered, every later
    # one throttled.
    assert [call.status for call in by_admission] == [404] * 10 + [429] * 14


@pytest.mark.parametrize(
    ("faults", "seen"),
    [
        (Faults(drop_rate=1.0), botocore.exceptions.ConnectionClosedError),
        (Faults(unavailable_rate=1.0), botocore.exceptions.ClientError),
    ],
)
def test_a_start_can_lose_its_answer_after_it_took_effect(faults, seen):
    only_starts = replace(faults, operations=frozenset({"StartDashboardSnapshotJob"}))
    with Emulator(Settings(faults=only_starts)) as emulator:
        client = client_for(emulator)
        with pytest.raises(seen):
            client.start_dashboard_snapshot_job(**job_request("lost"))
        described = client.describe_dashboard_snapshot_job(**ids("lost"))
    assert described["JobStatus"] in ("QUEUED", "RUNNING")
    assert [job.job_id for job in emulator.service.jobs()] == ["lost"]


def test_a_garbled_answer_is_an_html_page_with_a_200():
    with Emulator(Settings(faults=Faults(garbage_rate=1.0))) as emulator:
        answer = client_for(emulator).start_dashboard_snapshot_job(**job_request("garbled"))
    assert "SnapshotJobId" not in answer  # botocore found no JSON to parse
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/html"
    assert [job.job_id for job in emulator.service.jobs()] == ["garbled"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_command_prints_what_it_saw_when_stopped(stop, tmp_path):
    command = [sys.executable, "-m", "qslint", "emulator", "--port", "0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stderr.readline()
        assert banner.startswith("QuickSight emulator on http://127.0.0.1:")
        url = banner.split()[3]
        client = boto3.client(
            "quicksight",
            region_name=REGION,
            endpoint_url=url,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        client.start_dashboard_snapshot_job(**job_request("seen"))
        process.send_signal(stop)
        _, rest = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "1 call, at most 1 in one second; 1 job, at most 1 running at once" in rest


def test_a_port_in_use_is_one_line_naming_it(run_qslint):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_qslint("emulator", "--port", str(port))
    assert result.exit_code == 2
    assert result.stderr == (
        f"qslint: cannot listen on 127.0.0.1:{port}: address already in use (another "
        "emulator?); choose another --port, or --port 0 for any free one\n"
    )

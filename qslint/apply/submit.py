"""The scheduler's :class:`SnapshotService` over boto3; boto3 is imported here only, lazily.

botocore's own retries are off: every retry is the scheduler's, through its rate limiter,
so the limiter sees every call that leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from qslint.apply.plan import PlannedJob
from qslint.apply.scheduler import CONNECTION_ERROR, JobResult, ServiceFailure

T = TypeVar("T")


class ConnectError(Exception):
    """No region or no credentials: a usage error, before anything is submitted."""


def to_request(value: Any) -> Any:
    """A definition's values as botocore takes them: YAML dates become UTC timestamps."""
    if isinstance(value, Mapping):
        return {key: to_request(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_request(item) for item in value]
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)  # YAML: no zone is UTC
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Boto3SnapshotService:
    client: Any  # a boto3 QuickSight client

    def pace(self, wait_turn: Callable[[], None]) -> None:
        # before-send fires after the request is built and signed, as it goes to the wire.
        self.client.meta.events.register("before-send.quicksight", lambda **_: wait_turn())

    def start(self, job: PlannedJob, job_id: str) -> None:
        request = {**to_request(job.request), "SnapshotJobId": job_id}
        self.call(lambda: self.client.start_dashboard_snapshot_job(**request))

    def status(self, job: PlannedJob, job_id: str) -> str:
        answer = self.call(lambda: self.client.describe_dashboard_snapshot_job(**_ids(job, job_id)))
        return str(answer["JobStatus"])

    def result(self, job: PlannedJob, job_id: str) -> JobResult:
        answer = self.call(
            lambda: self.client.describe_dashboard_snapshot_job_result(**_ids(job, job_id))
        )
        return job_result(answer)

    @staticmethod
    def call(call: Callable[[], T]) -> T:
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            HTTPClientError,
            ParamValidationError,
        )

        try:
            return call()
        except ClientError as error:
            details = error.response.get("Error", {})
            raise ServiceFailure(
                details.get("Code", "Unknown"), details.get("Message", str(error))
            ) from error
        except (ConnectionError, HTTPClientError) as error:
            raise ServiceFailure(CONNECTION_ERROR, str(error)) from error
        except ParamValidationError as error:
            # botocore's message repeats the offending value, which may be sensitive.
            raise ServiceFailure(
                "ParamValidationError", "botocore refused the request; `qslint check` says why"
            ) from error


def _ids(job: PlannedJob, job_id: str) -> dict[str, str]:
    return {"AwsAccountId": job.account, "DashboardId": job.dashboard, "SnapshotJobId": job_id}


def job_result(answer: Mapping[str, Any]) -> JobResult:
    """The S3 URIs of a result, and its error, if any (the job's or a file's)."""
    result = answer.get("Result", {})
    s3_results = [
        s3
        for users in (result.get("AnonymousUsers", []), result.get("RegisteredUsers", []))
        for user in users
        for group in user.get("FileGroups", [])
        for s3 in group.get("S3Results", [])
    ]
    infos = [answer["ErrorInfo"]] if "ErrorInfo" in answer else []
    infos += [info for s3 in s3_results for info in s3.get("ErrorInfo", [])]
    errors = "; ".join(f"{i.get('ErrorType', 'Error')}: {i.get('ErrorMessage', '')}" for i in infos)
    return JobResult(tuple(s3["S3Uri"] for s3 in s3_results if "S3Uri" in s3), errors or None)


def connect(
    region: str | None, profile: str | None, endpoint_url: str | None, connections: int
) -> Boto3SnapshotService:
    """A QuickSight client from boto3's standard chain, its retries left to the scheduler."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        if session.region_name is None:
            raise ConnectError("no AWS region: pass --region or set AWS_REGION")
        if session.get_credentials() is None:
            raise ConnectError("no AWS credentials found (boto3's standard chain)")
        client = session.client(
            "quicksight",
            endpoint_url=endpoint_url,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                max_pool_connections=max(connections, 10),
            ),
        )
    except BotoCoreError as error:
        raise ConnectError(str(error)) from error
    return Boto3SnapshotService(client)

"""The scheduler's :class:`SnapshotService` over boto3 clients, one per region.

The clients come from :mod:`qslint.aws.client` with botocore's own retries off: every retry
is the scheduler's, through its rate limiter, so the limiter sees every call that leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from qslint.apply.plan import PlannedJob
from qslint.apply.scheduler import JobResult
from qslint.aws.errors import call_service
from qslint.config import Target

T = TypeVar("T")


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
        return call_service(call)


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


@dataclass(frozen=True)
class RegionalSnapshotService:
    """Each job's calls go to the client of the job's region."""

    by_region: Mapping[str, Boto3SnapshotService]

    def pace(self, wait_turn: Callable[[], None]) -> None:
        for service in self.by_region.values():
            service.pace(wait_turn)

    def start(self, job: PlannedJob, job_id: str) -> None:
        self.by_region[job.region].start(job, job_id)

    def status(self, job: PlannedJob, job_id: str) -> str:
        return self.by_region[job.region].status(job, job_id)

    def result(self, job: PlannedJob, job_id: str) -> JobResult:
        return self.by_region[job.region].result(job, job_id)


def connect(targets: Sequence[Target], connections: int) -> RegionalSnapshotService:
    """A client for each target (one per region), or :class:`~qslint.aws.client.ConnectError`."""
    from qslint.aws.client import quicksight_client

    return RegionalSnapshotService(
        {
            str(target.region): Boto3SnapshotService(quicksight_client(target, connections))
            for target in targets
        }
    )

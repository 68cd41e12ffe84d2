"""The scheduler's :class:`SnapshotService` over boto3 clients, one per region.

The clients come from :mod:`qslint.aws.client` with botocore's own retries off: every retry
is the scheduler's, through its rate limiter, so the limiter sees every call that leaves.
An answer that lacks what the operation promises is an ``InvalidAnswer`` failure, transient
like a lost one, never a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qslint.apply.identity import same_definition
from qslint.apply.lifecycle import Description, JobResult
from qslint.apply.plan import PlannedJob, to_request
from qslint.aws.errors import NOT_FOUND, ServiceFailure, call_service, invalid_answer
from qslint.config import Target

JOB_STATUSES = frozenset({"QUEUED", "RUNNING", "COMPLETED", "FAILED"})


@dataclass(frozen=True)
class Boto3SnapshotService:
    client: Any  # a boto3 QuickSight client

    def start(self, job: PlannedJob, job_id: str) -> None:
        request = {**to_request(job.request), "SnapshotJobId": job_id}
        answer = call_service(lambda: self.client.start_dashboard_snapshot_job(**request))
        if answer.get("SnapshotJobId") != job_id:
            raise invalid_answer("to the start does not name the job")

    def describe(self, job: PlannedJob, job_id: str) -> Description | None:
        try:
            answer = call_service(
                lambda: self.client.describe_dashboard_snapshot_job(**_ids(job, job_id))
            )
        except ServiceFailure as failure:
            if failure.code == NOT_FOUND:
                return None
            raise
        return Description(_status(answer), same_definition(job, answer))

    def result(self, job: PlannedJob, job_id: str) -> JobResult:
        answer = call_service(
            lambda: self.client.describe_dashboard_snapshot_job_result(**_ids(job, job_id))
        )
        _status(answer)
        return job_result(answer)


def _ids(job: PlannedJob, job_id: str) -> dict[str, str]:
    return {"AwsAccountId": job.account, "DashboardId": job.dashboard, "SnapshotJobId": job_id}


def _status(answer: Mapping[str, Any]) -> str:
    status = answer.get("JobStatus")
    if status not in JOB_STATUSES:
        raise invalid_answer("has no job status")
    return str(status)


def _list(value: object) -> list[Any]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def job_result(answer: Mapping[str, Any]) -> JobResult:
    """The S3 URIs of a result, and its error, if any (the job's or a file's)."""
    result = _mapping(answer.get("Result"))
    s3_results = [
        s3
        for users in (result.get("AnonymousUsers"), result.get("RegisteredUsers"))
        for user in _list(users)
        for group in _list(user.get("FileGroups"))
        for s3 in _list(group.get("S3Results"))
    ]
    infos = [_mapping(answer["ErrorInfo"])] if "ErrorInfo" in answer else []
    infos += [info for s3 in s3_results for info in _list(s3.get("ErrorInfo"))]
    errors = "; ".join(f"{i.get('ErrorType', 'Error')}: {i.get('ErrorMessage', '')}" for i in infos)
    files = tuple(str(s3["S3Uri"]) for s3 in s3_results if "S3Uri" in s3)
    return JobResult(files, errors or None)


@dataclass(frozen=True)
class RegionalSnapshotService:
    """Each job's calls go to the client of the job's region."""

    by_region: Mapping[str, Boto3SnapshotService]

    def start(self, job: PlannedJob, job_id: str) -> None:
        self.by_region[str(job.region)].start(job, job_id)

    def describe(self, job: PlannedJob, job_id: str) -> Description | None:
        return self.by_region[str(job.region)].describe(job, job_id)

    def result(self, job: PlannedJob, job_id: str) -> JobResult:
        return self.by_region[str(job.region)].result(job, job_id)


def connect(
    targets: Sequence[Target], connections: int, timeouts: tuple[float, float]
) -> RegionalSnapshotService:
    """A client for each target (one per region), or :class:`~qslint.aws.client.ConnectError`.

    ``timeouts`` are the connect and read timeouts, in seconds."""
    from qslint.aws.client import quicksight_client

    connect_timeout, read_timeout = timeouts
    return RegionalSnapshotService(
        {
            str(target.region): Boto3SnapshotService(
                quicksight_client(target, connections, connect_timeout, read_timeout)
            )
            for target in targets
        }
    )

"""QuickSight's snapshot-job contract, kept in memory: the emulator's answers, without HTTP.

What the API page documents, and the emulator therefore enforces:

- more than ``max_requests_per_second`` calls of one account within a second: the call is
  answered ``ThrottlingException``;
- a start while ``max_running_jobs`` jobs of the account are queued or running (a queued job
  is about to run, so it holds a slot too): ``LimitExceededException``;
- a job id reused for the same dashboard less than a day after its job finished:
  ``ResourceExistsException``;
- a bucket in another region than the call's: ``InvalidParameterValueException``;
- a job is ``QUEUED``, then ``RUNNING``, then ``COMPLETED`` (or ``FAILED``), after the
  configured durations; a finished job's result names one S3 URI per file.

Every call is recorded with its time, operation, account and HTTP status, so that tests can
assert on what a client really did.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qslint.clock import Clock
from qslint.dashboards import DASHBOARDS_FOLDER, DATA_SETS_FOLDER
from qslint.emulator.draws import KeyedDraws

ONE_DAY = 24 * 3600.0
ACTIVE = ("QUEUED", "RUNNING")
EXTENSIONS = {"CSV": "csv", "PDF": "pdf", "EXCEL": "xlsx"}
Operation = Callable[[Mapping[str, str], Mapping[str, Any], str], dict[str, Any]]


class ServiceError(Exception):
    """An error answer: a modelled exception name and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Faults:
    """Fractions of calls answered badly on purpose, to test a client's resilience.

    One draw per call picks at most one of error, throttle, drop, unavailable and garbage;
    the last three happen after the call took effect, as a lost answer does. With a seed,
    each attempt of each call gets the same draws whatever the order calls arrive in.
    """

    error_rate: float = 0.0  # answered 500 InternalFailureException, before taking effect
    throttle_rate: float = 0.0  # answered 429 ThrottlingException whatever the rate
    drop_rate: float = 0.0  # the connection is closed without an answer
    unavailable_rate: float = 0.0  # answered 503 with an HTML page, as a proxy answers
    garbage_rate: float = 0.0  # answered 200 with an HTML page instead of JSON
    slow_rate: float = 0.0  # answered after ``slow_seconds``
    slow_seconds: float = 0.0
    seed: int | None = None
    operations: frozenset[str] = frozenset()  # the operations faults apply to; empty: all

    def __post_init__(self) -> None:
        if sum(rate for _, rate in self.kinds()) > 1:  # one draw decides
            raise ValueError(
                "--error-rate, --throttle-rate, --drop-rate, --unavailable-rate and "
                "--garbage-rate add up past 1"
            )

    def kinds(self) -> tuple[tuple[str, float], ...]:
        return (
            ("error", self.error_rate),
            ("throttle", self.throttle_rate),
            ("drop", self.drop_rate),
            ("unavailable", self.unavailable_rate),
            ("garbage", self.garbage_rate),
        )


@dataclass(frozen=True)
class Settings:
    region: str = "us-east-1"  # for calls whose signature names no region
    queued_seconds: float = 1.0
    running_seconds: float = 3.0
    job_failure_rate: float = 0.0
    max_requests_per_second: int = 10
    max_running_jobs: int = 12
    id_reuse_seconds: float = ONE_DAY
    faults: Faults = Faults()
    definitions: Path | None = None  # dashboards/ID.json and data-sets/ID.json


@dataclass(frozen=True)
class Call:
    """One request the emulator received; ``status`` 0 is a dropped connection."""

    time: float  # the emulator's clock when it admitted the call
    operation: str
    account: str
    status: int


@dataclass(frozen=True)
class Fault:
    """What happens to one call: at most one of error, throttle, drop; perhaps slow too."""

    kind: str | None = None  # "error" | "throttle" | "drop" | "unavailable" | "garbage"
    slow: bool = False


@dataclass
class SnapshotJob:
    account: str
    dashboard: str
    job_id: str
    region: str
    request: dict[str, Any]
    created: float  # monotonic
    created_at: datetime
    queued_seconds: float
    running_seconds: float
    fails: bool

    @property
    def started(self) -> float:
        return self.created + self.queued_seconds

    @property
    def finished(self) -> float:
        return self.started + self.running_seconds

    def status(self, now: float) -> str:
        if now < self.started:
            return "QUEUED"
        if now < self.finished:
            return "RUNNING"
        return "FAILED" if self.fails else "COMPLETED"

    def updated_at(self, now: float) -> datetime:
        moments = (t for t in (self.finished, self.started) if t <= now)
        latest = next(moments, self.created)
        return datetime.fromtimestamp(self.created_at.timestamp() + latest - self.created, UTC)

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:quicksight:{self.region}:{self.account}:dashboard/{self.dashboard}"
            f"/snapshot-job/{self.job_id}"
        )

    def described(self, now: float) -> dict[str, Any]:
        """What both descriptions of the job answer: its ARN, status and times."""
        return {
            "Arn": self.arn,
            "JobStatus": self.status(now),
            "CreatedTime": self.created_at.timestamp(),
            "LastUpdatedTime": self.updated_at(now).timestamp(),
            "RequestId": new_request_id(),
        }


def peak_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """The most half-open ``[start, end)`` intervals that hold at one moment."""
    # At one moment an end (-1) sorts before a start (+1): back-to-back jobs do not overlap.
    events = sorted(event for start, end in intervals for event in ((start, 1), (end, -1)))
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` that fall within any ``window`` seconds (closed at both ends)."""
    ordered = sorted(times)
    most = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] > window:
            first += 1
        most = max(most, last - first + 1)
    return most


class QuickSightService:
    """The state behind the emulator: jobs, rate windows and the call record."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self._changed = threading.Condition()
        self._draws = KeyedDraws()
        self._jobs: dict[tuple[str, str, str], SnapshotJob] = {}
        self._windows: defaultdict[str, deque[float]] = defaultdict(deque)
        self._calls: list[Call] = []
        self._operations: dict[str, Operation] = {
            "StartDashboardSnapshotJob": self._start,
            "DescribeDashboardSnapshotJob": self._describe,
            "DescribeDashboardSnapshotJobResult": self._describe_result,
            "DescribeDashboardDefinition": self._describe_dashboard_definition,
            "DescribeDataSet": self._describe_data_set,
        }

    # -- what tests and the command read -------------------------------------------------

    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def jobs(self) -> list[SnapshotJob]:
        with self._changed:
            return list(self._jobs.values())

    def wait_for(self, predicate: Callable[[QuickSightService], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds after some call (or ``timeout`` passes)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def peak_running(self) -> int:
        """The most jobs of any one account that were running at once."""
        jobs = self.jobs()
        return max(
            (
                peak_overlap([(j.started, j.finished) for j in jobs if j.account == one])
                for one in {job.account for job in jobs}
            ),
            default=0,
        )

    def max_calls_per_second(self) -> int:
        by_account: defaultdict[str, list[float]] = defaultdict(list)
        for call in self.calls():
            by_account[call.account].append(call.time)
        return max((max_in_window(times) for times in by_account.values()), default=0)

    # -- handling a call ------------------------------------------------------------------

    def draw_fault(
        self, operation: str, labels: Mapping[str, str], body: Mapping[str, Any]
    ) -> Fault:
        faults = self.settings.faults
        if faults.operations and operation not in faults.operations:
            return Fault()
        # The call, as its retries repeat it: the operation and the ids it names.
        call = (operation, *(labels[name] for name in sorted(labels)))
        call += (str(body.get("SnapshotJobId", "")),)
        roll = self._draws.draw(faults.seed, "fault", *call)
        slow = self._draws.draw(faults.seed, "slow", *call) < faults.slow_rate
        for kind, rate in faults.kinds():
            if roll < rate:
                return Fault(kind, slow)
            roll -= rate
        return Fault(None, slow)

    def record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def handle(
        self,
        operation: str,
        labels: Mapping[str, str],
        body: Mapping[str, Any],
        region: str,
        fault: Fault,
    ) -> tuple[float, dict[str, Any] | ServiceError]:
        """When the call was admitted, and its answer or :class:`ServiceError`.

        Calls are admitted one at a time, each stamped as it is admitted: the rate window
        sees them in the order they arrive.
        """
        with self._changed:
            admitted = self.clock.now()
            try:
                self._admit(labels["AwsAccountId"], fault, admitted)
                return admitted, self._operations[operation](labels, body, region)
            except ServiceError as error:
                return admitted, error

    def _admit(self, account: str, fault: Fault, now: float) -> None:
        if fault.kind == "error":
            raise ServiceError("InternalFailureException", "An internal failure occurred.")
        window = self._windows[account]
        while window and now - window[0] > 1.0:
            window.popleft()
        if fault.kind == "throttle" or len(window) >= self.settings.max_requests_per_second:
            raise ServiceError("ThrottlingException", "Rate exceeded")
        window.append(now)

    def _job(self, labels: Mapping[str, str]) -> SnapshotJob:
        key = (labels["AwsAccountId"], labels["DashboardId"], labels["SnapshotJobId"])
        job = self._jobs.get(key)
        if job is None:
            raise ServiceError("ResourceNotFoundException", f"Snapshot job {key[2]} was not found.")
        return job

    def _start(
        self, labels: Mapping[str, str], body: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        account, dashboard = labels["AwsAccountId"], labels["DashboardId"]
        job_id = body["SnapshotJobId"]
        if self.settings.definitions is not None:
            self._definition_path(DASHBOARDS_FOLDER, dashboard)  # the dashboard must exist
        _check_bucket_regions(body, region)
        now = self.clock.now()
        previous = self._jobs.get((account, dashboard, job_id))
        if previous is not None and now < previous.finished + self.settings.id_reuse_seconds:
            raise ServiceError(
                "ResourceExistsException",
                f"Snapshot job {job_id} already exists; an id can be reused 24 hours after "
                "its job completes.",
            )
        active = sum(
            1 for job in self._jobs.values() if job.account == account and job.status(now) in ACTIVE
        )
        if active >= self.settings.max_running_jobs:
            raise ServiceError(
                "LimitExceededException",
                f"{active} snapshot jobs are already running in account {account}; wait for "
                "one to complete.",
            )
        job = SnapshotJob(
            account=account,
            dashboard=dashboard,
            job_id=job_id,
            region=region,
            request=dict(body),
            created=now,
            created_at=datetime.now(UTC),
            queued_seconds=self.settings.queued_seconds,
            running_seconds=self.settings.running_seconds,
            fails=self._draws.draw(self.settings.faults.seed, "failure", account, dashboard, job_id)
            < self.settings.job_failure_rate,
        )
        self._jobs[(account, dashboard, job_id)] = job
        return {"Arn": job.arn, "SnapshotJobId": job_id, "RequestId": new_request_id()}

    def _describe(
        self, labels: Mapping[str, str], body: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        job, now = self._job(labels), self.clock.now()
        users = job.request.get("UserConfiguration", {}).get("AnonymousUsers", [])
        redacted = [
            {"RowLevelPermissionTagKeys": [tag["Key"] for tag in user["RowLevelPermissionTags"]]}
            if user.get("RowLevelPermissionTags")
            else {}
            for user in users
        ]
        return {
            "AwsAccountId": job.account,
            "DashboardId": job.dashboard,
            "SnapshotJobId": job.job_id,
            "UserConfiguration": {"AnonymousUsers": redacted} if redacted else {},
            "SnapshotConfiguration": job.request["SnapshotConfiguration"],
            **job.described(now),
            "Status": 200,
        }

    def _describe_result(
        self, labels: Mapping[str, str], body: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        job, now = self._job(labels), self.clock.now()
        status = job.status(now)
        if status in ACTIVE:
            raise ServiceError(
                "PreconditionNotMetException",
                f"Snapshot job {job.job_id} is {status}; its result is ready when it completes.",
            )
        answer = job.described(now)
        if job.fails:
            answer["ErrorInfo"] = {
                "ErrorMessage": "The snapshot could not be generated (emulated failure).",
                "ErrorType": "INTERNAL_ERROR",
            }
        else:
            answer["Result"] = {"AnonymousUsers": _results(job)}
        return answer

    def _describe_dashboard_definition(
        self, labels: Mapping[str, str], body: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        found = self._definition(DASHBOARDS_FOLDER, labels["DashboardId"])
        return {"DashboardId": labels["DashboardId"], **found, "RequestId": new_request_id()}

    def _describe_data_set(
        self, labels: Mapping[str, str], body: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        found = self._definition(DATA_SETS_FOLDER, labels["DataSetId"])
        return {**found, "RequestId": new_request_id()}

    def _definition_path(self, kind: str, resource_id: str) -> Path:
        """Where ``definitions/KIND/ID.json`` is; ResourceNotFoundException if nowhere."""
        folder = self.settings.definitions
        path = None if folder is None else folder / kind / f"{resource_id}.json"
        if path is None or not path.is_file():
            raise ServiceError("ResourceNotFoundException", f"{kind[:-1]} {resource_id} not found.")
        return path

    def _definition(self, kind: str, resource_id: str) -> dict[str, Any]:
        """``definitions/KIND/ID.json`` as ``aws quicksight describe-…`` prints it."""
        found = json.loads(self._definition_path(kind, resource_id).read_text(encoding="utf-8"))
        return {key: value for key, value in found.items() if key not in ("Status", "RequestId")}


def _check_bucket_regions(body: Mapping[str, Any], region: str) -> None:
    destinations = body["SnapshotConfiguration"].get("DestinationConfiguration", {})
    for destination in destinations.get("S3Destinations", []):
        bucket = destination["BucketConfiguration"]
        if bucket["BucketRegion"] != region:
            raise ServiceError(
                "InvalidParameterValueException",
                f"The S3 bucket {bucket['BucketName']} is in {bucket['BucketRegion']}; it must "
                f"be in the region the job is started in ({region}).",
            )


def _results(job: SnapshotJob) -> list[dict[str, Any]]:
    """One result per anonymous user: each file group with the S3 URI of its file."""
    configuration = job.request["SnapshotConfiguration"]
    destinations = configuration.get("DestinationConfiguration", {}).get("S3Destinations", [])
    users = job.request.get("UserConfiguration", {}).get("AnonymousUsers") or [{}]
    results = []
    for user_index, _ in enumerate(users):
        groups = []
        for group_index, group in enumerate(configuration["FileGroups"]):
            s3_results = [
                {
                    "S3DestinationConfiguration": destination,
                    "S3Uri": _s3_uri(destination, job, user_index, group_index, file),
                }
                for destination in destinations
                for file in group.get("Files", [])
            ]
            groups.append({"Files": group.get("Files", []), "S3Results": s3_results})
        results.append({"FileGroups": groups})
    return results


def _s3_uri(
    destination: Mapping[str, Any],
    job: SnapshotJob,
    user_index: int,
    group_index: int,
    file: Mapping[str, Any],
) -> str:
    bucket = destination["BucketConfiguration"]
    prefix = bucket["BucketPrefix"].strip("/")
    extension = EXTENSIONS[file["FormatType"]]
    name = f"{job.job_id}/user-{user_index}/group-{group_index}.{extension}"
    return f"s3://{bucket['BucketName']}/{prefix}/{name}"


def new_request_id() -> str:
    return str(uuid.uuid4())

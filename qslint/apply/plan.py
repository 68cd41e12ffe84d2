"""Which jobs a run submits, and how long the documented timing method says it takes."""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qslint.compiled_model import values_set
from qslint.rule import CheckedJob

if TYPE_CHECKING:
    from qslint.findings import Mark
    from qslint.loader.documents import FanOutRow

DEFAULT_CONCURRENCY = 12  # jobs one account runs at once (the API page)
MAX_JOB_ID_LENGTH = 512
# Account, region ("" for none), dashboard, the definition's SnapshotJobId: dashboards and
# job ids are regional, so the same ids in two regions are two jobs.
JobKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class TemplateRow:
    """The row of a fan-out that gave a job, and where in the job's file its template starts:
    the rows of one template are shown together, named by number or ``row-name``."""

    line: int
    row: FanOutRow

    @classmethod
    def of(cls, start: Mark, row: FanOutRow | None) -> TemplateRow | None:
        """The row of the job whose document starts at ``start``; None for a plain one."""
        return None if row is None else cls(start.line, row)


@dataclass(frozen=True)
class PlannedJob:
    """One job definition as apply submits it."""

    file: str
    account: str
    region: str | None  # where it is submitted: its file's configuration's region
    dashboard: str
    name: str  # the definition's SnapshotJobId
    formats: tuple[str, ...]
    request: Mapping[str, Any]  # the definition, exactly as written (parsed)
    template: TemplateRow | None = None  # None: a plain definition

    @property
    def key(self) -> JobKey:
        return (self.account, self.region or "", self.dashboard, self.name)

    @functools.cached_property
    def digest(self) -> str:  # read by the plan and, twice, by the journal
        return content_digest(self.request)


@dataclass(frozen=True)
class LeftOut:
    """A job the run does not submit, and why."""

    file: str
    key: JobKey
    reason: str
    template: TemplateRow | None = None


@dataclass(frozen=True)
class Plan:
    selected: list[PlannedJob]
    left_out: list[LeftOut]
    # Of ``selected``, those the baseline does not hold; None without a baseline.
    new: frozenset[JobKey] | None = None


def job_key(definition: Mapping[str, Any], region: str | None) -> JobKey:
    account, dashboard, name = (
        str(definition.get(field, "")) for field in ("AwsAccountId", "DashboardId", "SnapshotJobId")
    )
    return (account, region or "", dashboard, name)


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


def _instant(value: Any) -> Any:
    """A DateTime parameter value as the instant botocore sends: a timestamp string or an
    epoch number is the same instant as the YAML timestamp (a string botocore could not
    parse stays as written; QS403 reports it)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return value
    return value


def api_request(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The request as botocore sends it, as far as comparing two of them goes: dates and
    every form of a DateTime parameter's values are instants."""
    request = dict(to_request(definition))
    parameters = request.get("SnapshotConfiguration", {}).get("Parameters", {})
    for parameter in parameters.get("DateTimeParameters", []):
        parameter["Values"] = [_instant(value) for value in parameter.get("Values", [])]
    return request


def api_form(value: Any) -> Any:
    """Values as the API compares them: ``1000`` and ``1000.0`` are one JSON number, a date
    is the instant botocore sends, a member left empty is a member left out."""
    if isinstance(value, Mapping):
        members = {str(key): api_form(item) for key, item in value.items()}
        return {key: item for key, item in members.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [api_form(item) for item in value]
    if isinstance(value, datetime | date):
        return api_form(to_request(value).timestamp())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def content_digest(definition: Mapping[str, Any]) -> str:
    """A digest of a definition's parsed content: formatting and comments do not count, nor
    differences the API does not see (``1000`` and ``1000.0``)."""
    text = json.dumps(api_form(api_request(definition)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def planned_jobs(
    checked: Iterable[CheckedJob], region_of: Callable[[str], str | None]
) -> list[PlannedJob]:
    """The jobs as apply submits them, each in the region of its file (``region_of``)."""
    jobs = []
    for item in checked:
        job = item.job
        jobs.append(
            PlannedJob(
                file=item.file,
                account=job.AwsAccountId,
                region=region_of(item.file),
                dashboard=job.DashboardId,
                name=job.SnapshotJobId,
                formats=tuple(file.FormatType for _, file in job.files()),
                # The values as parsed: fields left out stay out, YAML dates stay dates.
                request=values_set(job),
                template=TemplateRow.of(item.start, item.row),
            )
        )
    return jobs


@dataclass(frozen=True)
class DefinitionAt:
    """A job's definition at a git ref: its file, its content's digest, and whether the
    file is under the paths of the run."""

    file: str
    digest: str
    in_paths: bool
    template: TemplateRow | None = None


def select_changed(
    jobs: Sequence[PlannedJob], before: Mapping[JobKey, DefinitionAt], ref: str
) -> Plan:
    """The jobs that are new or differ from what ``before`` holds at ``ref``.

    Jobs that existed under the run's paths at ``ref`` and exist no more are reported,
    never acted on.
    """
    selected, left_out = [], []
    for job in jobs:
        earlier = before.get(job.key)
        if earlier is not None and earlier.digest == job.digest:
            left_out.append(LeftOut(job.file, job.key, f"unchanged since {ref}", job.template))
        else:
            selected.append(job)
    current = {job.key for job in jobs}
    left_out += [
        LeftOut(earlier.file, key, f"deleted since {ref} (not acted on)", earlier.template)
        for key, earlier in before.items()
        if earlier.in_paths and key not in current
    ]
    new = frozenset(job.key for job in selected if job.key not in before)
    return Plan(selected, left_out, new)


def waves(jobs: int, concurrency: int = DEFAULT_CONCURRENCY) -> int:
    return math.ceil(jobs / concurrency)


def estimate_minutes(
    jobs: int, minutes_per_wave: float, concurrency: int = DEFAULT_CONCURRENCY
) -> float:
    """The API page's method: jobs run in waves of the concurrency limit, each taking as long
    as one measured wave. 100 jobs at 12 minutes per wave of 12: 9 waves, 108 minutes."""
    return waves(jobs, concurrency) * minutes_per_wave


def latest_start(deadline: datetime, minutes: float) -> datetime:
    """The latest moment to start so that ``minutes`` of work end by ``deadline``."""
    return deadline - timedelta(minutes=minutes)


def largest_account(jobs: Sequence[PlannedJob]) -> int:
    """Accounts run side by side: the timing is the one of the account with most jobs."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.account] = counts.get(job.account, 0) + 1
    return max(counts.values(), default=0)

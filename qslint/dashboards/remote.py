"""Online: the dashboards of a run's jobs, fetched from QuickSight once each.

boto3 is imported only when a client is made: ``qslint check`` without ``--remote`` never
loads it. Every call goes through the shared rate limiter (at most 10 calls in any second),
with botocore's own retries off so that the limiter sees each call; throttles and transient
failures are tried again, with backoff, through that limiter (:mod:`qslint.aws.retry`).
A dashboard QuickSight says it does not have (``ResourceNotFoundException``) is QS701's, at
each job that exports it. A dashboard or data set QuickSight still does not describe once the
retries are spent (throttled, a 5xx or connection error, ``AccessDeniedException``, an answer
that is no definition) is QS709's: the gate could not check those jobs, and says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from qslint.aws.errors import NOT_FOUND, ServiceFailure
from qslint.aws.limiter import shared_limiter
from qslint.aws.retry import RetryingCaller
from qslint.clock import Clock
from qslint.config import Target
from qslint.dashboards import DASHBOARDS_FOLDER, DATA_SETS_FOLDER, DashboardSourceError
from qslint.dashboards.index import (
    Dashboard,
    Dashboards,
    DefinitionError,
    dashboard_from_answer,
    tag_keys_from_answer,
    with_tag_keys,
)

CALL_DETAILS = ("ResponseMetadata", "RequestId", "Status")


class QuickSightReader:
    """``DescribeDashboardDefinition`` and ``DescribeDataSet``, rate-limited and retried."""

    def __init__(self, target: Target, clock: Clock | None = None) -> None:
        from qslint.aws.client import ConnectError, quicksight_client

        try:
            self._client = quicksight_client(target, connections=1)
        except ConnectError as error:
            raise DashboardSourceError(str(error)) from error
        self._caller = RetryingCaller(shared_limiter(clock), clock or Clock())

    def dashboard(self, account: str, dashboard_id: str) -> dict[str, Any]:
        """The definition as ``aws quicksight describe-dashboard-definition`` prints it."""
        describe = self._client.describe_dashboard_definition
        return self._call(lambda: describe(AwsAccountId=account, DashboardId=dashboard_id))

    def data_set(self, account: str, data_set_id: str) -> dict[str, Any]:
        describe = self._client.describe_data_set
        return self._call(lambda: describe(AwsAccountId=account, DataSetId=data_set_id))

    def _call(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        answer = self._caller.call(call)
        # The call's own details (ids that change each time, the HTTP status) are no part of
        # the definition: a pulled file changes only when the dashboard does.
        return {k: v for k, v in answer.items() if k not in CALL_DETAILS}


def _reason(failure: ServiceFailure) -> str:
    return f"QuickSight answered {failure.code}: {failure.message}"


def _as_json(answer: dict[str, Any]) -> str:
    return json.dumps(answer, indent=2, default=lambda value: value.isoformat()) + "\n"


def fetch_dashboards(
    wanted: Iterable[tuple[str, str]], reader: QuickSightReader, *, fail_closed: bool = True
) -> Dashboards:
    """Each ``(account, dashboard id)`` of ``wanted`` fetched once, with its data sets' RLS keys.

    A dashboard not described even after the retries is ``unreadable`` (QS709) when the gate
    ``fail_closed``; else it is only ``unavailable`` (QS701, a warning), as one not found is.
    """
    digest = hashlib.sha256()
    found: dict[tuple[str, str], Dashboard] = {}
    unavailable: dict[tuple[str, str], str] = {}
    unreadable: dict[tuple[str, str], str] = {}
    tag_keys: dict[str, frozenset[str]] = {}
    data_set_problems: dict[str, str] = {}  # why a data set could not be read
    tried: set[str] = set()
    for key in sorted(set(wanted)):
        try:
            answer = reader.dashboard(*key)
            dashboard = dashboard_from_answer(answer)
        except ServiceFailure as failure:
            missing = unavailable if failure.code == NOT_FOUND else unreadable
            missing[key] = _reason(failure)
            continue
        except DefinitionError as error:
            unreadable[key] = f"QuickSight's answer is not a dashboard definition ({error})"
            continue
        digest.update(_as_json(answer).encode())
        found[key] = dashboard
        for data_set in sorted(set(dashboard.data_sets) - tried):
            tried.add(data_set)
            try:
                data_set_answer = reader.data_set(key[0], data_set)
                tag_keys[data_set] = tag_keys_from_answer(data_set_answer)[1]
            except ServiceFailure as failure:
                if failure.code != NOT_FOUND:  # a data set that is gone: QS708 stays silent
                    data_set_problems[data_set] = _reason(failure)
                continue
            except DefinitionError as error:
                data_set_problems[data_set] = f"QuickSight's answer is not a data set ({error})"
                continue
            digest.update(_as_json(data_set_answer).encode())
        for data_set in dashboard.data_sets:
            if data_set in data_set_problems:
                unreadable[key] = f"data set `{data_set}`: {data_set_problems[data_set]}"
                break
    # What could not be read changes the findings as much as what was.
    digest.update(json.dumps([sorted(unavailable), sorted(unreadable)]).encode())
    completed = with_tag_keys(found.values(), tag_keys)
    return Dashboards(
        found=dict(zip(found, completed, strict=True)),
        origin="QuickSight",
        digest=digest.hexdigest(),
        unavailable={**unavailable, **unreadable} if not fail_closed else unavailable,
        unreadable=unreadable if fail_closed else {},
    )


def pull_dashboards(
    account: str, dashboard_ids: Sequence[str], out: Path, reader: QuickSightReader
) -> tuple[list[Path], list[str]]:
    """Write each dashboard's definition and its data sets' under ``out``.

    The layout is the one ``qslint emulator --dashboards`` serves: ``dashboards/ID.json`` and
    ``data-sets/ID.json``. Returns the files written and one line per resource not fetched.
    """
    from qslint.files import write_atomically

    written: list[Path] = []
    problems: list[str] = []

    def pull(
        folder: str, resource_id: str, describe: Callable[[str, str], dict[str, Any]]
    ) -> dict[str, Any] | None:
        try:
            answer = describe(account, resource_id)
        except ServiceFailure as failure:
            problems.append(f"{folder[:-1]} {resource_id}: {_reason(failure)}")
            return None
        path = out / folder / f"{resource_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, _as_json(answer))
        written.append(path)
        return answer

    data_sets: dict[str, None] = {}  # in the order dashboards name them, each once
    for dashboard_id in dict.fromkeys(dashboard_ids):
        answer = pull(DASHBOARDS_FOLDER, dashboard_id, reader.dashboard)
        if answer is None:
            continue
        try:
            data_sets.update(dict.fromkeys(dashboard_from_answer(answer).data_sets))
        except DefinitionError:
            continue  # written as QuickSight gave it; an offline check will say what is wrong
    for data_set in data_sets:
        pull(DATA_SETS_FOLDER, data_set, reader.data_set)
    return written, problems

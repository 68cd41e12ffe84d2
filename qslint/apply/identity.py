"""A deployment's identity: the SnapshotJobId each job is submitted under.

The id is derived from the definition's parsed content and the run key (by default the git
commit the definitions come from), so every run of one deployment, on any machine, in any
order or at the same time, submits each job under the same id, and the service's refusal
of a second job with that id is what keeps it from being exported twice. A failed export is
retried under the id of its next attempt, derived from the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from qslint.apply.plan import PlannedJob, api_form, api_request

MAX_JOB_ID_LENGTH = 512  # the service model's limit for SnapshotJobId
TOKEN_LENGTH = 12  # hex digits of the deployment token: 48 bits

JobIdFor = Callable[[PlannedJob, int], str]


class RunKeyError(Exception):
    """No run key: the definitions are not in git and none was given (a usage error)."""


def resolve_run_key(given: str | None, paths: Sequence[Path]) -> str:
    """``given``, else the commit checked out in the repository of the first path."""
    if given is not None:
        if not given.strip():
            raise RunKeyError("--run-key must not be empty")
        return given
    from qslint.apply.changes import ChangesError, head_commit, repository_folder

    try:
        return head_commit(repository_folder(paths))
    except ChangesError as error:
        raise RunKeyError(
            f"no run key ({error}): run in the git repository of the definitions, or pass "
            "--run-key KEY"
        ) from error


def job_id_for(run_key: str, *, exact: bool) -> JobIdFor:
    """The id of a job's ``attempt`` (1 first): ``<SnapshotJobId>-<token>[-<attempt>]``, the
    token a digest of the run key and the definition; with ``exact``, ``<SnapshotJobId>``
    and ``-<attempt>`` from the second on. Always valid ``[\\w-]+`` of at most 512."""

    def job_id(job: PlannedJob, attempt: int) -> str:
        suffix = "" if attempt == 1 else f"-{attempt}"
        if not exact:
            token = hashlib.sha256(f"{run_key}\n{job.digest}".encode()).hexdigest()
            suffix = f"-{token[:TOKEN_LENGTH]}{suffix}"
        return job.name[: MAX_JOB_ID_LENGTH - len(suffix)] + suffix

    return job_id


def same_definition(job: PlannedJob, described: Mapping[str, Any]) -> bool:
    """Whether a DescribeDashboardSnapshotJob answer shows ``job``'s definition.

    The answer holds the snapshot configuration in full, and of the anonymous users only
    their row-level tags' keys (the values are sensitive): those are compared.
    """
    request = api_request(job.request)
    sent_users = request.get("UserConfiguration", {}).get("AnonymousUsers", [])
    shown_users = (described.get("UserConfiguration") or {}).get("AnonymousUsers") or []
    sent = [[tag["Key"] for tag in user.get("RowLevelPermissionTags", [])] for user in sent_users]
    shown = [list(user.get("RowLevelPermissionTagKeys") or []) for user in shown_users]
    return (
        described.get("DashboardId", job.dashboard) == job.dashboard
        and api_form(described.get("SnapshotConfiguration"))
        == api_form(request["SnapshotConfiguration"])
        and [keys for keys in sent if keys] == [keys for keys in shown if keys]
    )

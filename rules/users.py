"""QS501–QS502: who the snapshot is generated for (row-level security)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from qslint.findings import Severity
from qslint.rule import RuleContext, Violation, job_rule

if TYPE_CHECKING:
    from qslint.model import StartDashboardSnapshotJobRequest as Job


@job_rule("QS501", "A row-level security tag key is repeated for one user")
def duplicate_tag_key(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `RowLevelPermissionTags` key given twice for the same anonymous user.

    ## Why is this bad?
    Each tag key takes one value per user; with two, the service refuses the request or
    one of them silently wins, and the export may show rows it should not.

    ## Example
    ```yaml
    RowLevelPermissionTags:
      - {Key: region, Value: EMEA}
      - {Key: region, Value: APAC}
    ```

    ## Fix
    Keep one entry per key. To allow several values, use the separator your dataset's tag
    configuration declares, inside one value.
    """
    users = (job.UserConfiguration and job.UserConfiguration.AnonymousUsers) or []
    for u, user in enumerate(users):
        keys: set[str] = set()
        for t, tag in enumerate(user.RowLevelPermissionTags or []):
            if tag.Key in keys:
                yield Violation(
                    f"tag key `{tag.Key}` is already given for this user",
                    path=(
                        "UserConfiguration",
                        "AnonymousUsers",
                        u,
                        "RowLevelPermissionTags",
                        t,
                        "Key",
                    ),
                )
            keys.add(tag.Key)


@job_rule("QS502", "No UserConfiguration", severity=Severity.WARNING)
def user_configuration_missing(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a job without `UserConfiguration`.

    ## Why is this bad?
    The API reference lists `UserConfiguration` as required, though the current service
    model makes it optional: without it, who the snapshot is generated for (and so which
    row-level security applies) is left to the service's default.

    ## Example
    A job with `AwsAccountId`, `DashboardId`, `SnapshotJobId` and `SnapshotConfiguration`
    only.

    ## Fix
    Add the anonymous user the snapshot is for:
    ```yaml
    UserConfiguration:
      AnonymousUsers:
        - RowLevelPermissionTags:
            - {Key: region, Value: EMEA}
    ```
    """
    if job.UserConfiguration is None:
        yield Violation(
            "no `UserConfiguration`: the API reference requires the anonymous user the "
            "snapshot is generated for",
            path=("UserConfiguration",),
        )

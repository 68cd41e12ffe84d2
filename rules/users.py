"""QS501–QS504: who the snapshot is generated for (row-level security)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from qslint.findings import Severity
from qslint.rule import RuleContext, RuleOption, Violation, job_rule
from qslint.wire import escape_note, unrendered_placeholder

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


IDENTITY_ENHANCED = "identity-enhanced"
REGISTERED_USER_SHAPE = (
    "for a registered-user snapshot made with identity-enhanced credentials, leave "
    "`UserConfiguration` out"
)


@job_rule(
    "QS502",
    "UserConfiguration is missing, or set where identity-enhanced jobs forbid it",
    severity=Severity.WARNING,
    options=[
        RuleOption(
            IDENTITY_ENHANCED,
            False,
            "jobs run with identity-enhanced (registered-user) credentials: report any "
            "UserConfiguration instead of a missing one",
        )
    ],
)
def user_configuration_shape(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    By default, reports a job without `UserConfiguration`. With the option
    `identity-enhanced = true` (for accounts that start snapshot jobs with identity-enhanced
    session credentials), reports a job that has one instead.

    ## Why is this bad?
    A request takes one of two shapes. An embedded snapshot for anonymous users names them,
    with the row-level security tags that decide which rows the files show, under
    `UserConfiguration.AnonymousUsers`. A snapshot for a registered user, started with
    identity-enhanced session credentials, must leave `UserConfiguration` out: the service
    model says the request is invalid otherwise. A job without it is therefore either a
    registered-user job or an anonymous one whose user (and row-level security) was
    forgotten; the option says which kind the account runs, so the rule can tell.

    ## Example
    A job with `AwsAccountId`, `DashboardId`, `SnapshotJobId` and `SnapshotConfiguration`
    only, in an account that exports for anonymous users.

    ## Fix
    Add the anonymous user the snapshot is for:
    ```yaml
    UserConfiguration:
      AnonymousUsers:
        - RowLevelPermissionTags:
            - {Key: region, Value: EMEA}
    ```
    or, if the account's jobs run with identity-enhanced credentials, set
    `identity-enhanced = true` under `[tool.qslint.options.QS502]` (and remove
    `UserConfiguration` from the jobs it then reports).
    """
    configuration = job.UserConfiguration
    if context.options[IDENTITY_ENHANCED]:
        if configuration is not None and configuration.AnonymousUsers is not None:
            yield Violation(
                "`UserConfiguration` is set, but this account's jobs run with "
                "identity-enhanced credentials (`identity-enhanced` of QS502), for which the "
                "request must leave it out; remove it",
                path=("UserConfiguration",),
                key=True,
            )
    elif configuration is None:
        yield Violation(
            "no `UserConfiguration`: an embedded snapshot for anonymous users names them in "
            "`UserConfiguration.AnonymousUsers` (with their row-level security tags); "
            f"{REGISTERED_USER_SHAPE}, and set QS502's `identity-enhanced` option",
            path=("UserConfiguration",),
        )


@job_rule("QS503", "UserConfiguration holds no anonymous user")
def user_configuration_empty(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `UserConfiguration` that is present but holds no `AnonymousUsers`
    (`UserConfiguration: {}`).

    ## Why is this bad?
    It matches neither shape the service documents: an anonymous-user snapshot needs at
    least one anonymous user ("at least one", and the model's list has a minimum of 1),
    and a registered-user snapshot (identity-enhanced credentials) needs `UserConfiguration`
    left out altogether, or the request is invalid.

    ## Example
    ```yaml
    UserConfiguration: {}
    ```

    ## Fix
    Name the anonymous user the snapshot is for,
    `AnonymousUsers: [{RowLevelPermissionTags: [{Key: region, Value: EMEA}]}]`, or, for a
    registered-user snapshot, delete the `UserConfiguration` line.
    """
    configuration = job.UserConfiguration
    if configuration is not None and configuration.AnonymousUsers is None:
        yield Violation(
            "`UserConfiguration` holds no `AnonymousUsers`: name the anonymous user the "
            f"snapshot is for, or, {REGISTERED_USER_SHAPE}",
            path=("UserConfiguration",),
            key=True,
        )


@job_rule("QS504", "A row-level security tag value is an unrendered template placeholder")
def tag_value_placeholder(job: Job, context: RuleContext) -> Iterator[Violation]:
    """
    ## What it does
    Reports a `RowLevelPermissionTags` value that holds a template placeholder nothing
    rendered: `${REGION}`, `{{ region }}`, `{% ... %}`, `<%= ... %>`, `$(...)`. The value is
    sensitive: the message names the tag key, never the value.

    ## Why is this bad?
    The service filters the rows on the literal text of the placeholder: the files hold no
    rows, or, with a dataset rule that treats unknown values leniently, rows the user must
    not see. Nothing fails, so nobody notices.

    ## Example
    ```yaml
    RowLevelPermissionTags:
      - {Key: region, Value: "${REGION}"}
    ```

    ## Fix
    Render the template before `check` and `apply`, so that the file holds the value itself:
    `Value: EMEA`. In a fan-out template, `$${X}` writes the literal `${X}` on purpose, and
    is not reported.
    """
    users = (job.UserConfiguration and job.UserConfiguration.AnonymousUsers) or []
    for u, user in enumerate(users):
        at = ("UserConfiguration", "AnonymousUsers", u, "RowLevelPermissionTags")
        for t, tag in enumerate(user.RowLevelPermissionTags or []):
            placeholder = unrendered_placeholder(tag.Value, context.literals((*at, t, "Value")))
            if placeholder:  # sensitive: the message never shows it
                yield Violation(
                    f"the value of row-level security tag `{tag.Key}` is an unrendered template "
                    f"placeholder: the export filters rows on its literal text"
                    f"{escape_note(placeholder)}",
                    path=(*at, t, "Value"),
                )

"""QS601: rules that look at every job of a run together."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from qslint.rule import CheckedJob, RuleContext, Violation, repository_rule


@repository_rule(
    "QS601",
    "Two jobs share account, dashboard and job id",
    reads=("AwsAccountId", "DashboardId", "SnapshotJobId"),
    keyed=True,
)
def duplicate_job(
    jobs: Sequence[CheckedJob], context: RuleContext
) -> Iterator[tuple[CheckedJob, Violation]]:
    """
    ## What it does
    Reports a job whose `AwsAccountId`, `DashboardId` and `SnapshotJobId` are those of
    another job, in the same file or another one of the project: a file checked alone (as
    the pre-commit hook checks the staged ones) is compared with every definition its
    configuration selects under its folder. Both places are named.

    ## Why is this bad?
    A job id is unique per dashboard while the job runs and for 24 hours after: the second
    submission is refused with `ResourceExistsException`, and `qslint apply` could not
    tell the two definitions apart.

    ## Example
    `weekly.yaml` and `weekly-copy.yaml` both define job `weekly-sales` of dashboard
    `sales`; or a fan-out's `SnapshotJobId: weekly-sales` gives every row that one job.

    ## Fix
    Give one of them another `SnapshotJobId`, or delete the copy; in a fan-out, put a
    column that differs from row to row in the id (`weekly-sales-${tenant}`).
    """
    first: dict[tuple[str, str | None, str, str], CheckedJob] = {}
    # A definition the run does not check came first (it is committed: the checked copy is
    # the one to fix); then file order.
    ordered = sorted(jobs, key=lambda checked: (checked.checked, checked.file, checked.start))
    for checked in ordered:
        values = checked.values  # validated already: three strings of every job
        # Dashboards are regional: the same ids in two regions are two jobs.
        key = (
            values["AwsAccountId"],
            checked.region,
            values["DashboardId"],
            values["SnapshotJobId"],
        )
        original = first.setdefault(key, checked)
        if original is checked:
            continue
        there = original.locate(("SnapshotJobId",))
        account, region, dashboard, job = key
        if there == checked.locate(("SnapshotJobId",)):  # two rows of one fan-out
            message = (
                f"rows of this fan-out give the same job `{job}`: its id must vary with the "
                "row (a `${column}` placeholder)"
            )
            yield checked, Violation(message, path=("SnapshotJobId",))
            continue
        where = f"account {account}" + (f", {region}," if region else "")
        yield (
            checked,
            Violation(
                f"job `{job}` of dashboard `{dashboard}` in {where} is also defined at {there}",
                path=("SnapshotJobId",),
                related=(there,),
            ),
        )

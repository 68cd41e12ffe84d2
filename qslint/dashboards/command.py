"""``qslint dashboards pull``: write dashboard definitions for ``qslint check --dashboards``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_FAILED = 0, 1


@click.group()
def dashboards() -> None:
    """Dashboard definitions, for cross-checking jobs offline (QS7xx)."""


@dashboards.command()
@click.argument("dashboard_ids", metavar="DASHBOARD_ID...", nargs=-1, required=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write dashboards/ID.json and data-sets/ID.json into.",
)
@click.option("--account-id", required=True, help="The AWS account the dashboards are in.")
@click.option("--region", help="The region of the dashboards.")
@click.option("--profile", help="The AWS profile (boto3's standard chain otherwise).")
@click.option("--endpoint-url", help="Another QuickSight endpoint (`qslint emulator`).")
def pull(
    dashboard_ids: tuple[str, ...],
    out: Path,
    account_id: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
) -> None:
    """Write each dashboard's definition, and its data sets', into a folder.

    The files are what `aws quicksight describe-dashboard-definition` and `describe-data-set`
    print: version them next to the jobs and run `qslint check --dashboards OUT`. A
    dashboard or data set QuickSight does not give is one line on standard error (exit 1).
    """
    from qslint.cli import UsageError
    from qslint.dashboards import DashboardSourceError
    from qslint.dashboards.remote import QuickSightReader, Remote, pull_dashboards

    try:
        reader = QuickSightReader(Remote(region, profile, endpoint_url))
        written, problems = pull_dashboards(account_id, dashboard_ids, out, reader)
    except DashboardSourceError as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        raise UsageError(f"cannot write into {out}: {error.strerror}") from error
    for path in written:
        click.echo(f"wrote {path}")
    for problem in problems:
        click.echo(f"qslint: {problem}", err=True)
    sys.exit(EXIT_FAILED if problems else EXIT_OK)

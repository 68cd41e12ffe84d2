"""``qslint dashboards pull``: write dashboard definitions for ``qslint check --dashboards``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    config_option,
    debug_option,
    overrides,
    target_options,
)


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
@config_option
@target_options
@debug_option
def pull(
    dashboard_ids: tuple[str, ...],
    out: Path,
    account_id: str,
    config_file: Path | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
) -> None:
    """Write each dashboard's definition, and its data sets', into a folder.

    The files are what `aws quicksight describe-dashboard-definition` and `describe-data-set`
    print: version them next to the jobs and run `qslint check --dashboards OUT`. A
    dashboard or data set QuickSight does not give, throttles and transient failures retried
    first as `check --remote` retries them, is one line on standard error (exit 1).
    """
    from qslint.clock import Clock
    from qslint.config import ConfigError
    from qslint.dashboards import DashboardSourceError
    from qslint.dashboards.remote import QuickSightReader, pull_dashboards
    from qslint.settings import Settings

    given = overrides(
        config_file=config_file, region=region, profile=profile, endpoint_url=endpoint_url
    )
    try:
        # The configuration in force where the definitions are written names the region.
        target = Settings(given).for_folder(out).target
        reader = QuickSightReader(target, click.get_current_context().find_object(Clock))
        written, problems = pull_dashboards(account_id, dashboard_ids, out, reader)
    except (ConfigError, DashboardSourceError) as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        raise UsageError(f"cannot write into {out}: {error.strerror}") from error
    for path in written:
        click.echo(f"wrote {path}")
    for problem in problems:
        click.echo(f"qslint: {problem}", err=True)
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)

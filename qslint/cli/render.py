"""``qslint render FILE``: the requests a definition sends, fan-outs expanded, one per job."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from qslint.cli.options import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    UsageError,
    config_option,
    debug_option,
    debugging,
    overrides,
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="YAML documents separated by `---`, or one JSON object per line.",
)
@config_option
@debug_option
def render(paths: tuple[Path, ...], output_format: str, config_file: Path | None) -> None:
    """Print the request of each job that PATHS define, a fan-out expanded to one per row.

    Each is exactly what `aws quicksight start-dashboard-snapshot-job --cli-input-yaml`
    (or `--cli-input-json`) and boto3's `start_dashboard_snapshot_job(**request)` take, so
    a fan-out never locks anyone in. The definitions are checked first, as `qslint check`
    checks them: with an error, nothing is printed and the exit code is 1.
    """
    from qslint.cli.wiring import checking, lint_report_text, report_on_stderr
    from qslint.config import ConfigError
    from qslint.runner import lint
    from qslint.sources import SourceError

    settings, rule_sets = checking(overrides(config_file=config_file))
    try:
        result = lint(list(paths), settings, rule_sets)
    except (ConfigError, SourceError) as error:
        raise UsageError(str(error)) from error
    report_on_stderr(result, debug=debugging())
    if result.has_errors or result.internal_errors:
        click.echo(lint_report_text(result, settings.root), nl=False, err=True)
        sys.exit(EXIT_FINDINGS if result.has_errors else EXIT_USAGE)
    requests = [job.values for job in result.jobs]
    if output_format == "json":
        for request in requests:
            click.echo(json.dumps(request, default=_iso, ensure_ascii=False))
    else:
        click.echo(_yaml_documents(requests), nl=False)


def _iso(value: Any) -> str:
    """A YAML date or timestamp as JSON carries it: ISO 8601, which botocore parses."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _yaml_documents(requests: list[dict[str, Any]]) -> str:
    from ruamel.yaml import YAML

    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.sort_base_mapping_type_on_output = False  # the request's own field order
    text = io.StringIO()
    writer.dump_all(requests, text)
    return text.getvalue()

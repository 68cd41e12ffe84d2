"""What every command shares: exit codes, the usage error, and options declared once."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from qslint.settings import Overrides

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

F = TypeVar("F", bound=Callable[..., Any])


class UsageError(click.ClickException):
    """What the user must fix before anything runs: one line on stderr, exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        click.echo(f"qslint: {self.format_message()}", err=True)


class FiniteFloatRange(click.FloatRange):
    """A ``FloatRange`` that also refuses ``nan`` and ``inf``: Python's float() reads both,
    and neither compares as out of range, so a timeout of ``nan`` would reach boto3."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _stack(*options: Callable[[F], F]) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


# Where jobs are submitted and dashboards described: the same three everywhere.
target_options = _stack(
    click.option(
        "--region",
        help="The AWS region (else the configuration's, AWS_REGION, AWS_DEFAULT_REGION, "
        "the profile's).",
    ),
    click.option("--profile", help="The AWS profile (boto3's standard chain otherwise)."),
    click.option("--endpoint-url", help="Another QuickSight endpoint (`qslint emulator`)."),
)

config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this configuration file for every file, instead of the nearest one.",
)

rule_selection_options = _stack(
    click.option(
        "--select", multiple=True, help="Rule codes or prefixes to run (comma-separated)."
    ),
    click.option(
        "--ignore", multiple=True, help="Rule codes or prefixes to skip (comma-separated)."
    ),
)


DEBUG_OPTION_HELP = "Show the traceback of an internal error instead of its one line."
_DEBUG = "qslint.debug"


def _remember_debug(context: click.Context, _: click.Parameter, value: bool) -> bool:
    context.meta[_DEBUG] = value
    return value


# Every command takes it: an internal error's one line points at it (see qslint.cli.main).
debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, callback=_remember_debug, help=DEBUG_OPTION_HELP
)


def debugging() -> bool:
    """Whether the running command was given ``--debug``."""
    return bool(click.get_current_context().meta.get(_DEBUG, False))


def codes(values: Sequence[str]) -> tuple[str, ...] | None:
    """``--select QS2,QS301 --select QS4`` -> ``("QS2", "QS301", "QS4")``."""
    if not values:
        return None
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def overrides(
    *,
    config_file: Path | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    dashboards: Path | None = None,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    unreadable_dashboards: str | None = None,
) -> Overrides:
    """The command line's part of the settings."""
    return Overrides(
        config=config_file,
        select=codes(select),
        ignore=codes(ignore) or (),
        dashboards=dashboards,
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
        unreadable_dashboards=unreadable_dashboards,
    )


def check_writable(output_file: Path) -> None:
    """A usage error now, before any work, when ``output_file`` could not be written later."""
    folder = output_file.parent
    if output_file.is_dir():
        raise UsageError(f"cannot write {output_file}: it is a folder")
    if not folder.is_dir():
        raise UsageError(f"cannot write {output_file}: no folder {folder}")
    writable = output_file if output_file.exists() else folder
    if not os.access(writable, os.W_OK):
        raise UsageError(f"cannot write {output_file}: permission denied")


def write_report(text: str, output_file: Path | None) -> None:
    """``text`` to ``output_file``, or to standard output; a file that cannot be written is a
    usage error."""
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output_file}: {error.strerror}") from error


def append_report(text: str, output_file: Path) -> None:
    """``text`` added at the end of ``output_file`` (a CI's summary file gathers many steps');
    a file that cannot be written is a usage error."""
    try:
        with output_file.open("a", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise UsageError(f"cannot write {output_file}: {error.strerror}") from error

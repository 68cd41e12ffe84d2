"""The ``qslint`` command: click commands wired to the stages, and results to exit codes.

Exit codes: 0 no error-severity finding; 1 at least one; 2 a usage, configuration or
internal error, or a fix that could not be written. Nothing below this package imports it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from qslint import __version__
from qslint.cli.check import check
from qslint.cli.options import EXIT_USAGE
from qslint.cli.rules import list_rules, schema, show_rule
from qslint.report import BUG_REPORTS

__all__ = ["cli", "main"]

# Commands whose modules load only when they run: `qslint check` stays free of their imports.
LAZY_COMMANDS = {
    "apply": "qslint.cli.apply:apply",
    "dashboards": "qslint.cli.dashboards:dashboards",
    "emulator": "qslint.cli.emulator:emulator",
    "estimate": "qslint.cli.apply:estimate",
    "plan": "qslint.cli.apply:plan",
    "render": "qslint.cli.render:render",
    "server": "qslint.cli.server:server",
}


class LazyGroup(click.Group):
    """A group that imports a command named in :data:`LAZY_COMMANDS` when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, name = LAZY_COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="qslint")
def cli() -> None:
    """Lint Amazon QuickSight dashboard snapshot job definitions."""


for command in (check, list_rules, show_rule, schema):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: an unexpected exception is one line and exit 2, never a raw traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="qslint", standalone_mode=True)
    except Exception as error:
        if "--debug" in args:
            raise
        click.echo(
            f"qslint: internal error ({type(error).__name__}). This is a bug; please report it "
            f"at {BUG_REPORTS} (--debug shows the details).",
            err=True,
        )
        sys.exit(EXIT_USAGE)

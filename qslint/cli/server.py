"""``qslint server``: the language server, for editors (the optional ``server`` extra)."""

from __future__ import annotations

import click

from qslint.cli.options import UsageError, debug_option

INSTALL_HINT = "qslint server needs pygls: pip install 'qslint[server]'"


@click.command("server")
@debug_option
def server() -> None:
    """Run the language server on standard input and output (an editor starts it)."""
    try:
        from qslint.server.app import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] in ("pygls", "lsprotocol"):
            raise UsageError(INSTALL_HINT) from error
        raise
    serve()

"""``qslint server``: the language server, for editors (the optional ``server`` extra)."""

from __future__ import annotations

import sys

import click

from qslint.cli.options import UsageError, debug_option

INSTALL_HINT = "qslint server needs pygls: pip install 'qslint[server]'"


@click.command("server")
@debug_option
def server() -> None:
    """Run the language server on standard input and output (an editor starts it).

    Exits 0 after the editor's shutdown and exit, 1 otherwise (the LSP specification's).
    """
    try:
        from qslint.server.app import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] in ("pygls", "lsprotocol"):
            raise UsageError(INSTALL_HINT) from error
        raise
    sys.exit(serve())

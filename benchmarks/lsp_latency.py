"""Time from didOpen to the first diagnostics of `qslint server`, as an editor sees it.

    .venv/bin/python benchmarks/lsp_latency.py [FILE] [--rounds N]

Starts the server over stdio (a fresh process per round), initializes it on the file's
folder, opens the file and times until its publishDiagnostics arrives; prints each
round and the median. Needs the `server` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path


async def one_round(path: Path) -> tuple[float, list[str]]:
    client = LanguageClient("qslint-latency", "1")
    received: asyncio.Future[list[types.Diagnostic]] = asyncio.get_running_loop().create_future()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if not received.done():
            received.set_result(list(params.diagnostics))

    await client.start_io(sys.executable, "-m", "qslint", "server")
    folder = types.WorkspaceFolder(uri=from_fs_path(str(path.parent.absolute())), name="w")
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), workspace_folders=[folder])
    )
    client.initialized(types.InitializedParams())
    uri = from_fs_path(str(path.absolute()))
    item = types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=path.read_text())
    started = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    found = await received
    elapsed = time.perf_counter() - started
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return elapsed, [f"{d.code}@{d.range.start.line + 1}" for d in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", type=Path, default=Path("examples/broken/pdf-selected-visuals.yaml")
    )
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    times = []
    for number in range(arguments.rounds):
        elapsed, codes = asyncio.run(one_round(arguments.file))
        times.append(elapsed)
        print(f"round {number + 1}: {elapsed * 1000:.0f} ms  {' '.join(codes)}")
    print(f"median didOpen -> diagnostics: {statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

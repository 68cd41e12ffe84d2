"""``qslint server`` in a 2,000-definition workspace: what a keystroke costs, counted.

A keystroke checks the edited document alone and compares it with the workspace's
definitions as the server keeps them: it reads no file and writes none (the cache and the
walk belong to the refreshes, off the keystroke path), and QS601 still finds a duplicate in
a file that is not open. Counted from the kernel's accounting of the server's reads and
writes (/proc/PID/io), never timed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from corpus import write_corpus  # the benchmark corpus
from lsp_latency import duplicable
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

DEFINITIONS = 2000
EDITS = 20
PER_EDIT_BYTES = 64 * 1024  # a change's message and its diagnostics, and a file QS601 names
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "qslint", "server"])

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="reads /proc")


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path, str]:
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    edited, twin_id = duplicable(write_corpus(tmp_path / "jobs", DEFINITIONS))
    return tmp_path, edited, twin_id


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, workspace: tuple[Path, Path, str]):
    folder = types.WorkspaceFolder(uri=from_fs_path(str(workspace[0])), name="jobs")
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        workspace_folders=[folder],
        initialization_options={"debounce": 0},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def _io(pid: int) -> dict[str, int]:
    lines = Path(f"/proc/{pid}/io").read_text(encoding="utf-8").splitlines()
    return {name: int(value) for name, value in (line.split(": ") for line in lines)}


def _cache_files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        path.name: (path.stat().st_size, path.stat().st_mtime_ns)
        for path in (folder / ".qslint_cache").iterdir()
    }


async def _codes(client: LanguageClient, uri: str) -> list[str]:
    while True:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if uri in client.diagnostics:
            return [str(diagnostic.code) for diagnostic in client.diagnostics.pop(uri)]


@pytest.mark.asyncio
async def test_a_keystroke_reads_and_writes_no_file_and_qs601_still_holds(client, workspace):
    folder, path, twin_id = workspace
    uri = from_fs_path(str(path))
    assert uri is not None
    text = path.read_text(encoding="utf-8")
    item = types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    assert await _codes(client, uri) == []
    cache = _cache_files(folder)
    assert cache  # the start-up's walk of the workspace filled it
    assert client._server is not None
    before = _io(client._server.pid)

    (number, line) = next(
        (number, line)
        for number, line in enumerate(text.splitlines())
        if line.startswith("SnapshotJobId:")
    )
    own_id = line.split(": ")[1]
    for version in range(2, 2 + EDITS):
        old, new = (own_id, twin_id) if version % 2 == 0 else (twin_id, own_id)
        start = types.Position(line=number, character=len("SnapshotJobId: "))
        end = types.Position(line=number, character=len("SnapshotJobId: ") + len(old))
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=end), text=new
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        # A duplicate of a file that is not open, then none once the id is back.
        assert await _codes(client, uri) == (["QS601"] if new == twin_id else [])

    after = _io(client._server.pid)
    assert after["rchar"] - before["rchar"] < EDITS * PER_EDIT_BYTES
    assert after["wchar"] - before["wchar"] < EDITS * PER_EDIT_BYTES
    assert _cache_files(folder) == cache

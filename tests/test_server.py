"""``qslint server`` end to end: a real LSP client talks to the server over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import FAN_OUT, VALID_JOB
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

PDF_WITH_VISUALS = VALID_JOB.replace(
    "SelectionScope: ALL_VISUALS",  # QS201 at line 15, column 31 (1-based)
    "SelectionScope: SELECTED_VISUALS\n              VisualIds: [top-customers]",
)
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "qslint", "server"])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    return tmp_path


async def _session(lsp_client: LanguageClient, workspace: Path, debounce: float):
    folder = types.WorkspaceFolder(uri=from_fs_path(str(workspace)), name="jobs")
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        workspace_folders=[folder],
        initialization_options={"debounce": debounce},
    )
    await lsp_client.initialize_session(params)
    yield
    if lsp_client.capabilities is not None and not getattr(lsp_client, "shut_down", False):
        await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, workspace: Path):
    async for _ in _session(lsp_client, workspace, debounce=0):
        yield


@pytest_lsp.fixture(config=SERVER)
async def typing_client(lsp_client: LanguageClient, workspace: Path):
    """A client whose bursts of changes are linted once each, as an editor's are."""
    async for _ in _session(lsp_client, workspace, debounce=0.05):
        yield


def _uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri


async def _open(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    """Open ``path`` with ``text`` (on disk as well) and wait for its diagnostics."""
    path.write_text(text, encoding="utf-8")
    document = types.TextDocumentItem(uri=_uri(path), language_id="yaml", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=document))
    return await _diagnostics(client, path)


async def _diagnostics(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    while True:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if _uri(path) in client.diagnostics:
            return list(client.diagnostics.pop(_uri(path)))


def _range(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(
        start=types.Position(line=start[0], character=start[1]),
        end=types.Position(line=end[0], character=end[1]),
    )


@pytest.mark.asyncio
async def test_open_shows_qs201_at_its_range_and_its_quick_fix_clears_it(client, workspace):
    path = workspace / "weekly.yaml"
    (diagnostic,) = await _open(client, path, PDF_WITH_VISUALS)
    assert (diagnostic.code, diagnostic.source) == ("QS201", "qslint")
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range == _range((14, 30), (14, 46))  # `SELECTED_VISUALS`, exactly

    context = types.CodeActionContext(diagnostics=[diagnostic])
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=_uri(path)),
            range=diagnostic.range,
            context=context,
        )
    )
    assert actions is not None
    titles = [action.title for action in actions if isinstance(action, types.CodeAction)]
    assert titles[0].startswith("QS201: ")
    assert "qslint: fix all" in titles
    quick_fix = actions[0]
    assert isinstance(quick_fix, types.CodeAction)
    assert quick_fix.kind == types.CodeActionKind.QuickFix
    assert list(quick_fix.diagnostics or ()) == [diagnostic]
    assert quick_fix.edit is not None and quick_fix.edit.changes is not None
    (edit,) = quick_fix.edit.changes[_uri(path)]

    # The editor applies the edit: an incremental change of the open document.
    change = types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=2),
            content_changes=[change],
        )
    )
    assert await _diagnostics(client, path) == []


@pytest.mark.asyncio
async def test_full_change_and_save_lint_again_and_close_clears(client, workspace):
    path = workspace / "weekly.yaml"
    assert await _open(client, path, VALID_JOB) == []
    identifier = types.VersionedTextDocumentIdentifier(uri=_uri(path), version=2)
    whole = types.TextDocumentContentChangeWholeDocument(
        text=VALID_JOB.replace("sales/weekly", "/sales")
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[whole])
    )
    (diagnostic,) = await _diagnostics(client, path)
    assert diagnostic.code == "QS305"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(path)))
    )
    assert [d.code for d in await _diagnostics(client, path)] == ["QS305"]
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(path)))
    )
    assert await _diagnostics(client, path) == []


@pytest.mark.asyncio
async def test_qs601_across_the_workspace_and_suppressions_and_severities(client, workspace):
    (workspace / "a.yaml").write_text(VALID_JOB, encoding="utf-8")  # on disk, never opened
    (workspace / ".qslint.toml").write_text(
        'region = "eu-west-1"\n[severity]\nQS601 = "warning"\n', encoding="utf-8"
    )
    (diagnostic,) = await _open(client, workspace / "b.yaml", VALID_JOB)
    assert diagnostic.code == "QS601"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.related_information is not None
    assert diagnostic.related_information[0].location.uri == _uri(workspace / "a.yaml")
    suppressed = VALID_JOB.replace("weekly-sales", "weekly-sales  # qslint: ignore[QS601]")
    assert await _open(client, workspace / "c.yaml", suppressed) == []


@pytest.mark.asyncio
async def test_a_document_that_is_not_a_definition_gets_nothing(client, workspace):
    workflow = "name: ci\non: [push]\njobs:\n  lint: {runs-on: ubuntu-latest}\n"
    path = workspace / "ci.yaml"
    path.write_text(workflow, encoding="utf-8")
    item = types.TextDocumentItem(uri=_uri(path), language_id="yaml", version=1, text=workflow)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=_uri(path)),
            position=types.Position(line=0, character=1),
        )
    )
    assert hover is None
    await _open(client, workspace / "weekly.yaml", VALID_JOB)  # answered after ci.yaml's turn
    assert _uri(path) not in client.diagnostics


@pytest.mark.asyncio
async def test_what_is_clearly_no_definition_is_told_apart_as_check_does(client, workspace):
    """By the fields a document has, not by the words it holds: a compose file that names a
    request field in a comment gets nothing; a definition in camelCase gets its QS101s."""
    compose = "# exports the DashboardId of each service\nservices:\n  web: {image: nginx}\n"
    path = workspace / "compose.yaml"
    path.write_text(compose, encoding="utf-8")
    item = types.TextDocumentItem(uri=_uri(path), language_id="yaml", version=1, text=compose)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    camel = VALID_JOB
    for name in ("AwsAccountId", "DashboardId", "SnapshotJobId", "SnapshotConfiguration"):
        camel = camel.replace(name, f"{name[0].lower()}{name[1:]}")
    assert "AwsAccountId" not in camel and "SnapshotConfiguration" not in camel
    diagnostics = await _open(client, workspace / "camel.yaml", camel)
    assert [d.code for d in diagnostics] == ["QS101"] * 4
    assert _uri(path) not in client.diagnostics


@pytest.mark.asyncio
async def test_a_broken_document_is_a_finding_and_the_server_carries_on(client, workspace):
    broken = "AwsAccountId: [unclosed\n\x85\tDashboardId: {{\n"
    (diagnostic,) = await _open(client, workspace / "broken.yaml", broken)
    assert diagnostic.code == "QS100"
    assert await _open(client, workspace / "weekly.yaml", VALID_JOB) == []


@pytest.mark.asyncio
async def test_hover_shows_the_botocore_documentation(client, workspace):
    path = workspace / "weekly.yaml"
    await _open(client, path, VALID_JOB)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=_uri(path)),
            position=types.Position(line=11, character=12),  # on `FormatType`
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "**`FormatType`** (one of `CSV`, `PDF`, `EXCEL`)" in hover.contents.value
    assert "The format of the snapshot file" in hover.contents.value


@pytest.mark.asyncio
async def test_completion_offers_enum_values_and_missing_field_names(client, workspace):
    path = workspace / "weekly.yaml"
    text = VALID_JOB.replace("FormatType: PDF", "FormatType: ")
    await _open(client, path, text)

    async def complete(line: int, character: int) -> list[str]:
        found = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=_uri(path)),
                position=types.Position(line=line, character=character),
            )
        )
        assert isinstance(found, types.CompletionList)
        return [item.label for item in found.items]

    assert await complete(11, len("        - FormatType: ")) == ["CSV", "PDF", "EXCEL"]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=_range((9, 0), (9, 0)), text="  \n")
            ],
        )
    )
    await _diagnostics(client, path)
    # A new line in SnapshotConfiguration: the one field it does not have yet.
    assert await complete(9, 2) == ["Parameters"]


@pytest.mark.asyncio
async def test_shutdown_and_exit_end_the_server_cleanly(client, workspace):
    await _open(client, workspace / "weekly.yaml", VALID_JOB)
    await client.shutdown_session()
    client.shut_down = True
    assert client._server is not None
    assert client._server.returncode == 0


@pytest.mark.asyncio
async def test_requests_on_an_unopened_document_answer_nothing(client, workspace):
    on_disk = workspace / "closed.yaml"
    on_disk.write_text(VALID_JOB, encoding="utf-8")
    for path in (on_disk, workspace / "missing.yaml"):
        document = types.TextDocumentIdentifier(uri=_uri(path))
        position = types.Position(line=11, character=12)
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=document, position=position)
        )
        completion = await client.text_document_completion_async(
            types.CompletionParams(text_document=document, position=position)
        )
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=document,
                range=_range((0, 0), (0, 1)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert hover is None
        assert completion is None
        assert actions is not None
        assert list(actions) == []
    assert [m.message for m in client.log_messages if "internal error" in m.message] == []


def _resident_kib(pid: int) -> int:
    """The resident memory of process ``pid``, from the kernel's accounting."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    (line,) = (line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.asyncio
async def test_memory_stays_flat_over_30000_changes(typing_client, workspace):
    """An editor session of days: 30,000 edits, linted in bursts, leave nothing behind."""
    client = typing_client
    path = workspace / "weekly.yaml"
    await _open(client, path, VALID_JOB)
    identifier = types.VersionedTextDocumentIdentifier(uri=_uri(path), version=1)
    at_prefix = _range((18, 24), (18, 24))  # in `sales/weekly`, BucketPrefix's value

    async def edit_in_bursts(bursts: int, burst: int) -> None:
        for _ in range(bursts):
            for number in range(burst):  # type a letter, delete it: the text returns
                identifier.version += 1
                typed = number % 2 == 0
                change = types.TextDocumentContentChangePartial(
                    range=at_prefix if typed else _range((18, 24), (18, 25)),
                    text="x" if typed else "",
                )
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=identifier, content_changes=[change]
                    )
                )
            assert await _diagnostics(client, path) == []  # linted once the burst is over

    await edit_in_bursts(4, 500)  # warm up: every path of a change has run
    assert client._server is not None
    before = _resident_kib(client._server.pid)
    await edit_in_bursts(30, 1000)
    grown = _resident_kib(client._server.pid) - before
    assert grown < 5 * 1024, f"the server grew by {grown} KiB over 30,000 changes"


@pytest.mark.asyncio
async def test_a_definition_changed_on_disk_is_compared_once_the_editor_says_so(client, workspace):
    path = workspace / "b.yaml"
    assert await _open(client, path, VALID_JOB) == []
    copy = workspace / "a.yaml"
    copy.write_text(VALID_JOB, encoding="utf-8")  # a checkout brings a duplicate
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=_uri(copy), type=types.FileChangeType.Created)]
        )
    )
    # The server walks the workspace again once the editor is quiet, and lints.
    (diagnostic,) = await _diagnostics(client, path)
    assert diagnostic.code == "QS601"


@pytest.mark.asyncio
async def test_a_fan_outs_rows_file_shows_the_findings_of_its_rows(client, workspace):
    (workspace / "weekly.yaml").write_text(FAN_OUT, encoding="utf-8")
    rows = workspace / "tenants.csv"
    opened = _open(client, rows, "tenant,tenant_id\nacme,t-1\nglobex corp,t-2\n")
    (diagnostic,) = await asyncio.wait_for(opened, timeout=60)
    assert (diagnostic.code, diagnostic.range.start) == ("QS105", types.Position(2, 0))

    # An edit not yet saved counts: the editor's text is the rows file.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=_uri(rows), version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(
                    text="tenant,tenant_id\nacme,t-1\nglobex,\n"
                )
            ],
        )
    )
    (diagnostic,) = await asyncio.wait_for(_diagnostics(client, rows), timeout=60)
    assert (diagnostic.code, diagnostic.range.start) == ("QS113", types.Position(2, 0))


@pytest.mark.asyncio
async def test_a_yaml_rows_file_shows_its_rows_findings_never_not_a_definition(client, workspace):
    template = FAN_OUT.replace("tenants.csv", "tenants.yaml")
    (workspace / "weekly.yaml").write_text(template, encoding="utf-8")
    rows = workspace / "tenants.yaml"
    rows.write_text("- {tenant: acme, tenant_id: t-1}\n", encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=_uri(rows), type=types.FileChangeType.Created)]
        )
    )
    text = "- {tenant: acme, tenant_id: t-1}\n- {tenant: globex corp, tenant_id: t-2}\n"
    (diagnostic,) = await asyncio.wait_for(_open(client, rows, text), timeout=60)
    assert (diagnostic.code, diagnostic.range.start) == ("QS105", types.Position(1, 11))

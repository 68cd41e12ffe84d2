"""``qslint server`` on a fan-out's placeholders: hover and completion over a real LSP
client, from the rows as the editor holds them (unsaved edits count) or as the disk does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from corpus import FAN_OUT_TEMPLATE, write_fan_out  # the benchmark corpus
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_server import _diagnostics, _open, _uri
from test_server import client as lsp_session

ROWS = 200
ANSWER_SECONDS = 60  # a bound on each wait, never an expectation of speed


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A template over a 200-row tenants.csv (tenant, tenant_id, top) beside it."""
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    write_fan_out(tmp_path, ROWS)
    return tmp_path


client = lsp_session  # test_server's client of ``qslint server``, in this ``workspace``


def _position(text: str, line_holding: str, before: str) -> types.Position:
    """The position just before ``before`` on the first line that holds ``line_holding``."""
    number, line = next(
        (n, line) for n, line in enumerate(text.splitlines()) if line_holding in line
    )
    return types.Position(line=number, character=line.index(before))


def _after(text: str, written: str) -> types.Position:
    """The position just after ``written``, on the first line that holds it."""
    at = _position(text, written, written)
    return types.Position(line=at.line, character=at.character + len(written))


async def _hover(client: LanguageClient, path: Path, position: types.Position) -> types.Hover:
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=_uri(path)), position=position
            )
        ),
        ANSWER_SECONDS,
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    return hover


async def _hover_text(client: LanguageClient, path: Path, position: types.Position) -> str:
    hover = await _hover(client, path, position)
    assert isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def _complete(
    client: LanguageClient, path: Path, position: types.Position
) -> types.CompletionList | None:
    found = await asyncio.wait_for(
        client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=_uri(path)), position=position
            )
        ),
        ANSWER_SECONDS,
    )
    assert found is None or isinstance(found, types.CompletionList)
    return found


def _change(client: LanguageClient, path: Path, version: int, text: str) -> None:
    """The editor's whole new text of ``path``, not saved."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _open_template(client: LanguageClient, workspace: Path, text: str) -> Path:
    path = workspace / "weekly.yaml"
    await asyncio.wait_for(_open(client, path, text), ANSWER_SECONDS)
    return path


@pytest.mark.asyncio
async def test_hover_names_the_column_its_rows_file_the_rows_and_a_few_values(client, workspace):
    path = await _open_template(client, workspace, FAN_OUT_TEMPLATE)
    at = _position(FAN_OUT_TEMPLATE, "SnapshotJobId:", "${tenant}")
    hover = await _hover(client, path, types.Position(line=at.line, character=at.character + 3))
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value == (
        "**`${tenant}`**: column `tenant` of `tenants.csv`, filled by 200 rows\n\n"
        "Values: `tenant-0000`, `tenant-0001`, `tenant-0002`, `tenant-0003`, `tenant-0004`, "
        "… (200 distinct)"
    )
    end = types.Position(line=at.line, character=at.character + len("${tenant}"))
    assert hover.range == types.Range(start=at, end=end)  # the placeholder, exactly
    # Beside the placeholder, in the same value: the field's documentation, as before.
    field = await _hover_text(client, path, types.Position(line=at.line, character=2))
    assert field.startswith("**`SnapshotJobId`**")


@pytest.mark.asyncio
async def test_hover_on_a_column_that_fills_a_sensitive_value_shows_no_value(client, workspace):
    path = await _open_template(client, workspace, FAN_OUT_TEMPLATE)
    for holding, placeholder in (("Value:", "${tenant_id}"), ("TopN", "${top}")):
        at = _position(FAN_OUT_TEMPLATE, holding, placeholder)
        text = await _hover_text(client, path, at)
        column = placeholder[2:-1]
        assert text == (
            f"**`{placeholder}`**: column `{column}` of `tenants.csv`, filled by 200 rows\n\n"
            "It fills a value the service marks sensitive: its values are not shown."
        )


@pytest.mark.asyncio
async def test_hover_on_a_column_the_rows_lack_says_so_in_the_findings_words(client, workspace):
    text = FAN_OUT_TEMPLATE.replace("weekly-sales-${tenant}", "weekly-sales-${tenant_name}")
    path = workspace / "weekly.yaml"
    diagnostics = await asyncio.wait_for(_open(client, path, text), ANSWER_SECONDS)
    unknown = next(d for d in diagnostics if d.code == "QS111")
    hover = await _hover_text(client, path, unknown.range.start)
    assert hover == (f"**`${{tenant_name}}`**: {unknown.message}\n\nRows: `tenants.csv`, 200 rows")
    assert unknown.message == (
        "placeholder `${tenant_name}` names no column of the rows (`tenant`, `tenant_id`, `top`)"
    )


@pytest.mark.asyncio
async def test_hover_tells_why_a_rows_file_cannot_be_read_under_its_limits(client, workspace):
    (workspace / ".qslint.toml").write_text(
        'region = "eu-west-1"\nmax-file-size = 4096\n', encoding="utf-8"
    )
    path = await _open_template(client, workspace, FAN_OUT_TEMPLATE)
    at = _position(FAN_OUT_TEMPLATE, "SnapshotJobId:", "${tenant}")
    assert (workspace / "tenants.csv").stat().st_size > 4096
    assert await _hover_text(client, path, at) == (
        "**`${tenant}`**: rows file `tenants.csv`: file is larger than 4 KiB; split it or "
        "raise `max-file-size`"
    )


@pytest.mark.asyncio
async def test_completion_after_the_dollar_brace_offers_the_rows_columns(client, workspace):
    typed = FAN_OUT_TEMPLATE.replace("tenants/${tenant}/weekly", "tenants/${ten")
    path = await _open_template(client, workspace, typed)
    name = _after(typed, "tenants/${")
    cursor = _after(typed, "tenants/${ten")
    found = await _complete(client, path, cursor)
    assert found is not None
    assert [item.label for item in found.items] == ["tenant", "tenant_id", "top"]
    for item in found.items:
        assert item.kind == types.CompletionItemKind.Variable
        assert item.detail == "column of tenants.csv, 200 rows"
        assert item.text_edit == types.TextEdit(
            range=types.Range(start=name, end=cursor), new_text=f"{item.label}}}"
        )
    tenant, tenant_id = found.items[:2]
    assert isinstance(tenant_id.documentation, types.MarkupContent)
    assert "its values are not shown" in tenant_id.documentation.value
    # Typed where it is, a column may be about to fill a sensitive value: no values at all.
    assert isinstance(tenant.documentation, types.MarkupContent)
    assert tenant.documentation.value.endswith("filled by 200 rows")


@pytest.mark.asyncio
async def test_completion_in_a_line_that_does_not_parse_yet_and_before_a_brace(client, workspace):
    # The flow mapping's quote is not closed: the template parses without the line typed.
    typed = FAN_OUT_TEMPLATE.replace('Value: "${tenant_id}"}', 'Value: "${')
    path = await _open_template(client, workspace, typed)
    cursor = _after(typed, 'Value: "${')
    found = await _complete(client, path, cursor)
    assert found is not None
    assert [item.label for item in found.items] == ["tenant", "tenant_id", "top"]
    assert found.items[0].text_edit == types.TextEdit(
        range=types.Range(start=cursor, end=cursor), new_text="tenant}"
    )
    # In a name already closed, the completion replaces the whole name and adds no brace.
    _change(client, path, 2, FAN_OUT_TEMPLATE)
    at = _position(FAN_OUT_TEMPLATE, "SnapshotJobId:", "${tenant}")
    inside = types.Position(line=at.line, character=at.character + len("${te"))
    found = await _complete(client, path, inside)
    assert found is not None
    name = types.Range(
        start=types.Position(line=at.line, character=at.character + 2),
        end=types.Position(line=at.line, character=at.character + len("${tenant")),
    )
    assert found.items[1].text_edit == types.TextEdit(range=name, new_text="tenant_id")


@pytest.mark.asyncio
async def test_no_columns_outside_a_placeholder_in_a_comment_or_in_the_rows_file(client, workspace):
    typed = FAN_OUT_TEMPLATE.replace("AwsAccountId:", "# see ${ten\nAwsAccountId:")
    path = await _open_template(client, workspace, typed)
    assert await _complete(client, path, _after(typed, "# see ${ten")) is None
    escaped = FAN_OUT_TEMPLATE.replace("tenants/${tenant}/weekly", "tenants/$${ten")
    _change(client, path, 2, escaped)
    assert await _complete(client, path, _after(escaped, "tenants/$${ten")) is None
    rows = workspace / "tenants.csv"
    text = rows.read_text(encoding="utf-8") + "${ten"
    await asyncio.wait_for(_open(client, rows, text), ANSWER_SECONDS)
    end = types.Position(line=ROWS + 1, character=len("${ten"))
    assert await _complete(client, rows, end) is None


@pytest.mark.asyncio
async def test_an_unsaved_edit_of_the_rows_file_changes_the_hover_at_the_next_request(
    client, workspace
):
    path = await _open_template(client, workspace, FAN_OUT_TEMPLATE)
    at = _position(FAN_OUT_TEMPLATE, "SnapshotJobId:", "${tenant}")
    assert "filled by 200 rows" in await _hover_text(client, path, at)

    rows = workspace / "tenants.csv"
    on_disk = rows.read_text(encoding="utf-8")
    await asyncio.wait_for(_open(client, rows, on_disk), ANSWER_SECONDS)
    three = "tenant,tenant_id,top\nacme,t-1,10\nglobex,t-2,25\ninitech,,10\n"
    _change(client, rows, 2, three)  # not saved: the disk still has 200 rows
    assert await _hover_text(client, path, at) == (
        "**`${tenant}`**: column `tenant` of `tenants.csv`, filled by 3 rows\n\n"
        "Values: `acme`, `globex`, `initech`"
    )
    tenant_id = _position(FAN_OUT_TEMPLATE, "Value:", "${tenant_id}")
    assert "filled by 2 of 3 rows" in await _hover_text(client, path, tenant_id)
    assert rows.read_text(encoding="utf-8") == on_disk

    # Closed without saving: the disk's rows again; then a change on disk counts.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(rows)))
    )
    assert await asyncio.wait_for(_diagnostics(client, rows), ANSWER_SECONDS) == []
    assert "filled by 200 rows" in await _hover_text(client, path, at)
    rows.write_text("tenant,tenant_id,top\nacme,t-1,10\n", encoding="utf-8")
    assert "filled by 1 row\n\nValues: `acme`" in await _hover_text(client, path, at)

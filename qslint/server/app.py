"""The language server: pygls wired to the linter, the ranges and the request model.

Every handler is guarded: an exception in one (a document no part of qslint expected) is
logged to the editor's output and answered with nothing, never a crash of the server.
"""

from __future__ import annotations

import asyncio
import functools
import os
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from qslint import __version__
from qslint.config import LoadLimits
from qslint.findings import Finding, Mark, Severity
from qslint.report import HOMEPAGE
from qslint.server.actions import FIX_ALL, code_actions
from qslint.server.debounce import Debouncer
from qslint.server.documents import DefinitionLinter, LintError
from qslint.server.fields import Completion, completion_at, field_docs, hover_text, key_at
from qslint.server.placeholders import ColumnCompletion, Placeholders
from qslint.server.positions import from_client, to_client
from qslint.server.ranges import NodeRanges
from qslint.server.rows import RowsFiles
from qslint.server.transport import QslintProtocol, serve_stdio

DEBOUNCE_SECONDS = 0.3  # after the last keystroke of a burst; `initializationOptions.debounce`
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
MESSAGE_ENVELOPE = 64 * 1024  # a message's own fields, around a document's text
LINT_ALL = "lint"  # the debouncer's key: one lint covers every open document
REFRESH = "refresh"  # its key for walking the workspace again (see ProjectIndex)
REFRESH_SECONDS = 1.0  # without changes, after a save, a close or a change on disk
# The files whose change on disk refreshes the index: definitions, and the files qslint
# reads its configuration from.
WATCHED = ("**/*.{yaml,yml,json}", "**/.qslint.toml", "**/pyproject.toml")

T = TypeVar("T")


class QslintServer(LanguageServer):
    """The server's state: the linter of its workspace, and what it has published."""

    def __init__(self) -> None:
        super().__init__(
            "qslint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=QslintProtocol,
        )
        self.linter = DefinitionLinter([Path.cwd()])
        self.max_file_size = LoadLimits().max_file_size  # the workspace's, once initialized
        self.debounce_seconds = DEBOUNCE_SECONDS
        self.debouncer: Debouncer | None = None
        self.published: set[str] = set()  # documents with diagnostics on show
        self.placeholders = Placeholders(RowsFiles(self.held_text), self.limits_of)

    def message_limit(self) -> int:
        """The largest message body read: a document of ``max-file-size`` bytes, every byte
        escaped by JSON (``\\u00e9``), in its message; a larger document is a QS100."""
        return 6 * self.max_file_size + MESSAGE_ENVELOPE

    def held_text(self, path: str) -> str | None:
        """The text of the document at ``path`` if the editor holds it, else None."""
        return self.open_definitions().get(os.path.abspath(path))  # noqa: PTH100

    def limits_of(self, path: str) -> LoadLimits:
        return self.linter.limits(path)  # the linter of the workspace, once initialized

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def open_document(self, uri: str) -> TextDocument | None:
        """The document the editor holds; a request on another one (the specification has
        them on open documents) is answered with nothing, without reading its file."""
        return self.workspace.text_documents.get(uri)

    def open_definitions(self) -> dict[str, str]:
        """The text of every open document on disk (or to be saved there), by path."""
        return {
            to_fs_path(uri) or uri: document.source
            for uri, document in self.workspace.text_documents.items()
            if uri.startswith("file:")
        }

    def lint_and_publish(self) -> None:
        """Lint every open document; publish their diagnostics, clearing stale ones."""
        try:
            result = self.linter.lint(self.open_definitions())
        except LintError as error:
            self.log(f"qslint: {error}", types.MessageType.Error)
            return
        for uri, document in list(self.workspace.text_documents.items()):
            path = to_fs_path(uri) or uri
            findings = result.findings.get(path)
            if findings is None and uri not in self.published:
                continue  # not a definition, and nothing on show to clear
            diagnostics = diagnostics_of(document, findings or [], self.linter.limits(path))
            self.publish(uri, diagnostics)

    def publish(self, uri: str, diagnostics: Sequence[types.Diagnostic]) -> None:
        params = types.PublishDiagnosticsParams(uri=uri, diagnostics=list(diagnostics))
        self.text_document_publish_diagnostics(params)
        if diagnostics:
            self.published.add(uri)
        else:
            self.published.discard(uri)

    def _debouncer(self) -> Debouncer:
        if self.debouncer is None:
            self.debouncer = Debouncer(asyncio.get_running_loop().call_later, self.debounce_seconds)
        return self.debouncer

    def lint_soon(self) -> None:
        debouncer = self._debouncer()
        debouncer.call(LINT_ALL, guarded(self, None)(self.lint_and_publish))
        if debouncer.pending(REFRESH):
            self.refresh_soon()  # keystrokes first: the walk waits for a quiet moment

    def lint_saved(self) -> None:
        """Lint now, instead of after the debounce; walk the workspace again when quiet."""
        self._debouncer().cancel(LINT_ALL)
        self.lint_and_publish()
        self.refresh_soon()  # a save may come with others: a formatter, a checkout

    def refresh_soon(self) -> None:
        """Walk the workspace again once the editor is quiet, then lint with what it found."""
        refresh = guarded(self, None)(self.refresh_and_lint)
        self._debouncer().call(REFRESH, refresh, max(REFRESH_SECONDS, self.debounce_seconds))

    def start_project(self) -> None:
        """Import the loader and the models, and index the workspace's definitions, while
        the editor starts (not on the first document opened); watch them on disk."""
        from qslint.loader import service_sensitivity

        service_sensitivity()
        self.refresh_and_lint()
        self.watch_files()

    def watch_files(self) -> None:
        """Ask the editor to tell of changes on disk to definitions and configurations (the
        specification has the server register for them), when it can."""
        workspace = self.client_capabilities.workspace
        watched = workspace and workspace.did_change_watched_files
        if not (watched and watched.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        )
        registration = types.Registration(
            id="qslint-watched-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        self.client_register_capability(types.RegistrationParams(registrations=[registration]))

    def refresh_and_lint(self) -> None:
        try:
            self.linter.refresh()
        except LintError as error:
            self.log(f"qslint: {error}", types.MessageType.Error)
            return
        self.lint_and_publish()


def guarded(server: QslintServer, default: T) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``handler``, answering ``default`` and logging why when it raises."""

    def decorate(handler: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(handler)
        def run(*args: Any) -> T:
            try:
                return handler(*args)
            except Exception as error:  # one unexpected document must not end the session
                server.log(f"qslint: internal error ({type(error).__name__}); please report it")
                server.log(traceback.format_exc())
                return default

        return run

    return decorate


def diagnostics_of(
    document: TextDocument, findings: Sequence[Finding], limits: LoadLimits
) -> list[types.Diagnostic]:
    ranges = NodeRanges(document.source, limits)
    return [_diagnostic(document, ranges, finding) for finding in findings]


def _diagnostic(document: TextDocument, ranges: NodeRanges, finding: Finding) -> types.Diagnostic:
    location = finding.location
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=from_fs_path(str(Path(other.file).absolute())) or other.file,
                range=_point(Mark(other.line, other.column)),
            ),
            message="the other place",
        )
        for other in finding.related
    ]
    return types.Diagnostic(
        range=to_client(document, ranges.of(Mark(location.line, location.column))),
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=f"{HOMEPAGE}#rules"),
        source="qslint",
        related_information=related or None,
    )


def _point(mark: Mark) -> types.Range:
    position = types.Position(line=mark.line - 1, character=mark.column - 1)
    return types.Range(start=position, end=position)


def markdown_hover(markdown: str, range_: types.Range | None = None) -> types.Hover:
    contents = types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown)
    return types.Hover(contents=contents, range=range_)


def column_list(document: TextDocument, columns: ColumnCompletion) -> types.CompletionList:
    """The columns offered after ``${``, each replacing what is typed of the name."""
    range_ = to_client(document, columns.range)
    items = [
        types.CompletionItem(
            label=item.name,
            kind=types.CompletionItemKind.Variable,
            detail=item.detail,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.markdown),
            filter_text=item.name,
            sort_text=f"{number:05d}",  # the rows file's order of columns
            text_edit=types.TextEdit(range=range_, new_text=item.new_text),
        )
        for number, item in enumerate(columns.items)
    ]
    return types.CompletionList(is_incomplete=False, items=items)


def field_list(found: Completion) -> types.CompletionList:
    """The field names or enum values that may be typed at the cursor."""
    if found.keys:
        items = [
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Field,
                insert_text=f"{name}: ",
                documentation=field_docs((*found.path, name)) or None,
            )
            for name in found.words
        ]
    else:
        items = [
            types.CompletionItem(label=value, kind=types.CompletionItemKind.EnumMember)
            for value in found.words
        ]
    return types.CompletionList(is_incomplete=False, items=items)


def build_server() -> QslintServer:
    """The server with its features registered; ``serve`` runs it on stdio."""
    server = QslintServer()

    def path_of(uri: str) -> str:
        return to_fs_path(uri) or uri

    def definition(uri: str) -> TextDocument | None:
        document = server.open_document(uri)
        if document is None or not server.linter.is_definition(path_of(uri), document.source):
            return None
        return document

    @server.feature(types.INITIALIZE)
    @guarded(server, None)
    def initialize(params: types.InitializeParams) -> None:
        folders = [path_of(folder.uri) for folder in params.workspace_folders or ()]
        root = params.root_uri and path_of(params.root_uri)
        server.linter = DefinitionLinter([Path(p) for p in folders or [root or Path.cwd()]])
        server.max_file_size = server.linter.workspace_limits().max_file_size
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce"), int | float):
            server.debounce_seconds = max(0.0, float(options["debounce"]))

    @server.feature(types.INITIALIZED)
    @guarded(server, None)
    def initialized(params: types.InitializedParams) -> None:
        server.start_project()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(server, None)
    def files_changed(params: types.DidChangeWatchedFilesParams) -> None:
        server.refresh_soon()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(server, None)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.lint_and_publish()

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(server, None)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.lint_soon()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded(server, None)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        server.lint_saved()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(server, None)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.publish(params.text_document.uri, [])
        server.refresh_soon()  # what the others share with it is now read from its file

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    @guarded(server, [])
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        document = definition(params.text_document.uri)
        if document is None:
            return []
        return code_actions(server.linter, document, path_of(document.uri), params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(server, None)
    def hover(params: types.HoverParams) -> types.Hover | None:
        document = definition(params.text_document.uri)
        if document is None:
            return None
        line, character = from_client(document, params.position)
        path = path_of(document.uri)
        placeholder = server.placeholders.hover(path, document.source, line, character)
        if placeholder is not None:
            return markdown_hover(placeholder.markdown, to_client(document, placeholder.range))
        path = key_at(path, document.source, line, character)
        return None if path is None else markdown_hover(hover_text(path))

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[" ", ":", "{"]),  # `{`: after `${`
    )
    @guarded(server, None)
    def completion(params: types.CompletionParams) -> types.CompletionList | None:
        document = server.open_document(params.text_document.uri)
        path = path_of(params.text_document.uri)
        if document is None or not server.linter.is_definition(path, document.source, blank=True):
            return None
        line, character = from_client(document, params.position)
        columns = server.placeholders.completion(path, document.source, line, character)
        if columns is not None:
            return column_list(document, columns)
        found = completion_at(document.lines, line, character)
        return None if found is None else field_list(found)

    return server


def serve() -> int:
    """Serve one editor session over standard input and output; the exit code."""
    server = build_server()
    return serve_stdio(server, server.message_limit)

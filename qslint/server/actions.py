"""Code actions: one quick fix per fixable finding, and a "fix all" source action.

Both lint the document's current text first, so that a fix never lands on a finding that
an edit since the last diagnostics moved; fix all applies the fixes pass after pass, as
``qslint check --fix`` does. Each action is one minimal edit of the document.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument

from qslint.config import LoadLimits
from qslint.findings import Finding, Mark
from qslint.fix import Change, changed_span, fix_text
from qslint.server.documents import DefinitionLinter
from qslint.server.positions import text_edit, to_client
from qslint.server.ranges import NodeRanges

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.qslint"
MAX_FIX_PASSES = 10  # as `check --fix`: overlapping fixes are applied in the next pass


def _action(
    title: str,
    kind: str,
    document: TextDocument,
    change: Change,
    diagnostics: Sequence[types.Diagnostic] = (),
) -> types.CodeAction:
    edit = types.WorkspaceEdit(changes={document.uri: [text_edit(document, change)]})
    return types.CodeAction(
        title=title, kind=kind, diagnostics=list(diagnostics) or None, edit=edit
    )


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(
    linter: DefinitionLinter,
    document: TextDocument,
    path: str,
    params: types.CodeActionParams,
) -> list[types.CodeAction]:
    """The quick fixes of the findings in ``params.range``, and fix all if anything is."""
    limits = linter.limits(path)
    findings = _fixable(linter, path, document.source)
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix, only):
        ranges = NodeRanges(document.source, limits)
        for finding in findings:
            where = to_client(
                document, ranges.of(Mark(finding.location.line, finding.location.column))
            )
            if not _overlaps(where, params.range):
                continue
            fixed = fix_text(path, document.source.encode("utf-8"), [finding], limits)
            if fixed is None or finding.fix is None:
                continue
            matching = [
                d for d in params.context.diagnostics if d.code == finding.code and d.range == where
            ]
            title = f"{finding.code}: {finding.fix.description}"
            change = changed_span(fixed.before, fixed.after)
            actions.append(
                _action(title, types.CodeActionKind.QuickFix, document, change, matching)
            )
    if findings and _wanted(FIX_ALL, only):
        after = fix_all(linter, path, document.source, limits)
        if after != document.source:
            change = changed_span(document.source, after)
            actions.append(_action("qslint: fix all", FIX_ALL, document, change))
    return actions


def _fixable(linter: DefinitionLinter, path: str, text: str) -> list[Finding]:
    findings = linter.lint({path: text}, workspace=False).findings.get(path, [])
    return [finding for finding in findings if finding.fix is not None]


def fix_all(linter: DefinitionLinter, path: str, text: str, limits: LoadLimits) -> str:
    """``text`` with every safe fix applied, pass after pass until none is left."""
    for _ in range(MAX_FIX_PASSES):
        findings = _fixable(linter, path, text)
        fixed = fix_text(path, text.encode("utf-8"), findings, limits) if findings else None
        if fixed is None:
            break
        text = fixed.after
    return text

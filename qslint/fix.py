"""Safe fixes, applied as minimal text edits so every byte outside the edited nodes stays.

A rule attaches a :class:`Fix` to a violation: edits that replace a scalar or delete a mapping
entry or list item, each named by its JSON path. To apply them, the file is composed again
with libyaml (JSON is YAML's flow subset, so both formats go through the same code), each path
is found among the nodes with its start and end marks, and only those characters change.

ruamel.yaml's round-trip dumper was the other candidate; it re-emits the whole document and
so normalises spacing (``A:   1`` becomes ``A: 1``, ``[x,y]`` becomes ``[x, y]``) and
sequence indentation, which a fixer must not touch.

A fix is skipped, not forced, when its node is shared through an anchor or a merge key (the
edit would change other places too) or when its edits overlap another fix's; the caller
lints again and applies what is left in the next pass.
"""

from __future__ import annotations

import codecs
import difflib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from qslint.results import CheckResult

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qslint.cache import content_digest
from qslint.config import LoadLimits
from qslint.files import FileChanged, read_overlaid, write_atomically
from qslint.findings import Edit, Finding, Fix, JsonPath, Mark
from qslint.loader import (
    MERGE_TAG,
    compose_nodes,
    load_source,
    mark_offset,
    offset_mark,
    plain_is_string,
    service_sensitivity,
    tag_name,
)

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


@dataclass(frozen=True)
class _TextEdit:
    start: int
    end: int
    text: str


class FixError(Exception):
    """A fix that cannot be applied safely here."""


def _render_string(value: str, *, json_file: bool) -> str:
    # Plain only when every reader reads it back as this string: `NO`, `1e3` and `2026-01-01`
    # are a boolean, a number and a date to one YAML reader or another.
    if not json_file and _PLAIN_SAFE.match(value) and plain_is_string(value):
        return value
    return json.dumps(value, ensure_ascii=False)


class _Locator:
    """Finds nodes by JSON path in one composed document, with character offsets."""

    def __init__(self, text: str, root: Node) -> None:
        self._text = text
        self._root = root
        self._references: dict[int, int] = {}
        self._count(root)

    def _count(self, node: Node) -> None:
        self._references[id(node)] = self._references.get(id(node), 0) + 1
        if self._references[id(node)] > 1:
            return
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        for child in children:
            self._count(child)

    def find(self, path: JsonPath) -> tuple[Node | None, Node, Node]:
        """``(key, node, parent)`` at ``path``; ``key`` is ``None`` for list items."""
        parent: Node = self._root
        node: Node = self._root
        key: Node | None = None
        for part in path:
            parent = node
            if self._references.get(id(parent), 0) > 1:
                raise FixError("the value is shared through an anchor")
            if isinstance(part, int) and isinstance(node, SequenceNode) and part < len(node.value):
                key, node = None, node.value[part]
            elif isinstance(part, str) and isinstance(node, MappingNode):
                key, node = self._entry(node, part)
            else:
                raise FixError(f"no node at {path}")
        if self._references.get(id(node), 0) > 1:
            raise FixError("the value is shared through an anchor")
        return key, node, parent

    @staticmethod
    def _entry(mapping: MappingNode, name: str) -> tuple[Node, Node]:
        for key, value in mapping.value:
            if tag_name(key) == MERGE_TAG:
                continue
            if isinstance(key, ScalarNode) and key.value == name:
                return key, value
        raise FixError(f"`{name}` comes from a merge key")

    def span(self, node: Node) -> tuple[int, int]:
        return node.start_mark.index, self._content_end(node)  # marks count characters

    def _content_end(self, node: Node) -> int:
        """Where a node's own text ends (a block collection's end mark lies past comments)."""
        if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
            return int(node.end_mark.index)
        children = (
            node.value
            if isinstance(node, SequenceNode)
            else [child for pair in node.value for child in pair]
        )
        if not children:
            return int(node.end_mark.index)
        return self._content_end(children[-1])

    def line_bounds(self, start: int, end: int) -> tuple[int, int] | None:
        """The whole lines around ``start..end`` when nothing but the node is on them."""
        line_start = self._text.rfind("\n", 0, start) + 1
        line_end = self._text.find("\n", end)
        line_end = len(self._text) if line_end == -1 else line_end + 1
        before = self._text[line_start:start].strip()
        after = self._text[end:line_end].strip()
        if before not in ("", "-") or (after and not after.startswith("#")):
            return None
        return line_start, line_end

    def separator_span(self, siblings: Sequence[tuple[int, int]], index: int) -> tuple[int, int]:
        """In flow style, the item with the separator that goes with it."""
        start, end = siblings[index]
        if index > 0:
            return siblings[index - 1][1], end
        if len(siblings) > 1:
            return start, siblings[1][0]
        return start, end


def _text_edit(
    text: str, locators: Sequence[_Locator], fix: Fix, edit: Edit, *, json_file: bool
) -> _TextEdit:
    """Where ``edit`` changes ``text``: between its marks, or at its node in the fix's document."""
    if edit.span is not None:
        start, end = (mark_offset(text, mark) for mark in edit.span)
        return _TextEdit(start, end, edit.value)
    return _edit_to_text(locators[fix.document], edit, json_file=json_file)


def _edit_to_text(locator: _Locator, edit: Edit, *, json_file: bool) -> _TextEdit:
    key, node, parent = locator.find(edit.path)
    if not edit.delete:
        if not isinstance(node, ScalarNode):
            raise FixError("only plain values are replaced")
        start, end = locator.span(node)
        return _TextEdit(start, end, _render_string(edit.value, json_file=json_file))
    start = locator.span(key)[0] if key is not None else locator.span(node)[0]
    end = locator.span(node)[1]
    if not getattr(parent, "flow_style", False):
        bounds = locator.line_bounds(start, end)
        if bounds is None:
            raise FixError("the entry shares its line with other content")
        return _TextEdit(*bounds, "")
    siblings = _sibling_spans(locator, parent)
    index = [span[0] for span in siblings].index(start)
    return _TextEdit(*locator.separator_span(siblings, index), "")


def _sibling_spans(locator: _Locator, parent: Node) -> list[tuple[int, int]]:
    if isinstance(parent, SequenceNode):
        return [locator.span(item) for item in parent.value]
    return [(locator.span(key)[0], locator.span(value)[1]) for key, value in parent.value]


def apply_fixes(
    text: str, fixes: Sequence[Fix], limits: LoadLimits, *, json_file: bool
) -> tuple[str, int]:
    """``text`` with every fix that applies cleanly, and how many did."""
    after, applied = _applied(text, fixes, limits, json_file=json_file)
    return after, len(applied)


def _applied(
    text: str, fixes: Sequence[Fix], limits: LoadLimits, *, json_file: bool
) -> tuple[str, list[int]]:
    """``text`` with every fix that applies cleanly, and the indexes of those fixes."""
    locators = [_Locator(text, root) for root in compose_nodes(text, limits)]
    chosen: list[_TextEdit] = []
    applied: list[int] = []
    for number, fix in enumerate(fixes):
        try:
            edits = [_text_edit(text, locators, fix, e, json_file=json_file) for e in fix.edits]
        except (FixError, IndexError):
            continue
        if any(_overlaps(edit, other) for edit in edits for other in chosen):
            continue
        chosen.extend(edits)
        applied.append(number)
    for edit in sorted(chosen, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text, applied


def _overlaps(a: _TextEdit, b: _TextEdit) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class FileFix:
    """A file's text before and after its fixes, and the findings they fixed."""

    path: Path
    before: str
    after: str
    applied: tuple[Finding, ...]
    bom: bool
    raw: bytes  # the file's bytes before: a fix is written only over these

    @property
    def fixed(self) -> int:
        return len(self.applied)

    def diff(self) -> str:
        """The change as a unified diff, sensitive values starred out on both sides.

        Fixes never change a sensitive value, so the starred diff shows every change.
        """
        name = self.path.as_posix()
        lines = difflib.unified_diff(
            _masked(self.path, self.before).splitlines(keepends=True),
            _masked(self.path, self.after).splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        return "".join(line if line.endswith("\n") else f"{line}\n" for line in lines)

    @property
    def content(self) -> str:
        """The fixed text as the file holds it: with its byte order mark, if it had one."""
        return ("\ufeff" if self.bom else "") + self.after

    def write(self) -> None:
        """Replace the file with its fixed text, unless it no longer holds :attr:`raw`
        (:class:`~qslint.files.FileChanged`: an editor saved it meanwhile)."""
        write_atomically(self.path, self.content, replacing=self.raw)


def _masked(path: Path, text: str) -> str:
    source = load_source(path.name, text.encode("utf-8"), sensitivity=service_sensitivity())
    return source.masked_text()


def fix_text(
    name: str, raw: bytes, findings: Sequence[Finding], limits: LoadLimits
) -> FileFix | None:
    """The file ``name`` of bytes ``raw`` with the fixes of ``findings`` applied, or ``None``
    when none applies cleanly.

    The result must load as cleanly as the original did, or nothing is changed.
    """
    text = raw.decode("utf-8-sig")
    fixes = [finding.fix for finding in findings if finding.fix is not None]
    after, applied = _applied(text, fixes, limits, json_file=name.endswith(".json"))
    if not applied or after == text:
        return None
    if load_source(name, after.encode("utf-8"), limits).problems:
        return None
    fixed = [finding for finding in findings if finding.fix is not None]
    return FileFix(
        Path(name),
        text,
        after,
        tuple(fixed[number] for number in applied),
        bom=raw.startswith(codecs.BOM_UTF8),
        raw=raw,
    )


def _read_file(name: str) -> bytes:
    return Path(name).read_bytes()


class NotFixed(NamedTuple):
    """A file whose fixes were not written, and why."""

    file: str
    reason: str
    failed: bool = True  # False: it changed after it was checked, and was rightly left alone

    @classmethod
    def changed(cls, file: str) -> NotFixed:
        return cls(file, "it changed after it was checked; run --fix again", failed=False)


def unapplied_fixes(findings: Sequence[Finding]) -> list[NotFixed]:
    """The fixes rules offered that are not applied, each with why (in a fan-out: a fix of
    a row's value, which the template's text must not take): they change nothing."""
    return [
        NotFixed(
            str(finding.location),
            f"{finding.code}: {finding.unapplied_fix}",
            failed=False,
        )
        for finding in findings
        if finding.unapplied_fix
    ]


def plan_fixes(
    findings: Sequence[Finding],
    limits_of: Callable[[str], LoadLimits],
    read: Callable[[str], bytes] = _read_file,
    checked: Mapping[str, bytes] | None = None,
) -> tuple[list[FileFix], list[NotFixed]]:
    """What the fixes of ``findings`` would change, file by file (each read by ``read``, with
    its limits), and the files left alone: those that cannot be read, and those whose bytes
    no longer have the digest in ``checked`` (the findings are not about them)."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_file.setdefault(finding.location.file, []).append(finding)
    planned: list[FileFix] = []
    left: list[NotFixed] = []
    for name, fixable in by_file.items():
        try:
            raw = read(name)
        except OSError as error:
            left.append(NotFixed(name, f"cannot read it: {error.strerror or error}"))
            continue
        digest = None if checked is None else checked.get(name)
        if digest is not None and content_digest(raw) != digest:
            left.append(NotFixed.changed(name))
            continue
        file_fix = fix_text(name, raw, fixable, limits_of(name))
        if file_fix is not None:
            planned.append(file_fix)
    return planned, left


@dataclass(frozen=True)
class Change:
    """One replacement: the characters from ``start`` up to ``end`` (1-based line and column,
    the end excluded) become ``text``."""

    start: Mark
    end: Mark
    text: str


def changed_span(before: str, after: str) -> Change:
    """The one replacement that turns ``before`` into ``after``: what lies between their
    common start and their common end."""
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    end = len(before) - suffix
    text = after[prefix : len(after) - suffix]
    return Change(offset_mark(before, prefix), offset_mark(before, end), text)


def suggested_change(name: str, raw: bytes, finding: Finding, limits: LoadLimits) -> Change | None:
    """What the fix of ``finding`` changes in the file ``name`` of bytes ``raw``, if it applies."""
    fixed = fix_text(name, raw, [finding], limits)
    return None if fixed is None else changed_span(fixed.before, fixed.after)


MAX_FIX_PASSES = 10  # fixes that overlap in one pass are applied in the next


def fix_in_passes(
    result: CheckResult,
    run: Callable[[], CheckResult],
    limits_of: Callable[[str], LoadLimits],
    overlay: dict[str, bytes],
) -> tuple[CheckResult, list[Finding], list[NotFixed]]:
    """Apply the fixes pass after pass (to disk, or to ``overlay``'s text): the result of
    linting what they left, what they fixed, and the files left alone (each once; later
    passes leave them alone too)."""
    fixed: list[Finding] = []
    left: dict[str, NotFixed] = {}
    for _ in range(MAX_FIX_PASSES):
        planned, unread = plan_fixes(
            result.findings, limits_of, read_overlaid(overlay), result.digests
        )
        left.update((entry.file, entry) for entry in unread if entry.file not in left)
        planned = [file_fix for file_fix in planned if str(file_fix.path) not in left]
        if not planned:
            break
        for file_fix in planned:
            key = os.path.abspath(file_fix.path)  # noqa: PTH100 - as the overlay is keyed
            if key in overlay:
                overlay[key] = file_fix.content.encode("utf-8")
            else:
                name = str(file_fix.path)
                try:
                    file_fix.write()
                except FileChanged:
                    left[name] = NotFixed.changed(name)
                    continue
                except OSError as error:
                    left[name] = NotFixed(name, f"cannot write it: {error.strerror or error}")
                    continue
            fixed += file_fix.applied
        result = run()  # lint what was written: the report is about the files as they are
    return result, fixed, list(left.values())


def fix_changes(
    findings: Sequence[Finding],
    limits_of: Callable[[str], LoadLimits],
    read: Callable[[str], bytes],
) -> dict[Finding, Change]:
    """Each fixable finding's change, where its fix applies cleanly."""
    changes: dict[Finding, Change] = {}
    for finding in findings:
        if finding.fix is None:
            continue
        name = finding.location.file
        change = suggested_change(name, read(name), finding, limits_of(name))
        if change is not None:
            changes[finding] = change
    return changes


def file_texts(findings: Sequence[Finding], read: Callable[[str], bytes]) -> dict[str, str]:
    """The text of each file that has findings (what cannot be read counts as empty)."""
    texts: dict[str, str] = {}
    for name in dict.fromkeys(finding.location.file for finding in findings):
        try:
            texts[name] = read(name).decode("utf-8-sig", errors="replace")
        except OSError:
            texts[name] = ""
    return texts

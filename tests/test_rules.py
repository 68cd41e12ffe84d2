"""Per-rule fixtures: every rule fires where it should, once, and nowhere else.

Each fixture under ``tests/fixtures/<CODE>/`` is a realistic job definition with one mistake
(``bad-*``) or none (``good-*``). Its first line states what qslint must report::

    # expect: QS201@18:31       (code@line:column, several separated by spaces)
    # expect: none

A JSON fixture cannot hold a comment: its expectation is the one line of
``<name>.json.expect``. A folder case (``bad-duplicate/``) is checked as a whole, and its
``expect`` file names the file of each finding: ``b.yaml:QS601@7:16``. The column is
required: it is the node the user must edit, read off the fixture, not off qslint's output.

Every rule runs over every fixture, so a good fixture proves that no rule fires on a valid
job and a bad fixture proves that one problem gives exactly one finding, at the line and
column the user must edit. The QS7xx fixtures are cross-checked with the exported dashboard
definitions of ``tests/fixtures/dashboards/``; the others with none, as by default.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from qslint.compiled_model import CLASSES, is_sensitive, validate
from qslint.config import LoadLimits
from qslint.dashboards.folder import load_folder
from qslint.dashboards.index import Dashboards
from qslint.findings import Finding
from qslint.loader import load_source
from qslint.results import CheckResult
from qslint.rule import Rule, load_rules
from qslint.runner import RuleSets, lint
from qslint.settings import Overrides, Settings

FIXTURES = Path(__file__).parent / "fixtures"
DASHBOARDS = FIXTURES / "dashboards"  # definitions for the QS7xx fixtures, not a rule's folder
UNREADABLE = ("111122223333", "ops-fulfilment-throttled")  # a dashboard never described
REGION = "eu-west-1"
EXPECT_LINE = re.compile(r"^#\s*expect:\s*(?P<items>.*?)\s*$")
EXPECT_ITEM = re.compile(
    r"^(?:(?P<file>[^:@\s]+):)?(?P<code>[A-Z]+[0-9]+)@(?P<line>[0-9]+):(?P<column>[0-9]+)$"
)
JOB_SUFFIXES = (".yaml", ".yml", ".json")

# A finding is compared as (file within the case, code, line, column); the file is "" for
# one-file cases.
Expected = tuple[str, str, int, int]


@dataclass(frozen=True)
class Case:
    """One fixture: a file, or a folder checked as a whole."""

    path: Path
    expected: tuple[Expected, ...]

    @property
    def id(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()

    @property
    def code(self) -> str:
        return self.path.relative_to(FIXTURES).parts[0]

    @property
    def kind(self) -> str:
        return self.path.name.split("-", 1)[0]


def parse_expectation(text: str, where: Path) -> tuple[Expected, ...]:
    """``# expect: QS201@18:31 QS305@22:25`` (or ``b.yaml:QS601@7:5``, or ``none``) -> items."""
    match = EXPECT_LINE.match(text.splitlines()[0] if text.strip() else "")
    if match is None:
        match = EXPECT_LINE.match(f"# expect: {text.strip()}")  # a folder's bare expect file
    assert match is not None, f"{where}: no `# expect:` line"
    items = match["items"].split()
    if items == ["none"]:
        return ()
    expected = []
    for item in items:
        parsed = EXPECT_ITEM.match(item)
        assert parsed is not None, f"{where}: cannot read {item!r}; write CODE@LINE:COLUMN"
        line, column = int(parsed["line"]), int(parsed["column"])
        expected.append((parsed["file"] or "", parsed["code"], line, column))
    return tuple(sorted(expected))


def expectation_of(path: Path) -> tuple[Expected, ...]:
    if path.is_dir():
        return parse_expectation((path / "expect").read_text(encoding="utf-8"), path / "expect")
    if path.suffix == ".json":
        sidecar = path.with_name(f"{path.name}.expect")
        return parse_expectation(sidecar.read_text(encoding="utf-8"), sidecar)
    # Read the first line as bytes: a fixture may be deliberately not UTF-8 after it.
    first_line = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    return parse_expectation(first_line, path)


def discover_cases() -> list[Case]:
    cases = []
    for code_folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p != DASHBOARDS):
        for path in sorted(code_folder.iterdir()):
            if path.is_dir() or path.name.endswith(JOB_SUFFIXES):
                cases.append(Case(path, expectation_of(path)))
    return cases


CASES = discover_cases()
BAD_CASES = [case for case in CASES if case.kind == "bad"]


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    return tuple(load_rules())


@functools.cache
def fixture_dashboards() -> Dashboards:
    folder = load_folder(DASHBOARDS, LoadLimits())
    # As `--remote` leaves a dashboard QuickSight throttled past the retries (QS709's cases).
    return replace(folder, unreadable={UNREADABLE: "QuickSight answered ThrottlingException"})


def run(case: Case, *, ignore: Sequence[str] = ()) -> CheckResult:
    """Run every rule (but ``ignore``) over the case, in-process, as `qslint check` does."""
    dashboards = fixture_dashboards() if case.code.startswith("QS7") else None
    # The fixtures' own configuration (fixtures/.qslint.toml) names the region, REGION.
    settings = Settings(Overrides(ignore=tuple(ignore)), cwd=FIXTURES, environ={})
    rule_sets = RuleSets(all_rules(), dashboards=dashboards)
    # Each case is a project of its own: cases share job ids with each other.
    return lint([case.path], settings, rule_sets, whole_projects=False)


def found(case: Case, result: CheckResult) -> list[Expected]:
    def file_of(finding: Finding) -> str:
        if not case.path.is_dir():
            return ""
        where = Path(finding.location.file).absolute()
        return where.relative_to(case.path.absolute()).as_posix()

    return sorted(
        (file_of(finding), finding.code, finding.location.line, finding.location.column)
        for finding in result.findings
    )


def describe(result: CheckResult) -> str:
    return "\n".join(
        f"  {f.code} {f.location.line}:{f.location.column} {f.message}" for f in result.findings
    )


def sensitive_values(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[str]:
    """Every scalar of a document in a field the service model marks sensitive."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from sensitive_values(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from sensitive_values(value, (*path, index))
    elif is_sensitive(path):
        yield str(data)


def job_files(case: Case) -> list[Path]:
    if case.path.is_dir():
        return sorted(p for p in case.path.iterdir() if p.name.endswith(JOB_SUFFIXES))
    return [case.path]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fixture_findings(case: Case) -> None:
    result = run(case)
    assert not result.internal_errors, result.internal_errors
    assert found(case, result) == list(case.expected), describe(result)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fixture_expectation_matches_its_kind(case: Case) -> None:
    """A good fixture expects nothing; a bad one expects its own code, and only that."""
    assert case.kind in {"bad", "good"}, f"{case.id}: name it bad-* or good-*"
    if case.kind == "good":
        assert case.expected == ()
    else:
        assert case.expected
        assert {code for _, code, _, _ in case.expected} == {case.code}


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda case: case.id)
def test_ignoring_the_code_hides_its_findings(case: Case) -> None:
    result = run(case, ignore=[case.code])
    assert not result.internal_errors, result.internal_errors
    remaining = [expected for expected in found(case, result) if expected[1] == case.code]
    assert remaining == []
    assert all(f.code != case.code for f in result.findings)


def secrets_of(case: Case) -> set[str]:
    """The sensitive values of a case long enough not to appear in a message by chance."""
    secrets = set()
    for path in job_files(case):
        source = load_source(path.name, path.read_bytes())
        for document in source.documents:
            secrets.update(v for v in sensitive_values(document.data) if len(v) >= 4)
    return secrets


# Only a case with findings and with sensitive values can leak one: the others cannot fail.
LEAK_CASES = [case for case in BAD_CASES if secrets_of(case)]


@pytest.mark.parametrize("case", LEAK_CASES, ids=lambda case: case.id)
def test_messages_never_echo_sensitive_values(case: Case) -> None:
    """Parameter values and row-level security tag values stay out of every message."""
    secrets = secrets_of(case)
    result = run(case)
    # What a user sees: finding messages (a rule that raises is reported by type only).
    messages = [f.message for f in result.findings]
    assert messages
    leaked = sorted({secret for secret in secrets for m in messages if secret in m})
    assert leaked == [], "\n".join(messages)


def test_every_rule_has_a_bad_and_a_good_fixture() -> None:
    codes = {rule.code for rule in all_rules()}
    kinds = {(case.code, case.kind) for case in CASES}
    missing = sorted(
        f"{code}: no {kind}-* fixture"
        for code in codes
        for kind in ("bad", "good")
        if (code, kind) not in kinds
    )
    assert missing == []


def test_every_fixture_folder_is_a_rule() -> None:
    codes = {rule.code for rule in all_rules()}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir() and p != DASHBOARDS}
    assert folders <= codes, sorted(folders - codes)


def test_qs211_compares_files_by_every_field() -> None:
    """QS211's key names the fields of a file and of its sheet selections one by one: a field
    the request model gains must join it, or files that differ by it would be "identical"."""
    from qslint_rules.formats import file_key

    assert set(CLASSES["SnapshotFile"].field_names) == {"FormatType", "SheetSelections"}
    selection = CLASSES["SnapshotFileSheetSelection"]
    assert set(selection.field_names) == {"SheetId", "SelectionScope", "VisualIds"}
    file = {
        "FormatType": "CSV",
        "SheetSelections": [{"SheetId": "s", "SelectionScope": "ALL_VISUALS"}],
    }
    others = [
        {**file, "FormatType": "PDF"},
        {**file, "SheetSelections": [{"SheetId": "t", "SelectionScope": "ALL_VISUALS"}]},
        {**file, "SheetSelections": [{"SheetId": "s", "SelectionScope": "SELECTED_VISUALS"}]},
        {
            **file,
            "SheetSelections": [{"SheetId": "s", "SelectionScope": "ALL_VISUALS", "VisualIds": []}],
        },
        {**file, "SheetSelections": [file["SheetSelections"][0]] * 2},
    ]
    keys = [file_key(validate(CLASSES["SnapshotFile"], data)) for data in (file, *others)]
    assert len(set(keys)) == len(keys)
    assert file_key(validate(CLASSES["SnapshotFile"], file)) == keys[0]

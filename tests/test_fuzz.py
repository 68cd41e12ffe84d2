"""Fuzzing: whatever a file holds, a check ends with exit 0 or 1 and findings inside the file.

Three kinds of input: arbitrary bytes (with YAML's punctuation mixed in), arbitrary YAML and
JSON documents, and valid jobs broken by structured mutations. The default budget keeps CI
under a minute and its examples stable (derandomized); a longer run, with fresh random
examples each time:

    QSLINT_FUZZ=long .venv/bin/pytest tests/test_fuzz.py

Every crash found becomes a case in ``REGRESSIONS`` below.
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import VALID_JOB
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from qslint.report import FORMATS, Report, render
from qslint.results import CheckResult
from qslint.rule import load_rules
from qslint.runner import RuleSets, lint
from qslint.settings import Overrides, Settings

# Every character YAML's readers treat as a line break somewhere: libyaml (YAML 1.1) counts
# all five, ruamel.yaml's YAML 1.2 reader only CR and LF. Each generator draws them often.
LINE_BREAKS = ("\n", "\r", "\r\n", "\x85", "\u2028", "\u2029")
LONG = os.environ.get("QSLINT_FUZZ") == "long"
FUZZ = settings(
    max_examples=5_000 if LONG else 300,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The line breaks of YAML 1.1, which libyaml implements: positions count lines by them.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RULE_SETS = RuleSets(load_rules())
YAML_PIECES = [
    b"A",
    b"Values",
    b"Name",
    b":",
    b": ",
    b"\n",
    b"  ",
    b"- ",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!str ",
    b"!Ref ",
    b"? ",
    b"'",
    b'"',
    b"\\",
    b"#",
    b"---\n",
    b"...\n",
    b"|\n",
    b">-\n",
    b"\t",
    *(line_break.encode() for line_break in LINE_BREAKS),
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"1e999",
    b".nan",
    b"0x1F",
    b"2026-01-31T00:00:00Z",
    b"%YAML 1.2\n",
    b"\xf0\x9f\x92\xa5",
    b"~",
    b"null",
    b"true",
]


def check(name: str, raw: bytes) -> CheckResult:
    """Lint one file named ``name`` holding ``raw``, and hold the result to the properties."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        settings = Settings(Overrides(region="eu-west-1"), cwd=Path(folder), environ={})
        result = lint([path], settings, RULE_SETS, excerpts=True)
    assert not result.internal_errors, [error.details for error in result.internal_errors]
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = LINE_BREAK.split(text)
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # a final line break ends the last line, it does not start another
    for finding in result.findings:
        line, column = finding.location.line, finding.location.column
        assert 1 <= line <= len(lines), (finding, len(lines))
        assert 1 <= column <= len(lines[line - 1]) + 1, (finding, lines[line - 1])
    report = Report(result.findings, result.files, Path.cwd(), rules=result.rules)
    for output_format in FORMATS:
        render(output_format, report)  # every format renders whatever was found
    return result


REGRESSIONS = [
    # A document that is only a `---` starts past the end of the file.
    ("marker.yaml", b"---"),
    # A JSON error at the end of input, after the last line break, was placed on no line.
    ("newline.json", b"\n"),
    # A NEL (U+0085) in a key: libyaml counts it as a line break, and so must every mark.
    ("nel.yaml", "'/\x85': null\n0: [\n".encode()),
    # A `%YAML` directive read by the pure-Python parser (AttributeError: doc_infos).
    ("directive.yaml", b"%YAML 1.2\n---\nA: [2026-01-05T00:00:00Z]\n"),
    # Nesting libyaml's composer recursed into until the process crashed (SIGSEGV).
    ("deep.yaml", b"[" * 40_000 + b"]" * 40_000),
    # Nesting ruamel.yaml's pure-Python composer recursed into (RecursionError).
    ("unclosed.yaml", b"A: 2026-01-05T00:00:00Z\nB: [2026-01-05T00:00:00Z]\nC: " + b"[" * 2_000),
    # Nesting the JSON parser refused with RecursionError.
    ("deep.json", b"[" * 5_000 + b"]" * 5_000),
]


@pytest.mark.parametrize(("name", "raw"), REGRESSIONS, ids=[name for name, _ in REGRESSIONS])
def test_regressions(name, raw):
    check(name, raw)


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=ascii)
def test_positions_after_each_line_break(line_break):
    # libyaml refuses these; ruamel.yaml's YAML 1.2 parser, which reads them, counted lines
    # by CR and LF only: a finding after a LS was put on line 1, column 2, of an empty line.
    result = check("separator.yaml", f"{line_break}:".encode())
    assert [(f.location.line, f.location.column) for f in result.findings] == [(2, 1)]
    result = check("scalar.yaml", f"A: x{line_break} y\nB: [1, 2]\nC: !Ref x\n".encode())
    assert [(f.location.line, f.location.column) for f in result.findings] == [(4, 4)]


@FUZZ
@given(
    name=st.sampled_from(["job.yaml", "job.json"]),
    raw=st.one_of(
        st.binary(max_size=400),
        st.lists(st.sampled_from(YAML_PIECES), max_size=60).map(b"".join),
    ),
)
@example(name="job.yaml", raw=b"A: 1\n\t- x\n")
@example(name="job.yaml", raw="A: 1\n".encode("utf-16"))
def test_arbitrary_bytes(name, raw):
    check(name, raw)


# Any character, a line break one time in four.
CHARACTERS = st.one_of(
    st.characters(codec="utf-8"), st.sampled_from(LINE_BREAKS[:2] + LINE_BREAKS[3:])
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(CHARACTERS, max_size=20),
    st.sampled_from(["111122223333", "PDF", "ALL_VISUALS", "eu-west-1", "2026-01-31"]),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.text(CHARACTERS, max_size=12),
            children,
            max_size=4,
        ),
    ),
    max_leaves=30,
)


def dump(data: Any, name: str) -> bytes:
    if name.endswith(".json"):
        return json.dumps(data, allow_nan=True, default=str).encode()
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    return stream.getvalue().encode()


@FUZZ
@given(name=st.sampled_from(["job.yaml", "job.json"]), data=DOCUMENTS)
def test_arbitrary_documents(name, data):
    check(name, dump(data, name))


def _valid_jobs() -> list[Any]:
    yaml = YAML(typ="safe", pure=True)
    jobs = [yaml.load(VALID_JOB)]
    for path in sorted(EXAMPLES.glob("*.yaml")):
        jobs += yaml.load_all(path.read_text())
    return [job for job in jobs if isinstance(job, dict)]


VALID_JOBS = _valid_jobs()
HUGE = st.sampled_from([10**30, -(10**30), 2**63, 1e308, math.inf, -math.inf, math.nan, 10**400])
ODD_TEXT = st.text(CHARACTERS, max_size=30)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_jobs(draw: st.DrawFn) -> Any:
    """A valid job with a few fields dropped, duplicated, retyped, renamed or swapped."""
    job = copy.deepcopy(draw(st.sampled_from(VALID_JOBS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [path for path in _paths(job) if path]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(job, path), path[-1]
        operation = draw(
            st.sampled_from(["drop", "duplicate", "retype", "rename", "swap", "huge", "unicode"])
        )
        value = parent[last]
        if operation == "drop":
            del parent[last]
        elif operation == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(value))
        elif operation == "duplicate":
            parent[f"{last}{draw(st.sampled_from(['', ' ', '2', 's']))}"] = copy.deepcopy(value)
        elif operation == "retype":
            parent[last] = draw(DOCUMENTS)
        elif operation == "rename" and isinstance(parent, dict):
            renamed = draw(st.sampled_from([str(last).lower(), str(last).upper(), f"{last}x"]))
            parent[renamed] = parent.pop(last)
        elif operation == "swap" and isinstance(value, list):
            parent[last] = {str(index): item for index, item in enumerate(value)}
        elif operation == "swap" and isinstance(value, dict):
            parent[last] = list(value.values())
        elif operation == "huge":
            parent[last] = draw(HUGE)
        elif operation == "unicode":
            parent[last] = draw(ODD_TEXT)
    return job


@FUZZ
@given(name=st.sampled_from(["job.yaml", "job.json"]), job=mutated_jobs())
def test_mutated_valid_jobs(name, job):
    check(name, dump(job, name))

"""The loader: plain values, exact 1-based positions, and clear load problems."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.error import YAMLError

from qslint.findings import JsonPath
from qslint.loader import LoadLimits, Mark, load_source
from qslint.loader.building import DocumentBuilder, Invalid
from qslint.loader.composing import NodeComposer
from qslint.loader.documents import Document, service_sensitivity


def test_positions_of_values_and_keys() -> None:
    source = load_source("job.yaml", b"Top:\n  Items:\n    - a\n    - {Name: b}\n")
    (document,) = source.documents
    assert document.data == {"Top": {"Items": ["a", {"Name": "b"}]}}
    assert document.locate(("Top",), key=True) == Mark(1, 1)
    assert document.locate(("Top", "Items"), key=True) == Mark(2, 3)
    assert document.locate(("Top", "Items", 0)) == Mark(3, 7)
    assert document.locate(("Top", "Items", 1, "Name"), key=True) == Mark(4, 8)
    assert document.locate(("Top", "Items", 1, "Name")) == Mark(4, 14)


def test_missing_path_is_located_at_the_key_that_introduces_its_mapping() -> None:
    (document,) = load_source("job.yaml", b"A: 1\nB:\n  C: 2\n").documents
    assert document.locate(("B", "Missing")) == Mark(2, 1)
    assert document.locate(("Missing",)) == Mark(1, 1)


def test_utf8_bom_and_crlf_line_ends() -> None:
    source = load_source("job.yaml", b"\xef\xbb\xbfA: 1\r\nB:\r\n  - x\r\n")
    (document,) = source.documents
    assert document.data == {"A": 1, "B": ["x"]}
    assert document.locate(("B", 0)) == Mark(3, 5)


def test_columns_count_characters_not_bytes() -> None:
    (document,) = load_source("job.yaml", 'A: "é€"\nB: {C: é, D: x}\n'.encode()).documents
    assert document.locate(("B", "D")) == Mark(2, 14)


def test_anchors_aliases_and_merge_keys() -> None:
    text = b"base: &base {A: 1, B: 2}\nlist: &l [x]\ncopy: *l\njob:\n  <<: *base\n  B: 3\n"
    (document,) = load_source("job.yaml", text).documents
    assert document.data["copy"] == ["x"]
    assert document.data["job"] == {"A": 1, "B": 3}
    assert document.locate(("job", "B"), key=True) == Mark(6, 3)
    assert document.locate(("job", "A"), key=True) == Mark(
        1, 14
    )  # where the merged key was written


def test_an_anchor_defined_again_names_the_later_node() -> None:
    """YAML lets an anchor be defined again; an alias names the node defined last before it."""
    text = b"A: &x 1\nB: &x [2]\nC: *x\nD: {<<: &x {E: 3}, F: *x}\n"
    (document,) = load_source("job.yaml", text).documents
    assert document.data == {"A": 1, "B": [2], "C": [2], "D": {"E": 3, "F": {"E": 3}}}
    assert document.locate(("C",)) == Mark(2, 4)  # the node the alias names
    assert document.locate(("D", "F", "E"), key=True) == Mark(4, 13)


def test_merge_of_several_mappings_prefers_the_earlier_one() -> None:
    text = b"a: &a {X: 1}\nb: &b {X: 2, Y: 2}\nc:\n  <<: [*a, *b]\n"
    (document,) = load_source("job.yaml", text).documents
    assert document.data["c"] == {"X": 1, "Y": 2}


def test_yaml_dates_and_timestamps_are_values() -> None:
    (document,) = load_source("job.yaml", b"D: 2026-01-31\nT: 2026-01-31T08:00:00Z\n").documents
    assert document.data["D"] == date(2026, 1, 31)
    assert document.data["T"].astimezone(UTC) == datetime(2026, 1, 31, 8, tzinfo=UTC)


def test_yaml_1_2_scalars() -> None:
    (document,) = load_source("job.yaml", b"A: yes\nB: 0o17\nC: .nan\nD: 012\n").documents
    assert document.data["A"] == "yes"
    assert document.data["B"] == 15
    assert document.data["D"] == 12


@pytest.mark.parametrize(
    "text",
    [
        b"A: NO\nB: '12:30'\nC: !!str on\nD: sales\nE: 12\nF: [12:30]\n",
        # YAML 1.2 that libyaml refuses, read by ruamel.yaml's parser instead.
        b"A: NO\nB: '12:30'\nC: !!str on\nD: sales\nE: 12\nF: [12:30]\nT: [2026-01-05T00:00:00Z]\n",
    ],
    ids=["libyaml", "ruamel.yaml"],
)
def test_plain_scalars_yaml_1_1_may_read_otherwise_are_kept_with_their_text(text: bytes) -> None:
    (document,) = load_source("job.yaml", text).documents
    expected = {("A",): "NO", ("E",): "12", ("F", 0): "12:30"}
    if b"T:" in text:
        expected[("T", 0)] = "2026-01-05T00:00:00Z"
    assert document.plain_scalars == expected


def test_several_documents_in_one_stream() -> None:
    source = load_source("jobs.yaml", b"A: 1\n---\nB: 2\n")
    assert [d.data for d in source.documents] == [{"A": 1}, {"B": 2}]
    assert source.documents[1].start == Mark(3, 1)


@pytest.mark.parametrize(
    "ending", [b"---\n", b"---", b"---\n# nothing more\n", b"...\n---\n", b"---\n---\n"]
)
def test_empty_trailing_documents_are_ignored(ending: bytes) -> None:
    source = load_source("job.yaml", b"A: 1\n" + ending)
    assert ([d.data for d in source.documents], source.problems) == ([{"A": 1}], [])


def test_a_trailing_null_document_is_still_no_mapping() -> None:
    source = load_source("job.yaml", b"A: 1\n--- null\n")
    assert [p.message for p in source.problems] == [
        "a job definition is a mapping, not null (an empty value)"
    ]


def test_a_file_of_only_empty_documents_holds_no_job_definition() -> None:
    source = load_source("job.yaml", b"---\n---\n")
    assert [p.message for p in source.problems] == ["file holds no job definition"]


@pytest.mark.parametrize(
    ("name", "raw", "message", "mark"),
    [
        (
            "syntax.yaml",
            b"A: [1,\nB: 2\n",
            "got '<stream end>' (while parsing a flow sequence started at line 1, column 4)",
            Mark(2, 5),
        ),
        ("duplicate.yaml", b"A: 1\nA: 2\n", "duplicate key 'A'", Mark(2, 1)),
        ("latin1.yaml", b"A: ok\nB: caf\xe9\n", "not valid UTF-8 (byte 0xe9)", Mark(2, 7)),
        ("nul.yaml", b"A: 1\nB: \x00\n", "file holds a NUL byte", Mark(2, 4)),
        ("control.yaml", b"A: 1\nB: \x07\n", "control characters", Mark(2, 4)),
        ("list.yaml", b"- A: 1\n", "a job definition is a mapping, not a list", Mark(1, 1)),
        ("scalar.yaml", b"just text\n", "not a string", Mark(1, 1)),
        ("empty.yaml", b"", "holds no job definition", Mark(1, 1)),
        ("tag.yaml", b"A: !Ref Bucket\n", "unsupported YAML tag '!Ref'", Mark(1, 4)),
        ("python.yaml", b"A: !!python/object:os.system x\n", "unsupported YAML tag", Mark(1, 4)),
        ("key.yaml", b"? [A]\n: 1\n", "mapping keys must be plain strings", Mark(1, 3)),
        ("recursive.yaml", b"A: &a [*a]\n", "recursive alias", Mark(1, 4)),
        ("merge-into-itself.yaml", b"A: &a {B: 1, C: {<<: *a}}\n", "recursive alias", Mark(1, 4)),
        ("undefined.yaml", b"A: 1\nB: *nowhere\n", "undefined alias 'nowhere'", Mark(2, 4)),
        ("empty-int.yaml", b"A: 1\nB: !!int\n", "invalid int value", Mark(2, 4)),
        ("merge-scalar.yaml", b"A:\n  <<: 1\n", "merge key `<<` takes a mapping", Mark(2, 7)),
        ("merge-value.yaml", b"A: <<\n", "unsupported YAML tag", Mark(1, 4)),
        ("comma.json", b'{\n  "A": 1,\n}\n', "trailing comma", Mark(2, 9)),
        ("comment.json", b'// note\n{"A": 1}\n', "invalid JSON", Mark(1, 1)),
        ("nan.json", b'{"A": NaN}\n', "NaN is not valid JSON", Mark(1, 1)),
        ("duplicate.json", b'{"A": 1,\n "A": 2}\n', "duplicate key 'A'", Mark(2, 2)),
    ],
)
def test_load_problems(name: str, raw: bytes, message: str, mark: Mark) -> None:
    source = load_source(name, raw)
    assert [(message in p.message, p.mark) for p in source.problems] == [(True, mark)]


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    source = load_source("laughs.yaml", "\n".join(lines).encode(), LoadLimits(max_nodes=10_000))
    assert not source.documents
    assert "more than 10000 values" in source.problems[0].message


def test_nesting_is_bounded() -> None:
    source = load_source("deep.yaml", b"[" * 100 + b"]" * 100, LoadLimits(max_depth=64))
    assert "nesting deeper than 64" in source.problems[0].message


def test_suppression_comments() -> None:
    text = b"A: 1  # qslint: ignore[QS101, qs2]\nB: '# qslint: x'\nC: 1 # qslint: ignore\n"
    source = load_source("job.yaml", text)
    assert source.is_suppressed("QS101", 1)
    assert source.is_suppressed("QS205", 1)
    assert not source.is_suppressed("QS301", 1)
    assert not source.is_suppressed("QS101", 2)
    assert source.is_suppressed("QS999", 3)


@pytest.mark.parametrize(
    ("path", "hint"),
    [(".qslint.toml", True), ("README.md", True), ("job.yaml", False), ("JOB.YML", False)],
)
def test_a_file_that_is_not_yaml_or_json_by_name_gets_a_hint(path: str, hint: bool) -> None:
    (problem,) = load_source(path, b'region = "eu-west-1"\n').problems
    assert problem.message.startswith("a job definition is a mapping, not a string")
    assert ("is this a job definition file?" in problem.message) is hint


def test_merges_nested_deeper_than_the_stack_are_read() -> None:
    """A merge of a merge of a merge...: the first mapping's key reaches the last one."""
    lines = ["a0: &a0 {k0: v}"]
    lines += [f"a{i}: &a{i} {{<<: *a{i - 1}}}" for i in range(1, 3_000)]
    (document,) = load_source("job.yaml", "\n".join(lines).encode()).documents
    assert document.data["a2999"] == {"k0": "v"}
    assert document.locate(("a2999", "k0"), key=True) == Mark(1, 10)


def test_each_merged_mapping_is_walked_once() -> None:
    """Each anchor merges the one before twice: walked afresh each time, 30 lines would take
    2**30 steps; the entries are the 30 keys the chain holds."""
    lines = ["a0: &a0 {k0: v}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}" for i in range(1, 30)]
    (document,) = load_source("job.yaml", "\n".join(lines).encode()).documents
    assert document.data["a29"] == {f"k{i}": "v" for i in range(30)}
    assert document.locate(("a29", "k0"), key=True) == Mark(1, 10)


def test_merges_within_a_merged_mapping_are_expanded_where_they_stand() -> None:
    text = b"base: &base\n  <<: [{x: 1}, {y: 2}]\n  z: 3\njob:\n  <<: [*base, {<<: [{q: 1}]}]\n"
    (document,) = load_source("job.yaml", text).documents
    assert document.data["job"] == {"x": 1, "y": 2, "z": 3, "q": 1}
    assert document.locate(("job", "y"), key=True) == Mark(2, 17)


def _built(text: str, *, aliases: bool) -> list[tuple[object, ...]] | tuple[str, Mark]:
    """What the builder makes of ``text`` (its parser's marks as (line, column)), or the
    node it refuses."""
    parser = NodeComposer(text)
    documents: list[Document] = []
    try:
        DocumentBuilder(parser, LoadLimits(), service_sensitivity(), aliases=aliases).build(
            documents
        )
    except Invalid as refused:
        return refused.message, refused.mark
    finally:
        parser.dispose()

    def marks(found: dict[JsonPath, Any]) -> dict[JsonPath, tuple[int, int]]:
        return {path: (mark.line, mark.column) for path, mark in found.items()}

    return [
        (d.data, marks(d.values), marks(d.keys), d.plain_scalars, d.hidden, d.yaml11)
        for d in documents
    ]


_ROOT = Path(__file__).parent.parent
_WITHOUT_ANCHORS = sorted(
    path
    for folder in (_ROOT / "examples", _ROOT / "tests" / "fixtures")
    for path in folder.rglob("*.yaml")
    if not {"&", "*"} & set(path.read_text(encoding="utf-8", errors="replace"))
)


@pytest.mark.parametrize("path", _WITHOUT_ANCHORS, ids=lambda path: path.name)
def test_a_text_without_anchors_builds_alike_without_their_bookkeeping(path: Path) -> None:
    """A text with no `&` nor `*` is read straight from the parser: the same documents, or
    the same node refused."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        expected = _built(text, aliases=True)
    except YAMLError as refused:  # a syntax error: the same one, either way
        with pytest.raises(YAMLError) as also:
            _built(text, aliases=False)
        assert str(also.value) == str(refused)
        return
    assert _built(text, aliases=False) == expected


def test_a_yaml_1_1_file_leaves_the_next_files_numbers_as_yaml_1_2_reads_them() -> None:
    """A run constructs each number once for all its files, but per YAML version: libyaml
    refuses this 1.1 file (a timestamp in a flow sequence), and ruamel.yaml's parser then
    reads `012` as octal there."""
    yaml11 = b"%YAML 1.1\n---\nT: [2026-01-05T00:00:00Z]\nA: 012\n"
    assert load_source("old.yaml", yaml11).documents[0].data["A"] == 10
    assert load_source("job.yaml", b"A: 012\nB: [012]\n").documents[0].data == {"A": 12, "B": [12]}

"""The cache is data: whatever sits in its place causes findings at most, never code, and a
cache that is damaged, foreign or not a file is ignored, in bounded time and memory."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import re
import resource
import shutil
import string
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import VALID_JOB
from corpus import write_corpus  # the benchmark corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_server import _diagnostics, _uri
from test_server import client as lsp_session

from qslint import cache, cache_codec, checking
from qslint.rule import CheckedJob, RuleContext, Violation, job_rule, repository_rule
from qslint.runner import RuleSets, lint
from qslint.settings import Settings

CACHE = ".qslint_cache"
RULE_SETS = RuleSets()
RUN_TIMEOUT = 120  # seconds: a run that reads a FIFO or /dev/zero would never end
MEMORY_LIMIT = 2 << 30  # bytes of address space: a run reading /dev/zero whole would exceed it


class _CreatesAFile:
    """What a crafted pickle holds: loading it creates ``marker`` (a folder)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (self.marker,))


def crafted_pickle(marker: Path) -> bytes:
    return pickle.dumps(_CreatesAFile(marker))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three definitions: a duplicate pair (QS601, compared through the cache) and one with a
    QS305 finding."""
    folder = tmp_path / "project"
    (folder / "jobs").mkdir(parents=True)
    (folder / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    (folder / "jobs" / "weekly.yaml").write_text(VALID_JOB, encoding="utf-8")
    (folder / "jobs" / "weekly-copy.yaml").write_text(VALID_JOB, encoding="utf-8")
    other = VALID_JOB.replace("weekly-sales", "monthly").replace("sales/weekly", "/sales")
    (folder / "jobs" / "monthly.yaml").write_text(other, encoding="utf-8")
    return folder


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def check(folder: Path, *options: str) -> tuple[int, object]:
    """Exit code and JSON findings of ``qslint check`` in ``folder``, in a process of its own
    bounded in time and memory."""
    completed = subprocess.run(
        [sys.executable, "-m", "qslint", "check", "--output-format", "json", *options, "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        preexec_fn=_limited,
        env={**os.environ, "AWS_CONFIG_FILE": str(folder / "no-aws-config")},
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


def cache_files(folder: Path) -> list[Path]:
    """The files a run keeps its cache in."""
    files = [path for path in (folder / CACHE).iterdir() if path.name != ".gitignore"]
    assert files, "the run wrote a cache"
    return files


def test_a_crafted_pickle_in_the_cache_runs_nothing(project: Path, tmp_path: Path):
    expected = check(project, "--no-cache")
    assert check(project) == expected  # writes the cache under the names the next run reads
    marker = tmp_path / "created-by-the-cache"
    for stored in cache_files(project):
        stored.write_bytes(crafted_pickle(marker))
    assert check(project) == expected
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_what_is_not_a_regular_file_in_the_cache_is_skipped(project: Path, kind: str):
    expected = check(project, "--no-cache")
    check(project)
    for stored in cache_files(project):
        stored.unlink()
        if kind == "fifo":
            os.mkfifo(stored)
        elif kind == "dev-zero":
            stored.symlink_to("/dev/zero")
        else:
            stored.mkdir()
    assert check(project) == expected  # in bounded time: RUN_TIMEOUT ends a hung run
    assert check(project) == expected


@pytest.fixture
def workspace(project: Path) -> Path:
    """The language server's workspace: the project."""
    return project


client = lsp_session  # test_server's client of ``qslint server``, in this ``workspace``


def _change(client: LanguageClient, path: Path, version: int, text: str) -> None:
    identifier = types.VersionedTextDocumentIdentifier(uri=_uri(path), version=version)
    whole = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[whole])
    )


@pytest.mark.asyncio
async def test_the_language_server_runs_nothing_from_a_crafted_cache(
    client: LanguageClient, workspace: Path, tmp_path: Path
):
    path = workspace / "jobs" / "weekly.yaml"
    text = path.read_text(encoding="utf-8")
    item = types.TextDocumentItem(uri=_uri(path), language_id="yaml", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    expected = await _diagnostics(client, path)  # the lint wrote the workspace's cache
    assert [diagnostic.code for diagnostic in expected] == ["QS601"]
    marker = tmp_path / "created-by-the-cache"
    for stored in cache_files(workspace):
        stored.write_bytes(crafted_pickle(marker))
    _change(client, path, 2, text + "# edited\n")
    assert await _diagnostics(client, path) == expected
    _change(client, path, 3, text)
    assert await _diagnostics(client, path) == expected
    assert not marker.exists()


@pytest.fixture(scope="module")
def damaged_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[object, ...]]:
    """A project of corpus files with findings and duplicates (QS601), and its results."""
    folder = tmp_path_factory.mktemp("damaged")
    (folder / ".qslint.toml").write_text('region = "eu-west-1"\n', encoding="utf-8")
    write_corpus(folder / "jobs", 30)
    for number in (1, 2):
        copy = folder / "jobs" / f"copy-{number}.yaml"
        copy.write_text((folder / "jobs" / "team-000" / "job-00003.yaml").read_text())
    return folder, _run(folder, use_cache=False)


@pytest.fixture(scope="module")
def pristine_cache(damaged_project: tuple[Path, tuple[object, ...]]) -> tuple[str, bytes]:
    """The name and bytes of the cache a run of the damaged project writes, made once."""
    folder, _ = damaged_project
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "SETTLED_NS", 0)  # every status is kept: the fast path is read too
        _run(folder, use_cache=True)
    (stored,) = (folder / CACHE).glob("*.cache")
    return stored.name, stored.read_bytes()


def _plant(folder: Path, name: str, raw: bytes) -> Path:
    """``raw`` as the project's only cache file, named ``name``."""
    shutil.rmtree(folder / CACHE, ignore_errors=True)
    (folder / CACHE).mkdir()
    stored = folder / CACHE / name
    stored.write_bytes(raw)
    return stored


def _run(folder: Path, *, use_cache: bool) -> tuple[object, ...]:
    result = lint([folder / "jobs"], Settings(cwd=folder), RULE_SETS, use_cache=use_cache)
    return (result.findings, result.files, result.internal_errors)


def _parts(raw: bytes) -> list[range]:
    """The spans of a cache file damage may fall in: each field of the header, then the
    text, the digests and the numbers."""
    fields = re.findall(r"\d*[a-zA-Z]", cache_codec.HEADER.format[1:])
    ends = [struct.calcsize("<" + "".join(fields[:count])) for count in range(len(fields) + 1)]
    for length in cache_codec.HEADER.unpack_from(raw)[-3:]:
        ends.append(ends[-1] + length)
    return [range(start, end) for start, end in itertools.pairwise(ends) if end > start]


def _another_byte(byte: int) -> st.SearchStrategy[int]:
    """A byte other than ``byte``; a digit or letter becomes another of its kind, so that the
    JSON text stays well-formed and only the checksum can tell."""
    for kind in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
        if chr(byte) in kind:
            return st.sampled_from([ord(other) for other in kind if ord(other) != byte])
    return st.integers(1, 255).map(lambda flips: byte ^ flips)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_cache_never_changes_results_nor_crashes(
    damaged_project: tuple[Path, tuple[object, ...]],
    pristine_cache: tuple[str, bytes],
    data: st.DataObject,
):
    """Each damage falls in a part of the file drawn first, so that every header field and
    every part is damaged in a few examples rather than the largest parts in most."""
    folder, expected = damaged_project
    name, pristine = pristine_cache
    parts = _parts(pristine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "SETTLED_NS", 0)  # every status is kept: the fast path is read too
        raw = bytearray(pristine)  # the same cache for every example
        for _ in range(data.draw(st.integers(1, 3), label="damages")):
            at = data.draw(st.sampled_from(parts).flatmap(st.sampled_from), label="at")
            raw[at] = data.draw(_another_byte(raw[at]), label="byte")
        cut = len(raw)
        if data.draw(st.booleans(), label="cut short"):
            starts = st.sampled_from([part.start for part in parts])
            cut = data.draw(starts | st.integers(0, len(raw) - 1), label="length")
        _plant(folder, name, bytes(raw[:cut]))
        assert _run(folder, use_cache=True) == expected
        assert _run(folder, use_cache=True) == expected  # and the cache written after it


def test_a_cache_changed_where_it_still_parses_is_refused_by_its_checksum(
    damaged_project: tuple[Path, tuple[object, ...]], pristine_cache: tuple[str, bytes]
):
    """Most damage breaks the JSON text; damage that leaves it well-formed (a stored finding's
    words) only the checksum tells, and the stored finding must not be reported."""
    folder, expected = damaged_project
    name, pristine = pristine_cache
    assert pristine.count(b"is also defined at") == 2  # the QS601 pair's stored findings
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "SETTLED_NS", 0)
        _plant(folder, name, pristine.replace(b"is also defined at", b"is ALSO defined at"))
        assert _run(folder, use_cache=True) == expected


PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)


def _with_text(raw: bytes, text: bytes) -> bytes:
    """``raw`` with its JSON text replaced and a checksum that holds: well-formed, crafted."""
    header = cache_codec.HEADER
    magic, version, order, _, text_length, *columns = header.unpack_from(raw)
    rest = raw[header.size + text_length :]
    checksum = zlib.crc32(rest, zlib.crc32(text))
    return header.pack(magic, version, order, checksum, len(text), *columns) + text + rest


def _places(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """The path to ``value`` and to every value nested in it."""
    yield path
    if type(value) is list:
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))
    elif type(value) is dict:
        for key in sorted(value):
            yield from _places(value[key], (*path, key))


def _replaced(value: object, path: tuple[object, ...], new: object) -> object:
    """``value`` with what lies at ``path`` replaced by ``new``."""
    if not path:
        return new
    first, *rest = path
    value[first] = _replaced(value[first], tuple(rest), new)  # type: ignore[index]
    return value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_well_formed_cache_of_the_wrong_shape_is_ignored_without_a_crash(
    damaged_project: tuple[Path, tuple[object, ...]],
    pristine_cache: tuple[str, bytes],
    data: st.DataObject,
):
    """Crafted with a checksum that holds, a cache may change findings (it is the project's
    to write) but never ends a run in an error. What is replaced lies at any depth (a whole
    part, an item, a stored finding's line), so each check of a type is reached."""
    folder, expected = damaged_project
    name, raw = pristine_cache  # the same cache for every example
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "SETTLED_NS", 0)
        text_length = cache_codec.HEADER.unpack_from(raw)[4]
        parts = json.loads(raw[cache_codec.HEADER.size : cache_codec.HEADER.size + text_length])
        part = data.draw(st.sampled_from(sorted(parts)), label="part")
        place = data.draw(st.sampled_from(list(_places(parts[part]))), label="place")
        parts[part] = _replaced(parts[part], place, data.draw(PLAIN, label="value"))
        # Laid out as qslint writes it (each part's text is then kept as read), or otherwise.
        compact = data.draw(st.booleans(), label="compact")
        text = json.dumps(parts, separators=(",", ":") if compact else None)
        _plant(folder, name, _with_text(raw, text.encode()))
        result = lint([folder / "jobs"], Settings(cwd=folder), RULE_SETS, use_cache=True)
        assert result.files == expected[1]


@repository_rule("ACME601", "Two jobs share a bucket prefix")
def shared_prefix(
    jobs: Sequence[CheckedJob], context: RuleContext
) -> Iterator[tuple[CheckedJob, Violation]]:
    """A plugin's repository rule that reads whole jobs: it declares no ``reads``."""
    for checked, prefix in _repeated(jobs, _bucket_prefix):
        yield checked, Violation(f"prefix {prefix} is shared", path=("SnapshotConfiguration",))


def _bucket_prefix(values: dict[str, Any]) -> str:
    destination = values["SnapshotConfiguration"]["DestinationConfiguration"]
    return str(destination["S3Destinations"][0]["BucketConfiguration"]["BucketPrefix"])


def _repeated(
    jobs: Sequence[CheckedJob], key: Callable[[dict[str, Any]], str]
) -> Iterator[tuple[CheckedJob, str]]:
    """Each job with the ``key`` of an earlier one (those the run does not check first)."""
    first: dict[str, CheckedJob] = {}
    for checked in sorted(jobs, key=lambda job: (job.checked, job.file, job.start)):
        value = key(checked.values)
        if first.setdefault(value, checked) is not checked:
            yield checked, value


def _committed(
    project: Path, monkeypatch: pytest.MonkeyPatch, rules: RuleSets, name: str
) -> list[Path]:
    """After a run that fills the cache, ``name`` changed as a commit changes it: what the
    pre-commit hook then checks."""
    monkeypatch.chdir(project)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    lint([Path("jobs")], Settings(cwd=project), rules, use_cache=True)
    with (project / name).open("a") as committed:
        committed.write("# the commit's change\n")
    return [Path(name)]


def test_a_one_file_run_compares_with_the_index_and_checks_no_other_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    one = _committed(project, monkeypatch, RULE_SETS, "jobs/weekly.yaml")
    parsed: list[str] = []
    original = checking.check_task  # each file the run checks is parsed through it
    monkeypatch.setattr(
        checking,
        "check_task",
        lambda checker, task: parsed.append(task.path) or original(checker, task),
    )
    cached = lint(one, Settings(cwd=project), RULE_SETS, use_cache=True, force_exclude=True)
    assert parsed == ["jobs/weekly.yaml"]  # the copy's job came from the project index
    fresh = lint(one, Settings(cwd=project), RULE_SETS, force_exclude=True)
    assert cached.findings == fresh.findings
    assert [finding.code for finding in cached.findings] == ["QS601"]


def test_a_repository_rule_without_reads_gets_whole_jobs_from_the_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(project)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    rules = RuleSets([*RULE_SETS.rules, shared_prefix])
    lint([Path("jobs")], Settings(cwd=project), rules, use_cache=True)
    one = [Path("jobs/weekly.yaml")]
    cached = lint(one, Settings(cwd=project), rules, use_cache=True, force_exclude=True)
    fresh = lint(one, Settings(cwd=project), rules, force_exclude=True)
    assert cached.findings == fresh.findings
    assert {finding.code for finding in cached.findings} == {"QS601", "ACME601"}


def test_only_a_repository_rule_declares_the_fields_it_reads():
    with pytest.raises(ValueError, match="only a repository rule"):
        job_rule("ACME1", "summary", reads=("SnapshotJobId",))


@repository_rule("ACME602", "Two jobs export one dashboard", reads=("DashboardId",), keyed=True)
def shared_dashboard(
    jobs: Sequence[CheckedJob], context: RuleContext
) -> Iterator[tuple[CheckedJob, Violation]]:
    """A plugin's keyed rule over fewer fields than QS601: a one-file run must give it the
    jobs equal to the file's in its own key, not in every field the index keeps."""
    for checked, dashboard in _repeated(jobs, lambda values: values["DashboardId"]):
        yield checked, Violation(f"{dashboard} is exported twice", path=("DashboardId",))


def test_a_keyed_rule_gets_the_jobs_equal_in_its_own_key(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    rules = RuleSets([*RULE_SETS.rules, shared_dashboard])
    # Another job id than the weeklies', the same dashboard.
    one = _committed(project, monkeypatch, rules, "jobs/monthly.yaml")
    cached = lint(one, Settings(cwd=project), rules, use_cache=True, force_exclude=True)
    fresh = lint(one, Settings(cwd=project), rules, force_exclude=True)
    assert cached.findings == fresh.findings
    assert "ACME602" in {finding.code for finding in cached.findings}


def test_a_keyed_rule_declares_its_key():
    with pytest.raises(ValueError, match="declares the fields it reads"):
        repository_rule("ACME603", "summary", keyed=True)
    with pytest.raises(ValueError, match="declares the fields it reads"):
        repository_rule("ACME603", "summary", reads=(), keyed=True)  # related to every job


def test_a_cache_folder_that_is_a_link_is_neither_followed_nor_pruned(tmp_path):
    """A repository could commit `.qslint_cache` as a link: runs would write where it
    points, and delete that folder's old `*.cache` and `*.tmp` files."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = elsewhere / "precious.cache"
    precious.write_bytes(b"not qslint's")
    long_ago = time.time() - 365 * 24 * 3600
    os.utime(precious, (long_ago, long_ago))
    project = tmp_path / "project"
    project.mkdir()
    (project / ".qslint_cache").symlink_to(elsewhere, target_is_directory=True)
    (project / "job.yaml").write_text(VALID_JOB, encoding="utf-8")
    for _ in range(2):
        result = lint([project], Settings(cwd=project), RuleSets(), use_cache=True)
        assert not result.findings
    assert [path.name for path in elsewhere.iterdir()] == ["precious.cache"]


_RUN_FILE = st.tuples(
    st.text(st.characters(blacklist_characters="\0"), max_size=8),  # lone surrogates too
    st.one_of(st.just(b""), st.binary(min_size=32, max_size=32)),  # not read yet, or read
    st.booleans(),
)


@given(first=st.lists(_RUN_FILE, max_size=6), second=st.lists(_RUN_FILE, max_size=6))
def test_two_runs_share_repository_findings_only_when_their_files_are_the_same(
    first: list[tuple[str, bytes, bool]], second: list[tuple[str, bytes, bool]]
):
    same = sorted(first) == sorted(second)
    assert (cache.run_digest(first) == cache.run_digest(second)) == same
    assert cache.run_digest(first) == cache.run_digest(first[::-1])


_INDEXED_VALUE = st.none() | st.booleans() | st.integers(-2, 2) | st.floats() | st.text(max_size=2)
_INDEXED_VALUES = st.lists(
    _INDEXED_VALUE | st.lists(_INDEXED_VALUE, max_size=2), min_size=3, max_size=3
)


@given(jobs=st.lists(_INDEXED_VALUES, max_size=8), own=st.lists(_INDEXED_VALUES, max_size=3))
def test_the_index_asks_about_every_job_that_may_share_a_key_with_the_runs(
    jobs: list[list[object]], own: list[list[object]]
):
    """A keyed rule's key holds at least one field: a job equal to one of the run's in its
    key is equal to it in that field. Such a job is never passed over, nor one whose values
    cannot be hashed (the rules compare it as a whole)."""
    asked = set(cache_codec.sharing_a_value(jobs, own, 3))

    def may_share(values: list[object]) -> bool:
        if any(type(value) is list for job in (values, *own) for value in job):
            return True
        return any(values[field] == mine[field] for mine in own for field in range(3))

    assert {number for number, values in enumerate(jobs) if may_share(values)} <= asked

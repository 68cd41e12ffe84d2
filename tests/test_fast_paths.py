"""The cache and the process pool change how fast a run is, never what it finds."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus import write_corpus  # the benchmark corpus

from qslint import cache, cache_key, checking, files
from qslint.results import CheckResult
from qslint.rule import CheckedJob
from qslint.runner import RuleSets, lint
from qslint.settings import Settings


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    write_corpus(tmp_path / "jobs", 300)
    return tmp_path


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written before a run count as settled: the cache keeps their status at once."""
    monkeypatch.setattr(cache, "SETTLED_NS", 0)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files each run reads (in this process: its runs start no workers)."""
    read: list[str] = []
    original = checking.read_held  # each file the run checks is read through it

    def spy(path: str, held: bytes | None, max_size: int) -> tuple[bytes | None, str | None]:
        read.append(path)
        return original(path, held, max_size)

    monkeypatch.setattr(checking, "read_held", spy)
    monkeypatch.setattr(checking, "PARALLEL_MIN_FILES", sys.maxsize)
    return read


def run(folder: Path, **options: object) -> CheckResult:
    return lint([Path("jobs")], Settings(cwd=folder), RuleSets(), **options)  # type: ignore[arg-type]


def outcome(result: CheckResult) -> tuple[object, ...]:
    return (result.findings, result.files, result.internal_errors)


def test_the_corpus_has_findings_of_many_rules(corpus):
    codes = {finding.code for finding in run(corpus, workers=1).findings}
    assert {"QS101", "QS103", "QS104", "QS201", "QS301", "QS305", "QS401"} <= codes


def test_parallel_run_is_identical_to_serial(corpus):
    serial = run(corpus, workers=1)
    assert outcome(run(corpus, workers=2)) == outcome(serial)
    assert outcome(run(corpus)) == outcome(serial)  # 300 files: the pool is used by default


def test_cached_runs_are_identical_and_the_cache_ignores_itself(corpus):
    fresh = run(corpus, workers=1)
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)  # fills the cache
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)  # served from it
    cache = corpus / ".qslint_cache"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(cache.glob("*.cache"))) == 1


def test_repository_rule_stays_right_when_one_file_changes(corpus):
    run(corpus, use_cache=True)
    first = corpus / "jobs" / "team-000" / "job-00000.yaml"
    copy = corpus / "jobs" / "team-002" / "job-00299.yaml"
    copy.write_text(first.read_text())  # now a duplicate of job 0: QS601
    cached = run(corpus, use_cache=True)
    assert outcome(cached) == outcome(run(corpus, workers=1))
    duplicates = [f for f in cached.findings if f.code == "QS601"]
    assert [f.location.file for f in duplicates] == ["jobs/team-002/job-00299.yaml"]
    assert [r.file for r in duplicates[0].related] == ["jobs/team-000/job-00000.yaml"]


def test_repository_rule_stays_right_when_unchanged_files_are_not_read(corpus, settled):
    run(corpus, use_cache=True)
    first = corpus / "jobs" / "team-000" / "job-00000.yaml"
    (corpus / "jobs" / "team-002" / "job-00299.yaml").write_text(first.read_text())
    cached = run(corpus, use_cache=True)  # QS601 runs with the others' jobs from the cache
    assert outcome(cached) == outcome(run(corpus, workers=1))
    assert "QS601" in {f.code for f in cached.findings}


def test_files_whose_status_is_unchanged_are_not_read(corpus, settled, reads):
    fresh = run(corpus, use_cache=True)
    assert len(reads) == 300
    reads.clear()
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)
    assert reads == []


def test_a_rewrite_keeping_size_and_modification_time_is_noticed(corpus, settled, reads):
    run(corpus, use_cache=True)
    changed = corpus / "jobs" / "team-000" / "job-00000.yaml"
    before = changed.stat()
    text = changed.read_text()
    assert "FormatType: PDF" in text
    changed.write_text(text.replace("FormatType: PDF", "FormatType: PDQ", 1))  # same size
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime
    reads.clear()
    cached = run(corpus, use_cache=True)
    assert reads == [str(changed)]  # the change time gave it away
    assert outcome(cached) == outcome(run(corpus, workers=1))
    assert "QS104" in {
        f.code for f in cached.findings if f.location.file == "jobs/team-000/job-00000.yaml"
    }


def test_without_change_times_every_file_is_read(corpus, settled, reads, monkeypatch):
    monkeypatch.setattr(cache, "_CHANGE_TIMES", False)  # as on Windows
    fresh = run(corpus, use_cache=True)
    reads.clear()
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)
    assert len(reads) == 300


def test_a_file_written_just_before_a_run_is_read_again(corpus, reads):
    run(corpus, use_cache=True)  # every file was written within SETTLED_NS of this run
    reads.clear()
    run(corpus, use_cache=True)
    assert len(reads) == 300  # their status is not trusted: read, found unchanged by digest


def test_a_setting_change_is_not_served_from_the_cache(corpus):
    run(corpus, use_cache=True)
    (corpus / ".qslint.toml").write_text('region = "eu-west-1"\n[severity]\nQS305 = "error"\n')
    severities = {f.severity for f in run(corpus, use_cache=True).findings if f.code == "QS305"}
    assert severities == {"error"}


def test_the_cache_key_holds_the_libraries_that_read_a_file(tmp_path, monkeypatch):
    import _ruamel_yaml
    import botocore
    import dateutil
    import ruamel.yaml
    from pydantic_core import _pydantic_core

    libraries = (_ruamel_yaml, ruamel.yaml, _pydantic_core, dateutil)
    readers = {Path(module.__file__) for module in libraries}
    readers.add(Path(botocore.__file__).parent / "data" / "partitions.json")
    assert set(cache_key.reader_files()) == readers  # here, where they are imported
    probe = "from qslint.cache_key import reader_files; print(*reader_files(), sep='\\n')"
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert set(map(Path, found.stdout.splitlines())) == readers  # found, not imported
    library = tmp_path / "library.so"
    library.write_bytes(b"one version")
    monkeypatch.setattr(cache_key, "reader_files", lambda: [library])
    config = Settings(cwd=tmp_path).for_folder(tmp_path)
    rules = RuleSets().for_config(config, [])
    before = cache_key.fingerprint(config, rules, excerpts=False)
    library.write_bytes(b"another version")
    assert cache_key.fingerprint(config, rules, excerpts=False) != before


def test_an_unreadable_cache_is_ignored(corpus):
    fresh = run(corpus, use_cache=True)
    for stored in (corpus / ".qslint_cache").glob("*.cache"):
        stored.write_bytes(b"not a pickle")
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)


def test_a_cache_that_lost_its_jobs_checks_those_files_again(corpus, settled):
    run(corpus, use_cache=True)
    (stored,) = (corpus / ".qslint_cache").glob("*.cache")
    raw = stored.read_bytes()
    stored.write_bytes(raw[:-1000] + bytes(1000))  # the jobs, kept last, are damaged
    first = corpus / "jobs" / "team-000" / "job-00000.yaml"
    (corpus / "jobs" / "team-002" / "job-00299.yaml").write_text(first.read_text())
    assert outcome(run(corpus, use_cache=True)) == outcome(run(corpus, workers=1))


def test_a_cache_cut_short_is_ignored(corpus, settled, reads):
    run(corpus, use_cache=True)
    (stored,) = (corpus / ".qslint_cache").glob("*.cache")
    stored.write_bytes(stored.read_bytes()[:-1])
    reads.clear()
    cached = run(corpus, use_cache=True)
    assert len(reads) == 300
    assert outcome(cached) == outcome(run(corpus, workers=1))


def test_caches_no_run_used_for_a_month_are_removed(corpus):
    run(corpus, use_cache=True)
    folder = corpus / ".qslint_cache"
    (current,) = folder.glob("*.cache")
    days = 24 * 3600
    ages = {"old.pickle": 31, "died.pickle.123.tmp": 31, "recent.pickle": 29, "notes.txt": 31}
    for name, age in ages.items():
        (folder / name).write_bytes(b"")
        os.utime(folder / name, (time.time() - age * days,) * 2)
    (corpus / "jobs" / "team-000" / "job-00000.yaml").write_text("a change: the cache is saved")
    run(corpus, use_cache=True)
    left = sorted(path.name for path in folder.iterdir())
    assert left == sorted([".gitignore", current.name, "notes.txt", "recent.pickle"])


def test_a_cache_read_but_not_written_is_dated_used(corpus, settled):
    run(corpus, use_cache=True)  # every file's status is kept at once (settled)
    (current,) = (corpus / ".qslint_cache").glob("*.cache")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(current, (two_days_ago, two_days_ago))
    run(corpus, use_cache=True)  # nothing changed: nothing written
    assert current.stat().st_mtime > time.time() - 3600


def test_no_cache_writes_nothing(corpus):
    run(corpus, use_cache=False)
    assert not (corpus / ".qslint_cache").exists()


@pytest.fixture
def jobs_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose jobs a run makes from the project index, one entry per job."""
    made: list[str] = []
    original = cache.CheckedJob

    def spy(data: object, path: str, *rest: object, **named: object) -> CheckedJob:
        made.append(path)
        return original(data, path, *rest, **named)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "CheckedJob", spy)
    return made


def hook(folder: Path, *files: str, **options: object) -> CheckResult:
    """What the pre-commit hook runs: the staged files, compared with the project."""
    paths = [Path(file) for file in files]
    return lint(paths, Settings(cwd=folder), RuleSets(), force_exclude=True, **options)  # type: ignore[arg-type]


def test_a_one_file_run_makes_no_job_of_an_unrelated_file(corpus, settled, jobs_made):
    run(corpus, use_cache=True)
    staged = "jobs/team-000/job-00000.yaml"
    with (corpus / staged).open("a") as changed:
        changed.write("# the commit's change\n")
    jobs_made.clear()
    cached = hook(corpus, staged, use_cache=True)
    assert jobs_made == []  # 299 files compared with, none of them a job
    assert outcome(cached) == outcome(hook(corpus, staged))


def test_a_one_file_run_makes_the_jobs_of_its_duplicates_only(corpus, settled, jobs_made):
    run(corpus, use_cache=True)
    staged, original = "jobs/team-000/job-00000.yaml", "jobs/team-001/job-00100.yaml"
    (corpus / staged).write_text((corpus / original).read_text() + "# copied\n")
    jobs_made.clear()
    cached = hook(corpus, staged, use_cache=True)
    assert jobs_made == [original]
    assert outcome(cached) == outcome(hook(corpus, staged))
    (duplicate,) = [f for f in cached.findings if f.code == "QS601"]
    assert [place.file for place in duplicate.related] == [original]


def test_a_one_file_run_reads_a_compared_file_whose_status_changed_in_any_part(
    corpus, settled, reads
):
    run(corpus, use_cache=True)
    staged, other = "jobs/team-000/job-00000.yaml", corpus / "jobs" / "team-001" / "job-00100.yaml"
    before = other.stat()
    replacement = other.with_suffix(".new")  # a new inode with the same bytes and times
    replacement.write_bytes(other.read_bytes())
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    replacement.replace(other)
    reads.clear()
    hook(corpus, staged, use_cache=True)
    assert reads == [str(other.resolve())]  # read again; the 298 others served by the index
    reads.clear()
    hook(corpus, staged, use_cache=True)
    assert reads == []  # its new status kept once read: served again


def test_one_file_runs_that_change_a_files_jobs_keep_the_index_right(corpus, settled):
    """Each commit rewrites the cache from the last: the index's values as they were (a
    comment), changed in place (another file's ids: a duplicate), or its jobs dropped and
    added again (a second job)."""
    run(corpus, use_cache=True)
    staged = "jobs/team-000/job-00000.yaml"
    original = (corpus / staged).read_text()
    other = (corpus / "jobs" / "team-001" / "job-00100.yaml").read_text()
    ids = [line for line in other.splitlines(keepends=True) if line.startswith(IDS)]
    duplicate = "".join(ids) + "".join(
        line for line in original.splitlines(keepends=True) if not line.startswith(IDS)
    )
    commits = [original + "# a comment\n", duplicate, original + "---\n" + other, original]
    for text, duplicated in zip(commits, [False, True, True, False], strict=True):
        (corpus / staged).write_text(text)
        for _ in range(2):  # the second run reads the cache the first wrote
            cached = hook(corpus, staged, use_cache=True)
            assert outcome(cached) == outcome(hook(corpus, staged))
            assert ("QS601" in {f.code for f in cached.findings}) == duplicated
        assert outcome(run(corpus, use_cache=True)) == outcome(run(corpus, workers=1))


IDS = ("AwsAccountId:", "DashboardId:", "SnapshotJobId:")


def test_worker_processes_read_the_files_they_check(corpus, monkeypatch):
    """The run's own process never holds the bytes of every file (a cold run's peak)."""
    serial = run(corpus, workers=1)
    read_here: list[str] = []  # a forked worker's reads are in its own memory, not here
    original = files.read_bytes  # what every reader of a definition's bytes reads with
    monkeypatch.setattr(
        files, "read_bytes", lambda path, size: read_here.append(path) or original(path, size)
    )
    assert outcome(run(corpus, workers=2)) == outcome(serial)
    assert read_here == []


@pytest.mark.parametrize("count", [1, 7, 128, 300, 1000, 50_000])
@pytest.mark.parametrize("workers", [2, 3, 8])
def test_chunks_cover_every_file_once_and_shrink_towards_the_end(count, workers):
    bounds = checking.chunk_bounds(count, workers)
    assert [index for start, end in bounds for index in range(start, end)] == list(range(count))
    sizes = [end - start for start, end in bounds]
    body = sizes[:-1]  # the last chunk holds what is left: it may be smaller still
    assert all(size >= following for size, following in itertools.pairwise(body))
    largest = max(checking.MIN_CHUNK_FILES, count // (4 * workers))
    assert max(sizes) <= largest  # no worker holds more results than before, at once
    assert all(size >= checking.MIN_CHUNK_FILES for size in sizes[:-1])
    if count >= 1000:
        # What the last chunks leave a core idle for: a few files, not a quarter of a share.
        assert sizes[-2] <= checking.MIN_CHUNK_FILES < largest


def test_a_python_without_blake2_keeps_a_cache_of_sha256_digests(tmp_path):
    # CPython's _blake2 spares loading OpenSSL; hashlib's blake2b is that module's, so a build
    # without it must take another hash, not fail to import.
    write_corpus(tmp_path / "jobs", 3)
    probe = (
        "import sys; sys.modules['_blake2'] = None\n"
        "from qslint.digest import hasher; print(hasher(b'x').hexdigest())\n"
        "from qslint.cli import main\n"
        "main(['check', '--region', 'eu-west-1', '-q', 'jobs'])\n"
    )
    for _ in range(2):  # writes the cache, then is served by it
        found = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert found.returncode in (0, 1), found.stderr
    import hashlib

    assert found.stdout.splitlines()[0] == hashlib.sha256(b"x").hexdigest()
    assert list((tmp_path / ".qslint_cache").glob("*.cache"))

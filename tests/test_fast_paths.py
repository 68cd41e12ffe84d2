"""The cache and the process pool change how fast a run is, never what it finds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qslint.engine import CheckResult
from qslint.runner import configure, lint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from corpus import job_definition, write_corpus  # the benchmark corpus


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".qslint.toml").write_text('region = "eu-west-1"\n')
    write_corpus(tmp_path / "jobs", 300)
    return tmp_path


def run(folder: Path, **options: object) -> CheckResult:
    config, rules = configure(folder)
    return lint([Path("jobs")], config, rules, **options)  # type: ignore[arg-type]


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
    assert len(list(cache.glob("*.pickle"))) == 1


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


def test_a_setting_change_is_not_served_from_the_cache(corpus):
    run(corpus, use_cache=True)
    (corpus / ".qslint.toml").write_text('region = "eu-west-1"\n[severity]\nQS305 = "error"\n')
    severities = {f.severity for f in run(corpus, use_cache=True).findings if f.code == "QS305"}
    assert severities == {"error"}


def test_an_unreadable_cache_is_ignored(corpus):
    fresh = run(corpus, use_cache=True)
    for stored in (corpus / ".qslint_cache").glob("*.pickle"):
        stored.write_bytes(b"not a pickle")
    assert outcome(run(corpus, use_cache=True)) == outcome(fresh)


def test_no_cache_writes_nothing(corpus):
    run(corpus, use_cache=False)
    assert not (corpus / ".qslint_cache").exists()


def test_corpus_is_deterministic():
    import random

    assert job_definition(7, random.Random(1)) == job_definition(7, random.Random(1))

"""Wires the check stages together: paths -> sources -> loader -> engine -> result."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from qslint.cache import CACHE_FOLDER, ResultCache, content_digest, fingerprint
from qslint.config import Config, LoadLimits, load_config
from qslint.engine import Checker, CheckResult, FileResult, RuleSet, select_rules
from qslint.findings import Mark
from qslint.rule import load_rules
from qslint.sources import Candidate, FileSelector, discover, display_path

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from qslint.dashboards.source import RemoteCheck
    from qslint.loader import SourceFile


def configure(
    cwd: Path,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    region: str | None = None,
    dashboards: Path | None = None,
    remote: RemoteCheck | None = None,
) -> tuple[Config, RuleSet]:
    """The configuration in force in ``cwd`` with command-line overrides, and its rules.

    ``select`` replaces the configured selection, ``ignore`` adds to it; the region is the
    given one, else the configured one, else ``AWS_REGION`` or ``AWS_DEFAULT_REGION``.
    The rules cross-check jobs with the dashboards of ``remote`` (fetched from QuickSight),
    else of the ``dashboards`` folder, else of the configured one, if any.
    Raises ``ConfigError``, ``RuleLoadError`` and ``DashboardSourceError``.
    """
    config = load_config(cwd)
    config = config.with_overrides(
        select=tuple(select) if select is not None else None,
        ignore=config.ignore + tuple(ignore),
        dashboards=dashboards and cwd / dashboards,
    )
    known = None
    region = (
        region
        or config.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or None
    )
    if config.dashboards is not None or remote is not None:
        # Cross-checking, and what it imports, only when asked for.
        from qslint.dashboards.source import load_dashboards, without_definitions

        config = without_definitions(config)
        known = load_dashboards(config, region, remote)
    return config, select_rules(load_rules(), config, region, known)


class _Task(NamedTuple):
    """One file to check: its names, and its bytes or why they could not be read."""

    path: str  # as displayed
    relative: str  # relative to the configuration's folder, for per-file-ignores
    raw: bytes | None
    unreadable: str | None  # why there are no bytes: a QS100 message


def _read(path: str, max_size: int) -> tuple[bytes | None, str | None]:
    """A regular file's bytes, or why there are none; never blocks, never reads past the limit.

    The file is opened without blocking (a fifo's open would wait for a writer) and checked
    on the open descriptor, so that what is read is what was checked.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and os.path.islink(path):  # noqa: PTH114
            return None, "cannot read file: a symbolic link to nothing"
        return None, f"cannot read file: {error.strerror or type(error).__name__}"
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return None, "cannot read file: not a regular file"
        try:
            # As much as the file held when checked, and one byte more to notice growth past
            # the limit; asking for max_size + 1 would allocate that much for every file.
            raw = handle.read(min(status.st_size, max_size) + 1)
        except OSError as error:
            return None, f"cannot read file: {error.strerror or type(error).__name__}"
    if len(raw) > max_size:
        return None, f"file is larger than {_size(max_size)}; split it or raise `max-file-size`"
    return raw, None


def _size(count: int) -> str:
    """``5 MiB``, ``512 KiB``, ``1000 bytes``: a byte count as people write it."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def _parse(name: str, raw: bytes | None, unreadable: str | None, limits: LoadLimits) -> SourceFile:
    # The loader (and ruamel.yaml) is imported with the first file to parse: a run served
    # from the cache never pays for it.
    from qslint.loader import LoadProblem, SourceFile, load_source, service_sensitivity

    if raw is None:
        problem = LoadProblem(unreadable or "cannot read file", Mark(1, 1))
        return SourceFile(path=name, text="", problems=[problem])
    return load_source(name, raw, limits, sensitivity=service_sensitivity())


def read_source(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> SourceFile:
    """A file's parsed content; a file that cannot be read is a load problem, not a crash."""
    limits = limits or LoadLimits()
    return _parse(display_path(path), *_read(os.fspath(path), limits.max_file_size), limits)


def lint(
    paths: Sequence[Path],
    config: Config,
    rules: RuleSet,
    *,
    force_exclude: bool = False,
    excerpts: bool = False,
    use_cache: bool = False,
    workers: int | None = None,
) -> CheckResult:
    """Check every selected file under ``paths`` with ``rules``.

    With ``excerpts``, each finding in a document carries its source line for display. With
    ``use_cache``, files whose bytes have not changed since a run with the same settings are
    not checked again (see :mod:`qslint.cache`). Files are checked in ``workers`` processes
    (default: one per available core when there are many files); the result is the same,
    in the same order, as a serial run.
    """
    selector = FileSelector.from_config(config)
    checker = Checker(rules, config, excerpts=excerpts)
    discovered = discover(paths, selector, force_exclude=force_exclude)
    if use_cache:
        key = fingerprint(config, rules, excerpts=excerpts)
        cache = ResultCache(config.root / CACHE_FOLDER, key)
        result = _check_cached(checker, discovered.candidates, cache, workers)
    else:
        tasks = [_task(candidate, checker.limits) for candidate in discovered.candidates]
        files = _check_tasks(checker, tasks, workers)
        result = checker.finish(files, checker.check_repository(files))
    result.skipped = discovered.skipped
    return result


def _task(candidate: Candidate, limits: LoadLimits) -> _Task:
    raw, unreadable = _read(candidate.path, limits.max_file_size)
    return _Task(candidate.shown, candidate.relative, raw, unreadable)


def _check_cached(
    checker: Checker, candidates: Sequence[Candidate], cache: ResultCache, workers: int | None
) -> CheckResult:
    """The run's result: cached results where they hold, checked ones elsewhere.

    A file whose status is what the cache knows is not read; one whose bytes are is not
    parsed. The result's ``jobs`` are those of the files checked in this run.
    """
    results: list[FileResult | None] = []
    run: list[tuple[str, bytes]] = []  # every file's path and digest, for the repository rules
    pending: list[tuple[int, _Task]] = []
    for candidate in candidates:
        known = cache.unchanged(candidate.shown, candidate.status)
        if known is not None:
            digest, result = known
        else:
            task = _task(candidate, checker.limits)
            digest = content_digest(task.raw) if task.raw is not None else b""
            result = cache.get(task.path, digest, candidate.status) if digest else None
            if result is None:
                pending.append((len(results), task))
        results.append(result)
        run.append((candidate.shown, digest))
    checked = _check_tasks(checker, [task for _, task in pending], workers)
    for (index, _), result in zip(pending, checked, strict=True):
        results[index] = result
        if run[index][1]:
            cache.put(run[index][1], candidates[index].status, result)
    files = [result for result in results if result is not None]  # all of them, by now
    # The repository rules see every job together: their findings are reused only when
    # every file of the run is the same as in the run that computed them.
    repository = cache.get_repository(run)
    if repository is None:
        fresh = {index for index, _ in pending}
        every = [
            file if index in fresh else _with_jobs(checker, cache, candidates[index], file)
            for index, file in enumerate(files)
        ]
        repository = checker.check_repository(every)
        cache.put_repository(run, repository)
    cache.save()
    return checker.finish(files, repository)


def _with_jobs(
    checker: Checker, cache: ResultCache, candidate: Candidate, result: FileResult
) -> FileResult:
    """A cached result with its jobs, from the cache or, if it lost them, from the file."""
    jobs = cache.jobs(result.path)
    if jobs is None:
        return _check_task(checker, _task(candidate, checker.limits))
    return replace(result, jobs=jobs)


PARALLEL_MIN_FILES = 128  # below this, starting processes costs more than it saves
_worker_checker: Checker | None = None  # what a forked worker process checks with


def _check_task(checker: Checker, task: _Task) -> FileResult:
    source = _parse(task.path, task.raw, task.unreadable, checker.limits)
    return checker.check_source(source, task.relative)


def _check_chunk(tasks: list[_Task]) -> list[FileResult]:
    assert _worker_checker is not None, "set by the parent before forking"
    return [_check_task(_worker_checker, task) for task in tasks]


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_tasks(checker: Checker, tasks: list[_Task], workers: int | None) -> list[FileResult]:
    """Each task's result, in order; in forked worker processes when that pays."""
    if workers is None:
        workers = _available_cores() if len(tasks) >= PARALLEL_MIN_FILES else 1
    if workers > 1 and len(tasks) > 1:
        import multiprocessing  # with the pool only: a small or warm run never pays for it

        if "fork" in multiprocessing.get_all_start_methods():
            return _check_in_processes(checker, tasks, workers, multiprocessing.get_context("fork"))
    return [_check_task(checker, task) for task in tasks]


def _check_in_processes(
    checker: Checker, tasks: list[_Task], workers: int, context: BaseContext
) -> list[FileResult]:
    from concurrent.futures import ProcessPoolExecutor

    global _worker_checker  # noqa: PLW0603 - inherited by the forked workers, read-only there
    _worker_checker = checker
    # The loader and the models (ruamel.yaml, pydantic: ~0.15 s of imports) are imported
    # here, once, and inherited, rather than imported by every worker.
    from qslint.loader import service_sensitivity

    service_sensitivity()
    size = max(1, len(tasks) // (workers * 4))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    # As the gc module's documentation advises before forking: what the workers inherit
    # (modules, the models' schemas, the tasks) is frozen, so that their collections neither
    # scan it nor write to its memory pages, which then stay shared.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [result for chunk in pool.map(_check_chunk, chunks) for result in chunk]
    finally:
        gc.unfreeze()
        _worker_checker = None

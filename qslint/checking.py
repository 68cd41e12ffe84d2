"""Checking files: parsing, fan-out expansion and the rules, in this process or in forked
worker processes when a run has many files."""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from qslint.engine import Checker, FileResult
from qslint.files import read_held

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from qslint.config import LoadLimits


class Task(NamedTuple):
    """One file to check: its names, and its bytes or why they could not be read."""

    path: str  # as displayed
    relative: str  # relative to the configuration's folder, for per-file-ignores
    raw: bytes | None
    unreadable: str | None  # why there are no bytes: a QS100 message
    checker: int  # which of the run's checkers checks it
    overlay: Mapping[str, bytes] = {}  # files an editor holds: a fan-out's rows file may be one


def held_reader(
    limits: LoadLimits, overlay: Mapping[str, bytes]
) -> Callable[[str], tuple[bytes | None, str | None]]:
    """What reads a file (a fan-out's rows file, a definition a repository finding is in):
    from ``overlay`` when it holds the file (an editor's unsaved text), else from disk;
    never past ``max-file-size``."""

    def read(path: str) -> tuple[bytes | None, str | None]:
        held = overlay.get(os.path.abspath(path))  # noqa: PTH100
        return read_held(path, held, limits.max_file_size)

    return read


PARALLEL_MIN_FILES = 128  # below this, starting processes costs more than it saves
_worker_checkers: Sequence[Checker] = ()  # what a forked worker process checks with


def check_task(checker: Checker, task: Task) -> FileResult:
    # The loader (and ruamel.yaml) is imported with the first file to parse: a run served
    # from the cache never pays for it.
    from qslint.fanout.expansion import expand_source
    from qslint.loader import parse_file

    source = parse_file(task.path, task.raw, task.unreadable, checker.limits)
    source = expand_source(source, held_reader(checker.limits, task.overlay), checker.limits)
    return checker.check_source(source, task.relative)


def _check_chunk(tasks: list[Task]) -> list[FileResult]:
    assert _worker_checkers, "set by the parent before forking"
    return [check_task(_worker_checkers[task.checker], task) for task in tasks]


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_tasks(
    checkers: Sequence[Checker], tasks: list[Task], workers: int | None
) -> list[FileResult]:
    """Each task's result, in order; in forked worker processes when that pays."""
    if workers is None:
        workers = _available_cores() if len(tasks) >= PARALLEL_MIN_FILES else 1
    if workers > 1 and len(tasks) > 1:
        import multiprocessing  # with the pool only: a small or warm run never pays for it

        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            return _check_in_processes(checkers, tasks, workers, context)
    return [check_task(checkers[task.checker], task) for task in tasks]


def _check_in_processes(
    checkers: Sequence[Checker], tasks: list[Task], workers: int, context: BaseContext
) -> list[FileResult]:
    from concurrent.futures import ProcessPoolExecutor

    global _worker_checkers  # noqa: PLW0603 - inherited by the forked workers, read-only there
    _worker_checkers = checkers
    # The loader, the models and their validation (ruamel.yaml, pydantic: ~0.15 s of
    # imports, and the partial jobs' model) are imported here, once, and inherited, rather
    # than imported by every worker.
    from qslint.loader import service_sensitivity

    service_sensitivity()
    importlib.import_module("qslint.validation")
    importlib.import_module("qslint.fanout.expansion")  # every task expands its fan-outs
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
        _worker_checkers = ()

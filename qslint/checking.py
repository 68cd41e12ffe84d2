"""Checking files: parsing, fan-out expansion and the rules, in this process or in forked
worker processes when a run has many files."""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from qslint.cache import content_digest
from qslint.engine import Checker
from qslint.fanout import has_template
from qslint.files import read_held
from qslint.results import FileResult
from qslint.sources import display_path

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from qslint.config import LoadLimits
    from qslint.fanout.expansion import ReadRows
    from qslint.loader import SourceFile


class Task(NamedTuple):
    """One file to check: its names, and its bytes or why they could not be read."""

    path: str  # as displayed
    relative: str  # relative to the configuration's folder, for per-file-ignores
    raw: bytes | None
    unreadable: str | None  # why there are no bytes: a QS100 message
    overlay: Mapping[str, bytes] = {}  # files an editor holds: a fan-out's rows file may be one


class FileToCheck(NamedTuple):
    """A file to check, read by whoever checks it (a worker process, in a large run), so
    that no process holds the bytes of every file of a run."""

    path: str  # as displayed
    relative: str  # relative to the configuration's folder, for per-file-ignores
    file: str  # where to read it
    checker: int  # which of the run's checkers checks it
    held: bytes | None = None  # the bytes an editor or standard input holds, read instead
    known: bytes = b""  # the digest of the bytes the cache has a result for
    overlay: Mapping[str, bytes] = {}  # files an editor holds: a fan-out's rows file may be one


class Checked(NamedTuple):
    """What the checker of a :class:`FileToCheck` sends back."""

    digest: bytes  # of the bytes read; empty when none could be
    result: FileResult | None  # None: the bytes are the ones the cache knows, not checked


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


def source_reader(limits: LoadLimits, overlay: Mapping[str, bytes]) -> Callable[[str], SourceFile]:
    """What reads a file again (to locate a repository rule's findings): from ``overlay``
    when it holds the file, else from disk."""
    # Imported here, not at the top: a run served from the cache never needs it.
    from qslint.loader import parse_file

    read_bytes_of = held_reader(limits, overlay)

    def read(path: str) -> SourceFile:
        source = parse_file(display_path(path), *read_bytes_of(path), limits)
        return expanded(source, read_bytes_of, limits)

    return read


PARALLEL_MIN_FILES = 128  # below this, starting processes costs more than it saves
# The smallest chunk a worker is handed: a few milliseconds of work, against a fraction of
# a millisecond to send it and its results.
MIN_CHUNK_FILES = 8
_worker_checkers: Sequence[Checker] = ()  # what a forked worker process checks with


def check_task(checker: Checker, task: Task) -> FileResult:
    # The loader (and ruamel.yaml) is imported with the first file to parse: a run served
    # from the cache never pays for it.
    from qslint.loader import parse_file

    source = parse_file(task.path, task.raw, task.unreadable, checker.limits)
    source = expanded(source, held_reader(checker.limits, task.overlay), checker.limits)
    return checker.check_source(source, task.relative)


def expanded(source: SourceFile, read_rows: ReadRows, limits: LoadLimits) -> SourceFile:
    """``source`` with each of its templates expanded into one document per row."""
    if not has_template(source):
        return source
    # Only a file with a template loads the fan-out machinery (its rows readers, ~3 ms):
    # most files have none.
    from qslint.fanout.expansion import expand_source

    return expand_source(source, read_rows, limits)


def check_file(checker: Checker, file: FileToCheck) -> Checked:
    """Read ``file`` (never past ``max-file-size``) and check it, unless its bytes are the
    ones the cache knows."""
    raw, unreadable = read_held(file.file, file.held, checker.limits.max_file_size)
    digest = content_digest(raw) if raw is not None else b""
    if digest and digest == file.known:
        return Checked(digest, None)
    task = Task(file.path, file.relative, raw, unreadable, file.overlay)
    return Checked(digest, check_task(checker, task))


def _check_chunk(files: list[FileToCheck]) -> list[Checked]:
    assert _worker_checkers, "set by the parent before forking"
    return [check_file(_worker_checkers[file.checker], file) for file in files]


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_files(
    checkers: Sequence[Checker], files: list[FileToCheck], workers: int | None
) -> list[Checked]:
    """Each file's digest and result, in order; in forked worker processes when that pays."""
    if workers is None:
        workers = _available_cores() if len(files) >= PARALLEL_MIN_FILES else 1
    if workers > 1 and len(files) > 1:
        import multiprocessing  # with the pool only: a small or warm run never pays for it

        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            return _check_in_processes(checkers, files, workers, context)
    return [check_file(checkers[file.checker], file) for file in files]


def chunk_bounds(count: int, workers: int) -> list[tuple[int, int]]:
    """Where each chunk of ``count`` files starts and ends: each takes a share of the files
    left, so that chunks shrink as the run nears its end (guided scheduling, as OpenMP's).

    Equal chunks left a core idle for up to one chunk's time at the end, while the other
    finished its last: with 1,000 files on two cores, a chunk was ~0.1 s. The last chunks
    here take a few milliseconds. None holds more than a quarter of a worker's share, so
    that a worker never holds many files' results at once (a large run's memory).
    """
    largest = max(MIN_CHUNK_FILES, count // (4 * workers))
    bounds = []
    start = 0
    while start < count:
        share = -(-(count - start) // (2 * workers))  # rounded up
        size = min(largest, max(MIN_CHUNK_FILES, share))
        bounds.append((start, min(count, start + size)))
        start += size
    return bounds


def _check_in_processes(
    checkers: Sequence[Checker], files: list[FileToCheck], workers: int, context: BaseContext
) -> list[Checked]:
    from concurrent.futures import ProcessPoolExecutor

    global _worker_checkers  # noqa: PLW0603 - inherited by the forked workers, read-only there
    _worker_checkers = checkers
    # The loader, the models and their validation (ruamel.yaml, pydantic: ~0.15 s of
    # imports, and the partial jobs' model) are imported here, once, and inherited, rather
    # than imported by every worker.
    from qslint.loader import service_sensitivity

    service_sensitivity()
    importlib.import_module("qslint.validation")
    importlib.import_module("qslint.fanout.expansion")  # for the tasks of templates
    chunks = [files[start:end] for start, end in chunk_bounds(len(files), workers)]
    # As the gc module's documentation advises before forking: what the workers inherit
    # (modules, the models' schemas, the files to check) is frozen, so that their
    # collections neither scan it nor write to its memory pages, which then stay shared.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [checked for chunk in pool.map(_check_chunk, chunks) for checked in chunk]
    finally:
        gc.unfreeze()
        _worker_checkers = ()


def rows_as_rows(results: list[FileResult | None]) -> set[int]:
    """Replace in ``results`` each file that a template of the run or its projects reads as
    its rows (a YAML or JSON rows file a walk also found) by the templates' findings at its
    lines, instead of its own as a definition: it has no job, and is no QS100. A file a
    template names but cannot read as rows keeps its own findings: it may be a definition.
    The indexes of the files replaced."""
    rows_of: dict[str, list[FileResult]] = {}
    for file in results:
        for rows_file in file.rows_read if file else ():
            rows_of.setdefault(os.path.abspath(rows_file), []).append(file)  # noqa: PTH100
    replaced: set[int] = set()
    if not rows_of:
        return replaced
    for index, file in enumerate(results):
        here = os.path.abspath(file.path) if file else ""  # noqa: PTH100
        templates = rows_of.get(here)
        if file is None or templates is None or any(t is file for t in templates):
            continue
        found = [
            finding
            for template in templates
            for finding in template.findings
            if os.path.abspath(finding.location.file) == here  # noqa: PTH100
        ]
        results[index] = FileResult(path=file.path, findings=list(dict.fromkeys(found)))
        replaced.add(index)
    return replaced

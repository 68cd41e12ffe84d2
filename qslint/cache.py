"""A content-hash cache of per-file results, like ruff's: unchanged files are not checked again.

An entry is keyed by the file's path and the BLAKE2b digest of its bytes; the whole cache file is
keyed by everything else a result depends on (qslint's version, Python's, the configuration,
the selected rules with their severities and options, the code of the modules that define
them, the libraries that read a file (ruamel.yaml, libyaml's extension, pydantic-core,
dateutil) and botocore's list of regions, the content of the dashboards jobs are
cross-checked with, and whether excerpts are kept: see :mod:`qslint.cache_key`). Change any
of these and the run starts from an empty cache.

The repository rules' findings are reused only when every file of the run, path and bytes,
is the same as in a recent run that computed them, and so is which of them the run checks
(the others are the rest of the project, compared with); otherwise they run again.

Like git's index, an entry also keeps the file's status (size, modification and change times,
inode): a file whose status is unchanged is not read again. Change times cannot be set back,
so any write shows; and a status is only kept when the file had not changed for
``SETTLED_NS`` before the run began, so that a write within the file system's clock tick of
the one read (git's "racily clean" file) is never mistaken for no change. Only on POSIX
systems: Windows reports the creation time where POSIX has the change time, so there every
file is read and compared by digest.

Each fingerprint has its own file, so switching settings back and forth keeps both caches; a
file no run has used for ``UNUSED_DAYS`` days (an old qslint version, a setting since changed)
is removed when another is written. The cache lives in ``.qslint_cache/`` beside the
configuration (or in the working directory), with a ``.gitignore`` of its own (a link in its
place is not followed: no cache); ``--no-cache`` bypasses it. A cache that cannot be read is
ignored, and one that cannot be written is skipped: it is an optimisation, never an error.

**The project index.** When every repository rule declares the fields it reads (QS601: the
account, dashboard and job id), an entry also keeps each of the file's jobs as those fields
and their positions. A run that checks one file of a large project (the pre-commit hook)
then gets the other files' jobs from the index without reading them; otherwise it reads
them again for the repository rules.

**Data only.** A cache file is a fixed header (a magic string, the format's version, the
lengths of the three parts and a CRC-32 of them), then a JSON text (the paths, the results
with findings, the indexed values, the repository findings) and two binary columns: the
BLAKE2b digests, and 64-bit integers (each file's status and whether its jobs are indexed,
each job's file and positions). Columns load as a few large objects instead of one per
entry, so a run over a few files of a large project loads them in milliseconds. It is
read only from a regular file (a FIFO, a device or a folder in its place is skipped without
blocking) and only up to ``MAX_CACHE_BYTES``; a wrong magic, version, length or checksum,
or any value of an unexpected type, means the cache is ignored and the files are checked
again. Nothing in it can name code to run. It is written to a new file, then renamed into
place.

**The API** (the CLI's runs and the language server use the same): ``ResultCache(folder,
key, reads=..., region=...)`` loads the cache of fingerprint ``key`` (an empty one if it
cannot be read); ``unchanged``/``get`` give a file's result, ``jobs`` its indexed jobs;
``put`` updates one file's entry; ``save`` writes the cache if anything changed.
"""

from __future__ import annotations

import array
import contextlib
import itertools
import os
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from qslint.cache_codec import (
    ABSENT,
    DIGEST,
    FILE_ROW,
    JOB_ROW,
    REPOSITORY_RUNS,
    Columns,
    IndexedJob,
    IndexedMarks,
    InvalidCache,
    decode,
    encode,
    file_result,
    indexed_jobs,
    plain_result,
    sharing_a_value,
    written_alike,
)
from qslint.digest import hasher
from qslint.files import create_temporary, read_bytes
from qslint.findings import Mark
from qslint.results import REPOSITORY, FileResult
from qslint.rule import CheckedJob

CACHE_FOLDER = ".qslint_cache"
SUFFIX = ".cache"
MAX_CACHE_BYTES = 512 << 20  # a project of about two million files
UNUSED_DAYS = 30
_DAY = 24 * 3600
_CHANGE_TIMES = os.name == "posix"  # st_ctime is the time of the last change
SETTLED_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT's are 2 s)


def content_digest(raw: bytes) -> bytes:
    return hasher(raw).digest()


# Every file of a run: path, content digest, and whether the run checks it (the repository
# rules report on those) or only compares with it.
RunFiles = Sequence[tuple[str, bytes, bool]]
Status = tuple[int, int, int, int, int]  # size, mtime and ctime in ns, inode, device


class _Entry(NamedTuple):
    """A file's entry as plain values, as :meth:`ResultCache.put` made it."""

    digest: bytes
    status: Status | None  # None while the file may still be changing: read it again
    result: object  # plain_result's, None for a file with nothing to report (most)
    jobs: list[IndexedJob] | None  # None: not indexed


def run_digest(run: RunFiles) -> str:
    """The key of a run's repository findings in a cache: the digest of its files, joined
    (paths hold no NUL; the digests' lengths say where each ends), which costs a fifth of
    hashing their ``repr``."""
    ordered = sorted(run)
    digest = hasher("\0".join([path for path, _, _ in ordered]).encode(errors="surrogatepass"))
    digest.update(bytes([len(known) for _, known, _ in ordered]))
    digest.update(b"".join([known for _, known, _ in ordered]))
    digest.update(bytes([own for _, _, own in ordered]))
    return digest.hexdigest()


class ResultCache:
    """Per-file results of earlier runs with the same fingerprint, and the project index.

    ``reads`` are the fields the project index keeps of each job (None: no index) and
    ``region`` the region its jobs are submitted to; both belong to the fingerprint.
    """

    def __init__(
        self, folder: Path, key: str, *, reads: Sequence[str] | None = None, region: str | None
    ) -> None:
        self._folder = folder
        self._file = folder / f"{key}{SUFFIX}"
        self._reads = None if reads is None else tuple(reads)
        self._region = region
        self._settled = time.time_ns() - SETTLED_NS  # a file unchanged since may keep its status
        self._stored = Columns.empty()
        self._texts: dict[str, str] = {}  # each part's JSON text as read (see ``encode``)
        self._rows: dict[str, int] = {}
        self._width = JOB_ROW + 4 * len(self._reads or ())  # integers per job
        self._jobs_of: dict[int, list[int]] | None = None  # each file's jobs, made when needed
        self._updated: dict[str, _Entry] = {}
        self._repository: dict[str, object] = {}  # by the hex digest of a run's files
        self._changed = False
        self._refused = folder.is_symlink()  # a run would write, and prune, where it points
        self._read()

    # Reading

    def _read(self) -> None:
        raw = None if self._refused else read_bytes(str(self._file), MAX_CACHE_BYTES)[0]
        if raw is None:  # none yet, or not a regular file, or too large
            return
        try:
            self._stored, self._repository, self._texts = decode(raw, self._reads)
        except (InvalidCache, ValueError, TypeError, RecursionError, MemoryError):
            return  # any doubt: check again
        self._rows = {path: row for row, path in enumerate(self._stored.paths)}
        self._mark_used()

    def _mark_used(self) -> None:
        """Date the cache file as used today (a run served from it does not write it), at
        most once a day: the pruning of unused caches goes by that date."""
        with contextlib.suppress(OSError):  # a read-only cache is still read
            if time.time() - self._file.stat().st_mtime > _DAY:
                os.utime(self._file)

    def _entry(self, path: str, *, jobs: bool = False) -> _Entry | None:
        """The entry of ``path``; a stored one with its jobs only if asked (they cost)."""
        entry = self._updated.get(path)
        if entry is not None:
            return entry
        row = self._rows.get(path)
        return None if row is None else self._stored_entry(row, jobs=jobs)

    def _stored_entry(self, row: int, *, jobs: bool) -> _Entry:
        stored = self._stored
        size, *times_and_place, indexed = stored.numbers[row * FILE_ROW : (row + 1) * FILE_ROW]
        status = None if size < 0 else (size, *times_and_place)
        digest = stored.digests[row * DIGEST : (row + 1) * DIGEST]
        held = self._stored_jobs(row) if indexed and jobs else None
        return _Entry(digest, status, stored.results.get(str(row)), held)

    def _stored_jobs(self, row: int) -> list[IndexedJob]:
        stored, width = self._stored, self._width
        files = len(stored.paths) * FILE_ROW
        return [
            (
                stored.numbers[files + job * width + 1 : files + (job + 1) * width],
                stored.values[job],
            )
            for job in self._jobs_by_file().get(row, ())
        ]

    def _jobs_of_rows(self, rows: Collection[int]) -> dict[int, list[int]]:
        """The numbers of the jobs of the stored files of ``rows``, from the owners' column."""
        owners = self._stored.numbers[len(self._stored.paths) * FILE_ROW :: self._width]
        jobs = itertools.count
        return {row: list(itertools.compress(jobs(), map(row.__eq__, owners))) for row in rows}

    def _jobs_by_file(self) -> dict[int, list[int]]:
        """The numbers of each stored file's jobs, by the file's row."""
        if self._jobs_of is None:
            self._jobs_of = {}
            files = len(self._stored.paths) * FILE_ROW
            for job, file in enumerate(self._stored.numbers[files :: self._width]):
                self._jobs_of.setdefault(file, []).append(job)
        return self._jobs_of

    def _result(self, path: str, entry: _Entry) -> FileResult | None:
        try:
            return file_result(path, entry.result)
        except (InvalidCache, ValueError, TypeError):
            return None  # this entry is doubtful: the file is checked again

    # The API

    def unchanged(
        self, path: str, status: os.stat_result | None
    ) -> tuple[bytes, FileResult] | None:
        """The digest and result of a file whose status is the one it had: it need not be read."""
        entry = self._entry(path)
        if entry is None or entry.status is None or entry.status != self._status(status):
            return None
        result = self._result(path, entry)
        return None if result is None else (entry.digest, result)

    def digest(self, path: str) -> bytes:
        """The digest of the bytes of ``path`` that the cache has a result for (or none)."""
        entry = self._entry(path)
        return b"" if entry is None else entry.digest

    def get(self, path: str, digest: bytes, status: os.stat_result | None) -> FileResult | None:
        """The result for these bytes of the file; its status is kept for the next run."""
        entry = self._entry(path)
        if entry is None or entry.digest != digest:
            return None
        result = self._result(path, entry)
        known = self._status(status)
        if result is not None and known != entry.status:
            entry = self._entry(path, jobs=True) or entry
            self._updated[path] = entry._replace(status=known)
            self._changed = True
        return result

    def jobs(self, path: str) -> list[CheckedJob] | None:
        """The indexed jobs of a file whose result this cache returned; None when the index
        does not hold them (the file must then be checked again for them)."""
        if self._reads is None:
            return None
        entry = self._updated.get(path)
        if entry is not None:
            if entry.jobs is None:
                return None
            return [self._job(path, numbers, 0, values) for numbers, values in entry.jobs]
        row = self._rows.get(path)
        stored = self._stored
        if row is None or not stored.numbers[(row + 1) * FILE_ROW - 1]:
            return None
        files, width = len(stored.paths) * FILE_ROW, self._width
        return [
            self._job(path, stored.numbers, files + job * width + 1, stored.values[job])
            for job in self._jobs_by_file().get(row, ())
        ]

    def indexed(
        self, paths: Sequence[str], statuses: Sequence[os.stat_result | None]
    ) -> list[bytes | None]:
        """For each file, its digest if its status is the one it had and the index holds its
        jobs, else None: all a file the run only compares with needs (see ``related``)."""
        if self._reads is None or not _CHANGE_TIMES:
            return [None] * len(paths)
        rows, updated, settled = self._rows, self._updated, self._settled
        numbers, digests = self._stored.numbers, self._stored.digests
        found: list[bytes | None] = []
        for path, status in zip(paths, statuses, strict=True):
            row = rows.get(path)
            at = -1 if row is None or status is None or path in updated else row * FILE_ROW
            # A kept status is a settled one (its size is not -1): equal to it, this one is.
            if (
                at < 0
                or not numbers[at + FILE_ROW - 1]
                or numbers[at] != status.st_size
                or numbers[at + 1] != status.st_mtime_ns
                or numbers[at + 2] != status.st_ctime_ns
                or numbers[at + 3] != status.st_ino
                or numbers[at + 4] != status.st_dev
                or max(status.st_mtime_ns, status.st_ctime_ns) >= settled
            ):
                found.append(None)
            else:
                found.append(digests[row * DIGEST : (row + 1) * DIGEST])
        return found

    def related(
        self,
        paths: Collection[str],
        wanted: Callable[[Sequence[Any]], bool],
        own: Sequence[Sequence[Any]],
    ) -> dict[str, list[CheckedJob]]:
        """The indexed jobs of the stored files in ``paths`` that ``wanted`` picks by their
        values, by file, as compared only: only those become jobs (a one-file run of a
        large project needs a handful of them, if any). ``wanted`` picks jobs equal to one
        of ``own`` (the run's jobs' values) in a key of some fields, so it is asked only
        about the jobs equal to one of them in some field."""
        stored, width = self._stored, self._width
        files = len(stored.paths) * FILE_ROW
        found: dict[str, list[CheckedJob]] = {}
        for number in sharing_a_value(stored.values, own, len(self._reads or ())):
            values = stored.values[number]
            if not wanted(values):
                continue
            at = files + number * width
            path = stored.paths[stored.numbers[at]]
            if path in paths and path not in self._updated:
                job = self._job(path, stored.numbers, at + 1, values, checked=False)
                found.setdefault(path, []).append(job)
        return found

    def _job(
        self, path: str, numbers: Sequence[int], at: int, values: list[Any], *, checked: bool = True
    ) -> CheckedJob:
        """The job whose integers start at ``numbers[at]`` (past its file's row)."""
        reads = self._reads or ()
        data = {
            name: values[number]
            for number, name in enumerate(reads)
            if numbers[at + JOB_ROW - 1 + 4 * number] != ABSENT
        }
        start = Mark(numbers[at + 1], numbers[at + 2])
        fields = IndexedMarks(numbers, at + JOB_ROW - 1, reads)
        return CheckedJob(data, path, numbers[at], start, fields, checked, self._region)

    def put(self, digest: bytes, status: os.stat_result | None, result: FileResult) -> None:
        """Keep ``result`` (and its jobs, in the index) as the entry of its file."""
        jobs = indexed_jobs(result.jobs, self._reads) if self._reads is not None else None
        self._updated[result.path] = _Entry(
            digest, self._status(status), plain_result(result), jobs
        )
        self._changed = True

    def get_repository(self, key: str) -> FileResult | None:
        """The repository rules' findings for the run whose :func:`run_digest` is ``key``."""
        if key not in self._repository:
            return None
        try:
            return file_result(REPOSITORY, self._repository[key])
        except (InvalidCache, ValueError, TypeError):
            return None

    def put_repository(self, key: str, result: FileResult) -> None:
        """Keep the repository rules' findings for the run whose :func:`run_digest` is
        ``key``; the latest few runs' are kept, so that a commit's one-file run does not undo
        a full run's."""
        self._repository.pop(key, None)  # to the end: the most recent
        self._repository[key] = plain_result(result)
        while len(self._repository) > REPOSITORY_RUNS:
            del self._repository[next(iter(self._repository))]
        self._changed = True

    def _status(self, status: os.stat_result | None) -> Status | None:
        if status is None or not _CHANGE_TIMES:
            return None
        if max(status.st_mtime_ns, status.st_ctime_ns) >= self._settled:
            return None
        return (
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
            status.st_ino,
            status.st_dev,
        )

    # Writing

    def save(self) -> None:
        if not self._changed or self._refused:
            return
        merged, changed = self._merged()
        unchanged = {name: text for name, text in self._texts.items() if name not in changed}
        parts = encode(merged, self._repository, self._reads, unchanged)
        try:
            self._folder.mkdir(exist_ok=True)
            with contextlib.suppress(FileExistsError), (self._folder / ".gitignore").open("x") as f:
                f.write("# created by qslint\n*\n")
            # Rename into place, so that a concurrent run reads the old cache or the new one;
            # no fsync: a cache lost in a crash is only a slower next run.
            handle, temporary = create_temporary(self._folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.writelines(parts)
                temporary.replace(self._file)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
            self._prune()
        except OSError:
            return  # a read-only checkout still lints; it only lints from scratch next time

    def _merged(self) -> tuple[Columns, set[str]]:
        """The stored columns with the updated entries (and their jobs, if as many) in place,
        and the parts that changed: a one-file run copies the rest and writes quickly."""
        stored, width, rows = self._stored, self._width, self._rows
        files = len(stored.paths) * FILE_ROW
        paths, digests = list(stored.paths), bytearray(stored.digests)
        numbers, results = stored.numbers[:files], dict(stored.results)
        job_numbers, values = stored.numbers[files:], list(stored.values)
        changed = {"repository"}  # a few runs' findings: always written anew
        dropped: list[int] = []
        appended: list[tuple[int, list[IndexedJob]]] = []
        replaced = [rows[path] for path in self._updated if path in rows]
        # A one-file run's few rows: their jobs found one by one, unless all are known.
        few = len(replaced) <= 8 and self._jobs_of is None
        jobs_of = self._jobs_of_rows(replaced) if few else self._jobs_by_file()
        for path, entry in self._updated.items():
            row = rows.get(path, len(paths))
            file_row = [*(entry.status or (-1, 0, 0, 0, 0)), entry.jobs is not None]
            if row == len(paths):
                paths.append(path)
                digests += entry.digest
                numbers.extend(file_row)
                changed.add("paths")
            else:
                digests[row * DIGEST : (row + 1) * DIGEST] = entry.digest
                numbers[row * FILE_ROW : (row + 1) * FILE_ROW] = array.array("q", file_row)
            was = results.pop(str(row), None)
            if entry.result is not None:
                results[str(row)] = entry.result
            if not written_alike(was, entry.result):
                changed.add("results")
            old, new = jobs_of.get(row, []), entry.jobs or []
            if len(old) != len(new):  # dropped, then added again at the end
                dropped += old
                appended.append((row, new))
                continue
            for job, (job_row, kept_values) in zip(old, new, strict=True):
                job_numbers[job * width : (job + 1) * width] = array.array("q", [row, *job_row])
                if not written_alike(values[job], kept_values):
                    values[job] = kept_values
                    changed.add("values")
        if dropped or any(new for _, new in appended):
            changed.add("values")
            kept_numbers, kept_values = array.array("q"), []
            for first, end in itertools.pairwise([-1, *sorted(dropped), len(values)]):
                kept_numbers += job_numbers[(first + 1) * width : end * width]
                kept_values += values[first + 1 : end]
            job_numbers, values = kept_numbers, kept_values
            for row, jobs in appended:
                for job_row, kept_job_values in jobs:
                    job_numbers.append(row)
                    job_numbers.extend(job_row)
                    values.append(kept_job_values)
        numbers.extend(job_numbers)
        return Columns(paths, bytes(digests), numbers, values, results), changed

    def _prune(self) -> None:
        """Remove the cache files (of this format or an older one), and temporary files of
        runs that died, that no run has used for ``UNUSED_DAYS`` days."""
        unused_since = time.time() - UNUSED_DAYS * _DAY
        for other in self._folder.iterdir():
            if other != self._file and other.name.endswith((SUFFIX, ".pickle", ".tmp")):
                with contextlib.suppress(OSError):  # another run may remove it first
                    if other.lstat().st_mtime < unused_since:
                        other.unlink()

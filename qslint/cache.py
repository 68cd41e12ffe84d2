"""A content-hash cache of per-file results, like ruff's: unchanged files are not checked again.

An entry is keyed by the file's path and the SHA-256 of its bytes; the whole cache file is
keyed by everything else a result depends on (qslint's version, Python's, the configuration,
the selected rules with their severities and options, the code of the modules that define
them, the content of the dashboards jobs are cross-checked with, and whether excerpts are
kept). Change any of these and the run starts from an empty cache.

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
configuration (or in the working directory),
with a ``.gitignore`` of its own; ``--no-cache`` bypasses it. A cache that cannot be read is
ignored, and one that cannot be written is skipped: it is an optimisation, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qslint import __version__
from qslint.config import Config
from qslint.engine import FileResult, RuleSet
from qslint.rule import CheckedJob

CACHE_FOLDER = ".qslint_cache"
_FORMAT = 6  # bump when what a cache file holds changes shape
UNUSED_DAYS = 30
REPOSITORY_RUNS = 4  # the runs whose repository findings are kept, each for its files
_DAY = 24 * 3600
_CHANGE_TIMES = os.name == "posix"  # st_ctime is the time of the last change
# What unpickling a damaged or foreign file raises (a class renamed or moved included).
_UNPICKLING_ERRORS = (pickle.PickleError, EOFError, AttributeError, ImportError, ValueError)
SETTLED_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT's are 2 s)


def fingerprint(config: Config, rules: RuleSet, *, excerpts: bool) -> str:
    """A digest of everything besides a file's bytes that its result depends on."""
    parts: list[object] = [_FORMAT, __version__, sys.version, excerpts]
    parts.append(config)  # every setting, including ones that only some results depend on
    # The code that produces results: the rules' modules, and qslint's own (an editable
    # install changes them without a new version).
    sources = [
        Path(getattr(sys.modules.get(rule.module), "__file__", "") or "") for rule in rules.rules
    ]
    sources += sorted(Path(__file__).parent.glob("*.py"))
    for source in sources:
        stat = source.stat() if source.is_file() else None
        parts += [str(source), stat and (stat.st_mtime_ns, stat.st_size)]
    parts += [rule.code for rule in rules.rules]
    for selected in (s for group in rules.by_scope.values() for s in group):
        context = selected.context
        parts += [selected.rule.code, selected.severity, context.region]
        parts += [context.dashboards and context.dashboards.digest]
        parts += [sorted(context.options.items())]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def content_digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


# Every file of a run: path, content digest, and whether the run checks it (the repository
# rules report on those) or only compares with it.
RunFiles = Sequence[tuple[str, bytes, bool]]
Status = tuple[int, int, int, int, int]  # size, mtime and ctime in ns, inode, device
# A file's digest; its status, or None while it may still be changing (read it again); and
# its result without jobs, or None for a file with nothing to report, as most are. Plain
# tuples: a warm run unpickles thousands of them.
_Entry = tuple[bytes, Status | None, FileResult | None]


class ResultCache:
    """Per-file results of earlier runs with the same fingerprint.

    The file holds two pickles: the entries, which every run reads, then each file's jobs,
    which only a run of the repository rules over changed files needs.
    """

    def __init__(self, folder: Path, key: str) -> None:
        self._folder = folder
        self._file = folder / f"{key}.pickle"
        self._settled = time.time_ns() - SETTLED_NS  # a file unchanged since may keep its status
        self._entries: dict[str, _Entry] = {}
        self._repository: dict[bytes, FileResult] = {}  # by the digest of a run's files
        self._stored_jobs = memoryview(b"")  # the second pickle, as read
        self._jobs: dict[str, bytes] | None = {}  # each file's jobs pickled; None: not read yet
        self._changed = False
        self._read()

    def _read(self) -> None:
        try:
            with self._file.open("rb") as handle:
                raw = handle.read()
                self._mark_used(handle.fileno())
            stream = io.BytesIO(raw)
            entries, repository, size = pickle.load(stream)
        except (OSError, TypeError, *_UNPICKLING_ERRORS):  # TypeError: not this version's triple
            return
        whole = len(raw) - stream.tell() == size  # not cut short
        if isinstance(entries, dict) and isinstance(repository, dict) and whole:
            self._entries, self._repository = entries, repository
            self._stored_jobs, self._jobs = memoryview(raw)[stream.tell() :], None

    def _mark_used(self, descriptor: int) -> None:
        """Date the open cache file as used today (a run served from it does not write it),
        at most once a day: the pruning of unused caches goes by that date."""
        try:
            if time.time() - os.fstat(descriptor).st_mtime > _DAY:
                os.utime(self._file)  # by name: not every system dates a descriptor
        except OSError:
            return  # a read-only cache is still read

    def _prune(self) -> None:
        """Remove the cache files, and temporary files of runs that died, no run has used
        for ``UNUSED_DAYS`` days."""
        unused_since = time.time() - UNUSED_DAYS * _DAY
        for other in self._folder.iterdir():
            if other != self._file and other.name.endswith((".pickle", ".tmp")):
                with contextlib.suppress(OSError):  # another run may remove it first
                    if other.stat().st_mtime < unused_since:
                        other.unlink()

    def _all_jobs(self) -> dict[str, bytes]:
        if self._jobs is None:
            try:
                self._jobs = pickle.loads(self._stored_jobs)
            except _UNPICKLING_ERRORS:
                self._jobs = {}
            if not isinstance(self._jobs, dict):
                self._jobs = {}
        return self._jobs

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

    @staticmethod
    def _run_digest(run: RunFiles) -> bytes:
        return hashlib.sha256(repr(sorted(run)).encode()).digest()

    def get_repository(self, run: RunFiles) -> FileResult | None:
        return self._repository.get(self._run_digest(run))

    def put_repository(self, run: RunFiles, result: FileResult) -> None:
        """Keep the repository rules' findings for this run's files; the latest few runs'
        are kept, so that a commit's one-file run does not undo a full run's."""
        key = self._run_digest(run)
        self._repository.pop(key, None)  # to the end: the most recent
        self._repository[key] = result
        while len(self._repository) > REPOSITORY_RUNS:
            del self._repository[next(iter(self._repository))]
        self._changed = True

    def unchanged(
        self, path: str, status: os.stat_result | None
    ) -> tuple[bytes, FileResult] | None:
        """The digest and result of a file whose status is the one it had: it need not be read."""
        entry = self._entries.get(path)
        if entry is None or entry[1] is None or entry[1] != self._status(status):
            return None
        return entry[0], entry[2] or FileResult(path)

    def get(self, path: str, digest: bytes, status: os.stat_result | None) -> FileResult | None:
        """The result for these bytes of the file; its status is kept for the next run."""
        entry = self._entries.get(path)
        if entry is None or entry[0] != digest:
            return None
        known = self._status(status)
        if known != entry[1]:
            self._entries[path] = (digest, known, entry[2])
            self._changed = True
        return entry[2] or FileResult(path)

    def jobs(self, path: str) -> list[CheckedJob] | None:
        """The jobs of a result this cache returned; None if they cannot be had (a damaged
        cache): the file must then be checked again."""
        stored = self._all_jobs().get(path)
        try:
            return None if stored is None else pickle.loads(stored)
        except _UNPICKLING_ERRORS:
            return None

    def put(self, digest: bytes, status: os.stat_result | None, result: FileResult) -> None:
        bare = replace(result, jobs=[])
        kept = None if bare == FileResult(result.path) else bare
        self._entries[result.path] = (digest, self._status(status), kept)
        self._all_jobs()[result.path] = pickle.dumps(result.jobs, pickle.HIGHEST_PROTOCOL)
        self._changed = True

    def save(self) -> None:
        if not self._changed:
            return
        try:
            self._folder.mkdir(exist_ok=True)
            ignore = self._folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by qslint\n*\n", encoding="utf-8")
            # Rename into place, so that a concurrent run reads the old cache or the new one;
            # no fsync: a cache lost in a crash is only a slower next run.
            temporary = self._file.with_name(f"{self._file.name}.{os.getpid()}.tmp")
            jobs = self._stored_jobs if self._jobs is None else pickle.dumps(self._jobs, -1)
            entries = (self._entries, self._repository, len(jobs))
            temporary.write_bytes(pickle.dumps(entries, pickle.HIGHEST_PROTOCOL) + jobs)
            temporary.replace(self._file)
            self._prune()
        except OSError:
            return  # a read-only checkout still lints; it only lints from scratch next time

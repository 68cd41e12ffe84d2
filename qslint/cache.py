"""A content-hash cache of per-file results, like ruff's: unchanged files are not checked again.

An entry is keyed by the file's path and the SHA-256 of its bytes; the whole cache file is
keyed by everything else a result depends on (qslint's version, Python's, the configuration,
the selected rules with their severities and options, the code of the modules that define
them, the content of the dashboards jobs are cross-checked with, and whether excerpts are
kept). Change any of these and the run starts from an empty cache.

The repository rules' findings are reused only when every file of the run, path and bytes,
is the same as in the run that computed them; otherwise they run again over every job.

The cache lives in ``.qslint_cache/`` beside the configuration (or in the working directory),
with a ``.gitignore`` of its own; ``--no-cache`` bypasses it. A cache that cannot be read is
ignored, and one that cannot be written is skipped: it is an optimisation, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qslint import __version__
from qslint.config import Config
from qslint.engine import FileResult, RuleSet

CACHE_FOLDER = ".qslint_cache"
_FORMAT = 2  # bump when what a cache file holds changes shape


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


RunFiles = Sequence[tuple[str, bytes]]  # every file of a run: path and content digest


@dataclass
class _Contents:
    files: dict[str, tuple[bytes, FileResult]] = field(default_factory=dict)
    repository: tuple[bytes, FileResult] | None = None


class ResultCache:
    """Per-file results of earlier runs with the same fingerprint."""

    def __init__(self, folder: Path, key: str) -> None:
        self._folder = folder
        self._file = folder / f"{key}.pickle"
        self._contents = self._read()
        self._entries = self._contents.files
        self._changed = False

    def _read(self) -> _Contents:
        try:
            contents = pickle.loads(self._file.read_bytes())
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
            return _Contents()
        return contents if isinstance(contents, _Contents) else _Contents()

    @staticmethod
    def _run_digest(run: RunFiles) -> bytes:
        return hashlib.sha256(repr(sorted(run)).encode()).digest()

    def get_repository(self, run: RunFiles) -> FileResult | None:
        stored = self._contents.repository
        return stored[1] if stored is not None and stored[0] == self._run_digest(run) else None

    def put_repository(self, run: RunFiles, result: FileResult) -> None:
        self._contents.repository = (self._run_digest(run), result)
        self._changed = True

    def get(self, path: str, digest: bytes) -> FileResult | None:
        entry = self._entries.get(path)
        return entry[1] if entry is not None and entry[0] == digest else None

    def put_all(self, entries: Iterable[tuple[bytes, FileResult]]) -> None:
        for digest, result in entries:
            self._entries[result.path] = (digest, result)
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
            temporary.write_bytes(pickle.dumps(self._contents, pickle.HIGHEST_PROTOCOL))
            temporary.replace(self._file)
        except OSError:
            return  # a read-only checkout still lints; it only lints from scratch next time

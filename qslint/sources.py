"""Which files a run checks: paths, directory walks and include/exclude globs.

Globs follow ``.gitignore`` rules (via ``pathspec``): ``*.yaml`` matches at any depth,
``snapshots/**/*.yaml`` only below ``snapshots/``, and an excluded directory is not entered.
They are matched against paths relative to the configuration's folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from qslint.config import Config


class SourceError(Exception):
    """A path the user named that does not exist."""


Matcher = Callable[[str], bool]


def glob_matcher(patterns: Sequence[str]) -> Matcher:
    """Whether a relative path matches ``patterns`` (``.gitignore`` rules).

    Without negated patterns, any match decides, so the patterns are joined into one regular
    expression: one search per file instead of one per pattern (a walk asks for every file).
    """
    spec = GitIgnoreSpec.from_lines(patterns)
    active = [pattern for pattern in spec.patterns if pattern.include is not None]
    if any(not pattern.include for pattern in active) or not all(
        isinstance(getattr(pattern, "regex", None), re.Pattern) for pattern in active
    ):
        return spec.match_file
    if not active:
        return lambda path: False
    joined = "|".join(
        pattern.regex.pattern.replace("(?P<ps_d>", "(?:")  # type: ignore[attr-defined]
        for pattern in active
    )
    return re.compile(joined).match  # type: ignore[return-value]


@dataclass(frozen=True)
class FileSelector:
    root: Path
    include: Matcher
    exclude: Matcher

    @classmethod
    def from_config(cls, config: Config) -> FileSelector:
        return cls(
            root=config.root,
            include=glob_matcher(config.include),
            exclude=glob_matcher(config.exclude),
        )

    def relative(self, path: Path) -> str:
        return relative_to(path, str(self.root))

    def selects(self, relative: str) -> bool:
        """Whether a file (by its path relative to the configuration) is to be checked."""
        return bool(self.include(relative)) and not self.exclude(relative)

    def is_excluded_folder(self, relative: str) -> bool:
        return bool(self.exclude(relative + "/"))

    def is_included(self, path: Path) -> bool:
        return self.selects(self.relative(path))


def relative_to(path: Path, base: str) -> str:
    """``path`` relative to the folder ``base`` in POSIX form, or as given when outside it.

    String operations rather than ``Path.relative_to``: this runs for every file of a run.
    """
    absolute = os.path.abspath(path)  # noqa: PTH100 - a str, without resolving links
    prefix = base if base.endswith(os.sep) else base + os.sep
    if absolute + os.sep == prefix:
        return ""
    if not absolute.startswith(prefix):
        return path.as_posix()
    return absolute[len(prefix) :].replace(os.sep, "/")


def display_path(path: Path) -> str:
    """How a file is named in reports: relative to the working directory where possible."""
    return relative_to(path, os.getcwd())  # noqa: PTH109 - a str is what is compared


@dataclass(frozen=True)
class Candidate:
    """A file to check, with its names: for globs (relative) and for reports (shown)."""

    path: Path
    relative: str  # relative to the configuration's folder
    shown: str  # relative to the working directory where possible


@dataclass(frozen=True)
class Discovered:
    """The files to check, and those a walk passed over because they are not regular files."""

    candidates: list[Candidate]
    skipped: list[str]  # as shown: a fifo would block, a broken or looping link has nothing


def discover(paths: Sequence[Path], selector: FileSelector, *, force_exclude: bool) -> Discovered:
    """The files to check, each once, in a stable order.

    Directories are walked for included, not excluded files. A file named on the command line
    is always checked, unless ``force_exclude`` (as pre-commit passes every staged file):
    then the globs apply to it too.
    """
    found: dict[Path, Candidate] = {}
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            walked = _walk(path, selector, skipped)
            found.update((candidate.path, candidate) for candidate in walked)
        elif path.exists() or path.is_symlink():
            if not force_exclude or selector.is_included(path):
                found[path] = Candidate(path, selector.relative(path), display_path(path))
        else:
            raise SourceError(f"no such file or directory: {path}")
    return Discovered(list(found.values()), skipped)


def _walk(top: Path, selector: FileSelector, skipped: list[str]) -> Iterator[Candidate]:
    # Names are built per directory and joined per file: this runs for every file of a run.
    for directory, subdirectories, files in os.walk(top):
        base = Path(directory)
        relative = selector.relative(base)
        shown = display_path(base)
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if not selector.is_excluded_folder(_join(relative, name))
        )
        for name in sorted(files):
            candidate = Candidate(base / name, _join(relative, name), _join(shown, name))
            if not selector.selects(candidate.relative):
                continue
            if candidate.path.is_file():
                yield candidate
            else:
                skipped.append(candidate.shown)


def _join(folder: str, name: str) -> str:
    return name if folder in ("", ".") else f"{folder}/{name}"

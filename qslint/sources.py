"""Which files a run checks: paths, directory walks and include/exclude globs.

Globs follow ``.gitignore`` rules (via ``pathspec``): ``*.yaml`` matches at any depth,
``snapshots/**/*.yaml`` only below ``snapshots/``, and an excluded directory is not entered.
They are matched against paths relative to the folder of the configuration in force for
each folder (:mod:`qslint.settings`): a walk that enters a folder with a configuration of its
own selects that folder's files by it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from qslint.config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, DEFINITION_SUFFIXES, Config
from qslint.settings import Settings

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


class SourceError(Exception):
    """A path the user named that does not exist."""


Matcher = Callable[[str], bool]


def glob_matcher(patterns: Sequence[str]) -> Matcher:
    """Whether a relative path matches ``patterns`` (``.gitignore`` rules).

    Without negated patterns, any match decides, so the patterns are joined into one regular
    expression: one search per file instead of one per pattern (a walk asks for every file).
    """
    joined = _TRANSLATED.get(tuple(patterns))
    if joined is None:
        from pathspec import GitIgnoreSpec

        spec = GitIgnoreSpec.from_lines(patterns)
        joined = translate(spec)
        if joined is None:
            return spec.match_file
    return re.compile(joined).match if joined else _nothing  # type: ignore[return-value]


def translate(spec: GitIgnoreSpec) -> str | None:
    """One regular expression for ``spec``, or None if it must be matched pattern by pattern
    (a negated pattern, or one ``pathspec`` does not match with a regular expression)."""
    active = [pattern for pattern in spec.patterns if pattern.include is not None]
    if any(not pattern.include for pattern in active) or not all(
        isinstance(getattr(pattern, "regex", None), re.Pattern) for pattern in active
    ):
        return None
    regexes = [
        pattern.regex.pattern.replace("(?P<ps_d>", "(?:")  # type: ignore[attr-defined]
        for pattern in active
    ]
    # Patterns without a slash match in any folder: pathspec gives each the same start and
    # end. Around all their middles at once they are the same expression, without trying each
    # pattern's start in turn (6x faster for the 18 default exclusions).
    if all(regex.startswith(_ANY_FOLDER) and regex.endswith(_END) for regex in regexes):
        return _in_any_folder(*(regex[len(_ANY_FOLDER) : -len(_END)] for regex in regexes))
    return "|".join(regexes)


_ANY_FOLDER, _END = "^(?:.+/)?", "(?:(?:/)|$)"


def _in_any_folder(*middles: str) -> str:
    return f"{_ANY_FOLDER}(?:{'|'.join(middles)}){_END}"


def _nothing(path: str) -> bool:
    return False


# ``translate`` of the default globs, made here as pathspec makes them (tests/test_config.py
# checks they are the same): most runs use them, and then never import ``pathspec`` (~10 ms
# of a run's start). The defaults are names and ``*.suffix``, in any folder.
_TRANSLATED = {
    DEFAULT_INCLUDE: _in_any_folder(*(f"[^/]*{re.escape(s)}" for s in DEFINITION_SUFFIXES)),
    DEFAULT_EXCLUDE: _in_any_folder(*map(re.escape, DEFAULT_EXCLUDE)),
}


class FileSelector(NamedTuple):
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

    def relative(self, path: str | os.PathLike[str]) -> str:
        return relative_to(path, str(self.root))

    def selects(self, relative: str) -> bool:
        """Whether a file (by its path relative to the configuration) is to be checked."""
        return bool(self.include(relative)) and not self.exclude(relative)

    def is_excluded_folder(self, relative: str) -> bool:
        return bool(self.exclude(relative + "/"))

    def is_included(self, path: str | os.PathLike[str]) -> bool:
        return self.selects(self.relative(path))


def relative_to(path: str | os.PathLike[str], base: str) -> str:
    """``path`` relative to the folder ``base`` in POSIX form, or as given when outside it.

    String operations rather than ``Path.relative_to``: this runs for every file of a run.
    """
    absolute = os.path.abspath(path)  # noqa: PTH100 - a str, without resolving links
    prefix = base if base.endswith(os.sep) else base + os.sep
    if absolute + os.sep == prefix:
        return ""
    if not absolute.startswith(prefix):
        return Path(path).as_posix()
    return absolute[len(prefix) :].replace(os.sep, "/")


def display_path(path: str | os.PathLike[str]) -> str:
    """How a file is named in reports: relative to the working directory where possible."""
    return relative_to(path, os.getcwd())  # noqa: PTH109 - a str is what is compared


class Candidate(NamedTuple):
    """A file to check, with its names (for globs and for reports) and its configuration."""

    path: str
    relative: str  # relative to the configuration's folder
    shown: str  # relative to the working directory where possible
    status: os.stat_result | None  # as found (links followed); None if it could not be had
    config: Config  # the configuration in force for the file
    # Named on the command line, and not subject to the globs (no --force-exclude): checked
    # even when it is clearly no definition, which then is QS100's finding.
    named: bool = False


class Discovered(NamedTuple):
    """The files to check, and those a walk passed over because they are not regular files."""

    candidates: list[Candidate]
    skipped: list[str]  # as shown: a fifo would block, a broken or looping link has nothing


class Selectors:
    """Each configuration's :class:`FileSelector`, made once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._made: dict[int, FileSelector] = {}

    def of(self, config: Config) -> FileSelector:
        selector = self._made.get(id(config))
        if selector is None:
            selector = self._made[id(config)] = FileSelector.from_config(config)
        return selector

    def for_folder(self, folder: str) -> FileSelector:
        return self.of(self.settings.for_folder(Path(folder)))

    def selects_file(self, path: str | os.PathLike[str]) -> bool:
        """Whether a walk would select the file: its own configuration selects it, and no
        configuration above excludes the folder that holds a nearer one."""
        absolute = os.path.abspath(path)  # noqa: PTH100 - the name as given, links kept
        config = self.settings.for_file(absolute)
        if not self.of(config).is_included(absolute):
            return False
        while config.file is not None and self.settings.overrides.config is None:
            folder = config.root
            above = self.settings.for_folder(folder.parent)
            if folder.parent == folder or above is config:
                return True
            if self.of(above).is_excluded_folder(self.of(above).relative(folder)):
                return False
            config = above
        return True


def discover(
    paths: Sequence[Path],
    settings: Settings,
    *,
    force_exclude: bool,
    in_memory: Collection[str] = (),
    walked: Collection[str] = (),
) -> Discovered:
    """The files to check, each once, in a stable order, each with its configuration.

    Directories are walked for included, not excluded files. A file named on the command line
    is always checked, unless ``force_exclude`` (as pre-commit passes every staged file):
    then the globs apply to it too, and it is found as a walk finds its files. A path in
    ``in_memory`` (absolute: an editor's buffer, standard input) is a file whether or not it
    is on disk. A walk does not enter the folders in ``walked`` (absolute: an earlier walk
    has their files).
    """
    selectors = Selectors(settings)
    found: dict[str, Candidate] = {}
    skipped: list[str] = []
    for path in paths:
        kind = _named_kind(path, in_memory)
        if kind == "folder":
            found.update((c.path, c) for c in _walk(str(path), selectors, skipped, walked))
        elif kind == "file":
            name = str(path)
            config = settings.for_file(name)
            selector = selectors.of(config)
            if not force_exclude or selectors.selects_file(name):
                found[os.path.abspath(name)] = Candidate(  # noqa: PTH100
                    name,
                    selector.relative(name),
                    display_path(name),
                    _status(name),
                    config,
                    named=not force_exclude,
                )
        else:
            raise SourceError(f"no such file or directory: {path}")
    return Discovered(list(found.values()), skipped)


def _named_kind(path: Path, in_memory: Collection[str]) -> Literal["folder", "file"] | None:
    """What a path named on the command line is: a folder to walk, a file to check (one that
    cannot be read included: reading it says why, as a QS100 finding), or nothing at all."""
    try:
        mode = os.stat(path).st_mode  # noqa: PTH116
    except (FileNotFoundError, NotADirectoryError):
        there = os.path.lexists(path) or os.path.abspath(path) in in_memory  # noqa: PTH100
        return "file" if there else None  # a link to nothing is a file that cannot be read
    except OSError:
        return "file"  # a folder above it that cannot be entered, a link loop
    return "folder" if stat.S_ISDIR(mode) else "file"


def _status(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)  # noqa: PTH116 - the result goes with the path string
    except OSError:
        return None  # reading it says why


def _walk(
    top: str, selectors: Selectors, skipped: list[str], walked: Collection[str] = ()
) -> Iterator[Candidate]:
    """``os.walk``'s order (a folder's files by name, then its folders by name; links to
    folders not followed), from ``os.scandir``, whose entries come with their types and keep
    their ``stat``: this runs for every file of a run, and the status is what the cache
    compares. Paths are absolute, so that a file's path is its key as it is. Whether to enter
    a folder is its parent's configuration's choice; its files are selected by its own.
    """
    folders = [(os.path.abspath(top), _prefix(display_path(top)))]  # noqa: PTH100
    while folders:
        folder, shown = folders.pop()
        selector = selectors.for_folder(folder)
        config = selectors.settings.for_folder(Path(folder))
        relative = _prefix(selector.relative(folder))
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError:
            continue  # as os.walk does: a folder that cannot be listed has nothing to check
        below: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if _is_folder(entry):
                entered = not entry.is_symlink() and entry.path not in walked
                if entered and not selector.is_excluded_folder(relative + name):
                    below.append((entry.path, f"{shown}{name}/"))
                continue
            if not selector.selects(relative + name):
                continue
            try:
                status: os.stat_result | None = entry.stat()
            except OSError:
                status = None
            if status is not None and stat.S_ISREG(status.st_mode):
                yield Candidate(entry.path, relative + name, shown + name, status, config)
            else:
                skipped.append(shown + name)
        folders += reversed(below)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _prefix(folder: str) -> str:
    """What names an entry of ``folder``: ``a/b/``, or nothing for the folder itself."""
    return "" if folder in ("", ".") else f"{folder}/"

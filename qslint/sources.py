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
from collections.abc import Callable, Collection, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from qslint.config import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, DEFINITION_SUFFIXES, Config
from qslint.files import read_bytes
from qslint.settings import Settings

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


STDIN = "-"  # standard input checked without --stdin-filename


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


def _by_name(patterns: Sequence[str]) -> Matcher | None:
    """For the default globs, whether a file's name matches them, as ``glob_matcher`` on
    its path would for a file whose folder does not (see ``_names_selected``); None for
    other globs. The defaults match a name (``*.yaml``) followed by ``/`` or the end, where
    ``$`` also matches before a final newline."""
    if tuple(patterns) == DEFAULT_INCLUDE:
        return lambda name: (
            name.endswith(DEFINITION_SUFFIXES)
            or (name.endswith("\n") and name[:-1].endswith(DEFINITION_SUFFIXES))
        )
    if tuple(patterns) == DEFAULT_EXCLUDE:
        return lambda name: name in _EXCLUDED or (name.endswith("\n") and name[:-1] in _EXCLUDED)
    return None


_EXCLUDED = frozenset(DEFAULT_EXCLUDE)


def _names_selected(config: Config, selector: FileSelector, folder: str) -> Matcher | None:
    """Whether ``selector`` selects a file of ``folder`` (relative, ``a/b/``) by its name,
    without matching the folder again for each (a walk asks for a project's every file);
    None where each path must be matched whole.

    For the default globs (a name in any folder, never matching a ``/``), a path matches
    where its folder does, or where its name does and ``(?:.+/)?`` takes the whole folder
    (one character or more before its ``/``, none of them a newline)."""
    include, exclude = _by_name(config.include), _by_name(config.exclude)
    whole_folder = folder == "" or (len(folder) > 1 and "\n" not in folder[:-1])
    if include is None or exclude is None or not whole_folder:
        return None
    if selector.exclude(folder):
        return _nothing
    if selector.include(folder):
        return lambda name: not exclude(name)
    return _definition_name


def _definition_name(name: str) -> bool:
    """``include(name) and not exclude(name)`` for the default globs, in one call: a walk
    asks it of a project's every file. A name with a definition's suffix ends with no
    newline."""
    if name.endswith(DEFINITION_SUFFIXES):
        return name not in _EXCLUDED
    stem = name[:-1]
    return (
        name.endswith("\n")
        and stem.endswith(DEFINITION_SUFFIXES)
        and name not in _EXCLUDED
        and stem not in _EXCLUDED
    )


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
            for candidate in _walk(str(path), selectors, skipped, walked):
                kept = found.get(candidate.path)
                found[candidate.path] = candidate if kept is None else _named_by(kept, candidate)
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


def rest_of_projects(
    paths: Sequence[Path],
    candidates: Sequence[Candidate],
    settings: Settings,
    overlay: Mapping[str, bytes],
) -> list[Candidate]:
    """The definitions of the projects of ``candidates`` that the run does not check.

    A project is a configuration file's folder, walked as ``qslint check`` on it would walk
    it, less the files of other configurations. Without a configuration file there is no
    project: the run's own files are all there is. A folder the run walked is not walked again.
    Standard input without a name is no file of the project, but it came from one when a
    file holds the very same bytes (``cat job.yaml | qslint check -``): that one file is not
    compared with it.
    """
    configs = {id(c.config): c.config for c in candidates if c.config.file is not None}
    walked = [Path(os.path.abspath(p)) for p in paths if os.path.isdir(p)]  # noqa: PTH100, PTH112
    checked = {_identity(candidate) for candidate in candidates}
    unnamed = next((_unnamed_input(c, overlay) for c in candidates if c.path == STDIN), None)
    others: dict[object, Candidate] = {}
    for config in configs.values():
        root = Path(os.path.abspath(config.root))  # noqa: PTH100
        if any(root.is_relative_to(folder) for folder in walked):
            continue
        rest = discover([root], settings, force_exclude=False, walked=set(map(str, walked)))
        for candidate in rest.candidates:  # a project's every file: _identity, inlined
            status = candidate.status
            identity = (status.st_dev, status.st_ino) if status else _identity(candidate)
            if candidate.config is not config or identity in checked:
                continue
            if unnamed is not None and _holds(candidate, unnamed):
                checked.add(identity)
                unnamed = None  # one file is where it came from; others are duplicates
                continue
            kept = others.get(identity)
            others[identity] = candidate if kept is None else _named_by(kept, candidate)
    return list(others.values())


def _unnamed_input(candidate: Candidate, overlay: Mapping[str, bytes]) -> bytes | None:
    """What standard input holds when it is checked without a name (not a file on disk)."""
    if candidate.status is not None:
        return None
    return overlay.get(os.path.abspath(candidate.path))  # noqa: PTH100


def _holds(candidate: Candidate, content: bytes) -> bool:
    """Whether ``candidate``'s file holds exactly ``content`` (read only when the size is)."""
    if candidate.status is None or candidate.status.st_size != len(content):
        return False
    raw, _ = read_bytes(candidate.path, len(content))
    return raw == content


def each_once(candidates: Sequence[Candidate]) -> list[Candidate]:
    """``candidates`` less any that names a file another one names (see :func:`_named_by`)."""
    first: dict[object, Candidate] = {}
    for candidate in candidates:
        identity = _identity(candidate)
        kept = first.get(identity)
        first[identity] = candidate if kept is None else _named_by(kept, candidate)
    return list(first.values())


def _named_by(kept: Candidate, other: Candidate) -> Candidate:
    """Which of two names of one file it is checked by: the one that is no link, where the
    other is, else the first. A fan-out template's rows are beside it, so a link elsewhere
    (``alias.yaml -> sub/weekly.yaml``) finds none; the walk meets the link first. Called
    only for a file met twice: a walk meets thousands once."""
    linked = kept.path != other.path and Path(kept.path).is_symlink()
    chosen = other if linked and not Path(other.path).is_symlink() else kept
    named = kept.named or other.named  # a file named on purpose is reported as such
    return chosen if chosen.named == named else chosen._replace(named=named)


def _identity(candidate: Candidate) -> object:
    """What a file is, however it was named (through a link, by a relative path)."""
    status = candidate.status
    return (status.st_dev, status.st_ino) if status else os.path.realpath(candidate.path)


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
) -> list[Candidate]:
    """``os.walk``'s order (a folder's files by name, then its folders by name; links to
    folders not followed), from ``os.scandir``, whose entries come with their types and keep
    their ``stat``: this runs for every file of a run, and the status is what the cache
    compares. Paths are absolute, so that a file's path is its key as it is. Whether to enter
    a folder is its parent's configuration's choice; its files are selected by its own.
    """
    found: list[Candidate] = []
    folders = [(os.path.abspath(top), _prefix(display_path(top)))]  # noqa: PTH100
    while folders:
        folder, shown = folders.pop()
        selector = selectors.for_folder(folder)
        include, exclude = selector.include, selector.exclude
        config = selectors.settings.for_folder(Path(folder))
        relative = _prefix(selector.relative(folder))
        by_name = _names_selected(config, selector, relative)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_NAME)
        except OSError:
            continue  # as os.walk does: a folder that cannot be listed has nothing to check
        below: list[tuple[str, str]] = []
        # The loop of a project's every file: each call and object per entry shows.
        for entry in entries:
            name = entry.name
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                entered = not entry.is_symlink() and entry.path not in walked
                if entered and not selector.is_excluded_folder(relative + name):
                    below.append((entry.path, f"{shown}{name}/"))
                continue
            if by_name is not None:
                if not by_name(name):
                    continue
            elif not include(relative + name) or exclude(relative + name):
                continue
            try:
                status: os.stat_result | None = entry.stat()
            except OSError:
                status = None
            if status is not None and stat.S_ISREG(status.st_mode):
                found.append(Candidate(entry.path, relative + name, shown + name, status, config))
            else:
                skipped.append(shown + name)
        folders += reversed(below)
    return found


_NAME = attrgetter("name")


def _prefix(folder: str) -> str:
    """What names an entry of ``folder``: ``a/b/``, or nothing for the folder itself."""
    return "" if folder in ("", ".") else f"{folder}/"

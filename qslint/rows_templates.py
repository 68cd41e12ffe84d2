"""The templates that read a rows file named to ``qslint check``.

pre-commit passes a commit's staged files: a commit that changes a fan-out's rows and
nothing else names no definition, yet it changes the jobs of every template that reads
them. A named rows file is checked as the templates that read it, as if they were named
(staged) themselves: their findings at the template count too (a column they read, gone),
and their jobs are the run's own for the repository rules.

A CSV is never a definition: one no template names (a data export, a fixture) is none of
qslint's business. A YAML or JSON file that opens with a list (a definition is a mapping)
is a rows file when a template names it; one no template names stays a file to check (a
list is no definition: QS100). Renaming or deleting a rows file names no file that exists
to the hook: CI's whole check finds the templates left without rows.

A template names its rows beside it or below it (``for-each: tenants.csv``,
``for-each: rows/tenants.csv``), so the templates that may read a file are the definitions
in its folder and in the folders above it, up to its configuration's folder or the working
directory, whichever is higher. Each of those is read; only those that mention the rows
file's name are parsed and expanded. Files are compared by what they are: a rows file named
through a link, or read through a linked folder, is the same file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from qslint.checking import source_reader
from qslint.config import DEFINITION_SUFFIXES
from qslint.fanout import CSV_SUFFIXES
from qslint.files import read_bytes, read_regular
from qslint.settings import Settings
from qslint.sources import Selectors

_SNIFFED_BYTES = 4096  # of a YAML or JSON file, to see whether it opens with a list
_BOM = b"\xef\xbb\xbf"


def rows_named(
    paths: Sequence[Path], settings: Settings, overlay: Mapping[str, bytes]
) -> tuple[list[Path], list[Path]]:
    """``paths`` less the rows files that templates read, and those templates, each once.

    A CSV no template reads is left out too; one that is not there is left in, for the run
    to say so."""
    maybe = [path for path in paths if may_be_rows(path, overlay)]
    readers = templates_reading(maybe, settings, overlay) if maybe else {}
    rest = [
        path
        for path in paths
        if not (path in maybe and (_is_csv(path) or os.path.realpath(path) in readers))
    ]
    templates = list(dict.fromkeys(t for named in readers.values() for t in named))
    return rest, templates


def _is_csv(path: Path) -> bool:
    return path.name.lower().endswith(CSV_SUFFIXES)


def may_be_rows(path: Path, overlay: Mapping[str, bytes]) -> bool:
    """Whether ``path`` names a CSV file, or a YAML or JSON file whose first node is a list
    (as ``overlay`` holds it, else as the disk does)."""
    held = overlay.get(os.path.abspath(path))  # noqa: PTH100
    if held is None and not _is_file(path):
        return False  # a folder is walked; what is not there, the run reports
    if _is_csv(path):
        return True
    if not path.name.lower().endswith(DEFINITION_SUFFIXES):
        return False
    raw = held if held is not None else read_regular(path, _SNIFFED_BYTES)[0]
    return raw is not None and _opens_with_a_list(raw[:_SNIFFED_BYTES].removeprefix(_BOM))


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)  # noqa: PTH116
    except OSError:
        return False


def _opens_with_a_list(raw: bytes) -> bool:
    for line in raw.splitlines():
        text = line.strip()
        if text.startswith(b"---"):  # a document's start, perhaps followed by its node
            text = text[3:].strip()
        if text and not text.startswith((b"#", b"%")):  # a comment, a directive
            return text.startswith((b"[", b"- ", b"-\t")) or text == b"-"
    return False


def templates_reading(
    rows_files: Sequence[Path], settings: Settings, overlay: Mapping[str, bytes]
) -> dict[str, list[Path]]:
    """Each of ``rows_files`` (by its real path) that a template names as its rows, with the
    templates that do, in folder order. ``overlay`` holds the bytes of files an editor or
    standard input has."""
    wanted = {os.path.realpath(path) for path in rows_files}
    listings = {folder: _listing(folder) for folder in _folders_above(rows_files, settings)}
    # What a template may call a rows file: its name, or a link's to it (`current.csv`).
    names = {os.fsencode(os.path.basename(path)) for path in rows_files}  # noqa: PTH119
    names |= {name for entries in listings.values() for name in _links_to(wanted, entries)}
    selectors = Selectors(settings)
    found: dict[str, list[Path]] = {}
    for folder, entries in listings.items():
        limits = settings.for_folder(Path(folder)).limits
        read_source = source_reader(limits, overlay)
        for path in _selected_files(entries, selectors):
            held = overlay.get(path)
            raw = held if held is not None else read_bytes(path, limits.max_file_size)[0]
            # Most definitions name no rows file: only those that mention one are parsed.
            if raw is None or not any(name in raw for name in names):
                continue
            named = {os.path.realpath(name) for name in read_source(path).rows_files}
            for rows_file in wanted & named:
                found.setdefault(rows_file, []).append(Path(path))
    return found


def _folders_above(files: Sequence[Path], settings: Settings) -> list[str]:
    """The folders of ``files`` and those above them, each once, deepest first: up to the
    file's configuration folder or the working directory, whichever holds it and is higher
    (only the file's own folder when neither holds it)."""
    cwd = os.getcwd()  # noqa: PTH109
    folders: dict[str, None] = {}
    for file in files:
        folder = os.path.dirname(os.path.abspath(file))  # noqa: PTH100, PTH120
        config = settings.for_folder(Path(folder))
        tops = [cwd, *([os.path.abspath(config.root)] if config.file is not None else [])]  # noqa: PTH100
        holding = [top for top in tops if _within(folder, top)]
        top = min(holding, key=len) if holding else folder
        while True:
            folders[folder] = None
            parent = os.path.dirname(folder)  # noqa: PTH120
            if folder in (top, parent):
                break
            folder = parent
    return list(folders)


def _within(folder: str, top: str) -> bool:
    return folder == top or folder.startswith(top.rstrip(os.sep) + os.sep)


def _listing(folder: str) -> list[os.DirEntry[str]]:
    """The entries of ``folder`` by name; none when it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return []


def _links_to(files: set[str], entries: list[os.DirEntry[str]]) -> Iterator[bytes]:
    """The names of the links among ``entries`` to one of ``files`` (real paths)."""
    for entry in entries:
        try:
            link = entry.is_symlink()
        except OSError:
            continue
        if link and os.path.realpath(entry.path) in files:
            yield os.fsencode(entry.name)


def _selected_files(entries: list[os.DirEntry[str]], selectors: Selectors) -> Iterator[str]:
    """The files among ``entries`` that a walk would check."""
    for entry in entries:
        try:
            regular = entry.is_file()
        except OSError:
            continue
        if regular and selectors.selects_file(entry.path):
            yield entry.path

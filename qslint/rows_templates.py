"""The templates that read a rows file named on the command line.

pre-commit passes a commit's staged files: a commit that changes a fan-out's CSV rows and
nothing else names no definition, yet it changes the jobs of every template that reads
them. A CSV is never read as a definition: the templates that read one named are checked in
its place, as if they were named (staged) themselves, and a CSV no template reads (a data
export, a fixture) is none of qslint's business.

A template names its rows beside it or below it (``for-each: tenants.csv``,
``for-each: rows/tenants.csv``), so the templates that may read a file are the definitions
in its folder and in the folders above it, up to the working directory (where pre-commit
runs). Of those, only the files that mention the rows file's name are read and expanded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from qslint.checking import source_reader
from qslint.files import read_bytes
from qslint.settings import Settings
from qslint.sources import Selectors

ROWS_SUFFIXES = (".csv",)  # rows only; a YAML or JSON file may be either


def is_rows_file(path: Path) -> bool:
    """Whether ``path`` names a rows file: a CSV (a folder named so is still walked)."""
    return path.name.lower().endswith(ROWS_SUFFIXES) and not path.is_dir()


def templates_reading(
    rows_files: Sequence[Path], settings: Settings, overlay: Mapping[str, bytes]
) -> list[Path]:
    """The definitions whose templates read one of ``rows_files``, each once, in folder
    order; ``overlay`` holds the bytes of files an editor or standard input has."""
    wanted = {os.path.abspath(path) for path in rows_files}  # noqa: PTH100
    names = {os.path.basename(path).encode() for path in wanted}  # noqa: PTH119
    selectors = Selectors(settings)
    found: list[Path] = []
    for folder in _folders_above(wanted):
        limits = settings.for_folder(Path(folder)).limits
        read_source = source_reader(limits, overlay)
        for path in _selected_files(folder, selectors):
            held = overlay.get(path)
            raw = held if held is not None else read_bytes(path, limits.max_file_size)[0]
            # Most definitions name no rows file: only those that mention one are parsed.
            if raw is None or not any(name in raw for name in names):
                continue
            reads = {os.path.abspath(name) for name in read_source(path).rows_files}  # noqa: PTH100
            if reads & wanted:
                found.append(Path(path))
    return found


def _folders_above(files: set[str]) -> list[str]:
    """The folders of ``files`` and those above them, up to the working directory (only the
    file's own folder for a file outside it), each once, deepest first."""
    top = os.getcwd()  # noqa: PTH109
    folders: dict[str, None] = {}
    for file in sorted(files):
        folder = os.path.dirname(file)  # noqa: PTH120
        while True:
            folders[folder] = None
            parent = os.path.dirname(folder)  # noqa: PTH120
            if folder in (top, parent) or not _within(parent, top):
                break
            folder = parent
    return list(folders)


def _within(folder: str, top: str) -> bool:
    return folder == top or folder.startswith(top.rstrip(os.sep) + os.sep)


def _selected_files(folder: str, selectors: Selectors) -> Iterator[str]:
    """The files of ``folder`` (not below it) that a walk would check, by name."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        try:
            regular = entry.is_file()
        except OSError:
            continue
        if regular and selectors.selects_file(entry.path):
            yield entry.path

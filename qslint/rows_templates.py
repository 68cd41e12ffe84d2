"""The templates that read a rows file named on the command line.

pre-commit passes a commit's staged files: a commit that changes a fan-out's rows and
nothing else names no definition, yet it changes the jobs of every template that reads
them. A named rows file is checked as the templates that read it, as if they were named
(staged) themselves: their findings at the template count too (a column they read, gone),
and their jobs are the run's own for the repository rules.

A CSV is never a definition: one no template names (a data export, a fixture) is none of
qslint's business. A YAML or JSON file is a rows file when a template reads it as rows;
only a file that opens with a list (a definition is a mapping) is asked about, and one no
template reads stays a file to check (a list is no definition: QS100).

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
from qslint.config import DEFINITION_SUFFIXES
from qslint.files import read_bytes
from qslint.settings import Settings
from qslint.sources import Selectors

CSV_SUFFIXES = (".csv",)
_SNIFFED_BYTES = 4096  # of a YAML or JSON file, to see whether it opens with a list
_BOM = b"\xef\xbb\xbf"


def is_csv(path: Path) -> bool:
    """Whether ``path`` names a CSV file (a folder named so is still walked)."""
    return path.name.lower().endswith(CSV_SUFFIXES) and not path.is_dir()


def may_be_rows(path: Path, overlay: Mapping[str, bytes]) -> bool:
    """Whether ``path`` names a CSV, or a YAML or JSON file whose first node is a list (as
    ``overlay`` holds it, else as the disk does)."""
    if is_csv(path):
        return True
    if not path.name.lower().endswith(DEFINITION_SUFFIXES):
        return False
    held = overlay.get(os.path.abspath(path))  # noqa: PTH100
    raw = held[:_SNIFFED_BYTES] if held is not None else read_bytes(str(path), _SNIFFED_BYTES)[0]
    return raw is not None and _opens_with_a_list(raw.removeprefix(_BOM))


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
    """Each of ``rows_files`` (by absolute path) that a template reads, with the templates
    that do, in folder order. A template reads a CSV it names, even one it cannot read as
    rows (an empty file: its finding); a YAML or JSON file only where it reads as rows.
    ``overlay`` holds the bytes of files an editor or standard input has."""
    wanted = {os.path.abspath(path) for path in rows_files}  # noqa: PTH100
    names = {os.path.basename(path).encode() for path in wanted}  # noqa: PTH119
    selectors = Selectors(settings)
    found: dict[str, list[Path]] = {}
    for folder in _folders_above(wanted):
        limits = settings.for_folder(Path(folder)).limits
        read_source = source_reader(limits, overlay)
        for path in _selected_files(folder, selectors):
            held = overlay.get(path)
            raw = held if held is not None else read_bytes(path, limits.max_file_size)[0]
            # Most definitions name no rows file: only those that mention one are parsed.
            if raw is None or path in wanted or not any(name in raw for name in names):
                continue
            source = read_source(path)
            named = {os.path.abspath(name) for name in source.rows_files}  # noqa: PTH100
            read = {os.path.abspath(name) for name in source.rows_read}  # noqa: PTH100
            for rows_file in wanted & named:
                if rows_file in read or rows_file.lower().endswith(CSV_SUFFIXES):
                    found.setdefault(rows_file, []).append(Path(path))
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
    """The files of ``folder`` (not below it) that a walk would check."""
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

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
directory, whichever is higher. Each of those is read; only templates are parsed (to read
the name their ``for-each`` gives), never expanded. Files are compared by what they are: a
rows file named through a link, or read through one, is the same file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from qslint.config import DEFINITION_SUFFIXES, LoadLimits
from qslint.fanout import CSV_SUFFIXES, FAN_OUT_KEY
from qslint.files import read_held, read_regular
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
    if _is_csv(path):  # a folder is walked; what is not there, the run reports
        return held is not None or _is_file(path)
    if not path.name.lower().endswith(DEFINITION_SUFFIXES):
        return False
    # Anything but a regular file reads as nothing.
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
    from qslint.loader.decoding import decode  # with a rows file named only

    wanted = {os.path.realpath(path) for path in rows_files}
    # Where each is named, and where it is: a link's folder, and its target's.
    places = [*rows_files, *map(Path, wanted)]
    selectors = Selectors(settings)
    found: dict[str, list[Path]] = {}
    for folder in _folders_above(places, settings):
        limits = settings.for_folder(Path(folder)).limits
        for path in _selected_files(folder, selectors):
            raw, _ = read_held(path, overlay.get(path), limits.max_file_size)
            # Only a template is parsed; most definitions are none.
            if raw is None or FAN_OUT_KEY not in decode(path, raw).text:
                continue
            for rows_file in map(os.path.realpath, _rows_files_named(path, raw, limits)):
                if rows_file in wanted:
                    found.setdefault(rows_file, []).append(Path(path))
    return found


def _rows_files_named(path: str, raw: bytes, limits: LoadLimits) -> Iterator[str]:
    """The rows files that the templates of the file at ``path`` (holding ``raw``) name, as
    the expansion finds them (read or not)."""
    from qslint.fanout.expansion import FOR_EACH, outside_folder, rows_file_beside
    from qslint.loader import load_source

    for document in load_source(path, raw, limits).documents:
        fan_out = document.data.get(FAN_OUT_KEY)
        named = fan_out.get(FOR_EACH) if isinstance(fan_out, dict) else None
        if isinstance(named, str) and outside_folder(named) is None:
            yield rows_file_beside(path, named)


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

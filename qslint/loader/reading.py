"""A file's bytes, or the file itself, -> the :class:`SourceFile` the checks see.

JSON is first checked by the standard library's strict parser (a trailing comma or a comment
is an error there) and then composed the same way, JSON being YAML 1.2's subset.
"""

from __future__ import annotations

import os

from qslint.config import DEFINITION_SUFFIXES, LoadLimits
from qslint.files import read_bytes
from qslint.findings import Mark, describe_type
from qslint.loader.composing import compose_documents
from qslint.loader.decoding import decode
from qslint.loader.documents import (
    NOTHING_SENSITIVE,
    LoadProblem,
    Sensitivity,
    SourceFile,
    service_sensitivity,
)
from qslint.loader.problems import clamp_mark, json_problem
from qslint.sources import display_path
from qslint.suppressions import find_suppressions

JSON_SUFFIXES = (".json",)


def load_source(
    path: str,
    raw: bytes,
    limits: LoadLimits | None = None,
    sensitivity: Sensitivity = NOTHING_SENSITIVE,
) -> SourceFile:
    """Parse one file into positioned documents, collecting what cannot be read.

    The spans of ``sensitivity``'s values are kept so that a displayed source line never
    shows them.
    """
    source = decode(path, raw)
    if source.problems:
        return source
    text = source.text
    if path.endswith(JSON_SUFFIXES):
        problem = json_problem(text)
        if problem is not None:
            source.problems.append(problem)
            return source
    else:
        source.suppressions = find_suppressions(text)
    limits = limits or LoadLimits()
    documents, problem = compose_documents(text, limits, sensitivity)
    for document in documents:
        if isinstance(document.data, dict):
            source.documents.append(document)
        else:
            found = describe_type(document.data)
            message = f"a job definition is a mapping, not {found}"
            if not path.lower().endswith(DEFINITION_SUFFIXES):  # named explicitly
                message += "; is this a job definition file? qslint reads YAML and JSON"
            source.problems.append(LoadProblem(message, clamp_mark(text, document.start)))
    if problem is not None:
        source.problems.append(problem)
    if not source.documents and not source.problems:
        source.problems.append(LoadProblem("file holds no job definition", Mark(1, 1)))
    return source


def parse_file(
    name: str, raw: bytes | None, unreadable: str | None, limits: LoadLimits
) -> SourceFile:
    """What :func:`~qslint.files.read_bytes` gave for ``name``, parsed as a check reads it."""
    if raw is None:
        problem = LoadProblem(unreadable or "cannot read file", Mark(1, 1))
        return SourceFile(path=name, text="", problems=[problem])
    return load_source(name, raw, limits, sensitivity=service_sensitivity())


def read_source(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> SourceFile:
    """A file's parsed content; a file that cannot be read is a load problem, not a crash."""
    limits = limits or LoadLimits()
    raw, unreadable = read_bytes(os.fspath(path), limits.max_file_size)
    return parse_file(display_path(path), raw, unreadable, limits)

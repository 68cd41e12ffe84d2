"""Text -> documents whose every node knows its line and column.

One module per job: :mod:`~qslint.loader.documents` (what a load yields),
:mod:`~qslint.loader.decoding` (bytes -> text), :mod:`~qslint.loader.composing` (text ->
positioned values under the run's limits, built from the parser's events by
:mod:`~qslint.loader.building`), :mod:`~qslint.loader.tags` (how a plain scalar
resolves), :mod:`~qslint.loader.problems` (what a parser
refused, and where), :mod:`~qslint.loader.reading` (a file -> its source) and
:mod:`~qslint.loader.yaml11` (what a YAML 1.1 reader makes of a plain scalar).
"""

from qslint.config import LoadLimits
from qslint.findings import Mark
from qslint.loader.composing import compose_nodes, tag_name
from qslint.loader.documents import Document, LoadProblem, SourceFile, service_sensitivity
from qslint.loader.problems import mark_offset, offset_mark
from qslint.loader.reading import load_source, parse_file, read_source
from qslint.loader.tags import MERGE_TAG, plain_is_string
from qslint.loader.yaml11 import Yaml11Reading, read_alike, yaml11_reading

__all__ = [
    "MERGE_TAG",
    "Document",
    "LoadLimits",
    "LoadProblem",
    "Mark",
    "SourceFile",
    "Yaml11Reading",
    "compose_nodes",
    "load_source",
    "mark_offset",
    "offset_mark",
    "parse_file",
    "plain_is_string",
    "read_alike",
    "read_source",
    "service_sensitivity",
    "tag_name",
    "yaml11_reading",
]

"""What a cache file holds, as bytes and as plain values (lists, strings, numbers), validated.

:mod:`qslint.cache` describes the format. Decoding checks every length and the checksum,
then builds each object from values of the exact type expected, and raises
:class:`InvalidCache` for anything else: a cache written by another version, damaged, or
crafted gives no object it did not describe.
"""

from __future__ import annotations

import array
import itertools
import json
import operator
import struct
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, NoReturn

from qslint.digest import SIZE
from qslint.findings import Edit, Finding, Fix, JsonPath, Location, Mark, Severity
from qslint.results import FileResult, InternalError
from qslint.rule import CheckedJob
from qslint.suppressions import Suppression

FORMAT = 9  # bump when what a cache file holds changes shape
MAGIC = b"qslint-cache\n"
HEADER = struct.Struct("<13sHBIQQQ")  # magic, format, byte order, CRC-32, three lengths
BYTE_ORDER = sys.byteorder == "little"  # the integer column is in the machine's order
REPOSITORY_RUNS = 4  # the runs whose repository findings are kept, each for its files

DIGEST = SIZE  # bytes of a file's digest
# Integers per file: its status (a size of -1: none kept) and whether its jobs are indexed.
FILE_ROW = 6
# Integers per job, before 4 per indexed field (its key's and its value's line and column, a
# line of 0 for a field the job lacks): its file's row, document, start line and column.
JOB_ROW = 4
ABSENT = 0


class InvalidCache(ValueError):
    """What was read is not a cache of this version: ignore it and check again."""


def _invalid(what: str) -> NoReturn:
    raise InvalidCache(what)


def as_str(value: object) -> str:
    return value if type(value) is str else _invalid("a string")


def as_int(value: object) -> int:
    return value if type(value) is int else _invalid("an integer")


def as_list(value: object, length: int | None = None) -> list[Any]:
    if type(value) is not list or (length is not None and len(value) != length):
        _invalid("a list")
    return value


def _bool(value: object) -> bool:
    return value if type(value) is bool else _invalid("a boolean")


def _optional_str(value: object) -> str | None:
    return None if value is None else as_str(value)


def _path(value: object) -> JsonPath:
    return tuple(part if type(part) is int else as_str(part) for part in as_list(value))


def _mark(value: object) -> Mark:
    line, column = as_list(value, 2)
    return Mark(as_int(line), as_int(column))


def _span(value: object) -> tuple[Mark, Mark]:
    start, end = as_list(value, 2)
    return (_mark(start), _mark(end))


def _plain_mark(mark: Mark) -> list[int]:
    return [mark.line, mark.column]


def _plain_span(span: tuple[Mark, Mark] | None) -> list[list[int]] | None:
    return None if span is None else [_plain_mark(span[0]), _plain_mark(span[1])]


def _plain_location(location: Location) -> list[Any]:
    return [location.file, location.line, location.column, list(location.path)]


def _location(value: object) -> Location:
    file, line, column, path = as_list(value, 4)
    return Location(as_str(file), as_int(line), as_int(column), _path(path))


def _plain_fix(fix: Fix | None) -> list[Any] | None:
    if fix is None:
        return None
    edits = [[list(e.path), e.value, e.delete, _plain_span(e.span)] for e in fix.edits]
    return [fix.description, edits, fix.document]


def _fix(value: object) -> Fix | None:
    if value is None:
        return None
    description, edits, document = as_list(value, 3)
    return Fix(as_str(description), tuple(map(_edit, as_list(edits))), as_int(document))


def _edit(value: object) -> Edit:
    path, text, delete, span = as_list(value, 4)
    return Edit(_path(path), as_str(text), _bool(delete), None if span is None else _span(span))


def _plain_finding(finding: Finding) -> list[Any]:
    return [
        finding.code,
        finding.severity.value,
        finding.message,
        _plain_location(finding.location),
        [_plain_location(place) for place in finding.related],
        finding.excerpt,
        _plain_fix(finding.fix),
        finding.unapplied_fix,
    ]


def _finding(value: object) -> Finding:
    code, severity, message, location, related, excerpt, fix, unapplied = as_list(value, 8)
    return Finding(
        as_str(code),
        Severity(as_str(severity)),  # ValueError for a severity that does not exist
        as_str(message),
        _location(location),
        tuple(map(_location, as_list(related))),
        _optional_str(excerpt),
        _fix(fix),
        _optional_str(unapplied),
    )


def _plain_suppression(suppression: Suppression) -> list[Any]:
    codes = suppression.codes
    return [
        suppression.line,
        suppression.column,
        None if codes is None else list(codes),
        _plain_span(suppression.removal),
        _plain_span(suppression.codes_span),
    ]


def _suppression(value: object) -> Suppression:
    line, column, codes, removal, codes_span = as_list(value, 5)
    return Suppression(
        as_int(line),
        as_int(column),
        None if codes is None else tuple(map(as_str, as_list(codes))),
        _span(removal),
        None if codes_span is None else _span(codes_span),
    )


def _used(value: object) -> tuple[str, int, str]:
    file, line, code = as_list(value, 3)
    return (as_str(file), as_int(line), as_str(code))


def plain_result(result: FileResult) -> list[Any] | None:
    """``result`` less its jobs as plain values; None when it holds nothing, as most do."""
    held = (result.findings, result.internal_errors, result.ignored, result.suppressions)
    if not any(held) and not result.suppressed and not result.something_else:
        return None
    return [
        [_plain_finding(finding) for finding in result.findings],
        [list(error) for error in result.internal_errors],
        list(result.ignored),
        [_plain_suppression(suppression) for suppression in result.suppressions],
        [list(used) for used in sorted(result.suppressed)],
        result.something_else,
    ]


def file_result(path: str, value: object) -> FileResult:
    """The result of ``path`` that :func:`plain_result` gave ``value``; raises
    :class:`InvalidCache` (or ``ValueError``) for anything it cannot have given."""
    if value is None:
        return FileResult(path)
    findings, errors, ignored, suppressions, suppressed, something_else = as_list(value, 6)
    return FileResult(
        path,
        findings=list(map(_finding, as_list(findings))),
        internal_errors=[InternalError(*map(as_str, as_list(e, 4))) for e in as_list(errors)],
        ignored=tuple(map(as_str, as_list(ignored))),
        suppressions=tuple(map(_suppression, as_list(suppressions))),
        suppressed=frozenset(map(_used, as_list(suppressed))),
        something_else=_bool(something_else),
    )


def is_plain(value: object, depth: int = 0) -> bool:
    """Whether JSON keeps ``value`` as it is: no dates, tuples, non-string keys, ..."""
    if depth > 100:
        return False
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(is_plain(item, depth + 1) for item in value)
    if type(value) is dict:
        items = value.items()
        return all(type(key) is str and is_plain(item, depth + 1) for key, item in items)
    return False


# An indexed job: its integers past its file's row, and its values of the indexed fields.
IndexedJob = tuple[Sequence[int], list[Any]]


class Columns(NamedTuple):
    """A cache file's entries as read: a few large objects, not one per entry."""

    paths: list[str]
    digests: bytes
    numbers: array.array[int]  # every file's row, then every job's
    values: list[list[Any]]  # each job's indexed values
    results: dict[str, object]  # by the file's row, as a string (a JSON key)

    @classmethod
    def empty(cls) -> Columns:
        return cls([], b"", array.array("q"), [], {})


# The parts of the JSON text, in the order ``encode`` writes them. A part a run did not
# change (the paths and the index's values, in a one-file run) is written as it was read.
PARTS = ("reads", "paths", "results", "values", "repository")
_DECODER = json.JSONDecoder()


def encode(
    columns: Columns,
    repository: dict[str, object],
    reads: Sequence[str] | None,
    unchanged: Mapping[str, str] | None = None,
) -> list[bytes]:
    """The parts of a cache file, in order: written one by one, never joined in memory.
    ``unchanged`` holds the JSON text, as read, of parts that are still what it says."""
    stored = {
        "reads": reads,
        "paths": columns.paths,
        "results": columns.results,
        "values": columns.values,
        "repository": list(repository.items()),
    }
    kept = unchanged or {}
    text = "".join(
        f'{"," if number else "{"}"{name}":'
        + (kept[name] if name in kept else json.dumps(stored[name], separators=(",", ":")))
        for number, name in enumerate(PARTS)
    )
    text_bytes = (text + "}").encode()
    numbers = columns.numbers.tobytes()
    checksum = zlib.crc32(numbers, zlib.crc32(columns.digests, zlib.crc32(text_bytes)))
    lengths = (len(text_bytes), len(columns.digests), len(numbers))
    header = HEADER.pack(MAGIC, FORMAT, BYTE_ORDER, checksum, *lengths)
    return [header, text_bytes, columns.digests, numbers]


def _split(text: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """The parts of a JSON text, and the text of each when laid out as ``encode`` writes
    them (else none: read as any JSON, it is written anew)."""
    try:
        whole = text.decode()
    except UnicodeDecodeError:
        return json.loads(text), {}
    parts, texts, at = {}, {}, 0
    for number, name in enumerate(PARTS):
        opening = f'{"," if number else "{"}"{name}":'
        if not whole.startswith(opening, at):
            return json.loads(text), {}
        start = at + len(opening)
        parts[name], at = _DECODER.raw_decode(whole, start)
        texts[name] = whole[start:at]
    if whole[at:] != "}":
        return json.loads(text), {}
    return parts, texts


def decode(
    raw: bytes, reads: tuple[str, ...] | None
) -> tuple[Columns, dict[str, object], dict[str, str]]:
    """The columns and repository findings of a cache file's bytes, checked whole: every
    length, the checksum, and the type of every value but the results (checked when used);
    and the JSON text of each part, to write again as it is while it is unchanged."""
    if len(raw) < HEADER.size:
        raise InvalidCache("too short")
    magic, version, order, checksum, *lengths = HEADER.unpack_from(raw)
    if (magic, version, order) != (MAGIC, FORMAT, BYTE_ORDER):
        raise InvalidCache("another format")
    if HEADER.size + sum(lengths) != len(raw):
        raise InvalidCache("cut short or grown")
    view = memoryview(raw)[HEADER.size :]
    text_length, digests_length, _ = lengths
    if zlib.crc32(view) != checksum:
        raise InvalidCache("damaged")
    stored, texts = _split(bytes(view[:text_length]))
    if type(stored) is not dict or stored.get("reads") != (None if reads is None else [*reads]):
        raise InvalidCache("another index")
    paths = _every_of_type(as_list(stored.get("paths")), str)
    digests = bytes(view[text_length : text_length + digests_length])
    numbers = array.array("q")
    numbers.frombytes(view[text_length + digests_length :])  # ValueError: not whole integers
    values = _every_of_type(as_list(stored.get("values")), list)
    results = stored.get("results")
    if type(results) is not dict:
        raise InvalidCache("results")
    files, width = len(paths) * FILE_ROW, JOB_ROW + 4 * len(reads or ())
    jobs = (len(numbers) - files) // width
    fits = len(numbers) == files + jobs * width and len(values) == jobs
    fits = fits and set(map(len, values)) <= {len(reads or ())}
    if not fits or len(digests) != len(paths) * DIGEST or len(set(paths)) != len(paths):
        raise InvalidCache("columns of different lengths")
    if not set(numbers[FILE_ROW - 1 : files : FILE_ROW]) <= {0, 1}:
        raise InvalidCache("whether a file's jobs are indexed")
    owners = numbers[files::width]
    if owners and not 0 <= min(owners) <= max(owners) < len(paths):
        raise InvalidCache("a job of no file")
    repository = {}
    for pair in as_list(stored.get("repository")):
        key, result = as_list(pair, 2)
        repository[as_str(key)] = result
    if len(repository) > REPOSITORY_RUNS:
        raise InvalidCache("repository")
    return Columns(paths, digests, numbers, values, results), repository, texts


def _every_of_type(items: list[Any], kind: type) -> list[Any]:
    """``items``, each of the type ``kind``: checked by the set of their types (in C), as a
    project's every path and job is among them."""
    if not set(map(type, items)) <= {kind}:
        raise InvalidCache(kind.__name__)
    return items


def indexed_jobs(jobs: Sequence[CheckedJob], reads: Sequence[str]) -> list[IndexedJob] | None:
    """The index's form of a file's jobs; None if a value read cannot be kept as JSON."""
    indexed = []
    for job in jobs:
        values = job.values
        numbers = [job.document, job.start.line, job.start.column]  # its file's row: on save
        kept: list[Any] = []
        for name in reads:
            key, value = job.fields.get((name, True)), job.fields.get((name, False))
            if name not in values or key is None or value is None:
                numbers += [ABSENT] * 4
                kept.append(None)
                continue
            if not is_plain(values[name]):
                return None
            numbers += [key.line, key.column, value.line, value.column]
            kept.append(values[name])
        indexed.append((numbers, kept))
    return indexed


class IndexedMarks(Mapping[tuple[str, bool], Mark]):
    """An indexed job's field marks, made from the index's integers only when a rule asks
    (to name where a duplicate is): most jobs are never located."""

    def __init__(self, numbers: Sequence[int], at: int, reads: Sequence[str]) -> None:
        self._numbers, self._at, self._reads = numbers, at, reads

    def _marks(self) -> dict[tuple[str, bool], Mark]:
        marks = {}
        for number, name in enumerate(self._reads):
            at = self._at + 4 * number
            key_line, key_column, line, column = self._numbers[at : at + 4]
            if key_line != ABSENT:
                marks[name, True] = Mark(key_line, key_column)
                marks[name, False] = Mark(line, column)
        return marks

    def __getitem__(self, key: tuple[str, bool]) -> Mark:
        return self._marks()[key]

    def __iter__(self) -> Iterator[tuple[str, bool]]:
        return iter(self._marks())

    def __len__(self) -> int:
        return len(self._marks())


def sharing_a_value(
    values: Sequence[Sequence[Any]], own: Sequence[Sequence[Any]], fields: int
) -> Sequence[int]:
    """The numbers of the jobs (by their ``values``) equal to one of ``own`` in at least one
    of the ``fields`` (every job, when a value cannot be hashed), found in C: a project's
    every job is asked, and a call per job costs ~9k instructions."""
    every = range(len(values))
    columns = [list(map(operator.itemgetter(field), values)) for field in range(fields)]
    if any(not set(map(type, column)) <= _HASHABLE for column in columns):
        return every  # a list or an object: compared as a whole by the rules alone
    try:
        kept = [{job[field] for job in own} for field in range(fields)]
    except TypeError:
        return every
    shared = [map(known.__contains__, column) for known, column in zip(kept, columns, strict=True)]
    return list(itertools.compress(every, map(any, zip(*shared, strict=True)))) if shared else every


_HASHABLE = {str, int, float, bool, type(None)}  # the JSON values a set can hold


def written_alike(stored: object, new: object) -> bool:
    """Whether two plain values are written alike (``1 == True``, but JSON tells them apart)."""
    return stored == new and json.dumps(stored) == json.dumps(new)

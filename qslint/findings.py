"""What a check produces: findings at exact positions, with a severity."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import NamedTuple

from qslint.records import FrozenRecord

JsonPath = tuple[str | int, ...]


class MissingPart(AttributeError):
    """A part of a job that a rule read and that is not there: its value in the file is not
    valid (a schema finding), so the job the rules see leaves it out (see qslint.validation).
    The engine takes it as "this rule cannot check this part": no finding, no error. Its
    ``obj`` is the part that lacks the field ``name``."""


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (type(None), "null (an empty value)"),
    (bool, "a boolean"),  # before int: a bool is an int to Python
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
    (datetime, "a timestamp"),  # before date: a datetime is a date to Python
    (date, "a date"),
)


def describe_type(value: object) -> str:
    """``an integer``, ``a list``: how a message names what it found instead."""
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def first_refused(value: object, allowed: Collection[str]) -> str | None:
    """Where a string first holds a character not among ``allowed``, and which one:
    ``character 18 of the value is a space``; a trailing space or a no-break space is
    otherwise unseen."""
    if not isinstance(value, str):
        return None
    for number, character in enumerate(value, 1):
        if character not in allowed:
            return f"character {number} of the value is {_character_name(character)}"
    return None


_CHARACTER_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return"}


def _character_name(character: str) -> str:
    if character in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[character]
    if character.isascii() and character.isprintable() and character != "`":
        return f"`{character}`"
    import unicodedata  # only for a finding's message

    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def format_json_path(path: JsonPath) -> str:
    """``("A", "B", 1, "C")`` -> ``A.B[1].C``; the empty path is the document itself."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Mark(NamedTuple):
    """A 1-based line and column."""

    line: int
    column: int


class Location(NamedTuple):
    """A 1-based position in a file, and the JSON path of the node there."""

    file: str
    line: int
    column: int
    path: JsonPath = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Edit(NamedTuple):
    """Replace the value at ``path`` with the string ``value``, or delete it (``delete``);
    or, with ``span``, replace the text between two marks (a comment, which no path names)."""

    path: JsonPath
    value: str = ""
    delete: bool = False
    span: tuple[Mark, Mark] | None = None


def replace_value(path: JsonPath, value: str) -> Edit:
    return Edit(path, value)


def replace_text(start: Mark, end: Mark, value: str) -> Edit:
    """Replace the characters from ``start`` up to ``end`` (excluded) with ``value``."""
    return Edit((), value, span=(start, end))


def delete_node(path: JsonPath) -> Edit:
    """Delete a mapping entry (key and value) or a list item."""
    return Edit(path, delete=True)


class Fix(NamedTuple):
    """A safe change a rule offers; ``document`` (which document of the file) is the engine's."""

    description: str
    edits: tuple[Edit, ...]
    document: int = 0


class Finding(FrozenRecord):
    """A problem a rule found, where it is. Two findings are equal when they say the same of
    the same place: whether the run asked for excerpts, or a fix is offered, does not count.
    """

    __match_args__ = (
        "code",
        "severity",
        "message",
        "location",
        "related",
        "excerpt",
        "fix",
        "unapplied_fix",
    )
    __slots__ = __match_args__

    def __init__(
        self,
        code: str,
        severity: Severity,
        message: str,
        location: Location,
        related: tuple[Location, ...] = (),
        # The source line, sensitive values starred out; only when the run asked for excerpts.
        excerpt: str | None = None,
        fix: Fix | None = None,
        # Why the fix its rule offers is not applied (a fan-out's row gave the value it edits).
        unapplied_fix: str | None = None,
    ) -> None:
        self._set(
            code=code,
            severity=severity,
            message=message,
            location=location,
            related=related,
            excerpt=excerpt,
            fix=fix,
            unapplied_fix=unapplied_fix,
        )

    def _compared(self) -> tuple[object, ...]:
        return (self.code, self.severity, self.message, self.location, self.related)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding) or type(other) is not type(self):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``word`` was meant to be: a case-insensitive match, else the nearest."""
    for candidate in candidates:
        if candidate.lower() == word.lower():
            return candidate
    lowered = {candidate.lower(): candidate for candidate in candidates}
    import difflib  # only when a name is wrong: most runs never need it

    matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``1 item``, ``2 items``, ``0 entries``: a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


def did_you_mean(suggestion: str | None) -> str:
    """``; did you mean `X`?`` to end a message with, or nothing without a suggestion."""
    return f"; did you mean `{suggestion}`?" if suggestion else ""

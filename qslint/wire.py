"""What the service receives for a value: the readers and serializers between file and wire.

A definition reaches QuickSight through a reader and botocore. The readers: the AWS CLI reads
YAML 1.2 (``ruamel.yaml``'s pure-Python safe loader), or YAML 1.1 under a ``%YAML 1.1``
directive; boto3 scripts often read YAML 1.1 with PyYAML (see :mod:`qslint.loader.yaml11`);
JSON readers read JSON, and refuse a byte order mark. botocore's serializers then send a
DateTime value as epoch seconds (a number is taken as epoch seconds, any other string goes
through ``dateutil``, a missing part of the date is taken from the day it runs), and a
decimal as a double. The service matches its patterns as Java does: ``\\w`` is ASCII.

Rules judge the value this module says is sent. ``tests/test_wire.py`` pins every answer
to the real libraries (botocore's validator and serializer, ruamel.yaml, PyYAML), so that a
change in them fails the suite. Nothing here imports botocore: ``dateutil`` (botocore's own
parser) is imported only for a DateTime string that is not plain ISO 8601.
"""

from __future__ import annotations

import enum
import functools
import math
import re
import warnings
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

# The scalars the AWS CLI's YAML 1.1 reading gives (ruamel.yaml's constructors build no others).
Yaml11Value = str | int | float | bool | date | None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The patterns of timestamps are compiled (and cached by `re`) with the first timestamp
# value: most definitions have none.
# What botocore's parser always reads as written, decided without it.
PLAIN_ISO_8601 = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
# Digits that spell a date or a date and time: `2026`, `202601`, `20260131`, `202601310800`.
_DATE_DIGITS = (
    r"^(?P<year>(?:19|20|21)\d\d)(?:(?P<month>0[1-9]|1[0-2])(?:(?P<day>0[1-9]|[12]\d|3[01])"
    r"(?:(?P<hour>[01]\d|2[0-3])(?P<minute>[0-5]\d)(?P<second>[0-5]\d)?)?)?)?$"
)
# A four-digit year written first is followed by its month in every order in use (ISO 8601,
# year/month/day), although dateutil could read the day next when asked to.
_YEAR_FIRST = r"^\s*\d{4}\s*[-/.]"
# dateutil fills a part the text leaves out from its default (botocore passes none: today at
# midnight). Two defaults that differ in year, month and day tell which parts are missing;
# both are early in their month, so that any day the text names exists in both.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


@functools.cache
def _aws_cli_yaml11_reader() -> Any:
    """ruamel.yaml's pure-Python safe reader set to YAML 1.1, as a `%YAML 1.1` directive
    sets the AWS CLI's: its resolver and constructors, used one scalar at a time."""
    from ruamel.yaml import YAML

    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 1)
    return reader


@functools.lru_cache(maxsize=4096)  # job files repeat their values
def aws_cli_yaml11_value(text: str) -> tuple[bool, Yaml11Value]:
    """``(read, value)``: what the AWS CLI reads the plain scalar ``text`` as in a document
    under a `%YAML 1.1` directive. ruamel.yaml's YAML 1.1 is not PyYAML's (`1e3` is a number
    and `y` is true to it), so its own resolver and constructors answer; ``read`` is False
    where it refuses the scalar (`0b_`)."""
    from ruamel.yaml.error import FileMark
    from ruamel.yaml.nodes import ScalarNode

    reader = _aws_cli_yaml11_reader()
    tag = reader.resolver.resolve(ScalarNode, text, (True, False))
    mark = FileMark("<scalar>", 0, 0, 0)  # a warning's text names where the scalar is
    node = ScalarNode(tag, text, start_mark=mark, end_mark=mark)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its advice on YAML 1.1 floats, on stderr
        try:
            value = reader.constructor.yaml_constructors[str(tag)](reader.constructor, node)
        except (ValueError, OverflowError):
            return False, None
    return True, value


class Sent(enum.StrEnum):
    """How botocore sends a DateTime value, compared with what its text says."""

    EXACT = "exact"  # the instant the text says (a naive time is UTC)
    DATE = "date"  # a YAML date object: botocore refuses it; as text it is midnight UTC
    DATE_DIGITS = "date digits"  # a number sent as epoch seconds, although its digits spell a date
    DAY_MONTH = "day or month first"  # botocore reads one order, the text allows another
    ZONE_IGNORED = "zone ignored"  # a time zone name dateutil does not know: sent as UTC
    PARTIAL = "partial"  # missing parts of the date are taken from the day the job is sent
    REFUSED = "refused"  # botocore refuses it before anything is sent


class SentTimestamp(NamedTuple):
    """What botocore makes of a DateTime value: how, the instant it sends (unless that
    depends on the day it runs or is refused), and the ISO text the value spells, when one
    form is clear."""

    sent: Sent
    instant: datetime | None = None
    meant: str | None = None


# Three rules ask about each DateTime value, and a project's files repeat them. Typed: `1`
# and `True` are sent differently, though equal.
@functools.lru_cache(maxsize=1024, typed=True)
def sent_timestamp(value: object) -> SentTimestamp:
    """What botocore's serializer sends for ``value`` in a timestamp member."""
    try:
        return _sent_timestamp(value)
    except OverflowError:  # an instant past datetime's range: botocore raises, sending nothing
        return SentTimestamp(Sent.REFUSED)


def _sent_timestamp(value: object) -> SentTimestamp:
    if isinstance(value, date):
        return _sent_date(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return SentTimestamp(Sent.REFUSED)
    if isinstance(value, str) and re.match(PLAIN_ISO_8601, value):
        try:
            return SentTimestamp(Sent.EXACT, _aware(datetime.fromisoformat(value)))
        except ValueError:  # February 31st
            return SentTimestamp(Sent.REFUSED)
    number = _number(value)
    sent = None if number is None else _sent_epoch(value, number)
    if sent is not None or not isinstance(value, str):
        return sent or SentTimestamp(Sent.REFUSED)
    return _parsed_text(value)  # botocore gives dateutil a string it cannot use as epoch


def _sent_date(value: date) -> SentTimestamp:
    if isinstance(value, datetime):
        return SentTimestamp(Sent.EXACT, _aware(value))
    midnight = _aware(datetime(value.year, value.month, value.day))
    return SentTimestamp(Sent.DATE, midnight, value.isoformat())


def _sent_epoch(value: int | float | str, seconds: float) -> SentTimestamp | None:
    """A number, or a string of one, sent as epoch seconds; None past botocore's clock."""
    instant = _epoch_instant(seconds)
    if instant is None:
        return None
    digits = re.match(_DATE_DIGITS, str(value).strip())
    if digits is not None and not isinstance(value, float):
        return SentTimestamp(Sent.DATE_DIGITS, instant, _spelt(digits))
    return SentTimestamp(Sent.EXACT, instant)


def _aware(moment: datetime) -> datetime:
    """botocore's rule: a time without a zone is UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _number(value: object) -> float | None:
    """The number botocore takes a value for: itself, or a string ``float()`` reads."""
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value))
    except ValueError:
        return None


def _epoch_instant(seconds: float) -> datetime | None:
    """The instant ``seconds`` after the epoch, or None where botocore's clock ends."""
    if math.isnan(seconds):
        return None
    try:  # botocore's datetime.fromtimestamp(seconds, tzutc()) spans datetime's range, in UTC
        return EPOCH + timedelta(seconds=seconds)
    except OverflowError:  # past it
        return None


def _spelt(digits: re.Match[str]) -> str | None:
    """The ISO 8601 text of digits that spell a whole date, or None for a year or month."""
    if digits["day"] is None:
        return None
    year, month, day = int(digits["year"]), int(digits["month"]), int(digits["day"])
    try:
        date(year, month, day)
    except ValueError:
        return None
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if digits["hour"] is not None:
        text += f"T{digits['hour']}:{digits['minute']}:{digits['second'] or '00'}Z"
    return text


@functools.lru_cache(maxsize=1024)
def _parsed_text(text: str) -> SentTimestamp:
    """A string that is no number, as dateutil reads it for botocore."""
    from dateutil import parser
    from dateutil.tz import tzutc

    def parse(default: datetime, *, dayfirst: bool = False, yearfirst: bool = False) -> datetime:
        return parser.parse(
            text, default=default, dayfirst=dayfirst, yearfirst=yearfirst, tzinfos={"GMT": tzutc()}
        )

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # dateutil warns of a zone name it drops
            readings = [parse(default) for default in _DEFAULTS]
    except (ValueError, OverflowError, TypeError):
        return SentTimestamp(Sent.REFUSED)
    if readings[0] != readings[1]:
        return SentTimestamp(Sent.PARTIAL)
    if any(issubclass(warning.category, parser.UnknownTimezoneWarning) for warning in caught):
        return SentTimestamp(Sent.ZONE_IGNORED, _aware(readings[0]))
    botocore_reading = readings[0]
    if re.match(_YEAR_FIRST, text):
        return SentTimestamp(Sent.EXACT, _aware(botocore_reading))
    try:
        others = {
            parse(_DEFAULTS[0], dayfirst=True),
            parse(_DEFAULTS[0], yearfirst=True),
            parse(_DEFAULTS[0], dayfirst=True, yearfirst=True),
        }
    except (ValueError, OverflowError, TypeError):
        others = set()
    if others - {botocore_reading}:
        return SentTimestamp(Sent.DAY_MONTH, _aware(botocore_reading))
    return SentTimestamp(Sent.EXACT, _aware(botocore_reading))


def sent_double(value: float) -> float:
    """The double the service reads for a decimal member's value (botocore sends it as is,
    and the service parses it into a double)."""
    return float(value)


def double_rounds(text: str | None, value: float) -> bool:
    """Whether the service's double differs from the number written: ``text`` as written
    (for a float, whose value the reader has already rounded), ``value`` as read."""
    if isinstance(value, int):
        return math.isfinite(sent_double(value)) and int(sent_double(value)) != value
    if text is None or not math.isfinite(value):
        return False
    from decimal import Decimal, InvalidOperation  # for a decimal parameter's value only

    try:
        written = Decimal(text.replace("_", ""))
    except InvalidOperation:  # a YAML spelling Decimal does not take: `.5e3` is fine, `0x`
        return False
    return written != Decimal(repr(value))


# Java's and ECMAScript's `\w` and `\d` are ASCII; Python's and pydantic's are Unicode.
_ASCII_CLASSES = {r"\w": "A-Za-z0-9_", r"\d": "0-9"}
_ESCAPE_OR_BRACKET = r"\\.|\[|\]"  # compiled (and cached by `re`) on first use


def service_regex(pattern: str) -> str:
    """``pattern`` with the service's ASCII meaning of ``\\w`` and ``\\d`` spelt out, so
    that a Unicode regex engine (Python's, pydantic's) matches what the service matches."""
    out: list[str] = []
    inside = False
    position = 0
    for token in re.finditer(_ESCAPE_OR_BRACKET, pattern):
        out.append(pattern[position : token.start()])
        position = token.end()
        text = token.group()
        if text in _ASCII_CLASSES:
            ascii_class = _ASCII_CLASSES[text]
            out.append(ascii_class if inside else f"[{ascii_class}]")
            continue
        if text == "[" and not inside:
            inside = True
        elif text == "]" and inside:
            inside = False
        out.append(text)
    out.append(pattern[position:])
    return "".join(out)


# Template syntaxes whose placeholder reaches the service as literal text when nothing
# rendered it: shell and CloudFormation `${X}`, Jinja and Mustache `{{ x }}`, Jinja's
# `{% %}`, ERB's `<%= %>` and GitHub Actions' `${{ }}` (a `${` form, found first). An
# escaped `$${X}` is found whole: only a fan-out's template renders it (as `${X}`). What a
# placeholder holds stops at the next opening of one, so that a value of many openings and
# no close takes linear time, not quadratic.
_PLACEHOLDER = re.compile(r"\$?\$\{[^}$]*\}|\{\{[^{}]*\}\}|\{%[^%]*%\}|<%[^%]*%>|\$\([^)$]*\)")
ESCAPE_NOTE = " (`$${` writes `${` only in a fan-out template)"


def unrendered_placeholder(text: str, meant: Collection[str] = ()) -> str | None:
    """The first template placeholder in ``text`` (sent literally), if any, but those
    ``meant`` (a fan-out template's escapes: written on purpose)."""
    for match in _PLACEHOLDER.finditer(text):
        if match.group() not in meant:
            return match.group()
    return None


def escape_note(placeholder: str) -> str:
    """What a message about ``placeholder`` adds when it is an escape outside a template."""
    return ESCAPE_NOTE if placeholder.startswith("$$") else ""

"""What a plain (unquoted) scalar means to a YAML 1.1 reader, beside what it means here.

qslint reads YAML 1.2, as the AWS CLI does. boto3 scripts and Lambda functions often load
the same files with PyYAML, whose YAML 1.1 resolver reads some plain scalars as another type
or value: `NO` and `on` are booleans, `12:30` is 750 and `012` is 10, while `1e3` and `0o12`
stay strings. Here are PyYAML's implicit resolvers and scalar constructors
(``yaml/resolver.py`` and ``yaml/constructor.py``), so that qslint needs no PyYAML to tell;
the tests compare them with PyYAML itself. Like PyYAML (and yamllint's `truthy` rule), they
keep `y` and `n` strings, although the YAML 1.1 type repository lists them as booleans.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, NamedTuple

_BOOL = re.compile(
    r"""^(?:yes|Yes|YES|no|No|NO
    |true|True|TRUE|false|False|FALSE
    |on|On|ON|off|Off|OFF)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
     (?:[Tt]|[ \t]+)[0-9][0-9]?
     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_TIMESTAMP_PARTS = re.compile(
    r"""^(?P<year>[0-9][0-9][0-9][0-9])
    -(?P<month>[0-9][0-9]?)
    -(?P<day>[0-9][0-9]?)
    (?:(?:[Tt]|[ \t]+)
    (?P<hour>[0-9][0-9]?)
    :(?P<minute>[0-9][0-9])
    :(?P<second>[0-9][0-9])
    (?:\.(?P<fraction>[0-9]*))?
    (?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)
    (?::(?P<tz_minute>[0-9][0-9]))?))?)?$""",
    re.X,
)
# The first characters of the plain scalars PyYAML reads as other than a string (it looks its
# resolvers up by the first character; `<<` and `=` are left out: the loader refuses them).
_RESOLVED_STARTS = frozenset("yYnNtTfFoO-+0123456789.~")


class Yaml11Reading(NamedTuple):
    """What PyYAML makes of a plain scalar: a ``kind`` and its value.

    ``kind`` is ``string``, ``boolean``, ``integer``, ``number``, ``null``, ``timestamp`` or
    ``error`` (PyYAML raises on it: `0b_`).
    """

    kind: str
    value: Any = None


def read_alike(text: str, value: Any) -> bool:
    """Whether PyYAML reads the plain scalar ``text`` as ``value``, its YAML 1.2 value."""
    reading = yaml11_reading(text)
    if isinstance(value, float) and math.isnan(value):
        return isinstance(reading.value, float) and math.isnan(reading.value)
    if reading.kind == "error" or type(reading.value) is not type(value):
        return False
    return bool(reading.value == value)


def _sign_and_digits(text: str) -> tuple[int, str]:
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    return sign, digits.lstrip("+-")


def _sexagesimal(parts: list[str], number: type[int] | type[float]) -> Any:
    total = number(0)
    for part in parts:
        total = total * 60 + number(part)
    return total


def _yaml11_int(text: str) -> int:
    sign, digits = _sign_and_digits(text)
    if digits == "0":
        return 0
    if digits.startswith("0b"):
        return sign * int(digits[2:], 2)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if digits[0] == "0":
        return sign * int(digits, 8)
    if ":" in digits:
        return sign * int(_sexagesimal(digits.split(":"), int))
    return sign * int(digits)


def _yaml11_float(text: str) -> float:
    sign, digits = _sign_and_digits(text.lower())
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    if ":" in digits:
        return sign * float(_sexagesimal(digits.split(":"), float))
    return sign * float(digits)


def _yaml11_bool(text: str) -> bool:
    return text.lower() in ("yes", "true", "on")


def _no_value(text: str) -> None:
    return None


def _yaml11_timestamp(text: str) -> date:
    parts = _TIMESTAMP_PARTS.match(text)
    if parts is None:
        raise ValueError(text)
    year, month, day = (int(parts[name]) for name in ("year", "month", "day"))
    if not parts["hour"]:
        return date(year, month, day)
    hour, minute, second = (int(parts[name]) for name in ("hour", "minute", "second"))
    microsecond = int((parts["fraction"] or "")[:6].ljust(6, "0"))
    zone = None
    if parts["tz_sign"]:
        offset = timedelta(hours=int(parts["tz_hour"]), minutes=int(parts["tz_minute"] or 0))
        zone = timezone(-offset if parts["tz_sign"] == "-" else offset)
    elif parts["tz"]:
        zone = UTC
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=zone)


# PyYAML's implicit resolvers in the order it tries them, each with its constructor.
_RESOLVERS: tuple[tuple[re.Pattern[str], str, Callable[[str], Any]], ...] = (
    (_BOOL, "boolean", _yaml11_bool),
    (_FLOAT, "number", _yaml11_float),
    (_INT, "integer", _yaml11_int),
    (_NULL, "null", _no_value),
    (_TIMESTAMP, "timestamp", _yaml11_timestamp),
)


@functools.lru_cache(maxsize=4096)  # job files repeat their values
def yaml11_reading(text: str) -> Yaml11Reading:
    """How PyYAML's safe loader reads the plain scalar ``text``."""
    if text[:1] in _RESOLVED_STARTS or not text:
        for pattern, kind, construct in _RESOLVERS:
            if pattern.match(text):
                try:
                    return Yaml11Reading(kind, construct(text))
                except ValueError:  # PyYAML raises too
                    return Yaml11Reading("error")
    return Yaml11Reading("string", text)

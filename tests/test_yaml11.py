"""qslint's copy of PyYAML's YAML 1.1 resolver reads plain scalars exactly as PyYAML does.

QS106 warns where a YAML 1.1 reader and qslint's YAML 1.2 reader disagree; it must know
PyYAML's reading without PyYAML installed, so the loader encodes PyYAML's resolver patterns
and constructors. PyYAML itself (a test dependency) is the oracle here.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from qslint.loader import load_source, plain_is_string, read_alike, yaml11_reading

KINDS = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))
# Characters that build booleans, numbers, nulls and dates, and a few that end them.
SCALAR_ALPHABET = "0123456789_:.-+ eExXbBoOnNyYtTfFaAlLsSuUrRiI~"

# What the issue found and the corners of PyYAML's patterns, space-separated.
KNOWN_SCALARS = """
    NO no No yes Yes on On ON off Off true False TRUE null Null NULL ~ y Y n N yes! nope onion
    12:30 1:30:00 -1:30 190:20:30 1:30.5 1:60 012 0o12 0x1F 0b101 0b_ 0x_ 1_000 +12 -0 0 00 09
    08 0_7 _1 1_ 1e3 1.0e3 1.0e+3 1.5E-3 1. .5 -.5 +.5 .inf -.Inf +.INF .NaN .nan -.nan 1_000.5
    1.0_1 0. 2026-01-01 2026-1-1 2026-01-01T10:00:00Z 2001-12-14t21:59:43.10-05:00 0000-00-00
"""
SCALARS_WITH_SPACES = ["2026-01-01 10:00:00", "2026-1-5 1:00:00", "2026-01-01 10:00:00 +1", ""]


def pyyaml_reading(text: str) -> tuple[str, Any] | None:
    """``(kind, value)`` of plain ``text`` to PyYAML; None when it is no plain scalar there."""
    try:
        node = yaml.compose(f"a: {text}\n", Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    value_node = node.value[0][1] if node and node.value else None
    if not isinstance(value_node, yaml.ScalarNode) or value_node.style or value_node.value != text:
        return None
    try:
        value = yaml.safe_load(f"a: {text}\n")["a"]
    except (yaml.YAMLError, ValueError):
        return ("error", None)
    if value is None:
        return ("null", None)
    if isinstance(value, date):
        return ("timestamp", value)
    return next(kind for kind_type, kind in KINDS if isinstance(value, kind_type)), value


def qslint_value(text: str) -> tuple[bool, Any]:
    """``(loaded, value)`` of plain ``text`` to qslint's YAML 1.2 loader."""
    source = load_source("job.yaml", f"a: {text}\n".encode())
    if source.problems or not source.documents:
        return False, None
    return True, source.documents[0].data["a"]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def assert_reads_as_pyyaml(text: str) -> None:
    expected = pyyaml_reading(text)
    if expected is None:
        return
    reading = yaml11_reading(text)
    assert (reading.kind, same(reading.value, expected[1])) == (expected[0], True), text
    loaded, value = qslint_value(text)
    if loaded:
        assert read_alike(text, value) == same(expected[1], value), text


@pytest.mark.parametrize("text", [*KNOWN_SCALARS.split(), *SCALARS_WITH_SPACES])
def test_known_scalars_read_as_pyyaml_reads_them(text: str) -> None:
    assert_reads_as_pyyaml(text)


NUMBER_LIKE = st.from_regex(
    r"[-+]?(0[bxo])?[0-9a-fA-F_]{0,4}(:[0-9]{1,2}){0,2}(\.[0-9_]{0,3})?([eE][-+]?[0-9]{1,2})?",
    fullmatch=True,
)
DATE_LIKE = st.from_regex(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?"
    r"( ?(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?",
    fullmatch=True,
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.text(alphabet=SCALAR_ALPHABET, min_size=1, max_size=12), NUMBER_LIKE, DATE_LIKE)
)
def test_any_plain_scalar_reads_as_pyyaml_reads_it(text: str) -> None:
    assert_reads_as_pyyaml(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=SCALAR_ALPHABET, min_size=1, max_size=12))
def test_a_plain_string_reads_back_the_same_everywhere(text: str) -> None:
    writable = pyyaml_reading(text) is not None  # a plain scalar at all (not ` ` or `a: b`)
    if writable and plain_is_string(text):
        assert (pyyaml_reading(text), qslint_value(text)) == (("string", text), (True, text))


def test_y_and_n_stay_strings_as_in_pyyaml() -> None:
    assert [yaml11_reading(text).kind for text in ("y", "Y", "n", "N")] == ["string"] * 4

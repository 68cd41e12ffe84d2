"""The YAML 1.2 tags qslint reads, and how a plain scalar resolves to one."""

from __future__ import annotations

from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import Resolver

from qslint.loader.yaml11 import yaml11_reading

_YAML = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    f"{_YAML}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
MAP_TAG, SEQ_TAG, MERGE_TAG = f"{_YAML}map", f"{_YAML}seq", f"{_YAML}merge"
STR_TAG = f"{_YAML}str"

_RESOLVER = Resolver()
_PLAIN_TAG_CACHE_SIZE = 4096
# Shared by every file: keys and values repeat across a project's definitions.
_plain_tags: dict[str, tuple[str, bool]] = {}


def plain_tag(text: str) -> tuple[str, bool]:
    """The tag ``text`` written plain resolves to in YAML 1.2, and whether it is a string
    that YAML 1.1 (PyYAML) reads as another type (`NO`, `12:30`)."""
    resolved = _plain_tags.get(text)
    if resolved is None:
        name = str(_RESOLVER.resolve(ScalarNode, text, (True, False)))
        resolved = (name, name == STR_TAG and yaml11_reading(text).kind != "string")
        if len(_plain_tags) >= _PLAIN_TAG_CACHE_SIZE:
            _plain_tags.clear()
        _plain_tags[text] = resolved
    return resolved


def plain_is_string(text: str) -> bool:
    """Whether ``text`` written plain (unquoted) reads back as that string, in YAML 1.2 as
    qslint reads it and in YAML 1.1 as PyYAML does."""
    name, differs = plain_tag(text)
    return name == STR_TAG and not differs

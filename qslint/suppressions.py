"""``# qslint: ignore[QS201, QS305]`` comments: where each one is and what it names.

A comment suppresses the findings on its own line whose code starts with one of its codes
(a bare ``# qslint: ignore``, every finding there). Each comment also knows what would
remove it cleanly, so that one that suppresses nothing can be fixed away: the whole line
when the comment stands alone on it, the comment and the spaces before it when it ends a
line, only the directive when more comment text follows it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from qslint.findings import Mark

# Compiled (and cached by `re`) with the first file that mentions qslint: most never do.
_DIRECTIVE = r"(?i)#(?P<space>\s*)qslint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?P<after>\s*)"


class Suppression(NamedTuple):
    """One suppression comment; positions are 1-based, ends excluded."""

    line: int
    column: int  # of the `#`
    codes: tuple[str, ...] | None  # in the order written; None: every code
    removal: tuple[Mark, Mark]  # what to delete to remove the directive
    codes_span: tuple[Mark, Mark] | None  # what is between the brackets

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


def find_suppressions(text: str) -> dict[int, Suppression]:
    """The suppression comment of each line that has one."""
    found: dict[int, Suppression] = {}
    if "qslint" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = _directive_in(line)
        if match is not None:
            found[number] = _suppression(number, line, match)
    return found


def _directive_in(line: str) -> re.Match[str] | None:
    """The directive of the line's comment: after a `#` at the line's start or a space."""
    for match in re.finditer(_DIRECTIVE, line):
        if match.start() == 0 or line[match.start() - 1].isspace():
            return match
    return None


def _suppression(number: int, line: str, match: re.Match[str]) -> Suppression:
    codes = match["codes"]
    listed = None
    if codes is not None:
        listed = tuple(dict.fromkeys(c.strip().upper() for c in codes.split(",") if c.strip()))
    before = line[: match.start()]
    if match.end() < len(line):  # more comment follows: keep the `#` and what follows
        start = match.start() + 1 + len(match["space"])
        removal = (Mark(number, start + 1), Mark(number, match.end() + 1))
    elif before.strip():  # the comment ends a line of content: keep the content
        removal = (Mark(number, len(before.rstrip()) + 1), Mark(number, len(line) + 1))
    else:  # the comment is the line
        removal = (Mark(number, 1), Mark(number + 1, 1))
    codes_span = None
    if codes is not None:
        opening = match.start("codes") + 1
        codes_span = (Mark(number, opening), Mark(number, opening + len(codes)))
    return Suppression(number, match.start() + 1, listed, removal, codes_span)

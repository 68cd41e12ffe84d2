"""What a parser refused, and where: messages and 1-based marks for syntax problems."""

from __future__ import annotations

import json
import re

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from qslint.findings import Mark
from qslint.loader.documents import LoadProblem, one_based


class SyntaxProblem(LoadProblem):
    """A load problem raised by the YAML parser itself."""


def syntax_problem(error: YAMLError, text: str) -> SyntaxProblem:
    """What the parser refused, where; a tab in an indentation is named as such."""
    mark = _error_mark(error, text)
    line = text.splitlines()[mark.line - 1] if text else ""
    indentation = line[: len(line) - len(line.lstrip(" \t-?:"))]
    if "\t" in indentation and isinstance(error, MarkedYAMLError):
        tab = Mark(mark.line, indentation.index("\t") + 1)
        return SyntaxProblem("a tab indents this line; YAML indents with spaces only", tab)
    return SyntaxProblem(_error_message(error), mark)


def _error_mark(error: YAMLError, text: str) -> Mark:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return clamp_mark(text, one_based(mark))
    if isinstance(error, ReaderError):
        return offset_mark(text, error.position)
    return Mark(1, 1)


def _error_message(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError):
        message = error.problem or "invalid YAML"
        if error.context and error.context_mark is not None:
            line, column = one_based(error.context_mark)
            message += f" ({error.context} started at line {line}, column {column})"
        elif error.context:
            message += f" ({error.context})"
        return message
    if isinstance(error, ReaderError):
        return f"unacceptable character #x{error.character:04x}: control characters are not allowed"
    return str(error).splitlines()[0]


# The line breaks libyaml counts (YAML 1.1's): its marks and displayed lines agree on them.
# Compiled (and cached by `re`) with the first offset to locate: most runs have none.
_LINE_BREAK = "\r\n|[\r\n\x85\u2028\u2029]"


def line_starts(text: str) -> list[int]:
    """The character offset where each line of ``text`` starts, lines as libyaml counts them."""
    return [0, *(match.end() for match in re.finditer(_LINE_BREAK, text))]


def offset_mark(text: str, offset: int) -> Mark:
    """The line and column of a character offset in ``text``, lines as libyaml counts them."""
    offset = min(max(offset, 0), len(text))
    starts = [0, *(match.end() for match in re.compile(_LINE_BREAK).finditer(text, 0, offset))]
    return Mark(len(starts), offset - starts[-1] + 1)


def mark_offset(text: str, mark: Mark) -> int:
    """The character offset of a line and column in ``text`` (lines as libyaml counts them);
    a mark past the end is the end."""
    starts = line_starts(text)
    if mark.line > len(starts):
        return len(text)
    return min(starts[mark.line - 1] + mark.column - 1, len(text))


def clamp_mark(text: str, mark: Mark) -> Mark:
    """Keep a parser's end-of-input mark inside the file."""
    lines = text.splitlines() or [""]
    if mark.line <= len(lines):
        return mark
    return Mark(len(lines), len(lines[-1]) + 1)


def json_problem(text: str) -> LoadProblem | None:
    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not valid JSON")

    try:
        json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        before = text[: error.pos].rstrip()
        if before.endswith(",") and text[error.pos : error.pos + 1] in ("]", "}"):
            return LoadProblem(
                "invalid JSON: trailing comma (JSON allows none after the last item)",
                offset_mark(text, len(before) - 1),
            )
        return LoadProblem(
            f"invalid JSON: {error.msg}", clamp_mark(text, offset_mark(text, error.pos))
        )
    except ValueError as error:
        return LoadProblem(f"invalid JSON: {error}", Mark(1, 1))
    except RecursionError:
        return None  # nested past Python's stack: composing reports the nesting, positioned
    return None

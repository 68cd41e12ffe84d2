"""Bytes -> text: job definitions are UTF-8, and anything else is a load problem."""

from __future__ import annotations

import codecs

from qslint.findings import Mark
from qslint.loader.documents import LoadProblem, SourceFile
from qslint.loader.problems import offset_mark

# UTF-32's byte order marks begin with UTF-16's: they are looked for first.
_OTHER_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(path: str, raw: bytes) -> SourceFile:
    """Decode a file's bytes as UTF-8 (a BOM is fine); anything else is a load problem.

    UTF-16 and UTF-32 are refused even with a byte order mark, though YAML allows them: the
    AWS CLI reads ``file://`` input in the locale's encoding (UTF-8 on CI runners), JSON
    between systems must be UTF-8 (RFC 8259), and a file qslint passes must be one the
    submission path reads.
    """
    decoded = _decoded(raw)
    if isinstance(decoded, LoadProblem):
        return SourceFile(path=path, text="", problems=[decoded])
    text = decoded.removeprefix("\ufeff")  # as utf-8-sig reads
    return SourceFile(path=path, text=text, byte_order_mark=len(text) < len(decoded))


def _decoded(raw: bytes) -> str | LoadProblem:
    """The text of UTF-8 bytes, or why they are not a job definition's text."""
    for bom, encoding in _OTHER_UNICODE_BOMS:
        if raw.startswith(bom):
            return LoadProblem(
                f"file is {encoding} (it starts with a {encoding} byte order mark); "
                "save it as UTF-8",
                Mark(1, 1),
            )
    nul = raw.find(b"\0")
    if nul != -1:
        return LoadProblem(
            "file holds a NUL byte: binary content, or UTF-16/UTF-32 without a byte order "
            "mark; job definitions are UTF-8 text",
            _byte_mark(raw, nul),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return LoadProblem(
            f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
            _byte_mark(raw, error.start),
        )


def _byte_mark(raw: bytes, offset: int) -> Mark:
    """The line and column (in characters) of the byte at ``offset`` in a UTF-8 file."""
    prefix = raw[:offset].decode("utf-8", errors="replace").removeprefix("\ufeff")
    return offset_mark(prefix, len(prefix))

"""Reading and writing files safely.

A read never blocks and never goes past a size limit; a write never leaves a file
half-written. Warm cached runs read files through this module without parsing them, so it
imports neither ruamel.yaml nor pydantic.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from qslint.findings import plural


def write_atomically(path: Path, text: str) -> None:
    """Replace (or create) ``path`` with ``text`` all at once: a failure leaves it as it was.

    A symbolic link is written through: its target is replaced, and the link stays a link.
    """
    path = path.resolve()  # the temporary file must be beside the file that is replaced
    data = text.encode("utf-8")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(_permissions(path))
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _permissions(path: Path) -> int:
    """The permissions ``path`` has, or those a new file gets (mkstemp's are owner-only)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def read_bytes(path: str, max_size: int) -> tuple[bytes | None, str | None]:
    """A regular file's bytes, or why there are none; never blocks, never reads past the limit.

    The file is opened without blocking (a fifo's open would wait for a writer) and checked
    on the open descriptor, so that what is read is what was checked.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and os.path.islink(path):  # noqa: PTH114
            return None, "cannot read file: a symbolic link to nothing"
        return None, f"cannot read file: {error.strerror or type(error).__name__}"
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):  # before fdopen, which refuses a folder
        os.close(descriptor)
        return None, "cannot read file: not a regular file"
    with os.fdopen(descriptor, "rb") as handle:
        try:
            # As much as the file held when checked, and one byte more to notice growth past
            # the limit; asking for max_size + 1 would allocate that much for every file.
            raw = handle.read(min(status.st_size, max_size) + 1)
        except OSError as error:
            return None, f"cannot read file: {error.strerror or type(error).__name__}"
    return within_limit(raw, max_size)


def within_limit(raw: bytes, max_size: int) -> tuple[bytes | None, str | None]:
    """``raw``, or why it is not read: it is larger than ``max_size`` bytes."""
    if len(raw) > max_size:
        return None, f"file is larger than {_size(max_size)}; split it or raise `max-file-size`"
    return raw, None


def _size(count: int) -> str:
    """``5 MiB``, ``512 KiB``, ``1000 bytes``: a byte count as people write it."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count % scale == 0:
            return f"{count // scale} {unit}"
    return plural(count, "byte")


def read_overlaid(overlay: Mapping[str, bytes]) -> Callable[[str], bytes]:
    """What reads a reported file's bytes: from ``overlay`` when it holds it, else disk."""

    def read(name: str) -> bytes:
        held = overlay.get(os.path.abspath(name))  # noqa: PTH100
        return Path(name).read_bytes() if held is None else held

    return read

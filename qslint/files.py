"""Reading and writing files safely.

A read never blocks and never goes past a size limit; a write never leaves a file
half-written. Warm cached runs read files through this module without parsing them, so it
imports neither ruamel.yaml nor pydantic.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from qslint.findings import plural


class FileChanged(Exception):
    """The file no longer holds the bytes a write was meant to replace."""


def write_atomically(path: Path, text: str, *, replacing: bytes | None = None) -> None:
    """Replace (or create) ``path`` with ``text`` all at once: a failure leaves it as it was.

    With ``replacing``, only if ``path`` still holds those bytes right before the replace
    (else :class:`FileChanged`): an editor's save since they were read is never overwritten.
    A symbolic link is written through: its target is replaced, and the link stays a link.
    """
    path = path.resolve()  # the temporary file must be beside the file that is replaced
    data = text.encode("utf-8")
    handle, temporary = create_temporary(path.parent, f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(_permissions(path))
        # Compared after the slow part (writing and syncing the new text), so that as little
        # time as possible passes between the comparison and the replace.
        if replacing is not None and read_regular(path, len(replacing))[0] != replacing:
            raise FileChanged(str(path))
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


_TEMPORARY_ATTEMPTS = 100
# O_BINARY matters on Windows, which has neither O_NOFOLLOW nor O_CLOEXEC.
_TEMPORARY_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def create_temporary(folder: Path, prefix: str = "") -> tuple[int, Path]:
    """A new file in ``folder``, named ``prefix``, random letters and ``.tmp``, open for
    writing: its descriptor and path. As ``tempfile.mkstemp`` makes it (created only if no
    file or link has the name, private to its owner), without importing ``tempfile`` (with
    ``random``, ``shutil`` and ``weakref``: ~10M instructions of a one-file run)."""
    for _ in range(_TEMPORARY_ATTEMPTS):
        temporary = folder / f"{prefix}{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temporary, _TEMPORARY_FLAGS, 0o600), temporary
        except FileExistsError:
            continue  # another run's: as unlikely as 48 random bits agreeing
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(folder))


def _permissions(path: Path) -> int:
    """The permissions ``path`` has, or those a new file gets (temporary ones are owner-only)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def read_bytes(path: str, max_size: int) -> tuple[bytes | None, str | None]:
    """A regular file's bytes, or why there are none; never blocks, never reads past the limit."""
    raw, problem = read_regular(path, max_size)
    return (None, problem) if raw is None else within_limit(raw, max_size)


def read_regular(path: str | os.PathLike[str], max_size: int) -> tuple[bytes | None, str | None]:
    """Up to ``max_size + 1`` bytes of a regular file (one more than allowed says it is too
    large), or why there are none.

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
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        kind = "it is a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file"
        return None, f"cannot read file: {kind}"
    with os.fdopen(descriptor, "rb") as handle:
        try:
            # As much as the file held when checked, and one byte more to notice growth past
            # the limit; asking for max_size + 1 would allocate that much for every file.
            return handle.read(min(status.st_size, max_size) + 1), None
        except OSError as error:
            return None, f"cannot read file: {error.strerror or type(error).__name__}"


def read_limited(stream: BinaryIO, max_size: int) -> bytes:
    """At most ``max_size + 1`` bytes of ``stream`` (one more than allowed says it is too
    large), read in chunks so that memory follows what arrives, not the limit."""
    chunks: list[bytes] = []
    left = max_size + 1
    while left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_held(path: str, held: bytes | None, max_size: int) -> tuple[bytes | None, str | None]:
    """The bytes of ``path`` as an editor or standard input holds them (``held``), else as
    the disk does; never past ``max_size``."""
    return read_bytes(path, max_size) if held is None else within_limit(held, max_size)


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

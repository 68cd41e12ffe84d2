"""The cache's digests (of files' bytes, of runs, of what results depend on): BLAKE2b.

``hashlib`` loads OpenSSL for its first hash of any kind: ~12M instructions, 3-4 ms of a
one-file run's start. CPython's own ``_blake2`` module does not; ``random`` imports its
hash from such a module too. A Python built without it hashes with SHA-256 from ``hashlib``
(``hashlib.blake2b`` is that module's): the same 32 bytes a digest, in a cache of its own
(the cache file's key is such a digest too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

SIZE = 32  # bytes of a digest

if TYPE_CHECKING:

    class Digest(Protocol):
        def update(self, data: bytes, /) -> None: ...
        def digest(self) -> bytes: ...
        def hexdigest(self) -> str: ...


try:
    from _blake2 import blake2b
except ImportError:  # a Python built without the module
    from hashlib import sha256

    def hasher(data: bytes = b"") -> Digest:
        return sha256(data)

else:

    def hasher(data: bytes = b"") -> Digest:
        """A digest of ``data`` that more bytes can be added to (``update``)."""
        return blake2b(data, digest_size=SIZE)

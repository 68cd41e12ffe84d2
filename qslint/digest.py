"""The cache's digests (of files' bytes, of runs, of what results depend on): BLAKE2b.

``hashlib`` loads OpenSSL for its first hash of any kind: ~12M instructions, 3-4 ms of a
one-file run's start. BLAKE2 is built into Python, and ``random`` imports its own hash the
same way, from the built-in module, with ``hashlib`` for a build that lacks it.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # a Python built without the module under this name
    from hashlib import blake2b

SIZE = 32  # bytes of a digest


def hasher(data: bytes = b"") -> blake2b:
    """A digest of ``data`` that more bytes can be added to (``update``)."""
    return blake2b(data, digest_size=SIZE)

"""Seeded draws that name what they are for, so that threads cannot reorder them.

One shared random stream hands out its numbers in the order calls arrive: with several
threads, which call gets which fault changes from run to run even with a seed. Here a draw is
a hash of the seed, the kind of draw (fault, slow answer, job failure), the call it is for and
how many draws that call had before: the n-th attempt of a given call always gets the same
number, whatever else runs at the same time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import Counter

DrawKey = tuple[str, ...]
_SCALE = float(2**64)


class KeyedDraws:
    """Uniform numbers in [0, 1), each fixed by (seed, key, how often the key was drawn)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int | None, DrawKey]] = Counter()
        # Without a seed the draws vary from one emulator to the next, as unseeded ones do.
        self._unseeded_salt = secrets.token_hex(8)

    def draw(self, seed: int | None, *key: str) -> float:
        with self._lock:
            # Counted per seed: settings given a new seed start that seed's draws afresh.
            attempt = self._counts[seed, key]
            self._counts[seed, key] += 1
        salt = self._unseeded_salt if seed is None else str(seed)
        material = "\x1f".join((salt, str(attempt), *key)).encode()
        digest = hashlib.blake2b(material, digest_size=8).digest()
        return int.from_bytes(digest, "big") / _SCALE

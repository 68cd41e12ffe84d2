"""A clock that runs faster than real time, shared by the emulator and the client.

Both read ``origin + (monotonic() - origin) * speed``: CLOCK_MONOTONIC is the same in every
process of the machine, so an apply in a subprocess and the emulator in the test agree on
what a second is and on what time it is. Run as a script, it runs ``qslint`` on such a
clock: ``python tests/clocks.py SPEED ORIGIN ARGS...``.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from qslint.clock import Clock


class FastClock(Clock):
    def __init__(self, speed: float, origin: float | None = None) -> None:
        self.speed = speed
        self.origin = time.monotonic() if origin is None else origin

    def now(self) -> float:
        return self.origin + (time.monotonic() - self.origin) * self.speed

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds / self.speed)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return super().wait(event, seconds / self.speed)

    def wait_on(self, condition: threading.Condition, seconds: float) -> None:
        super().wait_on(condition, seconds / self.speed)

    def command(self, *args: str) -> list[str]:
        """The command line that runs ``qslint ARGS`` in a subprocess on this clock."""
        return [sys.executable, str(Path(__file__)), str(self.speed), repr(self.origin), *args]


class TickingClock(Clock):
    """Time that moves only when read, a microsecond a reading: what is stamped with it keeps
    its order, and any burst of calls falls within one second, however slow the machine."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            self._now += 1e-6
            return self._now


if __name__ == "__main__":
    import signal

    from qslint.cli import cli

    # As a terminal's foreground command takes Ctrl-C: a test run started in the background
    # starts with SIGINT ignored, and a child inherits that.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    speed, origin, *arguments = sys.argv[1:]
    cli.main(arguments, prog_name="qslint", obj=FastClock(float(speed), float(origin)))

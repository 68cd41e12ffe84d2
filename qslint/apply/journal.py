"""The apply journal: what was submitted, written before and after each call, atomically.

A run that dies (a crash, SIGKILL, Ctrl-C) leaves its journal behind; the next run over the
same definitions resumes from it. A job is journaled as ``submitting`` with its final job id
before its start call, so a resumed run starts it again with the *same* id: the service
refuses a second job with that id (``ResourceExistsException``), which proves the first
attempt took effect. No job is submitted twice and none is lost. A run whose every job has
ended (completed, failed, refused, or submitted with ``--no-wait``) leaves the journal
with nothing in it, and removes it.
"""

from __future__ import annotations

import enum
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from qslint.apply.plan import PlannedJob
from qslint.files import write_atomically

DEFAULT_JOURNAL = Path(".qslint") / "apply-journal.json"
VERSION = 1


class JournalError(Exception):
    """A journal that cannot be read or locked: a usage error naming the file."""


class JobState(enum.StrEnum):
    PENDING = "pending"  # not yet attempted
    SUBMITTING = "submitting"  # the start call may or may not have taken effect
    SUBMITTED = "submitted"  # the service acknowledged the job
    COMPLETED = "completed"
    FAILED = "failed"  # the service ran the job and it failed
    ERROR = "error"  # never submitted: a final error from the service

    @property
    def may_exist(self) -> bool:
        """Whether the service may know a job in this state."""
        return self not in (JobState.PENDING, JobState.ERROR)


@dataclass(frozen=True)
class JournalEntry:
    job_id: str
    digest: str
    file: str
    state: JobState = JobState.PENDING


def entry_key(job: PlannedJob) -> str:
    return "/".join(job.key)


class Journal:
    """The journal file of one run, held under an exclusive lock while the run lasts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, JournalEntry] = {}
        self._folder_fd: int | None = None

    def open(self) -> dict[str, JournalEntry]:
        """Lock the journal and read what an earlier, unfinished run left in it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The lock is on the journal's folder: it leaves no file behind, and the system
        # releases it when the process dies, however it dies.
        self._folder_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(self._folder_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self.close()
            raise JournalError(f"{self.path}: another qslint apply is using it") from error
        self._entries = self._read()
        return dict(self._entries)

    def _read(self) -> dict[str, JournalEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise JournalError(f"{self.path}: cannot read the journal ({error})") from error
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise JournalError(f"{self.path}: not a qslint journal (version {VERSION})")
        return {
            key: JournalEntry(
                job_id=entry["job_id"],
                digest=entry["digest"],
                file=entry["file"],
                state=JobState(entry["state"]),
            )
            for key, entry in data["jobs"].items()
        }

    def prepare(self, jobs: list[PlannedJob], new_id: Callable[[PlannedJob], str]) -> None:
        """Give every job its entry: the earlier run's when the definition is unchanged."""
        with self._lock:
            earlier = self._entries
            self._entries = {}
            for job in jobs:
                key = entry_key(job)
                entry = earlier.get(key)
                if entry is None or entry.digest != job.digest:
                    entry = JournalEntry(job_id=new_id(job), digest=job.digest, file=job.file)
                self._entries[key] = entry
            # An unfinished job of the earlier run that this run does not select stays, so
            # that a later run over it can still resume it.
            for key, entry in earlier.items():
                if key not in self._entries and entry.state.may_exist:
                    self._entries.setdefault(key, entry)
            self._write()

    def entry(self, job: PlannedJob) -> JournalEntry:
        with self._lock:
            return self._entries[entry_key(job)]

    def record(self, job: PlannedJob, state: JobState) -> None:
        with self._lock:
            key = entry_key(job)
            self._entries[key] = replace(self._entries[key], state=state)
            self._write()

    def _write(self) -> None:
        data = {
            "version": VERSION,
            "jobs": {key: asdict(entry) for key, entry in self._entries.items()},
        }
        write_atomically(self.path, json.dumps(data, indent=1))

    def finish(self, ended: Iterable[PlannedJob]) -> None:
        """Forget the jobs that ended; remove the journal when nothing is left to resume."""
        with self._lock:
            for job in ended:
                self._entries.pop(entry_key(job), None)
            if self._entries:
                self._write()
            else:
                self.path.unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        if self._folder_fd is not None:
            os.close(self._folder_fd)
            self._folder_fd = None

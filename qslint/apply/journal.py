"""The apply journal: what was submitted, written before and after each call, atomically.

It is the fast path, not what keeps a deployment from running twice (the job ids do that):
a run that dies (a crash, SIGKILL, Ctrl-C) leaves its journal behind, and the next run over
the same definitions asks the service about the journaled jobs first instead of starting
them. A job is journaled as ``submitting`` under its id before its start call, so that a
start that may have taken effect is resolved by asking the service about that id. A run
whose every job has ended (completed, failed, refused, or submitted with ``--no-wait``)
leaves the journal with nothing in it, and removes it.

A journal that cannot be written mid-run does not stop the run: the jobs are followed to
their end, and :attr:`Journal.problem` says what could not be saved.
"""

from __future__ import annotations

import enum
import fcntl
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from qslint.apply.identity import JobIdFor
from qslint.apply.plan import PlannedJob
from qslint.files import write_atomically

DEFAULT_JOURNAL = Path(".qslint") / "apply-journal.json"
VERSION = 2


class JournalError(Exception):
    """A journal that cannot be read, understood or locked: a usage error naming the file."""


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
    attempt: int = 1
    state: JobState = JobState.PENDING


def entry_key(job: PlannedJob) -> str:
    return "/".join(job.key)


def _entry(key: str, value: Any) -> JournalEntry:
    """One journaled job, or :class:`ValueError` saying what is wrong with it."""
    if not isinstance(value, Mapping):
        raise ValueError(f"job {key!r} is not an object")
    fields = {name: value.get(name) for name in ("job_id", "digest", "file")}
    if not all(isinstance(text, str) and text for text in fields.values()):
        raise ValueError(f"job {key!r} needs job_id, digest and file as strings")
    attempt = value.get("attempt")
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        raise ValueError(f"job {key!r} has no attempt number")
    try:
        state = JobState(value.get("state"))
    except ValueError:
        raise ValueError(f"job {key!r} has an unknown state {value.get('state')!r}") from None
    return JournalEntry(**fields, attempt=attempt, state=state)


class Journal:
    """The journal file of one run, held under an exclusive lock while the run lasts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None  # why the journal could not be saved, if it could not
        self._lock = threading.Lock()
        self._entries: dict[str, JournalEntry] = {}
        self._folder_fd: int | None = None

    def open(self) -> dict[str, JournalEntry]:
        """Lock the journal and read what an earlier, unfinished run left in it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # The lock is on the journal's folder: it leaves no file behind, and the system
            # releases it when the process dies, however it dies.
            self._folder_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError as error:
            raise JournalError(f"{self.path}: cannot use the journal ({error.strerror})") from error
        try:
            fcntl.flock(self._folder_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self.close()
            raise JournalError(f"{self.path}: another qslint apply is using it") from error
        try:
            self._entries = self._read()
        except JournalError:
            self.close()
            raise
        return dict(self._entries)

    def _read(self) -> dict[str, JournalEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise JournalError(f"{self.path}: cannot read the journal ({error})") from error
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise JournalError(
                f"{self.path}: not a qslint journal of version {VERSION}; remove it once no "
                "run it recorded needs resuming"
            )
        jobs = data.get("jobs")
        if not isinstance(jobs, dict):
            raise JournalError(f"{self.path}: not a qslint journal (it lists no jobs)")
        try:
            return {key: _entry(key, value) for key, value in jobs.items()}
        except ValueError as error:
            raise JournalError(f"{self.path}: not a qslint journal ({error})") from error

    def prepare(self, jobs: list[PlannedJob], job_id_for: JobIdFor) -> None:
        """Give every job its entry: the earlier run's when it is of the same deployment
        (same definition, same run key), else its first attempt's."""
        with self._lock:
            earlier = self._entries
            self._entries = {}
            for job in jobs:
                key = entry_key(job)
                entry = earlier.get(key)
                if (
                    entry is None
                    or entry.digest != job.digest
                    or entry.job_id != job_id_for(job, entry.attempt)
                ):
                    entry = JournalEntry(job_id_for(job, 1), job.digest, job.file)
                self._entries[key] = entry
            # An unfinished job of the earlier run that this run does not select stays, so
            # that a later run over it can still resume it.
            for key, entry in earlier.items():
                if key not in self._entries and entry.state.may_exist:
                    self._entries[key] = entry
            self._write(check=True)

    def entry(self, job: PlannedJob) -> JournalEntry:
        with self._lock:
            return self._entries[entry_key(job)]

    def record(self, job: PlannedJob, state: JobState, *, job_id: str, attempt: int) -> None:
        with self._lock:
            key = entry_key(job)
            entry = self._entries[key]
            self._entries[key] = replace(entry, job_id=job_id, attempt=attempt, state=state)
            self._write()

    def _write(self, *, check: bool = False) -> None:
        """Save the entries; a failure is a :class:`JournalError` before the run starts
        (``check``), and is kept in :attr:`problem` once it runs."""
        if self._folder_fd is None:
            return  # finished: a call that outlived an interrupted run changes nothing
        data = {
            "version": VERSION,
            "jobs": {key: asdict(entry) for key, entry in self._entries.items()},
        }
        try:
            write_atomically(self.path, json.dumps(data, indent=1))
        except OSError as error:
            if check:
                raise JournalError(
                    f"{self.path}: cannot write the journal ({error.strerror})"
                ) from error
            self.problem = f"{self.path}: {error.strerror}"
        else:
            self.problem = None  # what is on disk is up to date again

    def finish(self, ended: Iterable[PlannedJob]) -> None:
        """Forget the jobs that ended; remove the journal when nothing is left to resume."""
        with self._lock:
            for job in ended:
                self._entries.pop(entry_key(job), None)
            try:
                if self._entries:
                    self._write()
                else:
                    self.path.unlink(missing_ok=True)
                    self.problem = None
            except OSError as error:
                self.problem = f"{self.path}: {error.strerror}"
            self.close()

    def close(self) -> None:
        if self._folder_fd is not None:
            os.close(self._folder_fd)
            self._folder_fd = None

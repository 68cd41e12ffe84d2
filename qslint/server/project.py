"""The workspace's definitions as the repository rules compare with them, kept between edits.

A keystroke checks the open documents alone and compares them with this index (QS601
across files); only a refresh walks the workspace, with the cache ``qslint check`` keeps
(read and written then, never on a keystroke): when the server starts, and once the editor
is idle after a save, a close or a change on disk. The index holds what the runner hands
back (:attr:`CheckResult.compared`), whatever the cache file's format, with each job slimmed
to the fields the repository rules read when every one of them declares them
(:attr:`Rule.reads`): a job's whole values cost ~40 µs to unpickle, thousands per keystroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qslint.engine import FileResult
from qslint.rule import CheckedJob, Rule, fields_read


def _slimmed(job: CheckedJob, fields: tuple[str, ...]) -> CheckedJob:
    if not isinstance(job.data, bytes):
        return job  # holds only what is read already
    values = job.values
    return replace(
        job,
        data={name: values[name] for name in fields if name in values},
        fields={mark: at for mark, at in job.fields.items() if mark[0] in fields},
    )


class ProjectIndex:
    """The jobs of every definition of the workspace's projects, file by file."""

    def __init__(self) -> None:
        self._files: list[FileResult] | None = None

    @property
    def built(self) -> bool:
        return self._files is not None

    def compared(self) -> list[FileResult]:
        return self._files or []

    def update(self, compared: Sequence[FileResult], rules: Sequence[Rule]) -> None:
        """Keep ``compared`` (a refresh's :attr:`CheckResult.compared`), with its jobs slimmed
        for ``rules``; only the jobs are kept, for the rest is never reported."""
        fields = fields_read(rules)
        self._files = [
            FileResult(
                file.path,
                jobs=file.jobs if fields is None else [_slimmed(job, fields) for job in file.jobs],
            )
            for file in compared
            if file.jobs
        ]

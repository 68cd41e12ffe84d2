"""The workspace's definitions as the repository rules compare with them, kept between edits.

A keystroke checks the open documents alone and compares them with this index (QS601
across files); only a refresh walks the workspace, with the cache ``qslint check`` keeps
(read and written then, never on a keystroke): when the server starts, and once the editor
is idle after a save, a close or a change on disk. The index holds what the runner hands
back (:attr:`CheckResult.compared`), whatever the cache file's format, with each job slimmed
to the fields the repository rules read when every one of them declares them
(:attr:`Rule.reads`): a job's whole values cost ~40 µs to unpickle, thousands per keystroke.
It also knows which templates read which rows files: an open rows file is checked with its
templates alone, not by walking the workspace.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from qslint.results import FileResult
from qslint.rule import CheckedJob, Rule, fields_read


def _slimmed(job: CheckedJob, fields: tuple[str, ...]) -> CheckedJob:
    if not isinstance(job.data, bytes):
        return job  # holds only what is read already
    values = job.values
    return job._replace(
        data={name: values[name] for name in fields if name in values},
        fields={mark: at for mark, at in job.fields.items() if mark[0] in fields},
    )


class ProjectIndex:
    """The jobs of every definition of the workspace's projects, file by file."""

    def __init__(self) -> None:
        self._files: list[FileResult] | None = None
        self._templates: dict[str, list[str]] = {}  # by rows file: the templates naming it

    @property
    def built(self) -> bool:
        return self._files is not None

    def compared(self) -> list[FileResult]:
        return self._files or []

    def templates_reading(self, paths: Iterable[str]) -> list[str]:
        """The templates whose fan-outs name one of ``paths`` (absolute) as their rows file."""
        found = (template for path in paths for template in self._templates.get(path, ()))
        return list(dict.fromkeys(found))

    def update(self, compared: Sequence[FileResult], rules: Sequence[Rule]) -> None:
        """Keep ``compared`` (a refresh's :attr:`CheckResult.compared`), with its jobs slimmed
        for ``rules``; only the jobs are kept, for the rest is never reported, and the rows
        files each template names, read or not (an editor may be creating one)."""
        self._templates = {}
        for file in compared:
            for rows_file in file.rows_files:
                named = self._templates.setdefault(os.path.abspath(rows_file), [])  # noqa: PTH100
                named.append(os.path.abspath(file.path))  # noqa: PTH100
        fields = fields_read(rules)
        self._files = [
            FileResult(
                file.path,
                jobs=file.jobs if fields is None else [_slimmed(job, fields) for job in file.jobs],
            )
            for file in compared
            if file.jobs
        ]

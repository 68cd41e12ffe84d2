"""What checking yields: each file's result, and the whole run's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from qslint.findings import Finding, Severity
from qslint.records import Record

if TYPE_CHECKING:
    from qslint.rule import CheckedJob, Rule
    from qslint.suppressions import Suppression

Used = tuple[str, int, str]  # a finding a comment suppressed: its file, line and code
REPOSITORY = "<repository>"  # the path of the repository rules' result: no one file


class InternalError(NamedTuple):
    """A rule that raised: a bug in qslint or a plugin, reported without a traceback.

    Kept as text (the exception's type, and its traceback for ``--debug``) so that it can be
    cached and sent between processes like any other result.
    """

    file: str
    code: str
    kind: str
    details: str


class FileResult(Record):
    """What the rules of one file found: cacheable, and sent back by worker processes."""

    def __init__(
        self,
        path: str,
        *,
        findings: Iterable[Finding] = (),
        jobs: Iterable[CheckedJob] = (),
        internal_errors: Iterable[InternalError] = (),
        ignored: tuple[str, ...] = (),
        suppressions: tuple[Suppression, ...] = (),
        suppressed: frozenset[Used] = frozenset(),
        something_else: bool = False,
    ) -> None:
        self.path = path
        self.findings = list(findings)
        self.jobs = list(jobs)
        self.internal_errors = list(internal_errors)
        self.ignored = ignored  # the code prefixes per-file-ignores drop for this file
        self.suppressions = suppressions  # the file's suppression comments
        # (file, line, code) of each finding a comment suppressed: for a repository result,
        # in the files of its jobs.
        self.suppressed = suppressed
        # Read whole, and no document is a job (a compose file, a workflow): QS100's one
        # finding when the file was named, passed over when a walk or the pre-commit hook
        # found it.
        self.something_else = something_else
        # The rows files of its fan-outs: the result depends on them too, so it is never
        # cached; and of those, the ones that read as rows (no definitions).
        self.rows_files: tuple[str, ...] = ()
        self.rows_read: tuple[str, ...] = ()


class CheckResult(Record):
    """What a run found, and what its reports and ``--fix`` need to know of it."""

    def __init__(self, files: list[str]) -> None:
        self.files = files
        self.findings: list[Finding] = []
        self.internal_errors: list[InternalError] = []
        self.jobs: list[CheckedJob] = []
        self.skipped: list[str] = []  # passed over by a walk: not regular files
        # Passed over as clearly no definition (FileResult.something_else), not named on
        # purpose.
        self.other_files: list[str] = []
        self.rules: list[Rule] = []  # every rule that ran, by code
        self.without_region: list[str] = []  # regional rules that did not run
        # The digest of the bytes each file's findings are about: a fix is made only to them.
        self.digests: dict[str, bytes] = {}
        # Asked for (``keep_compared``): every file of the run and the rest of its projects,
        # with its jobs, compared only: what a later run of the project compares with.
        self.compared: list[FileResult] = []
        self.rows_files: list[str] = []  # the rows files of fan-outs checked

    @property
    def has_errors(self) -> bool:
        return any(finding.severity is Severity.ERROR for finding in self.findings)

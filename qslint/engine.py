"""Runs the selected rules (:mod:`qslint.selection`) over sources, and turns what they
report into findings.

Nothing here knows a specific rule: rules are chosen by code prefix, fed by scope, and their
violations located, re-levelled, filtered by suppressions and sorted.

Every part of a job that validates is checked, whatever is wrong elsewhere in it. A valid
document is validated once into its job model: the hot path. A document with schema errors
(which the document rules, QS101–QS105, report) gives the job rules a partial job instead
(:func:`qslint.validation.partial_job`): the same model, holding what is valid and leaving
out each field that is not. A rule that reads a field the partial job lacks raises
:class:`~qslint.findings.MissingPart`: it cannot check the item holding that field (a sheet
selection, a file, a parameter), so it runs again without that item, and all it found counts
(:meth:`~qslint.validation.PartialJob.check_valid_parts`); a field missing outside any item
ends that rule's check of that job, with no error. Then, for one problem to give one finding,
a job rule's finding at a node with a schema error at or under it is dropped: a misspelt
`Files` is QS101, not also QS208's "this file group has no files". Only valid jobs are kept
for the repository rules (QS601) and for ``plan``/``apply``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from qslint.config import Config
from qslint.fanout.merging import merge_row_findings
from qslint.findings import Finding, Location, Mark, MissingPart, Severity
from qslint.results import REPOSITORY, CheckResult, FileResult, InternalError, Used
from qslint.rule import (
    CheckedJob,
    CurrentDocument,
    DocumentInput,
    Rule,
    RuleContext,
    SchemaError,
    Scope,
    SuppressionUse,
    Violation,
)
from qslint.sources import glob_matcher

if TYPE_CHECKING:
    from qslint.loader import Document, SourceFile


class SelectedRule(NamedTuple):
    rule: Rule
    severity: Severity
    context: RuleContext


class RuleSet:
    """The rules of a run, each with its severity and context, grouped by scope."""

    __slots__ = ("by_scope", "compared", "current", "idle", "known")

    def __init__(
        self,
        by_scope: Mapping[Scope, tuple[SelectedRule, ...]],
        current: CurrentDocument,  # the document being checked, which each context shows
        known: frozenset[str],  # every installed rule's code, selected or not
        # The top-level fields a job keeps to be compared (None: whole): what every installed
        # repository rule reads, selected or not; another configuration's rules compare it.
        compared: tuple[str, ...] | None,
        idle: frozenset[str],  # another run of the project judges them otherwise (selection)
    ) -> None:
        self.by_scope = by_scope
        self.current = current
        self.known = known
        self.compared = compared
        self.idle = idle

    def __getitem__(self, scope: Scope) -> tuple[SelectedRule, ...]:
        return self.by_scope.get(scope, ())

    @property
    def rules(self) -> list[Rule]:
        """Every selected rule, by code."""
        selected = (s.rule for group in self.by_scope.values() for s in group)
        return sorted(selected, key=lambda rule: rule.code)


def code_prefix(selector: str) -> str:
    """A selector as a prefix of the codes it selects: ``ALL`` selects every code."""
    return "" if selector == "ALL" else selector


class Checker:
    """Runs a :class:`RuleSet`: the per-file rules file by file, then the repository rules."""

    def __init__(
        self, rules: RuleSet, config: Config, *, excerpts: bool = False, indexed: bool = False
    ) -> None:
        """With ``indexed``, a file's jobs hold only what the repository rules read, when
        every one of them declares it (see :attr:`CheckedJob.data`): what a cache keeps."""
        self._rules = rules
        self._excerpts = excerpts
        self.reads = rules.compared
        self._index = self.reads if indexed else None
        self.limits = config.limits  # how files are read, here and when a job is read again
        self._region = config.region
        self._per_file_ignores = [  # as code prefixes, "ALL" being all of them
            (glob_matcher([pattern]), tuple(map(code_prefix, codes)))
            for pattern, codes in config.per_file_ignores.items()
        ]

    def check_source(self, source: SourceFile, relative_path: str) -> FileResult:
        """The findings of the file, document and job rules in one file, and its valid jobs."""
        result = FileResult(
            path=source.path,
            ignored=tuple(
                code
                for matches, codes in self._per_file_ignores
                if matches(relative_path)
                for code in codes
            ),
        )
        # pydantic is imported with the first document to check: a run served from the cache
        # never pays for it.
        from qslint.validation import partial_job, unrelated_documents, validate_document

        unrelated = unrelated_documents(source)
        result.something_else = unrelated.something_else
        source.problems += unrelated.problems  # QS100's: no other rule sees those documents
        findings = self._collect(Scope.FILE, result, source, source, None)
        rows: list[tuple[Finding, Document]] = []  # the findings in a fan-out's rows
        # The rows of a template share its top-level fields and their marks: found once.
        row_marks: dict[int, dict[tuple[str, bool], Mark]] = {}
        for index, document in enumerate(source.documents):
            if index in unrelated.indexes:
                continue
            self._rules.current.document = document
            validated = validate_document(document)
            errors = validated if isinstance(validated, list) else []
            document_input = DocumentInput(source=source, document=document, errors=errors)
            found = self._collect(Scope.DOCUMENT, result, document_input, source, index)
            if errors:
                job_findings = self._collect(
                    Scope.JOB, result, partial_job(document.data), source, index, partial=True
                )
                found += _away_from(errors, job_findings)
            else:
                marks = row_marks.get(id(document.keys)) if document.row else None
                if marks is None:
                    marks = _field_marks(document, self._index)
                    if document.row:
                        row_marks[id(document.keys)] = marks
                job = CheckedJob(
                    _job_data(document, self._index),
                    source.path,
                    index,
                    document.start,
                    marks,
                    region=self._region,
                    row=document.row,
                )
                result.jobs.append(job)
                found += self._collect(Scope.JOB, result, validated, source, index)
            if document.row is None:
                findings += found
            else:
                rows += [(finding, document) for finding in found]
        findings += merge_row_findings(rows)
        self._rules.current.document = None
        used: set[Used] = set()
        result.findings = _kept(findings, source, result.ignored, used)
        result.suppressions = tuple(source.suppressions.values())
        result.suppressed = frozenset(used)
        result.rows_files = source.rows_files
        result.rows_read = source.rows_read
        return result

    def check_repository(
        self,
        results: Sequence[FileResult],
        own: Collection[str],
        read: Callable[[str], SourceFile],
    ) -> FileResult:
        """The repository rules' findings over every job of ``results``, on the jobs of the
        files in ``own``; ``read`` gives a file again, to locate and suppress findings in it."""
        ignored = {file.path: file.ignored for file in results}
        jobs = [job for file in results for job in file.jobs]
        repository = FileResult(path=REPOSITORY)
        used: set[Used] = set()
        for selected in self._rules[Scope.REPOSITORY]:
            seen = [job for job in jobs if job.holds(selected.rule.reads or ())]
            for job, violation in self._run(selected, repository, seen):
                if job.file not in own:
                    continue
                source = read(job.file)
                finding = self._finding(selected, violation, source, job.document)
                if _suppressed_elsewhere(finding, read, used):
                    continue
                repository.findings += _kept([finding], source, ignored.get(source.path, ()), used)
        repository.suppressed = frozenset(used)
        return repository

    def check_suppressions(self, result: FileResult, used: Collection[Used]) -> FileResult:
        """``result`` with the findings of the rules on its suppression comments, given
        every finding the run's comments suppressed (``used``)."""
        rules = self._rules[Scope.SUPPRESSIONS]
        if not result.suppressions or not rules:
            return result
        by_line: dict[int, set[str]] = {}
        for file, line, code in used:
            if file == result.path:
                by_line.setdefault(line, set()).add(code)
        scopes = self._rules.by_scope.values()
        in_force = [s for g in scopes for s in g if not s.rule.code.startswith(result.ignored)]
        unable = [s.rule for s in in_force if not s.rule.judges(s.context)]
        idle = {rule.code for rule in unable if rule.regional} | self._rules.idle
        use = SuppressionUse(
            result.path,
            result.suppressions,
            {line: frozenset(codes) for line, codes in by_line.items()},
            frozenset(s.rule.code for s in in_force) - {rule.code for rule in unable},
            self._rules.known,
            frozenset(code for code in idle if not code.startswith(result.ignored)),
        )
        checked = result.replace(findings=list(result.findings))
        for selected in rules:
            for violation in self._run(selected, checked, use):
                mark = violation.mark or Mark(1, 1)
                if not any(selected.rule.code.startswith(code) for code in result.ignored):
                    checked.findings.append(
                        Finding(
                            code=selected.rule.code,
                            severity=selected.severity,
                            message=violation.message,
                            location=Location(result.path, mark.line, mark.column),
                            fix=violation.fix,
                        )
                    )
        return checked

    @staticmethod
    def finish(results: Sequence[FileResult], repository: FileResult) -> CheckResult:
        """The whole run: every file's findings and the repository's, sorted."""
        result = CheckResult(files=[file.path for file in results])
        for file in (*results, repository):
            result.findings += file.findings
            result.jobs += file.jobs
            result.internal_errors += file.internal_errors
            result.rows_files += file.rows_files
        result.findings = sorted(dict.fromkeys(result.findings), key=Finding.sort_key)
        return result

    def _collect(
        self,
        scope: Scope,
        result: FileResult,
        subject: Any,  # what the scope's rules check: the file, a document or a job
        source: SourceFile,
        index: int | None,  # of the document; None for the file itself
        *,
        partial: bool = False,  # ``subject`` is a PartialJob
    ) -> list[Finding]:
        return [
            self._finding(selected, violation, source, index)
            for selected in self._rules[scope]
            for violation in self._run(selected, result, subject, partial=partial)
        ]

    @staticmethod
    def _run(
        selected: SelectedRule, result: FileResult, subject: Any, *, partial: bool = False
    ) -> list[Any]:
        """What the rule finds in ``subject``; nothing more once it raises, which is recorded
        unless the rule read a part that a partial job lacks: it cannot check the rest."""
        found: list[Any] = []
        try:
            if partial:
                context = selected.context
                subject.check_valid_parts(lambda job: selected.rule.check(job, context), found)
            else:
                found.extend(selected.rule.check(subject, selected.context))
        except MissingPart:
            pass
        except Exception as error:  # one broken rule must not hide the other findings
            import traceback  # only for a rule that raised

            details = "".join(traceback.format_exception(error))
            failure = InternalError(result.path, selected.rule.code, type(error).__name__, details)
            result.internal_errors.append(failure)
        return found

    def _finding(
        self,
        selected: SelectedRule,
        violation: Violation,
        source: SourceFile,
        index: int | None,  # of the document the violation is in; None for the file itself
    ) -> Finding:
        # The file read again for a repository finding may no longer hold the job's document
        # (saved since, and not read by this run): then the finding is placed at its start.
        known = index is not None and index < len(source.documents)
        document = source.documents[index] if known else None
        if violation.mark is not None:
            mark = violation.mark
        elif document is not None:
            mark = document.locate(violation.path, key=violation.key)
        else:
            mark = Mark(1, 1)
        return Finding(
            code=selected.rule.code,
            severity=selected.severity,
            message=violation.message,
            location=Location(
                violation.file or source.path, mark.line, mark.column, violation.path
            ),
            related=violation.related,
            # Lines of a file that did not parse may hold sensitive values nobody located.
            excerpt=source.excerpt(mark.line) if self._excerpts and document else None,
            # The fixer must know which document of the file the fix's paths are in.
            fix=violation.fix._replace(document=source.written_index(index))
            if violation.fix and index is not None
            else None,
        )


def keyed_reads(rule_sets: Sequence[RuleSet]) -> tuple[str, ...] | None:
    """The fields the project index keeps, when every repository rule of ``rule_sets`` is
    keyed by some of them (and all read the same): a run then needs only the jobs of the
    rest of the project that are equal to one of its own in a rule's key. None otherwise."""
    reads = {rules.compared for rules in rule_sets}
    every = [selected.rule for rules in rule_sets for selected in rules[Scope.REPOSITORY]]
    if len(reads) != 1 or not all(rule.keyed for rule in every):
        return None
    return reads.pop()


def related_jobs(
    rule_sets: Sequence[RuleSet], reads: Sequence[str], own: Iterable[Sequence[Any]]
) -> Callable[[Sequence[Any]], bool]:
    """Whether a job, by its values of ``reads`` (in that order, None for a field it lacks,
    as the project index keeps them), is equal in some keyed rule's key to one of ``own``
    (the run's jobs, the same way): the only jobs of the rest of the project that rule
    compares them with. An unhashable value is related to everything: never too few."""
    own = list(own)
    position = {name: number for number, name in enumerate(reads)}
    keys_by_rule = []
    keyed = {s.rule.code: s.rule for rules in rule_sets for s in rules[Scope.REPOSITORY]}
    for rule in keyed.values():
        fields = [position[name] for name in rule.reads or ()]
        try:
            keys_by_rule.append((fields, {_key(values, fields) for values in own}))
        except TypeError:
            return _everything

    def related(values: Sequence[Any]) -> bool:
        try:
            return any(_key(values, fields) in keys for fields, keys in keys_by_rule)
        except TypeError:
            return True

    return related


def _key(values: Sequence[Any], fields: Sequence[int]) -> tuple[Any, ...]:
    return tuple([values[field] for field in fields])


def _everything(values: Sequence[Any]) -> bool:
    return True


def _job_data(document: Document, index: tuple[str, ...] | None) -> bytes | dict[str, Any]:
    """A valid job's values for :class:`CheckedJob`: all of them pickled, or the fields of
    ``index`` alone."""
    if index is None:
        import pickle  # whole jobs only: a run with a project index keeps a few fields

        return pickle.dumps(document.data, pickle.HIGHEST_PROTOCOL)
    return {name: document.data[name] for name in index if name in document.data}


def _field_marks(document: Document, index: tuple[str, ...] | None) -> dict[tuple[str, bool], Mark]:
    """Where each top-level field (of ``index``, if given) and its value start: what a
    repository rule names."""
    return {
        _shared((name, key)): _shared(document.locate((name,), key=key))
        for name in document.data
        if index is None or name in index
        for key in (True, False)
    }


# The same field names and positions recur in most files: one object each, kept across the
# files a worker checks, is sent back once per batch of results instead of once per job
# (a 50,000-file run keeps every job's marks until the repository rules have run).
_SHARED: dict[object, Any] = {}
_SHARED_MAX = 100_000  # distinct ones; past that, it starts again (bounded memory)
_Value = TypeVar("_Value")


def _shared(value: _Value) -> _Value:
    if len(_SHARED) > _SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)  # type: ignore[no-any-return]


def _away_from(errors: Iterable[SchemaError], findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` less those at a node with a schema error at or under it: one problem,
    one finding (a file group whose misspelt `Files` is QS101 has no QS208 "no files")."""
    broken = {error.path[:length] for error in errors for length in range(len(error.path) + 1)}
    return [finding for finding in findings if finding.location.path not in broken]


def _suppressed_elsewhere(
    finding: Finding, read: Callable[[str], SourceFile], used: set[Used]
) -> bool:
    """Whether a comment at one of the finding's other places suppresses it: a repository
    finding is one problem in several places (two copies of a job), and which copy it is
    reported at depends on which files a run checks."""
    for place in finding.related:
        other = read(place.file)
        if other.is_suppressed(finding.code, place.line):
            used.add((other.path, place.line, finding.code))
            return True
    return False


def _kept(
    findings: Iterable[Finding], source: SourceFile, ignored: tuple[str, ...], used: set[Used]
) -> list[Finding]:
    """``findings`` less those dropped by per-file-ignores or suppressed by a comment; what a
    comment suppressed is added to ``used`` (what per-file-ignores drop reaches no comment)."""
    kept = []
    for finding in findings:
        line = finding.location.line
        if finding.code.startswith(ignored):
            continue
        # A finding in a fan-out's rows file is suppressed by no comment of the template.
        if finding.location.file == source.path and source.is_suppressed(finding.code, line):
            used.add((source.path, line, finding.code))
        else:
            kept.append(finding)
    return kept

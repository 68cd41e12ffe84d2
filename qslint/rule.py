"""The plugin API: how a rule is declared and how rules are discovered.

A rule is a plain, typed function decorated with one of :func:`file_rule`,
:func:`document_rule`, :func:`job_rule`, :func:`repository_rule` or
:func:`suppressions_rule`. The decorator names its
code, summary and default severity; the function's docstring is its documentation, in the
*What it does / Why is this bad? / Example / Fix* shape, and ``qslint rule CODE`` and the
README's rule table are generated from it. The body yields :class:`Violation` values that
point at a JSON path; the engine turns paths into lines and columns.

Rules are found through the ``qslint.rules`` entry-point group: every :class:`Rule` defined
in a module named there is loaded. The built-in rules use the same group, so any of them is
an example for writing your own.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from qslint.findings import (
    Edit,
    Fix,
    JsonPath,
    Location,
    Mark,
    MissingPart,
    Severity,
    closest,
    delete_node,
    did_you_mean,
    plural,
    replace_text,
    replace_value,
)
from qslint.records import FrozenRecord

if TYPE_CHECKING:
    from qslint.dashboards.index import Dashboards
    from qslint.loader import Document, SourceFile
    from qslint.loader.documents import FanOutRow
    from qslint.model import StartDashboardSnapshotJobRequest
    from qslint.suppressions import Suppression

__all__ = [
    "CheckedJob",
    "CurrentDocument",
    "DocumentInput",
    "Edit",
    "Fix",
    "MissingPart",
    "Rule",
    "RuleContext",
    "RuleOption",
    "SchemaError",
    "Scope",
    "Severity",
    "SuppressionUse",
    "Violation",
    "closest",
    "delete_node",
    "did_you_mean",
    "document_rule",
    "file_rule",
    "job_rule",
    "load_rules",
    "plural",
    "replace_text",
    "replace_value",
    "repository_rule",
    "suppressions_rule",
]

ENTRY_POINT_GROUP = "qslint.rules"
CODE_PATTERN = re.compile(r"^[A-Z]+[0-9]+$")
PROJECT_URL = "https://github.com/qslint/qslint"
BUILT_IN_PACKAGE = "qslint_rules"  # where the built-in rules are installed


class Scope(enum.StrEnum):
    """What a rule looks at."""

    FILE = "file"  # a file as read: its load problems
    DOCUMENT = "document"  # one parsed document and its schema errors
    JOB = "job"  # one job model: valid, or the valid parts of one with schema errors
    REPOSITORY = "repository"  # every valid job of the run together
    SUPPRESSIONS = "suppressions"  # a file's suppression comments, once every rule has run


class Violation(NamedTuple):
    """What a rule reports: a message at the node of ``path`` (at its key with ``key``)."""

    message: str
    path: JsonPath = ()
    key: bool = False
    mark: Mark | None = None  # an explicit position, for problems that have no path
    file: str | None = None  # where ``mark`` is, when not in the file checked (a rows file)
    related: tuple[Location, ...] = ()
    fix: Fix | None = None  # a safe change that removes the problem (``qslint check --fix``)


class SchemaError(NamedTuple):
    """A validation error of the request model, reduced to what rules need."""

    type: str
    path: JsonPath
    input: Any
    context: Mapping[str, Any]


class DocumentInput(NamedTuple):
    """One document of a file with the result of validating it."""

    source: SourceFile
    document: Document
    errors: Sequence[SchemaError]


class CheckedJob(NamedTuple):
    """A valid job and where it came from, for rules that look across files.

    A run keeps one per job, thousands of them, so it holds the job's values pickled (about
    2 KB instead of 12 KB of model objects) and, of its positions, only where its top-level
    fields start: ``job`` builds the model on each access (keep it in a local). A rule that
    needs a few values of every job reads ``values``: validating thousands of jobs again
    costs more than the rule.

    In a run with a cache, when every repository rule declares the fields it ``reads``, a
    job holds only those fields and their positions (the project index, see
    :mod:`qslint.cache`): ``values`` has those keys alone, and ``job`` cannot be built.
    """

    # The document's values, pickled (in memory only: never stored); or only the fields
    # the run's repository rules read, as plain values.
    data: bytes | Mapping[str, Any]
    file: str  # as displayed, relative to the working directory where possible
    document: int  # which document of the file
    start: Mark  # where that document starts, to order jobs as their files do
    # (name, key?) -> mark; a job made without them shares this empty one: never changed.
    fields: Mapping[tuple[str, bool], Mark] = {}
    # False for a job of the project whose file the run does not check (the pre-commit hook
    # names the staged files only): it is compared with, and its findings are not reported.
    checked: bool = True
    region: str | None = None  # where its file's configuration submits it
    row: FanOutRow | None = None  # the fan-out row that gave it, if a template did

    @property
    def values(self) -> dict[str, Any]:
        """The job's values as written (``job`` is these, validated), without validating."""
        if not isinstance(self.data, bytes):
            return dict(self.data)
        import pickle  # loaded already by whoever pickled the values

        values: dict[str, Any] = pickle.loads(self.data)
        return values

    def holds(self, fields: Iterable[str]) -> bool:
        """Whether the job keeps a value of each of ``fields``: a slim one keeps those of the
        fields the repository rules read that the job has (a pickled one keeps them all)."""
        return isinstance(self.data, bytes) or all(name in self.data for name in fields)

    @property
    def job(self) -> StartDashboardSnapshotJobRequest:
        from qslint.compiled_model import Request, validate

        return validate(Request, self.values)

    def locate(self, path: JsonPath = (), *, key: bool = False) -> Location:
        """Where the top-level field of ``path`` starts (the document, without one): a run
        keeps no deeper positions of every job, so a deeper path is located at its field."""
        field_path = path[:1]
        mark = self.fields.get((str(path[0]), key), self.start) if path else self.start
        return Location(self.file, mark.line, mark.column, field_path)


class SuppressionUse(NamedTuple):
    """A file's suppression comments, and the codes of the findings each one suppressed."""

    file: str
    suppressions: Sequence[Suppression]
    used: Mapping[int, frozenset[str]]  # by line: the codes suppressed there
    # The codes of the rules that could report in this file in this run (selected, not
    # ignored for it, their inputs at hand), and of every installed rule: a suppression of
    # a known code no rule could report here is not judged.
    judged: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    # Rules that another run of the project judges otherwise: those that need the region,
    # where none is known or it is not the configuration's own (each machine's environment
    # gives one, or not, and --region another), and those the command line's --select or
    # --ignore drops. A suppression that covers one, bare or by a prefix, is not judged:
    # here it may look unused, and be needed where they run.
    idle: frozenset[str] = frozenset()


class CurrentDocument:
    """The document whose rules are running; the engine moves it from one to the next."""

    document: Document | None = None


class RuleContext(FrozenRecord):
    """What a rule may know besides its input: the run's region, its own options, the
    dashboards the jobs export when cross-checking was asked for (``None`` otherwise), and
    where the nodes of the document being checked are (to order findings as the file does)."""

    __match_args__ = ("region", "options", "dashboards", "current")
    __slots__ = __match_args__

    def __init__(
        self,
        region: str | None,
        options: Mapping[str, Any],
        dashboards: Dashboards | None = None,
        current: CurrentDocument | None = None,
    ) -> None:
        current = CurrentDocument() if current is None else current
        self._set(region=region, options=options, dashboards=dashboards, current=current)

    def __eq__(self, other: object) -> bool:  # where the run is (``current``) does not count
        if not isinstance(other, RuleContext) or type(other) is not type(self):
            return NotImplemented
        compared = (self.region, self.options, self.dashboards)
        return compared == (other.region, other.options, other.dashboards)

    __hash__ = None  # type: ignore[assignment]  # its options are a mapping

    def position(self, path: JsonPath) -> tuple[int, int]:
        """``(line, column)`` of the node at ``path`` in the document being checked."""
        document = self.current.document
        if document is None:
            return (0, 0)
        mark = document.locate(path)
        return (mark.line, mark.column)

    def literals(self, path: JsonPath) -> frozenset[str]:
        """The `${...}` that the value at ``path`` holds on purpose: a fan-out's template
        wrote them escaped, `$${...}`."""
        document = self.current.document
        return document.literals.get(path, frozenset()) if document is not None else frozenset()


class RuleOption(NamedTuple):
    """A setting of a rule, set in ``[tool.qslint.options.CODE]``."""

    name: str
    default: int | str | bool
    description: str
    minimum: int = 0  # the least an integer option may be set to: counts are never negative


class Rule(NamedTuple):
    code: str
    summary: str
    severity: Severity
    scope: Scope
    check: Callable[..., Iterable[Any]]
    options: tuple[RuleOption, ...] = ()
    module: str = ""
    fixable: bool = False
    url: str = ""  # where a plugin documents the rule
    cross_checks: bool = False  # reads the run's dashboards, and is silent without them
    regional: bool = False  # reads the region jobs are submitted in, and is silent without one
    # A repository rule's top-level fields of each job that it reads (``values[name]``):
    # what the cache's project index keeps. None: the rule reads whole jobs.
    reads: tuple[str, ...] | None = None
    # The fields it reads are a job's key: it compares a job only with the jobs whose values
    # of them all are equal to its own. A run over a few files of a large project then gives
    # it only those jobs of the other files, from the index.
    keyed: bool = False

    @property
    def name(self) -> str:
        return self.check.__name__.replace("_", "-")

    def judges(self, context: RuleContext) -> bool:
        """Whether the rule can find anything in ``context``: a cross-check needs the run's
        dashboards, a regional rule its region. Silent without, it is not said to pass."""
        return not (self.cross_checks and context.dashboards is None) and not (
            self.regional and context.region is None
        )

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or self.summary)

    @property
    def help_uri(self) -> str:
        """Where the rule is documented: its ``url``; for a built-in rule, its row in the
        README's rule table (anchored by the code); else nowhere (empty)."""
        if self.url or self.module.partition(".")[0] != BUILT_IN_PACKAGE:
            return self.url
        return f"{PROJECT_URL}#{self.code.lower()}"

    @property
    def documentation(self) -> str:
        """The rule's full documentation in Markdown, as ``qslint rule CODE`` prints it."""
        options = "".join(
            f"\n- `{option.name}` (default {option.default!r}): {option.description}"
            for option in self.options
        )
        text = f"# {self.code} {self.name} ({self.severity})\n\n{self.summary}.\n\n{self.doc}"
        return f"{text}\n\n## Options{options}" if options else text


FileCheck = Callable[["SourceFile", RuleContext], Iterable[Violation]]
DocumentCheck = Callable[[DocumentInput, RuleContext], Iterable[Violation]]
JobCheck = Callable[["StartDashboardSnapshotJobRequest", RuleContext], Iterable[Violation]]
RepositoryCheck = Callable[
    [Sequence[CheckedJob], RuleContext], Iterable[tuple[CheckedJob, Violation]]
]
SuppressionsCheck = Callable[[SuppressionUse, RuleContext], Iterable[Violation]]


CheckT = TypeVar("CheckT", bound=Callable[..., Iterable[Any]])


class RuleDeclarer(Generic[CheckT]):
    """A decorator factory: ``@job_rule("QS201", "summary", severity=..., options=...)``."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def __call__(
        self,
        code: str,
        summary: str,
        *,
        severity: Severity = Severity.ERROR,
        options: Sequence[RuleOption] = (),
        fixable: bool = False,
        url: str = "",
        cross_checks: bool = False,
        regional: bool = False,
        reads: Sequence[str] | None = None,
        keyed: bool = False,
    ) -> Callable[[CheckT], Rule]:
        if not CODE_PATTERN.match(code):
            raise ValueError(f"rule code {code!r} must be letters then digits, like QS201")
        if reads is not None and self.scope is not Scope.REPOSITORY:
            raise ValueError(f"rule {code}: only a repository rule declares the fields it reads")
        if keyed and not reads:  # no field to be equal in: every job would be related
            raise ValueError(f"rule {code}: a keyed rule declares the fields it reads")

        def declare(check: CheckT) -> Rule:
            return Rule(
                code=code,
                summary=summary,
                severity=severity,
                scope=self.scope,
                check=check,
                options=tuple(options),
                module=check.__module__,
                fixable=fixable,
                url=url,
                cross_checks=cross_checks,
                regional=regional,
                reads=None if reads is None else tuple(reads),
                keyed=keyed,
            )

        return declare


# ``check(source, context)``: a file as read, with its load problems.
file_rule: RuleDeclarer[FileCheck] = RuleDeclarer(Scope.FILE)
# ``check(document, context)``: a parsed document and its schema errors.
document_rule: RuleDeclarer[DocumentCheck] = RuleDeclarer(Scope.DOCUMENT)
# ``check(job, context)``: one job. Of a document with schema errors, the job holds only the
# valid parts: reading one that is not there raises ``MissingPart``, which the engine takes as
# "this rule cannot check this job" (see qslint.engine).
job_rule: RuleDeclarer[JobCheck] = RuleDeclarer(Scope.JOB)
# ``check(jobs, context)``: every valid job of a run, yielding ``(job, violation)`` pairs.
# ``reads=("AwsAccountId", ...)`` names the only fields of a job it reads: the cache then
# keeps those of every file, and a run that checks a few files reads no other file again.
# ``keyed=True`` says the rule compares only jobs equal in all of them (QS601's duplicates).
repository_rule: RuleDeclarer[RepositoryCheck] = RuleDeclarer(Scope.REPOSITORY)
# ``check(use, context)``: a file's suppression comments and what each suppressed.
suppressions_rule: RuleDeclarer[SuppressionsCheck] = RuleDeclarer(Scope.SUPPRESSIONS)


class RuleLoadError(Exception):
    """A rule plugin that cannot be loaded, or two rules with one code."""


def rules_in_module(module: ModuleType) -> list[Rule]:
    return [value for value in vars(module).values() if isinstance(value, Rule)]


def plugin_entry_points(group: str = ENTRY_POINT_GROUP) -> list[tuple[str, str]]:
    """``(name, value)`` of every entry point in ``group`` of the distributions on sys.path.

    What ``importlib.metadata.entry_points(group=...)`` returns for installed distributions
    (the first distribution of a name on sys.path wins), read straight from their
    ``entry_points.txt``: importlib.metadata parses every distribution's metadata to get
    there, ~25 ms that every run, warm or single-file, would pay.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for folder in sys.path:
        try:
            # Names, not a Path per entry: the standard library's folders hold hundreds.
            names = sorted(os.listdir(folder or "."))  # noqa: PTH208
        except OSError:  # a zip file or a folder that does not exist
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            distribution = re.sub(r"[-_.]+", "-", name.rsplit(".", 1)[0].split("-")[0]).lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            listed = os.path.join(folder or ".", name, "entry_points.txt")  # noqa: PTH118
            found += _group_entries(listed, group)
    return found


def _group_entries(path: str | Path, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of one section of an ``entry_points.txt``, an INI file
    read as importlib.metadata reads it: line by line, ``=`` the only delimiter."""
    try:
        with open(path, encoding="utf-8") as file:  # noqa: PTH123 - a str: ~35 files a run
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return []
    header = f"[{group}]"
    if header not in text:
        return []
    entries: list[tuple[str, str]] = []
    inside = False
    for line in map(str.strip, text.splitlines()):
        if line.startswith("["):
            inside = line == header
        elif inside and line and not line.startswith("#"):
            name, delimiter, value = line.partition("=")
            if delimiter:
                entries.append((name.strip(), value.strip()))
    return entries


def _load_entry_point(value: str) -> Any:
    module, _, attribute = value.partition(":")
    loaded: Any = importlib.import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        loaded = getattr(loaded, part)
    return loaded


def load_rules() -> list[Rule]:
    """Every rule of every installed plugin, sorted by code."""
    by_code: dict[str, Rule] = {}
    for name, value in plugin_entry_points():
        try:
            module = _load_entry_point(value)
        except Exception as error:  # a broken plugin must not look like a qslint crash
            raise RuleLoadError(f"cannot load rule plugin {name!r} ({value}): {error}") from error
        for rule in rules_in_module(module):
            other = by_code.setdefault(rule.code, rule)
            if other is not rule:
                raise RuleLoadError(
                    f"rule code {rule.code} is declared twice: in {other.module} and {rule.module}"
                )
    return sorted(by_code.values(), key=lambda rule: rule.code)


def fields_read(rules: Sequence[Rule]) -> tuple[str, ...] | None:
    """The top-level fields the repository rules among ``rules`` read; None when one of
    them reads whole jobs."""
    read: set[str] = set()
    for rule in rules:
        if rule.scope is Scope.REPOSITORY:
            if rule.reads is None:
                return None
            read.update(rule.reads)
    return tuple(sorted(read))

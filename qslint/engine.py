"""Selects rules, runs them over sources, and turns what they report into findings.

Nothing here knows a specific rule: rules are chosen by code prefix, fed by scope, and their
violations located, re-levelled, filtered by suppressions and sorted.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pathspec import GitIgnoreSpec
from pydantic import ValidationError

from qslint.config import Config, ConfigError
from qslint.findings import Finding, Fix, Location, Severity
from qslint.loader import Document, Mark, SourceFile
from qslint.model import StartDashboardSnapshotJobRequest
from qslint.rule import (
    CheckedJob,
    CurrentDocument,
    DocumentInput,
    Rule,
    RuleContext,
    SchemaError,
    Scope,
    Violation,
)


@dataclass(frozen=True)
class SelectedRule:
    rule: Rule
    severity: Severity
    context: RuleContext


@dataclass(frozen=True)
class RuleSet:
    """The rules of a run, each with its severity and context, grouped by scope."""

    by_scope: Mapping[Scope, tuple[SelectedRule, ...]]
    current: CurrentDocument = field(default_factory=CurrentDocument)

    def __getitem__(self, scope: Scope) -> tuple[SelectedRule, ...]:
        return self.by_scope.get(scope, ())

    @property
    def rules(self) -> list[Rule]:
        """Every selected rule, by code."""
        selected = (s.rule for group in self.by_scope.values() for s in group)
        return sorted(selected, key=lambda rule: rule.code)


@dataclass(frozen=True)
class InternalError:
    """A rule that raised: a bug in qslint or a plugin, reported without a traceback."""

    file: str
    code: str
    error: BaseException


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[InternalError] = field(default_factory=list)
    jobs: list[CheckedJob] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(finding.severity is Severity.ERROR for finding in self.findings)


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff's resolution: the longest matching selector wins; on a tie, ``ignore`` does."""
    select = [_prefix(s) for s in select] or [""]
    selectors = [(len(prefix), True) for prefix in select if code.startswith(prefix)]
    selectors += [(len(p), False) for p in map(_prefix, ignore) if code.startswith(p)]
    if not selectors:
        return False
    longest = max(length for length, _ in selectors)
    return all(on for length, on in selectors if length == longest)


def _prefix(selector: str) -> str:
    return "" if selector == "ALL" else selector


def select_rules(rules: Sequence[Rule], config: Config, region: str | None) -> RuleSet:
    """The configured rules, or a :class:`ConfigError` naming what does not exist."""
    codes = {rule.code for rule in rules}
    _check_selectors(codes, config)
    current = CurrentDocument()
    by_scope: dict[Scope, list[SelectedRule]] = {}
    for rule in rules:
        if not is_selected(rule.code, config.select, config.ignore):
            continue
        options = _rule_options(rule, config.options.get(rule.code, {}), config)
        selected = SelectedRule(
            rule=rule,
            severity=config.severity.get(rule.code, rule.severity),
            context=RuleContext(region=region, options=options, current=current),
        )
        by_scope.setdefault(rule.scope, []).append(selected)
    return RuleSet({scope: tuple(group) for scope, group in by_scope.items()}, current)


def _check_selectors(codes: set[str], config: Config) -> None:
    where = f"{config.file}: " if config.file else ""
    named = [
        *(("select", s) for s in config.select),
        *(("ignore", s) for s in config.ignore),
        *(("per-file-ignores", s) for codes_ in config.per_file_ignores.values() for s in codes_),
    ]
    for key, selector in named:
        if selector != "ALL" and not any(code.startswith(selector) for code in codes):
            raise ConfigError(f"{where}`{key}`: {selector!r} matches no rule")
    for key, table in (("severity", config.severity), ("options", config.options)):
        for code in table:
            if code not in codes:
                raise ConfigError(f"{where}`{key}.{code}`: there is no rule {code}")


def _rule_options(rule: Rule, given: Mapping[str, Any], config: Config) -> dict[str, Any]:
    declared = {option.name: option for option in rule.options}
    for name, value in given.items():
        option = declared.get(name)
        where = f"{config.file}: `options.{rule.code}.{name}`"
        if option is None:
            known = ", ".join(declared) or "none"
            raise ConfigError(f"{where}: {rule.code} has no such option (its options: {known})")
        if type(value) is not type(option.default):
            kind = type(option.default).__name__
            raise ConfigError(f"{where} must be of type {kind}")
    return {option.name: given.get(option.name, option.default) for option in rule.options}


def validate_document(document: Document) -> StartDashboardSnapshotJobRequest | list[SchemaError]:
    try:
        return StartDashboardSnapshotJobRequest.model_validate(document.data)
    except ValidationError as error:
        return [
            SchemaError(
                type=detail["type"],
                path=tuple(detail["loc"]),
                input=detail.get("input"),
                context=detail.get("ctx", {}),
            )
            for detail in error.errors(include_url=False)
        ]


class Checker:
    """Runs a :class:`RuleSet` over sources and collects findings."""

    def __init__(self, rules: RuleSet, config: Config, *, excerpts: bool = False) -> None:
        self._rules = rules
        self._excerpts = excerpts
        self._per_file_ignores = [
            (GitIgnoreSpec.from_lines([pattern]), codes)
            for pattern, codes in config.per_file_ignores.items()
        ]
        self.result = CheckResult()
        self._ignored: dict[str, tuple[str, ...]] = {}

    def check_source(self, source: SourceFile, relative_path: str) -> None:
        """Check one file; keep its valid jobs for the repository rules."""
        self.result.files.append(source.path)
        self._ignored[source.path] = tuple(
            code
            for spec, codes in self._per_file_ignores
            if spec.match_file(relative_path)
            for code in codes
        )
        findings: list[Finding] = []
        for selected in self._rules[Scope.FILE]:
            for violation in self._run(selected, source.path, source, selected.context):
                findings.append(self._finding(selected, violation, source, None))
        for index, document in enumerate(source.documents):
            self._rules.current.document = document
            validated = validate_document(document)
            errors = validated if isinstance(validated, list) else []
            document_input = DocumentInput(source=source, document=document, errors=errors)
            for selected in self._rules[Scope.DOCUMENT]:
                for violation in self._run(selected, source.path, document_input, selected.context):
                    findings.append(self._finding(selected, violation, source, document))
            if isinstance(validated, StartDashboardSnapshotJobRequest):
                data = pickle.dumps(document.data, pickle.HIGHEST_PROTOCOL)
                checked = CheckedJob(data, source.path, index, document.start)
                self.result.jobs.append(checked)
                for selected in self._rules[Scope.JOB]:
                    for violation in self._run(selected, source.path, validated, selected.context):
                        findings.append(self._finding(selected, violation, source, document))
        self._keep(findings, source)

    def finish(self) -> CheckResult:
        """Run the repository rules over every job seen, and return the sorted result."""
        for selected in self._rules[Scope.REPOSITORY]:
            for job, violation in self._run(
                selected, "<repository>", self.result.jobs, selected.context
            ):
                source, document = job.load()
                self._keep([self._finding(selected, violation, source, document)], source)
        unique = dict.fromkeys(self.result.findings)
        self.result.findings = sorted(unique, key=Finding.sort_key)
        return self.result

    def _keep(self, findings: Iterable[Finding], source: SourceFile) -> None:
        ignored = self._ignored.get(source.path, ())
        for finding in findings:
            code, line = finding.code, finding.location.line
            if source.is_suppressed(code, line) or any(code.startswith(i) for i in ignored):
                continue
            self.result.findings.append(finding)

    def _run(self, selected: SelectedRule, file: str, *arguments: Any) -> list[Any]:
        try:
            return list(selected.rule.check(*arguments))
        except Exception as error:  # one broken rule must not hide the other findings
            self.result.internal_errors.append(InternalError(file, selected.rule.code, error))
            return []

    def _finding(
        self,
        selected: SelectedRule,
        violation: Violation,
        source: SourceFile,
        document: Document | None,
    ) -> Finding:
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
            location=Location(source.path, mark.line, mark.column, violation.path),
            related=violation.related,
            # Lines of a file that did not parse may hold sensitive values nobody located.
            excerpt=source.excerpt(mark.line) if self._excerpts and document else None,
            fix=_fix_in_document(violation.fix, source, document),
        )


def _fix_in_document(fix: Fix | None, source: SourceFile, document: Document | None) -> Fix | None:
    """A rule's fix, told which document of the file it edits."""
    if fix is None or document is None:
        return None
    index = next(i for i, candidate in enumerate(source.documents) if candidate is document)
    return replace(fix, document=index)

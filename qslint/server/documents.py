"""Lint the documents an editor holds, as ``qslint check`` lints files.

Every lint checks the open documents' text (instead of their files') with settings read
afresh (a configuration edited meanwhile counts), and compares them with every definition of
the workspace (so that QS601 sees them all) as its :class:`ProjectIndex` keeps them. A
document the configuration does not include, or that is clearly something else (a workflow
or another YAML file beside the definitions: the rule a walk and the pre-commit hook follow,
:func:`qslint.validation.unrelated_documents`), is not a definition: it gets no findings at
all, unless it is the rows file of a fan-out. Nor does a blank one, until something is
written in it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qslint.config import ConfigError, LoadLimits
from qslint.findings import Finding
from qslint.rule import Rule, RuleLoadError, load_rules
from qslint.runner import RuleSets, lint
from qslint.server.project import ProjectIndex
from qslint.settings import Settings
from qslint.sources import Selectors, SourceError


class LintError(Exception):
    """What stops every lint until the user fixes it: a configuration, a rule plugin."""


@dataclass
class LintResult:
    """The findings of each open document, by its absolute path."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)


class DefinitionLinter:
    """Lints open documents among the definitions of the workspace's folders, which it keeps
    in a :class:`ProjectIndex` between lints."""

    def __init__(self, folders: Sequence[Path], rules: Sequence[Rule] | None = None) -> None:
        self.folders = [folder.absolute() for folder in folders]
        self._rules = rules
        self._loaded: list[Rule] | None = None
        self.project = ProjectIndex()
        # Each open document's text, limits and whether it is clearly something else: a
        # keystroke lints every open document, and only the edited one changed.
        self._verdicts: dict[str, tuple[str, LoadLimits, bool]] = {}

    def _settings(self) -> Settings:
        return Settings(cwd=self.folders[0] if self.folders else Path.cwd())

    def rule_sets(self) -> RuleSets:
        """The rules, loaded once, to select for the configurations of one lint: a selection
        is remembered by its configuration object, and each lint reads them anew."""
        if self._loaded is None:
            try:
                self._loaded = list(load_rules() if self._rules is None else self._rules)
            except RuleLoadError as error:
                raise LintError(str(error)) from error
        return RuleSets(self._loaded)

    def refresh(self) -> None:
        """Walk the workspace's folders, as ``qslint check`` on them would (with its cache),
        and keep every definition's jobs for the lints to come."""
        inside = [folder for folder in self.folders if folder.is_dir()]
        rule_sets = self.rule_sets()
        try:
            checked = lint(
                inside, self._settings(), rule_sets, use_cache=True, workers=1, keep_compared=True
            )
        except (ConfigError, SourceError) as error:
            raise LintError(str(error)) from error
        gc.unfreeze()
        self.project.update(checked.compared, rule_sets.rules)
        # What the heap holds now (the index, the modules) lives until the next refresh: the
        # collector's full passes, which a keystroke's allocations trigger, need not scan it
        # (10 of ~40 ms per keystroke in a 2,000-definition workspace).
        gc.freeze()

    def limits(self, path: str, settings: Settings | None = None) -> LoadLimits:
        try:
            return (settings or self._settings()).for_file(path).limits
        except ConfigError:
            return LoadLimits()

    def workspace_limits(self) -> LoadLimits:
        """The limits of the configuration of the (first) workspace folder."""
        try:
            return self._settings().for_folder(self.folders[0]).limits
        except (ConfigError, IndexError):
            return LoadLimits()

    def is_definition(
        self, path: str, text: str, settings: Settings | None = None, *, blank: bool = False
    ) -> bool:
        """Whether the document is one ``check`` would lint and not clearly something else
        (or, with ``blank``, is still empty: it may become a definition)."""
        settings = settings or self._settings()
        try:
            if not Selectors(settings).selects_file(path):
                return False
        except ConfigError:
            return True  # the lint reports the configuration
        if not text.strip():
            return blank
        limits = self.limits(path, settings)
        known = self._verdicts.get(path)
        if known is None or known[:2] != (text, limits):
            from qslint.loader import load_source
            from qslint.validation import unrelated_documents

            source = load_source(path, text.encode("utf-8"), limits)
            known = (text, limits, unrelated_documents(source).something_else)
            self._verdicts[path] = known
        return not known[2]

    def lint(self, documents: Mapping[str, str], *, workspace: bool = True) -> LintResult:
        """The findings of each definition among ``documents`` (text by absolute path) and of
        each rows file among them; with ``workspace``, checked together with the definitions of
        the workspace's folders as the index holds them."""
        try:
            settings = self._settings()
            held = {
                path: text
                for path, text in documents.items()
                if self.is_definition(path, text, settings)
            }
            for closed in self._verdicts.keys() - documents.keys():
                del self._verdicts[closed]
            result = LintResult({path: [] for path in held})
            if workspace and not self.project.built:
                self.refresh()
            # An open document may be a fan-out's rows file: then the templates that read it
            # are checked with it, so that its rows' findings show in it.
            templates = [  # as the last refresh found them: one may be gone since
                template
                for template in (self.project.templates_reading(documents) if workspace else ())
                if template in documents or os.path.isfile(template)  # noqa: PTH113
            ]
            paths = [Path(path) for path in dict.fromkeys([*held, *templates])]
            if not paths:
                return result
            checked = lint(
                paths,
                settings,
                self.rule_sets(),
                workers=1,  # the server's own process: no workers forked under its event loop
                # Every open document: a fan-out reads its rows file as the editor has it.
                overlay={path: text.encode("utf-8") for path, text in documents.items()},
                compared=self.project.compared() if workspace else [],
            )
        except (ConfigError, SourceError) as error:
            raise LintError(str(error)) from error
        rows_files = {os.path.abspath(file) for file in checked.rows_files}  # noqa: PTH100
        for path in rows_files.intersection(documents):
            result.findings.setdefault(path, [])  # an open rows file: its findings, or none
        for finding in checked.findings:
            path = os.path.abspath(finding.location.file)  # noqa: PTH100
            if path in result.findings:
                result.findings[path].append(finding)
        return result

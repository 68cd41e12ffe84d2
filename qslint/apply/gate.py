"""The lint gate: the definitions checked exactly as ``qslint check`` checks them, then the
jobs to submit chosen from what passed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qslint.apply.plan import Plan, planned_jobs, select_changed
from qslint.results import CheckResult
from qslint.runner import RuleSets, lint
from qslint.settings import Settings
from qslint.sources import Selectors


@dataclass(frozen=True)
class Checked:
    """The lint gate's verdict and the plan it allows."""

    plan: Plan
    result: CheckResult  # the check of every definition under the paths


def check_and_plan(
    paths: Sequence[Path], settings: Settings, rule_sets: RuleSets, changed_since: str | None
) -> Checked:
    """Lint ``paths``, then choose the jobs to submit: every one, or those new or changed
    since git ``changed_since``. Raises ``SourceError`` and ``ChangesError``."""
    targets = list(paths) or [Path()]
    result = lint(targets, settings, rule_sets)

    def region_of(file: str) -> str | None:
        return settings.for_file(file).region

    jobs = planned_jobs(result.jobs, region_of)
    if changed_since is None:
        return Checked(Plan(jobs, []), result)
    from qslint.apply.changes import jobs_at

    before = jobs_at(changed_since, targets, Selectors(settings), Path.cwd())
    return Checked(select_changed(jobs, before, changed_since), result)

"""What a run compares the definitions with, found rather than guessed.

``--changed-since REF`` and ``--all`` say it outright. Otherwise, in a known CI, the platform
says what the push replaced: GitHub Actions in the push event (``before`` in the JSON at
``GITHUB_EVENT_PATH``), GitLab CI in ``CI_COMMIT_BEFORE_SHA``. A branch's first push (an
all-zero SHA) and a force push (a previous head that is not an ancestor of the commit checked
out) have no previous head to compare with: the run compares with the merge base of the
default branch, or refuses. A baseline is never silently "everything".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qslint.apply.changes import git_answer, head_commit

# GitHub caps a webhook's payload at 25 MB; an event file larger than that is no event.
MAX_EVENT_BYTES = 25 * 1024 * 1024
_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
_NO_COMMIT = re.compile(r"0+")
PUSHED = "the push's previous head"
_FULL_HISTORY = "fetch the full history (actions/checkout: fetch-depth: 0; GitLab: GIT_DEPTH: 0)"
CHOOSE = "pass --changed-since REF (the jobs new or changed since git REF) or --all (every job)"
OUTSIDE_CI = "outside a known CI, with neither --changed-since nor --all; apply needs one"


class BaselineError(Exception):
    """No baseline can be found and guessing would be wrong: a usage error."""


@dataclass(frozen=True)
class Baseline:
    """The git ref the jobs are compared with (``None``: every selected job), and why."""

    ref: str | None
    reason: str

    def describe(self) -> str:
        """``Compared with 1a2b3c…: the push's previous head (GitHub Actions push event).``"""
        if self.ref is None:
            return f"Compared with nothing: every selected job ({self.reason})."
        return f"Compared with {self.ref}: {self.reason}."


@dataclass(frozen=True)
class _Push:
    """What a CI platform says of the run: the commit to compare with and where it is from."""

    platform: str
    event: str
    previous: str | None  # None: the run has nothing to compare with (not a push)
    previous_is: str  # what ``previous`` is: the push's previous head, a pull request's base
    default_branch: str | None


def find_baseline(
    changed_since: str | None, every: bool, environ: Mapping[str, str], folder: Path
) -> Baseline | None:
    """The baseline of a run over the git repository holding ``folder``; ``None`` outside a
    known CI when neither ``--changed-since`` nor ``--all`` is given. Raises
    ``BaselineError`` and ``ChangesError`` (git could not answer)."""
    if changed_since is not None and every:
        raise BaselineError("--changed-since and --all exclude each other: pass one")
    if changed_since is not None:
        return Baseline(changed_since, "--changed-since")
    if every:
        return Baseline(None, "--all")
    push = _github(environ) or _gitlab(environ)
    if push is None:
        return None
    if push.previous is None:
        raise BaselineError(
            f"a {push.platform} {push.event} run has no push to compare with: {CHOOSE} "
            "(scheduled exports: --all --run-key $(date +%F))"
        )
    source = f"{push.platform} {push.event}"
    if not _COMMIT_ID.fullmatch(push.previous):
        raise BaselineError(f"{source}: {push.previous[:80]!r} is not a commit id")
    head = head_commit(folder)  # a ChangesError outside a git repository
    if _NO_COMMIT.fullmatch(push.previous):
        return _merge_base(push, folder, head, f"a branch's first push ({source})")
    commit = git_answer(
        ["rev-parse", "--verify", "--end-of-options", f"{push.previous}^{{commit}}"], folder
    )
    if commit is None and git_answer(["rev-parse", "--is-shallow-repository"], folder) == "true":
        raise BaselineError(
            f"{push.previous_is} {push.previous} is not in this shallow clone: "
            f"{_FULL_HISTORY}, or {CHOOSE}"
        )
    if commit is None or git_answer(["merge-base", "--is-ancestor", commit, head], folder) is None:
        if push.previous_is == PUSHED:
            why = f"a force push ({source}: {push.previous} was replaced)"
        else:
            why = f"{push.previous_is} {push.previous} is no ancestor of HEAD ({source})"
        return _merge_base(push, folder, head, why)
    return Baseline(commit, f"{push.previous_is} ({source})")


def _merge_base(push: _Push, folder: Path, head: str, why: str) -> Baseline:
    """The merge base of HEAD and the default branch, for a push with no previous head."""
    if not push.default_branch:
        raise BaselineError(f"{why}, and the default branch is unknown: {CHOOSE}")
    branch = push.default_branch
    ref = next(
        (
            candidate
            for candidate in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
            if git_answer(["rev-parse", "--verify", "--quiet", candidate], folder) is not None
        ),
        None,
    )
    if ref is None:
        raise BaselineError(
            f"{why}: the default branch {branch} is not in this clone: {_FULL_HISTORY}, or {CHOOSE}"
        )
    base = git_answer(["merge-base", "HEAD", ref], folder)
    if base is None:
        raise BaselineError(f"{why}: HEAD shares no history with {branch}: {CHOOSE}")
    if base == head:
        raise BaselineError(
            f"{why}: the default branch {branch} already holds HEAD, so its merge base shows "
            f"nothing of what the push changed: {CHOOSE}"
        )
    return Baseline(base, f"the merge base with {branch}, after {why}")


def _github(environ: Mapping[str, str]) -> _Push | None:
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    name = environ.get("GITHUB_EVENT_NAME", "push")
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        raise BaselineError(f"GITHUB_EVENT_PATH is not set, so the {name} event is unknown")
    event = _read_event(Path(path))
    if name == "push":
        member, previous_is = ("before",), PUSHED
    elif name.startswith("pull_request"):
        member, previous_is = ("pull_request", "base", "sha"), "the pull request's base"
    else:
        member, previous_is = (), ""
    previous = _member(event, *member) if member else None
    if member and previous is None:
        raise BaselineError(f"the {name} event in {path} has no `{'.'.join(member)}` commit")
    default = _member(event, "repository", "default_branch")
    return _Push("GitHub Actions", f"{name} event", previous, previous_is, default)


def _gitlab(environ: Mapping[str, str]) -> _Push | None:
    if environ.get("GITLAB_CI") != "true" and "CI_COMMIT_BEFORE_SHA" not in environ:
        return None
    source = environ.get("CI_PIPELINE_SOURCE", "push")
    if source == "push":
        variable, previous_is = "CI_COMMIT_BEFORE_SHA", PUSHED
    elif source == "merge_request_event":
        variable, previous_is = "CI_MERGE_REQUEST_DIFF_BASE_SHA", "the merge request's diff base"
    else:
        variable, previous_is = None, ""
    previous = environ.get(variable) if variable else None
    if variable and not previous:
        raise BaselineError(f"a GitLab CI {source} pipeline without {variable}: {CHOOSE}")
    default = environ.get("CI_DEFAULT_BRANCH")
    return _Push("GitLab CI", f"{source} pipeline", previous or None, previous_is, default)


def _read_event(path: Path) -> dict[str, Any]:
    """The event JSON, read within :data:`MAX_EVENT_BYTES`; anything else is a one-line error."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_EVENT_BYTES + 1)
    except OSError as error:
        raise BaselineError(f"cannot read the GitHub event {path}: {error.strerror}") from error
    if len(raw) > MAX_EVENT_BYTES:
        raise BaselineError(f"the GitHub event {path} is over {MAX_EVENT_BYTES} bytes")
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BaselineError(f"the GitHub event {path} is not JSON: {error}") from error
    if not isinstance(event, dict):
        raise BaselineError(f"the GitHub event {path} is not a JSON object")
    return event


def _member(event: Any, *keys: str) -> str | None:
    """The text at ``keys`` in the event's objects, ``None`` when there is none."""
    for key in keys:
        event = event.get(key) if isinstance(event, dict) else None
    return event if isinstance(event, str) and event else None

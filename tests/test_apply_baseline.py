"""What apply and plan compare with: the push's previous head in CI, found, never guessed.

Real git repositories, simulated CI environments (the variables and event files GitHub
Actions and GitLab CI give a run), real boto3 against the emulator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from applying import REGION, git, job_yaml, submitted_names

from qslint.apply.baseline import MAX_EVENT_BYTES
from qslint.emulator.server import Emulator

ZERO = "0" * 40


def edit_and_commit(repository: Path, *names: str, prefix: str = "edited") -> str:
    """Change the definitions ``names``, commit; the new HEAD."""
    for name in names:
        (repository / "jobs" / f"{name}.yaml").write_text(job_yaml(name, prefix=prefix))
    git("commit", "-q", "-am", f"edit {', '.join(names)}")
    return head()


def head(ref: str = "HEAD") -> str:
    return git("rev-parse", ref).strip()


def github_push(
    monkeypatch: pytest.MonkeyPatch, runner: Path, before: str, *, event: str = "push"
) -> None:
    path = runner / "event.json"
    payload = {"before": before, "after": head(), "repository": {"default_branch": "main"}}
    path.write_text(json.dumps(payload))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", event)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))


def gitlab_push(monkeypatch: pytest.MonkeyPatch, before: str) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PIPELINE_SOURCE", "push")
    monkeypatch.setenv("CI_COMMIT_BEFORE_SHA", before)
    monkeypatch.setenv("CI_DEFAULT_BRANCH", "main")


def apply_here(qslint, emulator: Emulator, *extra: str):
    endpoint = ["--region", REGION, "--endpoint-url", emulator.url, "--poll-interval", "1.0"]
    return qslint("apply", ".", *endpoint, *extra)


def test_github_push_of_one_edited_definition_of_30_starts_one_job(
    repository, runner, emulator, qslint, monkeypatch
):
    before = head()
    edit_and_commit(repository, "job-07")
    github_push(monkeypatch, runner, before)

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.splitlines()[0] == (
        f"Compared with {before}: the push's previous head (GitHub Actions push event)."
    )
    assert "Jobs to submit: 1" in plan.stdout

    result = apply_here(qslint, emulator)
    assert result.exit_code == 0, result.output
    assert submitted_names(emulator) == {"job-07": 1}


def test_gitlab_push_of_one_edited_definition_of_30_starts_one_job(
    repository, emulator, qslint, monkeypatch
):
    before = head()
    edit_and_commit(repository, "job-21")
    gitlab_push(monkeypatch, before)

    result = apply_here(qslint, emulator)
    assert result.exit_code == 0, result.output
    assert f"Compared with {before}: the push's previous head (GitLab CI push pipeline)." in (
        result.stderr
    )
    assert submitted_names(emulator) == {"job-21": 1}


def test_a_branchs_first_push_compares_with_the_merge_base_of_the_default_branch(
    repository, runner, emulator, qslint, monkeypatch
):
    base = head()
    git("switch", "-q", "-c", "feature")
    edit_and_commit(repository, "job-03")
    edit_and_commit(repository, "job-04")
    github_push(monkeypatch, runner, ZERO)

    result = apply_here(qslint, emulator)
    assert result.exit_code == 0, result.output
    assert f"Compared with {base}: the merge base with main, after a branch's first push" in (
        result.stderr
    )
    assert submitted_names(emulator) == {"job-03": 1, "job-04": 1}


def test_the_default_branchs_first_push_is_refused_not_taken_as_everything(
    repository, runner, emulator, qslint, monkeypatch
):
    github_push(monkeypatch, runner, ZERO)

    for command in (["plan", "."], ["apply", ".", "--endpoint-url", emulator.url]):
        result = qslint(*command)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("qslint: a branch's first push (GitHub Actions push")
        assert "the default branch main already holds HEAD" in result.stderr
        assert "--changed-since REF" in result.stderr
        assert "--all" in result.stderr
    assert emulator.service.calls() == []


def test_a_force_push_compares_with_the_merge_base_of_the_default_branch(
    repository, runner, emulator, qslint, monkeypatch
):
    base = head()
    git("switch", "-q", "-c", "feature")
    replaced = edit_and_commit(repository, "job-01")
    git("reset", "-q", "--hard", base)
    edit_and_commit(repository, "job-02")  # pushed with --force over `replaced`
    gitlab_push(monkeypatch, replaced)

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.splitlines()[0] == (
        f"Compared with {base}: the merge base with main, after a force push (GitLab CI push "
        f"pipeline: {replaced} was replaced)."
    )
    result = apply_here(qslint, emulator)
    assert result.exit_code == 0, result.output
    assert submitted_names(emulator) == {"job-02": 1}


def test_a_force_push_whose_previous_head_is_gone_from_a_full_clone_falls_back_too(
    repository, runner, qslint, monkeypatch
):
    base = head()
    git("switch", "-q", "-c", "feature")
    edit_and_commit(repository, "job-05")
    github_push(monkeypatch, runner, "f" * 40)

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.startswith(f"Compared with {base}: the merge base with main")
    assert "Jobs to submit: 1" in plan.stdout


def test_a_previous_head_missing_from_a_shallow_clone_asks_for_the_full_history(
    repository, runner, tmp_path_factory, qslint, monkeypatch
):
    before = head()
    edit_and_commit(repository, "job-09")
    clone = tmp_path_factory.mktemp("ci") / "clone"
    git("clone", "-q", "--depth", "1", f"file://{repository}", str(clone))
    monkeypatch.chdir(clone)
    github_push(monkeypatch, runner, before)

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert result.stderr == (
        f"qslint: the push's previous head {before} is not in this shallow clone: fetch the "
        "full history (actions/checkout: fetch-depth: 0; GitLab: GIT_DEPTH: 0), or pass "
        "--changed-since REF (the jobs new or changed since git REF) or --all (every job)\n"
    )


def test_outside_ci_apply_refuses_naming_both_options_and_plan_says_what_it_shows(
    repository, emulator, qslint
):
    edit_and_commit(repository, "job-07")

    result = apply_here(qslint, emulator)
    assert result.exit_code == 2
    assert result.stderr == (
        "qslint: outside a known CI, apply needs what to compare with: pass --changed-since "
        "REF (the jobs new or changed since git REF) or --all (every job)\n"
    )
    assert emulator.service.calls() == []

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.splitlines()[0] == (
        "Compared with nothing: every selected job (outside a known CI, with neither "
        "--changed-since nor --all; apply needs one)."
    )
    assert "Jobs to submit: 30" in plan.stdout


def test_the_options_override_the_ci_and_exclude_each_other(
    repository, runner, emulator, qslint, monkeypatch
):
    first = head()
    edit_and_commit(repository, "job-11")
    edit_and_commit(repository, "job-12")
    github_push(monkeypatch, runner, head("HEAD~1"))

    since = qslint("plan", ".", "--changed-since", first)
    assert since.stdout.splitlines()[0] == f"Compared with {first}: --changed-since."
    assert "Jobs to submit: 2" in since.stdout
    every = qslint("plan", ".", "--all")
    assert every.stdout.splitlines()[0] == "Compared with nothing: every selected job (--all)."
    assert "Jobs to submit: 30" in every.stdout

    both = apply_here(qslint, emulator, "--all", "--changed-since", first)
    assert both.exit_code == 2
    assert both.stderr == "qslint: --changed-since and --all exclude each other: pass one\n"
    assert emulator.service.calls() == []


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        ({"GITHUB_EVENT_NAME": "schedule"}, "a GitHub Actions schedule event run has no push"),
        ({"GITHUB_EVENT_NAME": "workflow_dispatch"}, "workflow_dispatch event run has no push"),
        ({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "schedule"}, "schedule pipeline run has"),
    ],
)
def test_a_run_that_is_no_push_is_refused_and_points_at_all(
    repository, runner, qslint, monkeypatch, environment, said
):
    if "GITHUB_EVENT_NAME" in environment:
        github_push(monkeypatch, runner, ZERO)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert said in result.stderr
    assert "(scheduled exports: --all --run-key $(date +%F))" in result.stderr


def test_a_pull_request_compares_with_its_base(repository, runner, qslint, monkeypatch):
    base = head()
    git("switch", "-q", "-c", "feature")
    edit_and_commit(repository, "job-13")
    path = runner / "event.json"
    path.write_text(json.dumps({"pull_request": {"base": {"sha": base}}}))
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(path),
    }.items():
        monkeypatch.setenv(name, value)

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.splitlines()[0] == (
        f"Compared with {base}: the pull request's base (GitHub Actions pull_request event)."
    )
    assert "Jobs to submit: 1" in plan.stdout


def test_a_merge_request_pipeline_compares_with_its_diff_base(repository, qslint, monkeypatch):
    base = head()
    git("switch", "-q", "-c", "feature")
    edit_and_commit(repository, "job-14")
    gitlab_push(monkeypatch, ZERO)  # GitLab's before SHA in a merge request pipeline
    monkeypatch.setenv("CI_PIPELINE_SOURCE", "merge_request_event")
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)

    plan = qslint("plan", ".")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.splitlines()[0] == (
        f"Compared with {base}: the merge request's diff base (GitLab CI merge_request_event "
        "pipeline)."
    )
    assert "Jobs to submit: 1" in plan.stdout


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b'{"before": ', "is not JSON: Expecting value: line 1 column 12 (char 11)"),
        (b"[1, 2]", "is not a JSON object"),
        (b"\xff\xfe{}", "is not JSON: "),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON: "),
        (b'{"ref": "refs/heads/main"}', "has no `before` commit"),
        (b'{"before": 3}', "has no `before` commit"),
        (b'{"before": "HEAD~3"}', "'HEAD~3' is not a commit id"),
    ],
)
def test_a_malformed_event_is_one_line(repository, runner, qslint, monkeypatch, content, said):
    github_push(monkeypatch, runner, ZERO)
    Path(runner / "event.json").write_bytes(content)

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("qslint: ")
    assert said in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_event_file_is_read_within_its_bound(repository, runner, qslint, monkeypatch):
    github_push(monkeypatch, runner, ZERO)
    with (runner / "event.json").open("r+b") as event:
        event.truncate(MAX_EVENT_BYTES + 1)  # sparse: no disk or memory spent before the read

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert result.stderr == (
        f"qslint: the GitHub event {runner / 'event.json'} is over {MAX_EVENT_BYTES} bytes\n"
    )


def test_a_missing_event_file_is_one_line(repository, runner, qslint, monkeypatch):
    github_push(monkeypatch, runner, ZERO)
    (runner / "event.json").unlink()

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert result.stderr == (
        f"qslint: cannot read the GitHub event {runner / 'event.json'}: No such file or directory\n"
    )


@pytest.mark.parametrize(
    ("default_branch", "said"),
    [
        (None, "a branch's first push (GitLab CI push pipeline), and the default branch is "
         "unknown: pass --changed-since REF"),
        ("trunk", "a branch's first push (GitLab CI push pipeline): the default branch trunk "
         "is not in this clone: fetch the full history"),
    ],
)  # fmt: skip
def test_a_first_push_without_the_default_branch_is_refused(
    repository, qslint, monkeypatch, default_branch, said
):
    git("switch", "-q", "-c", "feature")
    edit_and_commit(repository, "job-06")
    gitlab_push(monkeypatch, ZERO)
    if default_branch is None:
        monkeypatch.delenv("CI_DEFAULT_BRANCH")
    else:
        monkeypatch.setenv("CI_DEFAULT_BRANCH", default_branch)

    result = qslint("plan", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"qslint: {said}")

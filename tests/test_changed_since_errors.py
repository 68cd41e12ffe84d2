"""``--changed-since REF`` that git cannot answer: one line naming the flag and the ref."""

from __future__ import annotations

from applying import git, git_repository, write_jobs


def test_an_unknown_ref_names_the_flag_and_the_ref(aws_workspace, qslint):
    write_jobs(aws_workspace / "jobs", 1)
    git_repository(aws_workspace)
    result = qslint("plan", "jobs", "--changed-since", "nosuchref")
    assert result.exit_code == 2
    assert (
        result.stderr == f"qslint: --changed-since nosuchref: no such commit in {aws_workspace}\n"
    )
    assert result.stdout == ""


def test_a_shallow_clone_says_so(aws_workspace, qslint, monkeypatch):
    origin = aws_workspace / "origin"
    (origin / "jobs").mkdir(parents=True)
    write_jobs(origin / "jobs", 1)
    git_repository(origin)
    git("commit", "-q", "--allow-empty", "-m", "second", cwd=origin)
    clone = aws_workspace / "clone"
    git("clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    monkeypatch.chdir(clone)
    result = qslint("plan", "jobs", "--changed-since", "HEAD~1")
    assert result.exit_code == 2
    assert result.stderr == (
        f"qslint: --changed-since HEAD~1: no such commit in {clone} (a shallow clone: fetch "
        "more history, or a fetch-depth of 0 in CI)\n"
    )


def test_outside_a_repository_it_names_the_flag(aws_workspace, qslint):
    write_jobs(aws_workspace / "jobs", 1)
    result = qslint("plan", "jobs", "--changed-since", "main")
    assert result.exit_code == 2
    assert result.stderr.startswith("qslint: --changed-since main: not in a git repository (")
    assert len(result.stderr.splitlines()) == 1

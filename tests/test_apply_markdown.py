"""apply's Markdown summary, for a CI job's page: one row per job, escaped and redacted."""

from __future__ import annotations

from applying import SECRETS, apply_args, git_repository, job_yaml, write_jobs


def test_the_markdown_summary_appends_one_row_per_job_escaped_and_redacted(
    aws_workspace, emulator, qslint
):
    jobs = aws_workspace / "jobs"
    write_jobs(jobs, 2)
    (jobs / "team|a_b.yaml").write_text(job_yaml("team-a"))
    summary = aws_workspace / "summary.md"
    summary.write_text("An earlier step's summary.\n")

    result = qslint(*apply_args(emulator, "jobs", "--markdown-summary", str(summary)))

    assert result.exit_code == 0, result.output
    text = summary.read_text()
    head, table = text.split("| Definition ", 1)
    assert head == (
        "An earlier step's summary.\n### qslint apply\n\n"
        "Compared with nothing: every selected job (--all).\n\n"
    )
    lines = table.splitlines()
    assert lines[:2] == [
        "| Job id | Status | Duration | Result |",
        "| --- | --- | --- | --- | --- |",
    ]
    cells = [line.split(" | ") for line in lines[2:]]
    assert [row[0] for row in cells] == [
        "| jobs/job-00.yaml (job-00)",
        "| jobs/job-01.yaml (job-01)",
        r"| jobs/team\|a\_b.yaml (team-a)",
    ]
    assert {row[2] for row in cells} == {"completed"}
    assert {row[4] for row in cells} == {"s3://acme-reports/… (1 file) |"}
    assert not any(secret in text for secret in SECRETS)


def test_the_markdown_summary_says_when_nothing_changed(aws_workspace, emulator, qslint):
    write_jobs(aws_workspace / "jobs", 2)
    git_repository(aws_workspace)
    summary = aws_workspace / "summary.md"

    baseline = ("--changed-since", "HEAD")
    args = apply_args(emulator, "jobs", "--markdown-summary", "summary.md", baseline=baseline)
    result = qslint(*args)

    assert result.exit_code == 0, result.output
    assert summary.read_text() == (
        "### qslint apply\n\nCompared with HEAD: --changed-since.\n\nNothing to submit.\n"
    )
    assert emulator.service.calls() == []

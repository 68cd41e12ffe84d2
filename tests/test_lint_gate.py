"""The lint gate of ``plan`` and ``apply`` reports what ``qslint check`` reports, word for word."""

from __future__ import annotations

from applying import apply_args, job_yaml, starts


def _definitions(folder, *, broken: bool) -> None:
    (folder / "warned.yaml").write_text(job_yaml("warned", prefix="on"))  # QS106, a warning
    if broken:
        broken_job = job_yaml("broken").replace("FormatType: PDF", "FormatType: Pdf")  # QS104
        (folder / "broken.yaml").write_text(broken_job)


def test_plan_and_apply_report_errors_and_warnings_as_check_does(aws_workspace, emulator, qslint):
    _definitions(aws_workspace / "jobs", broken=True)
    check = qslint("check", "jobs")
    assert "Found 2 problems (1 error, 1 warning) in 2 files checked.\n" in check.stdout
    plan = qslint("plan", "jobs", "--run-key", "r1")
    assert plan.exit_code == 1
    assert plan.stderr == check.stdout
    apply = qslint(*apply_args(emulator, "jobs"))
    assert apply.exit_code == 1
    refusal = "qslint: nothing submitted: fix the findings above first\n"
    assert apply.stderr == check.stdout + refusal
    assert starts(emulator) == 0


def test_warnings_alone_are_shown_and_do_not_stop_a_deploy(aws_workspace, emulator, qslint):
    _definitions(aws_workspace / "jobs", broken=False)
    check = qslint("check", "jobs")
    assert check.exit_code == 0
    assert "Found 1 problem (1 warning) in 1 file checked.\n" in check.stdout
    plan = qslint("plan", "jobs", "--run-key", "r1")
    assert plan.exit_code == 0
    assert plan.stderr == check.stdout
    apply = qslint(*apply_args(emulator, "jobs"))
    assert apply.exit_code == 0, apply.output
    assert apply.stderr.startswith(check.stdout)
    assert starts(emulator) == 1

"""``qslint check -``: standard input checked as the file ``--stdin-filename`` names."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import VALID_JOB

from qslint.cli import cli

SLASHED = VALID_JOB.replace("sales/weekly", "/sales")  # QS305, fixable
TYPO = VALID_JOB.replace("FormatType: PDF", "FormatType: Pdf")  # QS104, fixable


def _stdin(text: str, *args: str):
    return CliRunner().invoke(cli, ["check", *args], input=text, catch_exceptions=False)


def test_stdin_agrees_with_the_file(run_qslint, write):
    write("jobs/weekly.yaml", TYPO)
    from_file = run_qslint("check", "jobs/weekly.yaml")
    from_stdin = _stdin(TYPO, "-", "--stdin-filename", "jobs/weekly.yaml")
    assert from_stdin.exit_code == from_file.exit_code == 1
    assert from_stdin.stdout == from_file.stdout
    assert from_stdin.stdout.startswith("jobs/weekly.yaml:12:23: QS104 ")


def test_stdin_follows_the_configuration_and_ignores_of_its_name(run_qslint, write):
    write("legacy/.qslint.toml", '[per-file-ignores]\n"old-*.yaml" = ["QS305"]\n')
    assert _stdin(SLASHED, "-", "--stdin-filename", "legacy/old-weekly.yaml").exit_code == 0
    result = _stdin(SLASHED, "-", "--stdin-filename", "legacy/weekly.yaml", "-q")
    assert result.stdout.startswith("legacy/weekly.yaml:20:25: QS305 ")


def test_stdin_json_is_read_as_json_by_its_name(run_qslint):
    result = _stdin('{"AwsAccountId": "111122223333",}', "--stdin-filename", "weekly.json")
    assert "weekly.json:1:32: QS100 [error] invalid JSON: trailing comma" in result.stdout


def test_stdin_without_a_name_is_named_dash(run_qslint):
    result = _stdin(TYPO, "-", "--quiet")
    assert result.stdout.startswith("-:12:23: QS104 ")


def test_stdin_fix_prints_the_fixed_text_and_reports_on_stderr(run_qslint, write):
    write(".qslint.toml", 'region = "eu-west-1"\n')  # else a warning says QS301 did not run
    path = write("weekly.yaml", TYPO)
    result = _stdin(TYPO, "-", "--fix", "--stdin-filename", "weekly.yaml")
    assert result.exit_code == 0
    assert result.stdout == VALID_JOB
    assert result.stderr.splitlines() == ["Fixed 1 problem.", "All checks passed (1 file checked)."]
    assert path.read_text(encoding="utf-8") == TYPO  # the file itself is not touched


def test_stdin_fix_of_a_clean_text_prints_it_unchanged(run_qslint):
    assert _stdin(VALID_JOB, "-", "--fix").stdout == VALID_JOB


def test_stdin_diff(run_qslint):
    result = _stdin(TYPO, "-", "--diff", "--stdin-filename", "weekly.yaml")
    assert result.exit_code == 1
    assert "-        - FormatType: Pdf\n+        - FormatType: PDF\n" in result.stdout


def test_stdin_with_other_paths_is_a_usage_error(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    result = _stdin(VALID_JOB, "-", "weekly.yaml")
    assert result.exit_code == 2
    assert result.stderr == "qslint: `-` (standard input) is checked on its own\n"
    result = _stdin(VALID_JOB, "weekly.yaml", "--stdin-filename", "weekly.yaml")
    assert result.exit_code == 2
    assert "--stdin-filename names standard input" in result.stderr


def _duplicate_of(where: str) -> str:
    """The QS601 line of standard input holding VALID_JOB's job, also defined at ``where``."""
    return (
        "-:3:16: QS601 [error] job `weekly-sales` of dashboard `sales-overview` in account "
        f"111122223333 is also defined at {where}\n"
    )


def test_stdin_without_a_name_is_not_its_own_duplicate(run_qslint, write):
    # `cat jobs/weekly.yaml | qslint check -`: the file with the very same bytes is where
    # the text came from, not a second definition of its job.
    write(".qslint.toml", "")
    write("jobs/weekly.yaml", VALID_JOB)
    result = _stdin(VALID_JOB, "-")
    assert (result.exit_code, result.stdout) == (0, "All checks passed (1 file checked).\n")


def test_stdin_without_a_name_is_compared_with_the_rest_of_the_project(run_qslint, write):
    write(".qslint.toml", "")
    write("jobs/weekly.yaml", VALID_JOB)
    write("jobs/copy.yaml", "# a second copy\n" + VALID_JOB)
    result = _stdin(VALID_JOB, "-", "--quiet")
    assert (result.exit_code, result.stdout) == (1, _duplicate_of("jobs/copy.yaml:4:16"))


def test_stdin_without_a_name_that_differs_from_the_file_is_a_duplicate(run_qslint, write):
    write(".qslint.toml", "")
    write("jobs/weekly.yaml", VALID_JOB)
    result = _stdin(VALID_JOB.replace("sales/weekly", "sales/weekly-v2"), "-", "--quiet")
    assert (result.exit_code, result.stdout) == (1, _duplicate_of("jobs/weekly.yaml:3:16"))

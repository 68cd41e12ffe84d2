"""The command line: output, exit codes, rule docs, plugins, and what it never does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import VALID_JOB, codes_and_lines, crashing_rule, exit_and_findings

from qslint import cli as cli_module
from qslint import runner
from qslint.cli.rules import rules_markdown
from qslint.rule import load_rules

ROOT = Path(__file__).resolve().parents[1]
PDF_WITH_VISUALS = VALID_JOB.replace(
    "SelectionScope: ALL_VISUALS",
    "SelectionScope: SELECTED_VISUALS\n              VisualIds: [top-customers]",
)


def test_clean_file_exits_zero_with_a_summary(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    result = run_qslint("check")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed (1 file checked).\n"


def test_text_output_lines_and_summary(run_qslint, write):
    write("weekly.yaml", PDF_WITH_VISUALS)
    result = run_qslint("check", "weekly.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "weekly.yaml:15:31: QS201 [error] a PDF file exports whole sheets: use "
        "`SelectionScope: ALL_VISUALS` and drop `VisualIds`",
        "Found 1 problem (1 error) in 1 file checked.",
        "[*] 1 fixable with `--fix`.",
    ]


def test_json_output_has_the_documented_keys(run_qslint, write):
    write("weekly.yaml", PDF_WITH_VISUALS)
    (finding,) = json.loads(run_qslint("check", "--output-format", "json").stdout)
    assert finding == {
        "code": "QS201",
        "severity": "error",
        "message": finding["message"],
        "file": "weekly.yaml",
        "line": 15,
        "column": 31,
        "path": "SnapshotConfiguration.FileGroups[0].Files[0].SheetSelections[0].SelectionScope",
        "related": [],
    }


def test_warnings_alone_exit_zero_and_exit_zero_flag(run_qslint, write):
    write("weekly.yaml", VALID_JOB.replace("sales/weekly", "/sales/weekly"))
    assert exit_and_findings(run_qslint) == (0, [("QS305", 20)])
    write("pdf.yaml", PDF_WITH_VISUALS.replace("weekly-sales", "other"))
    both = [("QS201", 15), ("QS305", 20)]
    assert exit_and_findings(run_qslint) == (1, both)
    assert exit_and_findings(run_qslint, "--exit-zero") == (0, both)


def test_quiet_prints_findings_only(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    assert run_qslint("check", "--quiet").stdout == ""


def test_missing_path_is_a_usage_error(run_qslint):
    result = run_qslint("check", "nowhere.yaml")
    assert result.exit_code == 2
    assert result.stderr == "qslint: no such file or directory: nowhere.yaml\n"


def test_unknown_option_is_a_usage_error(run_qslint):
    assert run_qslint("check", "--colour").exit_code == 2


def test_suppression_comment(run_qslint, write):
    scope = "SelectionScope: SELECTED_VISUALS"
    suppressed = PDF_WITH_VISUALS.replace(scope, f"{scope}  # qslint: ignore[QS201]")
    write("weekly.yaml", suppressed)
    assert exit_and_findings(run_qslint) == (0, [])
    write("weekly.yaml", suppressed.replace("ignore[QS201]", "ignore[QS305]"))
    assert exit_and_findings(run_qslint) == (1, [("QS201", 15), ("QS901", 15)])


def test_misspelt_required_field_is_one_finding(run_qslint, write):
    write("weekly.yaml", VALID_JOB.replace("DashboardId:", "DashbordId:"))
    result = run_qslint("check", "--output-format", "json")
    assert codes_and_lines(result) == [("QS101", 2)]
    assert "did you mean `DashboardId`?" in json.loads(result.stdout)[0]["message"]


def test_rules_lists_every_rule(run_qslint):
    lines = run_qslint("rules").stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.code for rule in load_rules()]
    assert "QS210  warning  The same visual or sheet is selected twice in one file  (fixable)" in (
        lines
    )
    assert "QS211  warning  Two FileGroups request an identical file" in lines


def test_rules_as_json(run_qslint):
    rules = json.loads(run_qslint("rules", "--output-format", "json").stdout)
    assert {"code": "QS207", "name": "too-many-file-groups", "severity": "error"}.items() <= (
        next(r for r in rules if r["code"] == "QS207").items()
    )


def test_rule_prints_its_documentation(run_qslint):
    text = run_qslint("rule", "qs207").stdout
    assert text.startswith("# QS207 too-many-file-groups (error)\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix", "## Options"):
        assert heading in text
    assert "`max-file-groups` (default 6)" in text


def test_rule_takes_the_name_rules_lists_as_well_as_the_code(run_qslint):
    by_code = run_qslint("rule", "QS201")
    by_name = run_qslint("rule", "pdf-selects-all-visuals")
    assert by_name.exit_code == 0
    assert by_name.stdout == by_code.stdout
    assert by_name.stdout.startswith("# QS201 pdf-selects-all-visuals (error)\n")


def test_a_misspelt_rule_name_suggests_the_nearest(run_qslint):
    result = run_qslint("rule", "pdf-select-all-visual")
    assert result.exit_code == 2
    assert result.stderr == (
        "qslint: there is no rule 'pdf-select-all-visual'; did you mean "
        "'pdf-selects-all-visuals'? `qslint rules` lists them\n"
    )


def test_every_rule_documents_what_why_example_fix():
    for rule in load_rules():
        headings = [line for line in rule.doc.splitlines() if line.startswith("## ")]
        expected = ["## What it does", "## Why is this bad?", "## Example", "## Fix"]
        assert headings == expected, rule.code


def test_unknown_rule_is_a_usage_error(run_qslint):
    result = run_qslint("rule", "QS999")
    assert result.exit_code == 2
    assert "there is no rule 'QS999'" in result.stderr


def test_readme_rule_table_is_generated_from_the_rules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == rules_markdown(load_rules()), (
        "README rule table is stale: run `qslint rules --output-format markdown`"
    )


def test_a_crashing_rule_is_one_line_and_exit_2(run_qslint, write, monkeypatch):
    monkeypatch.setattr(runner, "load_rules", lambda: [*load_rules(), crashing_rule])
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # else a warning says QS301 did not run
    write("weekly.yaml", PDF_WITH_VISUALS)
    result = run_qslint("check")
    assert result.exit_code == 2
    assert "QS201" in result.stdout  # the other rules still report
    assert result.stderr.splitlines() == [
        "qslint: internal error in rule QS999 while checking weekly.yaml (ZeroDivisionError). "
        "This is a bug; please report it at https://github.com/qslint/qslint/issues "
        "(--debug shows the details)."
    ]


def test_an_unexpected_exception_is_one_line(monkeypatch, capsys):
    def explode() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "discover", lambda *args, **options: explode())
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(["check"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("qslint: internal error (RuntimeError).")


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_check_never_imports_boto3_or_the_language_server():
    # The examples hold a DateTime value that is no ISO 8601 text: the wire model reads it
    # without botocore.
    probe = textwrap.dedent(
        """
        import sys
        from qslint.cli import main
        try:
            main(["check", "examples", "--quiet"])
        except SystemExit as exit:
            names = ("boto3", "botocore", "pygls", "lsprotocol")
            print(exit.code, *(name in sys.modules for name in names))
        """
    )
    result = _run(["-c", probe], ROOT)
    last = result.stdout.splitlines()[-1].split()
    assert last == ["1", "False", "False", "False", "False"], result.stderr


def test_third_party_rule_plugin_through_entry_points(tmp_path):
    site = tmp_path / "site"
    (site / "acme_rules-1.0.dist-info").mkdir(parents=True)
    (site / "acme_rules-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n"
    )
    (site / "acme_rules-1.0.dist-info" / "entry_points.txt").write_text(
        "[qslint.rules]\nacme = acme_rules\n"
    )
    (site / "acme_rules.py").write_text(
        textwrap.dedent(
            '''
            from qslint.rule import Violation, job_rule

            @job_rule("ACME1", "Job ids start with the team name")
            def team_prefix(job, context):
                """Docs."""
                if not job.SnapshotJobId.startswith("acme-"):
                    yield Violation("job ids start with `acme-`", path=("SnapshotJobId",))
            '''
        )
    )
    (tmp_path / "weekly.yaml").write_text(VALID_JOB)
    env = {"PYTHONPATH": str(site)}
    listed = _run(["-m", "qslint", "rules"], tmp_path, **env)
    assert "ACME1  error    Job ids start with the team name" in listed.stdout
    checked = _run(["-m", "qslint", "check", "--select", "ACME"], tmp_path, **env)
    assert checked.returncode == 1
    assert "weekly.yaml:3:16: ACME1 [error] job ids start with `acme-`" in checked.stdout


def test_unreadable_and_special_files_are_findings_not_hangs(run_qslint, write, tmp_path):
    write("weekly.yaml", VALID_JOB)
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "folder.yaml").mkdir()
    assert exit_and_findings(run_qslint) == (0, [])  # a walk passes over what is not a file
    result = run_qslint("check", "pipe.yaml", "dangling.yaml", "--output-format", "json")
    assert [(f["file"], f["code"], f["message"]) for f in json.loads(result.stdout)] == [
        ("dangling.yaml", "QS100", "cannot read file: a symbolic link to nothing"),
        ("pipe.yaml", "QS100", "cannot read file: not a regular file"),
    ]


def test_plugin_discovery_agrees_with_importlib_metadata():
    from importlib.metadata import entry_points

    from qslint.rule import ENTRY_POINT_GROUP, plugin_entry_points

    expected = sorted((e.name, e.value) for e in entry_points(group=ENTRY_POINT_GROUP))
    assert sorted(plugin_entry_points()) == expected


def test_entry_points_file_is_read_as_importlib_metadata_reads_it(tmp_path):
    from importlib.metadata import Distribution

    from qslint.rule import ENTRY_POINT_GROUP, _group_entries

    folder = tmp_path / "acme-1.0.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n")
    (folder / "entry_points.txt").write_text(
        "[console_scripts]\nacme = acme:main\n\n"
        f"[{ENTRY_POINT_GROUP}]\n# a comment\n  spaced   =   acme.rules : thing.inner  \n"
        "plain=acme.plain\n\n[other]\nnot_this = acme.other\n"
    )
    expected = Distribution.at(folder).entry_points.select(group=ENTRY_POINT_GROUP)
    found = _group_entries(folder / "entry_points.txt", ENTRY_POINT_GROUP)
    assert found == [(e.name, e.value) for e in expected]
    assert [name for name, _ in found] == ["spaced", "plain"]


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``qslint ARGS`` as the console script runs it (``python -m qslint`` calls the same)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "qslint", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_exits_with_the_run_codes_and_flushes_everything(tmp_path, write):
    write(".qslint.toml", 'region = "eu-west-1"\n')
    write("clean/weekly.yaml", VALID_JOB)
    for i in range(300):  # a report far bigger than a pipe's buffer
        write(f"bad/{i:03}.yaml", VALID_JOB.replace("DashboardId:", "DashbordId:"))
    clean = _command("check", "clean", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed (1 file checked).\n")
    bad = _command("check", "bad", "--output-format", "json", cwd=tmp_path)
    assert bad.returncode == 1
    assert len(bad.stdout) > 65536
    assert len(json.loads(bad.stdout)) == 300
    usage = _command("check", "missing", cwd=tmp_path)
    assert (usage.returncode, usage.stderr) == (2, "qslint: no such file or directory: missing\n")


def test_the_command_collects_garbage_while_it_runs(tmp_path):
    # The collector is idle only while the CLI imports; a run of many files needs it after.
    probe = (
        "import gc, qslint.cli\n"
        "qslint.cli.main = lambda: print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "from qslint.__main__ import console\n"
        "console()\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "True True\n", "")

"""The text format on a terminal: source excerpts, carets, colour, statistics."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import VALID_JOB

SECRET = "MARKER-7f3a"
WITH_PARAMETERS = VALID_JOB.replace("Value: EMEA", f"Value: {SECRET}-tag") + (
    "  Parameters:\n"
    "    StringParameters:\n"
    f"      - {{Name: Region, Values: [{SECRET}-a, '{SECRET}-b']}}\n"
    f"      - {{Name: Region, Values: [{SECRET}-c]}}\n"
)


def test_source_line_with_caret(run_qslint, write):
    write("weekly.yaml", VALID_JOB.replace("BucketPrefix: sales/weekly", "BucketPrefix: /sales"))
    result = run_qslint("check", "--show-source")
    assert result.stdout.splitlines()[:4] == [
        "weekly.yaml:20:25: QS305 [warning] bucket prefix starts with `/`: S3 keeps them literally",
        "   |",
        "20 |           BucketPrefix: /sales",
        "   |                         ^",
    ]


def test_sensitive_values_are_starred_out_of_source_lines(run_qslint, write):
    write("weekly.yaml", WITH_PARAMETERS)
    result = run_qslint("check", "--show-source")
    assert "QS401" in result.stdout
    assert SECRET not in result.stdout
    assert "      - {Name: Region, Values: [*************]}" in result.stdout


def test_no_source_lines_by_default_off_a_terminal(run_qslint, write):
    write("weekly.yaml", WITH_PARAMETERS)
    result = run_qslint("check")
    assert len(result.stdout.splitlines()) == 2
    assert "\x1b[" not in result.stdout


def test_statistics(run_qslint, write):
    write("a.yaml", VALID_JOB.replace("sales/weekly", "/a"))
    write("b.yaml", VALID_JOB.replace("sales/weekly", "/b").replace("weekly-sales", "b"))
    write("c.yaml", WITH_PARAMETERS.replace("weekly-sales", "c"))
    result = run_qslint("check", "--statistics")
    assert result.stdout.splitlines() == [
        "2  QS305  [warning]  [*]  BucketPrefix starts with `/`, or holds `//`, `..` or `\\`",
        "1  QS401  [error]         A parameter name appears twice",
        "Found 3 problems (1 error, 2 warnings) in 3 files checked.",
        "[*] 2 fixable with `--fix`.",
    ]


def _run_in_terminal(cwd: Path, **env: str) -> str:
    """Run ``qslint check`` with its stdout on a real pseudo-terminal; return what it showed."""
    primary, secondary = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    process = subprocess.Popen(
        [sys.executable, "-m", "qslint", "check"],
        cwd=cwd,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(primary)
    return b"".join(chunks).decode()


def test_terminal_gets_colour_and_source_and_no_color_is_respected(tmp_path):
    (tmp_path / "weekly.yaml").write_text(VALID_JOB.replace("sales/weekly", "/sales"))
    coloured = _run_in_terminal(tmp_path)
    assert "\x1b[33m[warning]\x1b[0m" in coloured
    assert "BucketPrefix: /sales" in coloured
    plain = _run_in_terminal(tmp_path, NO_COLOR="1")
    assert "\x1b[" not in plain
    assert "BucketPrefix: /sales" in plain


def test_color_always_never_and_the_environment(run_qslint, write, monkeypatch):
    write("weekly.yaml", VALID_JOB.replace("sales/weekly", "/sales"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[33m[warning]\x1b[0m" in run_qslint("check", "--color", "always").stdout
    assert "\x1b[" not in run_qslint("check").stdout  # auto, off a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[33m[warning]\x1b[0m" in run_qslint("check").stdout
    assert "\x1b[" not in run_qslint("check", "--color", "never").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run_qslint("check").stdout
    assert "\x1b[" in run_qslint("check", "--color", "always").stdout


def test_show_fixes_lists_what_fix_would_apply_then_what_it_applied(run_qslint, write):
    write("a.yaml", VALID_JOB.replace("PDF", "Pdf"))
    write("b.yaml", VALID_JOB.replace("sales/weekly", "/sales").replace("weekly-sales", "b"))
    available = run_qslint("check", "--show-fixes").stdout.splitlines()
    assert available[2:] == [
        "Fixable with `--fix`:",
        "  a.yaml:12:23: QS104 write `PDF`",
        "  b.yaml:20:25: QS305 strip the leading `/` and empty segments",
        "Found 2 problems (1 error, 1 warning) in 2 files checked.",
        "[*] 2 fixable with `--fix`.",
    ]
    applied = run_qslint("check", "--fix", "--show-fixes").stdout.splitlines()
    assert applied == [
        "Fixed:",
        "  a.yaml:12:23: QS104 write `PDF`",
        "  b.yaml:20:25: QS305 strip the leading `/` and empty segments",
        "Fixed 2 problems.",
        "All checks passed (2 files checked).",
    ]

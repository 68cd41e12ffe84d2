"""Hostile and broken input: each case is a QS100 finding (or a skip with a notice), quickly.

Files named on the command line always get a finding; a directory walk passes over what is
not a regular file (a fifo, a broken link, a link loop, a directory named `*.yaml`).
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import VALID_JOB

from qslint.cli import cli
from qslint.config import LoadLimits
from qslint.loader import load_source, read_source
from qslint.report import FORMATS


def _laughs(levels: int = 9) -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("name", "raw", "message", "line"),
    [
        ("utf16.yaml", "A: 1\n".encode("utf-16"), "file is UTF-16", 1),
        ("utf16be.json", codecs.BOM_UTF16_BE + '{"A": 1}'.encode("utf-16-be"), "UTF-16", 1),
        ("utf32.yaml", "A: 1\n".encode("utf-32"), "file is UTF-32", 1),
        ("no-bom.yaml", "A: 1\n".encode("utf-16-le"), "NUL byte", 1),
        ("binary.yaml", bytes(range(256)) * 4, "NUL byte", 1),
        ("nul.yaml", b"A: 1\nB: x\x00y\n", "NUL byte", 2),
        ("latin1.yaml", b"A: caf\xe9\n", "not valid UTF-8 (byte 0xe9)", 1),
        ("tab.yaml", b"A:\n  B: 1\n\tC: 2\n", "a tab indents this line", 3),
        ("tab-item.yaml", b"A:\n\t- x\n", "a tab indents this line", 2),
        ("deep.yaml", b"[" * 100_000 + b"]" * 100_000, "nesting deeper than 64 levels", 1),
        ("deep-unclosed.yaml", b"[" * 5_000, "nesting deeper than 64 levels", 1),
        ("deep.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nesting deeper than 64", 1),
        ("deep-block.yaml", "".join(" " * i + "-\n" for i in range(200)).encode(), "nesting", 66),
        ("laughs.yaml", _laughs(), "file expands to more than 200000 values", 1),
        ("documents.yaml", b"A: 1\n---\n" * 5_000, "more than 1000 YAML documents", 2000),
        ("custom-tag.yaml", b"A: !Ref Bucket\n", "unsupported YAML tag '!Ref'", 1),
        ("set.yaml", b"A: !!set {a, b}\n", "unsupported YAML tag", 1),
        ("binary-tag.yaml", b"A: !!binary aGVsbG8=\n", "unsupported YAML tag", 1),
        ("tagged-key.yaml", b"!!python/name:os.system A: 1\n", "unsupported YAML tag", 1),
        ("huge-int.json", b'{"A": ' + b"9" * 5_000 + b"}", "invalid JSON", 1),
        ("huge-int.yaml", b"A: " + b"9" * 5_000 + b"\n", "invalid int value", 1),
    ],
)
def test_hostile_content_is_one_cheap_qs100_finding(name, raw, message, line):
    tracemalloc.start()
    try:
        source = load_source(name, raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024**2  # bounded by the limits, not by what the file would expand to
    assert [(message in problem.message, problem.mark.line) for problem in source.problems] == [
        (True, line)
    ], source.problems


def test_nothing_is_ever_constructed_from_a_tag(tmp_path):
    witness = tmp_path / "executed"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        text = f"A: {tag} ['touch {witness}']\nB: {tag} [x]\n"
        source = load_source("exec.yaml", text.encode())
        assert "unsupported YAML tag" in source.problems[0].message
        assert not source.documents
    assert not witness.exists()


def test_limits_are_configurable(run_qslint, write):
    write(".qslint.toml", "max-depth = 10\nmax-nodes = 100\nmax-documents = 2\n")
    write("deep.yaml", "A: " + "[" * 11 + "]" * 11 + "\n")
    write("wide.yaml", VALID_JOB.replace("SheetId: summary", "SheetId: [" + "x, " * 120 + "x]"))
    write("docs.yaml", VALID_JOB + "---\n" + VALID_JOB + "---\n" + VALID_JOB)
    result = run_qslint("check", "--no-cache", "--output-format", "json")
    messages = {finding["file"]: finding["message"] for finding in json.loads(result.stdout)}
    assert messages["deep.yaml"].startswith("nesting deeper than 10 levels")
    assert messages["wide.yaml"].startswith("file expands to more than 100 values")
    assert messages["docs.yaml"].startswith("more than 2 YAML documents in one file")


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ("max-depth = 0", "`max-depth` must be between 1 and 200 (not 0)"),
        ("max-depth = 100000", "`max-depth` must be between 1 and 200"),
        ("max-nodes = -1", "`max-nodes` must be at least 1"),
        ('max-file-size = "5M"', "`max-file-size` must be an integer"),
        ("max-documents = true", "`max-documents` must be an integer"),
    ],
)
def test_limits_are_validated(run_qslint, write, table, error):
    write(".qslint.toml", table + "\n")
    result = run_qslint("check")
    assert result.exit_code == 2
    assert error in result.stderr


def test_the_deepest_allowed_nesting_does_not_exhaust_the_stack(run_qslint, write):
    write(".qslint.toml", "max-depth = 200\n")
    write("deep.yaml", "A: " + "[" * 200 + "]" * 200 + "\n")
    write("deeper.yaml", "A: " + "{a: " * 201 + "1" + "}" * 201 + "\n")
    result = run_qslint("check", "--no-cache", "--output-format", "json")
    assert result.exit_code == 1
    messages = {finding["file"]: finding["message"] for finding in json.loads(result.stdout)}
    assert messages["deeper.yaml"].startswith("nesting deeper than 200 levels")


def test_a_big_file_is_refused_before_it_is_read(run_qslint, write, tmp_path):
    write(".qslint.toml", "max-file-size = 1024\n")
    write("small.yaml", VALID_JOB)
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:  # sparse: 64 GiB of nothing, if it were ever read
        handle.truncate(64 * 1024**3)
    tracemalloc.start()
    try:
        result = run_qslint("check", "--no-cache", "--output-format", "json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024**2  # never read: 64 GiB would not fit
    (finding,) = json.loads(result.stdout)
    assert (finding["file"], finding["code"], finding["line"]) == ("big.yaml", "QS100", 1)
    assert finding["message"] == "file is larger than 1 KiB; split it or raise `max-file-size`"


def test_default_file_size_limit_is_5_mib(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"A: " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert read_source(path).problems[0].message.startswith("file is larger than 5 MiB")
    assert LoadLimits().max_file_size == 5 * 1024 * 1024


def test_a_huge_float_does_not_warn_on_stderr(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        (document,) = load_source("job.yaml", b"A: 1e999\nB: &x 1\nC: &x 2\n").documents
    assert document.data["A"] == float("inf")
    assert capfd.readouterr().err == ""


def test_special_files_named_on_the_command_line_are_findings(run_qslint, write, tmp_path):
    write("weekly.yaml", VALID_JOB)
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "folder.yaml" / "inner.yaml").write_text(VALID_JOB)
    (tmp_path / "device.yaml").symlink_to("/dev/zero")
    names = ["pipe.yaml", "dangling.yaml", "loop.yaml", "device.yaml"]
    result = run_qslint("check", "--no-cache", "--output-format", "json", *names)
    assert result.exit_code == 1
    assert {(f["file"], f["message"]) for f in json.loads(result.stdout)} == {
        ("pipe.yaml", "cannot read file: not a regular file"),
        ("dangling.yaml", "cannot read file: a symbolic link to nothing"),
        ("loop.yaml", "cannot read file: Too many levels of symbolic links"),
        ("device.yaml", "cannot read file: not a regular file"),
    }


def test_a_walk_passes_over_what_is_not_a_regular_file(run_qslint, write, tmp_path):
    write(".qslint.toml", 'region = "eu-west-1"\n')  # else a warning says QS301 did not run
    write("jobs/weekly.yaml", VALID_JOB)
    jobs = tmp_path / "jobs"
    os.mkfifo(jobs / "pipe.yaml")
    (jobs / "dangling.yaml").symlink_to(jobs / "gone.yaml")
    (jobs / "loop.yaml").symlink_to(jobs / "loop.yaml")
    (jobs / "cycle").symlink_to(jobs, target_is_directory=True)  # a directory link loop
    (jobs / "folder.yaml").mkdir()
    result = run_qslint("check", "--no-cache", "jobs")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed (1 file checked).\n"
    assert result.stderr.splitlines() == [
        f"qslint: skipped jobs/{name}: not a regular file"
        for name in ("dangling.yaml", "loop.yaml", "pipe.yaml")
    ]


def test_an_unreadable_file_is_a_finding(tmp_path):
    folder = Path(tempfile.mkdtemp())  # traversable by anyone: only the file's mode refuses
    folder.chmod(0o755)
    path = folder / "secret.yaml"
    path.write_text(VALID_JOB)
    path.chmod(0)
    try:
        source = _read_as_nobody(path) if os.geteuid() == 0 else read_source(path)
    finally:
        path.unlink()
        folder.rmdir()
    assert [problem.message for problem in source.problems] == [
        "cannot read file: Permission denied"
    ]


def test_a_file_in_a_folder_that_cannot_be_entered_is_a_finding_in_every_format(monkeypatch):
    folder = Path(tempfile.mkdtemp())  # traversable by anyone; the folder below is not
    folder.chmod(0o755)
    (folder / "warm.yaml").write_text(VALID_JOB)
    (folder / "locked").mkdir()
    (folder / "locked" / "weekly.yaml").write_text(VALID_JOB)
    (folder / "locked").chmod(0)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # else a warning says QS301 did not run
    runner = CliRunner()

    def check(output_format: str, name: str) -> Result:
        arguments = ["check", "--no-cache", "--output-format", output_format, name]
        return runner.invoke(cli, arguments, catch_exceptions=False)

    try:
        for output_format in FORMATS:  # import what each format needs while root
            check(output_format, "warm.yaml")
        results = {f: _as_nobody(check, f, "locked/weekly.yaml") for f in FORMATS}
    finally:
        (folder / "locked").chmod(0o755)
        shutil.rmtree(folder)
    for output_format, result in results.items():
        assert (result.exit_code, result.stderr) == (1, ""), output_format
        assert "QS100" in result.stdout, output_format
        assert "Permission denied" in result.stdout, output_format
    assert results["text"].stdout == (
        "locked/weekly.yaml:1:1: QS100 [error] cannot read file: Permission denied\n"
        "Found 1 problem (1 error) in 1 file checked.\n"
    )


def _as_nobody(function, *args):
    """``function(*args)`` with the effective user nobody (root reads any file)."""
    if os.geteuid() != 0:
        return function(*args)
    try:
        os.seteuid(65534)
    except PermissionError:
        pytest.skip("cannot drop root's privileges here (no CAP_SETUID)")
    try:
        return function(*args)
    finally:
        os.seteuid(0)


def _read_as_nobody(path: Path):
    """``read_source`` with the effective user nobody: root reads any file regardless of mode."""
    read_source(Path(__file__))  # import what parsing needs while the files are readable
    try:
        os.seteuid(65534)
    except PermissionError:
        pytest.skip("cannot drop root's privileges here (no CAP_SETUID)")
    try:
        return read_source(path)
    finally:
        os.seteuid(0)


def test_repository_rules_read_files_again_with_the_runs_limits(run_qslint, write):
    # 1,001 documents, the last a copy of the first: QS601 must find the copy again with the
    # configured max-documents, not the default 1,000.
    jobs = [VALID_JOB.replace("weekly-sales", f"weekly-{n}") for n in range(1000)]
    write(".qslint.toml", 'max-documents = 2000\nregion = "eu-west-1"\n')
    write("jobs.yaml", "---\n".join([*jobs, jobs[0]]))
    result = run_qslint("check", "--output-format", "json")
    assert [f["code"] for f in json.loads(result.stdout)] == ["QS601"]
    assert result.stderr == ""

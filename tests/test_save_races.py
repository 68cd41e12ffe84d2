"""A save never loses to a fix: ``check`` and ``--fix`` racing an editor's saves.

An editor thread saves files over and over, in place (truncate, then write) or atomically
(a temporary file renamed over the file), while ``check`` runs again and again. Whatever the
interleaving, every file ends as the editor's last save or as that save fixed, never cut
short and never an older save fixed; and no run crashes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import VALID_JOB, validate_sarif

from qslint.cli import cli

TYPO = VALID_JOB.replace("FormatType: PDF", "FormatType: Pdf")  # QS104, fixable
FILES = 24
RUNS = 6  # checks while the editor saves
MAX_SAVES = 20_000  # per editor: it stops sooner, once the runs are done


def _save_in_place(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write(text)


def _save_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


Save = Callable[[Path, str], None]


def _version(name: str, save: int) -> str:
    """The text of an editor's save ``save`` of the job ``name``: a fixable QS104 in it."""
    return f"# save {save}\n" + TYPO.replace("weekly-sales", name)


class Editor:
    """Saves each file in turn, each save a new text, until stopped; remembers the last."""

    def __init__(self, paths: list[Path], save: Save) -> None:
        self.paths = paths
        self.save = save
        self.last: dict[Path, str] = {}
        self.stop = threading.Event()
        self.saves = 0

    def run(self) -> None:
        while not self.stop.is_set() and self.saves < MAX_SAVES:
            path = self.paths[self.saves % len(self.paths)]
            text = _version(path.stem, self.saves)
            self.save(path, text)
            self.last[path] = text
            self.saves += 1

    @contextmanager
    def saving(self) -> Iterator[Editor]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            thread.join(timeout=60)
            assert not thread.is_alive()


def _qslint(*args: str) -> Result:
    # With a region: else a warning that QS301 did not run joins the notes on standard error.
    runner = CliRunner(env={"AWS_REGION": "eu-west-1"})
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _jobs(folder: Path, count: int = FILES) -> list[Path]:
    folder.mkdir()
    paths = [folder / f"job-{number:02d}.yaml" for number in range(count)]
    for path in paths:
        path.write_text(_version(path.stem, -1), encoding="utf-8")
    return paths


@pytest.mark.parametrize("save", [_save_in_place, _save_atomically], ids=["in-place", "atomic"])
def test_a_fix_never_overwrites_or_cuts_short_a_save(run_qslint, tmp_path, save):
    paths = _jobs(tmp_path / "jobs")
    with Editor(paths, save).saving() as editor:
        runs = [_qslint("check", "--fix", "--no-cache", "-q", "jobs") for _ in range(RUNS)]
    for result in runs:
        assert result.exit_code in (0, 1), result.output
        notes = [line for line in result.stderr.splitlines() if line.startswith("qslint:")]
        assert all("changed after it was checked" in note for note in notes), notes
    assert editor.saves > len(paths)  # the runs and the saves did overlap
    for path in paths:
        last = editor.last.get(path, _version(path.stem, -1))
        assert path.read_text(encoding="utf-8") in (last, last.replace("Pdf", "PDF")), path


def _two_documents(name: str, save: int) -> str:
    """A filler job, then a copy of ``name``'s job: QS601 at the second document."""
    return (
        f"# save {save}\n"
        + VALID_JOB.replace("weekly-sales", f"filler-{name}")
        + "---\n"
        + (VALID_JOB.replace("weekly-sales", name))
    )


def test_check_during_saves_never_crashes(run_qslint, tmp_path):
    """A file read again to place a repository finding (QS601) may have been saved since,
    with fewer documents than the job's: it is placed in the bytes that were checked."""
    folder = tmp_path / "jobs"
    folder.mkdir()
    paths = []
    for number in range(FILES // 2):
        name = f"job-{number:02d}"
        (folder / f"{name}-a.yaml").write_text(VALID_JOB.replace("weekly-sales", name))
        paths.append(folder / f"{name}-b.yaml")  # QS601 is reported at the later file
        paths[-1].write_text(_two_documents(name, -1))

    def one_or_two_documents(path: Path, text: str) -> None:
        save = int(text.split()[2])
        name = path.stem.removesuffix("-b")
        whole = _two_documents(name, save) if save % 2 else VALID_JOB.replace("weekly-sales", name)
        _save_atomically(path, whole)

    with Editor(paths, one_or_two_documents).saving() as editor:
        runs = [_qslint("check", "--no-cache", "-q", "jobs") for _ in range(RUNS * 2)]
    assert editor.saves > len(paths)
    for result in runs:
        assert result.exit_code in (0, 1), result.output
        assert "internal error" not in result.stderr


@contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """``folder`` with no file to be created in it, even by root (an immutable folder)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    assert chattr, "e2fsprogs' chattr makes a folder root cannot write in"
    subprocess.run([chattr, "+i", str(folder)], check=True, timeout=30)
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True, timeout=30)


def test_a_file_that_cannot_be_written_is_one_line_and_the_others_are_fixed(run_qslint, tmp_path):
    written = _jobs(tmp_path / "jobs", 3)
    locked = _jobs(tmp_path / "locked", 1)[0]
    with _unwritable(locked.parent):
        result = _qslint("check", "--fix", "--no-cache", "jobs", "locked")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "qslint: not fixed locked/job-00.yaml: cannot write it: Operation not permitted"
        if os.geteuid() == 0
        else "qslint: not fixed locked/job-00.yaml: cannot write it: Permission denied"
    ]
    assert "locked/job-00.yaml:13:23: QS104 " in result.stdout  # reported as usual
    assert "Fixed 3 problems." in result.stdout
    for path in written:
        assert "FormatType: PDF" in path.read_text(encoding="utf-8")
    assert "FormatType: Pdf" in locked.read_text(encoding="utf-8")


def test_sarif_says_which_file_could_not_be_fixed_and_that_the_run_failed(run_qslint, tmp_path):
    _jobs(tmp_path / "jobs", 1)
    locked = _jobs(tmp_path / "locked", 1)[0]
    with _unwritable(locked.parent):
        arguments = ("--fix", "--no-cache", "--output-format", "sarif", "jobs", "locked")
        result = _qslint("check", *arguments)
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    validate_sarif(log)
    (run,) = log["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"].startswith("not fixed locked/job-00.yaml: cannot write it: ")
    where = note["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "locked/job-00.yaml", "uriBaseId": "%SRCROOT%"}

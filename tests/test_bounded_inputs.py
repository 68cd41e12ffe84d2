"""Every input is bounded: standard input, configuration files and option values.

Each case ends in a QS100 finding or a one-line error (exit 2) that names the file, key or
flag to fix; none is a traceback, a hang or a read without end.
"""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from applying import REGION
from conftest import VALID_JOB

MEMORY = 256 * 1024**2  # bytes of address space: an interpreter, the loader and 5 MiB read


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def test_standard_input_is_read_no_further_than_max_file_size(tmp_path):
    (tmp_path / ".qslint.toml").write_text(f'region = "{REGION}"\n')  # QS301 runs
    with Path("/dev/zero").open("rb") as endless:
        done = subprocess.run(
            [sys.executable, "-m", "qslint", "check", "-"],
            stdin=endless,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            preexec_fn=_bounded_memory,
            timeout=60,  # a bound, not a measure: an endless read would never end
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines()[0] == (
        "-:1:1: QS100 [error] file is larger than 5 MiB; split it or raise `max-file-size`"
    )


def test_standard_input_follows_the_max_file_size_of_its_name(run_qslint, write):
    from click.testing import CliRunner

    from qslint.cli import cli

    write("small/.qslint.toml", "max-file-size = 100\n")
    result = CliRunner().invoke(
        cli, ["check", "-", "--stdin-filename", "small/weekly.yaml"], input=VALID_JOB
    )
    assert result.exit_code == 1
    assert "small/weekly.yaml:1:1: QS100 [error] file is larger than 100 bytes" in result.stdout
    fixed = CliRunner().invoke(
        cli, ["check", "--fix", "-", "--stdin-filename", "small/weekly.yaml"], input=VALID_JOB
    )
    assert fixed.exit_code == 2
    assert fixed.stdout == ""  # not the input's first bytes, taken for the whole fixed text
    assert fixed.stderr == (
        "qslint: standard input is larger than `max-file-size` (100 bytes): not fixed\n"
    )


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_folder(path: Path) -> None:
    path.mkdir()


def _make_dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere.toml")


@pytest.mark.parametrize("name", [".qslint.toml", "pyproject.toml"])
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_make_folder, "cannot read file: it is a folder"),
        (_make_fifo, "cannot read file: not a regular file"),
        (_make_dangling_link, "cannot read file: a symbolic link to nothing"),
    ],
)
def test_what_is_no_file_in_a_configurations_place_is_one_line(
    run_qslint, write, tmp_path, name, make, message
):
    write("jobs/weekly.yaml", VALID_JOB)
    make(tmp_path / "jobs" / name)
    result = run_qslint("check", "jobs")
    assert result.exit_code == 2
    assert result.stderr == f"qslint: {tmp_path / 'jobs' / name}: {message}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'region = "caf\xe9"\n', "not valid UTF-8 (byte 0xe9 at offset 13)"),
        (b"x = " + b"[" * 500 + b"]" * 500 + b"\n", "nested deeper than 32 levels"),
        (b"x = " + b"[" * 40 + b"]" * 40 + b"\n", "nested deeper than 32 levels"),
        (b"[a." + b"b." * 40 + b"c]\n", "nested deeper than 32 levels"),
        (b"# " + b"x" * (1024 * 1024) + b"\n", "larger than 1 MiB"),
    ],
)
@pytest.mark.parametrize("name", [".qslint.toml", "pyproject.toml"])
def test_a_configuration_file_is_read_within_bounds(run_qslint, write, name, content, message):
    write("weekly.yaml", VALID_JOB)
    Path(name).write_bytes(content)
    result = run_qslint("check", "weekly.yaml")
    assert result.exit_code == 2
    assert (
        result.stderr == f"qslint: {Path(name).absolute()}: cannot read configuration: {message}\n"
    )


def test_a_forced_configuration_that_is_no_file_is_one_line(run_qslint, write, tmp_path):
    write("weekly.yaml", VALID_JOB)
    os.mkfifo(tmp_path / "fifo.toml")
    result = run_qslint("check", "--config", "fifo.toml", "weekly.yaml")
    assert result.exit_code == 2
    assert (
        result.stderr == f"qslint: {tmp_path / 'fifo.toml'}: cannot read file: not a regular file\n"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "[options.QS207]\nmax-file-groups = -1\n",
            "`options.QS207.max-file-groups` must be at least 1 (not -1)",
        ),
        (
            "[options.QS207]\nmax-file-groups = 0\n",
            "`options.QS207.max-file-groups` must be at least 1 (not 0)",
        ),
        ("max-file-size = -1\n", "`max-file-size` must be at least 1 (not -1)"),
        ("max-nodes = 0\n", "`max-nodes` must be at least 1 (not 0)"),
    ],
)
def test_a_limit_below_its_least_is_one_line_naming_the_key(run_qslint, write, table, message):
    write("weekly.yaml", VALID_JOB)
    write(".qslint.toml", table)
    result = run_qslint("check", "weekly.yaml")
    assert result.exit_code == 2
    assert result.stderr.endswith(f".qslint.toml: {message}\n")
    assert len(result.stderr.splitlines()) == 1


def test_a_limit_at_its_least_is_taken(run_qslint, write):
    write("weekly.yaml", VALID_JOB)
    write(".qslint.toml", "[options.QS207]\nmax-file-groups = 1\n")
    assert run_qslint("check", "weekly.yaml").exit_code == 0


_APPLY = ("apply", "--region", REGION, "--run-key", "k")


@pytest.mark.parametrize(
    "command",
    [
        (*_APPLY, "--read-timeout", "nan"),
        (*_APPLY, "--read-timeout", "inf"),
        (*_APPLY, "--connect-timeout", "nan"),
        (*_APPLY, "--poll-interval", "nan"),
        (*_APPLY, "--poll-interval", "inf"),
        ("plan", "--minutes-per-wave", "nan"),
        ("estimate", "--jobs", "3", "--minutes-per-wave", "inf"),
    ],
)
def test_a_number_that_is_not_finite_is_refused_naming_the_flag(run_qslint, write, command):
    write("weekly.yaml", VALID_JOB)
    result = run_qslint(*command)
    flag, value = command[-2:]
    assert result.exit_code == 2
    assert f"Invalid value for '{flag}': '{value}' is not a finite number." in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        (*_APPLY, "--read-timeout", "-1"),
        (*_APPLY, "--max-rps", "0"),
        (*_APPLY, "--max-concurrent", "-1"),
        ("check", "--jobs", "0"),
        ("estimate", "--minutes-per-wave", "5", "--jobs", "-1"),
    ],
)
def test_a_number_out_of_range_is_refused_naming_the_flag(run_qslint, write, command):
    write("weekly.yaml", VALID_JOB)
    result = run_qslint(*command)
    assert result.exit_code == 2
    assert f"Invalid value for '{command[-2]}'" in result.stderr


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--slow-seconds", "nan", "'nan' is not a finite number."),
        ("--slow-seconds", "inf", "'inf' is not a finite number."),
        ("--queued-seconds", "inf", "'inf' is not a finite number."),
        ("--running-seconds", "nan", "'nan' is not a finite number."),
        ("--error-rate", "nan", "'nan' is not a finite number."),
        ("--slow-rate", "nan", "'nan' is not a finite number."),
        ("--error-rate", "-0.5", "-0.5 is not in the range 0.0<=x<=1.0."),
    ],
)
def test_the_emulator_refuses_a_number_out_of_range_naming_the_flag(tmp_path, flag, value, message):
    done = subprocess.run(
        [sys.executable, "-m", "qslint", "emulator", "--port", "0", flag, value],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,  # an emulator that took the value would serve until stopped
        check=False,
    )
    assert done.returncode == 2
    assert f"Invalid value for '{flag}': {message}" in done.stderr


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(lambda tmp_path: str(tmp_path / ("x" * 300) / "config"), id="ENAMETOOLONG"),
        pytest.param(lambda tmp_path: "/" + "a/" * 3000 + "config", id="path-ENAMETOOLONG"),
        pytest.param(lambda tmp_path: "/dev/zero", id="device"),
    ],
)
def test_an_aws_config_that_cannot_be_examined_is_ignored_as_botocore_ignores_it(
    run_qslint, write, tmp_path, monkeypatch, path
):
    write("weekly.yaml", VALID_JOB)
    monkeypatch.setenv("AWS_CONFIG_FILE", path(tmp_path))
    result = run_qslint("check", "weekly.yaml")
    assert result.exit_code == 0, result.output
    assert "QS301" not in result.stdout  # no region: nothing to compare the bucket's with


def test_the_long_aws_config_path_would_fail_to_stat(tmp_path):
    with pytest.raises(OSError) as raised:
        (tmp_path / ("x" * 300) / "config").stat()
    assert raised.value.errno == errno.ENAMETOOLONG


# Placeholder-like text that makes a backtracking pattern cubic or quadratic in its length:
# blanks after `${` and no `}`, and thousands of openings and no close.
PATHOLOGICAL_VALUES = {
    "blanks after `${` in a template": 'x-qslint: {for-each: [{a: "1"}]}\nAwsAccountId: '
    '"${a}"\nDashboardId: "${' + " " * 400_000 + 'x"\n',
    "openings of every syntax": 'AwsAccountId: "111122223333"\nDashboardId: "'
    + "${{{%<%$($${" * 40_000
    + '"\n',
}


@pytest.mark.parametrize("name", PATHOLOGICAL_VALUES)
def test_placeholder_patterns_stay_linear_on_pathological_values(tmp_path, name):
    (tmp_path / "job.yaml").write_text(PATHOLOGICAL_VALUES[name])
    (tmp_path / ".qslint.toml").write_text(f'region = "{REGION}"\n')  # QS301 runs
    done = subprocess.run(
        [sys.executable, "-m", "qslint", "check", "--no-cache", "job.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,  # a bound, not a measure: backtracking would take hours
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "job.yaml" in done.stdout and done.stderr == ""

"""What a run does not need, it does not import: start-up is most of a one-file run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules that a run imports only when it does what they are for.
WRITING = ("tempfile", "shutil")  # not even to write: files.create_temporary does their part
CONFIGURATION = ("tomllib",)  # a configuration file to read
# A file the cache cannot answer for: parsed, and validated with pydantic-core's extension.
PARSING = ("ruamel.yaml", "pydantic_core._pydantic_core", "qslint.compiled_model")
# pydantic-core's Python package (its schema builders): not to validate a valid file.
SCHEMAS = ("pydantic_core", "pydantic_core.core_schema")
PARALLEL = ("multiprocessing", "concurrent.futures")  # more than 128 files
FAN_OUT = ("qslint.fanout.expansion", "qslint.fanout.rows")  # a template to expand
# Jobs kept whole, for a repository rule that does not say which fields it `reads`.
WHOLE_JOBS = ("pickle",)
# A decimal parameter's value, compared with the double the service reads (pydantic-core
# imports it too).
DECIMALS = ("decimal",)
# OpenSSL, which hashlib loads for any hash: the cache's digests are BLAKE2b, built into Python.
OPENSSL = ("_hashlib",)
# Python 3.11 compiles a dataclass's generated methods when its module is imported (~5M
# instructions for a frozen one, ~1M for a named tuple): a check's records are named tuples
# and plain classes (qslint.records), and the built-in rules make none.
DATACLASSES = ("dataclasses",)
# Other commands; the pydantic models (`qslint schema`), and pydantic's plugin loader.
ELSEWHERE = ("boto3", "botocore", "pygls", "pydantic", "qslint.model", "importlib.metadata")


def imported_by_check(folder: Path, *args: str) -> set[str]:
    """The modules (among those named above) that ``qslint check ARGS`` run in ``folder``
    imports. Every file counts as settled for the cache (``SETTLED_NS``): the runs follow
    one another within seconds of the files' writes."""
    names = (
        *WRITING,
        *CONFIGURATION,
        *PARSING,
        *SCHEMAS,
        *PARALLEL,
        *FAN_OUT,
        *WHOLE_JOBS,
        *DECIMALS,
        *OPENSSL,
        *DATACLASSES,
        *ELSEWHERE,
    )
    probe = textwrap.dedent(
        f"""
        import sys
        from qslint import cache
        from qslint.cli import main
        cache.SETTLED_NS = 0
        try:
            main({[*args]!r})
        except SystemExit:
            print('imported:', *(name for name in {names!r} if name in sys.modules))
        """
    )
    result = python(folder, "-c", probe)
    return set(result.stdout.splitlines()[-1].split()[1:])


def python(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` run in ``folder`` with this checkout's qslint; exit 0 or 1."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result


@pytest.fixture
def lone_file(tmp_path: Path) -> Path:
    """A definition in a folder with no configuration, as a file checked on its own is."""
    shutil.copy(ROOT / "examples" / "weekly-sales-pdf.yaml", tmp_path / "job.yaml")
    return tmp_path


def test_a_lone_file_imports_no_configuration_reader_nor_pool(lone_file):
    imported = imported_by_check(lone_file, "check", "job.yaml")
    assert "qslint.compiled_model" in imported  # the file was parsed and validated
    assert not imported & {
        *CONFIGURATION,
        *SCHEMAS,
        *PARALLEL,
        *FAN_OUT,
        *WHOLE_JOBS,
        *OPENSSL,
        *DATACLASSES,
        *ELSEWHERE,
    }


def test_invalid_definitions_are_checked_without_pydantic(tmp_path):
    # A validation error's details name no documentation address: asked for one, pydantic-core
    # imports pydantic (~30 ms) to learn its version.
    for fixture in (ROOT / "tests" / "fixtures").glob("QS1*/bad-*.yaml"):
        shutil.copy(fixture, tmp_path / f"{fixture.parent.name}-{fixture.name}")
    imported = imported_by_check(tmp_path, "check", "--no-cache", "--jobs", "1", ".")
    assert "qslint.compiled_model" in imported
    assert not imported & {*SCHEMAS, *ELSEWHERE}


def test_the_fan_out_machinery_is_imported_for_a_template_only(lone_file):
    template = ROOT / "tests" / "fixtures" / "QS113" / "good-every-cell.yaml"
    shutil.copy(template, lone_file / "template.yaml")
    assert set(FAN_OUT) <= imported_by_check(lone_file, "check", "template.yaml")


def test_a_run_that_writes_its_cache_imports_no_temporary_file_module(lone_file):
    imported = imported_by_check(lone_file, "check", "job.yaml")
    assert list((lone_file / ".qslint_cache").glob("*.cache"))  # written
    assert not imported & set(WRITING)


def test_a_cached_run_imports_neither_parser_nor_models_nor_writer(lone_file):
    imported_by_check(lone_file, "check", "job.yaml")  # fills the cache
    imported = imported_by_check(lone_file, "check", "job.yaml")
    assert imported == set()


def test_configuration_is_read_when_there_is_some(lone_file):
    (lone_file / ".qslint.toml").write_text('region = "eu-west-1"\n')
    assert "tomllib" in imported_by_check(lone_file, "check", "--no-cache", "job.yaml")


def import_counts(folder: Path, *args: str) -> Counter[str]:
    """How many times each module is imported (``-X importtime``) by ``qslint ARGS``, in
    every process of the run: a forked worker's imports are written to the same stderr."""
    lines = python(folder, "-X", "importtime", "-m", "qslint", *args).stderr.splitlines()
    return Counter(line.rsplit("|", 1)[1].strip() for line in lines if line[:12] == "import time:")


def test_worker_processes_import_nothing_more(tmp_path):
    # Workers are forked once the parent has imported what checking needs (the loader, the
    # models, the validation, the fan-out): a module a worker imports is imported once per
    # worker.
    for index in range(3):
        shutil.copy(ROOT / "examples" / "weekly-sales-pdf.yaml", tmp_path / f"job-{index}.yaml")
    shutil.copy(ROOT / "tests" / "fixtures" / "QS113" / "good-every-cell.yaml", tmp_path)
    check = ("check", "--no-cache", "--quiet", ".")
    serial = import_counts(tmp_path, *check, "--jobs", "1")
    parallel = import_counts(tmp_path, *check, "--jobs", "2")
    assert parallel["multiprocessing"] == 1  # the run did use a pool
    # What checking needs; other names are also logged at each attempt to import an absent
    # optional module, more often with the pool's imports.
    needed = ("qslint", "pydantic_core", "ruamel")
    again = {n for n, count in parallel.items() if count > serial[n] and n.startswith(needed)}
    assert again == set()

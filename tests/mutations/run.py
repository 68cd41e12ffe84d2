"""Deliberate bugs, each run against the tests that should catch it: the suite's mutation score.

    .venv/bin/python tests/mutations/run.py              # every mutant
    .venv/bin/python tests/mutations/run.py QS301 QS601  # the mutants whose name holds one
    .venv/bin/python tests/mutations/run.py --checkout ../main   # another checkout's suite

Each mutant replaces one piece of source text in a copy of the checkout (the checkout itself
is never touched), then runs only the test modules that own that code, on one core. A mutant
is *killed* when those tests fail, and *survives* when they pass: a survivor is a bug the
suite would let through. The same tests run unmutated first: they must pass, or no verdict
means anything. A mutant whose text the source no longer holds is *stale*: update it.

The mutants cover the rules, the loader's positions, the job-id derivation, the rate limiter
and the report formats, and include every bug the mutation study of issue 22 found
surviving. Not collected by pytest; it need not run in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
TIMEOUT = 900  # seconds per mutant: a mutant that hangs the tests counts as killed


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the checkout
    original: str  # must occur exactly once in the file
    mutated: str
    tests: tuple[str, ...]  # pytest arguments: modules, perhaps with -k


RULES = ("tests/test_rules.py",)
APPLY = ("tests/test_apply.py", "tests/test_apply_reruns.py")
LIMITER = ("tests/test_limiter.py", "tests/test_apply.py", "tests/test_apply_faults.py")

MUTANTS = (
    # Rules: comparisons and counts.
    Mutant(
        "QS301 compares only the region's prefix",
        "rules/destination.py",
        "if region != context.region and _is_known_region(region):",
        "if region[:3] != context.region[:3] and _is_known_region(region):",
        RULES,
    ),
    Mutant(
        "QS301 compares the region's partition and area only (eu-west)",
        "rules/destination.py",
        "if region != context.region and _is_known_region(region):",
        "if region[:-2] != context.region[:-2] and _is_known_region(region):",
        RULES,
    ),
    Mutant(
        "QS301 finding moved to the key, another column of the same line",
        "rules/destination.py",
        'path=(*path, "BucketRegion"),\n            )',
        'path=(*path, "BucketRegion"),\n                key=True,\n            )',
        RULES,
    ),
    Mutant(
        "QS601 ignores AwsAccountId",
        "rules/repository.py",
        'values["AwsAccountId"],\n            checked.region,',
        '"",\n            checked.region,',
        RULES,
    ),
    Mutant(
        "QS601 ignores the region",
        "rules/repository.py",
        'values["AwsAccountId"],\n            checked.region,',
        'values["AwsAccountId"],\n            None,',
        RULES,
    ),
    Mutant(
        "QS303 allows 64 characters",
        "rules/destination.py",
        "if not 3 <= len(name) <= 63:",
        "if not 3 <= len(name) <= 64:",
        RULES,
    ),
    Mutant(
        "QS303 refuses 3 characters",
        "rules/destination.py",
        "if not 3 <= len(name) <= 63:",
        "if not 4 <= len(name) <= 63:",
        RULES,
    ),
    Mutant(
        "QS404 int64 lower bound one lower",
        "rules/parameters.py",
        "INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1",
        "INT64_MIN, INT64_MAX = -(2**63) - 1, 2**63 - 1",
        RULES,
    ),
    Mutant(
        "QS205 refuses 5 sheet selections",
        "rules/formats.py",
        "if len(file.SheetSelections) > EXCEL_MAX_SHEETS:",
        "if len(file.SheetSelections) >= EXCEL_MAX_SHEETS:",
        RULES,
    ),
    Mutant(
        "QS207 refuses 6 file groups",
        "rules/formats.py",
        "if len(groups) > limit:",
        "if len(groups) >= limit:",
        RULES,
    ),
    Mutant(
        "QS209 reports the second file past the limit",
        "rules/formats.py",
        "if counts[file.FormatType] == limit + 1:",
        "if counts[file.FormatType] == limit + 2:",
        RULES,
    ),
    # The loader's positions.
    Mutant(
        "columns 0-based",
        "qslint/loader/documents.py",
        "return Mark(mark.line + 1, mark.column + 1)",
        "return Mark(mark.line + 1, mark.column)",
        (*RULES, "tests/test_loader.py"),
    ),
    Mutant(
        "offset marks 0-based",
        "qslint/loader/problems.py",
        "return Mark(len(starts), offset - starts[-1] + 1)",
        "return Mark(len(starts), offset - starts[-1])",
        (*RULES, "tests/test_loader.py"),
    ),
    Mutant(
        "LS is no line break",
        "qslint/loader/problems.py",
        '_LINE_BREAK = re.compile("\\r\\n|[\\r\\n\\x85\\u2028\\u2029]")',
        '_LINE_BREAK = re.compile("\\r\\n|[\\r\\n\\x85\\u2029]")',
        ("tests/test_fuzz.py", "tests/test_loader.py"),
    ),
    Mutant(
        "the YAML 1.2 parser's lines counted by CR and LF only",
        "qslint/loader/composing.py",
        "return StringMark(mark.name, mark.index, line, column, mark.buffer, mark.pointer)",
        "return mark",
        ("tests/test_fuzz.py", "tests/test_loader.py"),
    ),
    # Job identity.
    Mutant(
        "the job id ignores the run key",
        "qslint/apply/identity.py",
        'hashlib.sha256(f"{run_key}\\n{job.digest}".encode())',
        'hashlib.sha256(f"{job.digest}".encode())',
        APPLY,
    ),
    Mutant(
        "the job id ignores the definition",
        "qslint/apply/identity.py",
        'hashlib.sha256(f"{run_key}\\n{job.digest}".encode())',
        'hashlib.sha256(f"{run_key}".encode())',
        APPLY,
    ),
    Mutant(
        "a retry keeps the first attempt's id",
        "qslint/apply/identity.py",
        'suffix = "" if attempt == 1 else f"-{attempt}"',
        'suffix = ""',
        APPLY,
    ),
    # The rate limiter.
    Mutant(
        "the limiter lets one more call in",
        "qslint/aws/limiter.py",
        "if self._in_flight + len(self._answered) < self._calls:",
        "if self._in_flight + len(self._answered) <= self._calls:",
        LIMITER,
    ),
    Mutant(
        "the limiter forgets calls in flight",
        "qslint/aws/limiter.py",
        "if self._in_flight + len(self._answered) < self._calls:",
        "if len(self._answered) < self._calls:",
        LIMITER,
    ),
    # Report formats.
    Mutant(
        "rdjson suggestions dropped",
        "qslint/report/rdjson_format.py",
        "if change is not None:",
        "if change is None and change is not None:",
        ("tests/test_ci_formats.py",),
    ),
    Mutant(
        "a SARIF URI outside the root cut to its file name",
        "qslint/report/sarif_format.py",
        'return {"uri": Path(file).absolute().as_uri()}',
        'return {"uri": quote(Path(file).name)}',
        ("tests/test_report_formats.py",),
    ),
)


def copy_checkout(checkout: Path, target: Path) -> None:
    """The tracked and new files of the checkout (not the venv, caches or .git)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=checkout,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = checkout / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # The installed name of rules/: found in the copy before the editable install's.
    (target / "qslint_rules").symlink_to("rules")


def tests_fail(tests: tuple[str, ...], copy: Path) -> str | None:
    """Why ``tests`` fail (or hang) in the copy, on one core, stopping at the first; or None."""
    # The copy first on every process's path, subprocesses too (apply runs in some).
    environment = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider"]
    try:
        finished = subprocess.run(
            [*command, *tests],
            cwd=copy,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no result within {TIMEOUT} s"
    failures = [line for line in finished.stdout.splitlines() if line.startswith("FAILED")]
    return (failures or ["failed"])[0] if finished.returncode else None


def verdict(mutant: Mutant, copy: Path) -> str:
    """``killed``, ``SURVIVED`` or ``STALE`` (the source no longer holds the mutated text)."""
    path = copy / mutant.file
    original = path.read_text(encoding="utf-8") if path.is_file() else ""
    if original.count(mutant.original) != 1:
        return "STALE"
    path.write_text(original.replace(mutant.original, mutant.mutated), encoding="utf-8")
    try:
        return "SURVIVED" if tests_fail(mutant.tests, copy) is None else "killed"
    finally:
        path.write_text(original, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run the mutants whose name holds one of these")
    parser.add_argument("--checkout", type=Path, default=CHECKOUT, help="the suite to judge")
    arguments = parser.parse_args()
    chosen = [m for m in MUTANTS if not arguments.only or any(o in m.name for o in arguments.only)]
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="qslint-mutants-") as folder:
        copy = Path(folder)
        copy_checkout(arguments.checkout.resolve(), copy)
        for tests in dict.fromkeys(mutant.tests for mutant in chosen):
            failure = tests_fail(tests, copy)
            if failure is not None:
                print(f"unmutated, pytest {' '.join(tests)}: {failure}", file=sys.stderr)
                return 2
        for mutant in chosen:
            started = time.monotonic()
            verdicts.append(verdict(mutant, copy))
            seconds = time.monotonic() - started
            print(f"{verdicts[-1]:8} {seconds:6.1f}s  {mutant.name}", flush=True)
    judged = [v for v in verdicts if v != "STALE"]
    print(f"score: {judged.count('killed')}/{len(judged)} mutants killed", end="")
    print(f", {len(verdicts) - len(judged)} stale" if len(judged) < len(verdicts) else "")
    return 0 if verdicts.count("killed") == len(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time qslint against the tools a user would otherwise reach for, on the same files.

    python benchmarks/compare.py [--files 2000] [--rounds 5] [--scaling 500,2000,10000]
                                 [--fan-out 1000]

Generates a realistic corpus (benchmarks/corpus.py) in a temporary folder, then times
whole-process runs, interleaved round by round so that the machine's state affects every
tool alike:

- ``qslint check`` cold (``--no-cache``, every rule) and warm (cache, nothing changed);
- ``check-jsonschema --schemafile <qslint schema>``: schema validation only;
- ``yamllint``: YAML syntax and style only;
- a single-file run of each, which is what a pre-commit hook does: for qslint, with the
  cache and that one file changed since the last run, as a commit has it; its repository
  rule (QS601) still compares the file with the other 1,999 definitions of the project. And
  the same file with ``--no-cache``, which parses the whole project for that comparison.

It prints medians, the peer/qslint ratios, the peak memory of each run (from the kernel's
accounting of the child process), a scaling line for qslint alone, and one template over
1,000 CSV rows (a fan-out) against the same 1,000 jobs as plain files. Peers come from the
``bench`` extra. Measure a regular install, as users run it (an editable install adds its
import hook to every start):

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -q '.[bench]'
    .venv-bench/bin/python benchmarks/compare.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import distribution, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import (  # the corpus module lives beside this script
    write_corpus,
    write_fan_out,
    write_fan_out_copies,
)

BIN = Path(sys.executable).parent
# Every tool runs as it would on a user's machine, where Python keeps compiled bytecode: a
# PYTHONDONTWRITEBYTECODE set in this shell would have qslint compile its own modules on
# every run of an editable install (the peers' bytecode was written when pip installed them).
ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    exit_code: int


def run(command: Sequence[str], cwd: Path) -> Run:
    """Run ``command`` to completion; its wall time and the peak RSS of its process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {error}")
    if process.stderr:
        process.stderr.close()
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode)


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    return str(path)


def median(runs: Sequence[Run]) -> tuple[float, float]:
    return statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs)


def compare(folder: Path, files: int, rounds: int) -> None:
    corpus = folder / "jobs"
    paths = [str(p.relative_to(folder)) for p in write_corpus(corpus, files)]
    (folder / ".qslint.toml").write_text('region = "eu-west-1"\n')
    schema = folder / "schema.json"
    subprocess.run([tool("qslint"), "schema", "--output", str(schema)], check=True, cwd=folder)
    one = paths[0]
    # The commits' project: a copy, so that the file they change leaves the warm runs' alone.
    commits = folder.parent / f"{folder.name}-commits"
    shutil.copytree(corpus, commits / "jobs")
    shutil.copy(folder / ".qslint.toml", commits)
    commands = {
        "qslint (cold)": [tool("qslint"), "check", "--no-cache", "-q", "jobs"],
        "qslint (warm)": [tool("qslint"), "check", "-q", "jobs"],
        "check-jsonschema": [tool("check-jsonschema"), "--schemafile", str(schema), *paths],
        "yamllint": [tool("yamllint"), "-d", "relaxed", "jobs"],
        "qslint, 1 file": [tool("qslint"), "check", "--force-exclude", "-q", one],
        "qslint, 1 file, --no-cache": [tool("qslint"), "check", "--no-cache", "-q", one],
        "check-jsonschema, 1 file": [tool("check-jsonschema"), "--schemafile", str(schema), one],
        "yamllint, 1 file": [tool("yamllint"), "-d", "relaxed", one],
    }
    try:
        results = _rounds(commands, folder, commits, one, rounds)
    finally:
        shutil.rmtree(commits)
    print(f"{files} files, {rounds} rounds, median wall time and peak memory per run")
    print(f"qslint {version('qslint')} ({installed()}), Python {sys.version.split()[0]}\n")
    print(f"{'':26} {'seconds':>8} {'peak MB':>8}  ratio")
    baseline = {"": median(results["qslint (cold)"])[0], "1": median(results["qslint, 1 file"])[0]}
    for name, runs in results.items():
        seconds, peak = median(runs)
        reference = baseline["1" if "1 file" in name else ""]
        ratio = f"{seconds / reference:5.2f}x qslint" if not name.startswith("qslint") else ""
        print(f"{name:26} {seconds:8.3f} {peak:8.1f}  {ratio}")
    cold, warm = baseline[""], median(results["qslint (warm)"])[0]
    print(f"\nwarm re-run: {cold / warm:.1f}x faster than cold")


def _rounds(
    commands: dict[str, list[str]], folder: Path, commits: Path, one: str, rounds: int
) -> dict[str, list[Run]]:
    """Every command once per round, interleaved; the commits' run in their own project."""
    for where in (folder, commits):  # fill the caches the warm runs and the commits read
        run(commands["qslint (warm)"], where)
    results: dict[str, list[Run]] = {name: [] for name in commands}
    original = (commits / one).read_text()
    for number in range(rounds):
        for name, command in commands.items():
            where = folder
            if name == "qslint, 1 file":  # what a commit changed: new to the cache every round
                (commits / one).write_text(f"{original}# round {number}\n")
                where = commits
            results[name].append(run(command, where))
    return results


def installed() -> str:
    """How qslint is installed: an editable install's start-up is not a user's."""
    direct_url = distribution("qslint").read_text("direct_url.json") or "{}"
    editable = json.loads(direct_url).get("dir_info", {}).get("editable", False)
    return "editable install: start-up includes its import hook" if editable else "installed"


def scaling(folder: Path, sizes: Sequence[int]) -> None:
    print("\nqslint scaling (cold, every rule)")
    times: dict[int, float] = {}
    for size in sizes:
        corpus = folder / f"scale-{size}"
        write_corpus(corpus, size)
        # A project of its own: beside the comparison's, it would be compared with that one.
        (corpus / ".qslint.toml").write_text('region = "eu-west-1"\n')
        measured = run([tool("qslint"), "check", "--no-cache", "-q", corpus.name], folder)
        times[size] = measured.seconds
        print(f"{size:>7} files {measured.seconds:7.2f} s {measured.peak_mb:7.1f} MB peak")
        shutil.rmtree(corpus)
    if 2000 in times and 10000 in times:
        print(f"10,000 files cost {times[10000] / times[2000]:.2f}x 2,000 files")


def fan_out(folder: Path, rows: int, rounds: int) -> None:
    """One template over ``rows`` CSV rows against the same jobs as ``rows`` plain files."""
    print(f"\nfan-out: one template over {rows} rows vs {rows} plain files (cold)")
    projects = {"template": folder / "fan-out", "plain files": folder / "fan-out-copies"}
    write_fan_out(projects["template"], rows)
    write_fan_out_copies(projects["plain files"], rows)
    for project in projects.values():
        (project / ".qslint.toml").write_text('region = "eu-west-1"\n')
    results: dict[str, list[Run]] = {name: [] for name in projects}
    for _ in range(rounds):
        for name, project in projects.items():
            command = [tool("qslint"), "check", "--no-cache", "-q", project.name]
            results[name].append(run(command, folder))
    for name, runs in results.items():
        seconds, peak = median(runs)
        print(f"{name:26} {seconds:8.3f} {peak:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scaling", default="500,2000,10000", help="sizes, or '' to skip")
    parser.add_argument("--fan-out", type=int, default=1000, help="rows, or 0 to skip")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qslint-bench-") as temporary:
        folder = Path(temporary)
        (folder / ".qslint.toml").write_text('region = "eu-west-1"\n')
        compare(folder, options.files, options.rounds)
        if options.scaling:
            scaling(folder, [int(size) for size in options.scaling.split(",")])
        if options.fan_out:
            fan_out(folder, options.fan_out, options.rounds)


if __name__ == "__main__":
    main()

"""Each row of issue 20's table in one run: qslint against its target and its peers.

    python benchmarks/compare.py [--rounds 5] [--quick] [--fan-out 1000]

Generates realistic corpora (benchmarks/corpus.py) in a temporary folder, then measures,
with every tool's runs interleaved round by round so that the machine's state affects each
alike (medians of the rounds; ratio = qslint's time / the peer's, or the peer's / qslint's
where the row says "faster"):

1. the language server: an edit (didChange) to its diagnostics in a 2,000-definition
   workspace, from ``benchmarks/lsp_latency.py --workspace 2000`` (needs the ``server``
   extra);
2. ``check`` of one changed file in a 2,000-definition project, as a pre-commit hook runs it
   (cache on, that file changed since the last run, QS601 over the project), against
   yamllint and check-jsonschema on the same file;
3. ``check`` of one changed file that is alone in its folder (no project, no configuration),
   against yamllint;
4. 1,000 files, cold (``--no-cache``), against ``check-jsonschema --schemafile <qslint's
   schema>`` (schema validation only, with ruamel.yaml's C parser, its default);
5. 50,000 files with an empty cache: the run's peak memory (from the kernel's accounting of
   the child process) and the size of the cache it writes.

Each row ends with its target from the issue and whether this run met it. Then one
template over 1,000 CSV rows (a fan-out) is timed against the same 1,000 jobs as plain
files (``--fan-out 0`` skips it). It takes about 5 minutes on a quiet 2-core machine, most
of it writing and checking the 50,000 files;
``--quick`` (3 rounds, 10,000 files for the last row, whose target is then not judged)
about 1 minute. Peers come from the ``bench`` extra. Measure a regular install, as users
run it (an editable install adds its import hook to every start):

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -q '.[bench,server]'
    .venv-bench/bin/python benchmarks/compare.py
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import distribution, version
from pathlib import Path

from qslint.cache import SETTLED_NS

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


HERE = Path(__file__).parent
REGION = 'region = "eu-west-1"\n'


def seconds(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def milliseconds(runs: Sequence[Run]) -> str:
    return f"{seconds(runs) * 1000:.0f} ms"


@dataclass(frozen=True)
class Row:
    what: str
    measured: str
    peers: str
    target: str
    met: bool | None  # None: not judged in this run


def project(folder: Path, files: int) -> list[str]:
    """A project of ``files`` definitions in ``folder``: their paths, relative to it."""
    folder.mkdir()
    (folder / ".qslint.toml").write_text(REGION)
    return [str(path.relative_to(folder)) for path in write_corpus(folder / "jobs", files)]


def interleaved(
    commands: dict[str, tuple[list[str], Path]], rounds: int, before: Callable[[int], None]
) -> dict[str, list[Run]]:
    """Every command once per round, in turn; ``before(round)`` changes what a round checks."""
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for number in range(rounds):
        before(number)
        for name, (command, where) in commands.items():
            results[name].append(run(command, where))
    return results


def one_changed_file(folder: Path, schema: Path, rounds: int) -> list[Row]:
    """Rows 2 and 3: one changed file in a 2,000-definition project, and on its own."""
    hook = folder / "hook"
    one = project(hook, 2000)[0]
    lone = folder / "lone"  # no configuration above it: the temporary folder's root has none
    lone.mkdir()
    shutil.copy(hook / one, lone / "job.yaml")
    # A repository's files were written long before the commit that changes one: the cache
    # keeps a file's status (and then never reads it again) only once it has not changed for
    # SETTLED_NS, so the project settles before the run that makes the cache a commit finds.
    time.sleep(SETTLED_NS / 1e9)
    run([tool("qslint"), "check", "-q", "jobs"], hook)
    run([tool("qslint"), "check", "-q", "job.yaml"], lone)
    original = (hook / one).read_text()

    def change(number: int) -> None:  # what a commit changed: new to the cache every round
        (hook / one).write_text(f"{original}# round {number}\n")
        (lone / "job.yaml").write_text(f"{original}# round {number}\n")

    results = interleaved(
        {
            "hook": ([tool("qslint"), "check", "--force-exclude", "-q", one], hook),
            "lone": ([tool("qslint"), "check", "-q", "job.yaml"], lone),
            "yamllint": ([tool("yamllint"), "-d", "relaxed", "job.yaml"], lone),
            "check-jsonschema": (
                [tool("check-jsonschema"), "--schemafile", str(schema), "job.yaml"],
                lone,
            ),
        },
        rounds,
        change,
    )
    hook_s, lone_s = seconds(results["hook"]), seconds(results["lone"])
    yamllint_s, jsonschema_s = seconds(results["yamllint"]), seconds(results["check-jsonschema"])
    return [
        Row(
            "check of one changed file in a 2,000-definition project (the hook)",
            milliseconds(results["hook"]),
            f"= {hook_s / yamllint_s:.1f}x yamllint ({milliseconds(results['yamllint'])}), "
            f"{hook_s / jsonschema_s:.1f}x check-jsonschema "
            f"({milliseconds(results['check-jsonschema'])}) on one file",
            "<= 130 ms",
            hook_s <= 0.130,
        ),
        Row(
            "check of one changed lone file",
            milliseconds(results["lone"]),
            f"= {lone_s / yamllint_s:.1f}x yamllint ({milliseconds(results['yamllint'])})",
            "<= 110 ms",
            lone_s <= 0.110,
        ),
    ]


def cold_files(folder: Path, schema: Path, rounds: int) -> Row:
    """Row 4: 1,000 files, cold, against check-jsonschema on the same files."""
    cold = folder / "cold"
    paths = project(cold, 1000)
    results = interleaved(
        {
            "qslint": ([tool("qslint"), "check", "--no-cache", "-q", "jobs"], cold),
            "check-jsonschema": (
                [tool("check-jsonschema"), "--schemafile", str(schema), *paths],
                cold,
            ),
        },
        rounds,
        lambda _: None,
    )
    faster = seconds(results["check-jsonschema"]) / seconds(results["qslint"])
    return Row(
        "1,000 files cold vs check-jsonschema (its C parser, qslint's schema only)",
        f"{seconds(results['qslint']):.2f} s",
        f"{faster:.1f}x faster than check-jsonschema "
        f"({seconds(results['check-jsonschema']):.2f} s)",
        ">= 5x",
        faster >= 5,
    )


def empty_cache(folder: Path, files: int) -> Row:
    """Row 5: a first run over ``files`` files: its peak memory and the cache it writes."""
    big = folder / "big"
    project(big, files)
    measured = run([tool("qslint"), "check", "-q", "jobs"], big)
    cache = sum(path.stat().st_size for path in (big / ".qslint_cache").rglob("*"))
    cache_mb = cache / 1024 / 1024
    judged = files == 50_000
    return Row(
        f"{files:,} files, empty cache: peak memory / cache file",
        f"{measured.peak_mb:.0f} MB / {cache_mb:.0f} MB",
        f"({measured.seconds:.1f} s)" + ("" if judged else "; the target is for 50,000 files"),
        "<= 300 MB / <= 30 MB",
        measured.peak_mb <= 300 and cache_mb <= 30 if judged else None,
    )


KEYSTROKE = re.compile(r"didChange -> diagnostics ([0-9.]+) ms")


def keystroke(rounds: int) -> Row:
    """Row 1, from benchmarks/lsp_latency.py: its median over every timed edit."""
    command = [sys.executable, str(HERE / "lsp_latency.py"), "--workspace", "2000"]
    finished = subprocess.run(
        [*command, "--rounds", str(rounds)],
        env=ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    found = KEYSTROKE.findall(finished.stdout)
    what = "language server, didChange -> diagnostics, 2,000-definition workspace"
    if finished.returncode != 0 or not found:
        reason = (finished.stderr.strip().splitlines() or ["no median printed"])[-1]
        return Row(what, "not measured", reason[:100], "<= 25 ms", None)
    latency = float(found[-1])
    return Row(what, f"{latency:.1f} ms", "", "<= 25 ms", latency <= 25)


def installed() -> str:
    """How qslint is installed: an editable install's start-up is not a user's."""
    direct_url = distribution("qslint").read_text("direct_url.json") or "{}"
    editable = json.loads(direct_url).get("dir_info", {}).get("editable", False)
    return "editable install: start-up includes its import hook" if editable else "installed"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} cores"


def print_rows(rows: Sequence[Row]) -> None:
    verdicts = {True: "met", False: "NOT MET", None: "-"}
    width = max(len(row.what) for row in rows)
    for row in rows:
        print(f"{row.what:{width}}  {row.measured:>15}  {row.target:>21}  {verdicts[row.met]}")
        if row.peers:
            print(f"{'':{width}}  {row.peers}")


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
        peak = max(measured.peak_mb for measured in runs)
        print(f"{name:12} {seconds(runs):8.3f} s {peak:8.1f} MB peak")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 rounds, 10,000 files for row 5")
    parser.add_argument("--fan-out", type=int, default=1000, help="rows, or 0 to skip")
    options = parser.parse_args()
    rounds = 3 if options.quick else options.rounds
    print(f"qslint {version('qslint')} ({installed()}), Python {sys.version.split()[0]}")
    print(f"{rounds} rounds, medians; at the start: {load()}\n")
    with tempfile.TemporaryDirectory(prefix="qslint-bench-") as temporary:
        folder = Path(temporary)
        schema = folder / "schema.json"
        subprocess.run([tool("qslint"), "schema", "--output", str(schema)], check=True)
        rows = [
            keystroke(rounds),
            *one_changed_file(folder, schema, rounds),
            cold_files(folder, schema, rounds),
            empty_cache(folder, 10_000 if options.quick else 50_000),
        ]
        print_rows(rows)
        if options.fan_out:
            fan_out(folder, options.fan_out, rounds)
    print(f"\nat the end: {load()}")


if __name__ == "__main__":
    main()

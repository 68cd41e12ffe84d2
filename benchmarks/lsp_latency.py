"""Time from an edit to its diagnostics in `qslint server`, as an editor sees it.

    .venv/bin/python benchmarks/lsp_latency.py [FILE] [--rounds N]
    .venv/bin/python benchmarks/lsp_latency.py --workspace 2000 [--rounds N] [--changes N]
    .venv/bin/python benchmarks/lsp_latency.py --workspace 2000 --placeholders [--rounds N]

Starts the server over stdio (a fresh process per round) and initializes it on a folder.
With FILE (a broken example by default), the folder is the file's: it opens the file and
times until its publishDiagnostics arrives. With ``--workspace N``, the folder is a project
of N definitions (benchmarks/corpus.py) whose cache a ``qslint check`` has filled, as a
user's would be: it opens one definition, waits for its first diagnostics, then times
``--changes`` edits, each an incremental didChange (without the debounce an editor's
keystrokes have) until its diagnostics; one of the edits makes the job a duplicate of
another file's (QS601), the next undoes it. A CI workflow (YAML that is no definition) is
open beside it, as in an editor's other tab. Prints each round and the medians, and the
server's CPU time per change (from /proc: what the machine's load does not inflate). With
``--placeholders``, the project also holds a fan-out template over a 200-row CSV: it opens
the template and, ``--changes`` times, types `${` in it (with an editor's debounce) and
times a hover on a placeholder and a completion after the `${`, each until its answer.
Needs the `server` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus, write_fan_out  # the corpus module lives beside this script


class Session:
    """One server process, initialized on ``folder``, and the diagnostics it publishes."""

    def __init__(self) -> None:
        self.client = LanguageClient("qslint-latency", "1")
        self.published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

    async def start(self, folder: Path, debounce: float = 0) -> None:
        # In the workspace's folder, as editors start it: the cache names files from there.
        await self.client.start_io(sys.executable, "-m", "qslint", "server", cwd=folder)
        workspace = types.WorkspaceFolder(uri=from_fs_path(str(folder.absolute())), name="w")
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[workspace],
                initialization_options={"debounce": debounce},
            )
        )
        self.client.initialized(types.InitializedParams())

    async def diagnostics_of(self, uri: str) -> list[str]:
        while True:
            params = await self.published.get()
            if params.uri == uri:
                return [f"{d.code}@{d.range.start.line + 1}" for d in params.diagnostics]

    async def open(self, path: Path) -> tuple[str, float, list[str]]:
        item = _opened(path)
        started = time.perf_counter()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        codes = await self.diagnostics_of(item.uri)
        return item.uri, time.perf_counter() - started, codes

    def open_beside(self, path: Path) -> None:
        """Open a document that gets no diagnostics (it is no definition)."""
        item = _opened(path)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    async def change(
        self, uri: str, version: int, change: types.TextDocumentContentChangePartial
    ) -> tuple[float, list[str]]:
        identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        started = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change])
        )
        codes = await self.diagnostics_of(uri)
        return time.perf_counter() - started, codes

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far (Linux): unlike wall time, it does not grow
        with the machine's load."""
        process = getattr(self.client, "_server", None)
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


async def open_round(path: Path) -> tuple[float, list[str]]:
    session = Session()
    await session.start(path.parent)
    _, elapsed, codes = await session.open(path)
    await session.stop()
    return elapsed, codes


def _job_id_edit(text: str, old: str, new: str) -> types.TextDocumentContentChangePartial:
    """Replace ``old``, the job id on its line, with ``new``."""
    for number, line in enumerate(text.splitlines()):
        if line.startswith("SnapshotJobId:"):
            start = line.index(old)
            return types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=types.Position(line=number, character=start),
                    end=types.Position(line=number, character=start + len(old)),
                ),
                text=new,
            )
    raise ValueError("no SnapshotJobId line")


async def change_round(
    folder: Path, path: Path, twin: str, changes: int
) -> tuple[float, list[float], list[str]]:
    """Open ``path``, then edit its job id ``changes`` times: to ``twin`` (another file's
    id: QS601) and back, in turn."""
    session = Session()
    await session.start(folder)
    uri, opened, _ = await session.open(path)
    session.open_beside(folder / WORKFLOW)
    await session.diagnostics_of(uri)  # every open document is linted again
    own = next(
        line.split(":", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.startswith("SnapshotJobId:")
    )
    text = path.read_text()
    times, seen = [], []
    cpu = session.cpu_seconds()
    for number in range(changes):
        old, new = (own, twin) if number % 2 == 0 else (twin, own)
        elapsed, codes = await session.change(uri, number + 2, _job_id_edit(text, old, new))
        text = text.replace(f"SnapshotJobId: {old}", f"SnapshotJobId: {new}")
        times.append(elapsed)
        seen = sorted({*seen, *codes})
    cpu = (session.cpu_seconds() - cpu) / changes
    await session.stop()
    return opened, times, cpu, seen


async def placeholder_round(
    folder: Path, template: Path, requests: int
) -> tuple[list[float], list[float], float, str]:
    """Open the fan-out ``template``, then ``requests`` times: type `${` in its bucket prefix
    (a didChange, linted after the default debounce, as an editor's keystroke is), hover on
    the job id's `${tenant}` and complete after the `${`; then undo the edit and wait for
    its diagnostics. The hovers' and completions' times, the server's CPU per pair of
    requests (the lints run after the debounce, outside), and the last hover."""
    session = Session()
    await session.start(folder, debounce=0.3)
    uri, _, _ = await session.open(template)
    text = template.read_text()
    lines = text.splitlines()
    prefix = next(n for n, line in enumerate(lines) if "BucketPrefix:" in line)
    job_id = next(n for n, line in enumerate(lines) if line.startswith("SnapshotJobId:"))
    document = types.TextDocumentIdentifier(uri=uri)
    on_tenant = types.Position(line=job_id, character=lines[job_id].index("${") + 3)
    typed_at = lines[prefix].index("${tenant}") + 2
    typed = types.Range(
        start=types.Position(line=prefix, character=typed_at),
        end=types.Position(line=prefix, character=len(lines[prefix])),
    )
    back = types.Range(start=typed.start, end=typed.start)
    hovers, completions, shown, cpu = [], [], "", 0.0
    for number in range(requests):
        for version, (range_, new) in enumerate(((typed, ""), (back, "tenant}/weekly")), 2):
            identifier = types.VersionedTextDocumentIdentifier(
                uri=uri, version=2 * number + version
            )
            change = types.TextDocumentContentChangePartial(range=range_, text=new)
            session.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=identifier, content_changes=[change]
                )
            )
            if new:
                await session.diagnostics_of(uri)  # the lint after the debounce, untimed
                continue
            cpu -= session.cpu_seconds()
            started = time.perf_counter()
            hover = await session.client.text_document_hover_async(
                types.HoverParams(text_document=document, position=on_tenant)
            )
            hovers.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = await session.client.text_document_completion_async(
                types.CompletionParams(text_document=document, position=typed.start)
            )
            completions.append(time.perf_counter() - started)
            cpu += session.cpu_seconds()
            assert isinstance(found, types.CompletionList) and found.items, found
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            shown = hover.contents.value
    await session.stop()
    return hovers, completions, cpu / requests, shown


WORKFLOW = "ci.yaml"  # beside the definitions, as a CI configuration may be


def workspace(folder: Path, count: int) -> tuple[Path, str]:
    """A project of ``count`` definitions with a warm cache: one file to edit, and the job
    id of another of the same account and dashboard (to make a duplicate of)."""
    paths = write_corpus(folder / "jobs", count)
    (folder / ".qslint.toml").write_text('region = "eu-west-1"\n')
    (folder / WORKFLOW).write_text(
        "name: ci\non: [push]\njobs:\n  lint: {runs-on: ubuntu-latest}\n"
    )
    edited, twin_id = duplicable(paths)
    command = [sys.executable, "-m", "qslint", "check", "-q", "jobs"]
    subprocess.run(command, cwd=folder, check=False, stdout=subprocess.DEVNULL)
    return edited, twin_id


def duplicable(paths: list[Path]) -> tuple[Path, str]:
    """Give the 98th file the account and dashboard of the first: the file to edit, and the
    job id that makes its job a duplicate (QS601) of the first's."""
    # The corpus gives dashboard `<team>-dashboard-<index % 97>`: index 97 shares index
    # 0's dashboard name and, in one case in three, its account; the edit copies both. A
    # duplicate is reported on the later file: the one edited.
    edited, twin = paths[97], paths[0]
    lines = twin.read_text().splitlines()
    header = [line for line in lines if line.startswith(("AwsAccountId:", "DashboardId:"))]
    text = edited.read_text().splitlines()
    text = [
        next((h for h in header if h.split(":")[0] == line.split(":")[0]), line) for line in text
    ]
    edited.write_text("\n".join(text) + "\n")
    twin_id = next(line.split(":", 1)[1].strip() for line in lines if "SnapshotJobId:" in line)
    return edited, twin_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", type=Path, default=Path("examples/broken/pdf-selected-visuals.yaml")
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workspace", type=int, default=0, help="definitions in the project")
    parser.add_argument("--changes", type=int, default=20, help="edits timed per round")
    parser.add_argument(
        "--placeholders", action="store_true", help="time hover and completion in a template"
    )
    arguments = parser.parse_args()
    if not arguments.workspace:
        times = []
        for number in range(arguments.rounds):
            elapsed, codes = asyncio.run(open_round(arguments.file))
            times.append(elapsed)
            print(f"round {number + 1}: {elapsed * 1000:.0f} ms  {' '.join(codes)}")
        print(f"median didOpen -> diagnostics: {statistics.median(times) * 1000:.0f} ms")
        return
    with tempfile.TemporaryDirectory(prefix="qslint-lsp-") as temporary:
        folder = Path(temporary)
        path, twin = workspace(folder, arguments.workspace)
        if arguments.placeholders:
            placeholders(folder, arguments.workspace, arguments.rounds, arguments.changes)
            return
        opens, changes, cpus = [], [], []
        for number in range(arguments.rounds):
            opened, times, cpu, codes = asyncio.run(
                change_round(folder, path, twin, arguments.changes)
            )
            opens.append(opened)
            changes += times
            cpus.append(cpu)
            print(
                f"round {number + 1}: didOpen {opened * 1000:.0f} ms, didChange median "
                f"{statistics.median(times) * 1000:.1f} ms, server CPU {cpu * 1000:.1f} ms "
                f"per change  (seen: {' '.join(codes)})"
            )
        print(
            f"{arguments.workspace} definitions: median didOpen -> diagnostics "
            f"{statistics.median(opens) * 1000:.0f} ms, didChange -> diagnostics "
            f"{statistics.median(changes) * 1000:.1f} ms (server CPU "
            f"{statistics.median(cpus) * 1000:.1f} ms per change)"
        )


def placeholders(folder: Path, definitions: int, rounds: int, requests: int) -> None:
    write_fan_out(folder / "fan-out", rows=200)
    hovers, completions, cpus = [], [], []
    for number in range(rounds):
        hover, completion, cpu, shown = asyncio.run(
            placeholder_round(folder, folder / "fan-out" / "weekly.yaml", requests)
        )
        hovers += hover
        completions += completion
        cpus.append(cpu)
        print(
            f"round {number + 1}: hover median {statistics.median(hover) * 1000:.1f} ms, "
            f"completion median {statistics.median(completion) * 1000:.1f} ms, server CPU "
            f"{cpu * 1000:.1f} ms per hover and completion  ({shown.splitlines()[0]})"
        )
    print(
        f"{definitions} definitions and a 200-row fan-out: after a keystroke, hover "
        f"{statistics.median(hovers) * 1000:.1f} ms, completion "
        f"{statistics.median(completions) * 1000:.1f} ms (medians; server CPU "
        f"{statistics.median(cpus) * 1000:.1f} ms per hover and completion)"
    )


def _opened(path: Path) -> types.TextDocumentItem:
    """``path`` as the client opens it."""
    uri = from_fs_path(str(path.absolute()))
    assert uri is not None
    return types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=path.read_text())


if __name__ == "__main__":
    main()

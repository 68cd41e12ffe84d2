"""The job definitions as they were at a git ref, read through the real ``git`` program."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from subprocess import CompletedProcess

from qslint.apply.plan import DefinitionAt, JobKey, TemplateRow, content_digest, job_key
from qslint.fanout.expansion import ReadRows, expand_source
from qslint.loader import load_source
from qslint.sources import Selectors


class ChangesError(Exception):
    """git could not answer (no repository, unknown ref): a usage error."""


def _run_git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError as error:
        raise ChangesError(
            "comparing with a git commit needs git, which is not installed"
        ) from error


def _git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    done = _run_git(args, cwd, stdin)
    if done.returncode:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise ChangesError(f"git {args[0]}: {detail[-1] if detail else 'failed'}")
    return done.stdout


def git_answer(args: Sequence[str], cwd: Path) -> str | None:
    """git's answer to a question (its output, stripped), or ``None`` when it says no."""
    done = _run_git(args, cwd)
    return None if done.returncode else done.stdout.decode(errors="replace").strip()


def repository_folder(paths: Sequence[Path]) -> Path:
    """Where git is asked about a run over ``paths``: the folder of the first one."""
    first = next(iter(paths), Path())
    return first if first.is_dir() else first.parent


def head_commit(folder: Path) -> str:
    """The commit checked out in the repository that holds ``folder``."""
    return _git(["rev-parse", "--verify", "HEAD^{commit}"], folder).decode().strip()


def _blobs_at(ref: str, top: Path) -> Iterator[tuple[str, str]]:
    """``(object id, path from the top)`` of every file in ``ref``'s tree."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", ref], top)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, name = entry.split(b"\t", 1)
        _, kind, oid = meta.decode().split()
        if kind == "blob":
            yield oid, name.decode()


def _read_blobs(oids: Sequence[str], top: Path) -> Iterator[bytes]:
    """The contents of blobs, in order, from one ``git cat-file --batch``."""
    output = _git(["cat-file", "--batch"], top, stdin="".join(f"{o}\n" for o in oids).encode())
    position = 0
    for _ in oids:
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        start = header_end + 1
        yield output[start : start + size]
        position = start + size + 1  # the content is followed by a newline


def _commit(ref: str, top: Path) -> bytes:
    """The commit ``ref`` names, or a one-line error that names the flag and the ref."""
    try:
        return _git(["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"], top)
    except ChangesError as error:
        shallow = _git(["rev-parse", "--is-shallow-repository"], top).strip() == b"true"
        hint = " (a shallow clone: fetch more history, or a fetch-depth of 0 in CI)"
        raise ChangesError(
            f"--changed-since {ref}: no such commit in {top}{hint if shallow else ''}"
        ) from error


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def jobs_at(
    ref: str, paths: Sequence[Path], selectors: Selectors, cwd: Path
) -> dict[JobKey, DefinitionAt]:
    """Every job defined at ``ref`` in the files of the repository that qslint selects,
    each marked with whether a run over ``paths`` would read its file: a definition that
    moved into ``paths`` since ``ref`` is no new one. Each file is parsed within the limits
    of its configuration, as the run parses it."""
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip()).resolve()
    except ChangesError as error:
        raise ChangesError(f"--changed-since {ref}: not in a git repository ({error})") from error
    commit = _commit(ref, top)
    roots = [path.resolve() for path in paths]
    blobs = {name: oid for oid, name in _blobs_at(commit.decode().strip(), top)}
    wanted = [(oid, name) for name, oid in blobs.items() if selectors.selects_file(top / name)]
    found: dict[JobKey, DefinitionAt] = {}
    for (_, name), raw in zip(wanted, _read_blobs([oid for oid, _ in wanted], top), strict=True):
        in_paths = _under(top / name, roots)
        config = selectors.settings.for_file(top / name)
        source = load_source(name, raw, config.limits)
        rows_at = _rows_at(blobs, top, config.limits.max_file_size)
        for document in expand_source(source, rows_at, config.limits).documents:
            key = job_key(document.data, config.region)
            if in_paths or key not in found:
                template = TemplateRow.of(document.start, document.row)
                found[key] = DefinitionAt(name, content_digest(document.data), in_paths, template)
    return found


def _rows_at(blobs: dict[str, str], top: Path, max_size: int) -> ReadRows:
    """What reads a fan-out's rows file as it was in the tree of ``blobs``, within the limit."""

    def read(name: str) -> tuple[bytes | None, str | None]:
        oid = blobs.get(name)
        if oid is None:
            return None, "cannot read file: not in that commit"
        if int(_git(["cat-file", "-s", oid], top)) > max_size:
            return None, "file is larger than the `max-file-size` limit"
        return _git(["cat-file", "blob", oid], top), None

    return read

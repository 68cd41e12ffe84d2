"""How CI platforms name a file: relative to the top of the repository that holds it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def repository_root(folder: Path) -> Path:
    """The top of the git work tree holding ``folder`` (where ``.git`` is: a folder, or a file
    in a linked work tree or submodule), else ``folder``: what code scanning and merge
    request widgets resolve paths against."""
    return _work_tree_top(folder) or folder


def _work_tree_top(folder: Path) -> Path | None:
    for candidate in (folder, *folder.absolute().parents):
        if os.path.lexists(candidate / ".git"):  # a folder that cannot be entered has none
            return candidate
    return None


def run_root(files: Sequence[str], fallback: Path) -> Path:
    """The top of the git work tree holding the run's first file, else
    ``repository_root(fallback)``: a run from outside the repository names its files as a
    run from inside does."""
    top = _work_tree_top(Path(files[0]).absolute().parent) if files else None
    return top or repository_root(fallback)


def relative_to(path: Path, root: Path) -> Path | None:
    """``path`` relative to ``root``, trying them as given and then with links resolved."""
    for candidate, base in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        if candidate.is_relative_to(base):
            return candidate.relative_to(base)
    return None


def repository_path(file: str, root: Path) -> str:
    """``file`` as a POSIX path relative to ``root``, or absolute when it lies outside."""
    relative = relative_to(Path(file), root)
    return Path(file).absolute().as_posix() if relative is None else relative.as_posix()

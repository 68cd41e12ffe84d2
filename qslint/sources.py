"""Which files a run checks: paths, directory walks and include/exclude globs.

Globs follow ``.gitignore`` rules (via ``pathspec``): ``*.yaml`` matches at any depth,
``snapshots/**/*.yaml`` only below ``snapshots/``, and an excluded directory is not entered.
They are matched against paths relative to the configuration's folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from qslint.config import Config


class SourceError(Exception):
    """A path the user named that does not exist."""


@dataclass(frozen=True)
class FileSelector:
    root: Path
    include: GitIgnoreSpec
    exclude: GitIgnoreSpec

    @classmethod
    def from_config(cls, config: Config) -> FileSelector:
        return cls(
            root=config.root,
            include=GitIgnoreSpec.from_lines(config.include),
            exclude=GitIgnoreSpec.from_lines(config.exclude),
        )

    def relative(self, path: Path) -> str:
        try:
            return path.absolute().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def is_excluded(self, path: Path, *, directory: bool = False) -> bool:
        relative = self.relative(path)
        return self.exclude.match_file(relative + "/" if directory else relative)

    def is_included(self, path: Path) -> bool:
        return self.include.match_file(self.relative(path)) and not self.is_excluded(path)


def display_path(path: Path) -> str:
    """How a file is named in reports: relative to the working directory where possible."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[Path], selector: FileSelector, *, force_exclude: bool) -> list[Path]:
    """The files to check, each once, in a stable order.

    Directories are walked for included, not excluded files. A file named on the command line
    is always checked, unless ``force_exclude`` (as pre-commit passes every staged file):
    then the globs apply to it too.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            found.update(dict.fromkeys(_walk(path, selector)))
        elif path.exists() or path.is_symlink():
            if not force_exclude or selector.is_included(path):
                found[path] = None
        else:
            raise SourceError(f"no such file or directory: {path}")
    return list(found)


def _walk(top: Path, selector: FileSelector) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(top):
        base = Path(directory)
        subdirectories[:] = sorted(
            name for name in subdirectories if not selector.is_excluded(base / name, directory=True)
        )
        for name in sorted(files):
            path = base / name
            if selector.is_included(path) and path.is_file():
                yield path

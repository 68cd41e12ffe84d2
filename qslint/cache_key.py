"""What a cached result depends on besides the file's bytes: the key of the cache file."""

from __future__ import annotations

import functools
import os
import stat
import sys
from pathlib import Path

from qslint import __version__
from qslint.cache_codec import FORMAT
from qslint.config import Config
from qslint.digest import hasher
from qslint.engine import RuleSet
from qslint.installed import botocore_regions, module_file, pydantic_core_extension


def fingerprint(config: Config, rules: RuleSet, *, excerpts: bool) -> str:
    """A digest of everything besides a file's bytes that its result depends on."""
    parts: list[object] = [FORMAT, __version__, sys.version, excerpts]
    parts.append(config)  # every setting, including ones that only some results depend on
    # The code of results: the rules' modules, and qslint's own (an editable install changes
    # them without a new version).
    sources: list[str | Path] = [
        getattr(sys.modules.get(rule.module), "__file__", "") or "" for rule in rules.rules
    ]
    package = os.path.dirname(__file__)  # noqa: PTH120 - qslint's: strings, cheaper than Paths
    folders = ("", "loader", "fanout", "dashboards")  # where qslint's results come from
    sources += sorted(
        entry.path
        for folder in folders
        for entry in os.scandir(os.path.join(package, folder))  # noqa: PTH118
        if entry.name.endswith(".py")
    )
    sources.append(os.path.join(package, "compiled_model.json"))  # noqa: PTH118
    sources += reader_files()
    status_of = functools.cache(_file_status)  # a module of many rules is stat'ed once
    for source in sources:
        parts += [str(source), status_of(source)]
    parts += [rule.code for rule in rules.rules]
    for selected in (s for group in rules.by_scope.values() for s in group):
        context = selected.context
        parts += [selected.rule.code, selected.severity, context.region]
        parts += [context.dashboards and context.dashboards.digest]
        parts += [sorted(context.options.items())]
    return hasher(repr(parts).encode()).hexdigest()[:32]


def _file_status(path: str | Path) -> tuple[int, int] | None:
    """A regular file's modification time and size (one stat), None for anything else."""
    try:
        status = os.stat(path)  # noqa: PTH116
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size) if stat.S_ISREG(status.st_mode) else None


def reader_files() -> list[Path]:
    """The files of the libraries that read a definition: ruamel.yaml (its version is in its
    ``__init__``), its libyaml extension, pydantic-core's extension, dateutil (which reads
    timestamps as botocore sends them) and botocore's list of regions (QS301, QS304).
    Upgrading one may change what a file reads as, or its findings. Found as the import
    system finds them, not imported: a cached run imports none."""
    found = [module_file(name) for name in ("ruamel.yaml", "_ruamel_yaml", "dateutil")]
    found += [pydantic_core_extension(), botocore_regions()]
    return [Path(file) for file in found if file is not None]

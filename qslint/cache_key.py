"""What a cached result depends on besides the file's bytes: the key of the cache file."""

from __future__ import annotations

import hashlib
import importlib.machinery
import sys
from pathlib import Path

from qslint import __version__
from qslint.cache_codec import FORMAT
from qslint.config import Config
from qslint.engine import RuleSet


def fingerprint(config: Config, rules: RuleSet, *, excerpts: bool) -> str:
    """A digest of everything besides a file's bytes that its result depends on."""
    parts: list[object] = [FORMAT, __version__, sys.version, excerpts]
    parts.append(config)  # every setting, including ones that only some results depend on
    # The code of results: the rules' modules, and qslint's own (an editable install changes
    # them without a new version).
    sources = [
        Path(getattr(sys.modules.get(rule.module), "__file__", "") or "") for rule in rules.rules
    ]
    package = Path(__file__).parent  # qslint's
    folders = ("", "loader/", "fanout/", "dashboards/")  # where qslint's results come from
    sources += sorted(p for folder in folders for p in package.glob(f"{folder}*.py"))
    sources.append(package / "compiled_model.json")
    sources += reader_files()
    for source in sources:
        stat = source.stat() if source.is_file() else None
        parts += [str(source), stat and (stat.st_mtime_ns, stat.st_size)]
    parts += [rule.code for rule in rules.rules]
    for selected in (s for group in rules.by_scope.values() for s in group):
        context = selected.context
        parts += [selected.rule.code, selected.severity, context.region]
        parts += [context.dashboards and context.dashboards.digest]
        parts += [sorted(context.options.items())]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def reader_files() -> list[Path]:
    """The files of the libraries that read a definition: ruamel.yaml (its version is in its
    ``__init__``), its libyaml extension, and pydantic-core's extension. Upgrading one may
    change what a file reads as. Found, not imported: a cached run imports none of them."""
    found = (
        _found("_ruamel_yaml"),
        _found("yaml", within="ruamel"),
        _found("_pydantic_core", within="pydantic_core"),
    )
    return [path for path in found if path is not None]


def _found(name: str, within: str | None = None) -> Path | None:
    """Where the import system would load the module ``name`` (of package ``within``) from."""
    folders = None
    if within is not None:
        package = importlib.machinery.PathFinder.find_spec(within)
        if package is None or not package.submodule_search_locations:
            return None
        folders = list(package.submodule_search_locations)
    spec = importlib.machinery.PathFinder.find_spec(name, folders)
    return Path(spec.origin) if spec and spec.has_location and spec.origin else None

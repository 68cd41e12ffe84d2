"""The configuration file: ``[tool.qslint]`` in ``pyproject.toml``, or a ``.qslint.toml``.

Which file is in force for which file is :mod:`qslint.settings`'s business.

Keys (all optional)::

    region = "eu-west-1"                  # where the jobs are submitted
    dashboards = "dashboards/"            # describe-dashboard-definition outputs (QS7xx)
    unreadable-dashboards = "warning"     # --remote: a dashboard QuickSight did not describe
                                          # is QS709, an error (default), or QS701, a warning
    select = ["QS"]                       # codes or prefixes to run (default: every rule)
    ignore = ["QS502"]                    # codes or prefixes to skip
    include = ["*.yaml", "*.yml", "*.json"]
    exclude = [".git", ".venv", ...]      # replaces the defaults
    extend-exclude = ["legacy/"]          # adds to them
    max-file-size = 5242880               # bytes; a larger file is one QS100 finding
    max-depth = 64                        # nesting of mappings and lists (at most 200)
    max-nodes = 200000                    # values per file, aliases expanded
    max-documents = 1000                  # YAML documents per file
    [per-file-ignores]
    "drafts/*.yaml" = ["QS3"]
    [severity]
    QS305 = "error"                       # error | warning | info
    [options.QS207]
    max-file-groups = 6

An unknown key, a wrong type or an unknown rule is a :class:`ConfigError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from qslint.files import read_regular
from qslint.findings import Severity

CONFIG_FILES = (".qslint.toml", "pyproject.toml")
UNREADABLE_DASHBOARDS = ("error", "warning")  # fail the gate closed, or let it pass
DEFINITION_SUFFIXES = (".yaml", ".yml", ".json")  # what job definition files are named
DEFAULT_INCLUDE = tuple(f"*{suffix}" for suffix in DEFINITION_SUFFIXES)
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "site-packages",  # a virtual environment under any name: installed packages' data files
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".qslint",
    ".qslint_cache",
    ".github",
    ".gitlab-ci.yml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
)


class ConfigError(Exception):
    """A configuration the user must fix; the message names the file and key."""


MAX_DEPTH_CEILING = 200  # the loader walks nesting recursively: Python's stack bounds it


class LoadLimits(NamedTuple):
    """Bounds that keep hostile files cheap to answer; each one broken is a QS100 finding."""

    max_file_size: int = 5 * 1024 * 1024  # bytes, checked before the file is read
    max_depth: int = 64  # levels of mappings and lists
    max_nodes: int = 200_000  # values in the whole file, aliases expanded ("billion laughs")
    max_documents: int = 1000  # YAML documents in one file


class Target(NamedTuple):
    """Where jobs are submitted and dashboards described: exactly what boto3 is given."""

    region: str | None
    profile: str | None = None
    endpoint_url: str | None = None


NO_ENTRIES: Mapping[str, Any] = MappingProxyType({})  # the default of a mapping setting


class Config(NamedTuple):
    root: Path
    file: Path | None = None
    region: str | None = None  # once resolved (qslint.settings): the region in force
    # Why the region in force cannot be used, when it came from outside the configuration:
    # an error only if a file with this configuration is checked or submitted.
    region_problem: str | None = None
    # The region in force is not the configuration file's own (the command line's, the
    # environment's): another run of the project may submit its jobs elsewhere.
    region_from_outside: bool = False
    profile: str | None = None  # the AWS profile, from the command line
    endpoint_url: str | None = None  # another QuickSight endpoint, from the command line
    dashboards: Path | None = None  # the folder of dashboard definitions to cross-check with
    unreadable_dashboards: str = "error"  # one of UNREADABLE_DASHBOARDS
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # ``select`` and ``ignore`` as the configuration file has them, before the command line's
    # (None: as they are): what every run of the project selects.
    own_selection: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    per_file_ignores: Mapping[str, tuple[str, ...]] = NO_ENTRIES
    severity: Mapping[str, Severity] = NO_ENTRIES
    options: Mapping[str, Mapping[str, Any]] = NO_ENTRIES
    limits: LoadLimits = LoadLimits()

    @property
    def target(self) -> Target:
        return Target(self.region, self.profile, self.endpoint_url)

    def with_overrides(self, **changes: Any) -> Config:
        return self._replace(**{key: value for key, value in changes.items() if value is not None})


MAX_CONFIG_SIZE = 1024 * 1024  # bytes: a configuration is a few hundred
MAX_CONFIG_DEPTH = 32  # tables and arrays within one another


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML table of the configuration file ``path``; whatever keeps it from being one
    (not a regular file, too large, not UTF-8, too deeply nested, not TOML) is a
    :class:`ConfigError` naming the file."""
    import tomllib  # only when there is a file to read: a lone file's run has none

    raw, problem = read_regular(path, MAX_CONFIG_SIZE)
    if raw is None:
        raise ConfigError(f"{path}: {problem}")
    if len(raw) > MAX_CONFIG_SIZE:
        raise ConfigError(f"{path}: cannot read configuration: larger than 1 MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise ConfigError(
            f"{path}: cannot read configuration: not valid UTF-8 (byte 0x{byte:02x} at "
            f"offset {error.start})"
        ) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from error
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        table = None
    if table is None or _depth(table, MAX_CONFIG_DEPTH) > MAX_CONFIG_DEPTH:
        raise ConfigError(
            f"{path}: cannot read configuration: nested deeper than {MAX_CONFIG_DEPTH} levels"
        )
    return table


def _depth(value: Any, limit: int) -> int:
    """How deep ``value``'s tables and arrays go, counting no further than ``limit + 1``."""
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


_KIND_NAMES = {
    dict: "a table",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
}
_LIMIT_KEYS = {
    "max-file-size": None,
    "max-depth": MAX_DEPTH_CEILING,
    "max-nodes": None,
    "max-documents": None,
}


def _expect(value: Any, kind: type, path: Path, key: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{path}: `{key}` must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


def _limit(value: Any, path: Path, key: str, ceiling: int | None = None) -> int:
    number = _expect(value, int, path, key)
    if number < 1 or (ceiling is not None and number > ceiling):
        bound = f"between 1 and {ceiling}" if ceiling is not None else "at least 1"
        raise ConfigError(f"{path}: `{key}` must be {bound} (not {number})")
    return int(number)


def _one_of(value: Any, choices: tuple[str, ...], path: Path, key: str) -> str:
    given = _expect(value, str, path, key)
    if given not in choices:
        raise ConfigError(f"{path}: `{key}` must be one of {', '.join(choices)} (not {given!r})")
    return str(given)


def _strings(value: Any, path: Path, key: str) -> tuple[str, ...]:
    items = _expect(value, list, path, key)
    return tuple(_expect(item, str, path, f"{key}[{i}]") for i, item in enumerate(items))


def _codes(value: Any, path: Path, key: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in _strings(value, path, key))


def parse_config(table: Mapping[str, Any], file: Path) -> Config:
    parsers = {
        "region": lambda v, k: _expect(v, str, file, k),
        "dashboards": lambda v, k: file.parent / _expect(v, str, file, k),
        "unreadable-dashboards": lambda v, k: _one_of(v, UNREADABLE_DASHBOARDS, file, k),
        "select": lambda v, k: _codes(v, file, k),
        "ignore": lambda v, k: _codes(v, file, k),
        "include": lambda v, k: _strings(v, file, k),
        "exclude": lambda v, k: _strings(v, file, k),
        "extend-exclude": lambda v, k: _strings(v, file, k),
        "per-file-ignores": lambda v, k: _per_file_ignores(v, file, k),
        "severity": lambda v, k: _severities(v, file, k),
        "options": lambda v, k: _options(v, file, k),
        **{key: _limit_parser(file, ceiling) for key, ceiling in _LIMIT_KEYS.items()},
    }
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in parsers:
            known = ", ".join(sorted(parsers))
            raise ConfigError(f"{file}: unknown configuration key `{key}` (known keys: {known})")
        values[key.replace("-", "_")] = parsers[key](value, key)
    values["exclude"] = values.get("exclude", DEFAULT_EXCLUDE) + values.pop("extend_exclude", ())
    limits = {name: values.pop(name) for name in list(values) if name.startswith("max_")}
    return Config(root=file.parent, file=file, limits=LoadLimits(**limits), **values)


def _limit_parser(file: Path, ceiling: int | None) -> Callable[[Any, str], int]:
    return lambda value, key: _limit(value, file, key, ceiling)


def _per_file_ignores(value: Any, file: Path, key: str) -> dict[str, tuple[str, ...]]:
    table = _expect(value, dict, file, key)
    # A glob is quoted, as a TOML key holding `/`, `*` or `.` must be.
    return {pattern: _codes(codes, file, f'{key}."{pattern}"') for pattern, codes in table.items()}


def _severities(value: Any, file: Path, key: str) -> dict[str, Severity]:
    table = _expect(value, dict, file, key)
    result: dict[str, Severity] = {}
    for code, given in table.items():
        level = _expect(given, str, file, f"{key}.{code}")
        try:
            result[code.upper()] = Severity(level.lower())
        except ValueError:
            raise ConfigError(
                f"{file}: `{key}.{code}` must be one of error, warning, info (not {level!r})"
            ) from None
    return result


def _options(value: Any, file: Path, key: str) -> dict[str, dict[str, Any]]:
    table = _expect(value, dict, file, key)
    return {
        code.upper(): dict(_expect(options, dict, file, f"{key}.{code}"))
        for code, options in table.items()
    }

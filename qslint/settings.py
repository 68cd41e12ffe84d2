"""Settings, resolved once: the configuration in force for each file, and the AWS target.

Which configuration: ruff's rule. A file is checked with the nearest ``.qslint.toml``, or
``pyproject.toml`` with a ``[tool.qslint]`` table, in its own folder or above; where both
sit in one folder, ``.qslint.toml`` wins. ``--config FILE`` forces one for every file. A
file with none above it gets the defaults, rooted in the working directory.

Which region, for the files of one configuration: ``--region``, then the configuration's
``region``, then ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the region of the AWS
profile (``--profile``, else ``AWS_DEFAULT_PROFILE`` or ``AWS_PROFILE`` as botocore reads
them, else ``default``). The region in force, and any region a configuration names, must be
one botocore's endpoint data knows; the same value is what ``check`` lints against and what
``apply`` and ``dashboards`` hand to boto3.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from qslint.config import CONFIG_FILES, Config, ConfigError, parse_config, read_toml
from qslint.findings import closest, did_you_mean


class Overrides(NamedTuple):
    """What the command line says on top of every configuration."""

    config: Path | None = None  # --config: this file for every file
    select: tuple[str, ...] | None = None  # replaces the configured selection
    ignore: tuple[str, ...] = ()  # adds to the configured one
    dashboards: Path | None = None  # a folder of dashboard definitions
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    unreadable_dashboards: str | None = None  # error | warning, for every configuration


class Settings:
    """The configuration of each folder, each read and resolved once per run."""

    def __init__(
        self,
        overrides: Overrides | None = None,
        *,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.overrides = overrides or Overrides()
        self._cwd = (cwd or Path.cwd()).absolute()
        self._environ = os.environ if environ is None else environ
        self._file_of_folder: dict[Path, Path | None] = {}
        self._resolved: dict[Path | None, Config] = {}
        self._tables: dict[Path, dict[str, Any]] = {}
        forced = self.overrides.config
        if forced is not None and not os.path.lexists(forced):
            raise ConfigError(f"--config: no such file: {forced}")

    def for_folder(self, folder: Path) -> Config:
        """The configuration in force for the files of ``folder``."""
        return self._config(self.file_for(folder))

    def file_for(self, folder: Path) -> Path | None:
        """The configuration file in force for ``folder``'s files; None for the defaults."""
        if self.overrides.config is not None:
            return self._cwd / self.overrides.config
        return self._nearest(folder.absolute())

    def for_file(self, path: str | os.PathLike[str]) -> Config:
        return self.for_folder(Path(os.path.abspath(path)).parent)  # noqa: PTH100 - no links resolved

    @property
    def root(self) -> Path:
        """Where the working directory's configuration is (without resolving it)."""
        file = self.file_for(self._cwd)
        return self._cwd if file is None else file.parent

    def _nearest(self, folder: Path) -> Path | None:
        """The configuration file nearest ``folder``, remembered for every folder on the way."""
        visited: list[Path] = []
        found: Path | None = None
        for directory in (folder, *folder.parents):
            if directory in self._file_of_folder:
                found = self._file_of_folder[directory]
                break
            visited.append(directory)
            found = self._config_file_in(directory)
            if found is not None:
                break
        for directory in visited:
            self._file_of_folder[directory] = found
        return found

    def _config(self, file: Path | None) -> Config:
        known = self._resolved.get(file)
        if known is None:
            known = self._resolved[file] = self._resolve(file)
        return known

    def _resolve(self, file: Path | None) -> Config:
        config = Config(root=self._cwd) if file is None else self._parse(file)
        overrides = self.overrides
        dashboards = overrides.dashboards and self._cwd / overrides.dashboards
        region, problem = self._region(config), None
        if region is None:
            region, problem = self._ambient_region()
        config = config.with_overrides(
            own_selection=(config.select, config.ignore),
            select=overrides.select,
            ignore=config.ignore + overrides.ignore,
            dashboards=dashboards,
            region=region,
            region_problem=problem,
            region_from_outside=region is not None and region != config.region,
            profile=overrides.profile,
            endpoint_url=overrides.endpoint_url,
            unreadable_dashboards=overrides.unreadable_dashboards,
        )
        return _without_definitions(config)

    def _region(self, config: Config) -> str | None:
        """The region ``--region`` or the configuration names, checked; else None."""
        if config.region is not None:  # a misspelt region is wrong even under --region
            checked_region(config.region, f"{config.file}: `region`")
        if self.overrides.region is not None:
            return checked_region(self.overrides.region, "--region")
        return config.region

    def _ambient_region(self) -> tuple[str | None, str | None]:
        """The region of the environment or the AWS profile, and why it cannot be used."""
        given = [(name, self._environ.get(name)) for name in ("AWS_REGION", "AWS_DEFAULT_REGION")]
        source, region = next(((name, value) for name, value in given if value), ("", None))
        if region is None:
            profile = (  # in botocore's order, so that the region and the credentials agree
                self.overrides.profile
                or self._environ.get("AWS_DEFAULT_PROFILE")
                or self._environ.get("AWS_PROFILE")
                or "default"
            )
            source = f"the region of AWS profile `{profile}`"
            region = profile_region(profile, self._environ)
        if region is None:
            return None, None
        try:
            return checked_region(region, source), None
        except ConfigError as error:
            return region, str(error)

    def _config_file_in(self, directory: Path) -> Path | None:
        """The configuration file of ``directory``, if any. Anything else under a
        configuration's name (a folder, a fifo, a link to nothing) is a :class:`ConfigError`:
        passed over, it would leave the files it was meant for checked with other settings."""
        for name in CONFIG_FILES:
            candidate = directory / name
            # os.path's answer: a folder that cannot be entered shows no configuration; a
            # link to nothing is there, and reading it says what is wrong.
            if not os.path.lexists(candidate):
                continue
            if name != "pyproject.toml" or "qslint" in self._tool(candidate):
                return candidate
        return None

    def _table(self, file: Path) -> dict[str, Any]:
        known = self._tables.get(file)
        if known is None:
            known = self._tables[file] = read_toml(file)
        return known

    def _tool(self, pyproject: Path) -> dict[str, Any]:
        tool = self._table(pyproject).get("tool", {})
        return tool if isinstance(tool, dict) else {}

    def _parse(self, file: Path) -> Config:
        if file.name != "pyproject.toml":
            return parse_config(self._table(file), file)
        table = self._tool(file).get("qslint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: `tool.qslint` must be a table")
        return parse_config(table, file)


def _without_definitions(config: Config) -> Config:
    """``config`` excluding its dashboards folder: definitions are not jobs to lint."""
    if config.dashboards is None:
        return config
    folder, root = config.dashboards.resolve(), config.root.resolve()
    if folder == root or not folder.is_relative_to(root):
        return config
    relative = folder.relative_to(root).as_posix()
    return config.with_overrides(exclude=(*config.exclude, f"/{relative}/"))


def checked_region(region: str, source: str) -> str:
    """``region``, or a :class:`ConfigError` naming ``source`` when botocore does not know it."""
    if not region:
        raise ConfigError(f"{source}: empty; name the AWS region jobs are submitted in")
    regions = known_regions()
    if regions and region not in regions:
        suggestion = did_you_mean(closest(region, sorted(regions)))
        raise ConfigError(f"{source}: unknown AWS region `{region}`{suggestion}")
    return region


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition in botocore's endpoint data (empty without botocore).

    Read from botocore's data file rather than through ``botocore.session``: ``check`` stays
    free of importing botocore.
    """
    import json

    from qslint.installed import botocore_regions

    data = botocore_regions()
    if data is None:
        return frozenset()
    partitions = json.loads(data.read_text(encoding="utf-8"))["partitions"]
    return frozenset(
        region
        for partition in partitions
        for region in partition["regions"]
        if not region.endswith("-global")
    )


def profile_region(profile: str, environ: Mapping[str, str]) -> str | None:
    """The ``region`` of ``profile`` in the AWS config file, as boto3 would read it."""
    path = Path(environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()
    # As botocore decides (os.path.isfile): a path that cannot be examined (too long, in a
    # folder we may not enter) is no file. Most CI runners have none, and then botocore's
    # reader is never imported.
    if not os.path.isfile(path):  # noqa: PTH113
        return None
    from botocore.configloader import load_config
    from botocore.exceptions import BotoCoreError

    try:
        profiles = load_config(str(path)).get("profiles", {})
    except (BotoCoreError, OSError) as error:
        raise ConfigError(f"{path}: cannot read the AWS configuration: {error}") from error
    region = profiles.get(profile, {}).get("region")
    return region if isinstance(region, str) and region else None

"""Which dashboards a run cross-checks: none, a folder's, or QuickSight's (``--remote``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qslint.config import Config
from qslint.dashboards.folder import load_folder
from qslint.dashboards.index import Dashboards
from qslint.sources import FileSelector, discover


@dataclass(frozen=True)
class RemoteCheck:
    """``--remote``: fetch the dashboards that the jobs under ``paths`` export."""

    paths: Sequence[Path]
    force_exclude: bool = False
    profile: str | None = None
    endpoint_url: str | None = None


def referenced_dashboards(
    paths: Sequence[Path], config: Config, *, force_exclude: bool
) -> Iterator[tuple[str, str]]:
    """``(AwsAccountId, DashboardId)`` of every job a check of ``paths`` reads."""
    from qslint.runner import read_source

    selector = FileSelector.from_config(config)
    for candidate in discover(paths, selector, force_exclude=force_exclude).candidates:
        for document in read_source(candidate.path, config.limits).documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            account, dashboard = data.get("AwsAccountId"), data.get("DashboardId")
            if isinstance(account, str) and isinstance(dashboard, str):
                yield account, dashboard


def load_dashboards(
    config: Config, region: str | None, remote: RemoteCheck | None
) -> Dashboards | None:
    """The dashboards to cross-check with, or ``None`` when none were asked for.

    Raises :class:`~qslint.dashboards.DashboardSourceError` (one line) when the
    folder cannot be read or QuickSight cannot be reached at all (no region, no credentials).
    """
    if remote is not None:
        from qslint.dashboards.remote import QuickSightReader, Remote, fetch_dashboards

        reader = QuickSightReader(Remote(region, remote.profile, remote.endpoint_url))
        wanted = referenced_dashboards(remote.paths, config, force_exclude=remote.force_exclude)
        return fetch_dashboards(wanted, reader)
    if config.dashboards is not None:
        return load_folder(config.dashboards)
    return None


def without_definitions(config: Config) -> Config:
    """``config`` excluding its dashboards folder: definitions are not jobs to lint."""
    if config.dashboards is None:
        return config
    folder, root = config.dashboards.resolve(), config.root.resolve()
    if folder == root or not folder.is_relative_to(root):
        return config
    relative = folder.relative_to(root).as_posix()
    return config.with_overrides(exclude=(*config.exclude, f"/{relative}/"))

"""Which dashboards a run cross-checks: none, a folder's, or QuickSight's (``--remote``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from qslint.clock import Clock
from qslint.config import Config
from qslint.dashboards.folder import load_folder
from qslint.dashboards.index import Dashboards


def referenced_dashboards(paths: Sequence[str], config: Config) -> Iterator[tuple[str, str]]:
    """``(AwsAccountId, DashboardId)`` of every job in the files ``paths``."""
    from qslint.loader import read_source

    for path in paths:
        for document in read_source(path, config.limits).documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            account, dashboard = data.get("AwsAccountId"), data.get("DashboardId")
            if isinstance(account, str) and isinstance(dashboard, str):
                yield account, dashboard


def load_dashboards(
    config: Config, remote: Sequence[str] | None, clock: Clock | None = None
) -> Dashboards | None:
    """The dashboards the jobs of ``config``'s files are cross-checked with: those that the
    files ``remote`` export, as QuickSight describes them in ``config``'s target, else the
    configuration's folder's; ``None`` when neither was asked for. Retries wait on ``clock``.

    Raises :class:`~qslint.dashboards.DashboardSourceError` (one line) when the
    folder cannot be read or QuickSight cannot be reached at all (no region, no credentials).
    """
    if remote is not None:
        from qslint.dashboards.remote import QuickSightReader, fetch_dashboards

        reader = QuickSightReader(config.target, clock)
        wanted = referenced_dashboards(remote, config)
        return fetch_dashboards(wanted, reader, fail_closed=config.unreadable_dashboards == "error")
    if config.dashboards is not None:
        # ``--dashboards`` is checked where it is given: a folder missing here is configured.
        named = f"{config.file}: `dashboards`: " if config.file else ""
        return load_folder(config.dashboards, config.limits, named=named)
    return None

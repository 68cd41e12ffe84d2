"""Cross-checking jobs against the dashboards they export (QS701–QS708).

The dashboards come from a folder of ``describe-dashboard-definition`` outputs
(:mod:`qslint.dashboards.folder`) or from QuickSight itself (:mod:`qslint.dashboards.remote`);
either way they become one :class:`~qslint.dashboards.index.Dashboards` index that the rules
read through their context, knowing nothing of where it came from.
"""

# Where `dashboards pull` writes definitions and `qslint emulator` serves them from.
DASHBOARDS_FOLDER, DATA_SETS_FOLDER = "dashboards", "data-sets"


class DashboardSourceError(Exception):
    """Dashboards that cannot be read or fetched at all; the message is one line."""

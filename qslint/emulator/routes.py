"""The emulator's URL routes, read from botocore's ``quicksight`` service model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

OPERATIONS = (
    "StartDashboardSnapshotJob",
    "DescribeDashboardSnapshotJob",
    "DescribeDashboardSnapshotJobResult",
    "DescribeDashboardDefinition",
    "DescribeDataSet",
)
_LABEL = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    success_status: int


@cache
def service_model() -> Any:
    """botocore's model of QuickSight (botocore is imported here, on first use only)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("quicksight")


def uri_pattern(request_uri: str) -> re.Pattern[str]:
    """``/accounts/{AwsAccountId}/data-sets/{DataSetId}`` -> a regex with one group per label.

    The query part of a request URI (``?…``) is not part of the path and is left out.
    """
    path = request_uri.split("?", 1)[0]
    parts = _LABEL.split(path)
    # split() alternates literal text and label names: even indexes are text.
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


@cache
def routes() -> tuple[Route, ...]:
    model = service_model()
    found = []
    for name in OPERATIONS:
        operation = model.operation_model(name)
        http = operation.http
        found.append(
            Route(
                operation=name,
                method=http["method"],
                pattern=uri_pattern(http["requestUri"]),
                success_status=int(http.get("responseCode", 200)),
            )
        )
    return tuple(found)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its URI labels (still percent-encoded), if any."""
    for route in routes():
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    return None


@cache
def error_status(code: str) -> int:
    """The HTTP status the service model gives an error code (500 for unmodelled ones)."""
    model = service_model()
    if code in model.shape_names:
        return int(model.shape_for(code).metadata.get("error", {}).get("httpStatusCode", 500))
    return 500

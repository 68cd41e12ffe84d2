"""A QuickSight client for a :class:`~qslint.config.Target`, its retries left to the caller.

botocore's own retries are off: every retry is the caller's, through its rate limiter, so
the limiter sees every call that leaves.
"""

from __future__ import annotations

from typing import Any

from qslint.config import Target

NO_REGION = "no AWS region: pass --region, set `region` in the configuration, or set AWS_REGION"


class ConnectError(Exception):
    """No region or no credentials: a usage error, before anything is sent."""


# The snapshot-job and describe calls answer within a second or two: a call that has not
# answered in this long will not, and is better retried (or resolved) than waited for.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0


def quicksight_client(
    target: Target,
    connections: int = 10,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
) -> Any:
    """A boto3 QuickSight client in exactly ``target``'s region (boto3 is imported here)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    if target.region is None:
        raise ConnectError(NO_REGION)
    try:
        session = boto3.Session(profile_name=target.profile, region_name=target.region)
        if session.get_credentials() is None:
            raise ConnectError("no AWS credentials found (boto3's standard chain)")
        return session.client(
            "quicksight",
            region_name=target.region,
            endpoint_url=target.endpoint_url,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                max_pool_connections=max(connections, 10),
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            ),
        )
    except BotoCoreError as error:
        raise ConnectError(str(error)) from error

"""botocore's exceptions as one :class:`ServiceFailure`, and which failures are worth a retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CONNECTION_ERROR = "ConnectionError"
RESOURCE_EXISTS = "ResourceExistsException"
THROTTLES = frozenset({"ThrottlingException", "LimitExceededException"})
# Failures after which a call may still have taken effect, and may succeed when repeated.
TRANSIENT = frozenset({"InternalFailureException", CONNECTION_ERROR})


class ServiceFailure(Exception):
    """A call that failed: the service's error code (or ``ConnectionError``) and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def call_service(call: Callable[[], T]) -> T:
    """``call()``, with every botocore failure raised as a :class:`ServiceFailure`."""
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        HTTPClientError,
        ParamValidationError,
    )

    try:
        return call()
    except ClientError as error:
        details = error.response.get("Error", {})
        raise ServiceFailure(
            details.get("Code", "Unknown"), details.get("Message", str(error))
        ) from error
    except (ConnectionError, HTTPClientError) as error:
        raise ServiceFailure(CONNECTION_ERROR, str(error)) from error
    except ParamValidationError as error:
        # botocore's message repeats the offending value, which may be sensitive.
        raise ServiceFailure(
            "ParamValidationError", "botocore refused the request; `qslint check` says why"
        ) from error

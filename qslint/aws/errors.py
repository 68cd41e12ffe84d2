"""botocore's exceptions as one :class:`ServiceFailure`, and which failures are worth a retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CONNECTION_ERROR = "ConnectionError"
INVALID_ANSWER = "InvalidAnswer"
LIMIT_EXCEEDED = "LimitExceededException"
NOT_FOUND = "ResourceNotFoundException"
RESOURCE_EXISTS = "ResourceExistsException"
THROTTLES = frozenset({"ThrottlingException", LIMIT_EXCEEDED})
# Failures after which a call may still have taken effect, and may succeed when repeated.
TRANSIENT = frozenset({"InternalFailureException", CONNECTION_ERROR, INVALID_ANSWER})


class ServiceFailure(Exception):
    """A call that failed: the service's error code (or ``ConnectionError``), its message,
    and the HTTP status of the answer, when there was one."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None = None,
        *,
        unanswered: bool = False,
        sent: bool = True,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        # The request left and no answer came in time (a read timeout): the service may
        # still be working on it, and counting it.
        self.unanswered = unanswered
        # False when no connection was made (refused, or none in time): the request never
        # reached the service, so it took no effect. That holds of a call's one attempt: the
        # client makes no retries of its own (qslint.aws.client), which could have sent one.
        self.sent = sent

    @property
    def transient(self) -> bool:
        """Whether the outcome is unknown: the call may have taken effect, or may succeed
        when repeated (a lost answer, a timeout, a 5xx, an answer that makes no sense)."""
        return self.code in TRANSIENT or (self.status or 0) >= 500


def invalid_answer(what: str) -> ServiceFailure:
    return ServiceFailure(INVALID_ANSWER, f"the service's answer {what}")


def call_service(call: Callable[[], T]) -> T:
    """``call()``, with every botocore failure raised as a :class:`ServiceFailure`."""
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        ConnectTimeoutError,
        EndpointConnectionError,
        HTTPClientError,
        ParamValidationError,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError

    try:
        return call()
    except ClientError as error:
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = details.get("Code") or "Unknown"
        message = details.get("Message") or f"HTTP {status}"
        raise ServiceFailure(code, message, status) from error
    except (ConnectionError, HTTPClientError) as error:
        unanswered = isinstance(error, ReadTimeoutError)
        sent = not isinstance(error, EndpointConnectionError | ConnectTimeoutError)
        raise ServiceFailure(
            CONNECTION_ERROR, str(error), unanswered=unanswered, sent=sent
        ) from error
    except ParamValidationError as error:
        # botocore's message repeats the offending value, which may be sensitive.
        raise ServiceFailure(
            "ParamValidationError", "botocore refused the request; `qslint check` says why"
        ) from error
    except ResponseParserError as error:
        raise invalid_answer("could not be parsed") from error

"""The emulator's HTTP side: QuickSight's REST-JSON protocol on 127.0.0.1.

An error is answered as botocore parses it into the modelled exception: the status code the
service model gives the error shape, an ``x-amzn-ErrorType`` header naming it, and a JSON
body with ``Message`` and ``RequestId``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from qslint.clock import Clock
from qslint.emulator.routes import error_status, match
from qslint.emulator.service import (
    Call,
    QuickSightService,
    ServiceError,
    Settings,
    new_request_id,
)

HOST = "127.0.0.1"
# SigV4: "Credential=AKID/20260131/eu-west-1/quicksight/aws4_request": the signing region.
# The status a garbled answer comes with: a proxy's error page, or a page where JSON belongs.
_PAGES = {"unavailable": 503, "garbage": 200}
_SIGNED_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    # Headers and body leave in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK of the headers, some 40 ms per call on a kept-alive connection.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # http.server dispatches to do_<METHOD>
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Calls are recorded by the service; the default access log to stderr is noise."""

    def _answer(self) -> None:
        service = self.server.service
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        found = match(self.command, path)
        if found is None:
            self._send(404, _error_body("UnknownOperationException", f"No route for {path}"))
            service.record(Call(service.clock.now(), "Unknown", "", 404))
            return
        route, labels = found
        labels = {name: unquote(value) for name, value in labels.items()}
        request = _json(body)
        fault = service.draw_fault(route.operation, labels, request)
        if fault.slow:
            service.clock.sleep(service.settings.faults.slow_seconds)  # the latency emulated
        admitted, answer = service.handle(route.operation, labels, request, self._region(), fault)
        if isinstance(answer, ServiceError):
            status, payload = error_status(answer.code), _error_body(answer.code, answer.message)
        else:
            status, payload = route.success_status, answer
        account = labels["AwsAccountId"]
        # The faults after the call took effect: its answer is lost or garbled on the way.
        # Each call is recorded before its answer leaves: a client that saw the answer finds
        # the call in the record.
        if fault.kind == "drop":
            service.record(Call(admitted, route.operation, account, 0))
            self.close_connection = True
        elif fault.kind in _PAGES:
            service.record(Call(admitted, route.operation, account, _PAGES[fault.kind]))
            self._send_page(_PAGES[fault.kind])
        else:
            service.record(Call(admitted, route.operation, account, status))
            self._send(status, payload)

    def _region(self) -> str:
        found = _SIGNED_REGION.search(self.headers.get("Authorization", ""))
        return found.group(1) if found else self.server.service.settings.region

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(payload.get("RequestId", "")))
        if "__type" in payload:
            self.send_header("x-amzn-ErrorType", payload["__type"])
        self.end_headers()
        self.wfile.write(data)

    def _send_page(self, status: int) -> None:
        data = b"<html><body><h1>Service Temporarily Unavailable</h1></body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _json(body: bytes) -> dict[str, Any]:
    return json.loads(body) if body.strip() else {}


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"__type": code, "Message": message, "RequestId": new_request_id()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: QuickSightService

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-answer (a killed apply) is no fault of the emulator."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Emulator:
    """The emulator on a port of 127.0.0.1 (0: any free one), served from a thread.

    ``with Emulator(settings) as emulator:`` serves until the block ends;
    ``emulator.url`` is the ``endpoint_url`` to give boto3.
    """

    def __init__(
        self, settings: Settings | None = None, port: int = 0, clock: Clock | None = None
    ) -> None:
        self.service = QuickSightService(settings or Settings(), clock)
        self._server = _Server((HOST, port), _Handler)
        self._server.service = self.service
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},  # how soon stop() is noticed
            name="qslint-emulator",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Emulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

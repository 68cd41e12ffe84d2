"""JSON-RPC over standard input and output, bounded and answering every malformed message.

pygls reads a message with ``read(Content-Length)`` (a length of 10¹² is a MemoryError),
parses its body inside ``json.loads``' object hook (a malformed body is a logged traceback
and no answer), and keeps the future of every notification it dispatches through a
generator handler, as its built-in ``didChange`` is (one per keystroke, for the whole
session). So the server reads its own frames, decodes them before pygls structures them, and
answers per JSON-RPC 2.0: ``-32700`` for a body that is not JSON, ``-32600`` for one that is
no request, notification or response, or is larger than the limit; ``-32602`` (pygls'
code) for a request whose parameters are not the method's. pygls dispatches the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

HEADER_LINE_BYTES = 4096  # a header line is a few dozen bytes; a longer one is skipped
HEADER_TAIL_BYTES = 64
ANSWER_KEYS = {"result", "error"}  # exactly one of them makes a message a response
CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*(\d{1,20})[ \t]*\r?\n\Z", re.IGNORECASE)


class QslintProtocol(LanguageServerProtocol):
    """pygls' protocol, forgetting the future of each handler once it is done.

    pygls removes a request's future when it answers it, but never a notification's: every
    ``didChange`` would stay in memory until the server exits.
    """

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(lambda done: self._forget(msg_id, done))

    def _forget(self, msg_id: Any, done: Future[Any] | asyncio.Future[Any]) -> None:
        if self._request_futures.get(msg_id) is done:
            del self._request_futures[msg_id]

    @property
    def shut_down(self) -> bool:
        """Whether the client has asked the server to shut down."""
        return self._shutdown


class OneLineFormatter(logging.Formatter):
    """pygls' log records on standard error, each on one line, without its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().strip()
        return f"{record.name}: {message.splitlines()[0] if message else record.levelname}"


@dataclass(frozen=True)
class Oversized:
    """A message whose Content-Length exceeds the limit: its body is never read whole."""

    length: int
    limit: int


class FrameReader:
    """Reads the bodies of Content-Length framed messages from a binary stream.

    Every read is bounded: header lines by ``HEADER_LINE_BYTES``, bodies by the limit given.
    The body of an oversized message is skipped as what it is to the framing, bytes before
    the next header: no JSON text holds ``Content-Length: N`` followed by a raw line break
    (JSON strings cannot hold one), so the next message's header is found whether the sender
    sends that body or not.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._tail = b""  # the end of a long line cut short, in case a header straddles it

    def _header_length(self, line: bytes) -> int | None:
        seen = self._tail + line
        self._tail = b"" if line.endswith(b"\n") else seen[-HEADER_TAIL_BYTES:]
        match = CONTENT_LENGTH.search(seen)
        return int(match.group(1)) if match else None

    def next(self, limit: int) -> bytes | Oversized | None:
        """The next body, an oversized message's length, or None at the end of the stream."""
        length: int | None = None
        while True:
            line = self._stream.readline(HEADER_LINE_BYTES)
            if not line:
                return None
            if length is None:
                length = self._header_length(line)
            elif line.strip() == b"":  # the blank line that ends the headers
                if length > limit:
                    return Oversized(length, limit)
                body = self._stream.read(length)
                if len(body) < length:
                    return None  # the stream ended within the body
                return body


def reply_error(server: LanguageServer, msg_id: int | str | None, error: JsonRpcException) -> None:
    """Answer ``msg_id`` (None: the request's id could not be read) with ``error``."""
    problem = {"code": error.code, "message": error.message}
    answer = {"jsonrpc": "2.0", "id": msg_id, "error": problem}
    body = json.dumps(answer).encode("utf-8")
    writer = server.protocol.writer
    if writer is not None:
        writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def receive(server: LanguageServer, body: bytes) -> None:
    """Decode one message and hand it to pygls, or answer why it cannot be handled."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        reply_error(server, None, JsonRpcParseError(f"Parse error: {_first_line(error)}"))
        return
    msg_id = data.get("id") if isinstance(data, dict) else None
    problem = _request_problem(data)
    if problem is not None:
        answers = isinstance(data, dict) and "method" not in data and data.keys() & ANSWER_KEYS
        if not answers:  # a malformed answer to a request of ours has nothing to answer
            reply_error(server, msg_id if _is_id(msg_id) else None, JsonRpcInvalidRequest(problem))
        return
    try:
        message = server.protocol.structure_message(data)
    except JsonRpcException as error:
        if "method" in data and "id" in data:
            reply_error(server, msg_id, error)
        return
    server.protocol.handle_message(message)


def _request_problem(data: object) -> str | None:
    """Why ``data`` is no JSON-RPC 2.0 request, notification or response, if it is not."""
    if not isinstance(data, dict):
        return f"Invalid request: a message is a JSON object, not {type(data).__name__}"
    if data.get("jsonrpc") != "2.0":
        return 'Invalid request: "jsonrpc" must be "2.0"'
    if "id" in data and not _is_id(data["id"]):
        return 'Invalid request: "id" must be a string or an integer'
    if "method" in data:
        is_name = isinstance(data["method"], str)
        return None if is_name else 'Invalid request: "method" must be a string'
    if "id" not in data or len(data.keys() & ANSWER_KEYS) != 1:
        return 'Invalid request: neither a request (no "method") nor a response'
    return None


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


async def _serve(server: LanguageServer, reader: FrameReader, limit: Callable[[], int]) -> int:
    loop = asyncio.get_running_loop()
    while True:
        frame = await loop.run_in_executor(server.thread_pool, reader.next, limit())
        if frame is None:  # the client went away without `exit`: as if it had sent it
            protocol = server.protocol
            return 0 if isinstance(protocol, QslintProtocol) and protocol.shut_down else 1
        if isinstance(frame, Oversized):
            problem = (
                f"Invalid request: a message of {frame.length} bytes is larger than "
                f"{frame.limit} (the `max-file-size` of the workspace, with room for JSON)"
            )
            reply_error(server, None, JsonRpcInvalidRequest(problem))
            continue
        try:
            receive(server, frame)
        except SystemExit as exit_:  # pygls' `exit` handler: 0 after `shutdown`, else 1
            return exit_.code if isinstance(exit_.code, int) else 1


def serve_stdio(
    server: LanguageServer,
    limit: Callable[[], int],
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
) -> int:
    """Serve one session over ``stdin``/``stdout`` (the process's by default); the exit
    code the LSP specification gives: 0 after ``shutdown`` then ``exit``, else 1.
    ``limit`` gives the largest message body accepted, read before each message."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    pygls_log = logging.getLogger("pygls")
    pygls_log.addHandler(handler)
    pygls_log.propagate = False
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    reader = FrameReader(stdin or sys.stdin.buffer)
    try:
        return asyncio.run(_serve(server, reader, limit))
    except BrokenPipeError:  # the editor closed our output: nobody is left to answer
        return 1
    finally:
        server.shutdown()

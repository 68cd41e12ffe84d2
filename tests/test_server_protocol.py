"""``qslint server`` at the wire: malformed and oversized messages, and its exit codes.

An LSP client library only sends well-formed messages, so these tests speak the base
protocol themselves: Content-Length framed JSON over the server's standard input and output.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pygls.uris import from_fs_path

ANSWER_SECONDS = 60  # a bound on each wait, never an expectation of speed


def frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body) if length is None else length, body)


def message(**fields: Any) -> bytes:
    return frame(json.dumps({"jsonrpc": "2.0", **fields}).encode())


class RawSession:
    """The server as a subprocess, with the messages it writes collected by a thread."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qslint", "server"],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.received: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        stream = self.process.stdout
        while True:
            length = None
            for line in iter(stream.readline, b"\r\n"):
                if not line:
                    self.received.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert length is not None
            self.received.put(json.loads(stream.read(length)))

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def answer(self, msg_id: int | None) -> dict[str, Any]:
        """The next answer to ``msg_id`` (None: to a message whose id could not be read),
        past the server's notifications."""
        while True:
            received = self.received.get(timeout=ANSWER_SECONDS)
            assert received is not None, "the server ended"
            if "method" not in received and received.get("id") == msg_id:
                return received

    def initialize(self, folder: Path) -> None:
        params = {"capabilities": {}, "rootUri": from_fs_path(str(folder))}
        self.send(message(id=0, method="initialize", params=params))
        assert "result" in self.answer(0)
        self.send(message(method="initialized", params={}))

    def hover(self, msg_id: int, path: Path) -> dict[str, Any]:
        params = {
            "textDocument": {"uri": from_fs_path(str(path))},
            "position": {"line": 0, "character": 0},
        }
        self.send(message(id=msg_id, method="textDocument/hover", params=params))
        return self.answer(msg_id)

    def finish(self, *, shut_down: bool) -> tuple[int, str]:
        """Send ``exit`` (after ``shutdown`` if asked): the exit code and standard error."""
        if shut_down:
            self.send(message(id=99, method="shutdown"))
            assert self.answer(99)["result"] is None
        self.send(message(method="exit"))
        code = self.process.wait(timeout=ANSWER_SECONDS)
        assert self.process.stderr is not None
        return code, self.process.stderr.read().decode()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[RawSession]:
    (tmp_path / ".qslint.toml").write_text(
        'region = "eu-west-1"\nmax-file-size = 1000\n', encoding="utf-8"
    )
    started = RawSession(tmp_path)
    started.initialize(tmp_path)
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait(timeout=ANSWER_SECONDS)


def _error(answer: dict[str, Any]) -> int:
    assert "result" not in answer
    return answer["error"]["code"]


def test_malformed_messages_are_answered_per_json_rpc(session, tmp_path):
    session.send(frame(b"{not json"))
    assert _error(session.answer(None)) == -32700
    session.send(frame(b'{"jsonrpc": "2.0", "id": 1, "method": "\xff"}'))  # not UTF-8
    assert _error(session.answer(None)) == -32700
    session.send(frame(b"[" * 30_000 + b"]" * 30_000))  # deeper than any parser goes
    assert _error(session.answer(None)) == -32700
    session.send(frame(b"[1, 2]"))
    assert _error(session.answer(None)) == -32600
    session.send(frame(b'{"jsonrpc": "2.0", "id": 2}'))  # neither a request nor an answer
    assert _error(session.answer(2)) == -32600
    session.send(frame(b'{"jsonrpc": "1.0", "id": 3, "method": "textDocument/hover"}'))
    assert _error(session.answer(3)) == -32600
    session.send(frame(b'{"jsonrpc": "2.0", "id": 4, "method": 7}'))
    assert _error(session.answer(4)) == -32600
    session.send(frame(b'{"jsonrpc": "2.0", "id": true, "method": "shutdown"}'))
    assert _error(session.answer(None)) == -32600
    hover = b'{"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {"x": 1}}'
    session.send(frame(hover))
    assert _error(session.answer(5)) == -32602
    session.send(frame(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": 1}'))
    answered = session.hover(6, tmp_path / "weekly.yaml")
    assert answered == {"jsonrpc": "2.0", "id": 6, "result": None}
    code, stderr = session.finish(shut_down=True)
    assert code == 0
    assert "Traceback" not in stderr


def test_an_oversized_message_is_refused_and_the_server_keeps_serving(session, tmp_path):
    session.send(b"Content-Length: 1000000000000\r\n\r\n")  # and no such body ever comes
    refused = session.answer(None)
    assert _error(refused) == -32600
    assert "1000000000000 bytes" in refused["error"]["message"]
    assert session.hover(1, tmp_path / "weekly.yaml")["result"] is None

    # A body past the limit (max-file-size 1000, six times for JSON's escapes, and the
    # message's own fields) that is sent whole is skipped whole.
    text = "AwsAccountId: '111122223333'\n" + "# padding\n" * 10_000
    document = {"uri": from_fs_path(str(tmp_path / "big.yaml")), "languageId": "yaml"}
    params = {"textDocument": {**document, "version": 1, "text": text}}
    session.send(message(method="textDocument/didOpen", params=params))
    assert _error(session.answer(None)) == -32600
    assert session.hover(2, tmp_path / "weekly.yaml")["result"] is None
    code, stderr = session.finish(shut_down=True)
    assert (code, stderr) == (0, "")


def test_a_header_split_across_reads_still_frames_the_next_message(session, tmp_path):
    # An oversized body, then a header that the reader's 4,096-byte reads cut in two.
    body = b"x" * (4096 * 200 + 4090)
    session.send(frame(body))
    assert _error(session.answer(None)) == -32600
    assert session.hover(3, tmp_path / "weekly.yaml")["result"] is None


def test_exit_without_shutdown_exits_1(session):
    code, _ = session.finish(shut_down=False)
    assert code == 1


def test_the_end_of_input_exits_0_after_shutdown_and_1_before(tmp_path):
    for shut_down, expected in ((True, 0), (False, 1)):
        started = RawSession(tmp_path)
        started.initialize(tmp_path)
        if shut_down:
            started.send(message(id=9, method="shutdown"))
            started.answer(9)
        assert started.process.stdin is not None
        started.process.stdin.close()
        assert started.process.wait(timeout=ANSWER_SECONDS) == expected

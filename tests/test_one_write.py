"""A response in one write (:mod:`clearance.service.one_write`): what a request's task writes in
one turn of the event loop reaches the socket as one write, at the end of that turn; writes in
later turns, a ``100 Continue`` before the body is read, a close and a large body still leave
when they must."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from clearance.service.one_write import FLUSH_BYTES, OneWriteHttpToolsProtocol, OneWriteTransport


class Recording:
    """A transport that records what reaches it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = self.eof = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def write_eof(self) -> None:
        self.eof = True

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5)}.get(name, default)


def _run(check: Any) -> None:
    async def main() -> None:
        raw = Recording()
        await check(OneWriteTransport(raw, asyncio.get_running_loop()), raw)  # type: ignore[arg-type]
    asyncio.run(main())


def test_writes_of_one_turn_leave_together_at_its_end() -> None:
    async def check(t: OneWriteTransport, raw: Recording) -> None:
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        t.write(b"")
        t.write(memoryview(b"body"))
        assert raw.writes == [] and t.get_write_buffer_size() == 7 + 23
        await asyncio.sleep(0)
        assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        t.writelines([b"a", b"b"])
        await asyncio.sleep(0)
        t.write(b"c")
        await asyncio.sleep(0)
        assert raw.writes[1:] == [b"ab", b"c"] and t.get_write_buffer_size() == 7
    _run(check)


def test_a_large_body_leaves_at_once() -> None:
    async def check(t: OneWriteTransport, raw: Recording) -> None:
        t.write(b"head")
        t.write(b"x" * FLUSH_BYTES)
        assert raw.writes == [b"head" + b"x" * FLUSH_BYTES]
        await asyncio.sleep(0)
        assert len(raw.writes) == 1
    _run(check)


def test_close_sends_what_is_held_and_abort_drops_it() -> None:
    async def check(t: OneWriteTransport, raw: Recording) -> None:
        t.write(b"last")
        t.close()
        assert raw.writes == [b"last"] and raw.closed
        await asyncio.sleep(0)
        assert raw.writes == [b"last"]
        assert t.get_extra_info("peername") == ("127.0.0.1", 5)  # the transport's own
    _run(check)

    async def aborted(t: OneWriteTransport, raw: Recording) -> None:
        t.write(b"lost")
        t.abort()
        await asyncio.sleep(0)
        assert raw.writes == [] and raw.aborted
    _run(aborted)

    async def eof(t: OneWriteTransport, raw: Recording) -> None:
        t.write(b"end")
        t.write_eof()
        assert raw.writes == [b"end"] and raw.eof
    _run(eof)


# -- through uvicorn ---------------------------------------------------------------------------

WRITES: list[bytes] = []


class CountingTransport:
    def __init__(self, transport: Any) -> None:
        self._t = transport

    def write(self, data: bytes) -> None:
        WRITES.append(bytes(data))
        self._t.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._t, name)


class CountingProtocol(OneWriteHttpToolsProtocol):
    """What reaches the socket, write by write."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(CountingTransport(transport))


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.05)  # a later turn of the loop
        await send({"type": "http.response.body", "body": b""})
        return
    answer = b"got " + body
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=free, http=CountingProtocol,
                            loop="uvloop", log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield free
    server.should_exit = True
    thread.join(timeout=10)


def _exchange(port: int, request: bytes, *, until: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        got = b""
        while until not in got:
            chunk = sock.recv(65536)
            assert chunk, got
            got += chunk
        return got


def test_a_response_reaches_the_socket_in_one_write(port: int) -> None:
    WRITES.clear()
    got = _exchange(port, b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    until=b"got ")
    assert got.startswith(b"HTTP/1.1 200 OK\r\n") and got.endswith(b"\r\n\r\ngot ")
    assert [got] == WRITES  # head and body: one write


def test_a_streamed_body_leaves_part_by_part(port: int) -> None:
    WRITES.clear()
    got = _exchange(port, b"GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    until=b"0\r\n\r\n")
    assert b"4\r\none,\r\n" in got and b"5\r\nthree\r\n" in got
    assert len(WRITES) == 4  # head with the first part; two more parts; the end


def test_100_continue_is_sent_before_the_body_is_read(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue")  # not held back
        sock.sendall(b"hello")
        got = b""
        while b"got hello" not in got:
            chunk = sock.recv(65536)
            assert chunk, got
            got += chunk

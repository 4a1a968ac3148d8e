"""A bare HTTP/1.1 GET client: the floor of a poll's CPU, with no HTTP library.

The fleet's ``bare HTTP/1.1`` row polls with it to show what a request
costs on this machine with nothing but ``asyncio``'s transports, a request
head built once per id and ``json.loads``: no headers object, no timeout
timer, no URL object, no body cap, no error mapping. It is a yardstick, not
a client: it knows only ``Content-Length`` bodies on kept-alive connections
(what the simulator sends) and fails a request whose connection drops.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Final

__all__ = ["BarePool"]

_HEAD_END: Final = b"\r\n\r\n"
_LENGTH: Final = b"\r\ncontent-length:"


class _Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer's body."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[bytes] | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(_HEAD_END)
        if end < 0:
            return
        head = bytes(self._buffer[:end]).lower()
        at = head.find(_LENGTH) + len(_LENGTH)
        line_end = head.find(b"\r\n", at)
        length = int(head[at : line_end if line_end >= 0 else None])
        start = end + len(_HEAD_END)
        if len(self._buffer) < start + length:
            return
        body = bytes(self._buffer[start : start + length])
        del self._buffer[: start + length]
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_result(body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError("the connection dropped"))


class BarePool:
    """Up to ``limit`` kept-alive connections to one host, handed out in turn."""

    def __init__(self, host: str, port: int, limit: int = 100) -> None:
        self._host = host
        self._port = port
        self._limit = limit
        self._opened = 0
        self._idle: list[_Connection] = []
        self._waiters: collections.deque[asyncio.Future[_Connection]] = (
            collections.deque()
        )

    def head(self, target: str) -> bytes:
        """The request head of a GET of ``target`` (path and query)."""
        return (
            f"GET {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            "Authorization: Bearer test-key\r\nAccept: application/json\r\n\r\n"
        ).encode()

    async def get(self, head: bytes) -> bytes:
        """Send ``head`` on a free connection; the answer's body."""
        connection = await self._acquire()
        loop = asyncio.get_running_loop()
        try:
            answer: asyncio.Future[bytes] = loop.create_future()
            connection.answer = answer
            assert connection.transport is not None
            connection.transport.write(head)
            body = await answer
        except BaseException:
            if connection.transport is not None:
                connection.transport.close()
            self._opened -= 1
            raise
        self._release(connection)
        return body

    def close(self) -> None:
        """Close every idle connection."""
        for connection in self._idle:
            if connection.transport is not None:
                connection.transport.close()
        self._idle.clear()

    async def _acquire(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.transport is not None:
                return connection
            self._opened -= 1
        if self._opened < self._limit:
            self._opened += 1
            loop = asyncio.get_running_loop()
            try:
                _, connection = await loop.create_connection(
                    _Connection, self._host, self._port
                )
            except BaseException:
                self._opened -= 1
                raise
            return connection
        waiter: asyncio.Future[_Connection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed over, then cancelled
                self._release(waiter.result())
            raise

    def _release(self, connection: _Connection) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

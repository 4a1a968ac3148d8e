"""A hostile HTTP server on 127.0.0.1, and a walk over an exception's graph.

:class:`HostileServer` speaks raw HTTP/1.1 over ``asyncio.start_server``: it
reads one request per connection (head and body), records it, answers with
the :data:`Respond` routed for its path (without the query) and closes the
connection. The responders below are the hostile answers: decompression
bombs (:func:`bomb`), slowloris bodies (:func:`slowloris`), huge or too many
headers, malformed status lines, resets, bad encodings, redirects, silence.

:func:`reachable` walks everything an exception lets a caller reach (its
``args``, attributes, ``__cause__`` and ``__context__``, recursively;
tracebacks aside), to prove a secret is nowhere in it.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import struct
import types
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import suppress
from typing import Final

import attrs

#: Writes one answer on a connection (the server closes it afterwards).
Respond = Callable[["Connection"], Awaitable[None]]

_REASONS: Final = {200: "OK", 302: "Found", 401: "Unauthorized", 500: "Error"}
#: The most request-head bytes the server reads.
_MAX_HEAD_BYTES: Final = 64 * 1024
#: The largest walk :func:`reachable` makes before it calls the graph too big.
MAX_REACHABLE: Final = 10_000


@attrs.frozen
class Request:
    """One request as the server read it (header names lower-cased)."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]


@attrs.define
class Connection:
    """One accepted connection: its request, and a writer counting bytes sent."""

    request: Request
    writer: asyncio.StreamWriter
    reader: asyncio.StreamReader
    sent: int = 0

    async def send(self, data: bytes) -> None:
        """Write and drain ``data`` (the count grows once it is handed over)."""
        self.writer.write(data)
        await self.writer.drain()
        self.sent += len(data)


class HostileServer:
    """A raw HTTP server answering each path with its routed :data:`Respond`.

    ``requests`` lists the requests read; ``connections`` every connection
    with its bytes sent. An unrouted path gets a 404.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.connections: list[Connection] = []
        self._routes: dict[str, Respond] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def route(self, path: str, respond: Respond) -> None:
        self._routes[path] = respond

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await _read_request(reader)
            self.requests.append(request)
            connection = Connection(request, writer, reader)
            self.connections.append(connection)
            respond = self._routes.get(request.path, answer(404, body=b"no route"))
            with suppress(ConnectionError):
                await respond(connection)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> Request:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > _MAX_HEAD_BYTES:  # pragma: no cover - our clients send little
        raise asyncio.IncompleteReadError(head, None)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


# --- answers -------------------------------------------------------------------


def head(
    status: int = 200,
    headers: Mapping[str, str] | tuple[tuple[str, str], ...] = (),
    *,
    reason: str | None = None,
) -> bytes:
    """A response head (status line and headers), ``Connection: close`` added."""
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    items.append(("Connection", "close"))
    text = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'X') if reason is None else reason}"
    )
    lines = [text, *(f"{name}: {value}" for name, value in items)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw(data: bytes) -> Respond:
    """Send ``data`` as is."""

    async def respond(connection: Connection) -> None:
        await connection.send(data)

    return respond


def answer(
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    body: bytes = b"",
    content_type: str = "application/json",
) -> Respond:
    """An honest answer: ``body`` with its type and length."""
    fields = {"Content-Type": content_type, "Content-Length": str(len(body))}
    fields.update(headers or {})
    return raw(head(status, fields) + body)


@functools.lru_cache(maxsize=16)
def compressed(
    decoded_bytes: int,
    *,
    encoding: str = "gzip",
    prefix: bytes = b"",
    suffix: bytes = b"",
    fill: bytes = b"0",
) -> bytes:
    """``prefix``, ``decoded_bytes`` of ``fill`` and ``suffix``, compressed.

    Compressed as it is made, 1 MiB at a time: 1 GiB of zeros makes about
    1 MiB of gzip without ever being held whole. ``encoding`` is ``gzip``
    or ``deflate`` (zlib framing, as HTTP's ``deflate`` means).
    """
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}[encoding]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = fill * ((1 << 20) // len(fill))
    parts = [compressor.compress(prefix)]
    left = decoded_bytes
    while left > 0:
        piece = block if left >= len(block) else block[:left]
        parts.append(compressor.compress(piece))
        left -= len(piece)
    parts += [compressor.compress(suffix), compressor.flush()]
    return b"".join(parts)


def json_bomb(decoded_bytes: int, *, encoding: str = "gzip") -> bytes:
    """A valid success envelope whose ``data`` is a string of about that size."""
    return compressed(
        decoded_bytes,
        encoding=encoding,
        prefix=b'{"code": 200, "msg": "ok", "data": "',
        suffix=b'"}',
    )


def bomb(
    payload: bytes,
    *,
    encoding: str = "gzip",
    status: int = 200,
    content_type: str = "application/json",
) -> Respond:
    """Send compressed ``payload`` with ``Content-Encoding`` and its small length."""
    fields = {
        "Content-Type": content_type,
        "Content-Encoding": encoding,
        "Content-Length": str(len(payload)),
    }
    return raw(head(status, fields) + payload)


def slowloris(
    body: bytes, *, interval_s: float, content_type: str = "application/json"
) -> Respond:
    """Declare ``body`` whole, then send it one byte every ``interval_s``."""

    async def respond(connection: Connection) -> None:
        fields = {"Content-Type": content_type, "Content-Length": str(len(body))}
        await connection.send(head(200, fields))
        for i in range(len(body)):
            await asyncio.sleep(interval_s)  # the hostile part: a trickle
            await connection.send(body[i : i + 1])

    return respond


def huge_header(size: int) -> Respond:
    """One header value of ``size`` bytes (aiohttp allows 8190)."""
    return raw(head(200, {"X-Huge": "a" * size, "Content-Length": "2"}) + b"{}")


def many_headers(count: int) -> Respond:
    """``count`` headers (aiohttp allows 128)."""
    fields = tuple((f"X-H{i}", "v") for i in range(count))
    return raw(head(200, (*fields, ("Content-Length", "2"))) + b"{}")


def huge_status_line(size: int) -> Respond:
    """A reason phrase of ``size`` bytes."""
    return raw(head(200, {"Content-Length": "2"}, reason="a" * size) + b"{}")


def reset() -> Respond:
    """Close with a TCP reset instead of an answer."""

    async def respond(connection: Connection) -> None:
        sock = connection.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.writer.transport.abort()

    return respond


def cut(declared: int, sent: bytes) -> Respond:
    """Declare ``declared`` bytes, send ``sent`` and close."""
    return raw(head(200, {"Content-Length": str(declared)}) + sent)


def silent() -> Respond:
    """Never answer; wait for the client to give up."""

    async def respond(connection: Connection) -> None:
        await connection.reader.read()

    return respond


def echo_key(status: int = 401) -> Respond:
    """Send the request's ``Authorization`` back in the reason, a header and body."""

    async def respond(connection: Connection) -> None:
        echoed = connection.request.headers.get("authorization", "")
        body = f"<p>{echoed} refused</p>".encode()
        fields = {
            "Content-Type": "text/html",
            "Content-Length": str(len(body)),
            "X-Echo": echoed,
        }
        await connection.send(head(status, fields, reason=f"No {echoed}") + body)

    return respond


# --- what an exception lets a caller reach ----------------------------------------

_LEAVES: Final = (str, bytes, bytearray, int, float, complex, bool, type(None))
_OPAQUE: Final = (
    types.TracebackType,
    types.FrameType,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    type,
)


def reachable(root: object) -> Iterator[object]:
    """Every object reachable from ``root`` through data, each once.

    Follows exceptions' ``args``, ``__cause__``, ``__context__`` and
    ``__notes__``, every object's ``vars()`` and ``__slots__``, mappings'
    keys and values, and sequences' and sets' items. Tracebacks, frames,
    modules, functions and classes are not followed. Raises ``AssertionError``
    past :data:`MAX_REACHABLE` objects (a graph that big is a finding too).
    """
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, _OPAQUE):
            continue
        seen.add(id(item))
        assert len(seen) <= MAX_REACHABLE, "exception graph too large to walk"
        yield item
        if isinstance(item, _LEAVES):
            continue
        stack.extend(_children(item))


def _children(item: object) -> list[object]:
    children: list[object] = []
    if isinstance(item, BaseException):
        children += [item.args, item.__cause__, item.__context__]
        children.append(getattr(item, "__notes__", None))
    if isinstance(item, Mapping):
        children += [*item.keys(), *item.values()]
    elif isinstance(item, (list, tuple, set, frozenset)):
        children += list(item)
    with suppress(TypeError):
        children += list(vars(item).values())
    for cls in type(item).__mro__:
        slots = getattr(cls, "__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            with suppress(AttributeError):
                children.append(getattr(item, name))
    return children


def texts_of(root: object) -> Iterator[str]:
    """The strings and bytes of :func:`reachable`, and the others' ``repr``."""
    for item in reachable(root):
        if isinstance(item, (bytes, bytearray)):
            yield bytes(item).decode("latin-1")
        elif isinstance(item, str):
            yield item
        else:
            yield repr(item)
            if isinstance(item, BaseException):
                yield str(item)


def leaks(root: object, secret: str) -> list[str]:
    """The texts reachable from ``root`` holding ``secret`` (empty: none)."""
    return [text for text in texts_of(root) if secret in text]

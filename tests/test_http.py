"""The HTTP edge: every answer and failure becomes data or one of our exceptions."""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from aiohttp import client_exceptions as ce
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import aioresponses
from yarl import URL

from suno_async import (
    APIKLEY,
    KIE,
    SUNOAPI,
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConflictError,
    DecodeError,
    InsufficientCreditsError,
    InvalidArgumentError,
    InvalidRequestError,
    LocalRateLimiter,
    MediaFetchError,
    NotFoundError,
    Provider,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    SunoError,
    TaskKind,
    TransportError,
    UsageError,
)
from suno_async._core.families import SPECS
from suno_async._core.policies import RETRY_AFTER_MAX_S
from suno_async._io.http import (
    FOREIGN_ERRORS,
    USER_AGENT,
    ForeignError,
    Transport,
    _client_timeout,
    nothing_sent,
    parse_retry_after,
)
from suno_async._io.reader import RecordReader

from aiomock import MockedHTTP

KEY = "sk-test-SECRET-0123456789"
BASE = "https://api.test"
PATH = "/api/v1/generate/record-info"
URL_T1 = f"{BASE}{PATH}?taskId=t1"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def envelope(code: Any, msg: str = "error", data: Any = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def describe(exc: BaseException) -> dict[str, Any]:
    """The observable state of one of our exceptions, for whole-value comparison."""
    return {
        "type": type(exc),
        "str": str(exc),
        "code": getattr(exc, "code", None),
        "http_status": getattr(exc, "http_status", None),
        "task_id": getattr(exc, "task_id", None),
        "retry_after": getattr(exc, "retry_after", None),
    }


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with MockedHTTP() as m:
        yield m


@pytest.fixture
async def make() -> AsyncIterator[Callable[..., Transport]]:
    """Build transports (own sessions) and close them all afterwards."""
    made: list[Transport] = []

    def build(
        provider: Provider = APIKLEY, base_url: str = BASE, **kwargs: Any
    ) -> Transport:
        options: dict[str, Any] = {"request_timeout": 5.0, "max_connections": 10}
        options.update(kwargs)
        transport = Transport(
            api_key=KEY, provider=provider, base_url=base_url, session=None, **options
        )
        made.append(transport)
        return transport

    yield build
    for transport in made:
        await transport.aclose()


async def fetch(transport: Transport, **kwargs: Any) -> Any:
    return await transport.request(
        "GET", PATH, params={"taskId": "t1"}, task_id="t1", **kwargs
    )


async def failure(transport: Transport, **kwargs: Any) -> SunoError:
    with pytest.raises(SunoError) as info:
        await fetch(transport, **kwargs)
    return info.value


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A bare TCP server on 127.0.0.1 speaking whatever ``handler`` writes."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


# --- success -----------------------------------------------------------------


async def test_success_returns_the_envelope_data(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """Body code 200 under HTTP 200 gives the envelope's ``data``."""
    mock.get(URL_T1, payload=envelope(200, "success", {"taskId": "t1"}))
    assert await fetch(make()) == {"taskId": "t1"}


async def test_request_sends_key_agent_and_params(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """The key goes in a Bearer header, with our User-Agent; redirects are off."""
    mock.get(URL_T1, payload=envelope(200, "success", 1))
    await fetch(make())
    (call,) = mock.requests[("GET", URL(URL_T1))]
    assert call.kwargs["headers"] == {
        "Authorization": f"Bearer {KEY}",
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    assert call.kwargs["allow_redirects"] is False
    assert USER_AGENT.startswith("suno-async/")
    assert f" aiohttp/{aiohttp.__version__} python/" in USER_AGENT


@pytest.mark.parametrize("task_id", ["t1", "a&b=c", "x+y/z?#", "ünï%20"])
async def test_a_kept_url_is_the_one_aiohttp_builds_from_params(
    make: Callable[..., Transport], task_id: str
) -> None:
    """``Transport.url`` gives the URL aiohttp would build of the path and params."""
    kept = make().url(PATH, {"taskId": task_id})
    assert kept == URL(BASE + PATH).extend_query({"taskId": task_id})


async def test_a_request_to_a_kept_url_goes_where_its_params_would(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A request given ``url`` is sent there once, its params not added again."""
    mock.get(URL_T1, payload=envelope(200, "success", 1))
    transport = make()
    kept = transport.url(PATH, {"taskId": "t1"})
    data = await transport.request(
        "GET", PATH, params={"taskId": "t1"}, url=kept, task_id="t1"
    )
    assert (data, list(mock.requests)) == (1, [("GET", URL(URL_T1))])


async def test_a_task_reads_make_its_url_once(
    mock: aioresponses, make: Callable[..., Transport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``RecordReader.reads_of`` builds the task's URL once; each read sends it."""
    made: list[dict[str, str]] = []
    build = Transport.url

    def url(self: Transport, path: str, params: Mapping[str, str]) -> URL:
        made.append(dict(params))
        return build(self, path, params)

    monkeypatch.setattr(Transport, "url", url)
    mock.get(
        URL_T1,
        payload=envelope(200, "success", {"taskId": "t1", "status": "PENDING"}),
        repeat=True,
    )
    reader = RecordReader(make(), LocalRateLimiter(limit=3, window_s=1.0), None)
    reads = reader.reads_of("t1", spec=SPECS[TaskKind.MUSIC])
    records = [await reads(None), await reads(None)]
    assert [r.task_id for r in records] == ["t1", "t1"]
    assert (made, len(mock.requests[("GET", URL(URL_T1))])) == ([{"taskId": "t1"}], 2)


async def test_a_task_reads_refuse_a_bad_task_id(
    make: Callable[..., Transport],
) -> None:
    """An id no task can have is refused when its reads are made, unsent."""
    reader = RecordReader(make(), LocalRateLimiter(limit=3, window_s=1.0), None)
    with pytest.raises(InvalidArgumentError) as info:
        reader.reads_of("a b", spec=SPECS[TaskKind.MUSIC])
    assert str(info.value) == (
        "invalid task id 'a b': must not contain whitespace or control characters"
    )


async def test_post_sends_json(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A JSON body is passed through for task-creating requests."""
    mock.post(f"{BASE}/api/v1/generate", payload=envelope(200, "ok", {"taskId": "n"}))
    data = await make().request("POST", "/api/v1/generate", json={"prompt": "calm"})
    assert data == {"taskId": "n"}
    (call,) = mock.requests[("POST", URL(f"{BASE}/api/v1/generate"))]
    assert call.kwargs["json"] == {"prompt": "calm"}


# --- body codes ----------------------------------------------------------------

FAMILY_CODES = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitError,
    451: MediaFetchError,
    455: ServiceUnavailableError,
    500: ServerError,
    505: InvalidRequestError,
}
SUNOAPI_CODES = {
    400: InvalidRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    405: RateLimitError,
    409: ConflictError,
    413: InvalidRequestError,
    429: InsufficientCreditsError,
    430: RateLimitError,
    451: MediaFetchError,
    455: ServiceUnavailableError,
    500: ServerError,
}
BODY_CODE_CASES = [
    pytest.param(provider, code, error, id=f"{provider.name}-{code}-{error.__name__}")
    for provider, table in (
        (APIKLEY, FAMILY_CODES),
        (KIE, FAMILY_CODES),
        (SUNOAPI, SUNOAPI_CODES),
    )
    for code, error in table.items()
]


@pytest.mark.parametrize(("provider", "code", "error"), BODY_CODE_CASES)
async def test_body_code_maps_to_documented_error(
    mock: aioresponses,
    make: Callable[..., Transport],
    provider: Provider,
    code: int,
    error: type[APIError],
) -> None:
    """Each documented body code under HTTP 200 raises its provider's exception."""
    mock.get(URL_T1, payload=envelope(code, "the reason"))
    exc = await failure(make(provider))
    assert describe(exc) == {
        "type": error,
        "str": f"[{code}] the reason (task t1)",
        "code": code,
        "http_status": 200,
        "task_id": "t1",
        "retry_after": None,
    }


@pytest.mark.parametrize(
    ("code", "error"),
    [
        pytest.param("429", RateLimitError, id="numeric-string"),
        pytest.param(" 455 ", ServiceUnavailableError, id="padded-string"),
        pytest.param(429.0, RateLimitError, id="integral-float"),
        pytest.param(418, APIError, id="unknown-4xx"),
        pytest.param(599, ServerError, id="unknown-5xx"),
    ],
)
async def test_body_code_variants(
    mock: aioresponses, make: Callable[..., Transport], code: Any, error: type[APIError]
) -> None:
    """Codes as numeric strings or integral floats count; unknown codes fall back."""
    mock.get(URL_T1, payload=envelope(code, "x"))
    exc = await failure(make())
    assert (type(exc), getattr(exc, "code", None)) == (error, int(float(code)))


@pytest.mark.parametrize(
    "message", ["recordInfo is null", "record info is null", "Task not found"]
)
async def test_422_for_a_missing_record_is_not_found(
    mock: aioresponses, make: Callable[..., Transport], message: str
) -> None:
    """kie.ai's 422 "recordInfo is null" means the task is unknown (yet)."""
    mock.get(URL_T1, payload=envelope(422, message))
    exc = await failure(make())
    assert (type(exc), getattr(exc, "code", None)) == (NotFoundError, 422)


async def test_success_code_as_string(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """``"200"`` is a success code too."""
    mock.get(URL_T1, payload=envelope("200", "ok", [1]))
    assert await fetch(make()) == [1]


async def test_missing_msg_says_no_message(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A body code without ``msg`` still gives a readable message."""
    mock.get(URL_T1, payload={"code": 404})
    exc = await failure(make())
    assert str(exc) == "[404] no message (task t1)"


@pytest.mark.parametrize(
    ("code", "error"),
    [(429, RateLimitError), (455, ServiceUnavailableError)],
    ids=["rate-limit", "maintenance"],
)
async def test_body_code_carries_retry_after(
    mock: aioresponses, make: Callable[..., Transport], code: int, error: type[APIError]
) -> None:
    """A Retry-After header sent with a rate-limit or maintenance code is kept."""
    mock.get(URL_T1, payload=envelope(code, "slow down"), headers={"Retry-After": "7"})
    exc = await failure(make())
    assert describe(exc) == {
        "type": error,
        "str": f"[{code}] slow down (task t1)",
        "code": code,
        "http_status": 200,
        "task_id": "t1",
        "retry_after": 7.0,
    }


# --- HTTP-level failures ---------------------------------------------------------


async def test_http_error_with_envelope_uses_body_code(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A real HTTP error carrying an envelope is mapped by its body code."""
    mock.get(URL_T1, status=500, payload=envelope(455, "maintenance"))
    exc = await failure(make())
    assert describe(exc) == {
        "type": ServiceUnavailableError,
        "str": "[455] maintenance (task t1)",
        "code": 455,
        "http_status": 500,
        "task_id": "t1",
        "retry_after": None,
    }


async def test_http_error_with_success_envelope_uses_http_status(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """Body code 200 under HTTP 500 is an HTTP failure, not a success."""
    mock.get(
        URL_T1, status=500, payload=envelope(200, "ok"), reason="Internal Server Error"
    )
    exc = await failure(make())
    assert describe(exc) == {
        "type": ServerError,
        "str": '[500] HTTP 500 Internal Server Error: {"code": 200, "msg": "ok", '
        '"data": null} (task t1)',
        "code": 500,
        "http_status": 500,
        "task_id": "t1",
        "retry_after": None,
    }


HTML_502 = "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>\n"


@pytest.mark.parametrize(
    ("status", "reason", "body", "headers", "expected"),
    [
        pytest.param(
            502,
            "Bad Gateway",
            HTML_502,
            {},
            (
                ServerError,
                "HTTP 502 Bad Gateway: "
                "<html> <head><title>502 Bad Gateway</title></head> </html>",
                None,
            ),
            id="html-502",
        ),
        pytest.param(
            503,
            "Service Unavailable",
            "down for maintenance",
            {"Retry-After": "30"},
            (
                ServiceUnavailableError,
                "HTTP 503 Service Unavailable: down for maintenance",
                30.0,
            ),
            id="text-503-retry-after",
        ),
        pytest.param(
            429,
            "Too Many Requests",
            "",
            {"Retry-After": "2"},
            (RateLimitError, "HTTP 429 Too Many Requests", 2.0),
            id="empty-429",
        ),
        pytest.param(
            401,
            "Unauthorized",
            "",
            {},
            (AuthenticationError, "HTTP 401 Unauthorized", None),
            id="empty-401",
        ),
        pytest.param(
            403,
            "Forbidden",
            "<h1>Forbidden</h1>",
            {},
            (AuthenticationError, "HTTP 403 Forbidden: <h1>Forbidden</h1>", None),
            id="html-403",
        ),
        pytest.param(
            400,
            "Bad Request",
            '{"detail": "bad"}',
            {},
            (InvalidRequestError, 'HTTP 400 Bad Request: {"detail": "bad"}', None),
            id="json-without-envelope-400",
        ),
        pytest.param(
            599,
            None,
            "",
            {},
            (ServerError, "HTTP 599", None),
            id="no-reason-599",
        ),
        pytest.param(
            302,
            "Found",
            "",
            {"Location": "https://elsewhere.test/"},
            (APIError, "HTTP 302 Found", None),
            id="redirect-not-followed",
        ),
    ],
)
async def test_http_error_without_envelope_uses_http_meaning(
    mock: aioresponses,
    make: Callable[..., Transport],
    status: int,
    reason: str | None,
    body: str,
    headers: dict[str, str],
    expected: tuple[type[APIError], str, float | None],
) -> None:
    """HTML, plain text, empty or foreign JSON error bodies map by HTTP status."""
    mock.get(
        URL_T1,
        status=status,
        body=body,
        reason=reason,
        headers=headers,
        content_type="text/html",
    )
    exc = await failure(make())
    error, message, retry_after = expected
    assert describe(exc) == {
        "type": error,
        "str": f"[{status}] {message} (task t1)",
        "code": status,
        "http_status": status,
        "task_id": "t1",
        "retry_after": retry_after,
    }


async def test_http_error_excerpt_is_bounded(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """Only a short, whitespace-collapsed excerpt of an error page is quoted."""
    mock.get(URL_T1, status=500, body="x" * 5000, reason="Internal Server Error")
    exc = await failure(make())
    assert str(exc) == f"[500] HTTP 500 Internal Server Error: {'x' * 120} (task t1)"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param(
            '{"code": 200, "msg": "success", "data": {"taskId',
            "not JSON",
            id="truncated",
        ),
        pytest.param("{code: 200}", "not JSON", id="malformed"),
        pytest.param("<html>OK</html>", "not JSON", id="html"),
        pytest.param("", "not JSON", id="empty"),
        pytest.param("[1, 2]", "not a {code, msg, data} envelope", id="list"),
        pytest.param('"success"', "not a {code, msg, data} envelope", id="string"),
        pytest.param('{"msg": "ok"}', "not a {code, msg, data} envelope", id="no-code"),
        pytest.param(
            '{"code": "abc"}', "not a {code, msg, data} envelope", id="text-code"
        ),
        pytest.param(
            '{"code": true}', "not a {code, msg, data} envelope", id="bool-code"
        ),
        pytest.param(
            '{"code": 200.5}', "not a {code, msg, data} envelope", id="float-code"
        ),
        pytest.param(
            '{"code": null}', "not a {code, msg, data} envelope", id="null-code"
        ),
    ],
)
async def test_unreadable_success_body_is_decode_error(
    mock: aioresponses, make: Callable[..., Transport], body: str, problem: str
) -> None:
    """HTTP 200 with bad JSON or a wrong-shaped envelope raises DecodeError."""
    mock.get(URL_T1, body=body)
    exc = await failure(make())
    assert isinstance(exc, DecodeError)
    assert (type(exc), str(exc), exc.excerpt, exc.http_status, exc.task_id) == (
        DecodeError,
        f"HTTP 200 body is {problem} (task t1)",
        body,
        200,
        "t1",
    )


async def test_decode_error_excerpt_is_bounded(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A huge garbled body is quoted only up to DecodeError.EXCERPT_CHARS."""
    mock.get(URL_T1, body="<" * 10_000)
    exc = await failure(make())
    assert isinstance(exc, DecodeError)
    assert exc.excerpt == "<" * DecodeError.EXCERPT_CHARS


async def test_oversized_body_by_content_length(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A Content-Length over the cap is refused before reading."""
    mock.get(URL_T1, body="{}", headers={"Content-Length": "4097"})
    exc = await failure(make(max_body_bytes=4096))
    assert (type(exc), str(exc)) == (
        DecodeError,
        "response body over the 4096-byte cap (Content-Length 4097) (task t1)",
    )


async def test_oversized_body_without_content_length(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A body that grows past the cap while read is refused."""
    mock.get(URL_T1, body="x" * 5000)
    exc = await failure(make(max_body_bytes=4096))
    assert (type(exc), str(exc)) == (
        DecodeError,
        "response body over the 4096-byte cap (stopped reading at 5000 decoded"
        " bytes) (task t1)",
    )


async def test_endless_streamed_body_is_cut_off(make: Callable[..., Transport]) -> None:
    """An endless chunked body is refused at the cap, never buffered whole."""
    sent = 0

    async def endless(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal sent
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"1000\r\n" + b"x" * 4096 + b"\r\n"
        try:
            while sent < 64 * 1024 * 1024:  # a safety stop far past the cap
                writer.write(chunk)
                await writer.drain()
                sent += 4096
        except ConnectionError:
            pass
        finally:
            writer.close()

    async with raw_server(endless) as base:
        exc = await failure(make(base_url=base, max_body_bytes=64 * 1024))
    assert isinstance(exc, DecodeError)
    assert str(exc).startswith(
        "response body over the 65536-byte cap (stopped reading at "
    )
    assert sent < 64 * 1024 * 1024


# --- foreign exceptions ------------------------------------------------------------

_KEY = ConnectionKey("api.test", 443, True, True, None, None, None, "api.test")
_INFO = aiohttp.RequestInfo(URL(URL_T1), "GET", {}, URL(URL_T1))  # type: ignore[arg-type]
FOREIGN = [
    ce.ClientError("client"),
    ce.ClientConnectionError("connection"),
    ce.ClientConnectionResetError("reset"),
    ce.ClientOSError(104, "os"),
    ce.ClientConnectorError(_KEY, OSError(111, "refused")),
    ce.ClientProxyConnectionError(_KEY, OSError(111, "proxy")),
    ce.ClientSSLError(_KEY, OSError(1, "ssl")),
    ce.ClientConnectorDNSError(_KEY, socket.gaierror(-2, "Name or service not known")),
    ce.ClientConnectorSSLError(_KEY, ssl.SSLError(1, "handshake")),
    ce.ClientConnectorCertificateError(
        _KEY, ssl.SSLCertVerificationError(1, "bad cert")
    ),
    ce.ConnectionTimeoutError("connect timeout"),
    ce.SocketTimeoutError("read timeout"),
    ce.ServerConnectionError("server"),
    ce.ServerTimeoutError("server timeout"),
    ce.ServerDisconnectedError(),
    ce.ServerFingerprintMismatch(b"a", b"b", "api.test", 443),
    ce.ClientResponseError(_INFO, (), status=500, message="response"),
    ce.ClientHttpProxyError(_INFO, (), status=407, message="proxy"),
    ce.WSServerHandshakeError(_INFO, (), status=400, message="ws"),
    ce.ContentTypeError(_INFO, (), message="content type"),
    ce.ClientPayloadError("payload"),
    ce.UploadAbortedError("upload"),
    ce.InvalidURL("bad url"),
    ce.InvalidUrlClientError("bad url"),
    ce.RedirectClientError("redirect"),
    ce.NonHttpUrlClientError("ftp://x"),
    ce.InvalidUrlRedirectClientError("bad redirect"),
    ce.NonHttpUrlRedirectClientError("ftp://y"),
    asyncio.TimeoutError(),
    TimeoutError("timed out"),
    OSError(113, "No route to host"),
    ConnectionResetError(104, "reset by peer"),
    ConnectionRefusedError(111, "refused"),
    BrokenPipeError(32, "broken pipe"),
    socket.gaierror(-3, "Temporary failure in name resolution"),
    ssl.SSLError(1, "tls"),
    ssl.SSLCertVerificationError(1, "certificate verify failed"),
]
#: Not raised by HTTP requests (websocket API misuse), so deliberately not mapped.
UNMAPPED = {"WSMessageTypeError"}


def test_every_aiohttp_client_exception_is_covered() -> None:
    """The table below covers every exception aiohttp's client can raise."""
    exported = {name for name in ce.__all__ if name not in UNMAPPED}
    assert exported <= {type(exc).__name__ for exc in FOREIGN}
    assert all(issubclass(getattr(ce, name), FOREIGN_ERRORS) for name in exported)


@pytest.mark.parametrize("foreign", FOREIGN, ids=lambda exc: type(exc).__name__)
async def test_foreign_exception_is_translated(
    mock: aioresponses, make: Callable[..., Transport], foreign: BaseException
) -> None:
    """Each foreign failure becomes TransportError (timeouts RequestTimeoutError)."""
    mock.get(URL_T1, exception=foreign)
    exc = await failure(make())
    timeout = isinstance(foreign, (asyncio.TimeoutError, TimeoutError))
    expected = RequestTimeoutError if timeout else TransportError
    assert (type(exc), exc.task_id) == (expected, "t1")
    if not timeout:
        assert exc.message == f"{type(foreign).__name__}: {foreign or 'no detail'}"
    cause = exc.__cause__
    assert isinstance(cause, ForeignError)
    qualified = f"{type(foreign).__module__}.{type(foreign).__qualname__}"
    assert (cause.type_name, str(cause)) == (
        qualified,
        f"{qualified}: {foreign}" if str(foreign) else qualified,
    )
    assert (cause.__cause__, cause.__context__, cause.__traceback__) == (None,) * 3
    assert exc.__context__ is None


async def test_timeout_message_names_the_limit(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A timed-out request says how long it was allowed."""
    mock.get(URL_T1, exception=asyncio.TimeoutError())
    exc = await failure(make(), timeout=2.5)
    assert str(exc) == "request timed out after 2.5 s (task t1)"


async def test_real_timeout_against_a_silent_server(
    make: Callable[..., Transport],
) -> None:
    """A server that never answers trips the request timeout."""

    async def silent(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    async with raw_server(silent) as base:
        exc = await failure(make(base_url=base), timeout=0.05)
    assert (type(exc), str(exc)) == (
        RequestTimeoutError,
        "request timed out after 0.05 s (task t1)",
    )
    assert isinstance(exc, TimeoutError)


async def test_timeout_covers_the_slot_wait(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """Waiting for a slot counts against the request's timeout; nothing is sent."""

    @asynccontextmanager
    async def never() -> AsyncIterator[None]:
        await asyncio.Event().wait()
        yield  # pragma: no cover

    exc = await failure(make(), timeout=0.01, slot=never)
    assert type(exc) is RequestTimeoutError
    assert mock.requests == {}


async def test_aiohttp_gets_the_request_timeout_exactly(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A request that waited for nothing has aiohttp bound it by its whole timeout."""
    mock.get(URL_T1, payload=envelope(200, "success", 1))
    await fetch(make())
    (call,) = mock.requests[("GET", URL(URL_T1))]
    assert call.kwargs["timeout"] == aiohttp.ClientTimeout(
        total=5.0, ceil_threshold=math.inf
    )


@pytest.mark.parametrize(
    ("left_s", "total_s"),
    [(0.05, 0.05), (0.999, 0.999), (1.0, 1.0), (29.996, 29.99), (30.0, 30.0)],
)
def test_time_left_is_rounded_down_to_the_hundredth_from_a_second(
    left_s: float, total_s: float
) -> None:
    """Never up, never to a whole second (aiohttp's ceil_threshold is off)."""
    timeout = _client_timeout(left_s)
    assert (timeout.total, timeout.ceil_threshold) == (total_s, math.inf)


def test_nearby_times_left_share_one_timeout() -> None:
    """Times left within one hundredth reuse the cached ClientTimeout."""
    assert _client_timeout(29.991) is _client_timeout(29.999)


async def test_connection_refused_for_real(make: Callable[..., Transport]) -> None:
    """A closed port gives TransportError from aiohttp's connector error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exc = await failure(make(base_url=f"http://127.0.0.1:{port}"))
    assert (type(exc), exc.connected, nothing_sent(exc)) == (
        TransportError,
        False,
        True,
    )
    assert isinstance(exc.__cause__, ForeignError)
    assert exc.__cause__.type_name == "aiohttp.client_exceptions.ClientConnectorError"


# --- lifecycle -----------------------------------------------------------------------


async def test_closed_transport_refuses(make: Callable[..., Transport]) -> None:
    """After aclose, requests raise ClientClosedError without touching the wire."""
    transport = make()
    await transport.aclose()
    exc = await failure(transport)
    assert (type(exc), str(exc), transport.closed) == (
        ClientClosedError,
        "the client is closed (task t1)",
        True,
    )


async def test_closing_during_a_request(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """A request broken by closing the transport raises ClientClosedError."""
    transport = make()

    async def close_midway(url: URL, **kwargs: Any) -> None:
        await transport.aclose()

    mock.get(
        URL_T1, callback=close_midway, exception=ce.ClientConnectionError("closed")
    )
    exc = await failure(transport)
    assert (type(exc), str(exc)) == (
        ClientClosedError,
        "the client was closed during the request (task t1)",
    )


async def test_injected_closed_session_is_a_usage_error() -> None:
    """A session closed by its owner is reported as misuse, not a network failure."""
    session = aiohttp.ClientSession()
    await session.close()
    transport = Transport(
        api_key=KEY,
        provider=APIKLEY,
        base_url=BASE,
        session=session,
        request_timeout=1.0,
        max_connections=1,
    )
    exc = await failure(transport)
    assert (type(exc), str(exc)) == (
        UsageError,
        "the aiohttp session given to the client is closed (task t1)",
    )


async def test_own_session_is_created_lazily_and_closed(
    mock: aioresponses, make: Callable[..., Transport]
) -> None:
    """The transport opens its session on the first request and closes it."""
    transport = make()
    states = [transport.owns_open_session]
    mock.get(URL_T1, payload=envelope(200, "ok", 1))
    await fetch(transport)
    states.append(transport.owns_open_session)
    await transport.aclose()
    states.append(transport.owns_open_session)
    assert states == [False, True, False]


# --- slots ---------------------------------------------------------------------------


class SlotLog:
    """A slot factory that records when its slots are entered and left."""

    def __init__(self) -> None:
        self.events: list[str] = []

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        self.events.append("enter")
        try:
            yield
        finally:
            self.events.append("exit")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"payload": envelope(200, "ok", 1)}, id="success"),
        pytest.param({"exception": ce.ServerDisconnectedError()}, id="failure"),
    ],
)
async def test_mocked_wire_takes_one_slot(
    mock: aioresponses, make: Callable[..., Transport], answer: dict[str, Any]
) -> None:
    """With aioresponses (no real wire) a request still takes exactly one slot."""
    mock.get(URL_T1, **answer)
    log = SlotLog()
    with pytest.raises(SunoError) if "exception" in answer else nullcontext():
        await fetch(make(), slot=log)
    assert log.events == ["enter", "exit"]


async def test_slot_is_released_when_headers_arrive(
    make: Callable[..., Transport],
) -> None:
    """The slot is held while the request is sent, and freed before the body is read."""
    log = SlotLog()
    released = asyncio.Event()

    @asynccontextmanager
    async def slot() -> AsyncIterator[None]:
        async with log():
            yield
        released.set()

    async def slow_body(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        log.events.append("server: request")
        body = b'{"code": 200, "msg": "ok", "data": 7}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        await writer.drain()
        await released.wait()  # the body only follows once the slot is free
        log.events.append("server: body")
        writer.write(body)
        await writer.drain()
        writer.close()

    async with raw_server(slow_body) as base:
        data = await asyncio.wait_for(fetch(make(base_url=base), slot=slot), 5)
    assert data == 7
    assert log.events == ["enter", "server: request", "exit", "server: body"]


async def test_session_middlewares_are_kept(make: Callable[..., Transport]) -> None:
    """An injected session's own middlewares still run beside the slot middleware."""
    seen: list[str] = []

    async def tracing(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        seen.append(request.method)
        return await handler(request)

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"code": 200, "msg": "ok", "data": 1}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    log = SlotLog()
    async with (
        raw_server(answer) as base,
        aiohttp.ClientSession(middlewares=(tracing,)) as s,
    ):
        transport = Transport(
            api_key=KEY,
            provider=APIKLEY,
            base_url=base,
            session=s,
            request_timeout=5.0,
            max_connections=1,
        )
        assert await fetch(transport, slot=log) == 1
    assert (seen, log.events) == (["GET"], ["enter", "exit"])


# --- logging and secrets ---------------------------------------------------------


async def test_one_debug_line_per_request(
    mock: aioresponses, make: Callable[..., Transport], caplog: pytest.LogCaptureFixture
) -> None:
    """Each request logs method, path, task id, status, body code and time."""
    caplog.set_level(logging.DEBUG, logger="suno_async")
    mock.get(URL_T1, payload=envelope(200, "ok", 1))
    mock.get(URL_T1, payload=envelope(429, "slow down"))
    transport = make()
    await fetch(transport)
    await failure(transport)
    messages = [r.getMessage() for r in caplog.records if r.name == "suno_async"]
    assert len(messages) == 2
    assert messages[0].startswith(f"GET {PATH} task=t1 -> HTTP 200 code 200 in ")
    assert messages[0].endswith(" ms")
    assert messages[1].startswith(f"GET {PATH} task=t1 -> HTTP 200 code 429 in ")
    assert messages[1].endswith(" ms (RateLimitError)")


async def test_the_key_never_leaks(
    mock: aioresponses, make: Callable[..., Transport], caplog: pytest.LogCaptureFixture
) -> None:
    """Answers that echo the key are redacted in messages, excerpts and logs."""
    caplog.set_level(logging.DEBUG)
    mock.get(URL_T1, payload=envelope(401, f"bad key {KEY}"))
    mock.get(
        URL_T1, status=401, body=f"<p>key {KEY} refused</p>", content_type="text/html"
    )
    mock.get(URL_T1, body=f"<p>key {KEY}</p>")
    mock.get(URL_T1, exception=ce.ClientConnectionError(f"proxy said {KEY}"))
    transport = make()
    errors = [await failure(transport) for _ in range(4)]
    assert [type(e) for e in errors] == [
        AuthenticationError,
        AuthenticationError,
        DecodeError,
        TransportError,
    ]
    texts = [str(e) for e in errors] + [repr(transport), caplog.text]
    texts.append(getattr(errors[2], "excerpt", ""))
    assert all(KEY not in text for text in texts)
    assert all("[redacted]" in str(e) for e in (errors[0], errors[1], errors[3]))
    assert errors[2].excerpt == "<p>key [redacted]</p>"  # type: ignore[attr-defined]


# --- Retry-After -----------------------------------------------------------------

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def http_date(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param(" 12 ", 12.0, id="padded"),
        pytest.param("1.5", 1.5, id="fraction"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("601", RETRY_AFTER_MAX_S, id="capped"),
        pytest.param("9" * 40, RETRY_AFTER_MAX_S, id="huge"),
        pytest.param(http_date(NOW + timedelta(seconds=30)), 30.0, id="http-date"),
        pytest.param(http_date(NOW - timedelta(hours=1)), 0.0, id="date-in-past"),
        pytest.param(
            http_date(NOW + timedelta(days=1)), RETRY_AFTER_MAX_S, id="date-capped"
        ),
        pytest.param("Thu, 01 Jan 2026 12:00:45 -0000", 45.0, id="date-minus-zero"),
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("-5", None, id="negative"),
        pytest.param("nan", None, id="nan"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("Thu, 99 Foo 2026", None, id="broken-date"),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    """Delta seconds and HTTP dates are read and capped; garbage gives None."""
    assert parse_retry_after(value, now=NOW) == seconds


def test_parse_retry_after_naive_now_is_utc() -> None:
    """A zone-less ``now`` is taken as UTC."""
    later = http_date(NOW + timedelta(seconds=10))
    assert parse_retry_after(later, now=NOW.replace(tzinfo=None)) == 10.0


def test_parse_retry_after_defaults_to_the_real_clock() -> None:
    """Without ``now``, a date in the future is measured from the current time."""
    soon = datetime.now(timezone.utc) + timedelta(seconds=120)
    seconds = parse_retry_after(http_date(soon))
    assert seconds is not None
    assert 100 <= seconds <= 120

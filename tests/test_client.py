"""SunoClient: settings, lifecycle and get_task."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import math
import socket
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from suno_async import (
    APIKLEY,
    KIE,
    SUNOAPI,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    SunoClient,
    TaskNotFoundError,
    TaskStatus,
    TransportError,
)
from suno_async._core.convert import decode_record
from suno_async.testing import VirtualClock

from aiomock import MockedHTTP

KEY = "sk-test-SECRET-0123456789"
BASE = "https://api.test"
HOOK = "https://hooks.test/suno"
PATH = "/api/v1/generate/record-info"
ENV_VARS = ("APIKLEY_API_KEY", "SUNO_API_KEY", "APIKLEY_BASE_URL", "SUNO_BASE_URL")
DATA = {
    "taskId": "t1",
    "parentMusicId": "",
    "param": '{"prompt": "calm piano"}',
    "response": None,
    "status": "PENDING",
    "type": "chirp-v4",
    "operationType": "generate",
    "errorCode": None,
    "errorMessage": None,
    "createTime": 1776340072000,
}


def record_url(task_id: str = "t1", base: str = BASE) -> str:
    return str(URL(f"{base}{PATH}").with_query(taskId=task_id))


def envelope(code: int = 200, data: Any = DATA, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


class SlotLog:
    """A RateLimiter that records when each key's slots are entered and left."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        self.events.append(("enter", key))
        try:
            yield
        finally:
            self.events.append(("exit", key))


@pytest.fixture(autouse=True)
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the keys they set."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with MockedHTTP() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[SunoClient]:
    async with SunoClient(KEY, base_url=BASE, rate_limiter=SlotLog()) as c:
        yield c


def sent_key(mock: aioresponses, url: str) -> str:
    (call,) = mock.requests[("GET", URL(url))]
    return str(call.kwargs["headers"]["Authorization"]).removeprefix("Bearer ")


# --- the API key -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "env", "expected"),
    [
        pytest.param(
            "arg", {"APIKLEY_API_KEY": "a", "SUNO_API_KEY": "s"}, "arg", id="arg"
        ),
        pytest.param(
            None, {"APIKLEY_API_KEY": "a", "SUNO_API_KEY": "s"}, "a", id="apikley"
        ),
        pytest.param(None, {"SUNO_API_KEY": "s"}, "s", id="suno"),
        pytest.param(
            None, {"APIKLEY_API_KEY": "", "SUNO_API_KEY": "s"}, "s", id="empty-skip"
        ),
    ],
)
async def test_api_key_precedence(
    mock: aioresponses,
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    env: dict[str, str],
    expected: str,
) -> None:
    """The argument wins, then APIKLEY_API_KEY, then SUNO_API_KEY (empty = unset)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    mock.get(record_url(), payload=envelope())
    async with SunoClient(argument, base_url=BASE) as client:
        await client.get_task("t1")
    assert sent_key(mock, record_url()) == expected


@pytest.mark.parametrize(
    ("argument", "env", "source"),
    [
        pytest.param(KEY, {}, "the api_key argument", id="argument"),
        pytest.param(
            None, {"APIKLEY_API_KEY": KEY}, "the APIKLEY_API_KEY environment variable",
            id="apikley",
        ),
        pytest.param(
            None, {"SUNO_API_KEY": KEY}, "the SUNO_API_KEY environment variable",
            id="suno",
        ),
    ],
)  # fmt: skip
async def test_a_401_names_where_the_key_came_from(
    mock: aioresponses,
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    env: dict[str, str],
    source: str,
) -> None:
    """A refused key's error says where to look, never what the key is."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    mock.get(record_url(), payload=envelope(401, None, "unauthorized"))
    async with SunoClient(argument, base_url=BASE) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_task("t1")
    assert info.value.key_source == source
    assert (
        str(info.value)
        == f"[401] unauthorized (task t1) (the API key came from {source})"
    )
    assert KEY not in repr(info.value.args)


@pytest.mark.parametrize(
    ("argument", "env", "expected"),
    [
        pytest.param(None, {}, "https://api.apikley.ru", id="provider"),
        pytest.param(
            None, {"APIKLEY_BASE_URL": "https://a.test/"}, "https://a.test",
            id="apikley",
        ),
        pytest.param(
            None, {"SUNO_BASE_URL": "https://s.test"}, "https://s.test", id="suno"
        ),
        pytest.param(
            None,
            {"APIKLEY_BASE_URL": "https://a.test", "SUNO_BASE_URL": "https://s.test"},
            "https://a.test",
            id="apikley-first",
        ),
        pytest.param(
            None, {"APIKLEY_BASE_URL": "", "SUNO_BASE_URL": "https://s.test"},
            "https://s.test", id="empty-skip",
        ),
        pytest.param(
            "https://arg.test", {"SUNO_BASE_URL": "https://s.test"},
            "https://arg.test", id="argument-wins",
        ),
    ],
)  # fmt: skip
def test_base_url_precedence(
    monkeypatch: pytest.MonkeyPatch,
    argument: str | None,
    env: dict[str, str],
    expected: str,
) -> None:
    """base_url=, then APIKLEY_BASE_URL, then SUNO_BASE_URL, then the provider's."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert SunoClient(KEY, base_url=argument).base_url == expected


def test_a_base_url_from_the_environment_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An http URL from the environment is refused like one passed in code."""
    monkeypatch.setenv("SUNO_BASE_URL", "http://api.example.com")
    with pytest.raises(ConfigurationError, match="base_url must use https"):
        SunoClient(KEY)


def test_missing_key_names_both_variables() -> None:
    """Without any key the error says how to provide one."""
    with pytest.raises(ConfigurationError) as info:
        SunoClient()
    assert str(info.value) == (
        "no API key: pass api_key=... or set the APIKLEY_API_KEY or SUNO_API_KEY "
        "environment variable"
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("", "the API key is empty", id="empty"),
        pytest.param(
            f"{KEY}\n",
            "the API key contains whitespace or control characters",
            id="newline",
        ),
        pytest.param(
            f"Bearer {KEY}",
            "the API key contains whitespace or control characters",
            id="space",
        ),
    ],
)
def test_malformed_key_is_refused_without_echo(key: str, message: str) -> None:
    """A malformed key is refused, and the message never quotes it."""
    with pytest.raises(ConfigurationError) as info:
        SunoClient(key)
    assert str(info.value) == message


# --- other settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        pytest.param("https://api.example.com", "https://api.example.com", id="https"),
        pytest.param(
            "https://gw.example.com/suno/", "https://gw.example.com/suno", id="path"
        ),
        pytest.param(
            "http://127.0.0.1:8080", "http://127.0.0.1:8080", id="ipv4-loopback"
        ),
        pytest.param("http://127.9.8.7", "http://127.9.8.7", id="loopback-net"),
        pytest.param("http://[::1]:9000/", "http://[::1]:9000", id="ipv6-loopback"),
        pytest.param("http://localhost:8000", "http://localhost:8000", id="localhost"),
        pytest.param("http://LocalHost", "http://LocalHost", id="localhost-case"),
    ],
)
def test_base_url_accepted(base_url: str, expected: str) -> None:
    """https anywhere, plain http only to loopback; a trailing slash is dropped."""
    assert SunoClient(KEY, base_url=base_url).base_url == expected


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        pytest.param(
            "http://example.com",
            "base_url must use https unless it points at a loopback address "
            "(127.0.0.0/8, ::1, localhost), not 'http://example.com'",
            id="http-remote",
        ),
        pytest.param(
            "http://10.0.0.1",
            "base_url must use https unless it points at a loopback address "
            "(127.0.0.0/8, ::1, localhost), not 'http://10.0.0.1'",
            id="http-private",
        ),
        pytest.param(
            "http://localhost.example.com",
            "base_url must use https unless it points at a loopback address "
            "(127.0.0.0/8, ::1, localhost), not 'http://localhost.example.com'",
            id="http-lookalike",
        ),
        pytest.param(
            "ftp://api.test",
            "base_url must be an http(s) URL, not 'ftp://api.test'",
            id="ftp",
        ),
        pytest.param(
            "api.test", "base_url must be an http(s) URL, not 'api.test'", id="bare"
        ),
        pytest.param("", "base_url must be an http(s) URL, not ''", id="empty"),
        pytest.param(
            "https://[::1",
            "base_url must be an http(s) URL, not 'https://[::1'",
            id="broken",
        ),
        pytest.param(
            "https://user:hunter2@api.test",
            "base_url must not contain credentials",
            id="credentials",
        ),
        pytest.param(
            "https://api.test/?v=1",
            "base_url must not have a query or fragment: 'https://api.test/?v=1'",
            id="query",
        ),
    ],
)
def test_base_url_refused(base_url: str, message: str) -> None:
    """Anything but https (or http to loopback) is a ConfigurationError."""
    with pytest.raises(ConfigurationError) as info:
        SunoClient(KEY, base_url=base_url)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        (APIKLEY, "https://api.apikley.ru"),
        (KIE, "https://api.kie.ai"),
        (SUNOAPI, "https://api.sunoapi.org"),
    ],
    ids=["apikley", "kie", "sunoapi"],
)
def test_provider_sets_default_base_url(provider: Any, base_url: str) -> None:
    """Each provider brings its base URL; APIKLEY is the default."""
    client = SunoClient(KEY, provider=provider)
    assert (client.provider, client.base_url) == (provider, base_url)
    assert SunoClient(KEY).provider is APIKLEY


def test_repr_shows_provider_not_key() -> None:
    """The repr names provider, base URL and state, never the key."""
    client = SunoClient(KEY, provider=KIE)
    assert repr(client) == (
        "<SunoClient provider='kie' base_url='https://api.kie.ai' closed=False>"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"request_timeout": 0},
            "request_timeout must be a positive number of seconds, not 0",
            id="timeout-zero",
        ),
        pytest.param(
            {"request_timeout": math.inf},
            "request_timeout must be a positive number of seconds, not inf",
            id="timeout-inf",
        ),
        pytest.param(
            {"request_timeout": math.nan},
            "request_timeout must be a positive number of seconds, not nan",
            id="timeout-nan",
        ),
        pytest.param(
            {"max_connections": 0},
            "max_connections must be at least 1, not 0",
            id="conns",
        ),
        pytest.param(
            {"max_requests_per_second": 0},
            "max_requests_per_second must be positive, not 0",
            id="rate",
        ),
    ],
)
def test_impossible_settings_are_refused(options: dict[str, Any], message: str) -> None:
    """Settings that cannot work raise ConfigurationError at construction."""
    with pytest.raises(ConfigurationError) as info:
        SunoClient(KEY, **options)
    assert str(info.value) == message


def test_settings_are_exposed() -> None:
    """The request timeout is readable (the wait clips it to its deadline)."""
    client = SunoClient(KEY, request_timeout=12)
    assert (client.request_timeout, client.closed) == (12.0, False)


# --- get_task ------------------------------------------------------------------------


async def test_get_task_returns_the_decoded_record(
    mock: aioresponses, client: SunoClient
) -> None:
    """One record-info GET, with the key, decoded into a TaskRecord."""
    mock.get(record_url(), payload=envelope())
    record = await client.get_task("t1")
    assert record == decode_record(DATA, task_id="t1")
    assert (record.task_id, record.status) == ("t1", TaskStatus.PENDING)
    assert sent_key(mock, record_url()) == KEY


async def test_get_task_raises_mapped_errors_once(
    mock: aioresponses, client: SunoClient
) -> None:
    """An error answer raises at once: get_task never retries."""
    mock.get(record_url(), payload=envelope(404, None, "not found"), repeat=True)
    with pytest.raises(NotFoundError) as info:
        await client.get_task("t1")
    assert (str(info.value), info.value.task_id) == ("[404] not found (task t1)", "t1")
    assert len(mock.requests[("GET", URL(record_url()))]) == 1


async def test_get_task_decode_error_names_the_task(
    mock: aioresponses, client: SunoClient
) -> None:
    """A success envelope whose data is no record raises DecodeError for that task."""
    mock.get(record_url(), payload=envelope(data=["not", "a", "record"]))
    with pytest.raises(DecodeError) as info:
        await client.get_task("t1")
    assert info.value.task_id == "t1"


async def test_get_task_of_data_null_is_task_not_found(
    mock: aioresponses, client: SunoClient
) -> None:
    """``data: null`` is the service not knowing the task (FAMILIES.md)."""
    mock.get(record_url(), payload=envelope(data=None))
    with pytest.raises(TaskNotFoundError) as info:
        await client.get_task("t1")
    assert (info.value.task_id, info.value.code) == ("t1", 200)


async def test_get_task_takes_the_task_slot(mock: aioresponses) -> None:
    """Each record-info request holds the per-task slot of the rate limiter."""
    limiter = SlotLog()
    mock.get(record_url("t1"), payload=envelope())
    mock.get(record_url("t2"), payload=envelope(data={**DATA, "taskId": "t2"}))
    async with SunoClient(KEY, base_url=BASE, rate_limiter=limiter) as client:
        await client.get_task("t1")
        await client.get_task("t2")
    assert limiter.events == [
        ("enter", "t1"),
        ("exit", "t1"),
        ("enter", "t2"),
        ("exit", "t2"),
    ]


async def test_default_limiter_is_used(mock: aioresponses) -> None:
    """Without a rate limiter, the in-process one is created and used."""
    mock.get(record_url(), payload=envelope())
    async with SunoClient(KEY, base_url=BASE) as client:
        assert (await client.get_task("t1")).task_id == "t1"


async def test_resend_on_dead_keepalive_takes_its_own_slot() -> None:
    """aiohttp's silent re-send on a dead keep-alive connection takes a second slot."""
    body = b'{"code": 200, "msg": "ok", "data": {"taskId": "t1", "status": "PENDING"}}'
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    connections = 0
    requests = 0

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal connections, requests
        connections += 1
        first_connection = connections == 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            requests += 1
            writer.write(answer)
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")  # the request on the reused connection
            requests += 1
            if not first_connection:  # pragma: no cover - not reached by this test
                writer.write(answer)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()  # the first reused connection dies without an answer

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    limiter = SlotLog()
    try:
        async with SunoClient(KEY, base_url=base, rate_limiter=limiter) as client:
            await client.get_task("t1")
            assert limiter.events == [("enter", "t1"), ("exit", "t1")]
            limiter.events.clear()
            record = await client.get_task("t1")
    finally:
        server.close()
        await server.wait_closed()
    assert record.status is TaskStatus.PENDING
    assert (connections, requests) == (2, 3)
    assert limiter.events == [("enter", "t1"), ("exit", "t1")] * 2


async def test_pacer_slows_down_on_rate_limit(
    mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """With max_requests_per_second, a rate-limit answer paces the client down."""
    caplog.set_level(logging.INFO, logger="suno_async")
    mock.get(record_url(), payload=envelope(429, None, "too many"))
    mock.get(record_url(), payload=envelope())
    async with SunoClient(KEY, base_url=BASE, max_requests_per_second=1000) as client:
        with pytest.raises(RateLimitError):
            await client.get_task("t1")
        assert (await client.get_task("t1")).task_id == "t1"
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert messages[0] == "rate limited: pacing down from 1e+03 to 500 requests/s"


def _record_starts(
    mock: aioresponses, clock: VirtualClock, url: str, payload: Any
) -> list[float]:
    """Answer ``url`` with ``payload`` (repeatedly); the virtual times it was sent."""
    starts: list[float] = []

    def sent(*_: Any, **__: Any) -> None:
        starts.append(clock.now())

    mock.get(url, payload=payload, callback=sent, repeat=True)
    mock.post(url, payload=payload, callback=sent, repeat=True)
    return starts


def _gaps(starts: list[float]) -> list[float]:
    return [round(b - a, 9) for a, b in itertools.pairwise(starts)]


async def test_pacing_starts_the_clients_requests_evenly(mock: aioresponses) -> None:
    """max_requests_per_second starts requests of different tasks 1/rate apart."""
    clock = VirtualClock()
    starts = [
        _record_starts(
            mock, clock, record_url(f"t{n}"), envelope(data={**DATA, "taskId": f"t{n}"})
        )
        for n in range(5)
    ]
    async with SunoClient(
        KEY, base_url=BASE, max_requests_per_second=10.0, clock=clock
    ) as client:
        await asyncio.gather(*(client.get_task(f"t{n}") for n in range(5)))
    assert _gaps(sorted(t for s in starts for t in s)) == [0.1] * 4


async def test_the_creation_rate_spaces_creations_evenly(mock: aioresponses) -> None:
    """max_creations_per_second starts creations 1/rate apart."""
    clock = VirtualClock()
    starts = _record_starts(
        mock, clock, f"{BASE}/api/v1/generate", envelope(data={"taskId": "new"})
    )
    async with SunoClient(
        KEY,
        base_url=BASE,
        max_creations_per_second=10.0,
        clock=clock,
        callback_url=HOOK,
    ) as client:
        await asyncio.gather(*(client.generate(prompt="x") for _ in range(3)))
    assert _gaps(starts) == [0.1, 0.1]


async def test_the_client_wide_rate_counts_creations_and_credits(
    mock: aioresponses,
) -> None:
    """max_requests_per_second spaces every request: creations and credits too."""
    clock = VirtualClock()
    created = _record_starts(
        mock, clock, f"{BASE}/api/v1/generate", envelope(data={"taskId": "new"})
    )
    credits = _record_starts(
        mock, clock, f"{BASE}/api/v1/chat/credit", envelope(data=7)
    )
    async with SunoClient(
        KEY, base_url=BASE, max_requests_per_second=10.0, clock=clock, callback_url=HOOK
    ) as client:
        await client.generate(prompt="x")
        await client.get_credits()
        await client.generate(prompt="y")
    assert (created, credits) == ([0.0, 0.2], [0.1])


async def test_rate_limit_without_pacer_keeps_retry_after(
    mock: aioresponses, client: SunoClient
) -> None:
    """A rate-limit answer reaches the caller with the server's Retry-After."""
    mock.get(
        record_url(), payload=envelope(429, None, "slow"), headers={"Retry-After": "3"}
    )
    with pytest.raises(RateLimitError) as info:
        await client.get_task("t1")
    assert (str(info.value), info.value.retry_after) == ("[429] slow (task t1)", 3.0)


@pytest.mark.parametrize(
    ("task_id", "message"),
    [
        pytest.param("", "invalid task id '': must not be empty", id="empty"),
        pytest.param(
            " t1",
            "invalid task id ' t1': must not contain whitespace or control characters",
            id="leading-space",
        ),
        pytest.param(
            "t 1",
            "invalid task id 't 1': must not contain whitespace or control characters",
            id="inner-space",
        ),
        pytest.param(
            "t1\n",
            "invalid task id 't1\\n': "
            "must not contain whitespace or control characters",
            id="newline",
        ),
        pytest.param(
            "t\x001",
            "invalid task id 't\\x001': "
            "must not contain whitespace or control characters",
            id="nul",
        ),
        pytest.param(
            "t\u200b1",
            "invalid task id 't\\u200b1': "
            "must not contain whitespace or control characters",
            id="zero-width",
        ),
        pytest.param(
            "x" * 129,
            f"invalid task id '{'x' * 39}...: is 129 characters long (at most 128)",
            id="too-long",
        ),
        pytest.param(
            None, "invalid task id None: must be a string, not NoneType", id="none"
        ),
        pytest.param(42, "invalid task id 42: must be a string, not int", id="int"),
    ],
)
async def test_invalid_task_id_refused_before_any_request(
    mock: aioresponses, client: SunoClient, task_id: Any, message: str
) -> None:
    """Malformed ids raise InvalidArgumentError (a ValueError) and send nothing."""
    with pytest.raises(InvalidArgumentError) as info:
        await client.get_task(task_id)
    assert (str(info.value), isinstance(info.value, ValueError)) == (message, True)
    assert mock.requests == {}


async def test_longest_task_id_is_accepted(
    mock: aioresponses, client: SunoClient
) -> None:
    """An id of exactly 128 characters is sent."""
    task_id = "x" * 128
    mock.get(record_url(task_id), payload=envelope(data={**DATA, "taskId": task_id}))
    assert (await client.get_task(task_id)).task_id == task_id


async def test_key_never_logged(
    mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """Debug logs of a client's requests never contain the key."""
    caplog.set_level(logging.DEBUG)
    mock.get(record_url(), payload=envelope())
    mock.get(record_url(), payload=envelope(401, None, f"key {KEY} is revoked"))
    async with SunoClient(KEY, base_url=BASE) as client:
        await client.get_task("t1")
        with pytest.raises(AuthenticationError) as info:
            await client.get_task("t1")
    assert "t1" in caplog.text
    assert KEY not in caplog.text
    assert KEY not in str(info.value)


# --- lifecycle -----------------------------------------------------------------------


async def test_injected_session_stays_open(mock: aioresponses) -> None:
    """A session passed in is used, and left open by aclose."""
    mock.get(record_url(), payload=envelope())
    async with aiohttp.ClientSession() as session:
        async with SunoClient(KEY, base_url=BASE, session=session) as client:
            await client.get_task("t1")
        assert (client.closed, session.closed) == (True, False)


async def test_closed_client_refuses_calls(mock: aioresponses) -> None:
    """After aclose, get_task raises ClientClosedError without a request."""
    client = SunoClient(KEY, base_url=BASE)
    await client.aclose()
    await client.aclose()  # closing twice is harmless
    with pytest.raises(ClientClosedError) as info:
        await client.get_task("t1")
    assert str(info.value) == (
        "the client is closed and cannot be reused; create a new one (task t1)"
    )
    assert mock.requests == {}


async def test_async_with_twice_is_refused() -> None:
    """A client leaves its ``async with`` closed and cannot enter another."""
    client = SunoClient(KEY, base_url=BASE)
    async with client as entered:
        assert entered is client
    assert client.closed
    assert repr(client).endswith("closed=True>")
    with pytest.raises(ClientClosedError):
        async with client:
            pass  # pragma: no cover


async def test_unclosed_client_warns_when_collected() -> None:
    """A client that opened its own session and was never closed warns on GC."""
    client = SunoClient(KEY, base_url=BASE)
    with MockedHTTP() as mock:  # released first: its call log holds the session
        mock.get(record_url(), payload=envelope())
        await client.get_task("t1")
    del mock
    with pytest.warns(ResourceWarning) as caught:
        del client
    ours = [str(w.message) for w in caught if "SunoClient" in str(w.message)]
    caught.clear()  # drop the warning's reference to the client, and its session
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()
    assert ours == [
        "unclosed <SunoClient provider='apikley' base_url='https://api.test' "
        "closed=False>: use 'async with SunoClient()' or 'await client.aclose()'"
    ]


@pytest.mark.parametrize("used", [True, False], ids=["closed", "never-used"])
async def test_no_warning_without_a_leak(mock: aioresponses, used: bool) -> None:
    """Closed clients, and clients that never opened a session, collect silently."""
    mock.get(record_url(), payload=envelope())
    client = SunoClient(KEY, base_url=BASE)
    if used:
        await client.get_task("t1")
        await client.aclose()
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_failed_construction_collects_silently() -> None:
    """A client whose __init__ raised does not warn or fail when collected."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ConfigurationError):
            SunoClient(KEY, base_url="http://example.com")
        gc.collect()
    assert caught == []


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_wait_on_an_unreachable_url_fails_fast_with_the_cause() -> None:
    """Nothing listens at the base URL: TransportError after the connection
    attempts, long before the deadline; each retry is reported."""
    retries: list[int] = []
    retry = RetryPolicy(
        initial_s=0.01, max_s=0.02, on_retry=lambda d: retries.append(d.attempt)
    )
    url = f"http://127.0.0.1:{_closed_port()}"
    async with SunoClient(api_key="sk-secret", base_url=url, retry=retry) as client:
        with pytest.raises(TransportError) as caught:
            await client.wait_for_task("t1", timeout=600.0)
    assert (caught.value.connected, retries) == (False, [1, 2, 3, 4])

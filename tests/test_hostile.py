"""Against a hostile server: bombs, trickles, huge headers, and no key on any error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hostile import (
    HostileServer,
    Respond,
    answer,
    bomb,
    compressed,
    cut,
    echo_key,
    head,
    huge_header,
    huge_status_line,
    json_bomb,
    leaks,
    many_headers,
    raw,
    reset,
    silent,
    slowloris,
)

from suno_async import (
    APIKLEY,
    AuthenticationError,
    DecodeError,
    DownloadError,
    RequestTimeoutError,
    ServerError,
    SunoClient,
    SunoError,
    Track,
    TransportError,
)
from suno_async._core.providers import DEFAULT_MAX_BODY_BYTES, RECORD_INFO_PATH
from suno_async._io.bodies import READ_CHUNK_BYTES
from suno_async._io.http import ForeignError, Transport

KEY = "sk-hostile-SECRET-4f1c9a7e2b"
CREDITS_PATH = APIKLEY.credits_path
GENERATE_PATH = "/api/v1/generate"
ENCODINGS = ["gzip", "deflate"]  # what aiohttp decodes without extras (br, zstd)
SEEN = re.compile(r"stopped reading at ([0-9]+) decoded bytes")


@pytest.fixture
async def server() -> AsyncIterator[HostileServer]:
    async with HostileServer() as started:
        yield started


@pytest.fixture
async def transports() -> AsyncIterator[Callable[..., Transport]]:
    """Build transports with the key (own sessions), closed afterwards."""
    made: list[Transport] = []

    def build(base_url: str, **kwargs: Any) -> Transport:
        options: dict[str, Any] = {"request_timeout": 5.0, "max_connections": 4}
        options.update(kwargs)
        transport = Transport(
            api_key=KEY, provider=APIKLEY, base_url=base_url, session=None, **options
        )
        made.append(transport)
        return transport

    yield build
    for transport in made:
        await transport.aclose()


async def read_record(transport: Transport, **kwargs: Any) -> SunoError:
    """The error of one record-info request (it must fail)."""
    with pytest.raises(SunoError) as caught:
        await transport.request(
            "GET", RECORD_INFO_PATH, params={"taskId": "t1"}, task_id="t1", **kwargs
        )
    return caught.value


def decoded_bytes_read(error: SunoError) -> int:
    """How many decoded bytes were read before an over-the-cap refusal."""
    found = SEEN.search(str(error))
    assert found is not None, str(error)
    return int(found.group(1))


# --- decompression bombs -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_bomb_is_stopped_once_its_decoded_bytes_pass_the_cap(
    server: HostileServer, transports: Callable[..., Transport], encoding: str
) -> None:
    """16 MiB of valid JSON in a few KiB: DecodeError after cap + one chunk at most.

    Its ``Content-Length`` (the compressed size) is far under the cap: it
    must not be trusted as the body's size.
    """
    payload = json_bomb(16 * 1024 * 1024, encoding=encoding)
    cap = 256 * 1024
    assert len(payload) < cap // 4
    server.route(RECORD_INFO_PATH, bomb(payload, encoding=encoding))
    error = await read_record(transports(server.url, max_body_bytes=cap))
    assert (type(error), error.http_status) == (DecodeError, 200)  # type: ignore[attr-defined]
    assert str(error).startswith(f"response body over the {cap}-byte cap (stopped")
    assert cap < decoded_bytes_read(error) <= cap + READ_CHUNK_BYTES


async def call_get_task(client: SunoClient) -> object:
    return await client.get_task("t1")


async def call_get_credits(client: SunoClient) -> object:
    return await client.get_credits()


async def call_generate(client: SunoClient) -> object:
    return await client.generate(prompt="x", callback_url="https://cb.example/hook")


@pytest.mark.parametrize(
    ("path", "call"),
    [
        pytest.param(RECORD_INFO_PATH, call_get_task, id="record-info"),
        pytest.param(CREDITS_PATH, call_get_credits, id="credits"),
        pytest.param(GENERATE_PATH, call_generate, id="creation"),
    ],
)
async def test_every_answer_the_client_reads_is_capped_by_its_decoded_size(
    server: HostileServer,
    path: str,
    call: Callable[[SunoClient], Awaitable[object]],
) -> None:
    """Record-info, credits and creation answers stop at the default 8 MiB cap."""
    server.route(path, bomb(json_bomb(64 * 1024 * 1024)))
    async with SunoClient(KEY, base_url=server.url, request_timeout=30.0) as client:
        with pytest.raises(DecodeError) as caught:
            await call(client)
    seen = decoded_bytes_read(caught.value)
    assert DEFAULT_MAX_BODY_BYTES < seen <= DEFAULT_MAX_BODY_BYTES + READ_CHUNK_BYTES
    assert [r.path for r in server.requests] == [path]  # never retried
    assert leaks(caught.value, KEY) == []


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_compressed_answer_within_the_cap_is_read(
    server: HostileServer, transports: Callable[..., Transport], encoding: str
) -> None:
    """Compression itself is fine: a body that inflates within the cap is data."""
    payload = json_bomb(100_000, encoding=encoding)
    server.route(RECORD_INFO_PATH, bomb(payload, encoding=encoding))
    transport = transports(server.url, max_body_bytes=100_100)
    data = await transport.request("GET", RECORD_INFO_PATH, params={"taskId": "t1"})
    assert data == "0" * 100_000


def mp3_track(server: HostileServer, track_id: str, *paths: str, **kw: Any) -> Track:
    urls = [f"{server.url}{path}" for path in paths] + [None, None]
    return Track(id=track_id, audio_url=urls[0], stream_audio_url=urls[1], **kw)


async def test_a_compressed_media_body_is_counted_decoded(
    server: HostileServer, tmp_path: Path
) -> None:
    """A media file sent gzipped stops at max_bytes of decoded bytes, size unknown."""
    server.route(
        "/a.mp3", bomb(compressed(16 * 1024 * 1024), content_type="audio/mpeg")
    )
    progress: list[tuple[int, int | None]] = []
    async with SunoClient(KEY, base_url=server.url) as client:
        with pytest.raises(DownloadError) as caught:
            await client.download(
                mp3_track(server, "t1", "/a.mp3"),
                tmp_path,
                max_bytes=1024 * 1024,
                on_progress=lambda done, total: progress.append((done, total)),
            )
    found = re.search(r"stopped at ([0-9]+) bytes", str(caught.value))
    assert found is not None
    assert 1024 * 1024 < int(found.group(1)) <= 1024 * 1024 + READ_CHUNK_BYTES
    assert {total for _, total in progress} == {None}  # the compressed size is no total
    assert list(tmp_path.iterdir()) == []


async def test_a_bombed_error_body_is_never_read(
    server: HostileServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 500 with a gzip bomb fails that URL at once; the next one gives the file."""
    server.route("/bad.mp3", bomb(compressed(64 * 1024 * 1024), status=500))
    server.route("/good.mp3", answer(body=b"ID3 fine", content_type="audio/mpeg"))
    async with SunoClient(KEY, base_url=server.url) as client:
        (path,) = await client.download(
            mp3_track(server, "t1", "/bad.mp3", "/good.mp3", title="Song"), tmp_path
        )
    assert path.read_bytes() == b"ID3 fine"
    assert "/bad.mp3: HTTP 500 Error" in caplog.text


# --- slowloris -----------------------------------------------------------------------


async def test_a_trickled_answer_is_bounded_by_the_request_timeout(
    server: HostileServer, transports: Callable[..., Transport]
) -> None:
    """A byte every 20 ms: the timeout bounds the whole read, body included."""
    body = b'{"code": 200, "msg": "ok", "data": "' + b"x" * 200 + b'"}'
    server.route(RECORD_INFO_PATH, slowloris(body, interval_s=0.02))
    error = await read_record(transports(server.url), timeout=0.2)
    assert (type(error), str(error)) == (
        RequestTimeoutError,
        "request timed out after 0.2 s (task t1)",
    )
    (connection,) = server.connections
    assert connection.sent < len(body)


async def test_a_trickled_media_file_is_bounded_by_the_download_timeout(
    server: HostileServer, tmp_path: Path
) -> None:
    """The download timeout bounds one attempt, body included."""
    server.route(
        "/a.mp3", slowloris(b"x" * 200, interval_s=0.02, content_type="audio/mpeg")
    )
    async with SunoClient(KEY, base_url=server.url) as client:
        with pytest.raises(DownloadError) as caught:
            await client.download(
                mp3_track(server, "t1", "/a.mp3"), tmp_path, timeout=0.2
            )
    assert caught.value.reasons == (
        f"{server.url}/a.mp3: request timed out after 0.2 s",
    )
    assert server.connections[0].sent < 200 + 200  # head and part of the body
    assert list(tmp_path.iterdir()) == []


# --- huge headers and other unreadable answers ---------------------------------------

UNREADABLE = [
    pytest.param(huge_header(100_000), id="huge-header"),
    pytest.param(many_headers(1_000), id="many-headers"),
    pytest.param(huge_status_line(100_000), id="huge-status-line"),
    pytest.param(raw(b"HTTP/1.1 abc\r\n\r\n"), id="bad-status-line"),
    pytest.param(raw(b"\x00\xff\xfe not http at all\r\n\r\n"), id="not-http"),
    pytest.param(raw(head(200, {"Content-Length": "abc"}) + b"{}"), id="bad-length"),
    pytest.param(
        raw(head(200, {"Transfer-Encoding": "chunked"}) + b"zz\r\nxx\r\n"),
        id="bad-chunk",
    ),
    pytest.param(
        raw(
            head(200, {"Content-Encoding": "gzip", "Content-Length": "9"})
            + b"not gzip!"
        ),
        id="bad-gzip",
    ),
    pytest.param(
        raw(head(200, {"Content-Encoding": "br", "Content-Length": "2"}) + b"{}"),
        id="undecodable-encoding",
    ),
    pytest.param(reset(), id="reset"),
    pytest.param(cut(1000, b'{"code": 200'), id="cut-body"),
]


@pytest.mark.parametrize("respond", UNREADABLE)
async def test_an_unreadable_answer_is_our_transport_error_without_the_key(
    server: HostileServer, transports: Callable[..., Transport], respond: Respond
) -> None:
    """aiohttp's own limits and parse errors become TransportError, key-free."""
    server.route(RECORD_INFO_PATH, respond)
    error = await read_record(transports(server.url))
    assert type(error) is TransportError
    assert isinstance(error.__cause__, ForeignError)
    assert error.__context__ is None
    assert leaks(error, KEY) == []


async def test_the_walk_finds_the_key_on_aiohttp_own_errors(
    server: HostileServer,
) -> None:
    """The check above is not vacuous: aiohttp's error does hold the key."""
    server.route("/", huge_header(100_000))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientResponseError) as caught:
            await session.get(f"{server.url}/", headers={"Authorization": KEY})
    assert leaks(caught.value, KEY) != []


# --- the key never rides on an exception ---------------------------------------------

FAILURES = [
    *UNREADABLE,
    pytest.param(silent(), id="timeout"),
    pytest.param(
        raw(head(302, {"Location": "https://evil.example/steal"})), id="redirect"
    ),
    pytest.param(echo_key(401), id="echo-401"),
    pytest.param(echo_key(200), id="echo-200"),
    pytest.param(bomb(json_bomb(1024 * 1024)), id="oversized"),
    pytest.param(answer(body=b"x" * 70_000), id="declared-oversized"),
]


@pytest.mark.parametrize("respond", FAILURES)
async def test_no_error_reaches_the_key(
    server: HostileServer, transports: Callable[..., Transport], respond: Respond
) -> None:
    """Not in a message, an attribute, args, __cause__ or __context__, recursively."""
    server.route(RECORD_INFO_PATH, respond)
    error = await read_record(
        transports(server.url, max_body_bytes=65_536), timeout=0.5
    )
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert leaks(error, KEY) == []


async def test_an_echoed_key_is_redacted_in_the_reason_and_body(
    server: HostileServer, transports: Callable[..., Transport]
) -> None:
    """A server sending the key back (reason phrase, body) sees it redacted."""
    server.route(RECORD_INFO_PATH, echo_key(401))
    error = await read_record(transports(server.url))
    assert type(error) is AuthenticationError
    assert str(error) == (
        "[401] HTTP 401 No Bearer [redacted]: <p>Bearer [redacted] refused</p>"
        " (task t1)"
    )


async def test_no_error_through_the_client_reaches_the_key(
    server: HostileServer,
) -> None:
    """The facade raises the transport's errors as they are: key-free."""
    server.route(RECORD_INFO_PATH, huge_header(100_000))
    server.route(CREDITS_PATH, reset())
    server.route(GENERATE_PATH, raw(b"HTTP/1.1 abc\r\n\r\n"))
    errors: list[BaseException] = []
    async with SunoClient(KEY, base_url=server.url) as client:
        for call in (call_get_task, call_get_credits, call_generate):
            with pytest.raises(SunoError) as caught:
                await call(client)
            errors.append(caught.value)
    assert [type(e) for e in errors] == [TransportError] * 3
    assert [leaks(e, KEY) for e in errors] == [[], [], []]


# --- escape sequences are data here ---------------------------------------------------

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\r\u202eevil"


async def test_escape_sequences_in_messages_pass_through_as_data(
    server: HostileServer, transports: Callable[..., Transport]
) -> None:
    """The SDK keeps the service's text as sent; the CLI sanitises what it shows."""
    import json

    body = json.dumps({"code": 500, "msg": ESCAPES, "data": None}).encode()
    server.route(RECORD_INFO_PATH, answer(body=body))
    error = await read_record(transports(server.url))
    assert (type(error), error.message) == (ServerError, ESCAPES)
    server.route(RECORD_INFO_PATH, answer(body=ESCAPES.encode()))
    error = await read_record(transports(server.url))
    assert (type(error), error.excerpt) == (DecodeError, ESCAPES)  # type: ignore[attr-defined]


async def test_concurrent_bombs_stay_bounded(
    server: HostileServer, transports: Callable[..., Transport]
) -> None:
    """Several bombs at once: each stops at its own cap."""
    server.route(RECORD_INFO_PATH, bomb(json_bomb(8 * 1024 * 1024)))
    transport = transports(server.url, max_body_bytes=128 * 1024)
    errors = await asyncio.gather(*(read_record(transport) for _ in range(4)))
    assert all(128 * 1024 < decoded_bytes_read(e) <= 192 * 1024 for e in errors)

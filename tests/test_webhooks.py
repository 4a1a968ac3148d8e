"""Webhooks: parsing, kie.ai signatures, handle_callback, the aiohttp receiver."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer

from suno_async import (
    ClientClosedError,
    ConfigurationError,
    SunoClient,
    TaskKind,
    Track,
    WebhookError,
    WebhookSignatureError,
)
from suno_async._core.callback_wire import read_callback
from suno_async.webhooks import (
    MAX_CALLBACK_BYTES,
    CallbackEvent,
    aiohttp_app,
    parse_callback,
    sign_callback,
    verify_signature,
)

KEY = "whk-very-secret"
NOW = 1_776_340_000


def complete_body(task_id: str = "t1", id_field: str = "task_id") -> dict[str, Any]:
    """A `complete` callback as WIRE.md shows it."""
    return {
        "code": 200,
        "msg": "All generated successfully.",
        "data": {
            "callbackType": "complete",
            id_field: task_id,
            "data": [
                {
                    "id": "tr-1",
                    "audio_url": "https://cdn.test/tr-1.mp3",
                    "source_audio_url": "https://src.test/tr-1.mp3",
                    "stream_audio_url": "https://cdn.test/stream/tr-1",
                    "source_stream_audio_url": "https://src.test/stream/tr-1",
                    "image_url": "https://cdn.test/tr-1.jpeg",
                    "source_image_url": "https://src.test/tr-1.jpeg",
                    "prompt": "[Verse] la la",
                    "model_name": "chirp-v4",
                    "title": "Song",
                    "tags": "calm, piano",
                    "createTime": "2025-01-01 00:00:00",
                    "duration": 198.44,
                }
            ],
        },
    }


TRACK = Track(
    id="tr-1",
    audio_url="https://cdn.test/tr-1.mp3",
    stream_audio_url="https://cdn.test/stream/tr-1",
    image_url="https://cdn.test/tr-1.jpeg",
    source_audio_url="https://src.test/tr-1.mp3",
    source_stream_audio_url="https://src.test/stream/tr-1",
    source_image_url="https://src.test/tr-1.jpeg",
    prompt="[Verse] la la",
    model_name="chirp-v4",
    title="Song",
    tags=("calm", "piano"),
    created_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    duration=198.44,
)


def error_body(task_id: str = "t1") -> dict[str, Any]:
    return {
        "code": 501,
        "msg": "Audio generation failed.",
        "data": {"callbackType": "error", "task_id": task_id, "data": None},
    }


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


def reference_signature(task_id: str, timestamp: int, key: str) -> str:
    """kie.ai's scheme, written out independently of the SDK."""
    message = f"{task_id}.{timestamp}".encode()
    return base64.b64encode(
        hmac.new(key.encode(), message, hashlib.sha256).digest()
    ).decode()


# -- parsing ---------------------------------------------------------------------


def test_a_complete_callback_parses_to_an_event_with_tracks() -> None:
    """The snake_case tracks decode to the same Track model as record-info."""
    body = complete_body()
    assert parse_callback(raw(body)) == CallbackEvent(
        task_id="t1",
        stage="complete",
        code=200,
        message="All generated successfully.",
        kind=TaskKind.MUSIC,
        tracks=(TRACK,),
        raw=body,
    )


def test_the_task_id_may_be_named_task_id_in_camel_case() -> None:
    """Payloads naming the task `taskId` read the same."""
    assert parse_callback(complete_body(id_field="taskId")).task_id == "t1"


def test_an_error_callback_has_no_tracks_and_keeps_the_reason() -> None:
    """On `error`, data.data is null; code and message carry the reason."""
    body = error_body()
    assert parse_callback(raw(body)) == CallbackEvent(
        task_id="t1",
        stage="error",
        code=501,
        message="Audio generation failed.",
        tracks=(),
        raw=body,
    )


def test_a_parsed_mapping_reads_like_its_bytes() -> None:
    """A body already parsed by a framework gives the same event."""
    body = complete_body()
    assert parse_callback(body) == parse_callback(raw(body))


@pytest.mark.parametrize(
    ("stage", "level"),
    [("text", 1), ("first", 2), ("complete", 3), ("error", 0)],
)
def test_each_stage_announces_its_milestone_level(stage: str, level: int) -> None:
    """text, first, complete are milestones 1-3; error is 0 (read now)."""
    body = {"code": 200, "msg": "", "data": {"callbackType": stage, "task_id": "t1"}}
    event = parse_callback(body)
    assert (event.stage, event.level, event.message, event.tracks) == (
        stage,
        level,
        None,
        (),
    )


def test_entries_that_are_not_objects_are_skipped() -> None:
    """A junk entry in data.data does not lose the good tracks."""
    body = complete_body()
    body["data"]["data"] = [None, "junk", *body["data"]["data"]]
    assert parse_callback(body).tracks == (TRACK,)


def test_a_code_that_is_not_an_int_is_none() -> None:
    """A boolean or string code is not a code."""
    body = {"code": True, "data": {"callbackType": "text", "task_id": "t1"}}
    assert parse_callback(body).code is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"{not json", "callback body is not JSON", id="not-json"),
        pytest.param(b"[1, 2]", "callback body is a JSON list", id="array"),
        pytest.param(b'{"code": 200}', "no 'data' object", id="no-data"),
        pytest.param(b'{"data": [1]}', "no 'data' object", id="data-not-object"),
        pytest.param(
            b'{"data": {"callbackType": "text"}}', "no valid task_id", id="no-task-id"
        ),
        pytest.param(
            b'{"data": {"callbackType": "text", "task_id": ""}}',
            "no valid task_id",
            id="empty-task-id",
        ),
        pytest.param(
            b'{"data": {"callbackType": "text", "task_id": "a b"}}',
            "no valid task_id",
            id="spaced-task-id",
        ),
        pytest.param(
            b'{"data": {"task_id": "t1", "callbackType": "done"}}',
            "callbackType 'done' is not one of",
            id="unknown-stage",
        ),
        pytest.param(
            b'{"data": {"task_id": "t1"}}',
            "no callbackType, and no code saying how the task ended",
            id="no-stage-no-code",
        ),
    ],
)
def test_a_body_that_is_not_a_callback_raises(body: bytes, message: str) -> None:
    """Malformed bodies raise WebhookError saying what is wrong."""
    with pytest.raises(WebhookError, match=message):
        parse_callback(body)


def test_an_oversize_body_is_refused_before_parsing() -> None:
    """Over the cap (1 MiB by default), the body is not even read as JSON."""
    with pytest.raises(WebhookError) as caught:
        parse_callback(b"x" * (MAX_CALLBACK_BYTES + 1))
    assert str(caught.value) == (
        "callback body of 1048577 bytes refused (more than 1048576 bytes)"
    )


def test_the_size_cap_is_configurable() -> None:
    """max_bytes lowers the cap; a body at the cap is accepted."""
    body = raw(complete_body())
    assert parse_callback(body, max_bytes=len(body)).task_id == "t1"
    with pytest.raises(WebhookError, match="refused"):
        parse_callback(body, max_bytes=len(body) - 1)


# -- signatures --------------------------------------------------------------------


def test_sign_callback_follows_the_kie_scheme() -> None:
    """Base64 HMAC-SHA256 of "task_id.timestamp", with the timestamp header."""
    assert sign_callback("t1", KEY, timestamp=NOW) == {
        "X-Webhook-Timestamp": str(NOW),
        "X-Webhook-Signature": reference_signature("t1", NOW, KEY),
    }


def test_a_valid_signature_is_accepted() -> None:
    """Headers signed with the key, within max_age, pass."""
    headers = {
        "X-Webhook-Timestamp": str(NOW),
        "X-Webhook-Signature": reference_signature("t1", NOW, KEY),
    }
    verify_signature(headers, "t1", KEY, now=NOW + 10)  # no error


def test_header_names_are_case_insensitive() -> None:
    """Lower-case header names (as Starlette gives them) work too."""
    headers = {k.lower(): v for k, v in sign_callback("t1", KEY, timestamp=NOW).items()}
    verify_signature(headers, "t1", KEY, now=NOW)  # no error


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param(
            sign_callback("t1", "another-key", timestamp=NOW),
            "callback signature is wrong",
            id="forged",
        ),
        pytest.param(
            sign_callback("t2", KEY, timestamp=NOW),
            "callback signature is wrong",
            id="other-task",
        ),
        pytest.param(
            {"X-Webhook-Timestamp": str(NOW + 1)}
            | {"X-Webhook-Signature": reference_signature("t1", NOW, KEY)},
            "callback signature is wrong",
            id="other-timestamp",
        ),
        pytest.param({}, "callback is not signed", id="unsigned"),
        pytest.param(
            {"X-Webhook-Signature": reference_signature("t1", NOW, KEY)},
            "callback is not signed",
            id="no-timestamp",
        ),
        pytest.param(
            {"X-Webhook-Timestamp": "1776340000.5", "X-Webhook-Signature": "x"},
            "X-Webhook-Timestamp is not Unix seconds",
            id="fractional-timestamp",
        ),
        pytest.param(
            {"X-Webhook-Timestamp": "9" * 13, "X-Webhook-Signature": "x"},
            "X-Webhook-Timestamp is not Unix seconds",
            id="huge-timestamp",
        ),
        pytest.param(
            sign_callback("t1", KEY, timestamp=NOW - 301),
            r"callback signature is too old \(301 s, at most 300 s\)",
            id="stale",
        ),
        pytest.param(
            sign_callback("t1", KEY, timestamp=NOW + 301),
            r"callback signature is too far in the future \(301 s, at most 300 s\)",
            id="future",
        ),
    ],
)
def test_a_bad_signature_is_refused(headers: dict[str, str], message: str) -> None:
    """Forged, misdirected, unsigned, malformed, stale and future signatures raise."""
    with pytest.raises(WebhookSignatureError, match=message) as caught:
        verify_signature(headers, "t1", KEY, now=NOW)
    assert caught.value.task_id == "t1"
    assert KEY not in str(caught.value)


def test_a_timestamp_exactly_max_age_old_is_accepted() -> None:
    """max_age is inclusive, and configurable."""
    headers = sign_callback("t1", KEY, timestamp=NOW - 60)
    verify_signature(headers, "t1", KEY, max_age=60, now=NOW)  # no error
    with pytest.raises(WebhookSignatureError, match="too old"):
        verify_signature(headers, "t1", KEY, max_age=59, now=NOW)


def test_a_replayed_signature_is_accepted_by_the_scheme() -> None:
    """The scheme cannot tell a replay within max_age from the original."""
    headers = sign_callback("t1", KEY, timestamp=NOW)
    verify_signature(headers, "t1", KEY, now=NOW + 1)
    verify_signature(headers, "t1", KEY, now=NOW + 200)  # no error


def test_the_system_clock_is_the_default_now() -> None:
    """Without `now`, a signature made now passes and an old one does not."""
    verify_signature(sign_callback("t1", KEY), "t1", KEY)
    with pytest.raises(WebhookSignatureError, match="too old"):
        verify_signature(sign_callback("t1", KEY, timestamp=NOW - 10**6), "t1", KEY)


@pytest.mark.parametrize(
    ("key", "max_age", "message"),
    [("", 300.0, "the webhook key is empty"), (KEY, 0.0, "max_age must be positive")],
)
def test_impossible_settings_raise_value_error(
    key: str, max_age: float, message: str
) -> None:
    """An empty key or a non-positive max_age is a programming error."""
    with pytest.raises(ValueError, match=message):
        verify_signature(sign_callback("t1", KEY), "t1", key, max_age=max_age)


# -- handle_callback ------------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[SunoClient]:
    async with SunoClient(api_key="sk-x", base_url="http://127.0.0.1:9") as c:
        yield c


@pytest.fixture
async def signed_client() -> AsyncIterator[SunoClient]:
    async with SunoClient(
        api_key="sk-x", base_url="http://127.0.0.1:9", webhook_key=KEY
    ) as c:
        yield c


async def test_a_callback_for_an_unknown_task_is_accepted_and_logged(
    client: SunoClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody waits on the task: the event is returned and an info line logged."""
    caplog.set_level(logging.INFO, logger="suno_async")
    event = await client.handle_callback(raw(complete_body("nobody")), {})
    assert (event.task_id, event.stage) == ("nobody", "complete")
    assert caplog.messages == [
        "callback 'complete' for music task nobody (no wait here is following it)"
    ]


async def test_handle_callback_raises_for_a_malformed_body(
    client: SunoClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A body that is not a callback raises WebhookError and logs a warning."""
    with pytest.raises(WebhookError, match="not JSON"):
        await client.handle_callback(b"<html>", {})
    assert caplog.messages == ["callback refused: callback body is not JSON"]


async def test_with_a_webhook_key_an_unsigned_callback_is_refused(
    signed_client: SunoClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The client's webhook_key makes signatures mandatory; the key is never logged."""
    with pytest.raises(WebhookSignatureError, match="not signed"):
        await signed_client.handle_callback(raw(complete_body()))
    assert KEY not in caplog.text


async def test_an_unsigned_callback_is_refused_before_its_body_is_parsed(
    signed_client: SunoClient,
) -> None:
    """Missing signature headers are found first: the body is not even JSON."""
    with pytest.raises(WebhookSignatureError, match="not signed"):
        await signed_client.handle_callback(b"{not json at all")


async def test_a_stale_signature_is_refused_before_its_body_is_parsed(
    signed_client: SunoClient,
) -> None:
    """A timestamp out of range is refused without reading the body."""
    stale = sign_callback("t1", KEY, timestamp=1_000_000_000)
    with pytest.raises(WebhookSignatureError, match="too old"):
        await signed_client.handle_callback(b"{not json at all", stale)


def test_a_raw_callback_verifies_before_its_tracks_are_decoded() -> None:
    """read_callback gives the task id and stage; event() decodes the tracks."""
    raw_callback = read_callback(raw(complete_body()))
    assert (raw_callback.task_id, raw_callback.stage) == ("t1", "complete")
    assert raw_callback.event() == parse_callback(raw(complete_body()))


async def test_with_a_webhook_key_a_signed_callback_is_accepted(
    signed_client: SunoClient,
) -> None:
    """A callback signed with the client's key passes."""
    event = await signed_client.handle_callback(
        raw(complete_body()), sign_callback("t1", KEY)
    )
    assert event.stage == "complete"


async def test_a_closed_client_refuses_callbacks(client: SunoClient) -> None:
    """After aclose, handle_callback raises ClientClosedError."""
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.handle_callback(raw(complete_body()), {})


@pytest.mark.parametrize("key", ["", 42])
def test_an_unusable_webhook_key_is_a_configuration_error(key: Any) -> None:
    """webhook_key must be a non-empty string (or None)."""
    with pytest.raises(ConfigurationError, match="webhook_key must be a non-empty"):
        SunoClient(api_key="sk-x", webhook_key=key)


def test_the_webhook_key_is_not_in_the_client_repr() -> None:
    """The key is a secret."""
    client = SunoClient(api_key="sk-x", webhook_key=KEY)
    assert KEY not in repr(client)


# -- the aiohttp receiver ---------------------------------------------------------


async def post(
    server: BaseTestServer,
    body: bytes,
    headers: dict[str, str] | None = None,
    path: str = "/suno/callback",
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            server.make_url(path), data=body, headers=headers or {}
        ) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def receiver(client: SunoClient) -> AsyncIterator[BaseTestServer]:
    async with TestServer(aiohttp_app(client), host="127.0.0.1") as server:
        yield server


async def test_the_receiver_accepts_a_callback_with_200_ok(
    receiver: BaseTestServer,
) -> None:
    """An accepted callback gets 200 {"code": 200, "msg": "ok"}."""
    assert await post(receiver, raw(complete_body())) == (
        200,
        {"code": 200, "msg": "ok"},
    )


async def test_the_receiver_accepts_duplicates(receiver: BaseTestServer) -> None:
    """The same callback twice is 200 both times (the service retries)."""
    body = raw(complete_body())
    assert [(await post(receiver, body))[0] for _ in range(2)] == [200, 200]


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        pytest.param(
            b"{oops",
            (400, {"code": 400, "msg": "callback body is not JSON"}),
            id="json",
        ),
        pytest.param(
            b'{"data": {"callbackType": "text"}}',
            (400, {"code": 400, "msg": "not a callback: no valid task_id or taskId"}),
            id="no-task",
        ),
        pytest.param(
            b" " * (MAX_CALLBACK_BYTES + 1),
            (413, {"code": 413, "msg": "callback body over 1048576 bytes"}),
            id="oversize",
        ),
    ],
)
async def test_the_receiver_refuses_bad_bodies(
    receiver: BaseTestServer, body: bytes, answer: tuple[int, Any]
) -> None:
    """Malformed bodies get 400, oversize ones 413."""
    assert await post(receiver, body) == answer


async def test_a_compressed_bomb_is_refused_by_its_decoded_size(
    client: SunoClient,
) -> None:
    """A 2 KiB gzip body inflating to 16 MiB is refused (413) once its decoded
    bytes pass max_bytes: the compressed length proves nothing."""
    bomb = gzip.compress(b" " * (16 * 1024 * 1024))
    assert len(bomb) < 32 * 1024
    app = aiohttp_app(client, path="/hook")
    async with (
        TestServer(app, host="127.0.0.1") as server,
        aiohttp.ClientSession() as session,
        session.post(
            server.make_url("/hook"), data=bomb, headers={"Content-Encoding": "gzip"}
        ) as resp,
    ):
        assert (resp.status, await resp.json()) == (
            413,
            {"code": 413, "msg": f"callback body over {MAX_CALLBACK_BYTES} bytes"},
        )


async def test_an_oversize_chunked_body_is_refused_while_reading(
    client: SunoClient,
) -> None:
    """Without a Content-Length, reading stops once past max_bytes."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b" " * 40

    app = aiohttp_app(client, path="/hook", max_bytes=100)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/hook"), data=chunks()) as resp,
    ):
        assert (resp.status, await resp.json()) == (
            413,
            {"code": 413, "msg": "callback body over 100 bytes"},
        )


async def test_the_receiver_refuses_bad_signatures_with_401(
    client: SunoClient,
) -> None:
    """With hmac_key, a forged signature gets 401 and a good one 200."""
    app = aiohttp_app(client, hmac_key=KEY)
    body = raw(complete_body())
    async with TestServer(app, host="127.0.0.1") as server:
        forged = await post(server, body, sign_callback("t1", "guess"))
        good = await post(server, body, sign_callback("t1", KEY))
    assert (forged, good[0]) == (
        (401, {"code": 401, "msg": "callback signature is wrong"}),
        200,
    )


async def test_the_receiver_answers_503_once_the_client_is_closed(
    client: SunoClient, receiver: BaseTestServer
) -> None:
    """The service retries later; a closed client accepts nothing."""
    await client.aclose()
    assert await post(receiver, raw(complete_body())) == (
        503,
        {"code": 503, "msg": "the receiver is shutting down"},
    )

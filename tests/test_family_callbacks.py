"""Callbacks of every task family: parsing, family detection, signatures, waking.

Bodies follow FAMILIES.md's "Callbacks" table, one per documented variant
(kie.ai, sunoapi.org, older api.box). The waits run in virtual time
(VirtualClock) against scripted record-info answers at the HTTP edge.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer
from aioresponses import CallbackResult
from hypothesis import given
from hypothesis import strategies as st

from suno_async import (
    CoverImageRecord,
    InvalidArgumentError,
    LyricsRecord,
    LyricsVariant,
    MidiInstrument,
    MidiNote,
    MidiRecord,
    PollPolicy,
    SunoClient,
    TaskKind,
    TaskStatus,
    Track,
    VideoRecord,
    VocalRemovalRecord,
    WavConversionFailedError,
    WavRecord,
    WebhookError,
    WebhookSignatureError,
)
from suno_async.testing import VirtualClock
from suno_async.webhooks import (
    CallbackEvent,
    aiohttp_app,
    callback_handler,
    parse_callback,
    sign_callback,
)

from aiomock import MockedHTTP, callback_result

K = TaskKind
KEY = "whk-family-secret"
OK_MSG = "All generated successfully."
SUCCESS_LEVEL = TaskStatus.SUCCESS.milestone


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


# -- the documented shapes, and what each says ----------------------------------------

MUSIC_TRACK = {
    "id": "tr-1",
    "audio_url": "https://cdn.test/tr-1.mp3",
    "stream_audio_url": "https://cdn.test/stream/tr-1",
    "image_url": "https://cdn.test/tr-1.jpeg",
    "prompt": "[Verse] la la",
    "model_name": "chirp-v4",
    "title": "Song",
    "tags": "calm, piano",
    "createTime": "2025-01-01 00:00:00",
    "duration": 198.44,
}
TRACK = Track(
    id="tr-1",
    audio_url="https://cdn.test/tr-1.mp3",
    stream_audio_url="https://cdn.test/stream/tr-1",
    image_url="https://cdn.test/tr-1.jpeg",
    prompt="[Verse] la la",
    model_name="chirp-v4",
    title="Song",
    tags=("calm", "piano"),
    created_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    duration=198.44,
)
NIGHT = LyricsVariant(
    title="Night", text="[Verse]\nHush", status="complete", error_message=None
)
FLAGGED = LyricsVariant(
    title="Day", text=None, status="failed", error_message="flagged"
)
SPLIT_STEMS = {
    "vocal": "https://cdn.test/s_Vocals.mp3",
    "backing_vocals": "https://cdn.test/s_Backing.mp3",
    "drums": "https://cdn.test/s_Drums.mp3",
    "bass": "https://cdn.test/s_Bass.mp3",
    "guitar": "https://cdn.test/s_Guitar.mp3",
    "keyboard": "https://cdn.test/s_Keyboard.mp3",
    "percussion": "https://cdn.test/s_Percussion.mp3",
    "strings": "https://cdn.test/s_Strings.mp3",
    "synth": "https://cdn.test/s_Synth.mp3",
    "fx": "https://cdn.test/s_Fx.mp3",
    "brass": "https://cdn.test/s_Brass.mp3",
    "woodwinds": "https://cdn.test/s_Woodwinds.mp3",
}
DRUMS = MidiInstrument(
    name="Drums",
    notes=(
        MidiNote(pitch=73, start=0.0365, end=0.1823, velocity=1.0),
        MidiNote(pitch=36, start=0.5, end=0.75, velocity=0.5),
    ),
)


def staged(task_id_key: str, task_id: str, items_key: str, items: Any) -> Any:
    return {
        "code": 200,
        "msg": OK_MSG,
        "data": {"callbackType": "complete", task_id_key: task_id, items_key: items},
    }


def ended(task_id_key: str, task_id: str, **result: Any) -> dict[str, Any]:
    return {"code": 200, "msg": OK_MSG, "data": {task_id_key: task_id, **result}}


SHAPES = [
    pytest.param(
        staged("task_id", "m1", "data", [MUSIC_TRACK]),
        {"kind": K.MUSIC, "tracks": (TRACK,)},
        id="music-task_id",
    ),
    pytest.param(
        staged("taskId", "m1", "data", [MUSIC_TRACK]),
        {"kind": K.MUSIC, "tracks": (TRACK,)},
        id="music-taskId",
    ),
    pytest.param(
        staged(
            "task_id",
            "m1",
            "data",
            [
                {
                    "text": "[Verse]\nHush",
                    "title": "Night",
                    "status": "complete",
                    "error_message": "",
                }
            ],
        ),
        {"kind": K.LYRICS, "variants": (NIGHT,)},
        id="lyrics-kie",
    ),
    pytest.param(
        staged(
            "taskId",
            "m1",
            "data",
            [
                {
                    "text": "[Verse]\nHush",
                    "title": "Night",
                    "status": "complete",
                    "errorMessage": "",
                },
                {
                    "text": "",
                    "title": "Day",
                    "status": "failed",
                    "errorMessage": "flagged",
                },
            ],
        ),
        {"kind": K.LYRICS, "variants": (NIGHT, FLAGGED)},
        id="lyrics-sunoapi",
    ),
    pytest.param(
        staged(
            "task_id",
            "m1",
            "lyricsData",
            [{"text": "[Verse]\nHush", "title": "Night", "status": "complete"}],
        ),
        {"kind": K.LYRICS, "variants": (NIGHT,)},
        id="lyrics-apibox",
    ),
    pytest.param(
        ended("task_id", "m1", audioWavUrl="https://cdn.test/m1.wav"),
        {"kind": K.WAV, "wav_url": "https://cdn.test/m1.wav"},
        id="wav-kie",
    ),
    pytest.param(
        ended("task_id", "m1", audio_wav_url="https://cdn.test/m1.wav"),
        {"kind": K.WAV, "wav_url": "https://cdn.test/m1.wav"},
        id="wav-kie-cn",
    ),
    pytest.param(
        ended(
            "task_id",
            "m1",
            vocal_separation_info={
                "instrumental_url": "https://cdn.test/s_Instrumental.mp3",
                "origin_url": "https://cdn.test/s.mp3",
                "vocal_url": "https://cdn.test/s_Vocals.mp3",
                "drums_url": None,
                "bass_url": "",
            },
        ),
        {
            "kind": K.VOCAL_REMOVAL,
            "stems": {
                "instrumental": "https://cdn.test/s_Instrumental.mp3",
                "vocal": "https://cdn.test/s_Vocals.mp3",
            },
        },
        id="vocal-removal-kie-en",
    ),
    pytest.param(
        ended(
            "task_id",
            "m1",
            vocal_removal_info={
                "instrumental_url": None,
                "origin_url": None,
                **{f"{name}_url": url for name, url in SPLIT_STEMS.items()},
            },
        ),
        {"kind": K.VOCAL_REMOVAL, "stems": SPLIT_STEMS},
        id="vocal-removal-sunoapi-split-stem",
    ),
    pytest.param(
        {
            "code": 200,
            "msg": "success",
            "task_id": "m1",
            "data": {
                "state": "complete",
                "instruments": [
                    {
                        "name": "Drums",
                        "notes": [
                            {
                                "pitch": 73,
                                "start": 0.0365,
                                "end": 0.1823,
                                "velocity": 1,
                            },
                            {
                                "pitch": 36,
                                "start": "0.5",
                                "end": "0.75",
                                "velocity": 0.5,
                            },
                            {"pitch": 40, "start": "soon", "end": 1.0, "velocity": 1},
                        ],
                    }
                ],
            },
        },
        {"kind": K.MIDI, "instruments": (DRUMS,)},
        id="midi",
    ),
    pytest.param(
        ended("task_id", "m1", video_url="https://cdn.test/m1.mp4"),
        {"kind": K.VIDEO, "video_url": "https://cdn.test/m1.mp4"},
        id="video",
    ),
    pytest.param(
        ended(
            "taskId",
            "m1",
            images=["https://cdn.test/1.png", "https://cdn.test/2.png", None],
        ),
        {
            "kind": K.COVER_IMAGE,
            "image_urls": ("https://cdn.test/1.png", "https://cdn.test/2.png"),
        },
        id="cover-image",
    ),
]


@pytest.mark.parametrize(("body", "says"), SHAPES)
def test_each_documented_shape_parses_to_its_family_and_result(
    body: dict[str, Any], says: dict[str, Any]
) -> None:
    """Task id, family, stage and result read from the body alone."""
    assert parse_callback(raw(body)) == CallbackEvent(
        task_id="m1",
        stage="complete",
        code=200,
        message=body["msg"],
        raw=body,
        **says,
    )


@pytest.mark.parametrize(("body", "says"), SHAPES)
def test_a_successful_family_callback_announces_success(
    body: dict[str, Any], says: dict[str, Any]
) -> None:
    """Its level is SUCCESS's milestone, so a waiter's read happens at once."""
    assert parse_callback(body).level == SUCCESS_LEVEL == 3


@pytest.mark.parametrize(("body", "says"), SHAPES)
def test_the_family_named_by_the_receiver_reads_the_same(
    body: dict[str, Any], says: dict[str, Any]
) -> None:
    """kind= (member or value) gives what the shape gives for its own family."""
    assert parse_callback(body, kind=says["kind"].value) == parse_callback(body)


@pytest.mark.parametrize(
    ("stage", "level"),
    [pytest.param("text", 1, id="text"), pytest.param("first", 2, id="first")],
)
def test_text_and_first_are_music_stages(stage: str, level: int) -> None:
    """Only music sends text and first, so they tell its family without tracks."""
    body = {"code": 200, "msg": "", "data": {"callbackType": stage, "task_id": "m1"}}
    event = parse_callback(body)
    assert (event.kind, event.stage, event.level) == (K.MUSIC, stage, level)


# -- failures -------------------------------------------------------------------------

FAILURES = [
    pytest.param(
        {
            "code": 501,
            "msg": "Generation failed.",
            "data": {"callbackType": "error", "task_id": "m1", "data": None},
        },
        None,
        id="music-or-lyrics",
    ),
    pytest.param(
        {"code": 500, "msg": "Conversion failed.", "data": {"task_id": "m1"}},
        None,
        id="wav-vocal-removal-video",
    ),
    pytest.param(
        {"code": 531, "msg": "Failed, credits refunded.", "data": {"taskId": "m1"}},
        None,
        id="cover-image",
    ),
    pytest.param(
        {"code": 500, "msg": "MIDI failed.", "task_id": "m1", "data": None},
        K.MIDI,
        id="midi",
    ),
]


@pytest.mark.parametrize(("body", "kind"), FAILURES)
def test_a_failure_callback_is_an_error_without_result(
    body: dict[str, Any], kind: TaskKind | None
) -> None:
    """code ≠ 200, the reason in msg, no result: stage error, level 0 ("read now").
    Without a result, only MIDI's top-level task id still shows the family."""
    assert parse_callback(raw(body)) == CallbackEvent(
        task_id="m1",
        stage="error",
        code=body["code"],
        message=body["msg"],
        kind=kind,
        raw=body,
    )
    assert parse_callback(body).level == 0


@pytest.mark.parametrize("kind", [k for k in TaskKind if k is not K.MIDI])
def test_a_failure_takes_the_family_the_receiver_names(kind: TaskKind) -> None:
    """kind= fills in what a failure's shape cannot tell."""
    data = {"task_id": "m1", "taskId": "m1"}
    if kind is K.MUSIC:
        data["callbackType"] = "error"
    body = {"code": 500, "msg": "failed", "data": data}
    event = parse_callback(body, kind=kind)
    assert (event.kind, event.stage, event.level) == (kind, "error", 0)


def test_a_failure_keeps_a_result_it_carries_anyway() -> None:
    """The callback says what it says; the record decides what a wait reports."""
    body = {
        "code": 500,
        "msg": "x",
        "data": {"task_id": "m1", "video_url": "https://v"},
    }
    event = parse_callback(body)
    assert (event.kind, event.stage, event.video_url) == (K.VIDEO, "error", "https://v")


# -- ambiguity and refusals -----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            ended("task_id", "m1", audioWavUrl="https://a", video_url="https://b"),
            id="two-families-results",
        ),
        pytest.param(ended("task_id", "m1"), id="no-result"),
        pytest.param(
            staged("task_id", "m1", "data", [MUSIC_TRACK, {"text": "la"}]),
            id="tracks-and-lyrics",
        ),
        pytest.param(staged("task_id", "m1", "data", [{"title": "?"}]), id="neither"),
        pytest.param(
            {"code": 200, "task_id": "m1", "data": {"callbackType": "complete"}},
            id="staged-top-level-id",
        ),
    ],
)
def test_an_ambiguous_shape_has_no_family_and_no_result(body: dict[str, Any]) -> None:
    """When the shape does not single out one family, kind is None, result empty."""
    assert parse_callback(body) == CallbackEvent(
        task_id="m1",
        stage="complete",
        code=200,
        message=body.get("msg"),
        raw=body,
    )


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        pytest.param(
            ended("task_id", "m1", audioWavUrl="https://a"),
            "midi",
            "not a midi callback: no valid task_id or taskId",
            id="midi-id-under-data",
        ),
        pytest.param(
            {"code": 200, "task_id": "m1", "data": {}},
            "wav",
            "not a wav callback: no valid data.task_id or data.taskId",
            id="wav-id-at-top-level",
        ),
        pytest.param(
            ended("task_id", "m1"),
            "music",
            "callbackType 'None' is not one of",
            id="music-without-stage",
        ),
        pytest.param(
            {"msg": "ok", "data": {"task_id": "m1", "audioWavUrl": "https://a"}},
            None,
            "no callbackType, and no code saying how the task ended",
            id="no-stage-no-code",
        ),
        pytest.param(
            {"code": "200", "data": {"task_id": "m1"}},
            None,
            "no callbackType, and no code saying how the task ended",
            id="string-code",
        ),
        pytest.param(
            {"code": 200, "data": None},
            None,
            "not a callback: no 'data' object",
            id="no-data-no-top-level-id",
        ),
        pytest.param(
            {"code": 200, "task_id": "m\x1b1", "data": {}},
            None,
            "no valid task_id or taskId",
            id="control-character-id",
        ),
    ],
)
def test_a_body_no_family_can_have_sent_is_refused(
    body: dict[str, Any], kind: str | None, message: str
) -> None:
    """WebhookError says what is missing, for the family named or any."""
    with pytest.raises(WebhookError, match=re.escape(message)):
        parse_callback(body, kind=kind)


def test_an_unknown_kind_is_a_programming_error() -> None:
    """kind= takes a TaskKind or its value; anything else is InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="kind must be a TaskKind"):
        parse_callback(ended("task_id", "m1"), kind="mp3")


def test_service_text_is_echoed_escaped_and_short() -> None:
    """A hostile callbackType appears in the error as a short repr: no raw escapes."""
    body = {"code": 200, "data": {"task_id": "m1", "callbackType": "\x1b[2J" * 50}}
    with pytest.raises(WebhookError) as caught:
        parse_callback(body)
    assert caught.value.message == (
        "not a callback: callbackType '" + "\\x1b[2J" * 5 + "' is not one "
        "of 'text', 'first', 'complete', 'error'"
    )


@pytest.mark.parametrize(
    ("result", "field", "empty"),
    [
        pytest.param({"audioWavUrl": 7}, "wav_url", None, id="wav-number"),
        pytest.param({"video_url": ["x"]}, "video_url", None, id="video-list"),
        pytest.param({"images": "https://x.png"}, "image_urls", (), id="images-str"),
        pytest.param({"vocal_removal_info": ["x"]}, "stems", {}, id="stems-list"),
        pytest.param(
            {"vocal_removal_info": {"url": "https://x", "Drums_url": "https://y"}},
            "stems",
            {},
            id="stems-odd-keys",
        ),
    ],
)
def test_a_wrong_typed_result_reads_as_empty(
    result: dict[str, Any], field: str, empty: Any
) -> None:
    """A result of the wrong type is absent, never an error."""
    assert getattr(parse_callback(ended("task_id", "m1", **result)), field) == empty


def test_camel_case_stem_keys_read_too() -> None:
    """vocal_removal_info with record-info's camelCase keys gives the same names."""
    body = ended(
        "task_id",
        "m1",
        vocal_removal_info={"backingVocalsUrl": "https://b", "originUrl": "https://o"},
    )
    assert parse_callback(body).stems == {"backing_vocals": "https://b"}


def test_midi_data_that_is_not_an_object_has_no_instruments() -> None:
    """kind='midi' with a junk data is a MIDI callback with no instruments."""
    body = {"code": 200, "task_id": "m1", "data": ["junk"]}
    event = parse_callback(body, kind="midi")
    assert (event.kind, event.instruments) == (K.MIDI, ())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "task_id",
                    "taskId",
                    "callbackType",
                    "data",
                    "lyricsData",
                    "audioWavUrl",
                    "vocal_removal_info",
                    "instruments",
                    "notes",
                    "pitch",
                    "start",
                    "images",
                    "video_url",
                    "text",
                    "id",
                    "code",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(
    body=st.fixed_dictionaries(
        {"code": st.sampled_from([200, 500, None]), "data": JSON},
        optional={"task_id": st.sampled_from(["m1", "", 3]), "msg": JSON},
    ),
    kind=st.sampled_from([None, *TaskKind]),
)
def test_parsing_raises_nothing_but_webhook_error(
    body: dict[str, Any], kind: TaskKind | None
) -> None:
    """Any JSON, for any family named or none: an event or a WebhookError."""
    try:
        event = parse_callback(raw(body), kind=kind)
    except WebhookError:
        return
    if kind is not None:
        assert event.kind is kind


class Booby(Mapping[str, Any]):
    """A mapping (a framework's parsed body) that raises past its task id."""

    def __init__(self, task_id: str) -> None:
        self._items = {"task_id": task_id}

    def __getitem__(self, key: str) -> Any:
        if key in self._items:
            return self._items[key]
        if key == "callbackType":
            raise KeyError(key)
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return 1


def booby_body() -> dict[str, Any]:
    return {"code": 200, "msg": "ok", "data": Booby("w1")}


def test_a_hostile_mapping_is_a_webhook_error() -> None:
    """Whatever an odd mapping raises while the result is read is a WebhookError."""
    with pytest.raises(WebhookError, match="unreadable callback: RuntimeError"):
        parse_callback(booby_body())


# -- signatures -------------------------------------------------------------------


@pytest.fixture
async def signed() -> AsyncIterator[SunoClient]:
    async with SunoClient(
        api_key="sk-x", base_url="http://127.0.0.1:9", webhook_key=KEY
    ) as client:
        yield client


@pytest.mark.parametrize(("body", "says"), SHAPES)
async def test_every_family_is_verified_with_the_same_scheme(
    signed: SunoClient, body: dict[str, Any], says: dict[str, Any]
) -> None:
    """Signed over its task id (MIDI's top-level one too): accepted."""
    event = await signed.handle_callback(raw(body), sign_callback("m1", KEY))
    assert event.kind is says["kind"]


@pytest.mark.parametrize(("body", "says"), SHAPES)
async def test_every_family_with_a_forged_signature_is_refused(
    signed: SunoClient, body: dict[str, Any], says: dict[str, Any]
) -> None:
    """A signature made with another key is refused, whatever the family."""
    with pytest.raises(WebhookSignatureError, match="callback signature is wrong"):
        await signed.handle_callback(raw(body), sign_callback("m1", "guess"))


async def test_a_signature_for_another_task_is_refused(signed: SunoClient) -> None:
    """MIDI's signature covers its top-level task id, not any other."""
    body = {"code": 200, "msg": "ok", "task_id": "d1", "data": {"instruments": []}}
    with pytest.raises(WebhookSignatureError, match="callback signature is wrong"):
        await signed.handle_callback(raw(body), sign_callback("d2", KEY))


async def test_the_signature_is_checked_before_the_result_is_read(
    signed: SunoClient,
) -> None:
    """A forged callback is refused as such: its result is never touched."""
    with pytest.raises(WebhookSignatureError, match="callback signature is wrong"):
        await signed.handle_callback(booby_body(), sign_callback("w1", "guess"))


async def test_a_verified_callback_is_read_after_its_signature(
    signed: SunoClient,
) -> None:
    """With a good signature the same body gets as far as its result."""
    with pytest.raises(WebhookError, match="unreadable callback"):
        await signed.handle_callback(booby_body(), sign_callback("w1", KEY))


# -- handle_callback and the receivers -------------------------------------------------


class RecordingBus:
    """A CallbackBus that keeps what it was given to publish."""

    def __init__(self) -> None:
        self.published: list[tuple[str, int, bool]] = []

    def publish(self, task_id: str, level: int, *, trusted: bool, local: Any) -> None:
        self.published.append((task_id, level, trusted))

    def join(self, task_id: str, listener: Any) -> None:
        pass

    def leave(self, task_id: str, listener: Any) -> None:
        pass


@pytest.fixture
async def client() -> AsyncIterator[SunoClient]:
    async with SunoClient(api_key="sk-x", base_url="http://127.0.0.1:9") as c:
        yield c


async def test_handle_callback_names_the_family_in_its_log(
    client: SunoClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The info line for an unwaited task says which family it is."""
    caplog.set_level(logging.INFO, logger="suno_async")
    await client.handle_callback(ended("task_id", "w1", audioWavUrl="https://a"))
    assert caplog.messages == [
        "callback 'complete' for wav task w1 (no wait here is following it)"
    ]


async def test_handle_callback_takes_the_family_it_is_told(client: SunoClient) -> None:
    """kind= forces the family of a callback whose shape cannot tell it."""
    event = await client.handle_callback(ended("task_id", "v1"), kind=K.VIDEO)
    assert (event.kind, event.stage) == (K.VIDEO, "complete")


async def test_handle_callback_refuses_an_unknown_kind(client: SunoClient) -> None:
    """A bad kind is the caller's mistake, raised before the body is read."""
    with pytest.raises(InvalidArgumentError, match="kind must be a TaskKind"):
        await client.handle_callback(b"{not json", kind="gif")


async def test_a_family_callback_goes_on_the_bus_as_task_level_trust() -> None:
    """The bus carries the task id, SUCCESS's level and the trust, as for music."""
    bus = RecordingBus()
    async with SunoClient(
        api_key="sk-x", base_url="http://127.0.0.1:9", callback_bus=bus
    ) as client:
        await client.handle_callback(ended("taskId", "c1", images=["https://i"]))
        await client.handle_callback({"code": 500, "task_id": "d1", "data": None})
    assert bus.published == [("c1", 3, False), ("d1", 0, False)]


async def post(server: BaseTestServer, body: bytes) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/suno/callback"), data=body) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize(("body", "says"), SHAPES)
async def test_the_receiver_accepts_every_family(
    client: SunoClient, body: dict[str, Any], says: dict[str, Any]
) -> None:
    """aiohttp_app answers 200 ok to each documented shape."""
    async with TestServer(aiohttp_app(client), host="127.0.0.1") as server:
        assert await post(server, raw(body)) == (200, {"code": 200, "msg": "ok"})


async def test_a_receiver_for_one_family_refuses_another_shape(
    client: SunoClient,
) -> None:
    """kind='midi' looks for MIDI's top-level task id: a WAV body is a 400."""
    app = aiohttp_app(client, kind="midi")
    body = raw(ended("task_id", "w1", audioWavUrl="https://a"))
    async with TestServer(app, host="127.0.0.1") as server:
        assert await post(server, body) == (
            400,
            {"code": 400, "msg": "not a midi callback: no valid task_id or taskId"},
        )


async def test_a_receiver_for_an_unknown_kind_is_refused_when_built(
    client: SunoClient,
) -> None:
    """callback_handler checks kind at once, not at the first request."""
    with pytest.raises(InvalidArgumentError, match="kind must be a TaskKind"):
        callback_handler(client, kind="gif")


# -- a callback wakes a family wait before its next poll -----------------------------

BASE_URL = "https://api.test"
START = 1000.0
DONE_AT = 5.0
CALLBACK_AT = 7.0
STEMS = {
    K.LYRICS: "lyrics",
    K.WAV: "wav",
    K.VOCAL_REMOVAL: "vocal-removal",
    K.MIDI: "midi",
    K.VIDEO: "mp4",
    K.COVER_IMAGE: "suno/cover",
}


def family_data(kind: TaskKind, task_id: str, done: bool) -> dict[str, Any]:
    """record-info ``data`` of ``kind``: pending, or done with its result."""
    base = {"taskId": task_id, "errorCode": None, "errorMessage": None}
    if kind is K.LYRICS:
        variants = [{"text": "la", "title": "T", "status": "complete"}]
        return {
            **base,
            "status": "SUCCESS" if done else "PENDING",
            "response": {"data": variants} if done else None,
        }
    if kind is K.MIDI:
        midi = {"state": "complete", "instruments": [{"name": "Bass", "notes": []}]}
        return {
            **base,
            "successFlag": 1 if done else 0,
            "midiData": midi if done else None,
        }
    response = {
        K.WAV: {"audioWavUrl": "https://cdn.test/a.wav"},
        K.VOCAL_REMOVAL: {"vocalUrl": "https://cdn.test/v.mp3"},
        K.VIDEO: {"videoUrl": "https://cdn.test/v.mp4"},
        K.COVER_IMAGE: {"images": ["https://cdn.test/1.png"]},
    }[kind]
    flag: Any = (
        ("SUCCESS" if done else "PENDING") if kind is not K.COVER_IMAGE else int(done)
    )
    return {**base, "successFlag": flag, "response": response if done else None}


class FamilyService:
    """One family's record-info, done (or failed) from DONE_AT, in virtual time."""

    def __init__(self, mocked: MockedHTTP, clock: VirtualClock, kind: TaskKind) -> None:
        self.clock, self.kind = clock, kind
        self.failure: str | None = None
        self.arrivals: list[float] = []
        pattern = re.compile(rf"^{BASE_URL}/api/v1/{STEMS[kind]}/record-info\?.*$")
        mocked.get(pattern, callback=self.answer, repeat=True)

    async def answer(self, url: Any, **_: Any) -> CallbackResult:
        self.arrivals.append(self.clock.now() - START)
        done = self.clock.now() - START >= DONE_AT
        data = family_data(self.kind, url.query["taskId"], done)
        if done and self.failure is not None:
            data |= {"successFlag": self.failure, "response": None}
        return callback_result(
            status=200, payload={"code": 200, "msg": "success", "data": data}
        )


CALLBACKS = {
    K.LYRICS: staged("task_id", "f1", "data", [{"text": "la", "title": "T"}]),
    K.WAV: ended("task_id", "f1", audioWavUrl="https://cdn.test/a.wav"),
    K.VOCAL_REMOVAL: ended(
        "task_id", "f1", vocal_removal_info={"vocal_url": "https://v"}
    ),
    K.MIDI: {"code": 200, "msg": "ok", "task_id": "f1", "data": {"instruments": []}},
    K.VIDEO: ended("task_id", "f1", video_url="https://cdn.test/v.mp4"),
    K.COVER_IMAGE: ended("taskId", "f1", images=["https://cdn.test/1.png"]),
}
RECORDS = {
    K.LYRICS: LyricsRecord,
    K.WAV: WavRecord,
    K.VOCAL_REMOVAL: VocalRemovalRecord,
    K.MIDI: MidiRecord,
    K.VIDEO: VideoRecord,
    K.COVER_IMAGE: CoverImageRecord,
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=START)


@pytest.fixture
def mocked() -> Iterator[MockedHTTP]:
    mocked = MockedHTTP()
    with mocked:
        yield mocked


@pytest.fixture
async def hourly(clock: VirtualClock) -> AsyncIterator[SunoClient]:
    """Polls at once, then every 60 s: only a callback can end a wait sooner."""
    poll = attrs.evolve(PollPolicy.fixed(60.0), random=lambda: 0.0)
    async with SunoClient(
        api_key="sk-x", base_url=BASE_URL, poll=poll, clock=clock
    ) as c:
        yield c


async def wait_with_callback(
    client: SunoClient, clock: VirtualClock, kind: TaskKind, body: Any
) -> asyncio.Future[Any]:
    """Start a wait for f1, hand ``body`` to the client at CALLBACK_AT."""
    waiting = asyncio.ensure_future(client.wait_for_task("f1", kind=kind.value))
    await clock.sleep(START + CALLBACK_AT - clock.now())
    await client.handle_callback(body)
    return waiting


@pytest.mark.parametrize("kind", list(STEMS))
async def test_a_family_callback_wakes_its_wait_before_the_next_poll(
    hourly: SunoClient, clock: VirtualClock, mocked: MockedHTTP, kind: TaskKind
) -> None:
    """The callback at 7 s makes the wait read at once: done at 7 s, not 60 s."""
    service = FamilyService(mocked, clock, kind)
    record = await (await wait_with_callback(hourly, clock, kind, CALLBACKS[kind]))
    assert (type(record), record.status, service.arrivals, clock.now() - START) == (
        RECORDS[kind],
        TaskStatus.SUCCESS,
        [0.0, CALLBACK_AT],
        CALLBACK_AT,
    )


async def test_a_failure_callback_fails_the_family_wait_at_once(
    hourly: SunoClient, clock: VirtualClock, mocked: MockedHTTP
) -> None:
    """code 500 makes the wait read; the record's GENERATE_WAV_FAILED raises."""
    service = FamilyService(mocked, clock, K.WAV)
    service.failure = "GENERATE_WAV_FAILED"
    body = {"code": 500, "msg": "Conversion failed.", "data": {"task_id": "f1"}}
    waiting = await wait_with_callback(hourly, clock, K.WAV, body)
    with pytest.raises(WavConversionFailedError):
        await waiting
    assert (service.arrivals, clock.now() - START) == ([0.0, CALLBACK_AT], CALLBACK_AT)


async def test_the_record_not_the_callback_is_what_the_wait_returns(
    hourly: SunoClient, clock: VirtualClock, mocked: MockedHTTP
) -> None:
    """A callback's URL is only a claim: the wait returns record-info's."""
    FamilyService(mocked, clock, K.WAV)
    body = ended("task_id", "f1", audioWavUrl="https://forged.test/x.wav")
    record = await (await wait_with_callback(hourly, clock, K.WAV, body))
    assert isinstance(record, WavRecord)
    assert record.wav_url == "https://cdn.test/a.wav"

"""The synchronous calls: timestamped lyrics, boost style and persona.

Their answer is the result (no task to wait for): each call checks its
arguments before sending, posts its documented body, is retried only while
nothing can have reached the service, and reads the answer tolerantly,
raising :class:`DecodeError` and nothing else for what it cannot read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from suno_async import (
    KIE,
    SUNOAPI,
    AlignedWord,
    APIError,
    BoostedStyle,
    DecodeError,
    DuplicateTaskError,
    InsufficientCreditsError,
    InvalidArgumentError,
    InvalidRequestError,
    Persona,
    Provider,
    RetryPolicy,
    ServerError,
    SunoClient,
    TaskStatus,
    TimestampedLyrics,
    TransportError,
)
from suno_async._core.sync_results import (
    boost_failure,
    decode_boosted_style,
    decode_persona,
    decode_timestamped_lyrics,
)
from suno_async.testing import FakeSunoServer

from aiomock import MockedHTTP
from waitkit import connection_refused

BASE = "https://api.test"
SONG = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TRACK = "e231c7dc-8cad-4a6e-9a0b-6e1f1f2a3b4c"
LYRICS = BASE + "/api/v1/generate/get-timestamped-lyrics"
STYLE = BASE + "/api/v1/style/generate"
PERSONA = BASE + "/api/v1/generate/generate-persona"
FAST = RetryPolicy(initial_s=0.001, max_s=0.002)
UTC = timezone.utc

ALIGNED = {
    "alignedWords": [
        {
            "word": "[Verse]\nWaking",
            "success": True,
            "startS": 1.36,
            "endS": 1.79,
            "palign": 0,
        },
        {"word": "city", "success": False, "startS": "1.79", "endS": 2.2, "palign": 0},
    ],
    "waveformData": [0, 1, 0.5, "x", None, 0.25],
    "hootCer": 0.3803191489361702,
    "isStreamed": False,
}
BOOSTED = {
    "taskId": "3a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "param": "Pop, Mysterious",
    "result": "Pop with mysterious synths, airy vocals",
    "creditsConsumed": 0.4,
    "creditsRemaining": 959.6,
    "successFlag": "1",
    "errorCode": None,
    "errorMessage": None,
    "createTime": "2025-01-01 00:00:00",
}


def ok(data: Any) -> dict[str, Any]:
    return {"code": 200, "msg": "success", "data": data}


def sent(mock: aioresponses) -> list[tuple[str, Any]]:
    """Every request as (path, JSON body), in order."""
    return [
        (key[1].path, call.kwargs.get("json"))
        for key, calls in mock.requests.items()
        for call in calls
    ]


@pytest.fixture
def mock() -> Iterator[MockedHTTP]:
    with MockedHTTP() as mocked:
        yield mocked


def client(provider: Provider = KIE) -> SunoClient:
    return SunoClient("k", provider=provider, base_url=BASE, retry=FAST)


# --- timestamped lyrics ---------------------------------------------------------------


async def test_timestamped_lyrics_are_read_word_by_word(mock: MockedHTTP) -> None:
    """taskId and audioId are sent; words, times and the waveform come back."""
    mock.post(LYRICS, payload=ok(ALIGNED))
    async with client() as suno:
        lyrics = await suno.get_timestamped_lyrics(task_id=SONG, audio_id=TRACK)
    assert sent(mock) == [
        ("/api/v1/generate/get-timestamped-lyrics", {"taskId": SONG, "audioId": TRACK})
    ]
    assert lyrics == TimestampedLyrics(
        words=(
            AlignedWord(
                word="[Verse]\nWaking", start_s=1.36, end_s=1.79, success=True, palign=0
            ),
            AlignedWord(word="city", start_s=1.79, end_s=2.2, success=False, palign=0),
        ),
        waveform=(0.0, 1.0, 0.5, 0.25),
        hoot_cer=0.3803191489361702,
        is_streamed=False,
        raw=ALIGNED,
    )
    assert lyrics.raw is not None


def test_an_instrumental_has_no_words() -> None:
    """Empty or missing lists are empty tuples; odd entries are skipped."""
    assert decode_timestamped_lyrics({}) == TimestampedLyrics(raw={})
    data = {"alignedWords": [None, "w", {"word": 5, "success": "true"}]}
    assert decode_timestamped_lyrics(data).words == (
        AlignedWord(word="", success=True),
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"task_id": "", "audio_id": TRACK}, "task_id must be a non-empty string"),
        ({"task_id": SONG, "audio_id": None}, "audio_id is required"),
    ],
)
async def test_timestamped_lyrics_refuse_bad_ids_before_sending(
    mock: MockedHTTP, arguments: dict[str, Any], message: str
) -> None:
    """InvalidArgumentError, nothing sent."""
    async with client() as suno:
        with pytest.raises(InvalidArgumentError) as caught:
            await suno.get_timestamped_lyrics(**arguments)
    assert str(caught.value).startswith(
        f"invalid get_timestamped_lyrics request: {message}"
    )
    assert sent(mock) == []


# --- boost style ----------------------------------------------------------------------


async def test_a_boosted_style_comes_back_with_its_credits(mock: MockedHTTP) -> None:
    """content is sent; the result is the style, with credits and times read."""
    mock.post(STYLE, payload=ok(BOOSTED))
    async with client() as suno:
        style = await suno.boost_style("Pop, Mysterious")
    assert sent(mock) == [("/api/v1/style/generate", {"content": "Pop, Mysterious"})]
    assert style == BoostedStyle(
        style="Pop with mysterious synths, airy vocals",
        task_id="3a1b2c3d4e5f60718293a4b5c6d7e8f9",
        credits_consumed=0.4,
        credits_remaining=959.6,
        status=TaskStatus.SUCCESS,
        status_raw="1",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        raw=BOOSTED,
    )


@pytest.mark.parametrize(
    ("flag", "status"),
    [
        ("1", TaskStatus.SUCCESS),
        (1, TaskStatus.SUCCESS),
        (1.0, TaskStatus.SUCCESS),
        (" 1 ", TaskStatus.SUCCESS),
        ("0", TaskStatus.PENDING),
        (0, TaskStatus.PENDING),
        ("7", TaskStatus.UNKNOWN),
        (None, TaskStatus.UNKNOWN),
        (True, TaskStatus.UNKNOWN),
        ([], TaskStatus.UNKNOWN),
    ],
)
def test_success_flags_are_read_as_digits(flag: Any, status: TaskStatus) -> None:
    """ "1" and 1 alike; anything else is UNKNOWN (and no failure)."""
    style = decode_boosted_style({**BOOSTED, "successFlag": flag})
    assert style.status is status
    assert boost_failure(style, KIE) is None


@pytest.mark.parametrize(
    ("provider", "error_code", "error"),
    [
        pytest.param(KIE, 400, InvalidRequestError, id="400"),
        pytest.param(KIE, "400", InvalidRequestError, id="400-as-text"),
        pytest.param(KIE, 500, ServerError, id="500"),
        pytest.param(SUNOAPI, 429, InsufficientCreditsError, id="sunoapi-429"),
        pytest.param(KIE, None, APIError, id="no-code"),
        pytest.param(KIE, "oops", APIError, id="unreadable-code"),
    ],
)
async def test_a_failed_boost_raises_the_error_its_code_means(
    mock: MockedHTTP, provider: Provider, error_code: Any, error: type[APIError]
) -> None:
    """successFlag "2": raised with the service's errorMessage, never retried."""
    failed = {
        **BOOSTED,
        "result": None,
        "successFlag": 2,
        "errorCode": error_code,
        "errorMessage": "Content flagged",
    }
    mock.post(STYLE, payload=ok(failed))
    mock.post(STYLE, payload=ok(BOOSTED))
    async with client(provider) as suno:
        with pytest.raises(APIError) as caught:
            await suno.boost_style("Pop")
    assert type(caught.value) is error
    assert caught.value.message == "boost style failed: Content flagged"
    assert caught.value.http_status == 200
    assert caught.value.data == failed
    assert len(sent(mock)) == 1


def test_a_failed_boost_without_a_message_says_so() -> None:
    """The message never ends empty."""
    style = decode_boosted_style({"successFlag": "2"})
    failure = boost_failure(style, KIE)
    assert failure is not None
    assert str(failure) == "boost style failed: no error message"


@pytest.mark.parametrize("content", ["", "  ", None, 3])
async def test_boost_style_refuses_empty_content(
    mock: MockedHTTP, content: Any
) -> None:
    """content must be a non-empty string; nothing is sent."""
    async with client() as suno:
        with pytest.raises(InvalidArgumentError, match=r"^invalid boost_style request"):
            await suno.boost_style(content)
    assert sent(mock) == []


# --- persona --------------------------------------------------------------------------


async def test_a_persona_is_made_from_a_tracks_voice(mock: MockedHTTP) -> None:
    """Every field is sent, the defaults of the vocal window included."""
    data = {"personaId": "p-123", "name": "Ann", "description": "warm alto"}
    mock.post(PERSONA, payload=ok(data))
    async with client() as suno:
        persona = await suno.generate_persona(
            task_id=SONG, audio_id=TRACK, name="Ann", description="warm alto"
        )
    assert sent(mock) == [
        (
            "/api/v1/generate/generate-persona",
            {
                "taskId": SONG,
                "audioId": TRACK,
                "name": "Ann",
                "description": "warm alto",
                "vocalStart": 0.0,
                "vocalEnd": 30.0,
            },
        )
    ]
    assert persona == Persona(
        persona_id="p-123", name="Ann", description="warm alto", raw=data
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 10), (0.1, 10.1), (5, 35), (12.34, 22.34), (0.0, 30.0), (100, 129.99)],
)
async def test_persona_windows_of_10_to_30_seconds_pass(
    mock: MockedHTTP, start: float, end: float
) -> None:
    """Edges included, however floating point rounds the difference."""
    mock.post(PERSONA, payload=ok({"personaId": "p"}))
    async with client() as suno:
        await suno.generate_persona(
            task_id=SONG,
            audio_id=TRACK,
            name="n",
            description="d",
            vocal_start=start,
            vocal_end=end,
            style="soul",
        )
    body = sent(mock)[0][1]
    assert (body["vocalStart"], body["vocalEnd"], body["style"]) == (start, end, "soul")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vocal_start": -1}, "vocal_start must be a number of seconds >= 0, not -1"),
        ({"vocal_start": math.nan}, "vocal_start must be a number of seconds >= 0"),
        ({"vocal_end": math.inf}, "vocal_end must be a number of seconds >= 0"),
        ({"vocal_end": True}, "vocal_end must be a number of seconds >= 0, not True"),
        ({"vocal_end": "30"}, "vocal_end must be a number of seconds >= 0, not '30'"),
        (
            {"vocal_end": 9.99},
            "vocal_end - vocal_start is 9.99 s; it must be 10 to 30 s",
        ),
        (
            {"vocal_start": 1, "vocal_end": 31.01},
            "vocal_end - vocal_start is 30.01 s; it must be 10 to 30 s",
        ),
        ({"vocal_end": 20.005}, "vocal_end must be in steps of 0.01 s, not 20.005"),
        ({"vocal_start": 5, "vocal_end": 2}, "vocal_end - vocal_start is -3 s"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"description": None}, "description is required"),
        ({"style": " "}, "style must be a non-empty string"),
        ({"task_id": "a\nb"}, "task_id 'a\\nb' contains spaces or control characters"),
    ],
)
async def test_persona_refusals_happen_before_sending(
    mock: MockedHTTP, changes: dict[str, Any], message: str
) -> None:
    """The window and the texts are checked; nothing is sent."""
    arguments = {"task_id": SONG, "audio_id": TRACK, "name": "n", "description": "d"}
    async with client() as suno:
        with pytest.raises(InvalidArgumentError) as caught:
            await suno.generate_persona(**{**arguments, **changes})
    assert str(caught.value).startswith(f"invalid generate_persona request: {message}")
    assert sent(mock) == []


async def test_a_second_persona_is_a_duplicate(mock: MockedHTTP) -> None:
    """409: DuplicateTaskError; a persona id is not a task id, so none is named."""
    mock.post(
        PERSONA,
        payload={"code": 409, "msg": "persona exists", "data": {"personaId": "p-1"}},
    )
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.generate_persona(
                task_id=SONG, audio_id=TRACK, name="n", description="d"
            )
    assert (caught.value.existing_task_id, caught.value.code) == (None, 409)
    assert caught.value.data == {"personaId": "p-1"}


async def test_other_persona_refusals_are_left_as_they_are(mock: MockedHTTP) -> None:
    """A 400 (e.g. a model too old) stays an InvalidRequestError."""
    mock.post(PERSONA, payload={"code": 400, "msg": "model too old"})
    async with client() as suno:
        with pytest.raises(InvalidRequestError) as caught:
            await suno.generate_persona(
                task_id=SONG, audio_id=TRACK, name="n", description="d"
            )
    assert not isinstance(caught.value, DuplicateTaskError)


@pytest.mark.parametrize("data", [None, {}, {"personaId": ""}, {"personaId": None}, []])
async def test_a_persona_answer_without_an_id_is_a_decode_error(
    mock: MockedHTTP, data: Any
) -> None:
    """The persona may exist: DecodeError says so; not resent."""
    mock.post(PERSONA, payload=ok(data))
    async with client() as suno:
        with pytest.raises(DecodeError):
            await suno.generate_persona(
                task_id=SONG, audio_id=TRACK, name="n", description="d"
            )
    assert len(sent(mock)) == 1


# --- retries: as creations ------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        pytest.param({"payload": {"code": 455, "msg": "maintenance"}}, id="455"),
        pytest.param({"payload": {"code": 429, "msg": "slow down"}}, id="429"),
        pytest.param({"exception": connection_refused()}, id="refused"),
    ],
)
async def test_sync_calls_are_retried_when_nothing_was_done(
    mock: MockedHTTP, first: dict[str, Any]
) -> None:
    """A busy answer or a refused connection: tried again."""
    mock.post(STYLE, **first)
    mock.post(STYLE, payload=ok(BOOSTED))
    async with client() as suno:
        style = await suno.boost_style("Pop")
    assert style.style == BOOSTED["result"]
    assert len(sent(mock)) == 2


@pytest.mark.parametrize(
    ("first", "error"),
    [
        pytest.param({"payload": {"code": 500, "msg": "x"}}, ServerError, id="500"),
        pytest.param(
            {"exception": aiohttp.ServerDisconnectedError()}, TransportError, id="reset"
        ),
        pytest.param({"body": "<html>"}, DecodeError, id="garbled"),
    ],
)
async def test_sync_calls_are_never_resent_once_they_may_have_arrived(
    mock: MockedHTTP, first: dict[str, Any], error: type[Exception]
) -> None:
    """Boost style costs credits and persona makes a record: no second charge."""
    mock.post(STYLE, **first)
    mock.post(STYLE, payload=ok(BOOSTED))
    async with client() as suno:
        with pytest.raises(error):
            await suno.boost_style("Pop")
    assert len(sent(mock)) == 1


async def test_a_closed_client_refuses_sync_calls(mock: MockedHTTP) -> None:
    """Every call shares the client's lifecycle."""
    suno = client()
    await suno.aclose()
    with pytest.raises(Exception, match="closed"):
        await suno.boost_style("Pop")
    assert sent(mock) == []


# --- decoding never raises anything but DecodeError --------------------------------

KEYS = ["alignedWords", "waveformData", "hootCer", "isStreamed", "word", "startS"]
KEYS += ["endS", "success", "palign", "result", "successFlag", "creditsConsumed"]
KEYS += ["creditsRemaining", "errorCode", "errorMessage", "createTime", "taskId"]
KEYS += ["personaId", "name", "description"]

integers = st.integers(-(2**63), 2**64 - 1)
scalars = st.none() | st.booleans() | integers | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=12)
words = st.lists(st.dictionaries(st.sampled_from(KEYS), json_values) | json_values)
lyrics_objects = st.fixed_dictionaries(
    {},
    optional={
        "alignedWords": words | json_values,
        "waveformData": st.lists(scalars) | json_values,
        "hootCer": json_values,
        "isStreamed": json_values,
    },
)
DECODERS = [decode_timestamped_lyrics, decode_boosted_style, decode_persona]


@given(json_values, st.sampled_from(DECODERS))
def test_any_json_decodes_or_raises_decode_error(data: Any, decode: Any) -> None:
    """Whatever JSON arrives, a result or DecodeError; raw is the data itself."""
    try:
        result = decode(data)
    except DecodeError:
        return
    assert result.raw is data


@given(objects | lyrics_objects)
def test_any_object_decodes_as_lyrics_and_style(data: dict[str, Any]) -> None:
    """Field by field tolerance: every object is read; types hold."""
    lyrics = decode_timestamped_lyrics(data)
    assert all(isinstance(word, AlignedWord) for word in lyrics.words)
    assert all(isinstance(word.word, str) for word in lyrics.words)
    assert all(isinstance(v, float) and math.isfinite(v) for v in lyrics.waveform)
    assert lyrics.is_streamed in (True, False, None)
    style = decode_boosted_style(data)
    assert style.style is None or isinstance(style.style, str)
    assert style.created_at is None or style.created_at.tzinfo is not None
    for value in (style.credits_consumed, style.credits_remaining, lyrics.hoot_cer):
        assert value is None or math.isfinite(value)
    failure = boost_failure(style, KIE)
    assert failure is None or isinstance(failure, APIError)


@given(objects)
def test_a_persona_object_decodes_when_it_names_an_id(data: dict[str, Any]) -> None:
    """With a personaId string (or int) a Persona, else DecodeError."""
    try:
        persona = decode_persona(data)
    except DecodeError:
        return
    assert persona.persona_id
    assert persona.raw is data


class ExplodingMapping(Mapping[str, Any]):
    """A mapping that raises on every read (never sent by JSON, but still)."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(["personaId"])

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("decode", DECODERS)
def test_a_hostile_mapping_is_a_decode_error(decode: Any) -> None:
    """Even a mapping that raises on reads gives DecodeError, chained."""
    with pytest.raises(DecodeError, match="unreadable") as caught:
        decode(ExplodingMapping())
    assert isinstance(caught.value.__cause__, RuntimeError)


# --- against the simulator ------------------------------------------------------------


async def test_the_sync_calls_against_the_simulator() -> None:
    """Each call against FakeSunoServer, a repeated persona included."""
    async with FakeSunoServer(scale=0.001, seed=2) as server:
        async with server.client(retry=FAST) as suno:
            song = await suno.generate(
                prompt="a calm piano piece", callback_url="https://app.example/cb"
            )
            track = (await suno.wait_for_task(song)).tracks[0].id
            lyrics = await suno.get_timestamped_lyrics(task_id=song, audio_id=track)
            style = await suno.boost_style("dark synthwave")
            persona = await suno.generate_persona(
                task_id=song, audio_id=track, name="Ann", description="warm alto"
            )
            with pytest.raises(DuplicateTaskError):
                await suno.generate_persona(
                    task_id=song, audio_id=track, name="Ann", description="again"
                )
        credits = server.credits
    assert len(lyrics.waveform) == 100
    assert all(word.start_s is not None for word in lyrics.words)
    assert (style.status, style.credits_remaining) == (TaskStatus.SUCCESS, credits)
    assert (persona.name, persona.description) == ("Ann", "warm alto")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(decode_timestamped_lyrics(ALIGNED), id="lyrics"),
        pytest.param(decode_boosted_style(BOOSTED), id="style"),
        pytest.param(decode_persona({"personaId": "p", "name": "n"}), id="persona"),
    ],
)
def test_results_round_trip_through_dicts_and_json(value: Any) -> None:
    """to_dict, to_json and from_dict, as every public model has."""
    cls = type(value)
    assert cls.from_dict(value.to_dict()) == value
    assert cls.from_dict(json.loads(value.to_json())) == value

"""Creating the other families' tasks: exact bodies, refusals, repeats, retries.

Each family's creating call checks its arguments before anything is sent,
posts its documented body, and returns a :class:`TaskHandle` that knows its
kind. A repeat the service refuses is a :class:`DuplicateTaskError` naming
the existing task when it can; ``reuse_existing=True`` returns that task.
The wire is mocked at the HTTP edge (aioresponses); the last tests run
against the simulator, which serves these endpoints.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from suno_async import (
    APIError,
    ConflictError,
    DecodeError,
    DuplicateTaskError,
    InvalidArgumentError,
    InvalidRequestError,
    RetryPolicy,
    ServerError,
    SunoClient,
    TaskHandle,
    TaskKind,
    TaskStatus,
    TransportError,
)
from suno_async._core.duplicates import duplicate_error, ids_in
from suno_async._core.errors import InvalidRequestError as CoreInvalidRequest
from suno_async._core.families import SPECS
from suno_async._core.family_bodies import FAMILY_BODIES, family_body
from suno_async.testing import FakeSunoServer, Fault

from aiomock import MockedHTTP
from waitkit import connection_refused

BASE = "https://api.test"
CB = "https://app.example/suno-callback"
SONG = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TRACK = "e231c7dc-8cad-4a6e-9a0b-6e1f1f2a3b4c"
NEW = "5c79aa00bb11cc22dd33ee44ff55be8e"
OTHER = "21aedd5600000000000000000000dd56"
FAST = RetryPolicy(initial_s=0.001, max_s=0.002)

#: method -> (kind, keyword arguments, the body sent without callBackUrl)
CALLS: dict[str, tuple[TaskKind, dict[str, Any], dict[str, Any]]] = {
    "generate_lyrics": (
        TaskKind.LYRICS,
        {"prompt": "A song about a peaceful night"},
        {"prompt": "A song about a peaceful night"},
    ),
    "convert_to_wav": (
        TaskKind.WAV,
        {"task_id": SONG, "audio_id": TRACK},
        {"taskId": SONG, "audioId": TRACK},
    ),
    "separate_vocals": (
        TaskKind.VOCAL_REMOVAL,
        {"task_id": SONG, "audio_id": TRACK},
        {"taskId": SONG, "audioId": TRACK, "type": "separate_vocal"},
    ),
    "generate_midi": (TaskKind.MIDI, {"task_id": SONG}, {"taskId": SONG}),
    "create_video": (
        TaskKind.VIDEO,
        {"task_id": SONG, "audio_id": TRACK},
        {"taskId": SONG, "audioId": TRACK},
    ),
    "generate_cover_image": (TaskKind.COVER_IMAGE, {"task_id": SONG}, {"taskId": SONG}),
}


def ok(data: Any = None) -> dict[str, Any]:
    return {
        "code": 200,
        "msg": "success",
        "data": {"taskId": NEW} if data is None else data,
    }


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


def client(**kwargs: Any) -> SunoClient:
    settings: dict[str, Any] = {"base_url": BASE, "callback_url": CB, "retry": FAST}
    return SunoClient("k", **{**settings, **kwargs})


def url(kind: TaskKind) -> str:
    return BASE + SPECS[kind].create_path


# --- the calls ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_each_call_posts_its_documented_body_and_returns_a_handle(
    mock: MockedHTTP, name: str
) -> None:
    """One POST to the family's path with exactly its fields; a handle of its kind."""
    kind, arguments, body = CALLS[name]
    mock.post(url(kind), payload=ok())
    async with client() as suno:
        handle = await getattr(suno, name)(**arguments)
    assert isinstance(handle, TaskHandle)
    assert (handle, handle.kind, handle.task_id) == (NEW, kind, NEW)
    assert sent(mock) == [(SPECS[kind].create_path, {**body, "callBackUrl": CB})]


@pytest.mark.parametrize(
    ("name", "arguments", "body"),
    [
        pytest.param(
            "separate_vocals",
            {"task_id": SONG, "audio_url": "https://files.example/a.mp3"},
            {
                "taskId": SONG,
                "audioUrl": "https://files.example/a.mp3",
                "type": "separate_vocal",
            },
            id="separation-of-a-file",
        ),
        pytest.param(
            "separate_vocals",
            {"task_id": SONG, "audio_id": TRACK, "mode": "split_stem"},
            {"taskId": SONG, "audioId": TRACK, "type": "split_stem"},
            id="split-stem",
        ),
        pytest.param(
            "separate_vocals",
            {
                "task_id": SONG,
                "audio_id": TRACK,
                "mode": "split_stem_advanced",
                "stem_name": "Drums",
            },
            {
                "taskId": SONG,
                "audioId": TRACK,
                "type": "split_stem_advanced",
                "stemName": "Drums",
            },
            id="split-stem-advanced",
        ),
        pytest.param(
            "generate_midi",
            {"task_id": SONG, "audio_id": TRACK},
            {"taskId": SONG, "audioId": TRACK},
            id="midi-of-one-stem",
        ),
        pytest.param(
            "create_video",
            {
                "task_id": SONG,
                "audio_id": TRACK,
                "author": "A" * 50,
                "domain_name": "music.example",
            },
            {
                "taskId": SONG,
                "audioId": TRACK,
                "author": "A" * 50,
                "domainName": "music.example",
            },
            id="video-signed",
        ),
        pytest.param(
            "generate_lyrics",
            {"prompt": "é" * 200},
            {"prompt": "é" * 200},
            id="lyrics-prompt-at-the-limit",
        ),
    ],
)
async def test_optional_fields_reach_the_wire_by_their_wire_names(
    mock: MockedHTTP, name: str, arguments: dict[str, Any], body: dict[str, Any]
) -> None:
    """Every optional field given is sent; none that was not."""
    kind = CALLS[name][0]
    mock.post(url(kind), payload=ok())
    async with client() as suno:
        await getattr(suno, name)(**arguments)
    assert sent(mock) == [(SPECS[kind].create_path, {**body, "callBackUrl": CB})]


async def test_lyrics_take_the_prompt_positionally(mock: MockedHTTP) -> None:
    """generate_lyrics(prompt) as the brief's signature says."""
    mock.post(url(TaskKind.LYRICS), payload=ok())
    async with client() as suno:
        handle = await suno.generate_lyrics(
            "rain", callback_url="https://other.example/"
        )
    assert handle.kind is TaskKind.LYRICS
    assert sent(mock)[0][1] == {
        "prompt": "rain",
        "callBackUrl": "https://other.example/",
    }


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_without_any_callback_url_nothing_is_sent(
    mock: MockedHTTP, name: str
) -> None:
    """callBackUrl is required: the error says how to set one, as for music."""
    _, arguments, _ = CALLS[name]
    async with client(callback_url=None) as suno:
        with pytest.raises(InvalidArgumentError, match=r"SunoClient\(callback_url="):
            await getattr(suno, name)(**arguments)
    assert sent(mock) == []


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_a_call_may_name_its_own_callback_url(
    mock: MockedHTTP, name: str
) -> None:
    """The call's callback_url wins over the client's."""
    kind, arguments, _ = CALLS[name]
    mock.post(url(kind), payload=ok())
    async with client() as suno:
        await getattr(suno, name)(**arguments, callback_url="https://other.example/x")
    assert sent(mock)[0][1]["callBackUrl"] == "https://other.example/x"


async def test_music_creations_return_music_handles(mock: MockedHTTP) -> None:
    """generate and its kin now return TaskHandle[TaskRecord]: still the id string."""
    mock.post(BASE + "/api/v1/generate", payload=ok())
    async with client() as suno:
        handle = await suno.generate(prompt="a calm piano piece")
    assert (type(handle), handle.kind, handle) == (TaskHandle, TaskKind.MUSIC, NEW)
    assert f"{handle}" == NEW


def test_each_family_method_is_keyword_only_with_a_callback_url() -> None:
    """The creating methods take keywords (lyrics' prompt aside) and callback_url."""
    for kind, (name, _) in FAMILY_BODIES.items():
        parameters = inspect.signature(getattr(SunoClient, name)).parameters
        keywords = [n for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY]
        assert "callback_url" in keywords, kind
        assert parameters["callback_url"].default is None
        positional = [n for n in parameters if n not in keywords]
        assert positional == (
            ["self", "prompt"] if name == "generate_lyrics" else ["self"]
        )


# --- refused before sending -----------------------------------------------------------

REFUSALS = [
    ("generate_lyrics", {"prompt": ""}, "prompt must be a non-empty string, not ''"),
    ("generate_lyrics", {"prompt": "   "}, "prompt must be a non-empty string"),
    ("generate_lyrics", {"prompt": None}, "prompt is required"),
    ("generate_lyrics", {"prompt": 5}, "prompt must be a non-empty string, not 5"),
    (
        "generate_lyrics",
        {"prompt": "x" * 201},
        "prompt is 201 characters long; at most 200",
    ),
    (
        "convert_to_wav",
        {"task_id": SONG, "audio_id": ""},
        "audio_id must be a non-empty",
    ),
    (
        "convert_to_wav",
        {"task_id": "", "audio_id": TRACK},
        "task_id must be a non-empty",
    ),
    (
        "convert_to_wav",
        {"task_id": "a b", "audio_id": TRACK},
        "task_id 'a b' contains spaces or control characters",
    ),
    (
        "convert_to_wav",
        {"task_id": "x" * 129, "audio_id": TRACK},
        "task_id is 129 characters long (at most 128)",
    ),
    (
        "convert_to_wav",
        {"task_id": SONG, "audio_id": 7},
        "audio_id must be a non-empty",
    ),
    (
        "separate_vocals",
        {"task_id": SONG},
        "pass exactly one of audio_id (a track) and audio_url (a file)",
    ),
    (
        "separate_vocals",
        {"task_id": SONG, "audio_id": TRACK, "audio_url": "https://f.example/a.mp3"},
        "pass exactly one of audio_id",
    ),
    (
        "separate_vocals",
        {"task_id": SONG, "audio_url": "https://"},
        "audio_url must be an http(s) URL, not 'https://'",
    ),
    (
        "separate_vocals",
        {"task_id": SONG, "audio_id": TRACK, "mode": "karaoke"},
        "mode must be one of 'separate_vocal', 'split_stem', 'split_stem_advanced', "
        "not 'karaoke'",
    ),
    (
        "separate_vocals",
        {"task_id": SONG, "audio_id": TRACK, "mode": "split_stem_advanced"},
        "stem_name is required with mode='split_stem_advanced'",
    ),
    (
        "separate_vocals",
        {"task_id": SONG, "audio_id": TRACK, "stem_name": "Drums"},
        "stem_name is only used with mode='split_stem_advanced'",
    ),
    (
        "separate_vocals",
        {
            "task_id": SONG,
            "audio_id": TRACK,
            "mode": "split_stem_advanced",
            "stem_name": " ",
        },
        "stem_name must be a non-empty string",
    ),
    ("separate_vocals", {"task_id": None, "audio_id": TRACK}, "task_id is required"),
    (
        "generate_midi",
        {"task_id": SONG, "audio_id": ""},
        "audio_id must be a non-empty",
    ),
    (
        "create_video",
        {"task_id": SONG, "audio_id": TRACK, "author": "a" * 51},
        "author is 51 characters long; at most 50",
    ),
    (
        "create_video",
        {"task_id": SONG, "audio_id": TRACK, "domain_name": "d" * 51},
        "domain_name is 51 characters long; at most 50",
    ),
    (
        "create_video",
        {"task_id": SONG, "audio_id": TRACK, "author": ""},
        "author must be a non-empty string",
    ),
    ("create_video", {"task_id": SONG, "audio_id": None}, "audio_id is required"),
    ("generate_cover_image", {"task_id": 12}, "task_id must be a non-empty string"),
]


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        pytest.param(*refusal, id=f"{refusal[0]}-{i}")
        for i, refusal in enumerate(REFUSALS)
    ],
)
async def test_a_broken_rule_is_refused_before_any_request(
    mock: MockedHTTP, name: str, arguments: dict[str, Any], message: str
) -> None:
    """InvalidArgumentError (a ValueError) names the method, the field and the rule."""
    async with client() as suno:
        with pytest.raises(InvalidArgumentError) as caught:
            await getattr(suno, name)(**arguments)
    assert str(caught.value).startswith(f"invalid {name} request: {message}")
    assert isinstance(caught.value, ValueError)
    assert sent(mock) == []


async def test_a_bad_callback_url_is_refused(mock: MockedHTTP) -> None:
    """The call's callback_url is checked like the client's."""
    async with client() as suno:
        with pytest.raises(InvalidArgumentError, match="callback_url must be an http"):
            await suno.generate_cover_image(task_id=SONG, callback_url="ftp://x")
    assert sent(mock) == []


async def test_a_closed_client_refuses_to_create(mock: MockedHTTP) -> None:
    """The family calls share the client's lifecycle."""
    suno = client()
    await suno.aclose()
    with pytest.raises(Exception, match="closed"):
        await suno.generate_lyrics("x")
    assert sent(mock) == []


# --- answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [None, {}, {"taskId": ""}, {"taskId": "  "}, {"taskId": 5}]
)
async def test_an_answer_without_a_task_id_is_a_decode_error(
    mock: MockedHTTP, data: Any
) -> None:
    """Code 200 but no id: DecodeError saying a task may exist; not resent."""
    mock.post(url(TaskKind.VIDEO), payload={"code": 200, "msg": "", "data": data})
    async with client() as suno:
        with pytest.raises(DecodeError, match=r"^the create_video request was"):
            await suno.create_video(task_id=SONG, audio_id=TRACK)
    assert len(sent(mock)) == 1


async def test_kies_code_0_example_is_an_api_error(mock: MockedHTTP) -> None:
    """kie's ``{"code":0,"msg":"","data":{"taskId":""}}``: code 0 is not success."""
    mock.post(
        url(TaskKind.VIDEO), payload={"code": 0, "msg": "", "data": {"taskId": ""}}
    )
    async with client() as suno:
        with pytest.raises(APIError) as caught:
            await suno.create_video(task_id=SONG, audio_id=TRACK)
    assert (type(caught.value), caught.value.code) == (APIError, 0)
    assert caught.value.data == {"taskId": ""}
    assert len(sent(mock)) == 1


async def test_busy_answers_are_retried_until_a_task_is_made(mock: MockedHTTP) -> None:
    """Rate limit and maintenance make no task: retried, one handle results."""
    mock.post(url(TaskKind.WAV), payload={"code": 455, "msg": "maintenance"})
    mock.post(url(TaskKind.WAV), payload={"code": 429, "msg": "slow down"})
    mock.post(url(TaskKind.WAV), payload=ok())
    async with client() as suno:
        handle = await suno.convert_to_wav(task_id=SONG, audio_id=TRACK)
    assert (handle, handle.kind) == (NEW, TaskKind.WAV)
    assert len(sent(mock)) == 3


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param({"payload": {"code": 500, "msg": "boom"}}, ServerError, id="500"),
        pytest.param(
            {"exception": aiohttp.ServerDisconnectedError()}, TransportError, id="reset"
        ),
        pytest.param({"body": "not json"}, DecodeError, id="garbled"),
    ],
)
async def test_answers_that_may_follow_a_created_task_are_never_resent(
    mock: MockedHTTP, answer: dict[str, Any], error: type[Exception]
) -> None:
    """A 5xx, a reset once connected, a garbled body: raised after one request."""
    mock.post(url(TaskKind.MIDI), **answer)
    mock.post(url(TaskKind.MIDI), payload=ok())
    async with client() as suno:
        with pytest.raises(error):
            await suno.generate_midi(task_id=SONG)
    assert len(sent(mock)) == 1


async def test_a_refused_connection_is_retried(mock: MockedHTTP) -> None:
    """Nothing left the machine: the creation is tried again."""
    refused = connection_refused()
    mock.post(url(TaskKind.LYRICS), exception=refused)
    mock.post(url(TaskKind.LYRICS), payload=ok())
    async with client() as suno:
        handle = await suno.generate_lyrics("x")
    assert handle == NEW
    assert len(sent(mock)) == 2


# --- repeats --------------------------------------------------------------------------


def conflict(message: str, data: Any = None, code: int = 409) -> dict[str, Any]:
    return {"code": code, "msg": message, "data": data}


async def test_a_second_wav_is_a_duplicate_naming_the_existing_task(
    mock: MockedHTTP,
) -> None:
    """409 with data.taskId: DuplicateTaskError whose id is a WAV handle."""
    mock.post(
        url(TaskKind.WAV),
        payload=conflict("WAV record already exists", {"taskId": OTHER}),
    )
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.convert_to_wav(task_id=SONG, audio_id=TRACK)
    error = caught.value
    assert isinstance(error, ConflictError)
    assert (error.existing_task_id, error.code, error.http_status) == (OTHER, 409, 200)
    assert isinstance(error.existing_task_id, TaskHandle)
    assert error.existing_task_id.kind is TaskKind.WAV
    assert str(error) == (
        f"[409] WAV record already exists (the existing task: {OTHER})"
    )
    assert isinstance(error.__cause__, ConflictError)
    assert len(sent(mock)) == 1


@pytest.mark.parametrize("data", [None, {}, {"taskId": ""}, {"taskId": SONG}, []])
async def test_a_409_without_an_existing_id_is_still_a_duplicate(
    mock: MockedHTTP, data: Any
) -> None:
    """No id (or only the source's): existing_task_id is None."""
    mock.post(url(TaskKind.WAV), payload=conflict("WAV record already exists", data))
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.convert_to_wav(task_id=SONG, audio_id=TRACK)
    assert caught.value.existing_task_id is None
    assert str(caught.value) == "[409] WAV record already exists"


async def test_an_http_409_without_an_envelope_is_a_duplicate_too(
    mock: MockedHTTP,
) -> None:
    """A gateway's plain 409 carries no data: a duplicate, id unknown."""
    mock.post(url(TaskKind.WAV), status=409, body="Conflict")
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.convert_to_wav(task_id=SONG, audio_id=TRACK)
    assert (caught.value.existing_task_id, caught.value.http_status) == (None, 409)


async def test_create_or_reuse_is_one_line(mock: MockedHTTP) -> None:
    """reuse_existing=True returns the existing task's handle; nothing is resent."""
    mock.post(
        url(TaskKind.WAV),
        payload=conflict("WAV record already exists", {"taskId": OTHER}),
    )
    mock.post(
        url(TaskKind.COVER_IMAGE), payload=conflict(f"cover exists: {OTHER}", code=400)
    )
    async with client() as suno:
        wav = await suno.convert_to_wav(
            task_id=SONG, audio_id=TRACK, reuse_existing=True
        )
        cover = await suno.generate_cover_image(task_id=SONG, reuse_existing=True)
    assert (wav, wav.kind) == (OTHER, TaskKind.WAV)
    assert (cover, cover.kind) == (OTHER, TaskKind.COVER_IMAGE)
    assert len(sent(mock)) == 2
    assert all(
        "reuseExisting" not in body and "reuse_existing" not in body
        for _, body in sent(mock)
    )


async def test_reuse_without_a_known_id_still_raises(mock: MockedHTTP) -> None:
    """The service named no task: nothing to reuse, the duplicate is raised."""
    mock.post(url(TaskKind.WAV), payload=conflict("WAV record already exists"))
    mock.post(url(TaskKind.WAV), payload=ok())
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.convert_to_wav(task_id=SONG, audio_id=TRACK, reuse_existing=True)
    assert caught.value.existing_task_id is None
    assert len(sent(mock)) == 1


@pytest.mark.parametrize(
    ("message", "data", "existing"),
    [
        pytest.param("cover exists", {"taskId": OTHER}, OTHER, id="in-data"),
        pytest.param(
            f"A cover was already generated for this task: {OTHER}",
            None,
            OTHER,
            id="hex-in-message",
        ),
        pytest.param(
            "Cover already exists (task 3e63a1b2-71e7-4c5d-9e8f-0a1b2c3d4e5f)",
            None,
            "3e63a1b2-71e7-4c5d-9e8f-0a1b2c3d4e5f",
            id="uuid-in-message",
        ),
        pytest.param(
            f"Task {SONG} already has a cover: {OTHER}",
            {"taskId": SONG},
            OTHER,
            id="source-id-skipped",
        ),
    ],
)
async def test_a_second_cover_is_a_duplicate_naming_the_existing_task(
    mock: MockedHTTP, message: str, data: Any, existing: str
) -> None:
    """A cover's repeat answers 400 with the existing task in data or in msg."""
    mock.post(url(TaskKind.COVER_IMAGE), payload=conflict(message, data, code=400))
    async with client() as suno:
        with pytest.raises(DuplicateTaskError) as caught:
            await suno.generate_cover_image(task_id=SONG)
    assert caught.value.existing_task_id == existing
    assert caught.value.code == 400
    assert isinstance(caught.value.__cause__, InvalidRequestError)


@pytest.mark.parametrize(
    "message",
    [
        f"Task not found: {SONG} is not a music task",
        f"Task {SONG} is not complete yet",
        "taskId is required",
    ],
)
async def test_other_cover_refusals_stay_invalid_requests(
    mock: MockedHTTP, message: str
) -> None:
    """A 400 quoting only the request's own ids is no duplicate."""
    mock.post(url(TaskKind.COVER_IMAGE), payload=conflict(message, code=400))
    async with client() as suno:
        with pytest.raises(InvalidRequestError) as caught:
            await suno.generate_cover_image(task_id=SONG, reuse_existing=True)
    assert not isinstance(caught.value, DuplicateTaskError)


async def test_a_400_of_another_family_is_no_duplicate(mock: MockedHTTP) -> None:
    """Only covers name their repeat in a 400."""
    mock.post(url(TaskKind.VIDEO), payload=conflict(f"exists: {OTHER}", code=400))
    async with client() as suno:
        with pytest.raises(InvalidRequestError) as caught:
            await suno.create_video(task_id=SONG, audio_id=TRACK)
    assert not isinstance(caught.value, DuplicateTaskError)


async def test_a_music_409_stays_a_conflict(mock: MockedHTTP) -> None:
    """Music creations have no documented repeat: their 409 is left as it is."""
    mock.post(
        BASE + "/api/v1/generate", payload=conflict("conflict", {"taskId": OTHER})
    )
    async with client() as suno:
        with pytest.raises(ConflictError) as caught:
            await suno.generate(prompt="x")
    assert not isinstance(caught.value, DuplicateTaskError)


# --- the pure parts -------------------------------------------------------------------


def test_ids_in_finds_hex_and_uuid_ids_only() -> None:
    """32 hex digits or a UUID, standing alone."""
    text = (
        f"a {OTHER}, b 3E63A1B2-71E7-4C5D-9E8F-0A1B2C3D4E5F, not x{OTHER}, "
        "nor 0123456789abcdef0123456789abcdef0, nor deadbeef"
    )
    assert ids_in(text) == [OTHER, "3E63A1B2-71E7-4C5D-9E8F-0A1B2C3D4E5F"]


def test_a_duplicate_is_never_made_twice() -> None:
    """duplicate_error leaves DuplicateTaskError and unrelated errors alone."""
    body = {"taskId": SONG}
    already = DuplicateTaskError("x", existing_task_id=OTHER, code=409)
    assert duplicate_error(already, TaskKind.WAV, body) is None
    assert duplicate_error(ServerError("x", code=500), TaskKind.WAV, body) is None
    refused = CoreInvalidRequest(f"exists {OTHER}", code=400)
    assert duplicate_error(refused, TaskKind.WAV, body) is None


def test_a_persona_conflict_has_no_task_handle() -> None:
    """kind None (a persona): the id, if any, stays a plain str."""
    error = ConflictError("exists", code=409)
    error.data = {"taskId": OTHER}
    duplicate = duplicate_error(error, None, {"taskId": SONG})
    assert duplicate is not None
    assert type(duplicate.existing_task_id) is str


class ExplodingMapping(dict[str, Any]):
    def get(self, *args: Any) -> Any:
        raise RuntimeError("boom")


def test_hostile_error_data_names_no_task() -> None:
    """A data object that raises on reads is ignored, never propagated."""
    error = ConflictError("exists", code=409)
    error.data = ExplodingMapping()
    duplicate = duplicate_error(error, TaskKind.WAV, {})
    assert duplicate is not None
    assert duplicate.existing_task_id is None


values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60)


@given(
    kind=st.sampled_from(sorted(FAMILY_BODIES, key=str)),
    arguments=st.dictionaries(
        st.sampled_from(
            [
                *("prompt", "task_id", "audio_id", "audio_url", "mode", "stem_name"),
                *("author", "domain_name"),
            ]
        ),
        values,
    ),
    callback_url=st.none() | st.just(CB) | st.text(max_size=20),
)
def test_body_builders_give_a_body_or_refuse(
    kind: TaskKind, arguments: dict[str, Any], callback_url: str | None
) -> None:
    """Whatever values arrive, a body of JSON strings or InvalidArgumentError.

    (Unknown keywords are a TypeError, as for any Python call.)
    """
    _, build = FAMILY_BODIES[kind]
    parameters = inspect.signature(build).parameters
    arguments = {
        name: arguments.get(name, None if p.default is p.empty else p.default)
        for name, p in parameters.items()
        if name != "callback_url"
    }
    try:
        body = family_body(kind, arguments, callback_url=callback_url)
    except InvalidArgumentError:
        return
    assert body["callBackUrl"] == CB
    assert all(isinstance(v, str) and v.strip() for v in body.values())


# --- against the simulator ------------------------------------------------------------


async def test_every_family_is_created_and_waited_for_against_the_simulator() -> None:
    """Create each family from a real song, wait with the handle alone."""
    async with (
        FakeSunoServer(scale=0.001, seed=3) as server,
        server.client(callback_url=CB, retry=FAST) as suno,
    ):
        song = await suno.generate(prompt="a calm piano piece")
        track = (await suno.wait_for_task(song)).tracks[0].id
        separation = await suno.separate_vocals(task_id=song, audio_id=track)
        handles = [
            await suno.generate_lyrics("a song about rain"),
            await suno.convert_to_wav(task_id=song, audio_id=track),
            separation,
            await suno.create_video(task_id=song, audio_id=track, author="me"),
            await suno.generate_cover_image(task_id=song),
        ]
        await suno.wait_for_task(separation)
        handles.append(await suno.generate_midi(task_id=separation))
        records = [await suno.wait_for_task(handle) for handle in handles]
    assert [r.kind for r in records] == [h.kind for h in handles]
    assert [r.task_id for r in records] == handles
    assert {r.status for r in records} == {TaskStatus.SUCCESS}


async def test_repeats_against_the_simulator() -> None:
    """The simulator's 409 (WAV) and 400 (cover) repeats name the first task."""
    async with FakeSunoServer(scale=0.001, seed=5) as server:
        async with server.client(callback_url=CB, retry=FAST) as suno:
            song = await suno.generate(prompt="x")
            track = (await suno.wait_for_task(song)).tracks[0].id
            wav = await suno.convert_to_wav(task_id=song, audio_id=track)
            cover = await suno.generate_cover_image(task_id=song)
            with pytest.raises(DuplicateTaskError) as caught:
                await suno.convert_to_wav(task_id=song, audio_id=track)
            assert caught.value.existing_task_id == wav
            again = await suno.generate_cover_image(task_id=song, reuse_existing=True)
            assert (again, again.kind) == (cover, TaskKind.COVER_IMAGE)
        assert server.task_ids("wav") == (wav,)


async def test_a_maintenance_answer_is_retried_against_the_simulator() -> None:
    """fault_next_create applies to the families' creations too."""
    async with FakeSunoServer(scale=0.001, seed=6) as server:
        server.fault_next_create(Fault.body_code(455))
        async with server.client(callback_url=CB, retry=FAST) as suno:
            handle = await suno.generate_lyrics("rain")
        assert server.task_ids("lyrics") == (handle,)
        posts = [r for r in server.requests() if r.method == "POST"]
        assert [r.code for r in posts] == [455, 200]


def test_the_url_helper_matches_the_specs() -> None:
    """Each family's create path is the one FAMILIES.md lists."""
    assert {k: URL(url(k)).path for k in FAMILY_BODIES} == {
        TaskKind.LYRICS: "/api/v1/lyrics",
        TaskKind.WAV: "/api/v1/wav/generate",
        TaskKind.VOCAL_REMOVAL: "/api/v1/vocal-removal/generate",
        TaskKind.MIDI: "/api/v1/midi/generate",
        TaskKind.VIDEO: "/api/v1/mp4/generate",
        TaskKind.COVER_IMAGE: "/api/v1/suno/cover/generate",
    }

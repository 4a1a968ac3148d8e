"""FakeSunoServer's non-music creation endpoints and synchronous calls, over HTTP.

Checks answer body code 400 (too long lyrics: the provider's length code;
a second WAV of a track: 409), with a message; nothing is charged then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async import SUNOAPI
from suno_async.testing import FakeSunoServer, Fault, Timeline, VirtualClock
from suno_async.testing._endpoints import FAMILY_PATHS

AUTH = {"Authorization": "Bearer test-key"}
CB = "https://app.example/hook"
CREDITS = 1000


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
async def server(clock: VirtualClock) -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(seed=2, clock=clock.now, credits=CREDITS) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest.fixture
def music(server: FakeSunoServer) -> tuple[str, tuple[str, ...]]:
    """A finished music task and its track ids."""
    task_id = server.add_task(timeline=Timeline.success(None, None, 0))
    return task_id, server.task(task_id).track_ids


async def post(
    http: aiohttp.ClientSession, server: FakeSunoServer, path: str, body: object
) -> Any:
    async with http.post(server.url + path, json=body) as response:
        assert response.status == 200
        return await response.json()


async def create(
    http: aiohttp.ClientSession, server: FakeSunoServer, kind: str, **body: object
) -> Any:
    return await post(http, server, FAMILY_PATHS[kind][0], {"callBackUrl": CB, **body})


def refused(code: int, msg: str, data: object = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def bodies(music: tuple[str, tuple[str, ...]]) -> dict[str, dict[str, object]]:
    """A valid request body per kind (midi's source is made by the test)."""
    task_id, tracks = music
    source = {"taskId": task_id, "audioId": tracks[0]}
    return {
        "lyrics": {"prompt": "A song about peaceful night"},
        "wav": source,
        "vocal-removal": {**source, "type": "split_stem"},
        "video": {**source, "author": "Me", "domainName": "me.example"},
        "cover-image": {"taskId": task_id},
    }


# -- making tasks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "cost"),
    [
        ("lyrics", 1),
        ("wav", 1),
        ("vocal-removal", 50),
        ("video", 1),
        ("cover-image", 1),
    ],
)
async def test_a_valid_request_makes_a_task_and_costs_credits(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
    kind: str,
    cost: int,
) -> None:
    body = await create(http, server, kind, **bodies(music)[kind])
    assert body == {
        "code": 200,
        "msg": "success",
        "data": {"taskId": body["data"]["taskId"]},
    }
    assert server.task_ids(kind) == (body["data"]["taskId"],)
    assert server.credits == CREDITS - cost
    assert server.requests()[-1].task_id == body["data"]["taskId"]


async def test_midi_transcribes_the_stem_asked_for(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    removal = server.add_task(
        kind="vocal-removal", timeline=Timeline.success(None, None, 0)
    )
    _, rest = server.task(removal).track_ids
    body = await create(http, server, "midi", taskId=removal, audioId=rest)
    task = server.task(body["data"]["taskId"], kind="midi")
    assert (task.source_task_id, task.param["audioId"]) == (removal, rest)


@pytest.mark.parametrize(
    ("kind", "body", "msg"),
    [
        ("lyrics", {}, "prompt is required"),
        ("lyrics", {"prompt": "  "}, "prompt must be a non-empty string, not '  '"),
        ("wav", {"taskId": "t"}, "audioId is required"),
        ("video", {"audioId": "a"}, "taskId is required"),
        ("midi", {}, "taskId is required"),
        ("cover-image", {"taskId": 7}, "taskId must be a non-empty string, not 7"),
        ("vocal-removal", {"taskId": "t"}, "audioId or audioUrl is required"),
        ("vocal-removal", {"audioId": "a"}, "taskId is required with audioId"),
        (
            "vocal-removal",
            {"taskId": "t", "audioId": "a", "type": "karaoke"},
            "type must be one of separate_vocal, split_stem, split_stem_advanced, "
            "not 'karaoke'",
        ),
        (
            "vocal-removal",
            {"taskId": "t", "audioId": "a", "type": "split_stem_advanced"},
            "stemName is required with type=split_stem_advanced",
        ),
        (
            "vocal-removal",
            {"audioId": "a", "audioUrl": "https://x.example/a.mp3"},
            "pass audioId or audioUrl, not both",
        ),
        (
            "vocal-removal",
            {"audioUrl": "ftp://x"},
            "audioUrl must be an http(s) URL, not 'ftp://x'",
        ),
        (
            "video",
            {"taskId": "t", "audioId": "a", "author": "x" * 51},
            "author is 51 characters long; at most 50",
        ),
    ],
)  # fmt: skip
async def test_a_missing_or_invalid_field_gets_400(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    kind: str,
    body: dict[str, object],
    msg: str,
) -> None:
    assert await create(http, server, kind, **body) == refused(400, msg)
    assert (server.task_ids(kind), server.credits) == ((), CREDITS)


async def test_every_kind_needs_a_callback_url(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    path = FAMILY_PATHS["lyrics"][0]
    missing = await post(http, server, path, {"prompt": "x"})
    wrong = await post(http, server, path, {"prompt": "x", "callBackUrl": "hook"})
    assert missing == refused(400, "callBackUrl is required")
    assert wrong == refused(400, "callBackUrl must be an http(s) URL, not 'hook'")


@pytest.mark.parametrize(("provider", "code"), [("apikley", 422), (SUNOAPI, 413)])
async def test_a_lyrics_prompt_over_200_characters_gets_the_length_code(
    http: aiohttp.ClientSession, provider: object, code: int
) -> None:
    async with FakeSunoServer(provider=provider) as server:  # type: ignore[arg-type]
        body = await create(http, server, "lyrics", prompt="x" * 201)
        assert await create(http, server, "lyrics", prompt="x" * 200) != body
    assert body == refused(code, "prompt is 201 characters long; at most 200")


async def test_vocal_removal_takes_an_uploaded_file_instead_of_a_track(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    body = await create(
        http, server, "vocal-removal", audioUrl="https://x.example/a.mp3"
    )
    task = server.task(body["data"]["taskId"])
    assert (task.kind, task.source_task_id, server.credits) == (
        "vocal-removal",
        None,
        CREDITS - 10,
    )


# -- sources -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["wav", "video", "vocal-removal", "cover-image"])
async def test_an_unknown_source_task_gets_400(
    server: FakeSunoServer, http: aiohttp.ClientSession, kind: str
) -> None:
    body = await create(http, server, kind, taskId="nope", audioId="a")
    assert body == refused(400, "Task not found: nope is not a music task")


async def test_a_track_of_another_task_gets_400(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
) -> None:
    body = await create(http, server, "wav", taskId=music[0], audioId="other")
    assert body == refused(400, f"audioId other is not a track of task {music[0]}")


async def test_a_second_wav_of_a_track_gets_409_naming_the_first(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
) -> None:
    first = await create(http, server, "wav", taskId=music[0], audioId=music[1][0])
    again = await create(http, server, "wav", taskId=music[0], audioId=music[1][0])
    other = await create(http, server, "wav", taskId=music[0], audioId=music[1][1])
    assert again == refused(409, "WAV record already exists", first["data"])
    assert (other["code"], server.credits) == (200, CREDITS - 2)


async def test_a_second_cover_of_a_task_gets_400_naming_the_first(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
) -> None:
    first = (await create(http, server, "cover-image", taskId=music[0]))["data"]
    again = await create(http, server, "cover-image", taskId=music[0])
    msg = f"A cover was already generated for this task: {first['taskId']}"
    assert again == refused(400, msg, first)


async def test_a_cover_needs_a_finished_music_task(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    running = server.add_task(timeline=Timeline.success(5, 25, 90))
    body = await create(http, server, "cover-image", taskId=running)
    assert body == refused(400, f"Task {running} is not complete yet")


async def test_midi_needs_a_finished_vocal_removal_and_one_of_its_stems(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
) -> None:
    running = server.add_task(
        kind="vocal-removal", timeline=Timeline.success(None, None, 9)
    )
    done = server.add_task(
        kind="vocal-removal", timeline=Timeline.success(None, None, 0)
    )
    answers = [
        await create(http, server, "midi", taskId=music[0]),
        await create(http, server, "midi", taskId=running),
        await create(http, server, "midi", taskId=done, audioId=music[1][0]),
    ]
    assert answers == [
        refused(400, f"Task not found: {music[0]} is not a vocal-removal task"),
        refused(400, f"Vocal-removal task {running} is not complete yet"),
        refused(400, f"audioId {music[1][0]} is not a stem of task {done}"),
    ]


# -- account, auth, faults, scripts -------------------------------------------------


async def test_without_enough_credits_the_providers_code(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    music: tuple[str, tuple[str, ...]],
) -> None:
    server.credits = 49
    body = await create(http, server, "vocal-removal", **bodies(music)["vocal-removal"])
    assert (body["code"], server.credits, server.task_ids("vocal-removal")) == (
        402,
        49,
        (),
    )


async def test_a_wrong_key_gets_401(server: FakeSunoServer) -> None:
    async with aiohttp.ClientSession() as anonymous:
        body = await create(anonymous, server, "lyrics", prompt="x")
    assert (body["code"], server.task_ids("lyrics")) == (401, ())


async def test_a_body_that_is_not_json_gets_400(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(server.url + FAMILY_PATHS["wav"][0], data=b"{") as response:
        body = await response.json()
    assert body == refused(400, "Invalid JSON in the request body")
    assert await post(http, server, FAMILY_PATHS["wav"][0], [1]) == refused(
        400, "The request body must be a JSON object"
    )


async def test_scripted_creation_faults_apply_to_family_creations(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    server.fault_next_create(Fault.body_code(455), None)
    codes = [
        (await create(http, server, "lyrics", prompt="x"))["code"] for _ in range(2)
    ]
    assert (codes, len(server.task_ids("lyrics"))) == ([455, 200], 1)


async def test_a_queued_timeline_plays_for_the_next_task_of_its_kind(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    timeline = Timeline.failure("GENERATE_LYRICS_FAILED", 3)
    server.queue_task(timeline, kind="lyrics", faults=[Fault.body_code(500)])
    task_id = (await create(http, server, "lyrics", prompt="x"))["data"]["taskId"]
    assert server.task(task_id).timeline == timeline
    async with http.get(
        server.url + FAMILY_PATHS["lyrics"][1], params={"taskId": task_id}
    ) as response:
        assert (await response.json())["code"] == 500

"""FakeSunoServer's synchronous calls: timestamped lyrics, boost style, persona."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async.testing import FakeSunoServer, Timeline, TrackSpec, VirtualClock

AUTH = {"Authorization": "Bearer test-key"}
LYRICS = "/api/v1/generate/get-timestamped-lyrics"
STYLE = "/api/v1/style/generate"
PERSONA = "/api/v1/generate/generate-persona"
WINDOW = "vocalEnd - vocalStart must be 10 to 30 seconds, in 0.01 s steps"
SONG = (TrackSpec(lyrics="[Verse]\nHello rain", duration_s=100.0), TrackSpec())


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
async def server(clock: VirtualClock) -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(
        seed=4, clock=clock.now, start_epoch_s=1_776_340_072.0, credits=10
    ) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest.fixture
def song(server: FakeSunoServer) -> tuple[str, tuple[str, ...]]:
    """A finished music task: a sung track, then an instrumental."""
    task_id = server.add_task(timeline=Timeline.success(None, None, 0, tracks=SONG))
    return task_id, server.task(task_id).track_ids


async def call(
    http: aiohttp.ClientSession, server: FakeSunoServer, path: str, **body: object
) -> Any:
    async with http.post(server.url + path, json=body) as response:
        assert response.status == 200
        return await response.json()


def refused(code: int, msg: str, data: object = None) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


async def test_timestamped_lyrics_align_each_sung_word(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    song: tuple[str, tuple[str, ...]],
) -> None:
    """A section tag joins the next word; words spread over the track."""
    body = await call(http, server, LYRICS, taskId=song[0], audioId=song[1][0])
    data = body["data"]
    word = {"success": True, "palign": 0}
    assert (body["code"], data["alignedWords"]) == (
        200,
        [
            {"word": "[Verse]\nHello", "startS": 5.0, "endS": 39.0, **word},
            {"word": "rain", "startS": 47.5, "endS": 81.5, **word},
        ],
    )
    assert (len(data["waveformData"]), data["isStreamed"]) == (100, False)
    assert all(0 <= x <= 1 for x in data["waveformData"])
    assert 0 < data["hootCer"] < 1


async def test_an_instrumental_has_no_aligned_words(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    song: tuple[str, tuple[str, ...]],
) -> None:
    body = await call(http, server, LYRICS, taskId=song[0], audioId=song[1][1])
    assert body["data"]["alignedWords"] == []


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"taskId": "t"}, "audioId is required (a non-empty string)"),
        (
            {"taskId": "nope", "audioId": "a"},
            "Task not found: nope is not a music task",
        ),
        ({"audioId": "a"}, "audioId a is not a track of task {}"),
    ],
)
async def test_timestamped_lyrics_need_a_known_track(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    song: tuple[str, tuple[str, ...]],
    body: dict[str, object],
    msg: str,
) -> None:
    ask = {"taskId": song[0], **body}
    assert await call(http, server, LYRICS, **ask) == refused(400, msg.format(song[0]))


async def test_boost_style_answers_at_once_and_charges(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    body = await call(http, server, STYLE, content=" dreamy jazz ")
    assert body == {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": body["data"]["taskId"],
            "param": "dreamy jazz",
            "result": "dreamy jazz, polished production, warm analog tone, wide mix",
            "creditsConsumed": 1,
            "creditsRemaining": 9,
            "successFlag": "1",
            "errorCode": None,
            "errorMessage": None,
            "createTime": "2026-04-16 11:47:52",
        },
    }
    assert server.credits == 9


async def test_boost_style_needs_content_and_credits(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    missing = await call(http, server, STYLE)
    server.credits = 0
    broke = await call(http, server, STYLE, content="jazz")
    assert missing == refused(400, "content is required (a non-empty string)")
    assert broke["code"] == 402


async def test_a_persona_is_made_once_per_track(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    song: tuple[str, tuple[str, ...]],
) -> None:
    ask = {
        "taskId": song[0],
        "audioId": song[1][0],
        "name": "Rae",
        "description": "soft",
    }
    first = await call(http, server, PERSONA, **ask, vocalStart=5, vocalEnd=25.5)
    again = await call(http, server, PERSONA, **ask)
    persona_id = first["data"]["personaId"]
    assert first == {
        "code": 200,
        "msg": "success",
        "data": {"personaId": persona_id, "name": "Rae", "description": "soft"},
    }
    message = f"This track already has a persona: {persona_id}"
    assert again == refused(409, message, {"personaId": persona_id})


@pytest.mark.parametrize(
    ("window", "msg"),
    [
        ({"vocalStart": 0, "vocalEnd": 9.99}, WINDOW),
        ({"vocalStart": 10, "vocalEnd": 40.01}, WINDOW),
        ({"vocalEnd": 20.005}, WINDOW),
        ({"vocalStart": -1}, "vocalStart must be a number of seconds >= 0"),
        ({"vocalEnd": "30"}, "vocalEnd must be a number of seconds"),
    ],
)
async def test_a_persona_window_is_10_to_30_seconds(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    song: tuple[str, tuple[str, ...]],
    window: dict[str, object],
    msg: str,
) -> None:
    ask = {"taskId": song[0], "audioId": song[1][0], "name": "R", "description": "d"}
    assert await call(http, server, PERSONA, **ask, **window) == refused(400, msg)


@pytest.mark.parametrize(
    ("timeline", "msg"),
    [
        (Timeline.success(5, 25, 90), "Task {} is not complete yet"),
        (None, "Task not found: {} is not a music task"),
        (
            Timeline(steps=[(0, "SUCCESS")], model="V3_5"),
            "Personas need a model newer than V3_5",
        ),
    ],
)
async def test_a_persona_needs_a_finished_task_of_a_recent_model(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    timeline: Timeline | None,
    msg: str,
) -> None:
    task_id = "nope" if timeline is None else server.add_task(timeline=timeline)
    track = "a" if timeline is None else server.task(task_id).track_ids[0]
    ask = {"taskId": task_id, "audioId": track, "name": "R", "description": "d"}
    body = await call(http, server, PERSONA, **ask)
    assert body == refused(400, msg.format(task_id))


async def test_a_sync_call_needs_the_key_and_a_json_object(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    async with aiohttp.ClientSession() as anonymous:
        unauthorized = await call(anonymous, server, STYLE, content="x")
    async with http.post(server.url + STYLE, json=[1]) as response:
        not_object = await response.json()
    async with http.post(server.url + STYLE, data=b"{") as response:
        not_json = await response.json()
    assert (unauthorized["code"], server.credits) == (401, 10)
    assert not_object == refused(400, "The request body must be a JSON object")
    assert not_json == refused(400, "Invalid JSON in the request body")

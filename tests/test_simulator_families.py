"""FakeSunoServer's non-music families: each record-info shape, step by step.

Plain aiohttp against the server on a virtual clock (``clock.advance`` moves
task time), asserting the exact bodies of FAMILIES.md.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async.testing import FakeSunoServer, Timeline, TrackSpec, VirtualClock
from suno_async.testing._endpoints import FAMILY_PATHS

EPOCH_S = 1_776_340_072.0
MS = 1_776_340_072_000
PLAIN = "2026-04-16 11:47:52"
AUTH = {"Authorization": "Bearer test-key"}
CB = "https://app.example/hook"
STEM_URL_KEYS = [
    "instrumentalUrl",
    "vocalUrl",
    "backingVocalsUrl",
    "drumsUrl",
    "bassUrl",
    "guitarUrl",
    "keyboardUrl",
    "percussionUrl",
    "stringsUrl",
    "synthUrl",
    "fxUrl",
    "brassUrl",
    "woodwindsUrl",
]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
async def server(clock: VirtualClock) -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(seed=1, clock=clock.now, start_epoch_s=EPOCH_S) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


async def record(
    http: aiohttp.ClientSession, server: FakeSunoServer, kind: str, task_id: str
) -> Any:
    url = server.url + FAMILY_PATHS[kind][1]
    async with http.get(url, params={"taskId": task_id}) as response:
        assert response.status == 200
        return json.loads(await response.read())


def done_music(server: FakeSunoServer) -> tuple[str, tuple[str, ...]]:
    """A finished music task and its track ids."""
    task_id = server.add_task(timeline=Timeline.success(None, None, 0))
    return task_id, server.task(task_id).track_ids


def ok(data: Any) -> dict[str, Any]:
    return {"code": 200, "msg": "success", "data": data}


QUICK = Timeline.success(None, None, 10)


# -- shapes ----------------------------------------------------------------------


async def test_lyrics_are_null_while_pending_then_list_each_variant(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """status PENDING with response null, then SUCCESS with the variants."""
    variants = (
        TrackSpec(title="Night", lyrics="[Verse]\nHush"),
        TrackSpec(title="Day"),
    )
    timeline = Timeline.success(None, None, 10, tracks=variants)
    param = {"callBackUrl": CB, "prompt": "night"}
    task_id = server.add_task(kind="lyrics", timeline=timeline, param=param)
    base = {
        "taskId": task_id,
        "param": '{"callBackUrl":"https://app.example/hook","prompt":"night"}',
        "type": "LYRICS",
        "errorCode": None,
        "errorMessage": None,
    }
    assert await record(http, server, "lyrics", task_id) == ok(
        {**base, "response": None, "status": "PENDING"}
    )
    clock.advance(10)
    texts = [("[Verse]\nHush", "Night"), ("[Instrumental]", "Day")]
    response = {
        "taskId": task_id,
        "data": [
            {"text": t, "title": n, "status": "complete", "errorMessage": ""}
            for t, n in texts
        ],
    }
    assert await record(http, server, "lyrics", task_id) == ok(
        {**base, "response": response, "status": "SUCCESS"}
    )


async def test_wav_names_its_track_and_plain_times(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    music, tracks = done_music(server)
    param = {"taskId": music, "audioId": tracks[1], "callBackUrl": CB}
    task_id = server.add_task(kind="wav", timeline=QUICK, param=param)
    base = {
        "taskId": task_id,
        "musicId": tracks[1],
        "callbackUrl": CB,
        "musicIndex": 1,
        "createTime": PLAIN,
        "errorCode": None,
        "errorMessage": None,
    }
    pending = {**base, "completeTime": None, "response": None, "successFlag": "PENDING"}
    assert await record(http, server, "wav", task_id) == ok(pending)
    clock.advance(10)
    (wav_id,) = server.task(task_id).track_ids
    done = {
        **base,
        "completeTime": "2026-04-16 11:48:02",
        "response": {"audioWavUrl": f"{server.url}/files/wav/{wav_id}.wav"},
        "successFlag": "SUCCESS",
    }
    assert await record(http, server, "wav", task_id) == ok(done)


async def test_separate_vocal_gives_vocals_and_instrumental_only(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    music, tracks = done_music(server)
    param = {"taskId": music, "audioId": tracks[0], "callBackUrl": CB}
    task_id = server.add_task(kind="vocal-removal", timeline=QUICK, param=param)
    clock.advance(10)
    vocals, rest = server.task(task_id).track_ids
    stems = f"{server.url}/files/stems"
    urls = dict.fromkeys(STEM_URL_KEYS)
    urls |= {
        "vocalUrl": f"{stems}/{vocals}_Vocals.mp3",
        "instrumentalUrl": f"{stems}/{rest}_Instrumental.mp3",
    }
    origin = [
        {
            "duration": 198.44,
            "audio_url": f"{stems}/{vocals}_Vocals.mp3",
            "stem_type_group_name": "Vocals",
            "id": vocals,
        },
        {
            "duration": 198.44,
            "audio_url": f"{stems}/{rest}_Instrumental.mp3",
            "stem_type_group_name": "Instrumental",
            "id": rest,
        },
    ]
    assert await record(http, server, "vocal-removal", task_id) == ok(
        {
            "taskId": task_id,
            "musicId": tracks[0],
            "callbackUrl": CB,
            "musicIndex": 0,
            "completeTime": MS + 10_000,
            "response": {"id": None, "originUrl": None, "originData": origin, **urls},
            "successFlag": "SUCCESS",
            "createTime": MS,
            "errorCode": None,
            "errorMessage": None,
        }
    )


async def test_split_stem_gives_twelve_stems_and_no_instrumental(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    param = {"callBackUrl": CB, "type": "split_stem"}
    task_id = server.add_task(kind="vocal-removal", timeline=QUICK, param=param)
    clock.advance(10)
    response = (await record(http, server, "vocal-removal", task_id))["data"][
        "response"
    ]
    made = [key for key in STEM_URL_KEYS if response[key] is not None]
    assert made == STEM_URL_KEYS[1:]
    assert [o["stem_type_group_name"] for o in response["originData"]] == [
        "Vocals",
        "Backing Vocals",
        "Drums",
        "Bass",
        "Guitar",
        "Keyboard",
        "Percussion",
        "Strings",
        "Synth",
        "FX",
        "Brass",
        "Woodwinds",
    ]


async def test_midi_has_int_flags_and_top_level_midi_data(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """0 and midiData null while pending; 1 and the chosen stem's notes when done."""
    removal = server.add_task(
        kind="vocal-removal", timeline=Timeline.success(None, None, 0)
    )
    vocals, _ = server.task(removal).track_ids
    param = {"taskId": removal, "audioId": vocals, "callBackUrl": CB}
    task_id = server.add_task(kind="midi", timeline=QUICK, param=param)
    base = {
        "taskId": task_id,
        "recordTaskId": -1,
        "audioId": vocals,
        "callbackUrl": CB,
        "createTime": MS,
        "errorCode": None,
        "errorMessage": None,
    }
    pending = {**base, "completeTime": None, "midiData": None, "successFlag": 0}
    assert await record(http, server, "midi", task_id) == ok(pending)
    clock.advance(10)
    data = (await record(http, server, "midi", task_id))["data"]
    midi = data.pop("midiData")
    assert data == {**base, "completeTime": MS + 10_000, "successFlag": 1}
    assert midi["state"] == "complete"
    assert [i["name"] for i in midi["instruments"]] == ["Vocals"]
    notes = midi["instruments"][0]["notes"]
    assert all(set(n) == {"pitch", "start", "end", "velocity"} for n in notes)
    assert all(0 <= n["start"] < n["end"] and 0 < n["velocity"] <= 1 for n in notes)


async def test_video_gives_an_mp4_url(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    music, tracks = done_music(server)
    param = {"taskId": music, "audioId": tracks[0], "callBackUrl": CB}
    task_id = server.add_task(kind="video", timeline=QUICK, param=param)
    clock.advance(10)
    (video_id,) = server.task(task_id).track_ids
    data = (await record(http, server, "video", task_id))["data"]
    assert data["response"] == {"videoUrl": f"{server.url}/files/video/{video_id}.mp4"}
    assert (data["successFlag"], data["musicId"], data["musicIndex"]) == (
        "SUCCESS",
        tracks[0],
        0,
    )


async def test_a_cover_goes_pending_generating_success_with_iso_times(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    music, _ = done_music(server)
    timeline = Timeline(steps=[(0, "PENDING"), (5, "GENERATING"), (10, "SUCCESS")])
    param = {"taskId": music, "callBackUrl": CB}
    task_id = server.add_task(kind="cover-image", timeline=timeline, param=param)
    base = {
        "taskId": task_id,
        "parentTaskId": music,
        "callbackUrl": CB,
        "createTime": "2026-04-16T11:47:52.000Z",
    }
    waiting = {**base, "completeTime": None, "response": None}
    waiting |= {"errorCode": None, "errorMessage": None}
    assert await record(http, server, "cover-image", task_id) == ok(
        {**waiting, "successFlag": 0}
    )
    clock.advance(5)
    assert await record(http, server, "cover-image", task_id) == ok(
        {**waiting, "successFlag": 2}
    )
    clock.advance(5)
    images = [
        f"{server.url}/files/cover-image/{i}.png"
        for i in server.task(task_id).track_ids
    ]
    assert await record(http, server, "cover-image", task_id) == ok(
        {
            **base,
            "completeTime": "2026-04-16T11:48:02.000Z",
            "response": {"images": images},
            "successFlag": 1,
            "errorCode": 200,
            "errorMessage": "",
        }
    )


@pytest.mark.parametrize(
    ("stem", "keys"),
    [("drums", ["instrumentalUrl", "drumsUrl"]), ("Kazoo", ["instrumentalUrl"])],
)
async def test_an_advanced_split_gives_the_stem_asked_for_and_the_rest(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    stem: str,
    keys: list[str],
) -> None:
    """Undocumented on the wire: our guess, the stem and the instrumental rest."""
    param = {"callBackUrl": CB, "type": "split_stem_advanced", "stemName": stem}
    task_id = server.add_task(kind="vocal-removal", timeline=QUICK, param=param)
    clock.advance(10)
    response = (await record(http, server, "vocal-removal", task_id))["data"][
        "response"
    ]
    assert [key for key in STEM_URL_KEYS if response[key] is not None] == keys
    groups = [o["stem_type_group_name"] for o in response["originData"]]
    assert groups == [stem, "Instrumental"]


@pytest.mark.parametrize(
    ("kind", "sent"), [("wav", "PENDING"), ("cover-image", 2), ("midi", 0)]
)
async def test_music_milestones_count_as_running_in_other_families(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    kind: str,
    sent: object,
) -> None:
    task_id = server.add_task(kind=kind, timeline=Timeline.success(5, 25, 90))
    clock.advance(25)
    assert (await record(http, server, kind, task_id))["data"]["successFlag"] == sent

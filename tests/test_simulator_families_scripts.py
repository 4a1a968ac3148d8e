"""FakeSunoServer's non-music families: unknown ids, failures, wire variants, faults,
the per-task limit, downloads, timelines and inspection.

Plain aiohttp against the server on a virtual clock (``clock.advance`` moves
task time), asserting the exact bodies of FAMILIES.md.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async.testing import FakeSunoServer, Fault, Timeline, VirtualClock
from suno_async.testing._endpoints import FAMILY_PATHS
from suno_async.testing._timeline import FAILURE_DEFAULTS, KIND_SECONDS, SPLIT_STEM_S

EPOCH_S = 1_776_340_072.0
AUTH = {"Authorization": "Bearer test-key"}
CB = "https://app.example/hook"


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


def ok(data: Any) -> dict[str, Any]:
    return {"code": 200, "msg": "success", "data": data}


QUICK = Timeline.success(None, None, 10)


# -- unknown ids, failures, variants ---------------------------------------------------


@pytest.mark.parametrize("kind", list(FAMILY_PATHS))
async def test_an_unknown_id_gets_data_null(
    server: FakeSunoServer, http: aiohttp.ClientSession, kind: str
) -> None:
    assert await record(http, server, kind, "f" * 32) == ok(None)


async def test_another_kinds_id_gets_data_null(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """A wav id asked at the mp4 endpoint is unknown there."""
    task_id = server.add_task(kind="wav")
    assert await record(http, server, "video", task_id) == ok(None)


async def test_a_young_task_gets_data_null_until_its_record_exists(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    task_id = server.add_task(kind="wav", timeline=QUICK.not_found_for(3))
    assert await record(http, server, "wav", task_id) == ok(None)
    clock.advance(3)
    assert (await record(http, server, "wav", task_id))["data"][
        "successFlag"
    ] == "PENDING"


async def test_a_missing_task_id_gets_422(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(server.url + FAMILY_PATHS["midi"][1]) as response:
        body = await response.json()
    assert body == {"code": 422, "msg": "taskId is required", "data": None}


@pytest.mark.parametrize(
    ("kind", "status", "sent", "code", "named"),
    [
        ("lyrics", "GENERATE_LYRICS_FAILED", "GENERATE_LYRICS_FAILED", 500, None),
        ("lyrics", "SENSITIVE_WORD_ERROR", "SENSITIVE_WORD_ERROR", 400, None),
        ("wav", "GENERATE_WAV_FAILED", "GENERATE_WAV_FAILED", 500, None),
        ("wav", "CREATE_TASK_FAILED", "CREATE_TASK_FAILED", 400, None),
        ("vocal-removal", "CALLBACK_EXCEPTION", "CALLBACK_EXCEPTION", 500, None),
        ("video", "GENERATE_MP4_FAILED", "GENERATE_MP4_FAILED", 500, None),
        ("midi", "2", 2, "400", "CREATE_TASK_FAILED"),
        ("midi", "GENERATE_MIDI_FAILED", 3, "500", None),
        ("cover-image", "GENERATE_COVER_FAILED", 3, 500, None),
    ],
)
async def test_each_documented_failure_is_scriptable(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    kind: str,
    status: str,
    sent: object,
    code: object,
    named: str | None,
) -> None:
    """The failure value, errorCode and errorMessage (midi: a string code), no result.

    midi's ``"2"`` is scripted as its digit; its message is CREATE_TASK_FAILED's.
    """
    task_id = server.add_task(kind=kind, timeline=Timeline.failure(status, 5))
    clock.advance(5)
    data = (await record(http, server, kind, task_id))["data"]
    field = "status" if kind == "lyrics" else "successFlag"
    result = "midiData" if kind == "midi" else "response"
    message = FAILURE_DEFAULTS[named or status][1]
    assert (data[field], data["errorCode"], data["errorMessage"], data[result]) == (
        sent,
        code,
        message,
        None,
    )


@pytest.mark.parametrize(
    ("variant", "kind", "at_s", "sent"),
    [
        ("names", "cover-image", 0, "PENDING"),
        ("names", "cover-image", 5, "PENDING"),  # generating has no name
        ("names", "cover-image", 10, "SUCCESS"),
        ("names", "midi", 10, 1),  # only cover-image documents names
        ("digits", "cover-image", 5, "2"),
        ("digits", "midi", 10, "1"),
        ("kie-text", "wav", 0, "PENDING-Waiting for execution"),
        ("kie-text", "video", 10, "SUCCESS-Success"),
        ("kie-text", "cover-image", 10, 1),
    ],
)
async def test_a_wire_variant_changes_the_status_encoding(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    variant: str,
    kind: str,
    at_s: float,
    sent: object,
) -> None:
    timeline = Timeline(steps=[(0, "PENDING"), (5, "GENERATING"), (10, "SUCCESS")])
    task_id = server.add_task(kind=kind, timeline=timeline, wire_variant=variant)
    clock.advance(at_s)
    assert (await record(http, server, kind, task_id))["data"]["successFlag"] == sent


async def test_the_servers_wire_variant_applies_to_every_task(
    clock: VirtualClock, http: aiohttp.ClientSession
) -> None:
    async with FakeSunoServer(clock=clock.now, wire_variant="kie-text") as server:
        task_id = server.add_task(kind="lyrics", timeline=QUICK)
        data = (await record(http, server, "lyrics", task_id))["data"]
    assert data["status"] == "PENDING-Waiting for execution"


def test_unknown_kinds_and_variants_are_refused() -> None:
    server = FakeSunoServer()
    with pytest.raises(ValueError, match="unknown task kind 'karaoke'"):
        server.add_task(kind="karaoke")
    with pytest.raises(ValueError, match="unknown wire variant 'loud'"):
        server.add_task(kind="wav", wire_variant="loud")
    with pytest.raises(ValueError, match="unknown wire variant 'loud'"):
        FakeSunoServer(wire_variant="loud")


# -- accounting and faults -------------------------------------------------------------


async def test_the_per_task_limit_counts_family_record_info(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """A 4th request for one task in the same second gets the limit code."""
    task_id = server.add_task(kind="cover-image")
    codes = [
        (await record(http, server, "cover-image", task_id))["code"] for _ in range(4)
    ]
    assert (codes, server.limit_violations) == ([200, 200, 200, 429], 1)
    assert [r.violation for r in server.requests(task_id)] == [False] * 3 + [True]


async def test_scripted_faults_answer_a_family_tasks_requests_in_order(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    faults = [Fault.body_code(455), Fault.status("QUEUED"), None]
    task_id = server.add_task(kind="video", timeline=QUICK, faults=faults)
    bodies = []
    for _ in range(3):
        clock.advance(1)
        bodies.append(await record(http, server, "video", task_id))
    assert bodies[0]["code"] == 455
    assert [b["data"]["successFlag"] for b in bodies[1:]] == ["QUEUED", "PENDING"]


async def test_a_regress_fault_shows_the_earlier_step(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    task_id = server.add_task(kind="midi", timeline=QUICK, faults=[Fault.regress()])
    clock.advance(10)
    first = (await record(http, server, "midi", task_id))["data"]
    second = (await record(http, server, "midi", task_id))["data"]
    assert (first["successFlag"], second["successFlag"]) == (0, 1)


async def test_a_fault_rate_reaches_family_record_info(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    server.fault_rate(Fault.body_code(500), 1.0)
    task_id = server.add_task(kind="lyrics")
    assert (await record(http, server, "lyrics", task_id))["code"] == 500


async def test_the_log_shows_each_record_request_and_its_status(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    task_id = server.add_task(kind="midi", timeline=QUICK)
    await record(http, server, "midi", task_id)
    clock.advance(10)
    await record(http, server, "midi", task_id)
    logged = [(r.path, r.code, r.status) for r in server.requests(task_id)]
    path = "/api/v1/midi/record-info"
    assert logged == [(path, 200, "0"), (path, 200, "1")]


@pytest.mark.parametrize(
    ("kind", "key", "content_type", "head"),
    [
        ("wav", "audioWavUrl", "audio/wav", b"RIFF"),
        ("video", "videoUrl", "video/mp4", b"\x00\x00\x00\x18ftyp"),
        ("vocal-removal", "vocalUrl", "audio/mpeg", b"ID3"),
    ],
)
async def test_result_files_download_with_their_type(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    kind: str,
    key: str,
    content_type: str,
    head: bytes,
) -> None:
    task_id = server.add_task(kind=kind, timeline=QUICK)
    clock.advance(10)
    url = (await record(http, server, kind, task_id))["data"]["response"][key]
    async with aiohttp.ClientSession() as cdn, cdn.get(url) as response:
        assert (response.status, response.content_type) == (200, content_type)
        assert (await response.read()).startswith(head)


async def test_cover_images_download_as_png(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    task_id = server.add_task(kind="cover-image", timeline=QUICK)
    clock.advance(10)
    urls = (await record(http, server, "cover-image", task_id))["data"]["response"][
        "images"
    ]
    async with aiohttp.ClientSession() as cdn:
        for url in urls:
            async with cdn.get(url) as response:
                assert (response.content_type, (await response.read())[:4]) == (
                    "image/png",
                    b"\x89PNG",
                )


# -- timelines and inspection ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(KIND_SECONDS))
def test_realistic_family_timelines_end_in_their_range(kind: str) -> None:
    """PENDING to SUCCESS in range (cover: GENERATING on the way); seeded."""
    low, high = KIND_SECONDS[kind]
    for seed in range(20):
        timeline = Timeline.realistic(random.Random(seed), kind=kind)
        assert timeline == Timeline.realistic(seed, kind=kind)
        statuses = [s.status for s in timeline.steps]
        running = ["GENERATING"] if kind == "cover-image" else []
        assert statuses == ["PENDING", *running, "SUCCESS"]
        assert low <= timeline.end_s <= high


def test_realistic_lyrics_make_two_or_three_variants_and_stems_take_longer() -> None:
    counts = {len(Timeline.realistic(s, kind="lyrics").tracks) for s in range(30)}
    ends = [
        Timeline.realistic(s, kind="vocal-removal", separation="split_stem").end_s
        for s in range(20)
    ]
    assert counts == {2, 3}
    assert all(SPLIT_STEM_S[0] <= end <= SPLIT_STEM_S[1] for end in ends)


def test_tasks_are_listed_and_found_per_kind() -> None:
    server = FakeSunoServer(seed=3)
    music = server.add_task()
    wav = server.add_task(kind="wav", param={"callBackUrl": CB, "taskId": music})
    assert (server.task_ids(), server.task_ids("wav"), server.task_ids("midi")) == (
        (music,),
        (wav,),
        (),
    )
    snapshot = server.task(wav)
    assert (snapshot.kind, snapshot.operation_type, snapshot.source_task_id) == (
        "wav",
        "wav",
        music,
    )
    assert (snapshot.status, server.task(wav, kind="wav") == snapshot) == (
        "PENDING",
        True,
    )
    assert server.task(music).kind == "music"
    assert server.add_task("my-id", kind="lyrics") == "my-id"
    with pytest.raises(KeyError):
        server.task(wav, kind="music")

"""FakeSunoServer on the wire: shapes, scripts, faults and accounting, over real HTTP.

These tests speak plain aiohttp and assert the exact bodies, so they hold
whatever the SDK does; ``test_simulator_sdk``-style round trips through
``SunoClient`` are at the end of this module.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import attrs
import pytest

from suno_async import (
    KIE,
    SUNOAPI,
    AuthenticationError,
    DecodeError,
    InsufficientCreditsError,
    InvalidRequestError,
    MediaFetchError,
    NotFoundError,
    PollPolicy,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    SunoError,
    TaskStatus,
    TransportError,
)
from suno_async.testing import (
    FakeSunoServer,
    Fault,
    LoggedRequest,
    ScaledClock,
    SimulatedTask,
    Step,
    Timeline,
    TrackSpec,
    VirtualClock,
)
from suno_async.testing.__main__ import main, parse_args, serve
from suno_async.testing._log import SlidingWindow
from suno_async.testing._task import track_id
from suno_async.testing._wire import credits_code

RECORD_INFO = "/api/v1/generate/record-info"
EPOCH_S = 1_776_340_072.0
CREATED_MS = 1_776_340_072_000
TASK = "09c0edbd9dc50df9b6174a7b240bbcba"
TRACK_0 = "3900e58f-9522-5dbd-a4dd-2fd4ab5c44e5"
TRACK_1 = "8671fe58-7d4a-581d-bd3d-1da6fff859d7"
AUTH = {"Authorization": "Bearer test-key"}
PARAM = (
    '{"callBackUrl":"https://example.com/suno-callback","customMode":false,'
    '"instrumental":true,"model":"V4_5","prompt":"A calm piano piece"}'
)


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


async def get_json(
    http: aiohttp.ClientSession, url: str, **params: str
) -> tuple[int, Any]:
    async with http.get(url, params=params) as response:
        return response.status, json.loads(await response.read())


async def record(
    http: aiohttp.ClientSession, server: FakeSunoServer, task_id: str
) -> Any:
    status, body = await get_json(http, server.url + RECORD_INFO, taskId=task_id)
    assert status == 200
    return body


def data(status: str, response: Any = None, **changes: Any) -> dict[str, Any]:
    """The record-info ``data`` of TASK (default timeline fields) at ``status``."""
    return {
        "taskId": TASK,
        "parentMusicId": "",
        "param": PARAM,
        "response": response,
        "status": status,
        "type": "chirp-auk",
        "operationType": "generate",
        "errorCode": None,
        "errorMessage": None,
        "createTime": CREATED_MS,
        **changes,
    }


def track(url: str, tid: str, *, complete: bool, duration: float) -> dict[str, Any]:
    return {
        "id": tid,
        "audioUrl": f"{url}/files/{tid}.mp3" if complete else "",
        "sourceAudioUrl": f"{url}/files/source/{tid}.mp3" if complete else "",
        "streamAudioUrl": f"{url}/files/stream/{tid}",
        "sourceStreamAudioUrl": (
            f"{url}/files/source/{tid}.mp3" if complete else f"{url}/files/pipe/{tid}"
        ),
        "imageUrl": f"{url}/files/{tid}.jpeg",
        "sourceImageUrl": f"{url}/files/source/image_{tid}.jpeg",
        "prompt": "[Instrumental]",
        "modelName": "chirp-auk",
        "title": "Rainy Memories",
        "tags": "classical, piano, calm",
        "createTime": CREATED_MS + 5000,
        "duration": duration if complete else None,
    }


def tracks(url: str, *complete: bool) -> dict[str, Any]:
    return {
        "taskId": TASK,
        "sunoData": [
            track(url, TRACK_0, complete=complete[0], duration=198.44),
            track(url, TRACK_1, complete=complete[1], duration=201.1),
        ],
    }


# --- record-info shapes ------------------------------------------------------------


async def test_pending_record_is_sent_byte_for_byte_like_the_service(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """PENDING: compact camelCase JSON, ``param`` a string, null ``response``."""
    server.add_task(TASK, Timeline.success(5, 25, 90))
    async with http.get(server.url + RECORD_INFO, params={"taskId": TASK}) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.read()
    expected = {"code": 200, "msg": "success", "data": data("PENDING")}
    assert body == json.dumps(expected, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("after_s", "status", "complete"),
    [
        pytest.param(5.0, "TEXT_SUCCESS", (False, False), id="text-streams-only"),
        pytest.param(25.0, "FIRST_SUCCESS", (True, False), id="first-track-final"),
        pytest.param(90.0, "SUCCESS", (True, True), id="all-final"),
    ],
)
async def test_tracks_stream_first_then_become_final(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    clock: VirtualClock,
    after_s: float,
    status: str,
    complete: tuple[bool, bool],
) -> None:
    """Stream URLs from TEXT_SUCCESS on; audio URL and duration once final."""
    server.add_task(TASK, Timeline.success(5, 25, 90))
    clock.advance(after_s)
    body = await record(http, server, TASK)
    expected = data(status, tracks(server.url, *complete))
    assert body == {"code": 200, "msg": "success", "data": expected}


async def test_statuses_follow_the_timeline_in_order(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """Each step holds from its offset until the next one."""
    server.add_task(TASK, Timeline.success(5, 25, 90))
    seen = []
    for at_s in (0.0, 4.5, 5.0, 24.0, 25.0, 89.0, 90.0, 500.0):
        clock.advance(at_s - (clock.now() - 1000.0))
        seen.append((await record(http, server, TASK))["data"]["status"])
    assert seen == [
        "PENDING",
        "PENDING",
        "TEXT_SUCCESS",
        "TEXT_SUCCESS",
        "FIRST_SUCCESS",
        "FIRST_SUCCESS",
        "SUCCESS",
        "SUCCESS",
    ]


async def test_scale_compresses_the_timeline(
    clock: VirtualClock, http: aiohttp.ClientSession
) -> None:
    """With scale 0.01 a task's 90 s pass in 0.9 s of the server's clock."""
    async with FakeSunoServer(scale=0.01, clock=clock.now) as server:
        server.add_task(TASK, Timeline.success(5, 25, 90))
        seen = []
        for step_s in (0.04, 0.02, 0.9):  # task seconds 4, 6 and 96
            clock.advance(step_s)
            seen.append((await record(http, server, TASK))["data"]["status"])
    assert seen == ["PENDING", "TEXT_SUCCESS", "SUCCESS"]


async def test_skipped_stages_jump_straight_to_final_tracks(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """A timeline without text/first stages shows final tracks at SUCCESS at once."""
    server.add_task(TASK, Timeline.success(None, None, 5))
    clock.advance(5)
    body = await record(http, server, TASK)
    assert body["data"] == data("SUCCESS", tracks(server.url, True, True))


async def test_failure_reports_its_error_code_and_message(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """A failure status carries errorCode/errorMessage; no tracks before text."""
    timeline = Timeline.failure(TaskStatus.SENSITIVE_WORD_ERROR, 3)
    server.add_task(TASK, timeline, param={"callBackUrl": "https://cb", "model": "V4"})
    clock.advance(3)
    body = await record(http, server, TASK)
    assert body["data"] == data(
        "SENSITIVE_WORD_ERROR",
        param='{"callBackUrl":"https://cb","model":"V4"}',
        errorCode=400,
        errorMessage="Lyrics contained copyrighted material.",
    )


async def test_failure_after_text_keeps_the_streaming_tracks(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """GENERATE_AUDIO_FAILED after TEXT_SUCCESS still shows what was made so far."""
    timeline = Timeline.failure(
        "GENERATE_AUDIO_FAILED", 30, "531", "refunded", text_s=5
    )
    server.add_task(TASK, timeline)
    clock.advance(30)
    body = await record(http, server, TASK)
    assert body["data"] == data(
        "GENERATE_AUDIO_FAILED",
        tracks(server.url, False, False),
        errorCode="531",
        errorMessage="refunded",
    )


async def test_unknown_statuses_in_a_timeline_are_sent_verbatim(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """Steps may carry statuses the SDK does not know; tracks follow the milestones."""
    server.add_task(TASK, Timeline(steps=[(5, "TEXT_SUCCESS"), (8, "GENERATING")]))
    clock.advance(8)
    body = await record(http, server, TASK)
    assert body["data"] == data("GENERATING", tracks(server.url, False, False))


# --- errors as the service sends them ----------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer wrong"}, id="wrong"),
        pytest.param({"Authorization": "test-key"}, id="not-bearer"),
    ],
)
async def test_a_bad_key_gets_body_code_401_under_http_200(
    server: FakeSunoServer, headers: dict[str, str]
) -> None:
    """Authentication errors are body codes, as every error of the service."""
    server.add_task(TASK)
    async with aiohttp.ClientSession(headers=headers) as http:
        status, body = await get_json(http, server.url + RECORD_INFO, taskId=TASK)
    assert (status, body) == (
        200,
        {"code": 401, "msg": "You do not have access permissions", "data": None},
    )


async def test_an_unknown_task_gets_body_code_404(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """An id the service never issued: body code 404."""
    status, body = await get_json(http, server.url + RECORD_INFO, taskId="f" * 32)
    assert (status, body) == (200, {"code": 404, "msg": "Task not found", "data": None})


async def test_a_missing_task_id_gets_body_code_422(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """No ``taskId`` parameter is a validation error."""
    status, body = await get_json(http, server.url + RECORD_INFO)
    assert (status, body) == (
        200,
        {"code": 422, "msg": "taskId is required", "data": None},
    )


async def test_not_found_for_hides_a_new_task_for_a_while(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """``not_found_for(s)``: 404 during the first s task seconds, then found."""
    server.add_task(TASK, Timeline.success(5, 25, 90).not_found_for(3))
    codes = []
    for step_s in (0.0, 2.5, 0.5):
        clock.advance(step_s)
        codes.append((await record(http, server, TASK))["code"])
    assert codes == [404, 404, 200]


# --- task creation and credits -----------------------------------------------------


async def test_generate_creates_a_task_polled_through_record_info(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """POST /generate answers a 32-hex task id; its record reflects the request."""
    request = {
        "callBackUrl": "https://app.example/cb",
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": "[Verse]\nHello",
        "style": "Synthwave, retro",
        "title": "Neon",
    }
    async with http.post(server.url + "/api/v1/generate", json=request) as response:
        created = await response.json()
    task_id = created["data"]["taskId"]
    assert created == {"code": 200, "msg": "success", "data": {"taskId": task_id}}
    assert len(task_id) == 32
    assert int(task_id, 16) >= 0
    body = await record(http, server, task_id)
    assert body["data"]["param"] == json.dumps(
        request, sort_keys=True, separators=(",", ":")
    )
    assert body["data"]["type"] == "chirp-crow"
    assert body["data"]["status"] == "PENDING"
    assert body["data"]["createTime"] % 1000 == 0


async def test_a_drawn_timeline_takes_title_style_and_lyrics_from_the_request(
    clock: VirtualClock, http: aiohttp.ClientSession
) -> None:
    """Custom-mode tracks carry the request's title, style (as tags) and lyrics."""
    async with FakeSunoServer(seed=3, clock=clock.now) as server:
        request = {
            "callBackUrl": "https://cb",
            "customMode": True,
            "model": "V4",
            "prompt": "[Verse]\nHello",
            "style": "Synthwave, retro",
            "title": "Neon",
        }
        async with http.post(server.url + "/api/v1/generate", json=request) as response:
            task_id = (await response.json())["data"]["taskId"]
        clock.advance(200)
        body = await record(http, server, task_id)
    tracks_ = body["data"]["response"]["sunoData"]
    assert [(t["title"], t["tags"], t["prompt"], t["modelName"]) for t in tracks_] == [
        ("Neon", "Synthwave, retro", "[Verse]\nHello", "chirp-v4"),
        ("Neon", "Synthwave, retro", "[Verse]\nHello", "chirp-v4"),
    ]


@pytest.mark.parametrize(
    ("path", "operation_type"),
    [
        ("/api/v1/generate", "generate"),
        ("/api/v1/generate/extend", "extend"),
        ("/api/v1/generate/upload-cover", "upload_cover"),
        ("/api/v1/generate/upload-extend", "upload_extend"),
        ("/api/v1/generate/add-instrumental", "add_instrumental"),
        ("/api/v1/generate/add-vocals", "add_vocals"),
    ],
)
async def test_every_creating_endpoint_makes_a_task_of_its_operation_type(
    server: FakeSunoServer, http: aiohttp.ClientSession, path: str, operation_type: str
) -> None:
    """Each creating endpoint's task reports its operationType and parent music id."""
    request = {"callBackUrl": "https://cb", "audioId": "e231-8cad"}
    async with http.post(server.url + path, json=request) as response:
        task_id = (await response.json())["data"]["taskId"]
    body = await record(http, server, task_id)
    assert (body["data"]["operationType"], body["data"]["parentMusicId"]) == (
        operation_type,
        "e231-8cad",
    )


@pytest.mark.parametrize(
    ("payload", "msg"),
    [
        pytest.param(b'{"prompt": "x"}', "callBackUrl is required", id="no-callback"),
        pytest.param(b'{"callBackUrl": " "}', "callBackUrl is required", id="blank"),
        pytest.param(b"[1, 2]", "The request body must be a JSON object", id="array"),
        pytest.param(b"{nope", "Invalid JSON in the request body", id="not-json"),
    ],
)
async def test_a_bad_creation_request_gets_body_code_400(
    server: FakeSunoServer, http: aiohttp.ClientSession, payload: bytes, msg: str
) -> None:
    """Creation requests need a JSON object with a callBackUrl; nothing is charged."""
    async with http.post(server.url + "/api/v1/generate", data=payload) as response:
        assert (response.status, await response.json()) == (
            200,
            {"code": 400, "msg": msg, "data": None},
        )
    assert server.credits == 1000


@pytest.mark.parametrize(
    ("provider", "path"),
    [(KIE, "/api/v1/chat/credit"), (SUNOAPI, "/api/v1/generate/credit")],
)
async def test_credits_are_an_int_spent_by_each_creation(
    http: aiohttp.ClientSession, provider: Any, path: str
) -> None:
    """The provider's credits endpoint answers an int; each creation costs 12."""
    async with FakeSunoServer(provider=provider) as server:
        before = await get_json(http, server.url + path)
        await http.post(
            server.url + "/api/v1/generate", json={"callBackUrl": "https://cb"}
        )
        after = await get_json(http, server.url + path)
    assert (before, after) == (
        (200, {"code": 200, "msg": "success", "data": 1000}),
        (200, {"code": 200, "msg": "success", "data": 988}),
    )


@pytest.mark.parametrize(
    ("provider", "code"), [pytest.param("kie", 402, id="kie"), ("sunoapi", 429)]
)
async def test_out_of_credits_gets_the_providers_code(
    http: aiohttp.ClientSession, provider: str, code: int
) -> None:
    """Without enough credits: 402 on Apikley/kie.ai, 429 on sunoapi.org."""
    async with FakeSunoServer(provider=provider, credits=11) as server:
        path = server.url + "/api/v1/generate"
        async with http.post(path, json={"callBackUrl": "https://cb"}) as response:
            body = await response.json()
    msg = "The current credits are insufficient. Please top up."
    assert body == {"code": code, "msg": msg, "data": None}
    assert server.requests()[0].task_id is None


# --- the per-task limit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "code"), [pytest.param("apikley", 429, id="apikley"), ("sunoapi", 430)]
)
async def test_five_quick_requests_are_two_violations(
    clock: VirtualClock, http: aiohttp.ClientSession, provider: str, code: int
) -> None:
    """Requests 4 and 5 within one second are counted and get the rate-limit code."""
    async with FakeSunoServer(provider=provider, clock=clock.now) as server:
        server.add_task(TASK)
        codes = [(await record(http, server, TASK))["code"] for _ in range(5)]
        last = await record(http, server, TASK)
    assert codes == [200, 200, 200, code, code]
    assert last == {
        "code": code,
        "msg": "Call frequency too high, please try again later",
        "data": None,
    }
    assert server.limit_violations == 3
    flags = [r.violation for r in server.requests(TASK)]
    assert flags == [False, False, False, True, True, True]


async def test_the_window_slides_and_counts_every_arrival(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """An arrival exactly 1 s after another no longer sees it; violations count too."""
    server.add_task(TASK)
    flags = []
    for step_s in (
        0,
        0.5,
        0.25,
        0.25,
        0.25,
        0.875,
        0.25,
    ):  # 0 .5 .75 1 1.25 2.125 2.375
        clock.advance(step_s)
        await record(http, server, TASK)
        flags.append(server.requests(TASK)[-1].violation)
    assert flags == [False, False, False, False, True, False, False]
    assert server.limit_violations == 1


async def test_the_limit_is_per_task(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """Three requests each for two tasks in the same instant violate nothing."""
    other = server.add_task()
    server.add_task(TASK)
    for task_id in (TASK, other, TASK, other, TASK, other):
        await record(http, server, task_id)
    assert server.limit_violations == 0


# --- accounting ----------------------------------------------------------------------


async def test_the_request_log_records_arrivals_and_answers(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """``requests(task_id)`` lists that task's requests; ``requests()`` every one."""
    resets = [Fault.reset(), Fault.reset()]
    server.add_task(TASK, Timeline.success(5, 25, 90), faults=resets)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await record(http, server, TASK)  # aiohttp resends a GET once: two resets
    clock.advance(5)
    await record(http, server, TASK)
    await get_json(http, server.url + "/api/v1/chat/credit")
    get: dict[str, Any] = {"method": "GET", "path": RECORD_INFO, "task_id": TASK}
    assert server.requests(TASK) == (
        LoggedRequest(at=1000.0, **get, fault=Fault.reset()),
        LoggedRequest(at=1000.0, **get, fault=Fault.reset()),
        LoggedRequest(
            at=1005.0, **get, http_status=200, code=200, status="TEXT_SUCCESS"
        ),
    )
    assert server.requests()[3] == LoggedRequest(
        at=1005.0,
        method="GET",
        path="/api/v1/chat/credit",
        task_id=None,
        http_status=200,
        code=200,
    )
    assert server.total_requests == 4


async def test_task_ids_are_the_tasks_made_in_creation_order(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``task_ids()`` lists tasks from ``add_task`` and the API alike, oldest first."""
    assert server.task_ids() == ()
    server.add_task(TASK)
    body = {"callBackUrl": "https://cb", "prompt": "x"}
    async with http.post(server.url + "/api/v1/generate", json=body) as response:
        created = (await response.json())["data"]["taskId"]
    server.add_task("f" * 32)
    assert server.task_ids() == (TASK, created, "f" * 32)


async def test_a_task_snapshot_shows_the_task_as_it_is_now(
    server: FakeSunoServer, clock: VirtualClock
) -> None:
    """``task(id)``: a frozen snapshot; its status is what record-info shows then."""
    timeline = Timeline.success(5, 25, 90).not_found_for(2)
    server.add_task(TASK, timeline)
    clock.advance(1)
    hidden = server.task(TASK)
    clock.advance(4)
    assert hidden == SimulatedTask(
        task_id=TASK,
        operation_type="generate",
        param_raw=PARAM,
        created_at=1000.0,
        timeline=timeline,
        track_ids=(TRACK_0, TRACK_1),
        status=None,
    )
    assert hidden.param == json.loads(PARAM)
    assert server.task(TASK) == attrs.evolve(hidden, status="TEXT_SUCCESS")


async def test_a_family_task_snapshot_shows_its_family_fields_too(
    server: FakeSunoServer, clock: VirtualClock
) -> None:
    """A non-music ``task(id)``: what every task shows, with its family's fields."""
    timeline = Timeline.success(None, None, 10)
    param = {"callBackUrl": "https://cb", "taskId": TASK, "audioId": TRACK_0}
    wav = server.add_task("w" * 32, timeline, kind="wav", param=param)
    clock.advance(3)
    assert server.task(wav) == SimulatedTask(
        task_id=wav,
        operation_type="wav",
        param_raw=(
            '{"audioId":"3900e58f-9522-5dbd-a4dd-2fd4ab5c44e5",'
            f'"callBackUrl":"https://cb","taskId":"{TASK}"}}'
        ),
        created_at=1000.0,
        timeline=timeline,
        track_ids=(track_id(wav, 0),),
        status="PENDING",
        kind="wav",
        source_task_id=TASK,
    )


async def test_a_task_snapshot_names_the_endpoint_and_request_that_made_it(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """An API-made task shows its operation, the request sent and its creation time."""
    clock.advance(7)
    body = {"callBackUrl": "https://cb", "audioId": "a1", "model": "V5"}
    url = server.url + "/api/v1/generate/extend"
    async with http.post(url, json=body) as response:
        task_id = (await response.json())["data"]["taskId"]
    task = server.task(task_id)
    assert (task.operation_type, task.param, task.created_at, task.status) == (
        "extend",
        body,
        1007.0,
        "PENDING",
    )


def test_a_task_snapshot_of_an_unknown_id_is_a_key_error() -> None:
    """Only tasks the simulator made have snapshots."""
    with pytest.raises(KeyError):
        FakeSunoServer().task(TASK)


# --- faults --------------------------------------------------------------------------


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    ("fault", "status", "content_type", "text", "retry_after"),
    [
        pytest.param(Fault.http(502), 502, "text/html", NGINX_502, None, id="502-html"),
        pytest.param(
            Fault.http(503, body="text", retry_after=7),
            503,
            "text/plain",
            "503 Service Unavailable",
            "7",
            id="503-text-retry-after",
        ),
        pytest.param(
            Fault.http(500, body="json"),
            500,
            "application/json",
            '{"code":500,"msg":"Internal Server Error","data":null}',
            None,
            id="500-json",
        ),
        pytest.param(
            Fault.rate_limit(),
            429,
            "text/html",
            NGINX_502.replace("502 Bad Gateway", "429 Too Many Requests"),
            None,
            id="429",
        ),
        pytest.param(
            Fault.rate_limit(2.5), 429, "text/html", None, "2.5", id="429-retry-after"
        ),
        pytest.param(
            Fault.rate_limit("Wed, 21 Oct 2015 07:28:00 GMT"),
            429,
            "text/html",
            None,
            "Wed, 21 Oct 2015 07:28:00 GMT",
            id="429-http-date",
        ),
        pytest.param(
            Fault.body_code(455),
            200,
            "application/json",
            '{"code":455,"msg":"System maintenance, please try again later",'
            '"data":null}',
            None,
            id="body-455",
        ),
        pytest.param(
            Fault.body_code(422, "recordInfo is null"),
            200,
            "application/json",
            '{"code":422,"msg":"recordInfo is null","data":null}',
            None,
            id="body-422",
        ),
    ],
)
async def test_gateway_and_body_code_faults_answer_exactly(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    fault: Fault,
    status: int,
    content_type: str,
    text: str | None,
    retry_after: str | None,
) -> None:
    """Each fault sends its status, content type, body and Retry-After."""
    server.add_task(TASK, faults=[fault])
    async with http.get(server.url + RECORD_INFO, params={"taskId": TASK}) as response:
        body = await response.text()
        assert (response.status, response.content_type) == (status, content_type)
        assert response.headers.get("Retry-After") == retry_after
    if text is not None:
        assert body == text


async def test_a_reset_closes_the_connection_without_an_answer(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``Fault.reset()``: the client sees the server disconnect (after its resend)."""
    server.add_task(TASK, faults=[Fault.reset(), Fault.reset()])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await record(http, server, TASK)


async def test_a_truncated_body_breaks_off_mid_way(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``Fault.truncated()``: less than Content-Length, then the connection drops."""
    server.add_task(TASK, faults=[Fault.truncated()])
    with pytest.raises(aiohttp.ClientPayloadError):
        await record(http, server, TASK)
    assert server.requests(TASK)[0].http_status == 200
    assert server.requests(TASK)[0].code is None


async def test_a_malformed_body_is_not_json(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``Fault.malformed()``: HTTP 200, application/json, half a JSON document."""
    server.add_task(TASK, faults=[Fault.malformed()])
    async with http.get(server.url + RECORD_INFO, params={"taskId": TASK}) as response:
        assert (response.status, response.content_type) == (200, "application/json")
        body = await response.read()
    assert body.startswith(b'{"code":200,"msg":"success","data":{"taskId":')
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        json.loads(body)


async def test_a_slow_answer_arrives_late_but_whole(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``Fault.slow(d)``: the normal answer after d wall seconds."""
    server.add_task(TASK, Timeline.success(5, 25, 90), faults=[Fault.slow(0.05)])
    started = time.monotonic()
    body = await record(http, server, TASK)
    assert time.monotonic() - started >= 0.05
    assert body["data"] == data("PENDING")


async def test_status_and_regress_faults_rewrite_the_record(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """An unknown status, a stale (earlier) record, then the truth, in script order."""
    faults = [Fault.status("QUEUED"), Fault.regress(), Fault.regress(5), None]
    server.add_task(TASK, Timeline.success(5, 25, 90), faults=faults)
    clock.advance(26)
    bodies = []
    for _ in range(4):
        clock.advance(1)  # 27..30 s: FIRST_SUCCESS, one request a second
        bodies.append((await record(http, server, TASK))["data"])
    assert [b["status"] for b in bodies] == [
        "QUEUED",
        "TEXT_SUCCESS",
        "PENDING",
        "FIRST_SUCCESS",
    ]
    assert (
        bodies[0]["response"]
        == bodies[3]["response"]
        == tracks(server.url, True, False)
    )
    assert bodies[1]["response"] == tracks(server.url, False, False)


async def test_a_script_runs_out_into_normal_answers(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """The Nth request gets the Nth scripted fault; after the script, normal answers."""
    server.add_task(TASK, faults=[Fault.body_code(500), None, Fault.body_code(455)])
    codes = []
    for _ in range(4):
        clock.advance(1)
        codes.append((await record(http, server, TASK))["code"])
    assert codes == [500, 200, 455, 200]


async def test_fault_rate_one_faults_every_api_request(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """Server-wide faults reach record-info, creation and credits alike; 0 removes."""
    server.add_task(TASK)
    server.fault_rate(Fault.body_code(455), 1.0)
    faulted = [
        (await get_json(http, server.url + "/api/v1/chat/credit"))[1]["code"],
        (await record(http, server, TASK))["code"],
    ]
    server.fault_rate(Fault.body_code(455), 0)
    assert faulted == [455, 455]
    assert (await record(http, server, TASK))["code"] == 200


async def test_fault_rates_are_reproducible_from_the_seed(
    http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """Two servers with the same seed fault the same requests."""
    runs = []
    for _ in range(2):
        async with FakeSunoServer(seed=42, clock=clock.now) as server:
            server.fault_rate(Fault.body_code(500), 0.5)
            path = server.url + "/api/v1/chat/credit"
            runs.append([(await get_json(http, path))[1]["code"] for _ in range(12)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


def test_fault_probabilities_cannot_exceed_one() -> None:
    """The rates of all faults together are at most 1."""
    server = FakeSunoServer()
    server.fault_rate(Fault.reset(), 0.6)
    with pytest.raises(ValueError, match="sum to 1 at most"):
        server.fault_rate(Fault.malformed(), 0.5)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Fault.http(99), id="http-status"),
        pytest.param(lambda: Fault.slow(-1), id="negative-delay"),
        pytest.param(lambda: Fault.slow(float("inf")), id="infinite-delay"),
        pytest.param(lambda: Fault.regress(0), id="regress-zero"),
    ],
)
def test_impossible_faults_are_refused(build: Any) -> None:
    """Faults that cannot happen raise ValueError when built."""
    with pytest.raises(ValueError):  # noqa: PT011
        build()


def test_a_fault_repr_shows_what_differs_from_the_defaults() -> None:
    """Fault reprs stay short in request logs."""
    assert repr(Fault.rate_limit(3)) == (
        "Fault(kind='http', http_status=429, body='html', retry_after=3)"
    )
    assert (
        repr(Fault.status(TaskStatus.SUCCESS))
        == "Fault(kind='status', raw_status='SUCCESS')"
    )


# --- timelines -----------------------------------------------------------------------


def test_steps_are_sorted_and_start_pending() -> None:
    """Steps may come in any order; a task is PENDING until its first step."""
    timeline = Timeline(steps=[(20, TaskStatus.SUCCESS), Step(3, "TEXT_SUCCESS")])
    assert timeline.steps == (
        Step(0.0, "PENDING"),
        Step(3.0, "TEXT_SUCCESS"),
        Step(20.0, "SUCCESS"),
    )
    assert (timeline.index_at(2.9), timeline.index_at(3), timeline.end_s) == (
        0,
        1,
        20.0,
    )


@pytest.mark.parametrize("at_s", [-1.0, float("nan"), float("inf")])
def test_a_step_offset_must_be_finite_and_not_negative(at_s: float) -> None:
    """Offsets count from creation."""
    with pytest.raises(ValueError, match="finite number >= 0"):
        Step(at_s, "PENDING")


def test_failure_timelines_get_documented_defaults() -> None:
    """``Timeline.failure`` fills in a plausible errorCode and errorMessage."""
    assert Timeline.failure() == Timeline(
        steps=[(0, "PENDING"), (20, "GENERATE_AUDIO_FAILED")],
        error_code=501,
        error_message="Audio generation failed.",
    )


def test_realistic_timelines_are_reproducible_and_within_the_documented_ranges() -> (
    None
):
    """Text 3-12 s, first 15-40 s later, all 30-110 s after; same seed, same draw."""
    assert Timeline.realistic(7) == Timeline.realistic(7)
    for seed in range(300):
        timeline = Timeline.realistic(seed)
        statuses = [s.status for s in timeline.steps]
        assert statuses == ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]
        text, first, done = (s.at_s for s in timeline.steps[1:])
        assert 3 <= text <= 12
        assert 15 <= first - text <= 40
        assert 30 <= done - first <= 110
        assert len(timeline.tracks) == 2
        assert all(90 <= t.duration_s <= 240 for t in timeline.tracks)


async def test_seeded_servers_issue_the_same_tasks(
    clock: VirtualClock, http: aiohttp.ClientSession
) -> None:
    """Task ids and drawn timelines follow the seed."""
    records = []
    for _ in range(2):
        async with FakeSunoServer(seed=9, clock=clock.now, start_epoch_s=EPOCH_S) as s:
            task_id = s.add_task()
            clock.advance(200)
            body = await record(http, s, task_id)
            records.append(json.dumps(body).replace(s.url, "URL"))
    assert records[0] == records[1]


async def test_queued_scripts_drive_the_next_created_tasks(
    server: FakeSunoServer, http: aiohttp.ClientSession, clock: VirtualClock
) -> None:
    """``queue_task`` scripts tasks created through the API, first in, first out."""
    server.queue_task(
        Timeline.failure("CREATE_TASK_FAILED", 1), faults=[Fault.body_code(500)]
    )
    server.queue_task(faults=[Fault.status("X")])
    ids = []
    for _ in range(2):
        path = server.url + "/api/v1/generate"
        async with http.post(path, json={"callBackUrl": "https://cb"}) as response:
            ids.append((await response.json())["data"]["taskId"])
    clock.advance(1)
    answers = [await record(http, server, task_id) for task_id in ids * 2]
    assert [a["code"] for a in answers] == [500, 200, 200, 200]
    assert [a["data"]["status"] for a in answers[1:]] == [
        "X",
        "CREATE_TASK_FAILED",
        "PENDING",
    ]


def test_the_sliding_window_shows_its_state() -> None:
    """The limit counter's repr shows the limit and the violations so far."""
    window = SlidingWindow()
    for _ in range(4):
        window.arrive("t", 0.0)
    assert repr(window) == "<SlidingWindow limit=3/1s violations=1>"


def test_a_provider_without_a_credits_code_gets_402() -> None:
    """Custom providers fall back on HTTP's 402 for insufficient credits."""
    assert credits_code(attrs.evolve(KIE, codes={})) == 402


async def test_a_gateway_error_with_an_unnamed_status_still_has_a_page(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """Statuses without a standard phrase get a generic one."""
    server.add_task(TASK, faults=[Fault.http(599, body="text")])
    async with http.get(server.url + RECORD_INFO, params={"taskId": TASK}) as response:
        assert (response.status, await response.text()) == (599, "599 Error")


def test_track_specs_are_frozen_values() -> None:
    """Track data compares by value."""
    assert TrackSpec(title="A") == TrackSpec(title="A")


# --- media files and lifecycle -------------------------------------------------------


async def test_track_urls_serve_small_media_files(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """Audio URLs serve MP3 bytes, image URLs JPEG bytes; other names 404."""
    server.add_task(TASK)
    async with http.get(f"{server.url}/files/{TRACK_0}.mp3") as response:
        assert (response.status, response.content_type) == (200, "audio/mpeg")
        assert (await response.read()).startswith(b"ID3")
    async with http.get(f"{server.url}/files/source/image_{TRACK_1}.jpeg") as response:
        assert (response.status, response.content_type) == (200, "image/jpeg")
        assert (await response.read()).startswith(b"\xff\xd8")
    for name in ("nope.mp3", "00000000-0000-0000-0000-000000000000.mp3"):
        async with http.get(f"{server.url}/files/{name}") as response:
            assert response.status == 404
    assert server.total_requests == 0


async def test_the_server_binds_loopback_and_stops_cleanly() -> None:
    """A free 127.0.0.1 port while running; url refuses before start; aclose twice."""
    server = FakeSunoServer(api_key="secret-key")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already running"):
            await server.start()
        assert "secret-key" not in repr(server)
    finally:
        await server.aclose()
        await server.aclose()
    assert repr(server) == (
        "<FakeSunoServer apikley not running scale=1 tasks=0 requests=0 violations=0>"
    )


async def test_a_taken_port_is_reported() -> None:
    """Binding a port in use raises OSError and leaves nothing running."""
    async with FakeSunoServer() as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):  # noqa: PT011
            await FakeSunoServer(port=port).start()


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan")])
def test_scale_must_be_positive(scale: float) -> None:
    """A server cannot run time backwards or stop it."""
    with pytest.raises(ValueError, match="scale"):
        FakeSunoServer(scale=scale)


# --- python -m suno_async.testing serve ----------------------------------------------


@pytest.mark.integration
def test_the_serve_command_prints_its_url_serves_and_stops_on_sigterm() -> None:
    """In a subprocess: one URL line, a working request, a clean exit on SIGTERM."""
    command = [sys.executable, "-m", "suno_async.testing", "serve", "--scale", "0.01"]
    with subprocess.Popen(  # noqa: S603
        [*command, "--seed", "1", "--provider", "sunoapi", "--api-key", "k"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        try:
            body = asyncio.run(_credits(url + "/api/v1/generate/credit", "k"))
        finally:
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert url.startswith("http://127.0.0.1:")
    assert body == {"code": 200, "msg": "success", "data": 1000}


async def _credits(url: str, key: str) -> Any:
    async with aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {key}"}
    ) as http:
        return (await get_json(http, url))[1]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_serve_stops_on_sigint_and_unhooks_its_handlers() -> None:
    """In process: ``serve`` reports its URL, stops on SIGINT, restores the handler."""
    urls: list[str] = []

    def ready(url: str) -> None:
        urls.append(url)
        os.kill(os.getpid(), signal.SIGINT)

    args = parse_args(["serve", "--port", "0", "--provider", "kie"])
    await serve(args, ready)
    assert urls[0].startswith("http://127.0.0.1:")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class _StopOnURL(io.StringIO):
    """A stdout that sends this process SIGTERM once a URL is printed to it."""

    def write(self, text: str) -> int:
        written = super().write(text)
        if text.startswith("http://"):
            os.kill(os.getpid(), signal.SIGTERM)
        return written


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_main_prints_the_url_and_exits_0_on_sigterm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``main`` prints one URL line, serves, and returns 0 when terminated."""
    stdout = _StopOnURL()
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["serve", "--seed", "1", "--credits", "5"]) == 0
    assert stdout.getvalue().startswith("http://127.0.0.1:")
    assert stdout.getvalue().count("\n") == 1


def test_the_serve_command_refuses_unknown_providers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad arguments exit with status 2 and a usage message."""
    with pytest.raises(SystemExit) as raised:
        parse_args(["serve", "--provider", "nope"])
    assert raised.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- round trips through SunoClient ------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "retry_after"),
    [
        pytest.param(Fault.http(502), ServerError, None, id="502-html"),
        pytest.param(Fault.http(500, body="json"), ServerError, None, id="500-json"),
        pytest.param(
            Fault.http(503, body="text", retry_after=7),
            ServiceUnavailableError,
            7.0,
            id="503-retry-after",
        ),
        pytest.param(Fault.rate_limit(), RateLimitError, None, id="429"),
        pytest.param(Fault.rate_limit(2), RateLimitError, 2.0, id="429-retry-after"),
        pytest.param(Fault.body_code(455), ServiceUnavailableError, None, id="455"),
        pytest.param(Fault.body_code(500), ServerError, None, id="body-500"),
        pytest.param(Fault.body_code(429), RateLimitError, None, id="body-429"),
        pytest.param(Fault.body_code(422), InvalidRequestError, None, id="body-422"),
        pytest.param(Fault.body_code(451), MediaFetchError, None, id="body-451"),
        pytest.param([Fault.reset()] * 2, TransportError, None, id="reset"),
        pytest.param(Fault.truncated(), TransportError, None, id="truncated"),
        pytest.param(Fault.malformed(), DecodeError, None, id="malformed"),
    ],
)
async def test_get_task_raises_the_documented_error_for_each_fault(
    server: FakeSunoServer,
    fault: Fault | list[Fault],
    error: type[SunoError],
    retry_after: float | None,
) -> None:
    """Every injected fault reaches the SDK as its documented exception class."""
    server.add_task(TASK, faults=fault if isinstance(fault, list) else [fault])
    async with server.client() as client:
        with pytest.raises(error) as raised:
            await client.get_task(TASK)
    assert raised.value.task_id == TASK
    assert getattr(raised.value, "retry_after", None) == retry_after


@pytest.mark.parametrize(
    ("provider", "code", "error"),
    [
        pytest.param("apikley", 402, InsufficientCreditsError, id="apikley-402"),
        pytest.param("sunoapi", 429, InsufficientCreditsError, id="sunoapi-429"),
        pytest.param("sunoapi", 430, RateLimitError, id="sunoapi-430"),
        pytest.param("kie", 401, AuthenticationError, id="kie-401"),
    ],
)
async def test_body_codes_mean_what_the_provider_says(
    provider: str, code: int, error: type[SunoError]
) -> None:
    """The same body code maps per provider (429 is credits on sunoapi.org)."""
    async with FakeSunoServer(provider=provider) as server:
        server.add_task(TASK, faults=[Fault.body_code(code)])
        async with server.client() as client:
            with pytest.raises(error):
                await client.get_task(TASK)


async def test_get_task_raises_on_a_slow_answer_past_the_request_timeout(
    server: FakeSunoServer,
) -> None:
    """``Fault.slow`` beyond ``request_timeout`` is a RequestTimeoutError."""
    server.add_task(TASK, faults=[Fault.slow(1.0)])
    async with server.client(request_timeout=0.05) as client:
        with pytest.raises(RequestTimeoutError):
            await client.get_task(TASK)


async def test_get_task_reads_unknown_and_regressed_statuses(
    server: FakeSunoServer, clock: VirtualClock
) -> None:
    """An unknown status decodes as UNKNOWN (raw kept); a stale one as itself."""
    server.add_task(
        TASK,
        Timeline.success(5, 25, 90),
        faults=[Fault.status("QUEUED"), Fault.regress()],
    )
    clock.advance(30)
    async with server.client() as client:
        unknown = await client.get_task(TASK)
        stale = await client.get_task(TASK)
    assert (unknown.status, unknown.status_raw) == (TaskStatus.UNKNOWN, "QUEUED")
    assert (stale.status, stale.status_raw) == (TaskStatus.TEXT_SUCCESS, "TEXT_SUCCESS")


async def test_get_task_reports_wrong_keys_and_unknown_tasks(
    server: FakeSunoServer,
) -> None:
    """Body code 401 is an AuthenticationError; 404 a NotFoundError."""
    async with server.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_task("f" * 32)
    server.add_task(TASK)
    async with server.client(api_key="wrong") as client:
        with pytest.raises(AuthenticationError):
            await client.get_task(TASK)


async def test_get_task_decodes_a_finished_task(
    server: FakeSunoServer, clock: VirtualClock
) -> None:
    """A SUCCESS record decodes into final tracks with audio URLs and durations."""
    server.add_task(TASK, Timeline.success(5, 25, 90))
    clock.advance(90)
    async with server.client() as client:
        task = await client.get_task(TASK)
    assert (task.task_id, task.status, task.model_family, task.operation_type) == (
        TASK,
        TaskStatus.SUCCESS,
        "chirp-auk",
        "generate",
    )
    assert task.created_at == datetime.fromtimestamp(EPOCH_S, timezone.utc)
    assert [(t.id, t.best_audio_url, t.duration, t.tags) for t in task.tracks] == [
        (
            TRACK_0,
            f"{server.url}/files/{TRACK_0}.mp3",
            198.44,
            ("classical", "piano", "calm"),
        ),
        (
            TRACK_1,
            f"{server.url}/files/{TRACK_1}.mp3",
            201.1,
            ("classical", "piano", "calm"),
        ),
    ]


async def test_the_client_never_exceeds_the_per_task_limit() -> None:
    """Four back-to-back get_task calls: the server, on real time, counts none over."""
    async with FakeSunoServer() as server:
        server.add_task(TASK)
        async with server.client() as client:
            for _ in range(4):
                await client.get_task(TASK)
    assert server.limit_violations == 0
    assert server.total_requests == 4


async def test_a_client_waits_at_the_servers_pace() -> None:
    """client() scales the default policies by the server's scale..."""
    async with FakeSunoServer(scale=0.25) as fake, fake.client() as client:
        assert (client.poll, client.retry) == (
            PollPolicy().scaled(0.25),
            RetryPolicy().scaled(0.25),
        )


async def test_a_client_on_its_own_clock_keeps_unscaled_policies() -> None:
    """...unless the caller gives a clock: that clock sets the time base."""
    async with (
        FakeSunoServer(scale=0.25) as fake,
        fake.client(clock=ScaledClock(0.25)) as client,
    ):
        assert (client.poll, client.retry) == (PollPolicy(), RetryPolicy())

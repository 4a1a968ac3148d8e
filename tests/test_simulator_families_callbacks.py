"""The non-music families' callbacks: one POST when a task ends, in its shape.

Compressed real time (scale 0.001) on 127.0.0.1; ``join_callbacks()`` waits
for the deliveries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from suno_async.testing import CallbackFault, FakeSunoServer, Timeline, TrackSpec
from suno_async.testing._timeline import FAILURE_DEFAULTS
from suno_async.webhooks import verify_signature

KEY = "whk-family-secret"
QUICK = Timeline.success(None, None, 2)
CREATE_FAILED = FAILURE_DEFAULTS["CREATE_TASK_FAILED"][1]


class Recorder:
    """A receiver that keeps every callback body and its headers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), dict(request.headers)))
        return web.json_response({"code": 200, "msg": "ok"})

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [body for body, _ in self.received]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.001, seed=5) as server:
        yield server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def hook(recorder: Recorder) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/hook", recorder.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/hook"))


async def ended(
    fake: FakeSunoServer, kind: str, hook: str, timeline: Timeline = QUICK, **param: Any
) -> str:
    """A ``kind`` task whose callback has been delivered; its id."""
    task_id = fake.add_task(
        kind=kind, timeline=timeline, param={"callBackUrl": hook, **param}
    )
    await fake.join_callbacks()
    return task_id


async def test_lyrics_post_their_variants_once(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    tracks = (TrackSpec(title="Night", lyrics="Hush"), TrackSpec(title="Day"))
    timeline = Timeline.success(None, None, 2, tracks=tracks)
    task_id = await ended(fake, "lyrics", hook, timeline, prompt="x")
    variants = [
        {"text": "Hush", "title": "Night", "status": "complete", "error_message": ""},
        {
            "text": "[Instrumental]",
            "title": "Day",
            "status": "complete",
            "error_message": "",
        },
    ]
    assert recorder.bodies == [
        {
            "code": 200,
            "msg": "All generated successfully.",
            "data": {"callbackType": "complete", "task_id": task_id, "data": variants},
        }
    ]
    (logged,) = fake.callbacks(task_id)
    assert (logged.stage, logged.url, logged.http_status) == ("complete", hook, 200)


async def test_wav_posts_its_url(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    task_id = await ended(fake, "wav", hook)
    (wav_id,) = fake.task(task_id).track_ids
    url = f"{fake.url}/files/wav/{wav_id}.wav"
    assert recorder.bodies == [
        {
            "code": 200,
            "msg": "WAV generated successfully.",
            "data": {"task_id": task_id, "audioWavUrl": url},
        }
    ]


async def test_vocal_removal_posts_snake_case_stem_urls(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    task_id = await ended(fake, "vocal-removal", hook)
    vocals, rest = fake.task(task_id).track_ids
    stems = f"{fake.url}/files/stems"
    info = dict.fromkeys(
        [
            "origin_url",
            "backing_vocals_url",
            "drums_url",
            "bass_url",
            "guitar_url",
            "keyboard_url",
            "percussion_url",
            "strings_url",
            "synth_url",
            "fx_url",
            "brass_url",
            "woodwinds_url",
        ]
    )
    info |= {
        "vocal_url": f"{stems}/{vocals}_Vocals.mp3",
        "instrumental_url": f"{stems}/{rest}_Instrumental.mp3",
    }
    (body,) = recorder.bodies
    assert body["data"] == {"task_id": task_id, "vocal_removal_info": info}


async def test_midi_posts_its_midi_data_with_a_top_level_task_id(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    task_id = await ended(fake, "midi", hook)
    (body,) = recorder.bodies
    assert (body["code"], body["task_id"], body["data"]["state"]) == (
        200,
        task_id,
        "complete",
    )
    assert [i["name"] for i in body["data"]["instruments"]] == [
        "Vocals",
        "Instrumental",
    ]


async def test_video_posts_its_mp4_url(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    task_id = await ended(fake, "video", hook)
    (video_id,) = fake.task(task_id).track_ids
    (body,) = recorder.bodies
    url = f"{fake.url}/files/video/{video_id}.mp4"
    assert body["data"] == {"task_id": task_id, "video_url": url}


async def test_a_cover_posts_its_images_under_a_camel_case_task_id(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    timeline = Timeline(steps=[(0, "PENDING"), (1, "GENERATING"), (2, "SUCCESS")])
    task_id = await ended(fake, "cover-image", hook, timeline)
    images = [
        f"{fake.url}/files/cover-image/{i}.png" for i in fake.task(task_id).track_ids
    ]
    assert recorder.bodies == [
        {
            "code": 200,
            "msg": "Cover generated successfully.",
            "data": {"taskId": task_id, "images": images},
        }
    ]


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        ("wav", "GENERATE_WAV_FAILED", {"code": 500, "msg": "WAV generation failed."}),
        ("cover-image", "3", {"code": 500, "msg": "Cover generation failed."}),
        (
            "midi",
            "GENERATE_MIDI_FAILED",
            {"code": 500, "msg": "MIDI generation failed."},
        ),
        ("video", "CREATE_TASK_FAILED", {"code": 400, "msg": CREATE_FAILED}),
    ],
)
async def test_a_failure_posts_its_code_and_reason_without_a_result(
    fake: FakeSunoServer,
    recorder: Recorder,
    hook: str,
    kind: str,
    status: str,
    expected: Any,
) -> None:
    task_id = await ended(fake, kind, hook, Timeline.failure(status, 2))
    key = "taskId" if kind == "cover-image" else "task_id"
    result = (
        {"task_id": task_id, "data": None}
        if kind == "midi"
        else {"data": {key: task_id}}
    )
    assert recorder.bodies == [{**expected, **result}]
    assert [c.stage for c in fake.callbacks(task_id)] == ["error"]


async def test_a_lyrics_failure_says_error(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    timeline = Timeline.failure("SENSITIVE_WORD_ERROR", 2)
    task_id = await ended(fake, "lyrics", hook, timeline)
    assert recorder.bodies == [
        {
            "code": 400,
            "msg": "Lyrics contained copyrighted material.",
            "data": {"callbackType": "error", "task_id": task_id, "data": None},
        }
    ]


async def test_family_callbacks_are_signed_with_the_webhook_key(
    recorder: Recorder, hook: str
) -> None:
    async with FakeSunoServer(scale=0.001, webhook_key=KEY) as fake:
        task_id = await ended(fake, "video", hook)
    ((_, headers),) = recorder.received
    verify_signature(headers, task_id, KEY)  # raises if wrong


async def test_callback_faults_apply_to_family_callbacks(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    fake.fault_next_callbacks(CallbackFault.duplicate())
    task_id = await ended(fake, "wav", hook)
    assert [b["data"]["task_id"] for b in recorder.bodies] == [task_id, task_id]


async def test_a_task_that_never_ends_is_never_called_back(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    timeline = Timeline(steps=[(0, "PENDING"), (1, "GENERATING")])
    task_id = await ended(fake, "cover-image", hook, timeline)
    assert (recorder.bodies, fake.callbacks(task_id)) == ([], ())

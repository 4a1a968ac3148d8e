"""The simulator's callbacks, end to end in compressed real time on 127.0.0.1.

The simulator POSTs each stage to a task's loopback callBackUrl; a receiver
(a recording app, or `suno_async.webhooks.aiohttp_app`) takes them.
`FakeSunoServer.join_callbacks()` waits until every delivery is done.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer

from suno_async import (
    AudioGenerationFailedError,
    PollPolicy,
    SunoClient,
    TaskEvent,
    TaskStatus,
)
from suno_async.testing import (
    CallbackFault,
    FakeSunoServer,
    Fault,
    LoggedCallback,
    Timeline,
)
from suno_async.webhooks import aiohttp_app, parse_callback, verify_signature

S = TaskStatus
KEY = "whk-sim-secret"
QUICK = Timeline.success(1, 2, 3)  # task seconds: a few ms at scale 0.001


class Recorder:
    """A receiver that keeps every callback and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, Any], dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), dict(request.headers)))
        return web.json_response({"code": 200, "msg": "ok"}, status=self.status)

    @property
    def stages(self) -> list[str]:
        return [body["data"]["callbackType"] for body, _ in self.received]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.001, seed=7) as server:
        yield server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def hook(recorder: Recorder) -> AsyncIterator[str]:
    """The recorder's URL."""
    app = web.Application()
    app.router.add_post("/hook", recorder.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/hook"))


def to(url: object) -> dict[str, Any]:
    return {"callBackUrl": url, "prompt": "x"}


def receiver_socket() -> tuple[socket.socket, str]:
    """A socket bound on 127.0.0.1, and the callback URL it is to serve."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/suno/callback"


@asynccontextmanager
async def receiving(
    fake: FakeSunoServer,
    receiver: tuple[socket.socket, str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[SunoClient]:
    """A client whose callback_url is its own aiohttp_app receiver (on ``receiver``)."""
    sock, url = receiver or receiver_socket()
    async with fake.client(callback_url=url, **kwargs) as client:
        runner = web.AppRunner(aiohttp_app(client), shutdown_timeout=0.1)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            yield client
        finally:
            await runner.cleanup()


def reads(fake: FakeSunoServer, task_id: str) -> list[Any]:
    """The task's record-info reads (its creation's POST left out)."""
    return [r for r in fake.requests(task_id) if r.method == "GET"]


def scaled(**changes: Any) -> PollPolicy:
    """Polling for compressed time: every 50 ms."""
    return attrs.evolve(PollPolicy.fixed(0.05), first_poll_max_s=0.0, **changes)


# -- delivery ----------------------------------------------------------------------


async def test_each_stage_is_posted_in_the_wire_shape(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """text, first, complete arrive in order, snake_case, unsigned without a key."""
    task_id = fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    assert recorder.stages == ["text", "first", "complete"]
    body, headers = recorder.received[-1]
    assert body["code"] == 200
    assert sorted(body["data"]["data"][0]) == [
        "audio_url",
        "createTime",
        "duration",
        "id",
        "image_url",
        "model_name",
        "prompt",
        "source_audio_url",
        "source_image_url",
        "source_stream_audio_url",
        "stream_audio_url",
        "tags",
        "title",
    ]
    assert "X-Webhook-Signature" not in headers
    assert [(c.task_id, c.stage, c.http_status) for c in fake.callbacks()] == [
        (task_id, "text", 200),
        (task_id, "first", 200),
        (task_id, "complete", 200),
    ]


async def test_callback_tracks_decode_to_the_record_info_tracks(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """The complete callback's tracks equal the record's, field for field."""
    task_id = fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    async with fake.client() as client:
        record = await client.get_task(task_id)
    assert parse_callback(recorder.received[-1][0]).tracks == record.tracks


async def test_a_failure_is_posted_as_an_error_callback(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """A failed task gets `error` with data null and the reason's code."""
    task_id = fake.add_task(timeline=Timeline.failure(at_s=2), param=to(hook))
    await fake.join_callbacks()
    assert [body for body, _ in recorder.received] == [
        {
            "code": 501,
            "msg": "Audio generation failed.",
            "data": {"callbackType": "error", "task_id": task_id, "data": None},
        }
    ]


async def test_callbacks_are_signed_with_the_webhook_key(
    recorder: Recorder, hook: str
) -> None:
    """With webhook_key, every callback carries a valid kie.ai signature."""
    async with FakeSunoServer(scale=0.001, webhook_key=KEY) as fake:
        task_id = fake.add_task(timeline=QUICK, param=to(hook))
        await fake.join_callbacks()
    assert len(recorder.received) == 3
    for _, headers in recorder.received:
        verify_signature(headers, task_id, KEY)  # raises if wrong


async def test_a_task_made_before_the_server_starts_is_called_back(
    recorder: Recorder, hook: str
) -> None:
    """Deliveries start with the server."""
    fake = FakeSunoServer(scale=0.001)
    fake.add_task(timeline=QUICK, param=to(hook))
    async with fake:
        await fake.join_callbacks()
    assert recorder.stages == ["text", "first", "complete"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://example.com/hook", id="public-host"),
        pytest.param("http://10.0.0.1/hook", id="private-ip"),
        pytest.param("http://192.0.2.1:8080/hook", id="documentation-ip"),
        pytest.param("ftp://127.0.0.1/hook", id="not-http"),
        pytest.param("not a url", id="garbage"),
        pytest.param("http:///hook", id="no-host"),
        pytest.param(42, id="not-a-string"),
    ],
)
async def test_only_loopback_urls_are_ever_called(
    fake: FakeSunoServer, recorder: Recorder, hook: str, url: object
) -> None:
    """A task with a non-loopback callBackUrl is simply not called back."""
    fake.add_task(timeline=QUICK, param=to(url))
    control = fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    assert {c.task_id for c in fake.callbacks()} == {control}


@pytest.mark.parametrize(
    "host",
    [pytest.param("localhost", id="localhost"), pytest.param("127.0.0.2", id="127/8")],
)
async def test_loopback_names_and_the_whole_127_network_are_called(
    fake: FakeSunoServer, host: str
) -> None:
    """localhost and 127.0.0.0/8 are loopback (nothing listens: status None)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and closed again: refused
    fake.add_task(
        timeline=Timeline.success(None, None, 1), param=to(f"http://{host}:{port}/x")
    )
    await fake.join_callbacks()
    assert [(c.stage, c.http_status) for c in fake.callbacks()] == [("complete", None)]


async def test_closing_the_server_cancels_pending_deliveries(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """aclose cancels deliveries not yet due; nothing is sent afterwards."""
    fake.add_task(timeline=Timeline.success(1000, 2000, 3000), param=to(hook))
    await fake.aclose()
    await fake.join_callbacks()
    me = asyncio.current_task()
    assert [t for t in asyncio.all_tasks() if t is not me and not t.done()] == []
    assert (fake.callbacks(), recorder.received) == ((), [])


# -- faults ------------------------------------------------------------------------


async def test_a_dropped_callback_is_logged_but_never_sent(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """drop(): the receiver never sees that stage."""
    fake.fault_next_callbacks(None, CallbackFault.drop())
    task_id = fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    assert recorder.stages == ["text", "complete"]
    assert fake.callbacks(task_id)[1] == LoggedCallback(
        at=fake.callbacks(task_id)[1].at,
        task_id=task_id,
        stage="first",
        url=hook,
        fault=CallbackFault.drop(),
        http_status=None,
    )


@pytest.mark.parametrize(
    ("faults", "stages"),
    [
        pytest.param(
            (CallbackFault.duplicate(),),
            ["text", "text", "first", "complete"],
            id="duplicate",
        ),
        pytest.param(
            (CallbackFault.reorder(),), ["first", "text", "complete"], id="reorder"
        ),
        pytest.param(
            (None, None, CallbackFault.reorder()),
            ["text", "first", "complete"],
            id="reorder-last",
        ),
        pytest.param(
            (CallbackFault.delay(0.05),), ["first", "complete", "text"], id="delay"
        ),
    ],
)
async def test_callback_faults_change_what_arrives(
    fake: FakeSunoServer,
    recorder: Recorder,
    hook: str,
    faults: tuple[CallbackFault | None, ...],
    stages: list[str],
) -> None:
    """Duplicated, reordered and delayed callbacks arrive as scripted."""
    fake.fault_next_callbacks(*faults)
    fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    assert recorder.stages == stages


async def test_a_bad_signature_is_refused_by_the_receiver(fake: FakeSunoServer) -> None:
    """bad_signature(): aiohttp_app with the real key answers 401."""
    fake.webhook_key = KEY
    fake.fault_next_callbacks(CallbackFault.bad_signature())
    async with receiving(fake, webhook_key=KEY) as client:
        fake.queue_task(QUICK)
        await client.generate(prompt="x")
        await fake.join_callbacks()
    assert [(c.stage, c.http_status) for c in fake.callbacks()] == [
        ("text", 401),
        ("first", 200),
        ("complete", 200),
    ]


async def test_callback_fault_rates_draw_from_the_seeded_rng(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """A rate of 1 applies to every callback; 0 removes the fault."""
    fake.callback_fault_rate(CallbackFault.drop(), 1.0)
    fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    fake.callback_fault_rate(CallbackFault.drop(), 0)
    fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    assert recorder.stages == ["text", "first", "complete"]
    assert [c.http_status for c in fake.callbacks()] == [None] * 3 + [200] * 3


async def test_callback_fault_rates_share_one_draw(
    fake: FakeSunoServer, recorder: Recorder, hook: str
) -> None:
    """Rates summing to 1 give every callback one of the faults."""
    fake.callback_fault_rate(CallbackFault.drop(), 0.5)
    fake.callback_fault_rate(CallbackFault.duplicate(), 0.5)
    for _ in range(3):
        fake.add_task(timeline=QUICK, param=to(hook))
    await fake.join_callbacks()
    kinds = {c.fault.kind if c.fault else None for c in fake.callbacks()}
    assert kinds == {"drop", "duplicate"}


def test_impossible_callback_faults_raise() -> None:
    """A negative or endless delay, or rates summing past 1, are refused."""
    with pytest.raises(ValueError, match="delay_s must be a finite number >= 0"):
        CallbackFault.delay(-1)
    with pytest.raises(ValueError, match="delay_s must be a finite number >= 0"):
        CallbackFault.delay(float("inf"))
    server = FakeSunoServer()
    server.callback_fault_rate(CallbackFault.drop(), 0.6)
    with pytest.raises(ValueError, match="sum to 1 at most"):
        server.callback_fault_rate(CallbackFault.duplicate(), 0.5)


# -- hybrid waiting end to end ------------------------------------------------------


async def test_generate_uses_the_client_callback_url(fake: FakeSunoServer) -> None:
    """One setting wires the receiver: the created task is called back there."""
    sock, url = receiver_socket()
    async with receiving(fake, (sock, url)) as client:
        fake.queue_task(QUICK)
        task_id = await client.generate(prompt="x")
        await fake.join_callbacks()
    assert [(c.task_id, c.url, c.http_status) for c in fake.callbacks()] == [
        (task_id, url, 200)
    ] * 3


async def test_with_callbacks_a_wait_is_cheap_and_prompt(fake: FakeSunoServer) -> None:
    """≤ 5 record-info reads; each milestone seen after its callback, before the next.

    The wait reads once at the start, then polls only every 30 task seconds
    (and, once callbacks flow, every ``callback_safety_net_s``): only the
    reads the callbacks trigger can see each milestone in time, and end the
    wait within its 5 s. (At this compressed time the default cadence's
    early reads would meet the per-task limit, which the simulator counts
    in real seconds, and delay the reads the callbacks trigger.)
    """
    fake.scale = 0.03  # 5 s, 25 s, 90 s stages: 0.15 s, 0.75 s, 2.7 s
    sparse = attrs.evolve(PollPolicy.fixed(30 * 0.03), first_poll_max_s=0.0)
    sent_when_seen: dict[TaskStatus, list[str]] = {}
    async with receiving(fake, poll=sparse) as client:
        fake.queue_task(Timeline.success(5, 25, 90))
        task_id = await client.generate(prompt="x")

        def note(event: TaskEvent) -> None:
            stages = [c.stage for c in fake.callbacks(task_id)]
            sent_when_seen.setdefault(event.status, stages)

        record = await client.wait_for_task(task_id, on_event=note, timeout=5.0)
    assert record.status is S.SUCCESS
    assert len(reads(fake, task_id)) <= 5
    assert fake.limit_violations == 0
    assert sent_when_seen == {
        S.TEXT_SUCCESS: ["text"],
        S.FIRST_SUCCESS: ["text", "first"],
        S.SUCCESS: ["text", "first", "complete"],
    }


async def test_with_every_callback_dropped_polling_still_finishes(
    fake: FakeSunoServer,
) -> None:
    """Lost callbacks never hang a wait: polling carries it to the end."""
    fake.callback_fault_rate(CallbackFault.drop(), 1.0)
    async with receiving(fake, poll=scaled()) as client:
        fake.queue_task(QUICK)
        task_id = await client.generate(prompt="x")
        events = [e.status async for e in client.wait_for_task(task_id)]
    assert events == [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS]
    assert {c.http_status for c in fake.callbacks(task_id)} == {None}


async def test_duplicated_and_reordered_callbacks_give_each_event_once(
    fake: FakeSunoServer,
) -> None:
    """Whatever the deliveries do, the wait's events are once each, in order."""
    fake.scale = 0.004
    fake.fault_next_callbacks(CallbackFault.duplicate(), CallbackFault.reorder())
    async with receiving(fake) as client:
        fake.queue_task(Timeline.success(5, 25, 90))
        task_id = await client.generate(prompt="x")
        events = [e.status async for e in client.wait_for_task(task_id)]
    assert events == [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS]


async def test_an_error_callback_fails_the_wait_at_once(fake: FakeSunoServer) -> None:
    """The error callback's read shows the failure: the wait raises, promptly."""
    fake.scale = 0.01
    async with receiving(fake) as client:
        fake.queue_task(Timeline.failure(at_s=20, text_s=5))
        task_id = await client.generate(prompt="x")
        with pytest.raises(AudioGenerationFailedError):
            await client.wait_for_task(task_id, timeout=5.0)
    assert len(reads(fake, task_id)) <= 4


async def test_the_receiver_answers_while_record_info_is_slow(
    fake: FakeSunoServer,
) -> None:
    """The handler only nudges the poller: it answers before the slow read ends."""
    task_id = fake.add_task(
        timeline=Timeline.success(1000, 2000, 3000), faults=[Fault.slow(10.0)] * 3
    )
    body = json.dumps(
        {"code": 200, "data": {"callbackType": "text", "task_id": task_id}}
    ).encode()
    async with fake.client(poll=scaled()) as client:
        app = aiohttp_app(client)
        async with TestServer(app, host="127.0.0.1") as receiver:
            waiting = asyncio.ensure_future(client.wait_for_task(task_id))
            answers = [await asyncio.wait_for(post(receiver, body), 2.0) for _ in "ab"]
            assert (answers, waiting.done(), len(fake.requests(task_id))) == (
                [200, 200],
                False,
                1,
            )
        waiting.cancel()


async def post(server: BaseTestServer, body: bytes) -> int:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/suno/callback"), data=body) as response,
    ):
        return response.status

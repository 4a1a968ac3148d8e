"""The per-request hot path: slots taken without a timer, fields decoded when read."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
import typing
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
import pytest

from suno_async import (
    APIKLEY,
    DecodeError,
    RequestTimeoutError,
    TaskRecord,
    TaskStatus,
    Track,
)
from suno_async._core.convert import decode_record
from suno_async._core.models import Deferred
from suno_async._io.gate import Gate
from suno_async._io.http import Transport, nothing_sent
from suno_async._io.limiter import LimiterStatistics, LocalRateLimiter
from suno_async.testing import VirtualClock

WIRE_TRACK = {
    "id": "tr-1",
    "audioUrl": "https://cdn.test/1.mp3",
    "streamAudioUrl": "",
    "title": "One",
    "tags": "piano, calm",
    "createTime": 1776340151000,
    "duration": 198.44,
}
WIRE_PARAM = {"model": "V4_5", "instrumental": True}


def wire_data() -> dict[str, Any]:
    """Record-info ``data`` as the JSON parser gives it."""
    return {
        "taskId": "task-1",
        "status": "SUCCESS",
        "param": json.dumps(WIRE_PARAM),
        "response": {"sunoData": [dict(WIRE_TRACK), "not a track"]},
    }


def eager_record(data: dict[str, Any]) -> TaskRecord:
    """The same record built field by field, nothing left to read later."""
    return TaskRecord(
        task_id="task-1",
        status=TaskStatus.SUCCESS,
        status_raw="SUCCESS",
        tracks=(
            Track(
                id="tr-1",
                audio_url="https://cdn.test/1.mp3",
                title="One",
                tags=("piano", "calm"),
                created_at=decode_record(data).tracks[0].created_at,
                duration=198.44,
            ),
        ),
        param=WIRE_PARAM,
        param_raw=json.dumps(WIRE_PARAM),
        raw=data,
    )


# --- LocalSlot.enter_now ------------------------------------------------------------


async def test_a_free_slot_is_taken_at_once() -> None:
    """enter_now takes a free slot without awaiting; leaving the block frees it."""
    clock = VirtualClock()
    limiter = LocalRateLimiter(clock=clock)
    slot = limiter.slot("task")
    assert slot.enter_now() is True
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=1, waiting=0)
    await slot.__aexit__(None, None, None)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)


async def test_a_full_window_is_not_entered_at_once() -> None:
    """With the key's window full, enter_now refuses and holds nothing."""
    clock = VirtualClock()
    limiter = LocalRateLimiter(limit=1, clock=clock)
    async with limiter.slot("task"):
        slot = limiter.slot("task")
        assert slot.enter_now() is False
        await slot.__aexit__(None, None, None)  # nothing held: nothing released
        assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=1, waiting=0)


async def _a_holder_and_a_waiter(
    clock: VirtualClock, seen: dict[str, object] | None = None
) -> tuple[LocalRateLimiter, Any, asyncio.Future[None]]:
    """A limit-1 limiter: one slot of "task" held, one caller queued for it.

    ``seen`` gets the limiter's queues as they were once the slot was held.
    """
    limiter = LocalRateLimiter(limit=1, clock=clock)
    first = limiter.slot("task")
    assert first.enter_now() is True
    if seen is not None:
        seen.update(limiter._queues)
    waiter = asyncio.ensure_future(limiter.slot("task").__aenter__())
    await asyncio.sleep(0)
    return limiter, first, waiter


async def test_a_queued_caller_keeps_its_turn() -> None:
    """While a caller waits for the key, enter_now refuses even a free window."""
    clock = VirtualClock()
    limiter, first, waiter = await _a_holder_and_a_waiter(clock)
    await first.__aexit__(None, None, None)
    clock.advance(1.0)  # the window is free again, but the waiter is first
    refused = limiter.slot("task").enter_now()
    await waiter
    assert (refused, limiter.statistics()) == (
        False,
        LimiterStatistics(keys=1, in_flight=1, waiting=0),
    )


async def test_a_key_has_a_queue_only_while_callers_wait_for_it() -> None:
    """A free slot builds no queue; a key's queue goes once its last waiter is in."""
    clock = VirtualClock()
    queues_when_free: dict[str, object] = {}
    limiter, first, waiter = await _a_holder_and_a_waiter(clock, queues_when_free)
    queued_keys = list(limiter._queues)
    await first.__aexit__(None, None, None)
    clock.advance(1.0)
    await waiter
    assert (queues_when_free, queued_keys, limiter._queues) == ({}, ["task"], {})


async def test_a_cancelled_waiter_leaves_no_queue_behind() -> None:
    """Cancelling the only waiter drops the key's queue; the key then expires."""
    clock = VirtualClock()
    limiter, first, waiter = await _a_holder_and_a_waiter(clock)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    await first.__aexit__(None, None, None)
    clock.advance(1.0)
    assert (limiter._queues, limiter.statistics()) == (
        {},
        LimiterStatistics(keys=0, in_flight=0, waiting=0),
    )


async def test_a_saturated_key_times_out_before_sending() -> None:
    """A request whose key has no free slot waits under its timeout, unsent."""
    limiter = LocalRateLimiter(limit=1, window_s=60.0)
    transport = Transport(
        api_key="sk-test",
        provider=APIKLEY,
        base_url="http://127.0.0.1:9",  # never reached
        session=None,
        request_timeout=5.0,
        max_connections=1,
    )
    try:
        async with limiter.slot("t1"):
            with pytest.raises(RequestTimeoutError) as info:
                await transport.request(
                    "GET",
                    "/api/v1/generate/record-info",
                    params={"taskId": "t1"},
                    task_id="t1",
                    timeout=0.01,
                    slot=lambda: limiter.slot("t1"),
                )
    finally:
        await transport.aclose()
    assert (str(info.value), info.value.connected) == (
        "request timed out after 0.01 s (task t1)",
        False,
    )


# --- fields decoded when read ---------------------------------------------------------


def test_tracks_and_param_are_read_when_first_looked_at() -> None:
    """A decoded record holds the wire's tracks and param until they are read."""
    data = wire_data()
    record = decode_record(data)
    stored = [TaskRecord.__dict__[name] for name in ("tracks", "param")]
    before = [type(slot._slot.__get__(record)) for slot in stored]
    tracks = record.tracks
    after = [type(slot._slot.__get__(record)) for slot in stored[:1]]
    assert (before, after, record.tracks is tracks) == (
        [Deferred, Deferred],
        [tuple],
        True,
    )


def test_a_decoded_record_equals_one_built_eagerly() -> None:
    """Reading later changes nothing a user sees: values, equality, repr, dicts."""
    data = wire_data()
    eager = eager_record(data)
    assert decode_record(data) == eager
    assert repr(decode_record(data)) == repr(eager)
    assert decode_record(data).to_dict() == eager.to_dict()
    assert attrs.evolve(decode_record(data), status_raw="x") == attrs.evolve(
        eager, status_raw="x"
    )


@pytest.mark.parametrize(
    "clone",
    [
        pytest.param(lambda r: pickle.loads(pickle.dumps(r)), id="pickle"),  # noqa: S301
        pytest.param(copy.copy, id="copy"),
        pytest.param(copy.deepcopy, id="deepcopy"),
    ],
)
def test_copies_of_an_unread_record_hold_values(clone: Any) -> None:
    """Copying a record whose fields were never read copies their values."""
    data = wire_data()
    copied = clone(decode_record(data))
    assert copied == eager_record(data)


def test_records_not_parsed_from_json_are_read_at_once() -> None:
    """Tracks given as a tuple, or a param given as an object, are decoded eagerly."""
    data = wire_data()
    data["response"] = {"sunoData": (dict(WIRE_TRACK),)}
    data["param"] = dict(WIRE_PARAM)
    record = decode_record(data)
    stored = [
        TaskRecord.__dict__[name]._slot.__get__(record) for name in ("tracks", "param")
    ]
    assert [type(value) for value in stored] == [tuple, dict]
    assert (record.tracks[0].id, record.param, record.param_raw) == (
        "tr-1",
        WIRE_PARAM,
        None,
    )


def test_the_class_attribute_is_the_deferring_slot() -> None:
    """The class's fields and their types stay as declared."""
    hints = typing.get_type_hints(TaskRecord)
    assert (hints["tracks"], hints["param"]) == (tuple[Track, ...], Mapping[str, Any])
    assert [field.name for field in attrs.fields(TaskRecord)][-6:] == [
        "tracks",
        "operation_type",
        "model_family",
        "param",
        "param_raw",
        "parent_music_id",
    ]
    assert type(TaskRecord.tracks).__name__ == "_DeferredSlot"


# --- the client-wide gate -------------------------------------------------------------


class HoldingServer:
    """A loopback HTTP server that answers only once :meth:`release` is called."""

    def __init__(self) -> None:
        self.seen = 0
        self.released = asyncio.Event()
        self._arrival = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        body = b'{"code": 200, "msg": "ok", "data": 1}'
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.seen += 1
                self._arrival.set()
                await self.released.wait()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def arrivals(self, count: int) -> int:
        """Wait for ``count`` arrivals, then a few loop turns; how many arrived."""
        while self.seen < count:
            self._arrival.clear()
            await asyncio.wait_for(self._arrival.wait(), 5)
        for _ in range(20):
            await asyncio.sleep(0)
        return self.seen

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


def transport_to(base: str, **options: Any) -> Transport:
    settings: dict[str, Any] = {"session": None, "max_connections": 2}
    settings.update(options)
    return Transport(
        api_key="sk-test",
        provider=APIKLEY,
        base_url=base,
        request_timeout=5.0,
        **settings,
    )


async def get(transport: Transport, task_id: str, **kwargs: Any) -> Any:
    return await transport.request(
        "GET",
        "/api/v1/generate/record-info",
        params={"taskId": task_id},
        task_id=task_id,
        **kwargs,
    )


async def test_at_most_max_connections_requests_are_sent_at_once() -> None:
    """Further requests wait for a turn; each is sent once one ahead is answered."""
    server = HoldingServer()
    async with server as base:
        transport = transport_to(base, max_connections=2)
        try:
            calls = [asyncio.ensure_future(get(transport, f"t{n}")) for n in range(5)]
            seen_while_held = await server.arrivals(2)
            server.released.set()
            results = await asyncio.wait_for(asyncio.gather(*calls), 5)
        finally:
            await transport.aclose()
    assert (seen_while_held, results, server.seen) == (2, [1] * 5, 5)


async def test_a_request_waiting_for_its_turn_times_out_unsent() -> None:
    """The wait for a turn counts against the timeout; the request never left."""
    server = HoldingServer()
    async with server as base:
        transport = transport_to(base, max_connections=1)
        try:
            first = asyncio.ensure_future(get(transport, "t1"))
            await server.arrivals(1)
            with pytest.raises(RequestTimeoutError) as info:
                await get(transport, "t2", timeout=0.05)
            server.released.set()
            await asyncio.wait_for(first, 5)
        finally:
            await transport.aclose()
    assert (info.value.connected, nothing_sent(info.value), server.seen) == (
        False,
        True,
        1,
    )


async def test_an_injected_session_without_a_limit_is_not_gated() -> None:
    """An injected session's own connector limit applies, none when it has none."""
    server = HoldingServer()
    async with (
        server as base,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
    ):
        transport = transport_to(base, session=session, max_connections=1)
        calls = [asyncio.ensure_future(get(transport, f"t{n}")) for n in range(3)]
        seen_while_held = await server.arrivals(3)
        server.released.set()
        await asyncio.wait_for(asyncio.gather(*calls), 5)
    assert seen_while_held == 3


# --- the gate itself ----------------------------------------------------------------


async def test_the_gate_admits_in_order_and_passes_turns_on() -> None:
    """Waiters get turns first come, first served, as holders leave."""
    gate = Gate(1)
    assert gate.enter_now() is True
    order: list[int] = []

    async def wait(n: int) -> None:
        await gate.enter(5.0)
        order.append(n)

    waiters = [asyncio.ensure_future(wait(n)) for n in range(3)]
    await asyncio.sleep(0)
    assert (gate.enter_now(), gate.waiting) == (False, 3)
    for _ in range(3):
        gate.leave()
        await asyncio.sleep(0)
    await asyncio.gather(*waiters)
    gate.leave()
    assert (order, repr(gate)) == ([0, 1, 2], "<Gate limit=1 free=1 waiting=0>")


async def test_a_waiter_past_its_deadline_times_out_and_others_keep_waiting() -> None:
    """Each waiter has its own deadline; an expired one leaves the queue."""
    gate = Gate(1)
    gate.enter_now()
    short = asyncio.ensure_future(gate.enter(0.01))
    long = asyncio.ensure_future(gate.enter(5.0))
    with pytest.raises(asyncio.TimeoutError):
        await short
    gate.leave()
    assert await asyncio.wait_for(long, 5) >= 0.01


async def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    """A waiter cancelled after being admitted hands the turn to the next one."""
    gate = Gate(1)
    gate.enter_now()
    first = asyncio.ensure_future(gate.enter(5.0))
    second = asyncio.ensure_future(gate.enter(5.0))
    await asyncio.sleep(0)
    gate.leave()  # the turn goes to `first`...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)
    assert gate.waiting == 0


def test_a_gate_needs_room_for_one() -> None:
    """A limit under 1 is refused."""
    with pytest.raises(ValueError, match="at least 1"):
        Gate(0)


class ExplodingText(str):
    """A string no JSON parser makes: reading it raises."""

    __slots__ = ()

    def strip(self, chars: str | None = None) -> str:
        raise RuntimeError("boom")


def test_a_dict_holding_a_hostile_value_is_a_decode_error() -> None:
    """The fast path for plain dicts still turns any failure into DecodeError."""
    with pytest.raises(DecodeError, match="unreadable record-info data") as info:
        decode_record({"taskId": ExplodingText("t1")})
    assert isinstance(info.value.__cause__, RuntimeError)

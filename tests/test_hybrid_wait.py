"""Hybrid waiting: callbacks wake waits at once; polling becomes a safety net.

Virtual time (VirtualClock) against scripted record-info answers; callbacks
are handed to `client.handle_callback` at chosen virtual times. Polls are
every 1.0 s (first at once) until callbacks flow, then every
`callback_safety_net_s` (30 s by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import pytest

from suno_async import (
    AudioGenerationFailedError,
    PollPolicy,
    SunoClient,
    TaskEvent,
    TaskStatus,
    WaitTimeoutError,
)
from suno_async.testing import VirtualClock
from suno_async.webhooks import sign_callback

from aiomock import MockedHTTP
from waitkit import BASE_URL, ScriptedService

S = TaskStatus
NORMAL = (
    (0.0, "PENDING"),
    (2.5, "TEXT_SUCCESS"),
    (5.5, "FIRST_SUCCESS"),
    (8.5, "SUCCESS"),
)
START = 1000.0


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=START)


@pytest.fixture
def service(clock: VirtualClock) -> Iterator[ScriptedService]:
    with MockedHTTP() as mocked:
        yield ScriptedService(mocked, clock)


def policy(clock: VirtualClock, **changes: Any) -> PollPolicy:
    return attrs.evolve(PollPolicy.fixed(1.0), random=lambda: 0.0, **changes)


@pytest.fixture
async def client(clock: VirtualClock) -> AsyncIterator[SunoClient]:
    async with SunoClient(
        api_key="sk-secret",
        base_url=BASE_URL,
        poll=policy(clock),
        clock=clock,
    ) as c:
        yield c


def callback(task_id: str, stage: str) -> dict[str, Any]:
    return {
        "code": 200 if stage != "error" else 501,
        "msg": "",
        "data": {"callbackType": stage, "task_id": task_id, "data": None},
    }


class Script:
    """Starts a wait, then hands callbacks to the client at virtual times."""

    def __init__(
        self, client: SunoClient, clock: VirtualClock, key: str | None = None
    ) -> None:
        self.client = client
        self.clock = clock
        self.key = key

    async def at(self, offset: float, task_id: str, stage: str) -> None:
        await self.clock.sleep(START + offset - self.clock.now())
        headers = None if self.key is None else sign_callback(task_id, self.key)
        await self.client.handle_callback(callback(task_id, stage), headers)

    async def run(
        self, task_id: str, callbacks: list[tuple[float, str]], **wait: Any
    ) -> list[TaskEvent]:
        events: list[TaskEvent] = []

        async def collect() -> None:
            async for event in self.client.wait_for_task(task_id, **wait):
                events.append(event)

        waiting = asyncio.ensure_future(collect())
        try:
            for offset, stage in callbacks:
                await self.at(offset, task_id, stage)
            await waiting
        finally:
            waiting.cancel()
        return events


@pytest.fixture
def script(client: SunoClient, clock: VirtualClock) -> Script:
    return Script(client, clock)


@pytest.fixture
async def signed(clock: VirtualClock) -> AsyncIterator[Script]:
    """A client that verifies callbacks, and a script that signs them."""
    async with SunoClient(
        api_key="sk-secret",
        base_url=BASE_URL,
        poll=policy(clock),
        clock=clock,
        webhook_key="whk-secret",
    ) as c:
        yield Script(c, clock, key="whk-secret")


def summary(events: list[TaskEvent]) -> list[tuple[TaskStatus, bool, float, int]]:
    return [(e.status, e.inferred, e.elapsed, e.polls) for e in events]


def arrivals(service: ScriptedService, task_id: str) -> list[float]:
    return [t - START for t in service.arrivals(task_id)]


async def test_each_callback_triggers_one_immediate_read(
    service: ScriptedService, script: Script
) -> None:
    """Milestones arrive when their callbacks do, each confirmed by one read."""
    service.add("t1", NORMAL)
    events = await script.run("t1", [(2.5, "text"), (5.5, "first"), (8.5, "complete")])
    assert summary(events) == [
        (S.TEXT_SUCCESS, False, 2.5, 4),
        (S.FIRST_SUCCESS, False, 5.5, 5),
        (S.SUCCESS, False, 8.5, 6),
    ]
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 5.5, 8.5]


async def test_the_record_not_the_callback_is_what_the_wait_returns(
    service: ScriptedService, script: Script, client: SunoClient
) -> None:
    """The final record is record-info's, with its tracks."""
    service.add("t1", NORMAL)
    wait = client.wait_for_task("t1")
    waiting = asyncio.ensure_future(wait)
    await script.at(8.5, "t1", "complete")
    record = await waiting
    assert (record.status, [t.id for t in record.tracks]) == (
        S.SUCCESS,
        ["t1-1", "t1-2"],
    )


async def test_lost_callbacks_are_covered_by_the_safety_net(
    service: ScriptedService, script: Script
) -> None:
    """Once callbacks flow, polls come every 30 s; a lost one is caught there."""
    service.add("t1", NORMAL)
    events = await script.run("t1", [(2.5, "text")])
    assert summary(events) == [
        (S.TEXT_SUCCESS, False, 2.5, 4),
        (S.FIRST_SUCCESS, True, 32.5, 5),
        (S.SUCCESS, False, 32.5, 5),
    ]
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 32.5]


async def test_the_safety_net_cadence_is_configurable(
    service: ScriptedService, script: Script, clock: VirtualClock
) -> None:
    """PollPolicy.callback_safety_net_s sets the cadence while callbacks flow."""
    service.add("t1", NORMAL)
    await script.run(
        "t1", [(2.5, "text")], poll=policy(clock, callback_safety_net_s=10.0)
    )
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 12.5]


async def test_another_tasks_callbacks_never_slow_a_wait(
    service: ScriptedService, script: Script
) -> None:
    """t0's callbacks, confirmed by a read, leave t1's polling as it was: a wait
    relaxes only for its own task's callbacks."""
    service.add("t0", NORMAL)
    service.add("t1", NORMAL)
    await script.run("t0", [(2.5, "text")], until=S.TEXT_SUCCESS)
    events = await script.run("t1", [])
    assert summary(events) == [
        (S.TEXT_SUCCESS, False, 0.0, 1),
        (S.FIRST_SUCCESS, False, 3.0, 4),
        (S.SUCCESS, False, 6.0, 7),
    ]
    assert arrivals(service, "t1") == [2.5 + n for n in range(7)]


async def test_a_callback_for_an_unwaited_task_changes_no_cadence(
    service: ScriptedService, script: Script, client: SunoClient
) -> None:
    """An unconfirmable (perhaps forged) callback does not slow other waits down."""
    service.add("t1", [(0.0, "PENDING"), (3.5, "SUCCESS")])
    await client.handle_callback(callback("other", "text"))
    await script.run("t1", [])
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 3.0, 4.0]


async def test_duplicate_callbacks_never_repeat_a_milestone(
    service: ScriptedService, script: Script
) -> None:
    """A stage the record already showed costs no read and produces no event."""
    service.add("t1", NORMAL)
    events = await script.run(
        "t1", [(2.5, "text"), (3.0, "text"), (8.5, "complete"), (8.6, "complete")]
    )
    assert [(e.status, e.inferred, e.elapsed) for e in events] == [
        (S.TEXT_SUCCESS, False, 2.5),
        (S.FIRST_SUCCESS, True, 8.5),
        (S.SUCCESS, False, 8.5),
    ]
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 8.5]


async def test_out_of_order_callbacks_never_go_backwards(
    service: ScriptedService, script: Script
) -> None:
    """`complete` before `first`: milestones once, in order; the late one is free."""
    service.add("t1", NORMAL)
    events = await script.run("t1", [(2.5, "text"), (8.5, "complete"), (9.0, "first")])
    assert [(e.status, e.inferred, e.elapsed) for e in events] == [
        (S.TEXT_SUCCESS, False, 2.5),
        (S.FIRST_SUCCESS, True, 8.5),
        (S.SUCCESS, False, 8.5),
    ]
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 8.5]


async def test_a_record_lagging_behind_its_callback_is_read_again_soon(
    service: ScriptedService, signed: Script
) -> None:
    """If the read does not show a signed callback's stage yet, it is retried 1 s on."""
    service.add("t1", NORMAL)
    events = await signed.run("t1", [(1.5, "text"), (5.5, "first"), (8.5, "complete")])
    assert [(e.status, e.elapsed) for e in events] == [
        (S.TEXT_SUCCESS, 2.5),
        (S.FIRST_SUCCESS, 5.5),
        (S.SUCCESS, 8.5),
    ]
    assert arrivals(service, "t1") == [0.0, 1.0, 1.5, 2.5, 5.5, 8.5]


async def test_a_forged_callback_costs_one_read_and_no_milestone(
    service: ScriptedService, script: Script
) -> None:
    """A false, unsigned `complete`: one extra read, no event, no slower polling."""
    service.add("t1", [(0.0, "PENDING")])
    with pytest.raises(WaitTimeoutError):
        await script.run("t1", [(1.5, "complete")], timeout=40.0)
    assert arrivals(service, "t1") == [0.0, 1.0, 1.5] + [2.5 + n for n in range(38)]


async def test_an_error_callback_raises_the_same_failure_as_polling(
    service: ScriptedService, script: Script
) -> None:
    """The `error` callback's read shows the failure: TaskFailedError subclass."""
    service.add(
        "t1",
        [(0.0, "PENDING"), (2.5, "TEXT_SUCCESS"), (4.0, "GENERATE_AUDIO_FAILED")],
    )
    with pytest.raises(AudioGenerationFailedError) as caught:
        await script.run("t1", [(2.5, "text"), (4.0, "error")])
    assert caught.value.record.status is S.GENERATE_AUDIO_FAILED
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 4.0]


async def test_a_callback_wakes_only_its_own_task(
    service: ScriptedService, script: Script, client: SunoClient
) -> None:
    """Another task's wait is neither read early nor slowed down: it keeps
    polling every second while t1 runs on its callbacks."""
    service.add("t1", NORMAL)
    service.add("t2", [(0.0, "PENDING"), (8.5, "SUCCESS")])
    other = asyncio.ensure_future(client.wait_for_task("t2"))
    await script.run("t1", [(2.5, "text"), (5.5, "first"), (8.5, "complete")])
    other.cancel()
    assert arrivals(service, "t2") == [float(n) for n in range(9)]


async def test_a_stream_of_forged_callbacks_costs_one_read_per_poll_at_most(
    service: ScriptedService, script: Script
) -> None:
    """Forged unsigned `complete`s every 0.25 s: the first costs a read, then
    they are doubted until a read shows progress; never a false milestone."""
    service.add("t1", [(0.0, "PENDING")])
    forged = [(0.25 + 0.25 * n, "complete") for n in range(15)]
    with pytest.raises(WaitTimeoutError):
        await script.run("t1", forged, timeout=4.0)
    assert arrivals(service, "t1") == [0.0, 0.25, 1.25, 2.25, 3.25]


async def test_a_confirmed_unsigned_callback_relaxes_its_own_task(
    service: ScriptedService, script: Script
) -> None:
    """An unsigned callback that the record backs proves this task's
    callbacks arrive: the task then polls only as a safety net."""
    service.add("t1", NORMAL)
    await script.run("t1", [(2.5, "text")], until=S.FIRST_SUCCESS, timeout=100.0)
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 32.5]


async def test_a_forged_callback_revokes_the_safety_net(
    service: ScriptedService, script: Script
) -> None:
    """After a confirmed callback the task relaxes; an unbacked one brings its
    ordinary polling back, so forgeries cannot stretch a wait's latency."""
    service.add("t1", NORMAL)
    await script.run("t1", [(2.5, "text"), (3.0, "complete")], until=S.FIRST_SUCCESS)
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0]


async def test_a_signed_duplicate_still_shows_callbacks_arrive(
    service: ScriptedService, signed: Script
) -> None:
    """A signed callback for a stage already read costs nothing, yet tells
    that this task's callbacks arrive: polling slows to the safety net."""
    service.add("t1", NORMAL)
    await signed.run("t1", [(3.5, "text")], until=S.FIRST_SUCCESS, timeout=100.0)
    assert arrivals(service, "t1") == [0.0, 1.0, 2.0, 3.0, 4.0, 34.0]

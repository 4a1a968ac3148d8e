"""Waiting against the simulator over real HTTP on 127.0.0.1, in compressed time."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

import pytest

from suno_async import (
    AudioGenerationFailedError,
    CallbackDeliveryError,
    PollPolicy,
    RateLimitError,
    RetryPolicy,
    SensitiveContentError,
    SunoClient,
    TaskCreationFailedError,
    TaskStatus,
    WaitTimeoutError,
)
from suno_async.testing import FakeSunoServer, Fault, Timeline

SCALE = 0.01  # a 160 s task plays in 1.6 s
FAST_RETRY = RetryPolicy(initial_s=0.05, max_s=0.3)


@pytest.fixture
async def server() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=SCALE, seed=7) as server:
        yield server


#: Each behaviour: how to add such a task, and what its outcome must be.
Behaviour = tuple[Callable[[FakeSunoServer, random.Random], str], str]

BEHAVIOURS: dict[str, Behaviour] = {
    "normal": (lambda s, r: s.add_task(timeline=Timeline.realistic(r)), "SUCCESS"),
    "create-failed": (
        lambda s, r: s.add_task(timeline=Timeline.failure("CREATE_TASK_FAILED", 5)),
        TaskCreationFailedError.__name__,
    ),
    "audio-failed": (
        lambda s, r: s.add_task(timeline=Timeline.failure(at_s=40, text_s=8)),
        AudioGenerationFailedError.__name__,
    ),
    "callback-failed": (
        lambda s, r: s.add_task(timeline=Timeline.failure("CALLBACK_EXCEPTION", 60)),
        CallbackDeliveryError.__name__,
    ),
    "sensitive": (
        lambda s, r: s.add_task(timeline=Timeline.failure("SENSITIVE_WORD_ERROR", 4)),
        SensitiveContentError.__name__,
    ),
    "flaky": (
        lambda s, r: s.add_task(
            timeline=Timeline.realistic(r),
            faults=[
                Fault.reset(),
                Fault.reset(),
                Fault.http(502),
                Fault.body_code(455),
                Fault.malformed(),
                Fault.truncated(),
                Fault.http(503, body="text"),
                Fault.body_code(500),
            ],
        ),
        "SUCCESS",
    ),
    "rate-limited": (
        lambda s, r: s.add_task(
            timeline=Timeline.realistic(r),
            faults=[
                Fault.rate_limit(0.2),
                None,
                Fault.rate_limit(),
                Fault.body_code(429),
            ],
        ),
        "SUCCESS",
    ),
    "odd-statuses": (
        lambda s, r: s.add_task(
            timeline=Timeline.success(5, 30, 80),
            faults=[
                Fault.status("QUEUED"),
                None,
                None,
                Fault.regress(),
                Fault.status(""),
            ],
        ),
        "SUCCESS",
    ),
    "not-found-first": (
        lambda s, r: s.add_task(timeline=Timeline.realistic(r).not_found_for(30)),
        "SUCCESS",
    ),
    "hanging": (
        lambda s, r: s.add_task(timeline=Timeline(steps=[(0.0, "PENDING")])),
        WaitTimeoutError.__name__,
    ),
}


async def test_a_thousand_mixed_tasks(server: FakeSunoServer) -> None:
    """1,000 tasks of every behaviour: right outcomes, no limit violated, no leak."""
    rng = random.Random(3)
    names = list(BEHAVIOURS)
    expected: dict[str, str] = {}
    for n in range(1000):
        name = names[n % len(names)]
        task_id = BEHAVIOURS[name][0](server, rng)
        expected[task_id] = BEHAVIOURS[name][1]
    poll = PollPolicy.fixed(0.25)
    async with server.client(poll=poll, retry=FAST_RETRY) as client:
        outcomes = [o async for o in client.wait_many(expected, timeout=12.0)]
    got = {
        o.task_id: type(o.error).__name__ if o.error else o.unwrap().status.value
        for o in outcomes
    }
    assert len(outcomes) == 1000
    assert got == expected
    assert server.limit_violations == 0
    assert await _only_this_task_left() == {asyncio.current_task()}


async def _only_this_task_left(turns: int = 50) -> set[asyncio.Task[object]]:
    """The loop's unfinished tasks, once those ending now have ended.

    The client's close drops its connections; the simulator's handler of
    each learns it on a later turn of the loop (the socket's EOF), so a few
    turns are given before the tasks are counted. No wall time is waited.
    """
    current = {asyncio.current_task()}
    for _ in range(turns):
        pending = {t for t in asyncio.all_tasks() if not t.done()}
        if pending == current:
            break
        await asyncio.sleep(0)
    return pending


async def test_each_milestone_once_over_real_http(server: FakeSunoServer) -> None:
    """A real-time wait sees TEXT, FIRST and SUCCESS once each, in order."""
    task_id = server.add_task(timeline=Timeline.success(50, 150, 250))
    async with server.client(poll=PollPolicy.fixed(0.4)) as client:
        events = [e async for e in client.wait_for_task(task_id)]
    assert [(e.status, e.inferred) for e in events] == [
        (TaskStatus.TEXT_SUCCESS, False),
        (TaskStatus.FIRST_SUCCESS, False),
        (TaskStatus.SUCCESS, False),
    ]


async def test_deadline_during_a_slow_request(server: FakeSunoServer) -> None:
    """A request still running at the deadline does not carry the wait past it."""
    task_id = server.add_task(timeline=Timeline.success(), faults=[Fault.slow(5.0)])
    poll = PollPolicy(kind="fixed", interval_s=0.05, first_poll_max_s=0.0)
    async with server.client(poll=poll) as client:
        with pytest.raises(WaitTimeoutError):
            await client.wait_for_task(task_id, timeout=0.3)
        # the wait is over, and its only request is still waiting for its answer
        (slow,) = server.requests(task_id)
        assert (slow.fault, slow.http_status) == (Fault.slow(5.0), None)


async def test_waiters_in_many_clients_stay_within_the_limit(
    server: FakeSunoServer,
) -> None:
    """get_task hammering and a wait on one task never exceed 3 requests a second."""
    task_id = server.add_task(timeline=Timeline.success(5, 25, 60))
    async with server.client(poll=PollPolicy.fixed(0.01)) as client:
        wait = asyncio.ensure_future(client.wait_for_task(task_id))
        reads = await asyncio.gather(*(client.get_task(task_id) for _ in range(6)))
        record = await wait
    assert len(reads) == 6
    assert record.status is TaskStatus.SUCCESS
    assert server.limit_violations == 0


async def test_default_policy_waits_a_real_task(server: FakeSunoServer) -> None:
    """The default PollPolicy and RetryPolicy bring a quick task home."""
    task_id = server.add_task(timeline=Timeline.success(1, 2, 3))
    client: SunoClient
    async with server.client() as client:
        record = await client.wait_for_task(task_id, timeout=10.0)
    assert record.status is TaskStatus.SUCCESS


async def test_rate_limit_answers_slow_the_client_down(server: FakeSunoServer) -> None:
    """After rate-limit answers the pacing halves each time (AIMD)."""
    ids = [server.add_task(timeline=Timeline.success()) for _ in range(5)]
    async with server.client(max_requests_per_second=40.0) as client:
        server.fault_rate(Fault.body_code(429), 1.0)
        for task_id in ids[:3]:
            with pytest.raises(RateLimitError):
                await client.get_task(task_id)
        server.fault_rate(Fault.body_code(429), 0.0)
        await client.get_task(ids[3])
        await client.get_task(ids[4])
    at = [r.at for r in server.requests()]
    # unpaced 40 a second (0.025 s apart); after three 429s 40 / 2**3 = 5 a
    # second (0.2 s), minus what arrival jitter under load can take away
    assert at[-2] - at[-3] >= 0.12

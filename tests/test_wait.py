"""wait_for_task: milestones, failures, retries, deadlines, cancellation, single-flight.

Every test runs in virtual time (VirtualClock) against scripted record-info
answers at the HTTP edge; polls are every 1.0 s with the first at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import attrs
import pytest

from suno_async import (
    AudioGenerationFailedError,
    AuthenticationError,
    CallbackDeliveryError,
    ClientClosedError,
    InvalidArgumentError,
    PollPolicy,
    RetryDetails,
    RetryPolicy,
    SensitiveContentError,
    ServerError,
    SunoClient,
    TaskCreationFailedError,
    TaskEvent,
    TaskFailedError,
    TaskNotFoundError,
    TaskStatus,
    TransportError,
    UsageError,
    WaitTimeoutError,
)
from suno_async.testing import VirtualClock

from aiomock import MockedHTTP
from waitkit import (
    BASE_URL,
    ScriptedService,
    body_code,
    connection_refused,
    connection_reset,
    http_error,
)

S = TaskStatus
NORMAL = (
    (0.0, "PENDING"),
    (2.5, "TEXT_SUCCESS"),
    (5.5, "FIRST_SUCCESS"),
    (8.5, "SUCCESS"),
)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
def service(clock: VirtualClock) -> Iterator[ScriptedService]:
    with MockedHTTP() as mocked:
        yield ScriptedService(mocked, clock)


def every_second(clock: VirtualClock) -> PollPolicy:
    return attrs.evolve(PollPolicy.fixed(1.0), random=lambda: 0.0)


@pytest.fixture
async def client(clock: VirtualClock) -> AsyncIterator[SunoClient]:
    retry = RetryPolicy(initial_s=1.0, max_s=4.0, jitter="full", random=lambda: 1.0)
    async with virtual_client(clock, retry=retry) as c:
        yield c


def virtual_client(clock: VirtualClock, **settings: Any) -> SunoClient:
    """A client of the scripted service on ``clock``, polling every second."""
    return SunoClient(
        api_key="sk-secret",
        base_url=BASE_URL,
        poll=every_second(clock),
        clock=clock,
        **settings,
    )


def summary(
    events: list[TaskEvent],
) -> list[tuple[TaskStatus, TaskStatus | None, bool, float, int]]:
    return [(e.status, e.previous, e.inferred, e.elapsed, e.polls) for e in events]


async def leftover_tasks() -> set[asyncio.Task[object]]:
    """Tasks other than this one still running after the loop settles."""
    for _ in range(200):
        await asyncio.sleep(0)
    me = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not me and not t.done()}


# -- milestones ------------------------------------------------------------------


async def test_await_gives_the_final_record(
    service: ScriptedService, client: SunoClient
) -> None:
    """Awaiting the wait returns the SUCCESS record."""
    service.add("t1", NORMAL)
    record = await client.wait_for_task("t1")
    assert (record.task_id, record.status) == ("t1", S.SUCCESS)
    assert [t.audio_url for t in record.tracks] == [
        "https://cdn.test/t1-1.mp3",
        "https://cdn.test/t1-2.mp3",
    ]


async def test_iteration_gives_each_milestone_once_in_order(
    service: ScriptedService, client: SunoClient
) -> None:
    """Each milestone is one event, seen at the first poll after it happened."""
    service.add("t1", NORMAL)
    events = [e async for e in client.wait_for_task("t1")]
    assert summary(events) == [
        (S.TEXT_SUCCESS, S.PENDING, False, 3.0, 4),
        (S.FIRST_SUCCESS, S.TEXT_SUCCESS, False, 6.0, 7),
        (S.SUCCESS, S.FIRST_SUCCESS, False, 9.0, 10),
    ]
    assert [e.record.status for e in events] == [
        S.TEXT_SUCCESS,
        S.FIRST_SUCCESS,
        S.SUCCESS,
    ]


async def test_skipped_milestones_are_inferred(
    service: ScriptedService, client: SunoClient
) -> None:
    """A jump from PENDING to SUCCESS still emits TEXT and FIRST, inferred, first."""
    service.add("t1", ((0.0, "PENDING"), (1.5, "SUCCESS")))
    events = [e async for e in client.wait_for_task("t1")]
    assert summary(events) == [
        (S.TEXT_SUCCESS, S.PENDING, True, 2.0, 3),
        (S.FIRST_SUCCESS, S.TEXT_SUCCESS, True, 2.0, 3),
        (S.SUCCESS, S.FIRST_SUCCESS, False, 2.0, 3),
    ]


async def test_regressing_status_is_ignored(
    service: ScriptedService, client: SunoClient
) -> None:
    """A stale replica's older status produces no duplicate and no backwards event."""
    service.add(
        "t1",
        (
            (0.0, "FIRST_SUCCESS"),
            (0.5, "TEXT_SUCCESS"),
            (1.5, "FIRST_SUCCESS"),
            (2.5, "SUCCESS"),
        ),
    )
    events = [e async for e in client.wait_for_task("t1")]
    assert [(e.status, e.inferred) for e in events] == [
        (S.TEXT_SUCCESS, True),
        (S.FIRST_SUCCESS, False),
        (S.SUCCESS, False),
    ]


async def test_unknown_status_keeps_the_wait_running(
    service: ScriptedService, client: SunoClient
) -> None:
    """An unknown status neither ends the wait nor emits an event."""
    service.add("t1", ((0.0, "QUEUED_UPSTREAM"), (3.5, "SUCCESS")))
    events = [e async for e in client.wait_for_task("t1")]
    assert [(e.status, e.elapsed) for e in events][-1] == (S.SUCCESS, 4.0)
    assert len(events) == 3


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        pytest.param(S.TEXT_SUCCESS, [S.TEXT_SUCCESS], id="text"),
        pytest.param(S.FIRST_SUCCESS, [S.TEXT_SUCCESS, S.FIRST_SUCCESS], id="first"),
    ],
)
async def test_until_ends_the_wait_at_that_milestone(
    service: ScriptedService,
    client: SunoClient,
    until: TaskStatus,
    expected: list[TaskStatus],
) -> None:
    """until= ends the wait at its milestone, with no later events or polls."""
    service.add("t1", NORMAL)
    events = [e async for e in client.wait_for_task("t1", until=until)]
    assert [e.status for e in events] == expected
    assert len(service.arrivals("t1")) == events[-1].polls


async def test_until_first_success_returns_the_record_that_reached_it(
    service: ScriptedService, client: SunoClient
) -> None:
    """Awaiting with until=FIRST_SUCCESS returns the first record at or past it."""
    service.add("t1", NORMAL)
    record = await client.wait_for_task("t1", until=S.FIRST_SUCCESS)
    assert record.status is S.FIRST_SUCCESS
    assert record.tracks[0].stream_audio_url == "https://cdn.test/t1-1"


async def test_until_must_be_a_milestone(client: SunoClient) -> None:
    """until=PENDING is refused at once."""
    with pytest.raises(InvalidArgumentError, match="until must be one of"):
        client.wait_for_task("t1", until=S.PENDING)


# -- failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param("CREATE_TASK_FAILED", TaskCreationFailedError, id="create"),
        pytest.param("GENERATE_AUDIO_FAILED", AudioGenerationFailedError, id="audio"),
        pytest.param("CALLBACK_EXCEPTION", CallbackDeliveryError, id="callback"),
        pytest.param("SENSITIVE_WORD_ERROR", SensitiveContentError, id="sensitive"),
    ],
)
async def test_failure_status_raises_from_await(
    service: ScriptedService,
    client: SunoClient,
    status: str,
    error: type[TaskFailedError],
) -> None:
    """A failure status raises its TaskFailedError with the record's code, message."""
    service.add(
        "t1",
        ((0.0, "PENDING"), (1.5, status)),
        errorCode="413",
        errorMessage="matches an existing work",
    )
    with pytest.raises(error) as info:
        await client.wait_for_task("t1")
    assert (info.value.task_id, info.value.error_code, info.value.error_message) == (
        "t1",
        413,
        "matches an existing work",
    )
    assert info.value.record.status.value == status


async def test_failure_status_raises_from_iteration_after_earlier_events(
    service: ScriptedService, client: SunoClient
) -> None:
    """Iteration yields the milestones reached, then raises the failure."""
    service.add("t1", ((0.0, "TEXT_SUCCESS"), (1.5, "GENERATE_AUDIO_FAILED")))
    seen: list[TaskStatus] = []
    wait = client.wait_for_task("t1", on_event=lambda e: seen.append(e.status))
    first = await anext_event(wait)
    with pytest.raises(AudioGenerationFailedError):
        await anext_event(wait)
    assert (first.status, seen) == (S.TEXT_SUCCESS, [S.TEXT_SUCCESS])


# -- retries ---------------------------------------------------------------------


async def test_transient_failures_are_retried(
    service: ScriptedService, client: SunoClient
) -> None:
    """Resets, 5xx pages and body codes 455/500 are retried, and counted."""
    service.add(
        "t1",
        ((0.0, "SUCCESS"),),
        script={
            0: connection_reset(),
            1: http_error(502),
            2: body_code(455, "maintenance"),
            3: body_code(500, "server error"),
        },
    )
    events = [e async for e in client.wait_for_task("t1")]
    assert (events[-1].status, events[-1].polls, events[-1].retries) == (
        S.SUCCESS,
        5,
        4,
    )
    # full jitter with random()=1.0: delays 1, 2, 4, 4 (capped)
    assert [t - 1000.0 for t in service.arrivals("t1")] == [0.0, 1.0, 3.0, 7.0, 11.0]


async def test_each_retry_is_reported_to_the_on_retry_hook(
    service: ScriptedService, clock: VirtualClock
) -> None:
    """on_retry sees every retry: its attempt, the error and the delay."""
    seen: list[RetryDetails] = []
    retry = RetryPolicy(
        initial_s=1.0,
        max_s=4.0,
        jitter="full",
        random=lambda: 1.0,
        on_retry=seen.append,
    )
    service.add(
        "t1",
        ((0.0, "SUCCESS"),),
        script={0: http_error(502), 1: body_code(455, "maintenance")},
    )
    async with virtual_client(clock, retry=retry) as client:
        await client.wait_for_task("t1")
    assert [
        (d.action, d.task_id, d.attempt, type(d.error).__name__, d.delay_s)
        for d in seen
    ] == [
        ("poll", "t1", 1, "ServerError", 1.0),
        ("poll", "t1", 2, "ServiceUnavailableError", 2.0),
    ]


async def test_a_failing_on_retry_hook_changes_nothing(
    service: ScriptedService, clock: VirtualClock
) -> None:
    """A hook that raises is logged and ignored: the wait retries as usual."""

    def broken(details: RetryDetails) -> None:
        raise RuntimeError("hook bug")

    retry = RetryPolicy(
        initial_s=1.0, jitter="full", random=lambda: 1.0, on_retry=broken
    )
    service.add("t1", ((0.0, "SUCCESS"),), script={0: http_error(502)})
    async with virtual_client(clock, retry=retry) as client:
        record = await client.wait_for_task("t1")
    assert (record.status, [t - 1000.0 for t in service.arrivals("t1")]) == (
        S.SUCCESS,
        [0.0, 1.0],
    )


async def test_a_service_never_reached_fails_fast(
    service: ScriptedService, client: SunoClient
) -> None:
    """Five refused connections in a row, never an answer: TransportError, not
    a wait until the 600 s deadline."""
    service.add("t1", script=dict.fromkeys(range(10), connection_refused()))
    with pytest.raises(TransportError, match="refused") as caught:
        await client.wait_for_task("t1", timeout=600.0)
    assert not caught.value.connected
    # full jitter with random()=1.0: delays 1, 2, 4, 4 (capped)
    assert [t - 1000.0 for t in service.arrivals("t1")] == [0.0, 1.0, 3.0, 7.0, 11.0]


async def test_once_answered_connection_errors_are_retried(
    service: ScriptedService, client: SunoClient
) -> None:
    """After one answer, refused connections are retried within the deadline."""
    service.add(
        "t1",
        ((0.0, "PENDING"), (20.0, "SUCCESS")),
        script=dict.fromkeys(range(1, 8), connection_refused()),
    )
    events = [e async for e in client.wait_for_task("t1", timeout=600.0)]
    assert (events[-1].status, len(service.arrivals("t1"))) == (S.SUCCESS, 9)
    # the 7 refused connections sent nothing: retries, not polls
    assert (events[-1].polls, events[-1].retries) == (2, 7)


class _ClosedLimiter:
    """A RateLimiter that never grants a slot."""

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        await asyncio.Event().wait()
        yield  # pragma: no cover - never granted


async def test_a_request_still_waiting_for_its_slot_is_no_poll(
    service: ScriptedService, clock: VirtualClock
) -> None:
    """A wait whose every request waited for a slot until the deadline made no
    poll: the service saw nothing, and the error says so."""
    service.add("t1", NORMAL)
    async with virtual_client(clock, rate_limiter=_ClosedLimiter()) as client:
        with pytest.raises(WaitTimeoutError) as caught:
            await client.wait_for_task("t1", timeout=5.0)
    assert (caught.value.polls, service.arrivals("t1")) == (0, [])


async def test_a_timed_out_wait_carries_the_last_error(
    service: ScriptedService, client: SunoClient
) -> None:
    """WaitTimeoutError names the failure behind it, also as its __cause__."""
    service.add("t1", script=dict.fromkeys(range(20), http_error(502)))
    with pytest.raises(WaitTimeoutError) as caught:
        await client.wait_for_task("t1", timeout=5.0)
    error = caught.value
    assert isinstance(error.last_error, ServerError)
    assert error.__cause__ is error.last_error
    assert str(error) == (
        "task t1 did not finish within 5 s (no record yet, 3 polls; "
        "last error ServerError: HTTP 502: <html>bad gateway</html>)"
    )


async def test_retry_after_pushes_the_next_poll_out(
    service: ScriptedService, client: SunoClient
) -> None:
    """An HTTP 429 with Retry-After delays the retry by at least that long."""
    service.add(
        "t1",
        ((0.0, "SUCCESS"),),
        script={0: http_error(429, "slow down", **{"Retry-After": "7"})},
    )
    await client.wait_for_task("t1")
    assert [t - 1000.0 for t in service.arrivals("t1")] == [0.0, 7.0]


async def test_rate_limit_body_code_without_retry_after_backs_off(
    service: ScriptedService, client: SunoClient
) -> None:
    """A body code 429 without a hint is retried after the retry policy's delay."""
    service.add(
        "t1",
        ((0.0, "SUCCESS"),),
        script={0: body_code(429, "too many"), 1: body_code(429, "too many")},
    )
    await client.wait_for_task("t1")
    assert [t - 1000.0 for t in service.arrivals("t1")] == [0.0, 1.0, 3.0]


async def test_permanent_error_raises_at_once(
    service: ScriptedService, client: SunoClient
) -> None:
    """A 401 ends the wait on the first answer, without retrying."""
    service.add("t1", NORMAL, script={0: body_code(401, "bad key")})
    with pytest.raises(AuthenticationError):
        await client.wait_for_task("t1")
    assert len(service.arrivals("t1")) == 1


async def test_not_found_then_found(
    service: ScriptedService, client: SunoClient
) -> None:
    """A 404 shortly after creation is retried until the task appears."""
    service.add("t1", ((4.5, "SUCCESS"),))
    record = await client.wait_for_task("t1")
    assert record.status is S.SUCCESS


async def test_not_found_past_the_grace_period(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """A task still unknown after the grace period raises TaskNotFoundError."""
    with pytest.raises(TaskNotFoundError, match="not found"):
        await client.wait_for_task("ghost")
    assert 30.0 <= clock.now() - 1000.0 <= 34.0


# -- deadlines -------------------------------------------------------------------


async def test_deadline_during_a_sleep(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """The wait ends at its deadline exactly, with the last record seen."""
    service.add("t1", ((0.0, "TEXT_SUCCESS"),))
    with pytest.raises(WaitTimeoutError) as info:
        await client.wait_for_task("t1", timeout=5.5)
    error = info.value
    assert clock.now() - 1000.0 == 5.5
    assert isinstance(error, TimeoutError)
    assert error.last_record is not None
    assert (error.task_id, error.last_record.status, error.elapsed, error.polls) == (
        "t1",
        S.TEXT_SUCCESS,
        5.5,
        6,
    )


async def test_deadline_cuts_a_retry_sleep(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """A long Retry-After does not carry the wait past its deadline."""
    service.add(
        "t1", NORMAL, script={0: http_error(503, "busy", **{"Retry-After": "60"})}
    )
    with pytest.raises(WaitTimeoutError) as info:
        await client.wait_for_task("t1", timeout=10.0)
    assert clock.now() - 1000.0 == 10.0
    assert info.value.last_record is None


@pytest.mark.parametrize("timeout", [0, -1.0, "5"])
async def test_timeout_must_be_positive(client: SunoClient, timeout: object) -> None:
    """A zero, negative or non-numeric timeout is refused at once."""
    with pytest.raises(InvalidArgumentError, match="timeout must be"):
        client.wait_for_task("t1", timeout=timeout)  # type: ignore[arg-type]


async def test_no_timeout_waits_as_long_as_it_takes(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """timeout=None waits past the default ten minutes."""
    service.add("t1", ((0.0, "PENDING"), (900.0, "SUCCESS")))
    slow = attrs.evolve(every_second(clock), interval_s=30.0)
    record = await client.wait_for_task("t1", timeout=None, poll=slow)
    assert record.status is S.SUCCESS


# -- consumption and callbacks ---------------------------------------------------


async def test_on_event_sees_every_event_sync_and_async(
    service: ScriptedService, client: SunoClient
) -> None:
    """on_event gets the same events as iteration, sync or async."""
    service.add("t1", NORMAL)
    service.add("t2", NORMAL)
    seen_sync: list[TaskStatus] = []
    seen_async: list[TaskStatus] = []

    async def record_async(event: TaskEvent) -> None:
        seen_async.append(event.status)

    await client.wait_for_task("t1", on_event=lambda e: seen_sync.append(e.status))
    events = [e.status async for e in client.wait_for_task("t2", on_event=record_async)]
    assert (
        seen_sync
        == seen_async
        == events
        == [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS]
    )


async def test_on_event_error_ends_the_wait(
    service: ScriptedService, client: SunoClient
) -> None:
    """An exception in on_event propagates and stops the polling."""
    service.add("t1", NORMAL)

    def explode(event: TaskEvent) -> None:
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError, match="handler bug"):
        await client.wait_for_task("t1", on_event=explode)
    assert await leftover_tasks() == set()


async def test_a_wait_is_consumed_once(
    service: ScriptedService, client: SunoClient
) -> None:
    """Awaiting or iterating a wait a second time raises UsageError."""
    service.add("t1", NORMAL)
    wait = client.wait_for_task("t1")
    await wait
    with pytest.raises(UsageError, match="already consumed"):
        await wait
    with pytest.raises(UsageError, match="already consumed"):
        async for _ in wait:
            pass


async def test_async_with_releases_early(
    service: ScriptedService, client: SunoClient
) -> None:
    """Leaving async with after the first event stops the polling."""
    service.add("t1", NORMAL)
    async with client.wait_for_task("t1") as wait:
        async for event in wait:
            assert event.status is S.TEXT_SUCCESS
            break
    assert await leftover_tasks() == set()
    assert len(service.arrivals("t1")) == 4


# -- a coroutine, too ------------------------------------------------------------


async def test_create_task_runs_a_wait(
    service: ScriptedService, client: SunoClient
) -> None:
    """asyncio.create_task takes a wait as it takes any coroutine."""
    service.add("t1", NORMAL)
    task = asyncio.create_task(client.wait_for_task("t1"))
    record = await task
    assert (record.task_id, record.status) == ("t1", S.SUCCESS)


@pytest.mark.skipif(not hasattr(asyncio, "TaskGroup"), reason="Python 3.11+")
async def test_a_task_group_runs_waits(
    service: ScriptedService, client: SunoClient
) -> None:
    """TaskGroup.create_task takes waits; each task's result is its record."""
    service.add("t1", NORMAL)
    service.add("t2", NORMAL)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(client.wait_for_task(t)) for t in ("t1", "t2")]
    assert [t.result().task_id for t in tasks] == ["t1", "t2"]


async def test_gather_and_wait_for_take_waits(
    service: ScriptedService, client: SunoClient
) -> None:
    """asyncio.gather and asyncio.wait_for run waits like coroutines."""
    service.add("t1", NORMAL)
    service.add("t2", NORMAL)
    first, second = await asyncio.gather(
        client.wait_for_task("t1"),
        asyncio.wait_for(client.wait_for_task("t2"), timeout=None),
    )
    assert (first.task_id, second.task_id) == ("t1", "t2")


async def test_an_anyio_task_group_runs_waits(
    service: ScriptedService, client: SunoClient
) -> None:
    """anyio's start_soon takes wait_for_task as it takes a coroutine function."""
    service.add("t1", NORMAL)
    async with anyio.create_task_group() as group:
        group.start_soon(client.wait_for_task, "t1")
    assert len(service.arrivals("t1")) == 10


async def test_nothing_is_polled_before_the_wait_is_driven(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """Making a wait sends nothing; polling starts when it is awaited or run."""
    service.add("t1", NORMAL)
    wait = client.wait_for_task("t1")
    await clock.sleep(30.0)
    assert service.arrivals("t1") == []
    task = asyncio.create_task(wait)
    await task
    assert service.arrivals("t1")[0] == 1030.0


async def test_a_cancelled_wait_task_leaves_nothing_behind(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """Cancelling the task that runs a wait stops its polling."""
    service.add("t1", NORMAL)
    task = asyncio.create_task(client.wait_for_task("t1"))
    await clock.sleep(2.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await leftover_tasks() == set()


async def test_a_wait_run_as_a_task_is_consumed(
    service: ScriptedService, client: SunoClient
) -> None:
    """A wait given to create_task cannot be awaited a second time."""
    service.add("t1", NORMAL)
    wait = client.wait_for_task("t1")
    await asyncio.create_task(wait)
    with pytest.raises(UsageError, match="already consumed"):
        await wait


# -- cancellation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "delay_s",
    [pytest.param(0.0, id="while-sleeping"), pytest.param(5.0, id="while-requesting")],
)
async def test_cancellation_is_clean(
    service: ScriptedService, client: SunoClient, clock: VirtualClock, delay_s: float
) -> None:
    """Cancelling a wait re-raises CancelledError and leaves no task behind."""
    service.add("t1", NORMAL)
    service.delay_s = delay_s
    waiter = asyncio.ensure_future(client.wait_for_task("t1"))
    await clock.sleep(2.5)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await leftover_tasks() == set()


async def test_closing_the_client_ends_its_waits(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """aclose() makes running waits raise ClientClosedError."""
    service.add("t1", NORMAL)
    waiter = asyncio.ensure_future(client.wait_for_task("t1"))
    await clock.sleep(1.5)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await waiter


# -- single-flight ---------------------------------------------------------------


async def test_concurrent_waits_share_one_poll_loop(
    service: ScriptedService, client: SunoClient
) -> None:
    """Two waits for one task poll once each time, and both see every event."""
    service.add("t1", NORMAL)
    first, second = await asyncio.gather(
        collect(client.wait_for_task("t1")), collect(client.wait_for_task("t1"))
    )
    assert first == second == [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS]
    assert len(service.arrivals("t1")) == 10


async def test_early_leaver_does_not_stop_the_others(
    service: ScriptedService, client: SunoClient
) -> None:
    """One waiter leaving after TEXT does not end the other's wait."""
    service.add("t1", NORMAL)
    quick, full = await asyncio.gather(
        collect(client.wait_for_task("t1", until=S.TEXT_SUCCESS)),
        collect(client.wait_for_task("t1")),
    )
    assert (quick, full) == (
        [S.TEXT_SUCCESS],
        [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS],
    )


async def test_late_joiner_first_receives_milestones_already_reached(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """A wait that joins after TEXT_SUCCESS still gets the TEXT event first."""
    service.add("t1", NORMAL)
    early = asyncio.ensure_future(collect(client.wait_for_task("t1")))
    await clock.sleep(4.0)
    late = await collect(client.wait_for_task("t1"))
    assert late == await early == [S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS]
    assert len(service.arrivals("t1")) == 10


async def anext_event(wait: AsyncIterator[TaskEvent]) -> TaskEvent:
    return await wait.__anext__()


async def collect(wait: AsyncIterator[TaskEvent]) -> list[TaskStatus]:
    return [event.status async for event in wait]


# -- checkpoints -----------------------------------------------------------------


async def test_resume_skips_delivered_milestones(
    service: ScriptedService, client: SunoClient
) -> None:
    """Resuming from a TEXT_SUCCESS checkpoint emits only the later milestones."""
    service.add("t1", NORMAL)
    async for event in client.wait_for_task("t1"):
        checkpoint = event.checkpoint()
        break
    resumed = await collect(client.wait_for_task("t1", resume=checkpoint))
    assert resumed == [S.FIRST_SUCCESS, S.SUCCESS]


async def test_resume_past_the_goal_returns_the_record(
    service: ScriptedService, client: SunoClient
) -> None:
    """A wait resumed at SUCCESS emits nothing and returns the record."""
    service.add("t1", ((0.0, "SUCCESS"),))
    done = TaskEvent(
        task_id="t1",
        status=S.SUCCESS,
        previous=S.FIRST_SUCCESS,
        record=await client.get_task("t1"),
    )
    wait = client.wait_for_task("t1", resume=done.checkpoint())
    assert await collect(wait) == []


async def test_resume_with_another_tasks_checkpoint_is_refused(
    client: SunoClient,
) -> None:
    """A checkpoint of another task raises ValueError before any request."""
    with pytest.raises(ValueError, match="of task 't2'"):
        client.wait_for_task("t1", resume='{"v":1,"task_id":"t2","reached":"SUCCESS"}')


async def test_a_dropped_wait_stops_polling(
    service: ScriptedService, client: SunoClient
) -> None:
    """A wait abandoned mid-iteration and collected stops its task's polling."""
    service.add("t1", NORMAL)
    wait = client.wait_for_task("t1")
    assert (await anext_event(wait)).status is S.TEXT_SUCCESS
    del wait
    gc.collect()
    assert await leftover_tasks() == set()
    assert len(service.arrivals("t1")) == 4


async def test_a_broken_policy_ends_the_wait_with_its_error(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """An unexpected error inside the poll loop reaches the waiter, not the void."""
    service.add("t1", NORMAL)

    def broken_delay() -> float:
        raise ZeroDivisionError("bad policy")

    policy = attrs.evolve(every_second(clock), random=broken_delay)
    with pytest.raises(ZeroDivisionError, match="bad policy"):
        await client.wait_for_task("t1", poll=policy)


async def test_kie_record_info_is_null_gets_the_not_found_grace(
    service: ScriptedService, client: SunoClient
) -> None:
    """A fresh task answered with 422 "recordInfo is null" is retried, then found."""
    null = body_code(422, "recordInfo is null")
    service.add("t1", ((0.0, "SUCCESS"),), script={0: null, 1: null})
    record = await client.wait_for_task("t1")
    assert record.status is S.SUCCESS
    assert len(service.arrivals("t1")) == 3

"""wait_many: one outcome per distinct id, in completion order, failures included."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator

import attrs
import pytest

from suno_async import (
    AudioGenerationFailedError,
    ClientClosedError,
    InvalidArgumentError,
    PollPolicy,
    RetryPolicy,
    SunoClient,
    TaskEvent,
    TaskOutcome,
    TaskStatus,
    UsageError,
    WaitTimeoutError,
)
from suno_async._engine.wait_many import START_SLICE
from suno_async.testing import VirtualClock

from aiomock import MockedHTTP
from waitkit import BASE_URL, ScriptedService

S = TaskStatus


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=0.0)


@pytest.fixture
def service(clock: VirtualClock) -> Iterator[ScriptedService]:
    with MockedHTTP() as mocked:
        yield ScriptedService(mocked, clock)


@pytest.fixture
async def client(clock: VirtualClock) -> AsyncIterator[SunoClient]:
    policy = attrs.evolve(PollPolicy.fixed(1.0), random=lambda: 0.0)
    async with SunoClient(
        api_key="sk-secret",
        base_url=BASE_URL,
        poll=policy,
        retry=RetryPolicy(initial_s=1.0, random=lambda: 1.0),
        clock=clock,
    ) as c:
        yield c


def brief(outcome: TaskOutcome) -> tuple[str, str]:
    if outcome.error is not None:
        return outcome.task_id, type(outcome.error).__name__
    assert outcome.record is not None
    return outcome.task_id, outcome.record.status.value


async def test_outcomes_come_in_completion_order(
    service: ScriptedService, client: SunoClient
) -> None:
    """Each task is reported when it ends, whatever order the ids were given in."""
    service.add("slow", ((0.0, "PENDING"), (6.5, "SUCCESS")))
    service.add("quick", ((0.0, "PENDING"), (2.5, "SUCCESS")))
    outcomes = [brief(o) async for o in client.wait_many(["slow", "quick"])]
    assert outcomes == [("quick", "SUCCESS"), ("slow", "SUCCESS")]


async def test_mixed_outcomes_each_appear_once(
    service: ScriptedService, client: SunoClient
) -> None:
    """Success, failure, timeout, an unknown task and a bad id all end as outcomes."""
    service.add("ok", ((0.0, "PENDING"), (1.5, "SUCCESS")))
    service.add("failed", ((0.0, "PENDING"), (2.5, "GENERATE_AUDIO_FAILED")))
    service.add("stuck", ((0.0, "PENDING"),))
    ids = ["ok", "failed", "stuck", "ok", "bad id", "ghost"]
    outcomes = [brief(o) async for o in client.wait_many(ids, timeout=40.0)]
    assert outcomes == [
        ("bad id", "InvalidArgumentError"),
        ("ok", "SUCCESS"),
        ("failed", "AudioGenerationFailedError"),
        ("ghost", "TaskNotFoundError"),
        ("stuck", "WaitTimeoutError"),
    ]


async def test_awaiting_gives_every_outcome_in_the_order_of_the_ids(
    service: ScriptedService, client: SunoClient
) -> None:
    """await wait_many(ids) is a list in the ids' order (duplicates folded)."""
    service.add("ok", ((0.0, "PENDING"), (1.5, "SUCCESS")))
    service.add("failed", ((0.0, "PENDING"), (2.5, "GENERATE_AUDIO_FAILED")))
    service.add("stuck", ((0.0, "PENDING"),))
    ids = ["stuck", "ok", "failed", "ok", "bad id", "ghost"]
    outcomes = await client.wait_many(ids, timeout=40.0)
    assert [brief(o) for o in outcomes] == [
        ("stuck", "WaitTimeoutError"),
        ("ok", "SUCCESS"),
        ("failed", "AudioGenerationFailedError"),
        ("bad id", "InvalidArgumentError"),
        ("ghost", "TaskNotFoundError"),
    ]


async def test_a_batch_is_awaited_once(
    service: ScriptedService, client: SunoClient
) -> None:
    """A second await of the same batch is a usage error."""
    service.add("ok", ((0.0, "SUCCESS"),))
    batch = client.wait_many(["ok"])
    await batch
    with pytest.raises(UsageError, match="already consumed"):
        await batch


async def test_on_event_sees_every_milestone_of_every_task(
    service: ScriptedService, client: SunoClient
) -> None:
    """Each task's milestones reach on_event, before that task's outcome."""
    service.add("a", ((0.0, "PENDING"), (1.5, "TEXT_SUCCESS"), (3.5, "SUCCESS")))
    service.add("b", ((0.0, "PENDING"), (2.5, "SUCCESS")))
    seen: list[tuple[str, str]] = []

    async def note(event: TaskEvent) -> None:
        seen.append((event.task_id, event.status.value))

    async for outcome in client.wait_many(["a", "b"], on_event=note):
        seen.append((outcome.task_id, "outcome"))
    assert seen == [
        ("a", "TEXT_SUCCESS"),
        ("b", "TEXT_SUCCESS"),
        ("b", "FIRST_SUCCESS"),
        ("b", "SUCCESS"),
        ("b", "outcome"),
        ("a", "FIRST_SUCCESS"),
        ("a", "SUCCESS"),
        ("a", "outcome"),
    ]


async def test_failure_outcome_carries_the_error(
    service: ScriptedService, client: SunoClient
) -> None:
    """A failed task's outcome holds its TaskFailedError; unwrap() raises it."""
    service.add("failed", ((0.0, "GENERATE_AUDIO_FAILED"),))
    [outcome] = [o async for o in client.wait_many(["failed"])]
    assert (outcome.ok, outcome.record) == (False, None)
    with pytest.raises(AudioGenerationFailedError):
        outcome.unwrap()


async def test_timeout_bounds_the_whole_call(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """Every task not done by the deadline is reported as timed out then."""
    service.add("a", ((0.0, "PENDING"),))
    service.add("b", ((0.0, "TEXT_SUCCESS"),))
    outcomes = [o async for o in client.wait_many(["a", "b"], timeout=5.0)]
    assert [type(o.error) for o in outcomes] == [WaitTimeoutError, WaitTimeoutError]
    assert clock.now() == 5.0


async def test_until_first_success(
    service: ScriptedService, client: SunoClient
) -> None:
    """until=FIRST_SUCCESS reports each task as soon as its first track plays."""
    service.add("a", ((0.0, "PENDING"), (1.5, "FIRST_SUCCESS"), (9.5, "SUCCESS")))
    [outcome] = [o async for o in client.wait_many(["a"], until=S.FIRST_SUCCESS)]
    assert brief(outcome) == ("a", "FIRST_SUCCESS")


async def test_max_concurrency_polls_that_many_at_once(
    service: ScriptedService, client: SunoClient
) -> None:
    """With max_concurrency=1 the second task is first polled after the first ends."""
    service.add("a", ((0.0, "PENDING"), (2.5, "SUCCESS")))
    service.add("b", ((0.0, "SUCCESS"),))
    outcomes = [brief(o) async for o in client.wait_many(["a", "b"], max_concurrency=1)]
    assert outcomes == [("a", "SUCCESS"), ("b", "SUCCESS")]
    assert service.arrivals("a") == [0.0, 1.0, 2.0, 3.0]
    assert service.arrivals("b") == [3.0]


async def test_empty_input_ends_at_once(client: SunoClient) -> None:
    """No ids, no outcomes."""
    assert [o async for o in client.wait_many([])] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"max_concurrency": 0}, "max_concurrency", id="concurrency"),
        pytest.param({"timeout": 0}, "timeout", id="timeout"),
        pytest.param({"until": S.PENDING}, "until", id="until"),
    ],
)
async def test_bad_arguments_are_refused(
    client: SunoClient, kwargs: dict[str, object], message: str
) -> None:
    """Impossible settings raise InvalidArgumentError at the call."""
    with pytest.raises(InvalidArgumentError, match=message):
        client.wait_many(["a"], **kwargs)  # type: ignore[arg-type]


async def test_a_single_string_is_refused(client: SunoClient) -> None:
    """A bare string is not taken as a list of one-letter ids."""
    with pytest.raises(InvalidArgumentError, match="not one string"):
        client.wait_many("abc")


async def test_leaving_early_stops_all_polling(
    service: ScriptedService, client: SunoClient
) -> None:
    """Breaking out of async with stops every task's polling."""
    service.add("a", ((0.0, "SUCCESS"),))
    service.add("b", ((0.0, "PENDING"),))
    async with client.wait_many(["a", "b"]) as many:
        async for outcome in many:
            assert outcome.task_id == "a"
            break
    for _ in range(200):
        await asyncio.sleep(0)
    assert {t for t in asyncio.all_tasks() if not t.done()} == {asyncio.current_task()}


async def test_closing_the_client_reports_every_task(
    service: ScriptedService, client: SunoClient, clock: VirtualClock
) -> None:
    """Tasks still waiting when the client closes end with ClientClosedError."""
    service.add("a", ((0.0, "PENDING"),))
    service.add("b", ((0.0, "PENDING"),))
    many = client.wait_many(["a", "b"])
    first = asyncio.ensure_future(many.__anext__())
    await clock.sleep(2.0)
    await client.aclose()
    outcomes = [await first, *[o async for o in many]]
    assert [type(o.error) for o in outcomes] == [ClientClosedError, ClientClosedError]


async def test_a_thousand_ids(service: ScriptedService, client: SunoClient) -> None:
    """1,000 tasks each get exactly one outcome (10,000: see benchmarks/fleet.py)."""
    ids = [f"t{n}" for n in range(1_000)]
    for task_id in ids:
        service.add(task_id, ((0.0, "SUCCESS"),))
    outcomes = [o async for o in client.wait_many(ids)]
    assert sorted(o.task_id for o in outcomes) == sorted(ids)
    assert all(o.ok for o in outcomes)


async def test_breaking_out_without_closing_stops_polling(
    service: ScriptedService, client: SunoClient
) -> None:
    """A batch abandoned after its first outcome stops its other tasks' polling."""
    service.add("a", ((0.0, "SUCCESS"),))
    service.add("b", ((0.0, "PENDING"),))
    async for outcome in client.wait_many(["a", "b"]):
        assert outcome.task_id == "a"
        break
    gc.collect()
    for _ in range(200):
        await asyncio.sleep(0)
    assert {t for t in asyncio.all_tasks() if not t.done()} == {asyncio.current_task()}
    assert len(service.arrivals("b")) == 1


@pytest.mark.parametrize("bad", [42, None, b"t1", ("t1",)])
async def test_an_id_that_is_not_a_string_is_refused_at_the_call(
    client: SunoClient, bad: object
) -> None:
    """A non-string id is a bug in the caller: refused at once, never coerced."""
    with pytest.raises(InvalidArgumentError, match="task ids must be strings"):
        client.wait_many(["t1", bad])  # type: ignore[list-item]


async def test_a_big_batch_starts_its_waits_a_slice_per_loop_turn(
    service: ScriptedService, client: SunoClient
) -> None:
    """Thousands of waits start START_SLICE per loop turn, not in one long stretch."""
    ids = [f"t{n}" for n in range(2 * START_SLICE + 1)]
    for task_id in ids:
        service.add(task_id, ((0.0, "PENDING"),))
    many = client.wait_many(ids, timeout=60.0)
    first = asyncio.ensure_future(many.__anext__())
    started = []
    for _ in range(3):
        await asyncio.sleep(0)
        started.append(len(client._registry))  # poll loops running
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    await many.aclose()
    assert started == [START_SLICE, 2 * START_SLICE, 2 * START_SLICE + 1]

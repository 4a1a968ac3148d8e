"""Durable waits in one process: SunoClient(journal=RedisTaskJournal(...)).

A real, private redis-server (tests/redis_server.py) and the simulator play
Redis and the service; workers across processes: test_journal_fleet.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis_server import RedisServer, free_port
from test_redis import redis_server  # noqa: F401 - the fixture

from suno_async import (
    AudioGenerationFailedError,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
    JournalEntry,
    LyricsRecord,
    PollPolicy,
    SunoClient,
    TaskKind,
    TaskStatus,
    TrackedOutcome,
    TrackedOutcomes,
    TransportError,
    WaitTimeoutError,
)
from suno_async.redis import JournalUnavailableError, RedisRateLimiter, RedisTaskJournal
from suno_async.testing import FakeSunoServer, Timeline

LEASE_S = 1.0


@pytest.fixture
async def shared(
    redis_server: RedisServer,  # noqa: F811 - the fixture
) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.005, seed=31) as server:
        yield server


class WatchedJournal(RedisTaskJournal):
    """The Redis journal, and a way to wait for the worker's next claim or renewal
    (what a worker holds changes right after one of them: no polling needed)."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._called = asyncio.Event()

    async def claim(self, count: int) -> list[JournalEntry]:
        try:
            return await super().claim(count)
        finally:
            self._called.set()

    async def renew(self, refs: Collection[str]) -> set[str]:
        try:
            return await super().renew(refs)
        finally:
            self._called.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds, looking after each claim or renewal."""
        while not condition():
            self._called.clear()
            await self._called.wait()


def journal_of(shared: redis.asyncio.Redis, lease: float = LEASE_S) -> WatchedJournal:
    return WatchedJournal(shared, name="test", lease=lease, claim_interval_s=0.05)


def client_of(fake: FakeSunoServer, journal: RedisTaskJournal) -> SunoClient:
    """A client of the simulator polling every 0.1 s (under the per-task limit)."""
    poll = PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0.1)
    return fake.client(journal=journal, poll=poll)


async def take(
    outcomes: TrackedOutcomes, n: int, *, ack: bool = True
) -> list[TrackedOutcome[Any]]:
    """The next ``n`` outcomes, acknowledged unless ``ack`` is false."""
    taken = []
    async for outcome in outcomes:
        taken.append(outcome)
        if ack:
            await outcome.ack()
        if len(taken) == n:
            break
    return taken


# --- tracking and delivering ---------------------------------------------------


async def test_each_tracked_task_ends_as_one_outcome(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """Successes and failures alike come once, with their meta; acked, they leave."""
    journal = journal_of(shared)
    ok = fake.add_task(timeline=Timeline.success(10, 20, 40))
    failed = fake.add_task(timeline=Timeline.failure(at_s=30))
    events: list[tuple[str, TaskStatus]] = []
    async with client_of(fake, journal) as client:
        assert await client.track(ok, meta={"chat": 42, "tags": ["a"]}) is True
        assert await client.track(failed, kind="music") is True
        assert await journal.pending_count() == 2
        async with client.tracked_outcomes(
            on_event=lambda e: events.append((e.task_id, e.status))
        ) as outcomes:
            taken = {o.task_id: o for o in await take(outcomes, 2)}
    assert (taken[ok].ok, taken[ok].meta, taken[ok].kind) == (
        True,
        {"chat": 42, "tags": ["a"]},
        TaskKind.MUSIC,
    )
    assert taken[ok].record is not None
    assert taken[ok].record.status is TaskStatus.SUCCESS
    assert isinstance(taken[failed].error, AudioGenerationFailedError)
    assert (taken[failed].meta, taken[failed].redelivered) == (None, False)
    assert [s for t, s in events if t == ok] == [
        TaskStatus.TEXT_SUCCESS,
        TaskStatus.FIRST_SUCCESS,
        TaskStatus.SUCCESS,
    ]
    assert await journal.pending_count() == 0
    assert await shared.keys("suno_async:journal:test:task:*") == []
    assert fake.limit_violations == 0


async def test_tracking_twice_keeps_the_first(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A task tracked again is not journaled twice; its first meta stays."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(1, 2, 3))
    async with client_of(fake, journal) as client:
        assert await client.track(task_id, meta=1) is True
        assert await client.track(task_id, meta=2) is False
        assert await journal.pending_count() == 1
        async with client.tracked_outcomes() as outcomes:
            [outcome] = await take(outcomes, 1)
    assert outcome.meta == 1


async def test_the_deadline_ends_a_task_as_an_error_outcome(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A task still running at its deadline ends as WaitTimeoutError, then leaves."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(None, None, 100_000))
    async with client_of(fake, journal) as client:
        await client.track(task_id, timeout=0.3)
        async with client.tracked_outcomes() as outcomes:
            [outcome] = await take(outcomes, 1)
    assert isinstance(outcome.error, WaitTimeoutError)
    assert outcome.error.task_id == task_id
    assert await journal.pending_count() == 0


async def test_a_deadline_passed_before_the_claim_costs_no_request(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """The deadline counts from tracking: a task claimed after it ends at once."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(1, 2, 3))
    async with client_of(fake, journal) as client:
        await client.track(task_id, timeout=600)
        key = f"suno_async:journal:test:task:{task_id}"
        tracked_ms = await shared.hget(key, "tracked_ms")
        await shared.hset(key, "deadline_ms", tracked_ms)  # tracked 600 s ago
        async with client.tracked_outcomes() as outcomes:
            [outcome] = await take(outcomes, 1)
    assert isinstance(outcome.error, WaitTimeoutError)
    assert fake.requests(task_id) == ()


async def test_a_stored_checkpoint_is_not_handed_out_again(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A task claimed with a checkpoint (a previous worker's) resumes past it."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(10, 20, 40))
    checkpoint = json.dumps({"v": 1, "task_id": task_id, "reached": "TEXT_SUCCESS"})
    events: list[TaskStatus] = []
    async with client_of(fake, journal) as client:
        await client.track(task_id)
        key = f"suno_async:journal:test:task:{task_id}"
        await shared.hset(key, "checkpoint", checkpoint)
        async with client.tracked_outcomes(
            on_event=lambda e: events.append(e.status)
        ) as outcomes:
            await take(outcomes, 1)
    assert events == [TaskStatus.FIRST_SUCCESS, TaskStatus.SUCCESS]


async def test_an_unreadable_checkpoint_starts_from_the_beginning(
    shared: redis.asyncio.Redis, fake: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A checkpoint that is not one (or another task's) is logged and ignored."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(None, None, 10))
    events: list[TaskStatus] = []
    async with client_of(fake, journal) as client:
        await client.track(task_id)
        await shared.hset(f"suno_async:journal:test:task:{task_id}", "checkpoint", "{")
        with caplog.at_level(logging.WARNING, logger="suno_async"):
            async with client.tracked_outcomes(
                on_event=lambda e: events.append(e.status)
            ) as outcomes:
                await take(outcomes, 1)
    assert events == [
        TaskStatus.TEXT_SUCCESS,
        TaskStatus.FIRST_SUCCESS,
        TaskStatus.SUCCESS,
    ]
    assert "stored checkpoint unreadable" in caplog.text


async def test_checkpoints_are_stored_as_events_are_handed_out(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """Each event's checkpoint is in the task's record once ``on_event`` returned."""
    journal = journal_of(shared)
    task_id = fake.add_task(timeline=Timeline.success(10, 20, 40))
    key = f"suno_async:journal:test:task:{task_id}"
    stored: list[str | None] = []

    async def on_event(event: Any) -> None:
        value = await shared.hget(key, "checkpoint")
        stored.append(None if value is None else json.loads(value)["reached"])

    async with client_of(fake, journal) as client:
        await client.track(task_id)
        async with client.tracked_outcomes(on_event=on_event) as outcomes:
            [outcome] = await take(outcomes, 1, ack=False)
            last = json.loads(await shared.hget(key, "checkpoint"))
            await outcome.ack()
    assert stored == [None, "TEXT_SUCCESS", "FIRST_SUCCESS"]
    assert last == {"v": 1, "task_id": task_id, "reached": "SUCCESS"}


# --- crashes, leases and redelivery -----------------------------------------------


async def test_an_unacknowledged_outcome_is_delivered_again(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """Worker 1 hands the outcome out and stops without ``ack``; after the
    lease worker 2 hands it out again, ``redelivered=True``, and acks it."""
    task_id = fake.add_task(timeline=Timeline.success(1, 2, 3))
    first, second = journal_of(shared, lease=0.5), journal_of(shared, lease=0.5)
    async with client_of(fake, first) as one, client_of(fake, second) as two:
        await one.track(task_id, meta="m")
        async with one.tracked_outcomes() as outcomes:
            [before] = await take(outcomes, 1, ack=False)
        async with two.tracked_outcomes() as outcomes:
            [after] = await take(outcomes, 1)
    assert (before.redelivered, after.redelivered) == (False, True)
    assert (after.task_id, after.meta, after.ok) == (task_id, "m", True)
    assert await first.pending_count() == 0


async def test_a_live_worker_keeps_its_tasks_past_the_lease(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """Renewed every lease / 3, a task held for 3 leases is never taken over."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 180))  # 0.9 s
    holder, other = journal_of(shared, lease=0.3), journal_of(shared, lease=0.3)
    async with client_of(fake, holder) as one, client_of(fake, other) as two:
        await one.track(task_id)
        async with one.tracked_outcomes() as mine, two.tracked_outcomes() as theirs:
            [outcome] = await take(mine, 1)
            assert theirs.held == frozenset()
    assert outcome.ok
    assert outcome.redelivered is False


async def test_a_worker_forgets_a_task_another_took_over(
    shared: redis.asyncio.Redis, fake: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """When its claim was taken (a stall past the lease), the worker stops
    waiting on the task at its next renewal."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 100_000))
    journal = journal_of(shared)
    async with client_of(fake, journal) as client:
        await client.track(task_id)
        async with client.tracked_outcomes() as outcomes:
            consumer = asyncio.ensure_future(take(outcomes, 1))
            await journal.until(lambda: outcomes.held == {task_id})
            [(ref, _)] = await shared.xrange(journal.stream)
            with caplog.at_level(logging.WARNING, logger="suno_async"):
                await shared.xclaim(journal.stream, "workers", "thief", 0, [ref])
                await journal.until(lambda: not outcomes.held)
            consumer.cancel()
    assert "lease lost to another worker" in caplog.text
    assert await journal.pending_count() == 1  # the thief holds it now


# --- creating calls journal their task in the same step ------------------------


async def test_generate_with_track_journals_the_new_task(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """``track=True, meta=...`` journals the task the call made; its outcome follows."""
    journal = journal_of(shared)
    fake.queue_task(Timeline.success(1, 2, 3))
    async with client_of(fake, journal) as client:
        task_id = await client.generate(
            prompt="a calm piano piece",
            callback_url="https://example.com/hook",
            track=True,
            meta={"chat_id": 42},
        )
        assert await journal.pending_count() == 1
        async with client.tracked_outcomes() as outcomes:
            [outcome] = await take(outcomes, 1)
    assert (outcome.task_id, outcome.meta, outcome.ok) == (
        task_id,
        {"chat_id": 42},
        True,
    )


async def test_a_family_creation_with_track_journals_its_kind(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A lyrics task journaled by ``generate_lyrics(track=True)`` ends as a
    LyricsRecord outcome of kind LYRICS."""
    journal = journal_of(shared)
    fake.queue_task(Timeline.success(None, None, 3), kind="lyrics")
    async with client_of(fake, journal) as client:
        handle = await client.generate_lyrics(
            "rain on a tin roof", callback_url="https://example.com/hook", track=True
        )
        async with client.tracked_outcomes() as outcomes:
            [outcome] = await take(outcomes, 1)
    assert (outcome.task_id, outcome.kind) == (handle, TaskKind.LYRICS)
    assert isinstance(outcome.record, LyricsRecord)


async def test_creations_without_track_journal_nothing(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A journal is only written when asked: ``track`` defaults to false."""
    journal = journal_of(shared)
    async with client_of(fake, journal) as client:
        await client.generate(prompt="x", callback_url="https://example.com/hook")
        await client.generate_lyrics("x", callback_url="https://example.com/hook")
    assert await journal.pending_count() == 0


async def test_track_true_without_a_journal_creates_nothing(
    fake: FakeSunoServer,
) -> None:
    """Without a journal, ``track=True`` is refused before the request is sent."""
    async with fake.client() as client:
        with pytest.raises(ConfigurationError, match="no journal"):
            await client.generate(
                prompt="x", callback_url="https://example.com/hook", track=True
            )
        with pytest.raises(ConfigurationError, match="no journal"):
            await client.generate_lyrics(
                "x", callback_url="https://example.com/hook", track=True
            )
    assert fake.total_requests == 0


async def test_a_journal_failure_after_creation_names_the_task(
    fake: FakeSunoServer,
) -> None:
    """If the journal cannot be written once the task exists, the error says
    which task was made (``task_id``), so the caller can track it later."""
    dead = redis.asyncio.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    journal = RedisTaskJournal(dead, name="down", redis_timeout_s=1.0)
    async with client_of(fake, journal) as client:
        with pytest.raises(JournalUnavailableError) as caught:
            await client.generate(
                prompt="x", callback_url="https://example.com/hook", track=True
            )
    [made] = fake.task_ids()
    assert caught.value.task_id == made
    assert isinstance(caught.value, TransportError)
    await dead.aclose()


# --- refusals ---------------------------------------------------------------


async def test_without_a_journal_track_and_outcomes_say_how_to_get_one(
    fake: FakeSunoServer,
) -> None:
    """ConfigurationError names the missing setting."""
    async with fake.client() as client:
        with pytest.raises(ConfigurationError, match=r"SunoClient\(journal=\.\.\.\)"):
            await client.track("a" * 32)
        with pytest.raises(ConfigurationError, match="no journal"):
            client.tracked_outcomes()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"meta": {1, 2}}, "meta must be JSON-safe", id="a-set"),
        pytest.param({"meta": float("nan")}, "meta must be JSON-safe", id="nan"),
        pytest.param({"meta": "x" * 20_000}, "over 16384", id="too-long"),
        pytest.param({"timeout": 0}, "timeout must be", id="zero"),
        pytest.param({"timeout": None}, "timeout must be", id="none"),
        pytest.param({"timeout": float("inf")}, "timeout must be", id="inf"),
        pytest.param({"kind": "song"}, "song", id="unknown-kind"),
    ],
)
async def test_bad_tracking_arguments_are_refused(
    shared: redis.asyncio.Redis, options: dict[str, Any], message: str
) -> None:
    """Nothing is journaled for a meta, timeout or kind the journal cannot keep."""
    journal = journal_of(shared)
    async with SunoClient(
        "k", base_url="http://127.0.0.1:9", journal=journal
    ) as client:
        with pytest.raises(InvalidArgumentError, match=message):
            await client.track("a" * 32, **options)
    assert await journal.pending_count() == 0


async def test_bad_outcome_settings_are_refused(shared: redis.asyncio.Redis) -> None:
    """``max_tasks`` below 1 is refused; so are a closed client's calls."""
    client = SunoClient("k", base_url="http://127.0.0.1:9", journal=journal_of(shared))
    with pytest.raises(InvalidArgumentError, match="max_tasks"):
        client.tracked_outcomes(max_tasks=0)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        client.tracked_outcomes()
    with pytest.raises(ClientClosedError):
        await client.track("a" * 32)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"name": ""}, "name must be", id="no-name"),
        pytest.param({"name": "n", "lease": 0}, "lease must be", id="lease"),
        pytest.param(
            {"name": "n", "claim_interval_s": -1}, "claim_interval_s", id="claim"
        ),
        pytest.param(
            {"name": "n", "redis_timeout_s": float("nan")}, "redis_timeout_s", id="nan"
        ),
    ],
)
def test_impossible_journal_settings_are_refused(
    options: dict[str, Any], message: str
) -> None:
    """The journal checks its settings when made (a ``ValueError``)."""
    with pytest.raises(ValueError, match=message):
        RedisTaskJournal(redis.asyncio.Redis(port=free_port()), **options)


def test_the_journal_repr_names_it_and_its_worker() -> None:
    """The repr shows the name, the consumer and the lease, nothing of Redis."""
    dead = redis.asyncio.Redis.from_url(f"redis://:secret@127.0.0.1:{free_port()}/0")
    journal = RedisTaskJournal(dead, name="bot", consumer="w1", lease=5)
    assert repr(journal) == "<RedisTaskJournal name='bot' consumer='w1' lease=5>"


# --- the client's iteration ends cleanly -----------------------------------------


async def test_closing_the_client_ends_the_iteration(
    shared: redis.asyncio.Redis, fake: FakeSunoServer
) -> None:
    """A client closed while its worker waits raises ClientClosedError there;
    the task stays journaled for another worker."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 100_000))
    journal = journal_of(shared)
    client = client_of(fake, journal)
    await client.track(task_id)
    outcomes = client.tracked_outcomes()
    consumer = asyncio.ensure_future(outcomes.__anext__())
    await journal.until(lambda: outcomes.held == {task_id})
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await consumer
    assert outcomes.running is False
    assert await journal.pending_count() == 1


async def test_the_worker_rides_out_a_journal_outage(
    fake: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An unreachable journal is logged and retried each round; nothing raises."""
    dead = redis.asyncio.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    journal = WatchedJournal(dead, name="down", claim_interval_s=0.01)
    async with fake.client(journal=journal) as client:
        with caplog.at_level(logging.WARNING, logger="suno_async"):
            async with client.tracked_outcomes() as outcomes:
                consumer = asyncio.ensure_future(outcomes.__anext__())
                await journal.until(
                    lambda: caplog.text.count("task journal unavailable") >= 2
                )
                assert outcomes.running
                consumer.cancel()
    assert "JournalUnavailableError" not in caplog.text  # its message, not a traceback
    await dead.aclose()


def test_a_journal_gives_its_clients_one_shared_limiter() -> None:
    """``rate_limiter()`` is one RedisRateLimiter on the journal's Redis and prefix."""
    connection = redis.asyncio.Redis(port=free_port())
    journal = RedisTaskJournal(connection, name="n", prefix="p")
    limiter = journal.rate_limiter()
    assert limiter is journal.rate_limiter()
    assert (type(limiter), limiter.prefix) == (RedisRateLimiter, "p")

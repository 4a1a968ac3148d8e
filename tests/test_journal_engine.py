"""The engine's loop over a journal (TrackedOutcomes), with a journal of the test's.

:class:`ScriptedJournal` implements the :class:`suno_async.TaskJournal`
protocol in memory and fails or forgets on request; the simulator plays
the service. The Redis journal itself: test_journal.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

import pytest

from suno_async import (
    JournalEntry,
    MemoryTaskJournal,
    PollPolicy,
    SunoClient,
    TaskEvent,
    TaskKind,
    TaskStatus,
    TrackedOutcome,
    TrackedOutcomes,
    TransportError,
    WaitTimeoutError,
)
from suno_async.testing import FakeSunoServer, Timeline

pytestmark = pytest.mark.timeout(20)  # a hang guard: each test takes < 1 s

POLL = PollPolicy(kind="fixed", interval_s=0.05, first_poll_max_s=0.05)


class ScriptedJournal:
    """An in-memory journal: entries to hand out, and what was done with them."""

    lease = 0.3
    claim_interval_s = 0.01

    def __init__(self, *entries: JournalEntry, failing: Collection[str] = ()) -> None:
        self.entries = list(entries)
        self.failing = set(failing)
        self.claims: list[int] = []
        self.kept: set[str] | None = None  # None: every ref renewed
        self.checkpoints: list[str] = []
        self.acked: list[str] = []
        self._called = asyncio.Event()

    async def until(self, condition: Callable[[], object]) -> None:
        """Return once ``condition()`` holds, looking after each claim or renewal
        (what a worker holds changes right after one of them)."""
        while not condition():
            self._called.clear()
            await self._called.wait()

    def _fail(self, call: str) -> None:
        if call in self.failing:
            raise TransportError(f"{call}: the journal is down")

    async def add(
        self, task_id: str, *, kind: TaskKind, meta: str, timeout: float
    ) -> bool:
        raise NotImplementedError

    async def claim(self, count: int) -> list[JournalEntry]:
        self._called.set()
        if "claim" in self.failing:
            raise RuntimeError("boom")
        self.claims.append(count)
        taken, self.entries = self.entries[:count], self.entries[count:]
        return taken

    async def renew(self, refs: Collection[str]) -> set[str]:
        self._called.set()
        return set(refs) if self.kept is None else set(refs) & self.kept

    async def checkpoint(self, entry: JournalEntry, checkpoint: str) -> None:
        self._fail("checkpoint")
        self.checkpoints.append(checkpoint)

    async def delivered(self, entry: JournalEntry) -> None:
        self._fail("delivered")

    async def ack(self, entry: JournalEntry) -> None:
        self.acked.append(entry.task_id)

    async def pending_count(self) -> int:
        return len(self.entries)

    def rate_limiter(self) -> None:
        return None  # the client's own, in process


def entry(task_id: str, remaining_s: float = 60.0) -> JournalEntry:
    return JournalEntry(
        task_id=task_id,
        kind=TaskKind.MUSIC,
        meta=None,
        remaining_s=remaining_s,
        ref=f"ref-{task_id}",
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.005, seed=51) as server:
        yield server


def client_of(fake: FakeSunoServer, journal: ScriptedJournal) -> SunoClient:
    return fake.client(journal=journal, poll=POLL)


async def test_a_broken_journal_ends_the_iteration_with_its_error(
    fake: FakeSunoServer,
) -> None:
    """What the journal raises beyond a transient SunoError is not swallowed."""
    async with client_of(fake, ScriptedJournal(failing={"claim"})) as client:
        with pytest.raises(RuntimeError, match="boom"):
            async for _ in client.tracked_outcomes():
                pass


async def test_closing_from_another_task_ends_the_loop(fake: FakeSunoServer) -> None:
    """``aclose()`` while a consumer waits ends its ``async for`` normally."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1e6))
    journal = ScriptedJournal(entry(task_id))
    async with client_of(fake, journal) as client:
        outcomes = client.tracked_outcomes()
        consumer = asyncio.ensure_future(_all(outcomes))
        await journal.until(lambda: outcomes.held == {task_id})
        assert repr(outcomes) == "<TrackedOutcomes held=1 running=True>"
        await outcomes.aclose()
        assert await consumer == []
        assert repr(outcomes) == "<TrackedOutcomes held=0 running=False>"


class _CancelToErrorJournal(ScriptedJournal):
    """``claim`` waits; cancelled, it raises a transient error instead (redis-py
    8.2 was seen ending a cancelled command with a closed-connection error)."""

    async def claim(self, count: int) -> list[JournalEntry]:
        self._called.set()
        self.claims.append(count)
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            raise TransportError("connection closed by server") from None
        raise AssertionError("unreachable")  # pragma: no cover


async def test_closing_stops_a_keeper_whose_cancellation_became_an_error(
    fake: FakeSunoServer,
) -> None:
    """``aclose()`` returns although the journal swallowed the keeper's cancellation."""
    journal = _CancelToErrorJournal()
    async with client_of(fake, journal) as client:
        outcomes = client.tracked_outcomes()
        consumer = asyncio.ensure_future(_all(outcomes))
        await journal.until(lambda: journal.claims)
        closing = asyncio.ensure_future(outcomes.aclose())
        for _ in range(10):  # loop turns, not time: the keeper's next claim would block
            await asyncio.sleep(0)
        assert closing.done()
        assert await consumer == []
    assert journal.claims == [100]


async def _all(outcomes: TrackedOutcomes) -> list[TrackedOutcome[Any]]:
    return [outcome async for outcome in outcomes]


async def test_an_expired_entry_ends_at_once_and_stays_until_acked(
    fake: FakeSunoServer,
) -> None:
    """A task claimed past its deadline is a WaitTimeoutError outcome, without a
    request; closed without ``ack()`` it is not acknowledged."""
    journal = ScriptedJournal(entry("late", remaining_s=0.0))
    async with (
        client_of(fake, journal) as client,
        client.tracked_outcomes() as outcomes,
    ):
        outcome = await outcomes.__anext__()
    assert isinstance(outcome.error, WaitTimeoutError)
    assert (journal.acked, fake.total_requests) == ([], 0)


async def test_journal_write_failures_are_logged_not_raised(
    fake: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A checkpoint or a delivery note that cannot be stored costs a warning:
    the events and the outcome still come."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1))
    journal = ScriptedJournal(entry(task_id), failing={"checkpoint", "delivered"})
    events: list[TaskStatus] = []
    async with client_of(fake, journal) as client:
        with caplog.at_level(logging.WARNING, logger="suno_async"):
            async with client.tracked_outcomes(
                on_event=lambda e: events.append(e.status)
            ) as outcomes:
                outcome = await outcomes.__anext__()
    assert outcome.ok
    assert events[-1] is TaskStatus.SUCCESS
    assert journal.checkpoints == []
    assert "checkpoint not stored" in caplog.text
    assert "delivery not noted" in caplog.text


async def test_acknowledging_twice_is_harmless(fake: FakeSunoServer) -> None:
    """The second ``ack()`` asks the journal again and changes nothing here."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1))
    journal = ScriptedJournal(entry(task_id))
    async with (
        client_of(fake, journal) as client,
        client.tracked_outcomes() as outcomes,
    ):
        outcome = await outcomes.__anext__()
        await outcome.ack()
        await outcome.ack()
        assert outcomes.held == frozenset()
    assert journal.acked == [task_id, task_id]


async def test_max_tasks_bounds_what_a_worker_holds(fake: FakeSunoServer) -> None:
    """With ``max_tasks=1`` a worker claims the next task only after an ack."""
    ids = [fake.add_task(timeline=Timeline.success(None, None, 1)) for _ in range(3)]
    journal = ScriptedJournal(*(entry(t) for t in ids))
    async with (
        client_of(fake, journal) as client,
        client.tracked_outcomes(max_tasks=1) as outcomes,
    ):
        done = []
        async for outcome in outcomes:
            assert outcomes.held == {outcome.task_id}
            done.append(outcome.task_id)
            await outcome.ack()
            if len(done) == 3:
                break
    assert done == ids
    assert set(journal.claims) == {1}


async def test_a_task_claimed_again_while_held_is_waited_once(
    fake: FakeSunoServer,
) -> None:
    """An entry the journal hands out twice (its own, idle) makes one outcome."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1))
    other = fake.add_task(timeline=Timeline.success(None, None, 40))
    journal = ScriptedJournal(entry(task_id), entry(task_id), entry(other))
    async with (
        client_of(fake, journal) as client,
        client.tracked_outcomes(max_tasks=3) as outcomes,
    ):
        first = await outcomes.__anext__()
        second = await outcomes.__anext__()
    assert [first.task_id, second.task_id] == [task_id, other]


async def test_a_lost_task_is_dropped_with_what_it_queued(
    fake: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Once another worker took a task over, this one hands out none of its
    queued events or outcome, and stops polling it.

    A poll of the lost task already on the wire when the lease is lost
    still reaches the server; ``later``'s whole round trip, begun after the
    loss, lets it be logged before the count is taken. No poll follows in
    the poll intervals ``slow`` then takes (a few; ``lost`` is still running).
    """
    quick = fake.add_task(timeline=Timeline.success(None, None, 0))
    lost = fake.add_task(timeline=Timeline.success(10, 20, 200))
    later = fake.add_task(timeline=Timeline.success(None, None, 0))
    slow = fake.add_task(timeline=Timeline.success(None, None, 60))
    journal = ScriptedJournal(entry(quick), entry(lost))
    seen: list[TaskEvent[Any]] = []
    async with client_of(fake, journal) as client:
        with caplog.at_level(logging.WARNING, logger="suno_async"):
            async with client.tracked_outcomes(on_event=seen.append) as outcomes:
                first = await outcomes.__anext__()
                journal.kept = {f"ref-{quick}", f"ref-{later}", f"ref-{slow}"}
                await journal.until(lambda: outcomes.held == {quick})
                journal.entries.append(entry(later))
                second = await outcomes.__anext__()
                polls = len(fake.requests(lost))
                journal.entries.append(entry(slow))
                third = await outcomes.__anext__()
    assert [first.task_id, second.task_id, third.task_id] == [quick, later, slow]
    assert [e.task_id for e in seen if e.task_id == lost] == []
    assert len(fake.requests(lost)) == polls
    assert "lease lost to another worker" in caplog.text


async def test_a_lost_expired_task_is_dropped_too(fake: FakeSunoServer) -> None:
    """A held task that was never polled (past its deadline) can be lost too."""
    journal = ScriptedJournal(entry("late", remaining_s=-1.0))
    async with (
        client_of(fake, journal) as client,
        client.tracked_outcomes() as outcomes,
    ):
        await outcomes.__anext__()
        journal.kept = set()
        await journal.until(lambda: not outcomes.held)
    assert journal.acked == []


# --- MemoryTaskJournal ------------------------------------------------------------


async def test_the_memory_journal_tracks_and_delivers(fake: FakeSunoServer) -> None:
    """track(), tracked_outcomes() and ack() in one process; a repeat track is false."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1))
    journal = MemoryTaskJournal()
    async with fake.client(journal=journal, poll=POLL) as client:
        assert await client.track(task_id, meta={"chat_id": 1}) is True
        assert await client.track(task_id) is False
        assert repr(journal) == "<MemoryTaskJournal tasks=1 lease=30>"
        async with client.tracked_outcomes() as outcomes:
            outcome = await outcomes.__anext__()
            await outcome.ack()
    assert (outcome.task_id, outcome.meta, outcome.ok) == (
        task_id,
        {"chat_id": 1},
        True,
    )
    assert await journal.pending_count() == 0


async def test_the_memory_journal_redelivers_after_the_lease(
    fake: FakeSunoServer,
) -> None:
    """An outcome closed without ``ack()`` comes again to the next worker after
    the lease, ``redelivered``, resuming past the stored checkpoint."""
    task_id = fake.add_task(timeline=Timeline.success(None, None, 1))
    journal = MemoryTaskJournal(lease=0.1, claim_interval_s=0.01)
    events: list[TaskStatus] = []
    async with fake.client(journal=journal, poll=POLL) as client:
        await client.track(task_id)
        async with client.tracked_outcomes() as outcomes:
            first = await outcomes.__anext__()
        async with client.tracked_outcomes(
            on_event=lambda e: events.append(e.status)
        ) as outcomes:
            again = await outcomes.__anext__()
            await again.ack()
    assert (first.redelivered, again.redelivered, again.ok) == (False, True, True)
    assert events == []  # SUCCESS was handed out (and checkpointed) before


async def test_the_memory_journal_counts_the_deadline_from_tracking(
    fake: FakeSunoServer,
) -> None:
    """A task claimed after its deadline ends as WaitTimeoutError at once."""
    now = [0.0]
    journal = MemoryTaskJournal(clock=lambda: now[0])
    async with fake.client(journal=journal, poll=POLL) as client:
        await client.track("a" * 32, timeout=60)
        now[0] = 61.0
        async with client.tracked_outcomes() as outcomes:
            outcome = await outcomes.__anext__()
    assert isinstance(outcome.error, WaitTimeoutError)
    assert fake.total_requests == 0


async def test_the_memory_journal_ignores_writes_for_forgotten_tasks() -> None:
    """Claims stop at ``count``; writes for an acknowledged task do nothing."""
    journal = MemoryTaskJournal()
    for task_id in ("t", "u"):
        await journal.add(task_id, kind=TaskKind.MUSIC, meta="null", timeout=60)
    [claimed] = await journal.claim(1)
    await journal.ack(claimed)
    await journal.checkpoint(claimed, "{}")
    await journal.delivered(claimed)
    assert await journal.renew([claimed.ref]) == set()
    assert (await journal.pending_count(), journal.rate_limiter()) == (1, None)


@pytest.mark.parametrize(
    "options", [{"lease": 0}, {"claim_interval_s": float("inf")}], ids=str
)
def test_impossible_memory_journal_settings_are_refused(
    options: dict[str, Any],
) -> None:
    """A lease or claim interval that is not a positive number: ``ValueError``."""
    with pytest.raises(ValueError, match="must be a positive number"):
        MemoryTaskJournal(**options)

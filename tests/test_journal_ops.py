"""Running a journal: its status (API and CLI), and a Redis restart with persistence.

A real, private redis-server (tests/redis_server.py) and the simulator.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions
from redis_server import RedisServer, free_port, redis_binary
from test_cli import invoke_async
from test_redis import redis_server  # noqa: F401 - the fixture

from suno_async import PollPolicy, TaskKind, TrackedOutcome
from suno_async.redis import (
    JournalStatus,
    JournalUnavailableError,
    JournalWorker,
    RedisTaskJournal,
)
from suno_async.testing import FakeSunoServer, Timeline

POLL = PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0.1)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.005, seed=41) as server:
        yield server


async def _hold_one(
    redis_url: str, fake: FakeSunoServer, name: str
) -> tuple[list[str], RedisTaskJournal, redis.asyncio.Redis]:
    """Track 3 tasks; worker ``w1`` holds the one it claims (it never ends)."""
    shared = redis.asyncio.Redis.from_url(redis_url)
    journal = RedisTaskJournal(shared, name=name, consumer="w1")
    ids = [fake.add_task(timeline=Timeline.success(None, None, 1e6)) for _ in range(3)]
    for task_id in ids:
        await journal.add(task_id, kind=TaskKind.MUSIC, meta="null", timeout=600)
    [entry] = await journal.claim(1)
    assert entry.task_id == ids[0]
    return ids, journal, shared


@pytest.mark.integration
async def test_status_counts_tasks_and_workers(
    redis_server: RedisServer,  # noqa: F811 - the fixture
    fake: FakeSunoServer,
) -> None:
    """3 tracked, 1 held by worker w1, 2 waiting; the oldest's age; w1 listed."""
    _, journal, shared = await _hold_one(redis_server.url, fake, "stat")
    found = await journal.status()
    assert (found.tracked, found.held, found.unclaimed) == (3, 1, 2)
    assert found.oldest_age_s is not None
    assert 0 <= found.oldest_age_s < 5
    assert [(w.name, w.held) for w in found.workers] == [("w1", 1)]
    empty = await RedisTaskJournal(shared, name="none").status()
    assert empty == JournalStatus(tracked=0, held=0, oldest_age_s=None, workers=())
    await shared.aclose()


@pytest.mark.integration
async def test_cli_journal_status(
    redis_server: RedisServer,  # noqa: F811 - the fixture
    fake: FakeSunoServer,
) -> None:
    """``suno-async journal status`` prints the counts; ``--json`` one line."""
    _, _, shared = await _hold_one(redis_server.url, fake, "cli")
    await shared.aclose()
    args = ["journal", "status", "--redis-url", redis_server.url, "--name", "cli"]
    human = await invoke_async(args)
    machine = await invoke_async([*args, "--json"])
    assert human.code == 0
    assert human.stdout.splitlines()[0].startswith(
        "journal cli: 3 tracked, 1 held by workers, 2 waiting for one; oldest: "
    )
    assert human.stdout.splitlines()[1].startswith("  worker w1: holds 1, idle ")
    [line] = machine.lines()
    assert line["type"] == "journal"
    assert (line["name"], line["tracked"], line["held"], line["unclaimed"]) == (
        "cli",
        3,
        1,
        2,
    )
    assert [w["name"] for w in line["workers"]] == ["w1"]


async def test_cli_journal_status_without_redis_is_a_clear_error() -> None:
    """An unreachable Redis ends the command with one error line, no traceback."""
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    run = await invoke_async(["journal", "status", "--redis-url", url, "--name", "x"])
    assert run.code == 6  # a TransportError, as an unreachable service
    assert run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr
    assert "hunter2" not in run.stderr
    bad = await invoke_async(
        ["journal", "status", "--redis-url", "ftp://x", "--name", "x"]
    )
    assert bad.code == 2
    assert "--redis-url is not a Redis URL" in bad.stderr


# --- a Redis restart with persistence -------------------------------------------


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[RedisServer]:
    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    options = ("--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path))
    server = RedisServer(binary, options=options)
    server.start()
    yield server
    server.kill()


async def _ack(outcome: TrackedOutcome[Any]) -> None:
    """Acknowledge, again while the journal's Redis is restarting."""
    while True:
        try:
            return await outcome.ack()
        except JournalUnavailableError:
            await asyncio.sleep(0.05)


@pytest.mark.integration
@pytest.mark.timeout(60)  # a hang guard: the run takes about 2 s
async def test_redis_restart_with_persistence_loses_nothing(
    persistent_redis: RedisServer, fake: FakeSunoServer
) -> None:
    """20 tracked tasks; after 5 outcomes Redis is killed (SIGKILL) and started
    again on its append-only file while the worker runs: every task still
    comes out once and is acknowledged; the journal ends empty."""
    shared = redis.asyncio.Redis.from_url(persistent_redis.url)
    journal = RedisTaskJournal(shared, name="aof", lease=1.0, claim_interval_s=0.05)
    ids = [
        fake.add_task(timeline=Timeline.success(10, 20, 40 + 10 * i)) for i in range(20)
    ]  # ends 0.2 s to 1.2 s from now
    seen: list[str] = []
    async with fake.client(journal=journal, poll=POLL) as client:
        for task_id in ids:
            await client.track(task_id)
        async with client.tracked_outcomes() as outcomes:
            async for outcome in outcomes:
                seen.append(outcome.task_id)
                await _ack(outcome)
                if len(seen) == 5:
                    before = await journal.pending_count()
                    persistent_redis.kill()
                    persistent_redis.start()
                    after = await _pending(journal)
                if len(seen) == 20:
                    break
    assert (before, after) == (15, 15)
    assert sorted(seen) == sorted(ids)
    assert await journal.pending_count() == 0
    assert fake.limit_violations == 0
    await shared.aclose()


async def _pending(journal: RedisTaskJournal) -> int:
    """The journal's count once its Redis answers again."""
    while True:
        try:
            return await journal.pending_count()
        except JournalUnavailableError:
            await asyncio.sleep(0.05)


def test_status_as_json_types() -> None:
    """``to_dict`` gives JSON types, with ``unclaimed``."""
    status = JournalStatus(
        tracked=2,
        held=1,
        oldest_age_s=1.5,
        workers=(JournalWorker(name="w", held=1, idle_s=0.25),),
    )
    assert json.loads(json.dumps(status.to_dict())) == {
        "tracked": 2,
        "held": 1,
        "unclaimed": 1,
        "oldest_age_s": 1.5,
        "workers": [{"name": "w", "held": 1, "idle_s": 0.25}],
    }


class _GatedRedis:
    """Just enough of a Redis client: ``xlen`` answers when the test says."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def register_script(self, script: str) -> object:
        return object()

    async def xlen(self, key: str) -> int:
        return await self.answer


async def test_a_stop_as_redis_answers_is_not_lost() -> None:
    """A worker cancelled in the loop turn its Redis answer arrives stops.

    (``asyncio.wait_for`` on Python 3.10 and 3.11 would return the answer and
    drop the cancellation: a worker told to stop ran on.)
    """
    gated = _GatedRedis()
    journal = RedisTaskJournal(gated, name="gated")  # type: ignore[arg-type]
    call = asyncio.ensure_future(journal.pending_count())
    await asyncio.sleep(0)  # it awaits the answer now
    gated.answer.set_result(3)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


class _ClosingRedis(_GatedRedis):
    """``xlen`` cancelled ends with redis-py's closed-connection error instead."""

    async def xlen(self, key: str) -> int:
        try:
            return await self.answer
        except asyncio.CancelledError:
            closed = "Connection closed by server."
            raise redis.exceptions.ConnectionError(closed) from None


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling is 3.11+")
async def test_a_cancellation_redis_reports_as_an_error_stays_a_cancellation() -> None:
    """Not a JournalUnavailableError, which a worker's loop would retry."""
    journal = RedisTaskJournal(_ClosingRedis(), name="closing")  # type: ignore[arg-type]
    call = asyncio.ensure_future(journal.pending_count())
    await asyncio.sleep(0)  # it awaits the answer now
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

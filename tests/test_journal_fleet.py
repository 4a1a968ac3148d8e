"""Durable waits across processes: workers (tests/journal_worker.py) on one journal.

A real, private redis-server and the simulator play the service; workers
are subprocesses, one killed with SIGKILL mid-way. Marked ``integration``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from redis_server import RedisServer
from test_redis import redis_server  # noqa: F401 - the fixture

from suno_async.redis import RedisTaskJournal
from suno_async.testing import FakeSunoServer, Timeline

WORKER = str(Path(__file__).with_name("journal_worker.py"))
LEASE_S = 1.0
CLAIM_S = 0.1
POLL_S = 0.1


class Worker:
    """One tests/journal_worker.py process and the JSON lines it printed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []
        self.consumers: list[str] = []

    @classmethod
    async def start(cls, *args: str) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, WORKER, *args, stdout=asyncio.subprocess.PIPE
        )
        worker = cls(proc)
        worker.consumers = (await worker.line())["ready"]
        return worker

    async def line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await self.proc.stdout.readline()
        assert raw, "the worker exited"
        line: dict[str, Any] = json.loads(raw)
        self.lines.append(line)
        return line

    async def rest(self) -> None:
        """Read the lines until the worker exits."""
        assert self.proc.stdout is not None
        self.lines += [
            json.loads(x) for x in (await self.proc.stdout.read()).split(b"\n") if x
        ]
        assert await self.proc.wait() == 0

    def outcomes(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "outcome" in line]

    def acked(self) -> set[str]:
        return {line["acked"] for line in self.lines if "acked" in line}

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()
        await worker.proc.wait()


def _args(
    fake: FakeSunoServer, server: RedisServer, name: str, *more: str
) -> list[str]:
    return [
        "--base-url", fake.url, "--redis-url", server.url, "--name", name,
        "--lease", str(LEASE_S), "--claim-s", str(CLAIM_S), "--poll-s", str(POLL_S),
        *more,
    ]  # fmt: skip


@pytest.mark.integration
@pytest.mark.timeout(60)  # a hang guard: the run takes about 6 s
async def test_worker_killed_mid_way_loses_nothing(
    redis_server: RedisServer,  # noqa: F811 - the fixture
    workers: list[Worker],
    record_property: Any,
) -> None:
    """100 tracked tasks; worker A is SIGKILLed after 30 outcomes, B starts after.

    Every task's outcome is handed out and acknowledged; only A's last,
    unacknowledged one comes twice (B: ``redelivered=True``); none is
    lost; the journal ends empty; no per-task limit violation. How soon B
    polls A's tasks again is a figure (printed, and recorded as
    ``takeover_s``), not asserted: it is wall-clock time on a shared machine;
    were there no takeover at all, B would never end (the timeout).
    """
    shared = redis.asyncio.Redis.from_url(redis_server.url)
    journal = RedisTaskJournal(shared, name="crash", lease=LEASE_S)
    async with FakeSunoServer(scale=0.01, seed=21) as fake:
        ids = [
            fake.add_task(timeline=Timeline.success(20, 60 + i, 120 + 3 * i))
            for i in range(100)
        ]  # ends 1.2 s to 4.2 s from now
        async with fake.client(journal=journal) as client:
            for task_id in ids:
                assert await client.track(task_id, meta={"user": task_id[:6]})
        a = await Worker.start(
            *_args(fake, redis_server, "crash", "--stall-after", "30")
        )
        workers.append(a)
        while len(a.outcomes()) < 30:
            await a.line()
        a.kill()  # stalled before acknowledging its 30th outcome
        killed_at = time.monotonic()
        await a.proc.wait()
        pending = await shared.xpending_range(
            journal.stream, "workers", "-", "+", 200, consumername=a.consumers[0]
        )
        held_refs = {p["message_id"] for p in pending}
        held = {
            (await shared.xrange(journal.stream, ref, ref))[0][1][b"task"].decode()
            for ref in held_refs
        }
        b = await Worker.start(
            *_args(fake, redis_server, "crash", "--stop-when-empty", "0.5")
        )
        b_ready = time.monotonic()  # it claims at once
        workers.append(b)
        await b.rest()
        violations = fake.limit_violations
        first_again = [
            min(r.at for r in fake.requests(t) if r.at > killed_at) for t in held
        ]
    delivered = Counter(o["task"] for o in a.outcomes() + b.outcomes())
    unacked = {o["task"] for o in a.outcomes()} - a.acked()
    assert len(unacked) == 1
    assert set(delivered) == set(ids)
    assert {t for t, n in delivered.items() if n > 1} == unacked
    assert {o["task"] for o in b.outcomes() if o["redelivered"]} == unacked
    assert a.acked() | b.acked() == set(ids)
    assert {o["outcome"] for o in a.outcomes() + b.outcomes()} == {"done"}
    assert await journal.pending_count() == 0
    assert violations == 0
    takeover = max(first_again) - killed_at  # the last of A's tasks B resumed
    after_b = max(first_again) - max(killed_at, b_ready - LEASE_S)
    # No milestone a checkpoint stored is handed out again by B.
    a_events = {(x["task"], x["status"]) for x in a.lines if "status" in x}
    b_events = Counter((x["task"], x["status"]) for x in b.lines if "status" in x)
    assert not a_events & set(b_events)
    assert set(b_events.values()) <= {1}
    record_property("held_by_a_at_kill", len(held))
    record_property("takeover_s", round(takeover, 3))
    record_property("takeover_after_b_s", round(after_b, 3))
    print(
        f"A held {len(held)} at kill; B polled them all within {takeover:.3f} s "
        f"of the kill ({after_b:.3f} s counting from B's start less the lease, if "
        f"later); lease {LEASE_S} s, claim {CLAIM_S} s, poll {POLL_S} s"
    )
    await shared.aclose()


@pytest.mark.integration
@pytest.mark.timeout(60)  # a hang guard: the run takes a few seconds
async def test_a_hundred_workers_split_the_tasks(
    redis_server: RedisServer,  # noqa: F811 - the fixture
    workers: list[Worker],
    record_property: Any,
) -> None:
    """4 processes of 25 asyncio workers (100 consumers), one task each at a time.

    The tasks are tracked first; the workers start together.

    Every one of 100 tasks is handed out exactly once, to one worker, never
    as redelivered; the journal ends empty; no per-task limit violation.
    """
    shared = redis.asyncio.Redis.from_url(redis_server.url)
    journal = RedisTaskJournal(shared, name="hundred")
    async with FakeSunoServer(scale=0.01, seed=22) as fake:
        ids = [
            fake.add_task(timeline=Timeline.success(100, 200, 300 + i))
            for i in range(100)
        ]  # ends 3 s to 4 s from now: every worker is up before
        async with fake.client(journal=journal) as client:
            for task_id in ids:
                await client.track(task_id)
        args = _args(fake, redis_server, "hundred", "--workers", "25")
        more = ("--max-tasks", "1", "--claim-s", "0.2", "--poll-s", "0.25")
        workers += await asyncio.gather(
            *(Worker.start(*args, *more, "--stop-when-empty", "0.5") for _ in range(4))
        )
        for worker in workers:
            await worker.rest()
        violations = fake.limit_violations
    outcomes = [o for w in workers for o in w.outcomes()]
    assert sorted(o["task"] for o in outcomes) == sorted(ids)
    assert {o["outcome"] for o in outcomes} == {"done"}
    assert not any(o["redelivered"] for o in outcomes)
    assert set().union(*(w.acked() for w in workers)) == set(ids)
    assert await journal.pending_count() == 0
    assert violations == 0
    busy = len({o["worker"] for o in outcomes})
    assert sum(len(w.consumers) for w in workers) == 100
    assert busy >= 50  # one task at a time each: the work is spread
    record_property("workers_with_tasks", busy)
    print(f"{busy} of 100 workers handed out outcomes")
    await shared.aclose()

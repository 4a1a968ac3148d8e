"""suno_async.redis against a real, private redis-server on 127.0.0.1.

Run locally with ``redis-server`` on the PATH (``apt-get install
redis-server`` or ``brew install redis``): ``pytest tests/test_redis.py``.
Without it these tests skip, saying so; CI installs it and never skips.
Those that start a redis-server or worker processes are marked
``integration`` (``-m "not integration"`` leaves them out).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import random
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis_server import RedisServer, free_port, redis_binary

from suno_async import PollPolicy, TaskKind, TaskStatus, TransportError, WavRecord
from suno_async.redis import (
    RateLimiterUnavailableError,
    RedisCallbackBus,
    RedisRateLimiter,
)
from suno_async.testing import FakeSunoServer, Timeline

WORKER = str(Path(__file__).with_name("redis_worker.py"))
MILESTONES = ["TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary)
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def shared(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


# --- the limiter's rule -------------------------------------------------------


@pytest.mark.parametrize("value", [0.0, -1.0, math.inf, math.nan])
@pytest.mark.parametrize(
    "name", ["lease_s", "poll_interval_s", "redis_timeout_s", "recheck_s"]
)
def test_limiter_timings_must_be_positive_and_finite(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be a positive number, not "):
        RedisRateLimiter(redis.asyncio.Redis(), **{name: value})


@pytest.mark.integration
async def test_window_holds_under_concurrent_load(redis_server: RedisServer) -> None:
    """Four limiters (four connections, as four processes) share one key's window.

    Whenever a slot starts, fewer than 3 others are in flight or ended
    less than window_s before (measured inside each slot, so within the
    Redis times the rule uses).
    """
    window = 0.2
    clients = [redis.asyncio.Redis.from_url(redis_server.url) for _ in range(4)]
    limiters = [RedisRateLimiter(c, prefix="load", window_s=window) for c in clients]
    rng = random.Random(5)
    holds: list[tuple[float, float]] = []

    async def use(limiter: RedisRateLimiter, hold_s: float) -> None:
        async with limiter.slot("task-1"):
            entered = time.time()
            await asyncio.sleep(hold_s)
            holds.append((entered, time.time()))

    await asyncio.gather(
        *(use(limiters[i % 4], rng.uniform(0, 0.03)) for i in range(24))
    )
    for client in clients:
        await client.aclose()
    holds.sort()
    active_at_start = [
        sum(1 for j, (_, end) in enumerate(holds[:k]) if end > start - window)
        for k, (start, _) in enumerate(holds)
    ]
    assert len(holds) == 24
    assert max(active_at_start) <= 2
    # The load was heavy enough to fill the window: 24 slots need >= 7 windows.
    assert holds[-1][0] - holds[0][0] >= 7 * window


@pytest.mark.integration
async def test_keys_expire(shared: redis.asyncio.Redis) -> None:
    """A key lives window + lease at most after its last use; keys per task id."""
    limiter = RedisRateLimiter(shared, prefix="exp", window_s=1.0, lease_s=10.0)
    async with limiter.slot("task-9"):
        pass
    assert await shared.keys("exp:*") == [b"exp:slot:task-9"]
    assert 10_000 < await shared.pttl("exp:slot:task-9") <= 11_000


@pytest.mark.integration
@pytest.mark.timeout(10)  # a hang guard: the lease is 0.3 s
async def test_unreleased_slot_frees_after_its_lease(
    shared: redis.asyncio.Redis,
) -> None:
    """A slot whose process died (never released) counts as released at lease end.

    The window's scores are Redis times (us) when each slot stops counting:
    start + lease + window for one in flight.
    """
    limiter = RedisRateLimiter(
        shared, prefix="lease", limit=1, window_s=0.1, lease_s=0.3
    )
    crashed = limiter.slot("t")
    await crashed.__aenter__()  # and never leaves: a crashed process
    [(_, crashed_ends)] = await shared.zrange("lease:slot:t", 0, -1, withscores=True)
    async with limiter.slot("t"):
        [(_, ends)] = await shared.zrange("lease:slot:t", 0, -1, withscores=True)
    # granted (the crashed slot gone) no sooner than lease + window after it began
    assert ends - crashed_ends >= 400_000


@pytest.mark.integration
async def test_pacer_spaces_starts_across_processes(
    shared: redis.asyncio.Redis, redis_server: RedisServer
) -> None:
    """Two processes' pacers under one name start 1 / rate apart, in all."""
    other = redis.asyncio.Redis.from_url(redis_server.url)
    pacers = [
        RedisRateLimiter(c, prefix="pace").pacer("requests", 20.0)
        for c in (shared, other)
    ]
    starts: list[float] = []

    async def go(i: int) -> None:
        await pacers[i % 2].acquire()
        starts.append(time.time())

    await asyncio.gather(*(go(i) for i in range(8)))
    await other.aclose()
    gaps = [b - a for a, b in itertools.pairwise(sorted(starts))]
    assert min(gaps) >= 0.05 - 0.002  # time.time() is read after the grant
    assert pacers[0].current_rate == 20.0
    pacers[0].on_rate_limited()
    assert pacers[0].current_rate == 10.0
    pacers[0].on_success()
    assert pacers[0].current_rate == 10.625


# --- Redis unreachable ----------------------------------------------------------


async def test_unreachable_redis_fails_closed() -> None:
    """By default no slot is granted without Redis: a transient TransportError."""
    dead = redis.asyncio.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    limiter = RedisRateLimiter(dead)
    with pytest.raises(RateLimiterUnavailableError) as caught:
        async with limiter.slot("t"):
            pytest.fail("a slot without Redis")
    assert isinstance(caught.value, TransportError)
    assert caught.value.is_transient
    with pytest.raises(RateLimiterUnavailableError):
        await limiter.pacer("requests", 5.0).acquire()
    await dead.aclose()


async def test_unreachable_redis_falls_back_to_local(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """fallback="local" limits per process meanwhile and warns once per outage."""
    dead = redis.asyncio.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    limiter = RedisRateLimiter(dead, fallback="local", window_s=0.05)
    with caplog.at_level(logging.WARNING, logger="suno_async"):
        for _ in range(4):
            async with limiter.slot("t"):
                pass
        await limiter.pacer("requests", 100.0).acquire()
    outage = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(outage) == 1
    await dead.aclose()


async def test_bus_publishes_locally_when_redis_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A callback that cannot be published still reaches this process's waits."""
    dead = redis.asyncio.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    bus = RedisCallbackBus(dead)
    heard: list[tuple[str, int, bool]] = []
    bus.publish("t", 2, trusted=True, local=lambda *a: heard.append(a))
    await asyncio.gather(*bus._publishing)
    assert heard == [("t", 2, True)]
    assert "not published" in caplog.text
    await dead.aclose()


# --- the callback bus, in process -----------------------------------------------


@pytest.mark.integration
async def test_callback_received_by_one_client_wakes_another(
    redis_server: RedisServer,
) -> None:
    """Client A takes the callback; client B's wait (polling hourly) reads at once."""
    connections = [redis.asyncio.Redis.from_url(redis_server.url) for _ in range(2)]
    buses = [RedisCallbackBus(c, prefix="inproc") for c in connections]
    async with FakeSunoServer(scale=0.001, seed=3) as fake:
        task_id = fake.add_task(timeline=Timeline.success(None, None, 1.0))
        a = fake.client(callback_bus=buses[0])
        b = fake.client(callback_bus=buses[1], poll=PollPolicy.fixed(3600.0))
        async with a, b:
            wait = asyncio.ensure_future(b.wait_for_task(task_id, timeout=5.0))
            while "inproc:cb:" + task_id not in await _channels(connections[0]):
                await asyncio.sleep(0.01)
            body = {
                "code": 200,
                "data": {"callbackType": "complete", "task_id": task_id},
            }
            await a.handle_callback(body)
            record = await wait
        assert record.task_id == task_id
        assert buses[1].joined == frozenset()
    for bus, connection in zip(buses, connections, strict=True):
        await bus.aclose()
        await connection.aclose()


@pytest.mark.integration
async def test_family_callback_received_by_one_client_wakes_another(
    redis_server: RedisServer,
) -> None:
    """A WAV callback taken by client A wakes client B's WAV wait, whose first
    poll is an hour away: B reads once, at once."""
    connections = [redis.asyncio.Redis.from_url(redis_server.url) for _ in range(2)]
    buses = [RedisCallbackBus(c, prefix="family") for c in connections]
    async with FakeSunoServer(scale=0.001, seed=3) as fake:
        task_id = fake.add_task(kind="wav", timeline=Timeline.success(None, None, 1.0))
        hourly = PollPolicy(
            kind="fixed", interval_s=3600.0, first_poll_max_s=3600.0, random=lambda: 1.0
        )
        a = fake.client(callback_bus=buses[0])
        b = fake.client(callback_bus=buses[1], poll=hourly)
        async with a, b:
            wait = asyncio.ensure_future(
                b.wait_for_task(task_id, kind="wav", timeout=5.0)
            )
            while "family:cb:" + task_id not in await _channels(connections[0]):
                await asyncio.sleep(0.01)
            body = {
                "code": 200,
                "msg": "success",
                "data": {"task_id": task_id, "audioWavUrl": "https://cdn.test/a.wav"},
            }
            event = await a.handle_callback(body)
            record = await wait
        assert (event.kind, type(record), record.status) == (
            TaskKind.WAV,
            WavRecord,
            TaskStatus.SUCCESS,
        )
        assert len(fake.requests(task_id)) == 1
        assert buses[1].joined == frozenset()
    for bus, connection in zip(buses, connections, strict=True):
        await bus.aclose()
        await connection.aclose()


async def _channels(connection: redis.asyncio.Redis) -> list[str]:
    return [c.decode() for c in await connection.pubsub_channels()]


# --- four processes -------------------------------------------------------------


class Fleet:
    """Worker subprocesses (tests/redis_worker.py) and their JSON lines."""

    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []
        self.hooks: list[str | None] = []
        self.read: list[list[dict[str, Any]]] = []  # lines read before lines()

    async def start(self, n: int, *args: str, hook_first: bool = False) -> None:
        for i in range(n):
            extra = ["--hook"] if hook_first and i == 0 else []
            proc = await asyncio.create_subprocess_exec(
                sys.executable, WORKER, *args, *extra,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            self.procs.append(proc)
        for proc in self.procs:
            assert proc.stdout is not None
            self.hooks.append(json.loads(await proc.stdout.readline())["ready"])

    def go(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")

    async def lines(self, i: int) -> list[dict[str, Any]]:
        """Worker ``i``'s lines until it exits."""
        proc = self.procs[i]
        assert proc.stdout is not None
        out = self.read[i] if i < len(self.read) else []
        out += [json.loads(line) for line in (await proc.stdout.read()).splitlines()]
        assert await proc.wait() == 0
        return out

    def kill(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    fleet = Fleet()
    yield fleet
    fleet.kill()


def milestones(lines: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((line["task"], line["status"]) for line in lines if "status" in line)


def outcomes(lines: list[dict[str, Any]]) -> dict[str, str]:
    return {line["task"]: line["outcome"] for line in lines if "outcome" in line}


@pytest.mark.integration
async def test_four_processes_share_the_limit(
    redis_server: RedisServer, fleet: Fleet
) -> None:
    """4 processes poll 3 tasks every 50 ms: no violation, each milestone once."""
    async with FakeSunoServer(scale=0.02, seed=11) as fake:
        await fleet.start(
            4, "--base-url", fake.url, "--redis-url", redis_server.url,
            "--prefix", "four", "t1", "t2", "t3",
        )  # fmt: skip
        for task_id in ("t1", "t2", "t3"):
            fake.add_task(task_id, Timeline.success(25, 50, 100))  # 0.5, 1, 2 s
        fleet.go()
        results = [await fleet.lines(i) for i in range(4)]
        every = Counter({(t, s): 1 for t in ("t1", "t2", "t3") for s in MILESTONES})
        assert [milestones(lines) for lines in results] == [every] * 4
        assert [outcomes(lines) for lines in results] == [
            {"t1": "done", "t2": "done", "t3": "done"}
        ] * 4
        assert fake.limit_violations == 0
        # 4 x 20 polls/s wanted per task: the shared window was full.
        assert len(fake.requests("t1")) >= 6


@pytest.mark.integration
async def test_callback_to_one_process_wakes_the_others(
    redis_server: RedisServer, fleet: Fleet
) -> None:
    """Only worker 0 receives callbacks; workers 1-3 poll hourly yet finish promptly.

    Promptly: within the waits' own 5 s deadline (else their outcome is
    WaitTimeoutError), when polling alone would take an hour.
    """
    async with FakeSunoServer(scale=0.01, seed=12) as fake:
        await fleet.start(
            4, "--base-url", fake.url, "--redis-url", redis_server.url,
            "--prefix", "hook", "--poll-s", "3600", "--timeout", "5", "c1", "c2",
            hook_first=True,
        )  # fmt: skip
        param = {"callBackUrl": fleet.hooks[0]}
        for task_id in ("c1", "c2"):  # stages 1, 1.5 and 2 s from now
            fake.add_task(task_id, Timeline.success(100, 150, 200), param=param)
        fleet.go()
        watcher = redis.asyncio.Redis.from_url(redis_server.url)
        for _ in range(100):  # every worker's pollers join within 1 s
            counts = dict(await watcher.pubsub_numsub("hook:cb:c1", "hook:cb:c2"))
            if set(counts.values()) == {4}:
                break
            await asyncio.sleep(0.01)
        await watcher.aclose()
        assert counts == {b"hook:cb:c1": 4, b"hook:cb:c2": 4}
        results = [await fleet.lines(i) for i in range(4)]
        every = Counter({(t, s): 1 for t in ("c1", "c2") for s in MILESTONES})
        assert [milestones(lines) for lines in results] == [every] * 4
        assert [outcomes(lines) for lines in results] == [
            {"c1": "done", "c2": "done"}
        ] * 4
        assert fake.limit_violations == 0


@pytest.mark.integration
@pytest.mark.timeout(30)  # a hang guard: every wait has a 6 s deadline
async def test_redis_killed_mid_run(redis_server: RedisServer, fleet: Fleet) -> None:
    """Redis dies after the first milestone and stays down: requests fail closed.

    No record-info request goes out without Redis (no violation), and every
    wait of every process ends at its 6 s deadline with WaitTimeoutError:
    none is lost, none hangs.
    """
    async with FakeSunoServer(scale=0.02, seed=13) as fake:
        await fleet.start(
            4, "--base-url", fake.url, "--redis-url", redis_server.url,
            "--prefix", "kill", "--poll-s", "0.5", "--timeout", "6", "k1", "k2",
        )  # fmt: skip
        for task_id in ("k1", "k2"):
            fake.add_task(task_id, Timeline.success(10, 500, 1000))  # 0.2, 10, 20 s
        fleet.go()
        for proc in fleet.procs:  # each worker saw TEXT_SUCCESS of both tasks
            assert proc.stdout is not None
            seen = 0
            while seen < 2:
                line = json.loads(await proc.stdout.readline())
                seen += line.get("status") == "TEXT_SUCCESS"
        redis_server.kill()
        sent = len(fake.requests())
        results = [await fleet.lines(i) for i in range(4)]
        assert [outcomes(lines) for lines in results] == [
            {"k1": "WaitTimeoutError", "k2": "WaitTimeoutError"}
        ] * 4
        assert fake.limit_violations == 0
        assert len(fake.requests()) <= sent + 8  # at most those already in flight


@pytest.mark.integration
async def test_client_wide_rate_is_shared_by_clients_on_one_redis(
    redis_server: RedisServer,
) -> None:
    """Two clients with max_requests_per_second=10 on one Redis start 0.1 s apart."""
    connections = [redis.asyncio.Redis.from_url(redis_server.url) for _ in range(2)]
    async with FakeSunoServer() as server:
        ids = [server.add_task(timeline=Timeline.success()) for _ in range(6)]
        clients = [
            server.client(
                rate_limiter=RedisRateLimiter(c, prefix="wide"),
                max_requests_per_second=10.0,
            )
            for c in connections
        ]
        try:
            await asyncio.gather(
                *(clients[n % 2].get_task(task_id) for n, task_id in enumerate(ids))
            )
        finally:
            for client in clients:
                await client.aclose()
            for c in connections:
                await c.aclose()
        arrivals = sorted(r.at for r in server.requests())
    # paced together: 6 starts take at least 5 intervals (arrival jitter aside)
    assert arrivals[-1] - arrivals[0] >= 0.4


@pytest.mark.integration
@pytest.mark.timeout(30)  # a hang guard: each Redis command times out at 0.2 s
async def test_timed_out_acquire_leaves_no_slot(redis_server: RedisServer) -> None:
    """An acquire Redis runs after its caller gave up holds no slot.

    Redis stalls (SIGSTOP) while an acquire is sent: the caller times out
    and no request is sent. Once resumed, Redis runs that acquire anyway;
    the limiter's next command voids it, and nothing is left held.
    """
    connection = redis.asyncio.Redis.from_url(redis_server.url)
    limiter = RedisRateLimiter(
        connection, prefix="late", redis_timeout_s=0.2, recheck_s=0.01
    )
    async with limiter.slot("u"):  # Redis knows the scripts: EVALSHA runs late
        pass
    redis_server.pause()
    try:
        with pytest.raises(RateLimiterUnavailableError):
            async with limiter.slot("t"):
                pytest.fail("a slot without Redis")
    finally:
        redis_server.resume()
    watcher = redis.asyncio.Redis.from_url(redis_server.url)
    while not await watcher.exists("late:slot:t"):  # the late acquire ran
        await asyncio.sleep(0.01)
    while True:  # the limiter's next command, once its recheck_s is over
        with contextlib.suppress(RateLimiterUnavailableError):
            async with limiter.slot("u"):
                break
        await asyncio.sleep(0.01)
    assert await watcher.zcard("late:slot:t") == 0
    assert await in_flight_slots(watcher, "late") == 0
    for client in (watcher, connection):
        await client.aclose()


@pytest.mark.integration
async def test_voided_acquire_refuses_itself(shared: redis.asyncio.Redis) -> None:
    """A void that Redis runs before the late acquire makes that acquire refuse.

    The two travel on different connections, so Redis may run them in either
    order; this is the order the resume test above cannot force.
    """
    from suno_async.redis._scripts import ACQUIRE, VOID

    keys = ("void:slot:t", "void:void:m1")
    assert await shared.eval(VOID, 2, *keys, "m1", 10_000) == 0
    assert await shared.eval(ACQUIRE, 2, *keys, 3, 1_000_000, 5_000_000, "m1") == -3
    assert await shared.exists("void:slot:t") == 0
    assert (
        await shared.eval(ACQUIRE, 2, "void:slot:t", "void:void:m2", 3, 1, 1, "m2")
        == -2
    )


@pytest.mark.integration
@pytest.mark.timeout(30)  # a hang guard: the outage lasts 1.5 s
async def test_fallback_both_ways_keeps_the_limit(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis dies mid-run and comes back: the process never exceeds 3 per second.

    Two clients share one fallback="local" limiter and poll 3 tasks every
    20 ms. The local limiter knew the slots taken through Redis when Redis
    died, and its outage slots still count when Redis is back (pushed to
    Redis and kept locally): the simulator sees no violation across both
    switches.
    """
    connection = redis.asyncio.Redis.from_url(
        redis_server.url, retry=Retry(NoBackoff(), 0)
    )
    limiter = RedisRateLimiter(
        connection, prefix="both", fallback="local", redis_timeout_s=0.5, recheck_s=0.1
    )
    async with FakeSunoServer(scale=0.02, seed=15) as fake:
        tasks = [
            fake.add_task(timeline=Timeline.success(10, 150, 250)) for _ in range(3)
        ]
        clients = [
            fake.client(rate_limiter=limiter, poll=PollPolicy.fixed(0.02))
            for _ in range(2)
        ]
        waits = [
            asyncio.ensure_future(client.wait_for_task(task_id, timeout=20.0))
            for client in clients
            for task_id in tasks
        ]
        with caplog.at_level(logging.WARNING, logger="suno_async"):
            await asyncio.sleep(1.0)
            redis_server.kill()
            before = len(fake.requests())
            await asyncio.sleep(1.5)
            during = len(fake.requests()) - before
            redis_server.start()
            records = await asyncio.gather(*waits)
        for client in clients:
            await client.aclose()
        assert [r.task_id for r in records] == tasks * 2
        assert during > 0  # the outage was limited locally, not idle
        assert fake.limit_violations == 0
    switches = [
        r.getMessage().split(":")[0]
        for r in caplog.records
        if "Redis" in r.getMessage()
    ]
    assert switches == ["Redis unreachable (ConnectionError)", "Redis reachable again"]
    await connection.aclose()


@pytest.mark.integration
@pytest.mark.timeout(30)  # a hang guard
async def test_outage_slots_are_pushed_to_redis(
    redis_server: RedisServer,
) -> None:
    """Slots a process took alone during an outage count for the others after it.

    Process A (fallback="local") takes 3 slots of task t while Redis is down;
    Redis comes back empty. A's next command pushes them, so process B is
    granted a 4th slot only once the first of them stopped counting (in
    Redis time).
    """
    a_conn = redis.asyncio.Redis.from_url(redis_server.url, retry=Retry(NoBackoff(), 0))
    b_conn = redis.asyncio.Redis.from_url(redis_server.url)
    a = RedisRateLimiter(a_conn, prefix="push", fallback="local", recheck_s=0.01)
    b = RedisRateLimiter(b_conn, prefix="push")
    redis_server.kill()
    for _ in range(3):
        async with a.slot("t"):
            pass
    redis_server.start()
    for n in range(100):  # A's next slot finds Redis back (within 1 s)
        async with a.slot(f"u{n}"):
            pass
        if await b_conn.exists("push:slot:t"):
            break
        await asyncio.sleep(0.01)
    pushed = sorted(
        s for _, s in await b_conn.zrange("push:slot:t", 0, -1, withscores=True)
    )
    seconds, micros = await b_conn.time()
    now_us = seconds * 1_000_000 + micros
    assert len(pushed) == 3
    assert all(now_us < ends <= now_us + 1_000_000 for ends in pushed)
    async with b.slot("t"):
        slots = await b_conn.zrange("push:slot:t", 0, -1, withscores=True)
    granted_at = max(s for _, s in slots) - (120 + 1) * 1_000_000  # start of B's
    assert granted_at >= pushed[0]
    for client in (a_conn, b_conn):
        await client.aclose()


@pytest.mark.integration
@pytest.mark.timeout(30)  # a hang guard
async def test_slot_held_across_an_outage_is_pushed_in_flight(
    redis_server: RedisServer,
) -> None:
    """A slot taken alone during an outage and still held when Redis is back.

    It is pushed as in flight (counted until start + lease + window), and
    its release then goes to Redis: it counts one window after that.
    """
    connection = redis.asyncio.Redis.from_url(
        redis_server.url, retry=Retry(NoBackoff(), 0)
    )
    limiter = RedisRateLimiter(
        connection, prefix="held", fallback="local", recheck_s=0.01, lease_s=10.0
    )
    redis_server.kill()
    async with limiter.slot("t"):
        redis_server.start()
        for n in range(100):  # another slot finds Redis back (within 1 s)
            async with limiter.slot(f"u{n}"):
                pass
            if await connection.exists("held:slot:t"):
                break
            await asyncio.sleep(0.01)
        assert await in_flight_slots(connection, "held") == 1
    assert await in_flight_slots(connection, "held") == 0
    assert await connection.zcard("held:slot:t") == 1
    await connection.aclose()


# --- Redis stalls ---------------------------------------------------------------


async def in_flight_slots(connection: redis.asyncio.Redis, prefix: str) -> int:
    """Slots under ``prefix`` still held or leased: scored beyond now + window.

    A released slot's score is its release + window (1 s) in Redis time; one
    in flight (or left behind by an acquire nobody used) is start + lease +
    window.
    """
    seconds, micros = await connection.time()
    now_us = seconds * 1_000_000 + micros
    held = 0
    for key in await connection.keys(f"{prefix}:slot:*"):
        scores = await connection.zrange(key, 0, -1, withscores=True)
        held += sum(1 for _, ends in scores if ends > now_us + 1_000_000)
    return held


async def read_until_all_seen(fleet: Fleet, status: str, tasks: int) -> None:
    """Read each worker's lines until every task reached ``status`` or later.

    A worker slowed down may see a task first past ``status``; the lines read
    are kept for :meth:`Fleet.lines` (an outcome among them is not lost).
    """
    later = MILESTONES[MILESTONES.index(status) :]
    fleet.read = [[] for _ in fleet.procs]
    for proc, read in zip(fleet.procs, fleet.read, strict=True):
        assert proc.stdout is not None
        reached: set[str] = set()
        while len(reached) < tasks:
            line = json.loads(await proc.stdout.readline())
            read.append(line)
            if line.get("status") in later or "outcome" in line:
                reached.add(line["task"])


@pytest.mark.integration
@pytest.mark.timeout(90)  # a hang guard: every wait has a 40 s deadline
async def test_fleet_goes_on_after_redis_stalls(
    redis_server: RedisServer, fleet: Fleet
) -> None:
    """Redis stalls 5 s (SIGSTOP, then SIGCONT) under 4 processes x 12 waits.

    Limiter calls time out meanwhile (1 s); the acquires Redis runs after
    their callers gave up must not keep slots on 120 s leases. Every one of
    the 48 waits finishes once Redis is back, the simulator never sees a 4th
    request per task in a second, and no slot is left held in Redis.
    """
    tasks = [f"s{n}" for n in range(12)]
    async with FakeSunoServer(scale=0.02, seed=14) as fake:
        await fleet.start(
            4, "--base-url", fake.url, "--redis-url", redis_server.url,
            "--prefix", "stall", "--timeout", "40", *tasks,
        )  # fmt: skip
        for task_id in tasks:
            fake.add_task(task_id, Timeline.success(10, 350, 400))  # 0.2, 7, 8 s
        fleet.go()
        await read_until_all_seen(fleet, "TEXT_SUCCESS", len(tasks))
        redis_server.pause()
        await asyncio.sleep(5.0)
        redis_server.resume()
        results = [await fleet.lines(i) for i in range(4)]
        finished = sum(
            outcome == "done"
            for lines in results
            for outcome in outcomes(lines).values()
        )
        assert (finished, fake.limit_violations) == (48, 0)
    watcher = redis.asyncio.Redis.from_url(redis_server.url)
    assert await in_flight_slots(watcher, "stall") == 0
    await watcher.aclose()

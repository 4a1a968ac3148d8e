"""Section 2: ten thousand waits in one process, against a server in another.

The simulator (:mod:`benchmarks._simserver`) runs in its own process, pinned
to one core, at real time; the client runs in a worker process pinned to
the other, so that its CPU time and RSS are the client's alone. Every task
stays PENDING, so every wait polls for the whole run with the default
:class:`~suno_async.PollPolicy`, as a batch script's would while the service
is busy. The worker starts every wait at once, either through one
``wait_many`` or as separate ``wait_for_task`` calls (``asyncio`` tasks
created in one go), lets them poll for ``window_s`` seconds, then ends them.

The baseline (``raw aiohttp``) polls the same ids on the same schedule with
nothing of the SDK: one ``asyncio`` task per id, a plain ``aiohttp`` session
(100 connections, the client's default) and ``json.loads``, each delay the
default :class:`~suno_async.PollPolicy`'s own (its priors: nothing learned).
It bounds nothing but aiohttp's connections, so every poll due is a live
request at once; each SDK mode's CPU per request is also shown as a ratio
to it. A third SDK mode (``separate waits, gc threshold 10,000``) runs the
separate waits in a worker whose garbage collector's first threshold was
raised from 700 to 10,000: fewer young collections, so the objects of
requests in flight rarely live long enough to reach the oldest generation,
whose full collections are the longest pauses of the default runs.

Measured in the worker, from just before the waits start to the end of the
window: event-loop lag (a 10 ms ticker: how late each tick wakes; also
over the window's second half alone, once the dense first polls of
PENDING tasks are over), client
CPU time per request (process time over the requests the simulator counted
in the same span), and RSS growth per waiting task (``VmRSS``, the highest
reading once every wait has started, over the reading just before); by the
simulator: violations of the per-task limit. ``tracemalloc``'s figure
(bytes held per waiting task) comes from a second, smaller fleet started
after the first has ended, so that tracing slows nothing measured above.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import sys
import time
import tracemalloc
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import attrs

from suno_async import PollPolicy, SunoClient
from suno_async._core.backoff import PollState
from suno_async._core.models import TaskStatus
from suno_async._core.providers import RECORD_INFO_PATH

from ._bare_http import BarePool
from ._common import (
    MICRO,
    TIMES,
    Child,
    markdown_table,
    percentile,
    pin_to,
    rss_bytes,
)

__all__ = ["ALL_MODES", "BARE", "BASELINE", "MODES", "TUNED", "FleetResult", "run"]

MODES: Final = ("wait_many", "separate waits")
#: The same polls with plain aiohttp and ``json.loads``: the reference.
BASELINE: Final = "raw aiohttp"
#: The same polls with a bare HTTP/1.1 client (:mod:`benchmarks._bare_http`):
#: what a request costs here with no HTTP library at all, shown, no target.
BARE: Final = "bare HTTP/1.1"
#: Separate waits in a process that raised the garbage collector's first
#: threshold (the tuning docs/howto/batch.md suggests): shown, no target.
TUNED: Final = "separate waits, gc threshold 10,000"
#: The first-generation threshold of :data:`TUNED` (CPython's default: 700).
TUNED_GC_THRESHOLD: Final = 10_000
#: Every mode a full run measures, the baseline last.
ALL_MODES: Final = (*MODES, TUNED, BASELINE, BARE)
#: Seconds the waits poll, measured, in a full run.
WINDOW_S: Final = 60.0
TICK_S: Final = 0.010
RSS_TARGET_BYTES: Final = 10 * 1024
LAG_P99_TARGET_S: Final = 0.020
CPU_TARGET_US: Final = 150.0
#: Waits of the tracemalloc fleet (a tenth of a full fleet at most).
_TRACED_MAX: Final = 1000
#: Seconds the tracemalloc fleet runs before its snapshot.
_TRACED_S: Final = 3.0


# --- the worker ------------------------------------------------------------------


class _Probe:
    """The 10 ms ticker: loop lag samples, and RSS every quarter second."""

    def __init__(self) -> None:
        self.gc_pauses: list[float] = []
        self._gc_started = 0.0
        self.lags: list[float] = []
        self.times: list[float] = []
        self.rss_all_waiting = 0
        self.started = False

    async def run(self, stop: asyncio.Event) -> None:
        next_rss = 0.0
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            self.lags.append(max(0.0, now - t0 - TICK_S))
            self.times.append(now)
            if now >= next_rss:
                next_rss = now + 0.25
                self.sample()

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """A ``gc.callbacks`` hook: the length of every full collection."""
        if info["generation"] != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)

    def sample(self) -> None:
        if self.started:
            self.rss_all_waiting = max(self.rss_all_waiting, rss_bytes())


class _Fleet:
    """Every wait of one run, started and ended the way ``mode`` says."""

    def __init__(
        self,
        client: SunoClient,
        ids: Sequence[str],
        mode: str,
        timeout: float,
        url: str,
    ) -> None:
        self.outcomes: Counter[str] = Counter()
        if mode in (BASELINE, BARE):
            raw = _RawPolls(url) if mode == BASELINE else _BarePolls(url)
            self._tasks = [asyncio.ensure_future(raw.poll(task_id)) for task_id in ids]
            self._raw: _Polls | None = raw
            return
        self._raw = None
        if mode == "wait_many":
            self._many = client.wait_many(ids, timeout=timeout)
            self._tasks = [asyncio.ensure_future(self._drain())]
        else:
            self._tasks = [
                asyncio.ensure_future(self._one(client, task_id, timeout))
                for task_id in ids
            ]

    async def _drain(self) -> None:
        async for outcome in self._many:
            error = outcome.error
            self.outcomes["ok" if error is None else type(error).__name__] += 1

    async def _one(self, client: SunoClient, task_id: str, timeout: float) -> None:
        try:
            await client.wait_for_task(task_id, timeout=timeout)
        except Exception as exc:
            self.outcomes[type(exc).__name__] += 1
        else:
            self.outcomes["ok"] += 1

    async def end(self) -> None:
        """Cancel every wait still running (all of them: no task finishes)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._raw is not None:
            await self._raw.close()


class _Polls:
    """The SDK-free rows: the default policy's polls, each sent by :meth:`_get`."""

    def __init__(self) -> None:
        self._policy = PollPolicy()

    async def _get(self, task_id: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Close the connections."""

    async def poll(self, task_id: str) -> None:
        """Poll ``task_id`` until cancelled, a PENDING task's delays between."""
        loop = asyncio.get_running_loop()
        policy, started, polls = self._policy, loop.time(), 0
        await asyncio.sleep(policy.first_delay())
        while True:
            await self._get(task_id)
            polls += 1
            state = PollState(
                milestone=TaskStatus.PENDING,
                phase_elapsed_s=loop.time() - started,
                polls_in_phase=polls,
                polls=polls,
            )
            await asyncio.sleep(policy.next_delay(state))


class _RawPolls(_Polls):
    """The baseline: polls sent with plain aiohttp, bodies read by ``json.loads``."""

    def __init__(self, base_url: str) -> None:
        import aiohttp

        super().__init__()
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            headers={"Authorization": "Bearer test-key", "Accept": "application/json"},
        )
        self._url = base_url.rstrip("/") + RECORD_INFO_PATH

    async def _get(self, task_id: str) -> None:
        async with self.session.get(self._url, params={"taskId": task_id}) as response:
            json.loads(await response.read())

    async def close(self) -> None:
        await self.session.close()


class _BarePolls(_Polls):
    """The floor: polls sent by :class:`~benchmarks._bare_http.BarePool`.

    Each id's request head is built on its first poll and kept.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__()
        url = urllib.parse.urlsplit(base_url)
        assert url.hostname is not None
        assert url.port is not None
        self._pool = BarePool(url.hostname, url.port)
        self._path = url.path.rstrip("/") + RECORD_INFO_PATH
        self._heads: dict[str, bytes] = {}

    async def poll(self, task_id: str) -> None:
        self._heads[task_id] = self._pool.head(
            f"{self._path}?{urllib.parse.urlencode({'taskId': task_id})}"
        )
        await super().poll(task_id)

    async def _get(self, task_id: str) -> None:
        json.loads(await self._pool.get(self._heads[task_id]))

    async def close(self) -> None:
        self._pool.close()


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def _fleet(
    url: str, ids: Sequence[str], mode: str, window_s: float
) -> dict[str, Any]:
    probe = _Probe()
    stop = asyncio.Event()
    async with SunoClient(api_key="test-key", base_url=url) as client:
        await client.get_task(ids[0])  # warm: connect, lazy imports
        gc.collect()
        baseline = rss_bytes()
        ticker = asyncio.get_running_loop().create_task(probe.run(stop))
        gc.callbacks.append(probe.on_gc)
        await asyncio.sleep(TICK_S * 3)  # the ticker runs before the waits start
        _say({"phase": "start"})
        cpu0, wall0 = time.process_time(), time.perf_counter()
        fleet = _Fleet(client, ids, mode, timeout=window_s + 60.0, url=url)
        await asyncio.sleep(0)  # every wait has started once this runs
        setup_s = time.perf_counter() - wall0
        probe.started = True
        probe.sample()
        await asyncio.sleep(window_s - (time.perf_counter() - wall0))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        _say({"phase": "end"})
        stop.set()
        await ticker
        gc.callbacks.remove(probe.on_gc)
        await fleet.end()
        traced = await _traced(client, ids[: min(_TRACED_MAX, len(ids))], mode, url)
    lags = probe.lags
    half = wall0 + window_s / 2
    late = [lag for lag, at in zip(lags, probe.times, strict=True) if at >= half]
    return {
        "mode": mode,
        "cpu_s": cpu,
        "wall_s": wall,
        "outcomes": dict(fleet.outcomes),
        "rss_baseline": baseline,
        "rss_all_waiting": probe.rss_all_waiting,
        "traced_per_wait": traced,
        "lag_p50_s": percentile(lags, 50),
        "lag_p99_s": percentile(lags, 99),
        "lag_max_s": max(lags, default=math.nan),
        "lag_p99_late_s": percentile(late, 99),
        "ticks": len(lags),
        "setup_s": setup_s,
        "gc_full_collections": len(probe.gc_pauses),
        "gc_max_pause_s": max(probe.gc_pauses, default=0.0),
    }


async def _traced(client: SunoClient, ids: Sequence[str], mode: str, url: str) -> float:
    """Bytes ``tracemalloc`` sees held per waiting task, for a smaller fleet."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fleet = _Fleet(client, ids, mode, timeout=_TRACED_S + 60.0, url=url)
        await asyncio.sleep(_TRACED_S)
        held = tracemalloc.get_traced_memory()[0] - before
        await fleet.end()
    finally:
        tracemalloc.stop()
    return held / len(ids)


def _worker_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=ALL_MODES, required=True)
    parser.add_argument("--window", type=float, required=True)
    args = parser.parse_args(argv)
    pin_to(0)
    if args.mode == TUNED:
        gc.set_threshold(TUNED_GC_THRESHOLD, *gc.get_threshold()[1:])
    _say({"ready": True})
    ids = json.loads(sys.stdin.readline())["ids"]
    _say(asyncio.run(_fleet(args.url, ids, args.mode, args.window)))


# --- the driver ------------------------------------------------------------------


@attrs.frozen
class FleetResult:
    """One fleet run (one mode)."""

    mode: str
    tasks: int
    window_s: float
    requests: int
    violations: int
    worker: dict[str, Any]

    @property
    def ended_early(self) -> int:
        """Waits that ended within the window (none should: no task finishes)."""
        return int(sum(self.worker["outcomes"].values()))

    @property
    def rss_per_task(self) -> float:
        growth = self.worker["rss_all_waiting"] - self.worker["rss_baseline"]
        return float(growth) / self.tasks

    @property
    def cpu_per_request_us(self) -> float:
        return float(self.worker["cpu_s"]) / max(1, self.requests) * 1e6

    def targets(self) -> dict[str, bool]:
        """Each of the issue's targets for this run: met or not."""
        w = self.worker
        return {
            "rss": self.rss_per_task <= RSS_TARGET_BYTES,
            "lag_p99": w["lag_p99_s"] <= LAG_P99_TARGET_S,
            "cpu": self.cpu_per_request_us <= CPU_TARGET_US,
            "no_early_end": self.ended_early == 0,
            "no_violation": self.violations == 0,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "tasks": self.tasks,
            "window_s": self.window_s,
            "requests": self.requests,
            "violations": self.violations,
            "rss_per_task": self.rss_per_task,
            "cpu_per_request_us": self.cpu_per_request_us,
            "worker": self.worker,
        }


def run(
    *, tasks: int, mode: str, window_s: float = WINDOW_S, seed: int = 7
) -> FleetResult:
    """One fleet of ``tasks`` waits, in a worker process, against the simulator."""
    with Child("benchmarks._simserver", "--scale", "1", "--seed", str(seed)) as server:
        url = server.read()["url"]
        created = server.ask({"cmd": "create_pending", "n": tasks})
        with Child(
            "benchmarks.fleet",
            *("--worker", "--url", url, "--mode", mode, "--window", str(window_s)),
        ) as worker:
            worker.read()  # ready
            worker.send({"ids": created["ids"]})
            if worker.read()["phase"] != "start":
                raise RuntimeError("the fleet worker did not start")
            before = server.ask({"cmd": "stats"})
            if worker.read()["phase"] != "end":
                raise RuntimeError("the fleet worker did not end its window")
            after = server.ask({"cmd": "stats"})
            result = worker.read()
    return FleetResult(
        mode,
        tasks,
        window_s,
        after["requests"] - before["requests"],
        after["violations"] - before["violations"],
        result,
    )


def table(results: Sequence[FleetResult]) -> str:
    """The fleet table: one row per mode."""
    header = [
        "mode",
        "waits",
        "requests / s",
        "limit violations",
        "RSS / waiting task",
        "tracemalloc / waiting task",
        "loop lag p50 / p99 / max (ms)",
        "lag p99, 2nd half (ms)",
        "full GCs (longest, ms)",
        f"CPU / request ({MICRO}s)",
        f"CPU / request ÷ {BASELINE}",
        "setting up (ms)",
    ]
    floor = next((r for r in results if r.mode == BASELINE), None)
    rows = []
    for r in results:
        w = r.worker
        ratio = (
            "n/a"
            if floor is None
            else f"{r.cpu_per_request_us / floor.cpu_per_request_us:.2f}{TIMES}"
        )
        rows.append(
            [
                r.mode,
                f"{r.tasks:,}"
                + ("" if r.ended_early == 0 else f" ({w['outcomes']} ended early)"),
                f"{r.requests / w['wall_s']:,.0f}",
                r.violations,
                f"{r.rss_per_task / 1024:.1f} KiB",
                f"{w['traced_per_wait'] / 1024:.1f} KiB",
                f"{w['lag_p50_s'] * 1e3:.2f} / {w['lag_p99_s'] * 1e3:.2f} / "
                f"{w['lag_max_s'] * 1e3:,.0f}",
                f"{w['lag_p99_late_s'] * 1e3:.2f}",
                f"{w['gc_full_collections']} ({w['gc_max_pause_s'] * 1e3:,.0f})",
                f"{r.cpu_per_request_us:.0f}",
                ratio,
                f"{w['setup_s'] * 1e3:,.0f}",
            ]
        )
    return markdown_table(header, rows)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker_main(sys.argv[1:])
    else:
        tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
        window = float(sys.argv[2]) if len(sys.argv) > 2 else WINDOW_S
        modes = sys.argv[3:] or ALL_MODES
        results = [run(tasks=tasks, mode=m, window_s=window) for m in modes]
        print(table(results))
        for r in results:
            print(r.mode, r.targets())

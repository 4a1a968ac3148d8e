"""Section 2: ten thousand waits in one process, against the simulator.

The simulator (:mod:`benchmarks._simserver`) runs in its own process, pinned
to one core, with compressed timelines; the client runs in a worker process
pinned to the other, so that its CPU time and RSS are the client's alone.
The worker waits for every task at once, either through one ``wait_many``
or as separate ``wait_for_task`` calls gathered together, polling every
``FLEET_INTERVAL_S`` (see :func:`fleet_policy`).

Measured in the worker: RSS growth per waiting task (``VmRSS`` once every
wait has started and none has finished, over the baseline just before the
waits start), event-loop lag (a 10 ms ticker: how late each tick wakes),
client CPU time per poll (process time over the requests the simulator
counted) and the outcomes delivered; by the simulator: violations of the
per-task limit. After the fleet, the worker sends ``get_task`` alone at the
fleet's own request rate for ``PACED_S`` seconds: at a few hundred requests
per second a request costs more CPU than back to back (the loop sleeps and
wakes for each), so this is the like-for-like reference for CPU per poll.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import attrs

from suno_async import PollPolicy, SunoClient

from ._common import (
    MICRO,
    TIMES,
    Child,
    markdown_table,
    percentile,
    pin_to,
    rss_bytes,
)

__all__ = ["FleetResult", "fleet_policy", "run"]

MODES: Final = ("wait_many", "separate waits")
#: Seconds between polls of a task (also the spread of the first polls).
FLEET_INTERVAL_S: Final = 15.0
#: Seconds of the paced ``get_task`` reference run after the fleet.
PACED_S: Final = 5.0
TICK_S: Final = 0.010
RSS_TARGET_BYTES: Final = 10 * 1024
LAG_P99_TARGET_S: Final = 0.005
CPU_TARGET_RATIO: Final = 1.3


def fleet_policy(interval_s: float = FLEET_INTERVAL_S) -> PollPolicy:
    """A fixed interval, with the first polls spread over one interval.

    Ten thousand waits then offer a steady ``10_000 / FLEET_INTERVAL_S``
    requests per second (667), within what one core can serve with room to
    spare; the phased default, scaled to compressed timelines, bunches its
    polls near the typical phase ends and would offer bursts of several
    thousand per second.
    """
    return attrs.evolve(PollPolicy.fixed(interval_s), first_poll_max_s=interval_s)


# --- the worker ------------------------------------------------------------------


class _Probe:
    """The 10 ms ticker: loop lag samples, and RSS every quarter second."""

    def __init__(self) -> None:
        self.gc_pauses: list[float] = []
        self._gc_started = 0.0
        self.lags: list[float] = []
        self.rss_peak = 0
        self.rss_all_waiting = 0
        self.finished = 0
        self.started = False

    async def run(self, stop: asyncio.Event) -> None:
        next_rss = 0.0
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            self.lags.append(max(0.0, now - t0 - TICK_S))
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
        rss = rss_bytes()
        self.rss_peak = max(self.rss_peak, rss)
        if self.started and self.finished == 0:
            self.rss_all_waiting = max(self.rss_all_waiting, rss)


async def _paced(client: SunoClient, ids: Sequence[str], rate: float) -> float:
    """CPU microseconds per ``get_task`` sent at ``rate`` per second, evenly."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Future[Any]] = set()
    n = int(rate * PACED_S)
    cpu0 = time.process_time()
    start = loop.time()
    for i in range(n):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        future = asyncio.ensure_future(client.get_task(ids[i % len(ids)]))
        pending.add(future)
        future.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return (time.process_time() - cpu0) / n * 1e6


async def _fleet(
    url: str, ids: Sequence[str], mode: str, scale: float, interval_s: float
) -> dict[str, Any]:
    policy = fleet_policy(interval_s)
    timeout = 400.0 * scale + 4 * interval_s + 60.0
    outcomes: Counter[str] = Counter()
    probe = _Probe()
    stop = asyncio.Event()
    async with SunoClient(api_key="test-key", base_url=url, poll=policy) as client:
        await client.get_task(ids[0])  # warm: connect, lazy imports
        gc.collect()
        baseline = rss_bytes()
        ticker = asyncio.get_running_loop().create_task(probe.run(stop))
        gc.callbacks.append(probe.on_gc)
        cpu0, wall0 = time.process_time(), time.perf_counter()

        async def one(task_id: str) -> None:
            try:
                await client.wait_for_task(task_id, timeout=timeout)
            except Exception as exc:
                outcomes[type(exc).__name__] += 1
            else:
                outcomes["ok"] += 1
            probe.finished += 1

        if mode == "wait_many":
            many = client.wait_many(ids, timeout=timeout)
            first = asyncio.ensure_future(many.__anext__())
            await asyncio.sleep(0)  # every wait has started once this runs
            setup_s = time.perf_counter() - wall0
            probe.started = True
            probe.sample()
            pending: asyncio.Future[Any] | None = first
            while pending is not None:
                try:
                    outcome = await pending
                except StopAsyncIteration:
                    break
                outcomes[
                    "ok" if outcome.error is None else type(outcome.error).__name__
                ] += 1
                probe.finished += 1
                pending = asyncio.ensure_future(many.__anext__())
        else:
            tasks = [asyncio.ensure_future(one(task_id)) for task_id in ids]
            await asyncio.sleep(0)
            setup_s = time.perf_counter() - wall0
            probe.started = True
            probe.sample()
            await asyncio.gather(*tasks)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        stop.set()
        await ticker
        gc.callbacks.remove(probe.on_gc)
        # The same request, alone, at the fleet's own offered rate.
        paced_us = await _paced(client, ids, len(ids) / interval_s)
    lags = probe.lags
    return {
        "mode": mode,
        "cpu_s": cpu,
        "wall_s": wall,
        "outcomes": dict(outcomes),
        "rss_baseline": baseline,
        "rss_all_waiting": probe.rss_all_waiting,
        "rss_peak": probe.rss_peak,
        "lag_p50_s": percentile(lags, 50),
        "lag_p99_s": percentile(lags, 99),
        "lag_max_s": max(lags, default=math.nan),
        "ticks": len(lags),
        "paced_get_task_us": paced_us,
        "setup_s": setup_s,
        "gc_full_collections": len(probe.gc_pauses),
        "gc_max_pause_s": max(probe.gc_pauses, default=0.0),
    }


def _worker_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--interval", type=float, required=True)
    args = parser.parse_args(argv)
    pin_to(0)
    print(json.dumps({"ready": True}), flush=True)
    ids = json.loads(sys.stdin.readline())["ids"]
    result = asyncio.run(_fleet(args.url, ids, args.mode, args.scale, args.interval))
    print(json.dumps(result), flush=True)


# --- the driver ------------------------------------------------------------------


@attrs.frozen
class FleetResult:
    """One fleet run (one mode)."""

    mode: str
    tasks: int
    scale: float
    interval_s: float
    polls: int
    violations: int
    worker: dict[str, Any]

    @property
    def delivered(self) -> int:
        return int(sum(self.worker["outcomes"].values()))

    @property
    def ok(self) -> int:
        return int(self.worker["outcomes"].get("ok", 0))

    @property
    def rss_per_task(self) -> float:
        growth = self.worker["rss_all_waiting"] - self.worker["rss_baseline"]
        return float(growth) / self.tasks

    @property
    def rss_peak_per_task(self) -> float:
        growth = self.worker["rss_peak"] - self.worker["rss_baseline"]
        return float(growth) / self.tasks

    @property
    def cpu_per_poll_us(self) -> float:
        return float(self.worker["cpu_s"]) / max(1, self.polls) * 1e6

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "tasks": self.tasks,
            "scale": self.scale,
            "interval_s": self.interval_s,
            "polls": self.polls,
            "violations": self.violations,
            "rss_per_task": self.rss_per_task,
            "rss_peak_per_task": self.rss_peak_per_task,
            "cpu_per_poll_us": self.cpu_per_poll_us,
            "worker": self.worker,
        }


def run(
    *,
    tasks: int,
    scale: float,
    mode: str,
    interval_s: float = FLEET_INTERVAL_S,
    seed: int = 7,
) -> FleetResult:
    """One fleet of ``tasks`` waits, in a worker process, against the simulator."""
    with Child(
        "benchmarks._simserver", "--scale", str(scale), "--seed", str(seed)
    ) as server:
        url = server.read()["url"]
        with Child(
            "benchmarks.fleet",
            *("--worker", "--url", url, "--mode", mode),
            *("--scale", str(scale), "--interval", str(interval_s)),
        ) as worker:
            worker.read()  # ready
            before = server.ask({"cmd": "stats"})
            created = server.ask({"cmd": "create", "n": tasks})
            result = worker.ask({"ids": created["ids"]})
            after = server.ask({"cmd": "stats"})
    return FleetResult(
        mode,
        tasks,
        scale,
        interval_s,
        after["requests"] - before["requests"],
        after["violations"] - before["violations"],
        result,
    )


def table(results: Sequence[FleetResult], get_task_us: dict[int, float]) -> str:
    """The fleet table; ``get_task_us`` is section 1's figure per concurrency."""
    low, high = min(get_task_us), max(get_task_us)
    header = [
        "mode",
        "outcomes delivered",
        "limit violations",
        "polls / task",
        "RSS / waiting task",
        "RSS peak / task",
        "loop lag p50 / p99 / max (ms)",
        "full GCs (longest, ms)",
        f"CPU / poll ({MICRO}s)",
        f"{TIMES} paced get_task",
        f"{TIMES} section 1 @ {low} / @ {high}",
        "wall (s)",
    ]
    rows = []
    for r in results:
        w = r.worker
        rows.append(
            [
                r.mode,
                f"{r.ok:,} ok of {r.tasks:,}"
                + ("" if r.delivered == r.ok else f" ({w['outcomes']})"),
                r.violations,
                f"{r.polls / r.tasks:.1f}",
                f"{r.rss_per_task / 1024:.1f} KiB",
                f"{r.rss_peak_per_task / 1024:.1f} KiB",
                f"{w['lag_p50_s'] * 1e3:.2f} / {w['lag_p99_s'] * 1e3:.2f} / "
                f"{w['lag_max_s'] * 1e3:,.0f}",
                f"{w['gc_full_collections']} ({w['gc_max_pause_s'] * 1e3:,.0f})",
                f"{r.cpu_per_poll_us:.0f}",
                f"{r.cpu_per_poll_us / w['paced_get_task_us']:.2f} "
                f"({w['paced_get_task_us']:.0f} {MICRO}s)",
                f"{r.cpu_per_poll_us / get_task_us[low]:.2f} / "
                f"{r.cpu_per_poll_us / get_task_us[high]:.2f}",
                f"{w['wall_s']:.0f}",
            ]
        )
    return markdown_table(header, rows)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker_main(sys.argv[1:])
    else:
        results = [
            run(tasks=int(sys.argv[1]), scale=float(sys.argv[2]), mode=m) for m in MODES
        ]
        print(table(results, {1: 300.0, 128: 300.0}))

"""Callbacks flowing: how soon a stage reaches the waiter, and what it costs.

After one warm-up task, tasks are created through ``SunoClient.generate`` on
the simulator with the client's ``callback_url`` pointing at a
``suno_async.webhooks.aiohttp_app`` receiver on 127.0.0.1, signed with a
webhook key. Each wait's events are
timed against the simulator's delivery of the matching stage (both on this
process's monotonic clock), and the simulator counts the record-info
requests per task. The same tasks with every callback dropped show what
polling alone costs. Timelines and the client's poll clock are compressed by
``scale``; latencies are real milliseconds on loopback.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import aiohttp.web
import attrs

from suno_async import LocalRateLimiter, TaskEvent, TaskStatus
from suno_async.testing import CallbackFault, FakeSunoServer, ScaledClock, Timeline
from suno_async.webhooks import aiohttp_app

__all__ = ["MODES", "SCALE", "CallbackResult", "run", "table"]

MODES = ("callbacks", "all dropped")
#: Time compression of the full run (a 160 s task plays in 32 s).
SCALE = 0.2
_STAGES = {
    "text": TaskStatus.TEXT_SUCCESS,
    "first": TaskStatus.FIRST_SUCCESS,
    "complete": TaskStatus.SUCCESS,
}
_KEY = "bench-webhook-key"


@attrs.frozen
class CallbackResult:
    """One mode's figures."""

    mode: str
    tasks: int
    delivered: int
    requests_per_task: float
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    wall_s: float


async def _run(mode: str, tasks: int, scale: float, seed: int) -> CallbackResult:
    rng = random.Random(seed)
    simulated = ScaledClock(scale)
    events: list[tuple[str, TaskStatus, float]] = []

    def record(event: TaskEvent) -> None:
        events.append((event.task_id, event.status, time.monotonic()))

    async with FakeSunoServer(scale=scale, seed=seed, webhook_key=_KEY) as server:
        if mode == "all dropped":
            server.callback_fault_rate(CallbackFault.drop(), 1.0)
        async with server.client(
            webhook_key=_KEY, clock=simulated, rate_limiter=LocalRateLimiter()
        ) as client:
            runner = aiohttp.web.AppRunner(aiohttp_app(client, path="/cb"))
            await runner.setup()
            site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            try:
                # A first task shows the client that callbacks reach it, as in
                # a backend that has been running for a while.
                server.queue_task(Timeline.success(1, 2, 3))
                warm_up = await client.generate(
                    prompt="warm-up", callback_url=f"http://{host}:{port}/cb"
                )
                await client.wait_for_task(warm_up, timeout=600.0)
                started = time.monotonic()
                ids = []
                for _ in range(tasks):
                    server.queue_task(Timeline.realistic(rng))
                    ids.append(
                        await client.generate(
                            prompt="a calm piano piece",
                            callback_url=f"http://{host}:{port}/cb",
                        )
                    )
                delivered = 0
                waits = [
                    client.wait_for_task(i, timeout=600.0, on_event=record) for i in ids
                ]
                for outcome in await asyncio.gather(*waits, return_exceptions=True):
                    delivered += not isinstance(outcome, BaseException)
                await server.join_callbacks()
            finally:
                await runner.cleanup()
        wall = time.monotonic() - started
        reads = [
            sum(r.path.endswith("/record-info") for r in server.requests(i))
            for i in ids
        ]
        sent = {
            (c.task_id, _STAGES[c.stage]): c.at
            for c in server.callbacks()
            if c.stage in _STAGES and c.http_status is not None
        }
    latencies = sorted(
        (at - sent[(task_id, status)]) * 1000
        for task_id, status, at in events
        if (task_id, status) in sent
    )
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else None
    return CallbackResult(
        mode=mode,
        tasks=tasks,
        delivered=delivered,
        requests_per_task=statistics.fmean(reads),
        latency_ms_p50=statistics.median(latencies) if latencies else None,
        latency_ms_p95=p95,
        wall_s=wall,
    )


def run(*, tasks: int, scale: float, seed: int = 5) -> list[CallbackResult]:
    """Both modes, one after the other, on the same seeded timelines."""
    return [asyncio.run(_run(mode, tasks, scale, seed)) for mode in MODES]


def table(results: list[CallbackResult]) -> str:
    """A Markdown table of the modes."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    rows = [
        "| mode | tasks | delivered | record-info requests/task | stage to event "
        "p50 / p95 (ms) | wall |",
        "|:---|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {r.mode} | {r.tasks} | {r.delivered} | {r.requests_per_task:.1f} | "
        f"{ms(r.latency_ms_p50)} / {ms(r.latency_ms_p95)} | {r.wall_s:.0f} s |"
        for r in results
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(run(tasks=20, scale=0.1)))

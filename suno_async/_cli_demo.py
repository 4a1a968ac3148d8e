"""``suno-async demo``: wait for realistic tasks on the embedded simulator.

:func:`run_demo` starts :class:`~suno_async.testing.FakeSunoServer` on
127.0.0.1, adds tasks, waits for them with :func:`~suno_async._cli_board.watch`
and prints a summary with the simulator's accounting. The wait polls on a
:class:`ScaledTime` clock, so it behaves as against the real service, only
``1 / scale`` times faster.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Mapping
from typing import Final

import attrs

from ._cli import ExitCode
from ._cli_board import Board, watch
from ._cli_display import RichDisplay
from ._cli_json import JsonLines
from ._config import PollPolicy

__all__ = ["DEMO_SCALE", "DEMO_TASKS", "DemoResult", "Output", "ScaledTime", "run_demo"]

Output = RichDisplay | JsonLines

#: ``demo --scale`` by default: a realistic task (50-160 s) takes 5-16 s.
DEMO_SCALE: Final = 0.1
#: ``demo --tasks`` by default.
DEMO_TASKS: Final = 3


@attrs.frozen
class ScaledTime:
    """Simulated seconds: the real monotonic clock divided by ``scale``."""

    scale: float

    def clock(self) -> float:
        """Simulated seconds since an arbitrary origin."""
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` simulated seconds."""
        await asyncio.sleep(seconds * self.scale)


@attrs.frozen(kw_only=True)
class DemoResult:
    """How the demo went: the tasks' board and the simulator's accounting."""

    board: Board
    exit_code: ExitCode
    requests: int
    limit_violations: int


async def run_demo(
    output: Output, *, tasks: int, scale: float, seed: int, provider: str
) -> DemoResult:
    """Simulate ``tasks`` realistic tasks, wait for them all, tell how it went."""
    from .testing import FakeSunoServer, Timeline  # aiohttp.web: only for the demo

    simulated = ScaledTime(scale)
    rng = random.Random(seed)
    timelines = [Timeline.realistic(rng) for _ in range(tasks)]
    timeout_s = 2 * max(t.end_s for t in timelines) + 60  # simulated seconds
    started = time.monotonic()
    async with FakeSunoServer(provider=provider, scale=scale, seed=seed) as server:
        task_ids = [server.add_task(timeline=t) for t in timelines]
        output.intro(
            f"Simulating {tasks} task{'s' if tasks > 1 else ''} on {server.url} "
            f"(seed {seed}, scale {scale:g}; times are simulated seconds)",
            {
                "url": server.url,
                "seed": seed,
                "scale": scale,
                "provider": provider,
                "task_ids": task_ids,
            },
        )

        def poll_counts() -> Mapping[str, int]:
            return Counter(r.task_id for r in server.requests() if r.task_id)

        policy = PollPolicy(clock=simulated.clock, sleep=simulated.sleep)
        async with server.client(poll=policy) as client:
            board = Board(task_ids, clock=simulated.clock, poll_counts=poll_counts)
            code = await watch(client, board, output, timeout=timeout_s)
        wall_s = time.monotonic() - started
        simulated_s = board.elapsed_s()
        requests, violations = server.total_requests, server.limit_violations
    output.summary(
        board,
        lines=[
            f"{board.tally()} in {wall_s:.1f} s ({simulated_s:.0f} simulated s).",
            f"The simulator answered {requests} requests: "
            f"{violations} limit violations (limit: 3 per task per second).",
        ],
        extra={
            "seconds": round(wall_s, 3),
            "simulated_seconds": round(simulated_s, 3),
            "requests": requests,
            "limit_violations": violations,
        },
    )
    return DemoResult(
        board=board, exit_code=code, requests=requests, limit_violations=violations
    )

"""``suno-async demo``: create, wait for and download tasks on the embedded simulator.

:func:`run_demo` starts :class:`~suno_async.testing.FakeSunoServer` on
127.0.0.1, creates tasks through :meth:`SunoClient.generate` (each playing a
realistic timeline drawn from the seed), waits for them with
:func:`~suno_async.cli._board.watch`, downloads their tracks into a temporary
folder with :func:`~suno_async.cli._run.save` and prints a summary
with the simulator's accounting. The waits run on a
:class:`~suno_async.testing.ScaledClock`, so they behave as against the real
service, only ``1 / scale`` times faster.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import attrs

from suno_async._core.providers import RECORD_INFO_PATH
from suno_async._io.limiter import LocalRateLimiter
from suno_async.cli._board import Board, counted, watch
from suno_async.cli._exit import ExitCode
from suno_async.cli._files import SavedFile, size_text
from suno_async.cli._run import Output, Settings, save

if TYPE_CHECKING:
    from suno_async._client import SunoClient
    from suno_async.testing import FakeSunoServer, Timeline

__all__ = [
    "DEMO_CALLBACK_PATH",
    "DEMO_SCALE",
    "DEMO_TASKS",
    "DemoResult",
    "run_demo",
]

#: ``demo --scale`` by default: a realistic task (50-160 s) takes 5-16 s.
DEMO_SCALE: Final = 0.1
#: ``demo --tasks`` by default.
DEMO_TASKS: Final = 3
#: Where the demo's tasks post their results: a path of the simulator itself
#: (it serves none, so a delivery gets a quick 404 and never leaves 127.0.0.1).
DEMO_CALLBACK_PATH: Final = "/demo-callback"
#: The shortest deadline of the demo's waits, in real seconds.
MIN_TIMEOUT_REAL_S: Final = 30.0


@attrs.frozen(kw_only=True)
class DemoResult:
    """How the demo went: the tasks' board and the simulator's accounting."""

    board: Board
    exit_code: ExitCode
    requests: int
    limit_violations: int


async def run_demo(
    settings: Settings, output: Output, *, tasks: int, scale: float, seed: int
) -> DemoResult:
    """Create ``tasks`` realistic tasks, wait for them, download their tracks.

    The simulator plays ``settings.provider``; no key is needed.
    """
    from suno_async.testing import (  # aiohttp.web: only for the demo
        FakeSunoServer,
        ScaledClock,
        Timeline,
    )
    from suno_async.testing._simulation import CREDITS_PER_TASK

    simulated = ScaledClock(scale)
    rng = random.Random(seed)
    timelines = [Timeline.realistic(rng) for _ in range(tasks)]
    # Simulated seconds, but never under MIN_TIMEOUT_REAL_S of real time: at a
    # small scale the per-task limit (3 reads per *real* second) paces reads.
    timeout_s = max(
        2 * max(t.end_s for t in timelines) + 60, MIN_TIMEOUT_REAL_S / scale
    )
    provider = settings.provider
    started = time.monotonic()
    server = FakeSunoServer(
        provider=provider, scale=scale, seed=seed, credits=CREDITS_PER_TASK * tasks
    )
    async with server:
        # Waits run on simulated time; the per-task limit stays in real time.
        limiter = LocalRateLimiter()
        async with server.client(clock=simulated, rate_limiter=limiter) as client:
            task_ids = [await _create(client, server, t) for t in timelines]
            output.intro(
                f"Simulating {counted(tasks, 'task')} on {server.url} "
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
                return Counter(
                    r.task_id
                    for r in server.requests()
                    if r.task_id and r.path == RECORD_INFO_PATH
                )

            board = Board(task_ids, clock=simulated.now, poll_counts=poll_counts)
            code = await watch(client, board, output, timeout=timeout_s)
            wall_s = time.monotonic() - started
            simulated_s = board.elapsed_s()
            files = await _download_all(settings, output, client, board)
            download_s = time.monotonic() - started - wall_s
        requests, violations = server.total_requests, server.limit_violations
    polls = sum(poll_counts().values())
    size_bytes = sum(f.size_bytes for f in files)
    output.summary(
        board,
        lines=[
            f"{board.tally()} in {wall_s:.1f} s ({simulated_s:.0f} simulated s).",
            f"Downloaded {counted(len(files), 'file')} "
            f"({size_text(size_bytes)}) in {download_s:.1f} s "
            "into a temporary folder, deleted since:",
            *(f"  {f.path.name}  {size_text(f.size_bytes)}" for f in files),
            f"The simulator answered {requests} requests ({tasks} creations, "
            f"{polls} polls): {violations} limit violations "
            "(limit: 3 per task per second).",
        ],
        extra={
            "seconds": round(wall_s, 3),
            "simulated_seconds": round(simulated_s, 3),
            "requests": requests,
            "limit_violations": violations,
            "downloads": len(files),
            "download_bytes": size_bytes,
        },
    )
    return DemoResult(
        board=board, exit_code=code, requests=requests, limit_violations=violations
    )


async def _create(
    client: SunoClient, server: FakeSunoServer, timeline: Timeline
) -> str:
    """Create a task through the API, as ``generate`` does, playing ``timeline``."""
    from suno_async.testing._timeline import INSTRUMENTAL

    server.queue_task(timeline)
    spec = timeline.tracks[0]
    genre, *moods = spec.tags
    return await client.generate(
        prompt=f"A {genre} song: {', '.join(moods)}",
        instrumental=spec.lyrics == INSTRUMENTAL,
        model=timeline.model,
        callback_url=server.url + DEMO_CALLBACK_PATH,
    )


async def _download_all(
    settings: Settings, output: Output, client: SunoClient, board: Board
) -> list[SavedFile]:
    """Every successful task's audio, saved into a temporary folder and listed."""
    made = [
        row.record
        for row in board.rows.values()
        if row.error is None and row.record is not None
    ]
    with tempfile.TemporaryDirectory(prefix="suno-async-demo-") as folder:
        return await save(settings, output, client, made, folder, announce=False)

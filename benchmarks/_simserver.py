"""The simulator in its own process, scripted over stdin, for the real-time runs.

``python -m benchmarks._simserver --scale S --seed N`` starts a
:class:`~suno_async.testing.FakeSunoServer` on 127.0.0.1, pinned to the second
core when there are two, prints ``{"url": ...}`` and answers one JSON line
per command line until stdin closes:

* ``{"cmd": "create", "timelines": [[text_s, first_s, done_s], ...]}`` creates
  those tasks now (offsets in task seconds);
* ``{"cmd": "create", "n": N}`` creates N tasks with ``Timeline.realistic``
  timelines drawn from a RNG seeded with ``--seed``;

both answer ``{"ids": [...], "timelines": [...], "created_at": t}`` where ``t``
is the creation time on ``time.monotonic`` (system-wide on Linux, so the
client can time detections against it);

* ``{"cmd": "create_family", "kind": k, "ends": [s, ...]}`` creates tasks of
  family ``k`` (a ``TaskKind`` value), each PENDING until its end (task
  seconds), then SUCCESS;

* ``{"cmd": "create_pending", "n": N}`` creates N music tasks that stay
  PENDING for good (the fleet's waits);

* ``{"cmd": "stats"}`` answers ``{"requests": n, "violations": n}``.

Its CPU is not the client's: that is why it runs apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

from suno_async._core.models import TaskStatus
from suno_async.testing import FakeSunoServer, Timeline

from ._common import pin_to

__all__ = ["main"]

_OFFSETS = (TaskStatus.TEXT_SUCCESS, TaskStatus.FIRST_SUCCESS, TaskStatus.SUCCESS)


def _offsets(timeline: Timeline) -> list[float]:
    at = {step.status: step.at_s for step in timeline.steps}
    return [at[status.value] for status in _OFFSETS]


def _handle(
    server: FakeSunoServer, rng: random.Random, command: dict[str, Any]
) -> dict[str, Any]:
    if command["cmd"] == "stats":
        return {
            "requests": server.total_requests,
            "violations": server.limit_violations,
        }
    created_at = time.monotonic()
    if command["cmd"] == "create_family":
        kind = command["kind"]
        family_ids = [
            server.add_task(
                timeline=Timeline(steps=[(0.0, "PENDING"), (end, "SUCCESS")]),
                kind=kind,
            )
            for end in command["ends"]
        ]
        return {"ids": family_ids, "created_at": created_at}
    if command["cmd"] == "create_pending":
        pending = Timeline(steps=[(0.0, TaskStatus.PENDING)])
        pending_ids = [
            server.add_task(timeline=pending) for _ in range(int(command["n"]))
        ]
        return {"ids": pending_ids, "created_at": created_at}
    if command["cmd"] != "create":
        raise ValueError(f"unknown command {command!r}")
    ids: list[str] = []
    timelines: list[list[float]] = []
    if "timelines" in command:
        for text_s, first_s, done_s in command["timelines"]:
            timeline = Timeline.success(text_s, first_s, done_s)
            ids.append(server.add_task(timeline=timeline))
            timelines.append([text_s, first_s, done_s])
    else:
        for _ in range(int(command["n"])):
            timeline = Timeline.realistic(rng)
            ids.append(server.add_task(timeline=timeline))
            timelines.append(_offsets(timeline))
    return {"ids": ids, "timelines": timelines, "created_at": created_at}


async def _serve(scale: float, seed: int) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    async with FakeSunoServer(scale=scale, seed=seed, credits=10**9) as server:
        print(json.dumps({"url": server.url}), flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            reply = _handle(server, rng, json.loads(line))
            print(json.dumps(reply), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pin_to(1)
    asyncio.run(_serve(args.scale, args.seed))


if __name__ == "__main__":
    main()

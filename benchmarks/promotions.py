"""A diagnostic: what a fleet of waits promotes to the oldest GC generation.

CPython's full collections come once the objects promoted to the oldest
generation since the last one reach a quarter of it, so the objects a poll
leaves alive for seconds (a nap's timer, a queued poll's future, a record)
set how often a fleet pauses for one. This starts ``tasks`` separate waits
(tasks that stay PENDING) against the simulator in another process, lets
them poll for ``settle_s``, then, ``rounds`` times, notes the oldest
generation's objects, lets the waits poll for a second, and counts the
objects that joined it, by type (a timer handle by its callback), per
request the simulator counted in that second.

    python -m benchmarks.promotions [tasks] [rounds]

Not part of ``nox -s bench``: it stops the collector while it counts, and
reads the whole heap each round. Objects promoted and collected within the
same second are not counted, so the figures are lower bounds.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

from suno_async import SunoClient

from ._common import Child, pin_to

__all__ = ["main"]


def _name(obj: object) -> str:
    kind = type(obj).__name__
    if kind == "coroutine":
        return f"coroutine {obj.cr_code.co_qualname}"  # type: ignore[attr-defined]
    if kind == "TimerHandle":
        callback = getattr(obj, "_callback", None)
        if callback is None:
            return "TimerHandle (cancelled)"
        name = getattr(callback, "__qualname__", type(callback).__name__)
        return f"TimerHandle {name}"
    return kind


async def _count(url: str, ids: Sequence[str], server: Child, rounds: int) -> None:
    async with SunoClient(api_key="test-key", base_url=url) as client:
        waits = [
            asyncio.ensure_future(client.wait_for_task(task_id, timeout=3600.0))
            for task_id in ids
        ]
        await asyncio.sleep(10.0)  # past the first polls' burst
        kinds: Counter[str] = Counter()
        requests = promoted = 0
        for _ in range(rounds):
            gc.disable()
            before = {id(obj) for obj in gc.get_objects(2)}
            start = server.ask({"cmd": "stats"})["requests"]
            gc.enable()
            await asyncio.sleep(1.0)
            gc.disable()
            requests += server.ask({"cmd": "stats"})["requests"] - start
            new = [obj for obj in gc.get_objects(2) if id(obj) not in before]
            promoted += len(new)
            kinds.update(_name(obj) for obj in new)
            del new
            gc.enable()
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    print(f"{len(ids):,} waits, {requests:,} requests in {rounds} s")
    print(f"promoted to the oldest generation per request: {promoted / requests:.2f}")
    for kind, n in kinds.most_common(12):
        print(f"  {n / requests:5.2f}  {kind}")


def main(argv: Sequence[str]) -> None:
    """Run the diagnostic with ``[tasks] [rounds]`` from ``argv``."""
    tasks = int(argv[0]) if argv else 10_000
    rounds = int(argv[1]) if len(argv) > 1 else 5
    pin_to(0)
    with Child("benchmarks._simserver", "--scale", "1", "--seed", "7") as server:
        url = server.read()["url"]
        created: dict[str, Any] = server.ask({"cmd": "create_pending", "n": tasks})
        asyncio.run(_count(url, created["ids"], server, rounds))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Section 1: what one poll costs the client, against a fast loopback server.

The server (:mod:`benchmarks._loopback`) runs in its own process pinned to
one core; each client variant runs in its own worker process pinned to the
other core, so that a worker's process time is the client's CPU alone. For
every (round, concurrency) the variants run one after another in a shuffled
order, so that drift of this shared machine hits them all alike; each
figure is the median (min-max) over the rounds.

Variants: ``SunoClient.get_task`` (the limiter slot, the envelope and the
decode to a typed ``TaskRecord`` included) with and without the ``speed``
extra (orjson hidden from the worker by ``sys.modules["orjson"] = None``),
raw aiohttp ``get`` + ``json.loads`` (the practical floor of any
aiohttp-based client) and + ``orjson.loads``, raw aiohttp ``get`` +
``read()`` only, and httpx ``AsyncClient.get`` + ``.json()``.

Each worker request names a different task id (rotating over 100,000), as a
poller's requests do; so the per-task limit of 3 per second never waits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import attrs

from ._common import MICRO, TIMES, Child, Spread, markdown_table, pin_to

__all__ = ["CONCURRENCIES", "VARIANTS", "CostResult", "run"]

CONCURRENCIES: Final = (1, 16, 128)
#: name -> (label, hides orjson)
VARIANTS: Final[dict[str, tuple[str, bool]]] = {
    "get_task": ("`SunoClient.get_task` (orjson)", False),
    "get_task_json": ("`SunoClient.get_task` (stdlib json)", True),
    "aiohttp_json": ("aiohttp `get` + `json.loads`", False),
    "aiohttp_orjson": ("aiohttp `get` + `orjson.loads`", False),
    "aiohttp_read": ("aiohttp `get` + `read()` only", False),
    "httpx": ("httpx `AsyncClient.get` + `.json()`", False),
}
#: The variant each ``get_task`` is held against for the target.
FLOOR: Final = "aiohttp_json"
TARGET_RATIO: Final = 1.25
_IDS: Final = 100_000
_HIDE_ORJSON: Final = "import sys; sys.modules['orjson'] = None"
_MAX_CONNECTIONS: Final = 100  # SunoClient's default, given to every variant


# --- the worker: one variant, in its own process ----------------------------------

Request = Callable[[str], Awaitable[object]]


async def _make_variant(
    name: str, url: str
) -> tuple[Request, Callable[[], Awaitable[None]]]:
    """The variant's one-request coroutine function and its closer."""
    params_path = "/api/v1/generate/record-info"
    headers = {"Authorization": "Bearer bench-key", "Accept": "application/json"}
    if name.startswith("get_task"):
        from suno_async import SunoClient
        from suno_async._core.convert import CODEC

        expected = "json" if name == "get_task_json" else "orjson"
        if CODEC.name != expected:
            raise RuntimeError(f"{name}: JSON backend is {CODEC.name}, not {expected}")
        client = SunoClient(
            api_key="bench-key", base_url=url, max_connections=_MAX_CONNECTIONS
        )
        return client.get_task, client.aclose
    if name == "httpx":
        import httpx

        hclient = httpx.AsyncClient(
            base_url=url,
            headers=headers,
            limits=httpx.Limits(max_connections=_MAX_CONNECTIONS),
        )

        async def httpx_get(task_id: str) -> object:
            response = await hclient.get(params_path, params={"taskId": task_id})
            return response.json()

        return httpx_get, hclient.aclose
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=_MAX_CONNECTIONS), headers=headers
    )
    full = url + params_path
    if name == "aiohttp_read":
        decode: Callable[[bytes], object] = bytes
    elif name == "aiohttp_orjson":
        import orjson

        decode = orjson.loads
    else:
        decode = json.loads

    async def aiohttp_get(task_id: str) -> object:
        async with session.get(full, params={"taskId": task_id}) as response:
            return decode(await response.read())

    return aiohttp_get, session.close


async def _measure(
    request: Request, ids: list[str], concurrency: int, seconds: float
) -> tuple[int, float, float]:
    """Requests done by ``concurrency`` loops in ``seconds``: (n, cpu_s, wall_s)."""
    counter = [0, random.randrange(len(ids))]
    stop_at = 0.0

    async def loop() -> None:
        while time.perf_counter() < stop_at:
            counter[1] += 1
            await request(ids[counter[1] % len(ids)])
            counter[0] += 1

    stop_at = time.perf_counter() + seconds
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return counter[0], time.process_time() - cpu0, time.perf_counter() - wall0


async def _work(name: str, url: str) -> None:
    ids = [f"{i:032x}" for i in range(_IDS)]
    request, close = await _make_variant(name, url)
    loop = asyncio.get_running_loop()
    try:
        await request(ids[0])  # connect, import lazily loaded parts
        print(json.dumps({"ready": name}), flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            concurrency = int(command["concurrency"])
            await _measure(request, ids, concurrency, float(command["warmup_s"]))
            n, cpu, wall = await _measure(
                request, ids, concurrency, float(command["seconds"])
            )
            print(json.dumps({"requests": n, "cpu_s": cpu, "wall_s": wall}), flush=True)
    finally:
        await close()


def _worker_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True, choices=sorted(VARIANTS))
    parser.add_argument("--url", required=True)
    args = parser.parse_args(argv)
    pin_to(0)
    asyncio.run(_work(args.worker, args.url))


# --- the driver ------------------------------------------------------------------


@attrs.frozen
class CostResult:
    """Per (variant, concurrency): CPU microseconds per request, requests per second."""

    cpu_us: dict[str, dict[int, Spread]]
    rps: dict[str, dict[int, Spread]]
    ratios: dict[str, dict[int, Spread]]  # get_task variants / FLOOR, per round
    rounds: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        def table(t: dict[str, dict[int, Spread]]) -> dict[str, Any]:
            return {
                v: {str(c): s.to_json() for c, s in by.items()} for v, by in t.items()
            }

        return {
            "cpu_us": table(self.cpu_us),
            "rps": table(self.rps),
            "ratios": table(self.ratios),
            "rounds": self.rounds,
            "seconds": self.seconds,
        }

    def target_met(self) -> bool:
        return all(
            s.median <= TARGET_RATIO for by in self.ratios.values() for s in by.values()
        )

    def tables(self) -> str:
        header = ["client", *(f"CPU {MICRO}s/req @ {c}" for c in CONCURRENCIES)]
        header += [f"req/s @ {c}" for c in CONCURRENCIES]
        rows = [
            [
                label,
                *(self.cpu_us[v][c].fmt(0) for c in CONCURRENCIES),
                *(self.rps[v][c].fmt(0) for c in CONCURRENCIES),
            ]
            for v, (label, _) in VARIANTS.items()
        ]
        ratio_rows = [
            [
                VARIANTS[v][0],
                *(self.ratios[v][c].fmt(2, TIMES) for c in CONCURRENCIES),
            ]
            for v in self.ratios
        ]
        ratio_header = [
            f"CPU per request ÷ {VARIANTS[FLOOR][0]}",
            *(f"@ {c}" for c in CONCURRENCIES),
        ]
        return (
            markdown_table(header, rows)
            + "\n\n"
            + markdown_table(ratio_header, ratio_rows)
        )


def run(*, rounds: int, seconds: float, warmup_s: float) -> CostResult:
    """Measure every variant at every concurrency, interleaved, ``rounds`` times."""
    cpu: dict[str, dict[int, list[float]]] = {
        v: {c: [] for c in CONCURRENCIES} for v in VARIANTS
    }
    rps: dict[str, dict[int, list[float]]] = {
        v: {c: [] for c in CONCURRENCIES} for v in VARIANTS
    }
    ratio: dict[str, dict[int, list[float]]] = {
        v: {c: [] for c in CONCURRENCIES} for v in VARIANTS if v.startswith("get_task")
    }
    shuffle = random.Random(1)
    with Child("benchmarks._loopback") as server:
        url = f"http://127.0.0.1:{server.read()['port']}"
        workers = {
            v: Child(
                "benchmarks.poll_cost",
                *("--worker", v, "--url", url),
                prelude=_HIDE_ORJSON if hide else "",
            )
            for v, (_, hide) in VARIANTS.items()
        }
        try:
            for worker in workers.values():
                worker.read()  # ready
            for r in range(rounds):
                for c in CONCURRENCIES:
                    order = list(VARIANTS)
                    shuffle.shuffle(order)
                    per_request: dict[str, float] = {}
                    for v in order:
                        reply = workers[v].ask(
                            {"concurrency": c, "seconds": seconds, "warmup_s": warmup_s}
                        )
                        n = max(1, reply["requests"])
                        per_request[v] = reply["cpu_s"] / n * 1e6
                        cpu[v][c].append(per_request[v])
                        rps[v][c].append(reply["requests"] / reply["wall_s"])
                    for v in ratio:
                        ratio[v][c].append(per_request[v] / per_request[FLOOR])
                print(f"  poll cost: round {r + 1}/{rounds} done", flush=True)
        finally:
            for worker in workers.values():
                worker.close()

    def spread(t: dict[str, dict[int, list[float]]]) -> dict[str, dict[int, Spread]]:
        return {v: {c: Spread.of(xs) for c, xs in by.items()} for v, by in t.items()}

    return CostResult(spread(cpu), spread(rps), spread(ratio), rounds, seconds)


def breakdown(repeats: int = 5, number: int = 2000) -> list[tuple[str, float]]:
    """CPU microseconds per call of the pure steps inside ``get_task``.

    Measured in this process, best of ``repeats``: what the SDK adds on top
    of aiohttp, besides the request plumbing, which only shows in the
    end-to-end figures.
    """
    import orjson
    from multidict import CIMultiDict, CIMultiDictProxy

    from suno_async._core.convert import decode_record
    from suno_async._core.envelope import read_envelope
    from suno_async._core.providers import APIKLEY
    from suno_async._core.task_ids import check_task_id
    from suno_async._io.limiter import LocalRateLimiter, LocalSlot

    from ._loopback import BODY, TASK_ID

    data = orjson.loads(BODY)["data"]
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))

    def envelope() -> object:
        return read_envelope(
            200,
            "OK",
            headers,
            BODY,
            provider=APIKLEY,
            task_id="x",
            redact=lambda text: text.replace("bench-key", "[redacted]"),
        )

    def read_all() -> object:
        record = decode_record(data)
        return record.tracks, record.param

    def best(step: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            for _ in range(number):
                step()
            times.append((time.process_time() - t0) / number * 1e6)
        return min(times)

    async def slot_us() -> float:
        limiter = LocalRateLimiter()
        keys = [f"{i:032x}" for i in range(number * repeats)]
        times = []
        for r in range(repeats):
            t0 = time.process_time()
            for key in keys[r * number : (r + 1) * number]:
                slot = limiter.slot(key)
                assert isinstance(slot, LocalSlot)  # the free-slot fast path
                slot.enter_now()
                await slot.__aexit__(None, None, None)
            times.append((time.process_time() - t0) / number * 1e6)
        return min(times)

    return [
        ("`orjson.loads` of the body", best(lambda: orjson.loads(BODY))),
        ("`json.loads` of the body", best(lambda: json.loads(BODY))),
        ("`read_envelope` (orjson, envelope checks)", best(envelope)),
        (
            "`decode_record` (to `TaskRecord`; tracks and param read later)",
            best(lambda: decode_record(data)),
        ),
        ("`decode_record`, then its 2 tracks and param read", best(read_all)),
        ("`check_task_id`", best(lambda: check_task_id(TASK_ID))),
        (
            "`LocalRateLimiter` slot, free (enter_now and exit)",
            asyncio.run(slot_us()),
        ),
    ]


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker_main(sys.argv[1:])
    else:
        result = run(rounds=3, seconds=1.0, warmup_s=0.3)
        print(result.tables())

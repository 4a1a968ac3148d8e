"""Section 3b: poll efficiency of every task family, in virtual time.

Each family other than music goes from pending to done in one phase. Its
reference timelines draw the done time uniformly from the family's range
(:data:`RANGES_S`, the simulator's defaults; FAMILIES.md documents none),
2,000 tasks each with a fixed seed. The family's default policy (its
:class:`~suno_async._core.families.FamilySpec` cadence) is driven exactly as
the poller drives it, under the per-task limit, like section 3's music runs
(:func:`benchmarks.poll_efficiency.simulate`); it is compared with fixed
3 s polling (what peer SDKs do) and fixed intervals at equal latency.
*Detection latency* is the time from the task's end to the poll that sees it.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Final

import attrs

from suno_async import PollPolicy, PollState, SunoClient, TaskKind, TaskStatus
from suno_async._core.families import SPECS

from ._common import Child, markdown_table

__all__ = ["RANGES_S", "FamilyRun", "RealRun", "confirm", "real_table", "run", "table"]

#: Seconds from creation to the end, per family (uniform), as the simulator plays them.
RANGES_S: Final = {
    TaskKind.LYRICS: (4.0, 15.0),
    TaskKind.WAV: (10.0, 45.0),
    TaskKind.VOCAL_REMOVAL: (30.0, 180.0),
    TaskKind.MIDI: (20.0, 60.0),
    TaskKind.VIDEO: (30.0, 120.0),
    TaskKind.COVER_IMAGE: (15.0, 50.0),
}
SEED: Final = 20261204
_LIMIT, _WINDOW_S = 3, 1.0


def _wait(policy: PollPolicy, done_s: float) -> tuple[int, float]:
    """One wait in virtual time: (requests, detection latency)."""
    window: deque[float] = deque(maxlen=_LIMIT)
    t, polls = policy.first_delay(), 0
    while True:
        if len(window) == _LIMIT:
            t = max(t, window[0] + _WINDOW_S)
        window.append(t)
        polls += 1
        if t >= done_s:
            return polls, t - done_s
        state = PollState(
            milestone=TaskStatus.PENDING,
            phase_elapsed_s=t,
            polls_in_phase=polls - 1,
            polls=polls,
        )
        t += policy.next_delay(state)


@attrs.frozen
class PolicyResult:
    """One policy over one family's timelines."""

    label: str
    requests: float
    latency: float

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "requests": self.requests, "latency": self.latency}


@attrs.frozen
class FamilyRun:
    """One family: its default policy, fixed 3 s, and fixed at equal latency."""

    kind: TaskKind
    tasks: int
    default: PolicyResult
    fixed_3s: PolicyResult
    fixed_equal: PolicyResult

    @property
    def versus_fixed(self) -> float:
        """Requests of the default over fixed polling at the same latency."""
        return self.default.requests / self.fixed_equal.requests

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "tasks": self.tasks,
            "default": self.default.to_json(),
            "fixed_3s": self.fixed_3s.to_json(),
            "fixed_equal": self.fixed_equal.to_json(),
            "versus_fixed": self.versus_fixed,
        }


def _simulate(label: str, policy: PollPolicy, ends: Sequence[float]) -> PolicyResult:
    policy = attrs.evolve(policy, random=random.Random(1).random)
    results = [_wait(policy, end) for end in ends]
    return PolicyResult(
        label,
        statistics.fmean(r[0] for r in results),
        statistics.fmean(r[1] for r in results),
    )


def _fixed_at(latency: float, ends: Sequence[float]) -> PolicyResult:
    """Fixed polling whose mean latency matches ``latency`` (bisection)."""
    lo, hi = 0.05, 60.0
    result = _simulate("fixed", PollPolicy.fixed(hi), ends)
    for _ in range(30):
        mid = (lo + hi) / 2
        result = _simulate(f"fixed {mid:.2f} s", PollPolicy.fixed(mid), ends)
        if result.latency > latency:
            hi = mid
        else:
            lo = mid
    return result


def _ends(kind: TaskKind, tasks: int, seed: int) -> list[float]:
    lo, hi = RANGES_S[kind]
    rng = random.Random(f"{seed}-{kind.value}")
    return [rng.uniform(lo, hi) for _ in range(tasks)]


def run(*, tasks: int = 2000, seed: int = SEED) -> list[FamilyRun]:
    """Every family's default against fixed polling, ``tasks`` timelines each."""
    out = []
    for kind in RANGES_S:
        ends = _ends(kind, tasks, seed)
        default = _simulate("default", SPECS[kind].poll, ends)
        out.append(
            FamilyRun(
                kind,
                tasks,
                default,
                _simulate("fixed 3 s", PollPolicy.fixed(3.0), ends),
                _fixed_at(default.latency, ends),
            )
        )
    return out


def table(runs: Sequence[FamilyRun]) -> str:
    """The section's table."""
    rows = [
        [
            f"{r.kind.value} ({RANGES_S[r.kind][0]:g}-{RANGES_S[r.kind][1]:g} s)",
            f"{r.default.requests:.1f}",
            f"{r.default.latency:.2f}",
            f"{r.fixed_3s.requests:.1f}",
            f"{r.fixed_3s.latency:.2f}",
            f"{r.fixed_equal.label}: {r.fixed_equal.requests:.1f}",
            f"{r.versus_fixed:.2f}",
        ]
        for r in runs
    ]
    return markdown_table(
        [
            "family (done after)",
            "default: requests / task",
            "default: mean latency (s)",
            "fixed 3 s: requests",
            "fixed 3 s: latency (s)",
            "fixed at equal latency: requests",
            "default ÷ fixed at equal latency",
        ],
        rows,
    )


@attrs.frozen
class RealRun:
    """One family's default policy for real, against the simulator."""

    kind: TaskKind
    tasks: int
    requests: float
    latency: float
    violations: int
    failures: int

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self) | {"kind": self.kind.value}


async def _real_family(
    url: str,
    kind: TaskKind,
    ids: Sequence[str],
    ends: Sequence[float],
    created_at: float,
    scale: float,
) -> tuple[list[int], list[float], int]:
    requests: list[int] = []
    latencies: list[float] = []
    failures = 0

    async def one(client: SunoClient, task_id: str, end: float) -> None:
        nonlocal failures
        try:
            async for event in client.wait_for_task(
                task_id, kind=kind, timeout=400 * scale + 30
            ):
                latencies.append((time.monotonic() - created_at) / scale - end)
                requests.append(event.polls)
        except Exception:  # counted, never fatal to the run
            failures += 1

    async with SunoClient(
        api_key="test-key", base_url=url, poll=SPECS[kind].poll.scaled(scale)
    ) as client:
        await asyncio.gather(
            *(one(client, i, e) for i, e in zip(ids, ends, strict=True))
        )
    return requests, latencies, failures


def confirm(*, tasks: int, scale: float, seed: int = SEED) -> list[RealRun]:
    """Each family's default policy over real HTTP, the simulator in its own process.

    The same end times as :func:`run` (the first ``tasks``), played ``scale``
    times as long, every family at once; latencies are converted back to task
    seconds and include the round trip and the event loop, magnified
    ``1 / scale`` times. The simulator counts the per-task limit in real
    seconds, so below a scale of about 0.3 the limit, not the policy, spaces
    the polls.
    """
    with Child("benchmarks._simserver", "--scale", str(scale)) as server:
        url = server.read()["url"]
        ends = {kind: _ends(kind, tasks, seed) for kind in RANGES_S}
        created = {
            kind: server.ask({"cmd": "create_family", "kind": kind.value, "ends": e})
            for kind, e in ends.items()
        }

        async def every_family() -> list[tuple[list[int], list[float], int]]:
            return await asyncio.gather(
                *(
                    _real_family(
                        url,
                        kind,
                        created[kind]["ids"],
                        ends[kind],
                        created[kind]["created_at"],
                        scale,
                    )
                    for kind in RANGES_S
                )
            )

        results = asyncio.run(every_family())
        violations = server.ask({"cmd": "stats"})["violations"]
    return [
        RealRun(
            kind,
            len(requests),
            statistics.fmean(requests) if requests else math.nan,
            statistics.fmean(latencies) if latencies else math.nan,
            violations,
            failures,
        )
        for kind, (requests, latencies, failures) in zip(RANGES_S, results, strict=True)
    ]


def real_table(runs: Sequence[RealRun], virtual: Sequence[FamilyRun]) -> str:
    """The real-time runs beside their virtual-time figures."""
    by_kind = {v.kind: v for v in virtual}
    return markdown_table(
        [
            "family",
            "tasks",
            "requests / task (virtual)",
            "mean latency, s (virtual)",
            "limit violations (all families)",
            "failed waits",
        ],
        [
            [
                r.kind.value,
                r.tasks,
                f"{r.requests:.1f} ({by_kind[r.kind].default.requests:.1f})",
                f"{r.latency:.2f} ({by_kind[r.kind].default.latency:.2f})",
                r.violations,
                r.failures,
            ]
            for r in runs
        ],
    )

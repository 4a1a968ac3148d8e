"""Section 3c: the learned cadence against the priors alone and fixed intervals.

Every wait runs the SDK's own :class:`~suno_async._engine.cadence.Cadence`
(the poll loop's timing object) in virtual time, many at once on one event
heap, feeding and reading one :class:`~suno_async.PhaseLearner` as a
client's waits do: a wait learns only from what reads had seen before it
(phases that ended, and phases still running at their last read). Requests
take no time; the per-task limit (3 arrivals in a sliding second) delays a
poll that would break it.

The timelines are *not* the ones the priors describe (uniform phases of
3-12, 15-40 and 30-110 s, :func:`benchmarks.poll_efficiency.reference_timelines`):
a service of two models whose phases are log-normal around other medians
(:data:`MODELS`), also played 2x faster and 2x slower, and streams whose
speed changes halfway. Each is run two ways:

- *stream*: tasks arrive one every :data:`STREAM_GAP_S` seconds on average
  (Poisson), as a bot or a backend sees them;
- *batch*: every task starts at once, cold (an empty learner) and warm
  (the learner a stream on the same service left, through its JSON).

Each policy's requests per task are divided by those of a fixed interval
with the same mean detection latency on the same timelines (a sweep of
fixed intervals, interpolated), so every figure is a ratio measured side by
side in one run.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import re
import statistics
import sys
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Final

import attrs

from suno_async import PhaseLearner, PollPolicy, TaskKind
from suno_async._engine.cadence import Cadence

from ._common import LE, TIMES, markdown_table
from .poll_efficiency import interp, reference_timelines

__all__ = ["MODELS", "LearningResult", "run", "service_timelines"]

SEED: Final = 20251205
STREAM_GAP_S: Final = 2.0
#: (name, phase medians in s, log-normal sigma): the service not tuned on.
MODELS: Final = (
    ("chirp-v4", (5.0, 21.0, 48.0), 0.18),
    ("chirp-v3-5", (8.0, 30.0, 75.0), 0.22),
)
#: Fixed intervals swept for the comparison: 0.5 .. 5.25 s by 0.25, then to 15 s.
FIXED_SWEEP: Final = (
    *(0.5 + 0.25 * i for i in range(20)),
    *(5.5 + 0.5 * i for i in range(20)),
)
TARGET_RATIO: Final = 0.5
TARGET_LATENCY_S: Final = 3.0
_LIMIT, _WINDOW_S = 3, 1.0

Timeline = tuple[float, float, float]
Task = tuple[str, Timeline]


def service_timelines(
    n: int,
    *,
    seed: int = SEED,
    speed: float = 1.0,
    change_at: int | None = None,
    change_to: float = 1.0,
) -> list[Task]:
    """``n`` tasks of :data:`MODELS`: (model, offsets), ``speed`` times as long.

    From task ``change_at`` on, ``change_to`` times as long again.
    """
    rng = random.Random(seed)
    out: list[Task] = []
    for i in range(n):
        model, medians, sigma = rng.choice(MODELS)
        k = speed * (change_to if change_at is not None and i >= change_at else 1.0)
        t, offsets = 0.0, []
        for median in medians:
            t += median * math.exp(rng.gauss(0.0, sigma)) * k
            offsets.append(t)
        out.append((model, (offsets[0], offsets[1], offsets[2])))
    return out


@attrs.frozen
class Run:
    """One policy over one set of tasks."""

    label: str
    requests: float  # mean per task
    latency: tuple[float, float, float]  # mean per milestone

    @property
    def mean_latency(self) -> float:
        return statistics.fmean(self.latency)


def simulate(
    label: str,
    policy: PollPolicy,
    tasks: Sequence[Task],
    *,
    arrivals: Sequence[float],
    learner: PhaseLearner | None,
    seed: int = 1,
) -> Run:
    """Every task's wait at once on one heap, in virtual time."""
    rng = random.Random(seed)
    policy = attrs.evolve(policy, random=rng.random)
    cadences = [
        Cadence(policy, start, learner=learner, kind=TaskKind.MUSIC)
        for start in arrivals
    ]
    levels = [0] * len(tasks)
    polls = [0] * len(tasks)
    windows: list[deque[float]] = [deque(maxlen=_LIMIT) for _ in tasks]
    latencies: list[list[float]] = [[], [], []]
    heap = [(start + policy.first_delay(), i) for i, start in enumerate(arrivals)]
    heapq.heapify(heap)
    while heap:
        t, i = heapq.heappop(heap)
        window = windows[i]
        if len(window) == _LIMIT and t < window[0] + _WINDOW_S:
            heapq.heappush(heap, (window[0] + _WINDOW_S, i))
            continue
        window.append(t)
        polls[i] += 1
        model, offsets = tasks[i]
        elapsed = t - arrivals[i]
        level = sum(1 for offset in offsets if offset <= elapsed)
        for m in range(levels[i], level):
            latencies[m].append(elapsed - offsets[m])
        cadence = cadences[i]
        cadence.observed(reached=level > levels[i], now=t, level=level, model=model)
        levels[i] = level
        if level < 3:
            delay = cadence.next_delay(
                level=level, polls=polls[i], unknown_status=False, now=t
            )
            heapq.heappush(heap, (t + delay, i))
    return Run(
        label,
        statistics.fmean(polls),
        (
            statistics.fmean(latencies[0]),
            statistics.fmean(latencies[1]),
            statistics.fmean(latencies[2]),
        ),
    )


@attrs.frozen
class Scenario:
    """One set of tasks: the policies' runs and the fixed sweep on them."""

    name: str
    runs: list[Run]
    fixed: list[Run]

    def ratio(self, run: Run) -> float:
        points = sorted((r.mean_latency, r.requests) for r in self.fixed)
        requests = interp(
            run.mean_latency, [p[0] for p in points], [p[1] for p in points]
        )
        return run.requests / requests

    def by_label(self, label: str) -> Run:
        return next(r for r in self.runs if r.label == label)


LEARNED: Final = "learned (default)"
#: The priors' own family of timelines: shown, left out of the target.
TUNING: Final = "reference (the priors' uniform windows), stream"
PRIORS: Final = "priors alone"


def _scenario(
    name: str, tasks: Sequence[Task], arrivals: Sequence[float], *, warm: str | None
) -> tuple[Scenario, PhaseLearner]:
    learner = PhaseLearner() if warm is None else PhaseLearner.from_json(warm)
    fixed = [
        simulate(
            f"fixed {s:g} s",
            PollPolicy.fixed(s),
            tasks,
            arrivals=arrivals,
            learner=None,
        )
        for s in FIXED_SWEEP
    ]
    runs = [
        simulate(LEARNED, PollPolicy(), tasks, arrivals=arrivals, learner=learner),
        simulate(
            PRIORS, PollPolicy(learn=False), tasks, arrivals=arrivals, learner=None
        ),
        *(r for r in fixed if r.label in ("fixed 2 s", "fixed 3 s", "fixed 5 s")),
    ]
    return Scenario(name, runs, fixed), learner


@attrs.frozen
class LearningResult:
    tasks: int
    scenarios: list[Scenario]
    state_bytes: int
    elapsed_s: float

    def worst(self) -> tuple[float, float]:
        """The learned policy's worst ratio and mean latency, tuning set aside."""
        runs = [(s, s.by_label(LEARNED)) for s in self.scenarios if s.name != TUNING]
        return (
            max(s.ratio(r) for s, r in runs),
            max(r.mean_latency for _, r in runs),
        )

    def target_met(self) -> bool:
        ratio, latency = self.worst()
        return ratio <= TARGET_RATIO and latency <= TARGET_LATENCY_S

    def target_row(self) -> tuple[str, str, bool]:
        """The target, the figure and whether it is met (for the report)."""
        ratio, latency = self.worst()
        return (
            f"3. learned cadence {LE} {TARGET_RATIO}{TIMES} a fixed interval at "
            f"equal latency, {LE} {TARGET_LATENCY_S:g} s, on timelines it was not "
            "tuned on (worst scenario)",
            f"{ratio:.2f}{TIMES} at {latency:.2f} s",
            self.target_met(),
        )

    def section(self) -> str:
        """This section of the performance page."""
        about = (__doc__ or "").split("\n\n", 1)[1].strip()
        about = re.sub(r":\w+:`~?([\w.]+)`", lambda m: f"`{m[1]}`", about)
        return (
            f"### A cadence that learns (virtual time)\n\n{about}\n\n{self.table()}\n"
        )

    def table(self) -> str:
        header = [
            "timelines",
            *(
                f"{label}: req / latency / {TIMES}fixed"
                for label in (LEARNED, PRIORS, "fixed 3 s")
            ),
        ]
        rows = []
        for s in self.scenarios:
            cells = [s.name]
            for label in (LEARNED, PRIORS, "fixed 3 s"):
                r = s.by_label(label)
                cells.append(
                    f"{r.requests:.1f} / {r.mean_latency:.2f} s / "
                    f"{s.ratio(r):.2f}{TIMES}"
                )
            rows.append(cells)
        return markdown_table(header, rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "state_bytes": self.state_bytes,
            "scenarios": [
                {
                    "name": s.name,
                    "runs": [
                        {
                            "label": r.label,
                            "requests": r.requests,
                            "latency_mean": list(r.latency),
                            "mean_latency": r.mean_latency,
                            "versus_fixed": s.ratio(r),
                        }
                        for r in s.runs
                    ],
                }
                for s in self.scenarios
            ],
            "target_met": self.target_met(),
        }


def _stream(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    t, out = 0.0, []
    for _ in range(n):
        out.append(t)
        t += rng.expovariate(1.0 / STREAM_GAP_S)
    return out


def run(*, tasks: int, seed: int = SEED) -> LearningResult:
    """Every scenario; ``tasks`` per scenario."""
    started = time.perf_counter()
    stream = _stream(tasks, seed)
    batch = [0.0] * tasks
    half = tasks // 2
    sets = {
        "service": service_timelines(tasks, seed=seed),
        f"service 2{TIMES} faster": service_timelines(tasks, seed=seed + 1, speed=0.5),
        f"service 2{TIMES} slower": service_timelines(tasks, seed=seed + 2, speed=2.0),
        f"slows down 2{TIMES} halfway": service_timelines(
            tasks, seed=seed + 3, change_at=half, change_to=2.0
        ),
        f"speeds up 2{TIMES} halfway": service_timelines(
            tasks, seed=seed + 4, change_at=half, change_to=0.5
        ),
    }
    reference = [("reference", o) for o in reference_timelines(tasks, seed=seed)]
    scenarios = [_scenario(TUNING, reference, stream, warm=None)[0]]
    state = ""
    for name, timelines in sets.items():
        scenario, learner = _scenario(f"{name}, stream", timelines, stream, warm=None)
        scenarios.append(scenario)
        if name == "service":
            state = learner.to_json()
    service = service_timelines(tasks, seed=seed + 5)
    scenarios.append(_scenario("service, batch, cold", service, batch, warm=None)[0])
    scenarios.append(_scenario("service, batch, warm", service, batch, warm=state)[0])
    return LearningResult(
        tasks, scenarios, len(state.encode()), time.perf_counter() - started
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.poll_learning")
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args(argv)
    result = run(tasks=args.tasks)
    print(result.table())
    ratio, latency = result.worst()
    print(
        f"\nworst learned ratio {ratio:.2f}{TIMES} at worst mean latency "
        f"{latency:.2f} s (target {TARGET_RATIO}{TIMES} at <= {TARGET_LATENCY_S} s): "
        f"{'met' if result.target_met() else 'MISSED'}; state {result.state_bytes} "
        f"bytes; {result.elapsed_s:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

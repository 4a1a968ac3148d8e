"""Section 3: requests spent per task against how quickly milestones are seen.

The real :class:`~suno_async.PollPolicy` objects are driven in virtual time
(no sleeping) over a reference set of task timelines: text 3-12 s after
creation, the first track 15-40 s after text, the rest 30-110 s after that
(fixed seed, 2,000 tasks). The driver mirrors the poller exactly: the first
poll after ``first_delay()``, then ``next_delay(PollState(...))`` with the
state the poller builds (the milestone reached, seconds since it was first
seen, polls in the phase, polls in all); the per-task limit (3 arrivals in a
sliding second) delays a poll that would break it. Requests take no time.

A milestone's *detection latency* is the time from its server-side transition
to the poll that reports it (a skipped milestone is reported, inferred, by
the poll that sees a later one). *Mean latency* is the mean of the three
milestones' means.

Two prototypes, not in the SDK, show what learning a task's pace would buy
(see ``docs/performance.md``): *per-task pace* scales a phase's typical
window by ``min(4, max(1, L/hi) ** 2)`` where ``L/hi`` is how far an earlier
phase of the same task overran its typical maximum; *learned pace* scales
every window by the median, over the last 50 tasks the client finished, of
their wait time over 105 s (the sum of the typical phase midpoints).

:func:`confirm` checks the virtual-time figures with a real-time run of a
few hundred tasks against the simulator (time-scaled, with the policies
scaled alike), over real HTTP.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, Final, Literal

import attrs

from suno_async import PollPolicy, PollState, SunoClient, TaskStatus

from ._common import LE, TIMES, Child, markdown_table, percentile

__all__ = [
    "REFERENCE_SEED",
    "Confirmation",
    "Efficiency",
    "PolicyRun",
    "confirm",
    "reference_timelines",
    "run",
    "scaled",
    "trace",
]

REFERENCE_SEED: Final = 20240601
MILESTONE_NAMES: Final = ("text", "first", "success")
_MILESTONES: Final = (
    TaskStatus.PENDING,
    TaskStatus.TEXT_SUCCESS,
    TaskStatus.FIRST_SUCCESS,
    TaskStatus.SUCCESS,
)
#: Typical phase midpoints (s): 7.5 + 27.5 + 70, for the learned pace.
_TYPICAL_TOTAL_S: Final = 105.0
_LEARN_WINDOW: Final = 50
_LIMIT, _WINDOW_S = 3, 1.0
FIXED_SWEEP: Final = tuple(0.5 + 0.25 * i for i in range(47))  # 0.5 .. 12 s
EFFICIENCY_TARGET: Final = 0.7
ROBUST_LATENCY: Final = 2.0
ROBUST_REQUESTS: Final = 1.5

Timeline = tuple[float, float, float]
Adapt = Literal["none", "task", "client"]


def reference_timelines(
    n: int, *, seed: int = REFERENCE_SEED, speed: float = 1.0
) -> list[Timeline]:
    """``n`` timelines (text, first, done offsets in s), times ``speed``."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = rng.uniform(3.0, 12.0)
        first = text + rng.uniform(15.0, 40.0)
        done = first + rng.uniform(30.0, 110.0)
        out.append((text * speed, first * speed, done * speed))
    return out


def _times(phases: tuple[float, float, float], k: float) -> tuple[float, float, float]:
    return (phases[0] * k, phases[1] * k, phases[2] * k)


def scaled(policy: PollPolicy, k: float) -> PollPolicy:
    """``policy`` with every phase window stretched by ``k``."""
    return attrs.evolve(
        policy,
        phase_min_s=_times(policy.phase_min_s, k),
        phase_max_s=_times(policy.phase_max_s, k),
    )


def _task_pace(policy: PollPolicy, seen_at: Sequence[float]) -> float:
    """The per-task prototype's stretch: how far earlier phases overran."""
    starts = (0.0, *seen_at[:-1])
    overrun = max(
        (
            (end - start) / policy.phase_max_s[i]
            for i, (start, end) in enumerate(zip(starts, seen_at, strict=False))
            if end > start and i < 3
        ),
        default=1.0,
    )
    return float(min(4.0, max(1.0, overrun) ** 2))


def _wait(
    policy: PollPolicy, offsets: Timeline, *, adapt: Adapt
) -> tuple[list[float], list[float]]:
    """One wait in virtual time: (poll times, detection time of each milestone)."""
    polls: list[float] = []
    seen_at: list[float] = []
    level, phase_start, phase_polls = 0, 0.0, 0
    window: deque[float] = deque(maxlen=_LIMIT)
    t = policy.first_delay()
    while True:
        if len(window) == _LIMIT:
            t = max(t, window[0] + _WINDOW_S)
        window.append(t)
        polls.append(t)
        reached = sum(1 for offset in offsets if offset <= t)
        if reached > level:
            seen_at += [t] * (reached - level)
            level, phase_start, phase_polls = reached, t, 0
        else:
            phase_polls += 1
        if level == 3:
            return polls, seen_at
        state = PollState(
            milestone=_MILESTONES[level],
            phase_elapsed_s=t - phase_start,
            polls_in_phase=phase_polls,
            polls=len(polls),
        )
        current = policy
        if adapt == "task" and seen_at:
            current = scaled(policy, _task_pace(policy, seen_at))
        t += current.next_delay(state)


@attrs.frozen
class PolicyRun:
    """One policy over one set of timelines."""

    label: str
    tasks: int
    requests: float  # mean per task
    latency: tuple[float, float, float]  # mean per milestone
    latency_p95: tuple[float, float, float]

    @property
    def mean_latency(self) -> float:
        return statistics.fmean(self.latency)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "tasks": self.tasks,
            "requests": self.requests,
            "latency_mean": list(self.latency),
            "latency_p95": list(self.latency_p95),
            "mean_latency": self.mean_latency,
        }


def simulate(
    label: str,
    policy: PollPolicy,
    timelines: Sequence[Timeline],
    *,
    seed: int = 1,
    adapt: Adapt = "none",
) -> PolicyRun:
    """Run ``policy`` over ``timelines`` (in order) in virtual time."""
    policy = attrs.evolve(policy, random=random.Random(seed).random)
    requests = 0
    latencies: list[list[float]] = [[], [], []]
    learned: deque[float] = deque(maxlen=_LEARN_WINDOW)
    for offsets in timelines:
        current = policy
        if adapt == "client" and len(learned) >= 5:
            k = min(4.0, max(0.25, statistics.median(learned)))
            current = scaled(policy, k)
        polls, seen_at = _wait(current, offsets, adapt=adapt)
        requests += len(polls)
        for m in range(3):
            latencies[m].append(seen_at[m] - offsets[m])
        learned.append(seen_at[-1] / _TYPICAL_TOTAL_S)
    n = len(timelines)
    return PolicyRun(
        label,
        n,
        requests / n,
        (
            statistics.fmean(latencies[0]),
            statistics.fmean(latencies[1]),
            statistics.fmean(latencies[2]),
        ),
        (
            percentile(latencies[0], 95),
            percentile(latencies[1], 95),
            percentile(latencies[2], 95),
        ),
    )


def trace(policy: PollPolicy, offsets: Timeline, *, seed: int = 1) -> list[float]:
    """The poll times of one wait (for the timeline plot)."""
    policy = attrs.evolve(policy, random=random.Random(seed).random)
    return _wait(policy, offsets, adapt="none")[0]


def interp(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    """Linear interpolation of ``ys`` at ``x`` (``xs`` increasing), clamped."""
    if x <= xs[0]:
        return ys[0]
    for (x0, y0), (x1, y1) in zip(
        zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=False
    ):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[-1]


@attrs.frozen
class Candidate:
    label: str
    policy: PollPolicy
    adapt: Adapt = "none"
    kind: str = "other"  # fixed, exponential, default, prototype


def candidates() -> list[Candidate]:
    """Every policy the section compares."""
    default = PollPolicy()
    out = [
        Candidate(f"fixed {s:g} s", PollPolicy.fixed(s), kind="fixed")
        for s in (1, 2, 3, 5, 10)
    ]
    for initial, multiplier, cap in ((1.0, 1.5, 10.0), (2.0, 2.0, 30.0)):
        for reset in (True, False):
            out.append(
                Candidate(
                    f"exponential {initial:g} s {TIMES}{multiplier:g} {LE} {cap:g} s, "
                    + ("reset at milestones" if reset else "no reset"),
                    PollPolicy.exponential(
                        initial, multiplier, cap, reset_on_milestone=reset
                    ),
                    kind="exponential",
                )
            )
    out.append(Candidate("**default** (phased)", default, kind="default"))
    out.append(
        Candidate("default + per-task pace (prototype)", default, "task", "prototype")
    )
    out.append(
        Candidate("default + learned pace (prototype)", default, "client", "prototype")
    )
    return out


@attrs.frozen
class Efficiency:
    """Section 3's virtual-time results."""

    tasks: int
    seed: int
    runs: list[PolicyRun]
    fixed_sweep: list[tuple[float, PolicyRun]]
    robustness: dict[str, dict[str, PolicyRun]]  # label -> {"0.5x","1x","2x"}
    elapsed_s: float

    def fixed_requests_at(self, latency: float) -> float:
        """Requests per task of a fixed interval with this mean latency."""
        points = sorted((r.mean_latency, r.requests) for _, r in self.fixed_sweep)
        return interp(latency, [p[0] for p in points], [p[1] for p in points])

    def versus_fixed(self, run: PolicyRun) -> float:
        return run.requests / self.fixed_requests_at(run.mean_latency)

    def default_run(self) -> PolicyRun:
        return next(r for r in self.runs if r.label.startswith("**default"))

    def robust_ratios(self, label: str) -> dict[str, tuple[float, float]]:
        """Per speed: (requests ratio, mean latency ratio) to the reference."""
        by = self.robustness[label]
        ref = by["1x"]
        return {
            speed: (r.requests / ref.requests, r.mean_latency / ref.mean_latency)
            for speed, r in by.items()
            if speed != "1x"
        }

    def targets(self) -> dict[str, bool]:
        default = self.default_run()
        ratios = self.robust_ratios(default.label)
        return {
            "efficiency": self.versus_fixed(default) <= EFFICIENCY_TARGET,
            "robust_fast": ratios["0.5x"][0] <= ROBUST_REQUESTS
            and ratios["0.5x"][1] <= ROBUST_LATENCY,
            "robust_slow": ratios["2x"][0] <= ROBUST_REQUESTS
            and ratios["2x"][1] <= ROBUST_LATENCY,
        }

    def tables(self) -> str:
        header = [
            "policy",
            "requests / task",
            "mean latency (s)",
            *(f"{m} mean / p95 (s)" for m in MILESTONE_NAMES),
            "requests ÷ fixed at equal latency",
        ]
        rows = [
            [
                r.label,
                f"{r.requests:.1f}",
                f"{r.mean_latency:.2f}",
                *(
                    f"{m:.2f} / {p:.2f}"
                    for m, p in zip(r.latency, r.latency_p95, strict=True)
                ),
                f"{self.versus_fixed(r):.2f}{TIMES}",
            ]
            for r in self.runs
        ]
        robust_header = [
            "policy",
            "reference: req / latency",
            f"2{TIMES} faster: req / latency",
            f"2{TIMES} slower: req / latency",
        ]
        robust_rows = []
        for label, by in self.robustness.items():
            ratios = self.robust_ratios(label)
            ref = by["1x"]
            cells = [f"{ref.requests:.1f} / {ref.mean_latency:.2f} s"]
            for speed in ("0.5x", "2x"):
                r = by[speed]
                rq, lt = ratios[speed]
                cells.append(
                    f"{r.requests:.1f} ({rq:.2f}{TIMES}) / "
                    f"{r.mean_latency:.2f} s ({lt:.2f}{TIMES})"
                )
            robust_rows.append([label, *cells])
        return (
            markdown_table(header, rows)
            + "\n\n"
            + markdown_table(robust_header, robust_rows)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "seed": self.seed,
            "runs": [
                r.to_json() | {"versus_fixed": self.versus_fixed(r)} for r in self.runs
            ],
            "fixed_sweep": [
                {"interval_s": s, **r.to_json()} for s, r in self.fixed_sweep
            ],
            "robustness": {
                label: {speed: r.to_json() for speed, r in by.items()}
                for label, by in self.robustness.items()
            },
            "targets": self.targets(),
        }


def run(*, tasks: int, seed: int = REFERENCE_SEED) -> Efficiency:
    """Every policy over the reference timelines, and the robustness runs."""
    started = time.perf_counter()
    reference = reference_timelines(tasks, seed=seed)
    picked = candidates()
    runs = [simulate(c.label, c.policy, reference, adapt=c.adapt) for c in picked]
    sweep = [
        (s, simulate(f"fixed {s:g} s", PollPolicy.fixed(s), reference))
        for s in FIXED_SWEEP
    ]
    robustness: dict[str, dict[str, PolicyRun]] = {}
    for c in picked:
        if c.kind in ("default", "prototype") or c.label == "fixed 3 s":
            robustness[c.label] = {
                speed: simulate(
                    c.label,
                    c.policy,
                    reference_timelines(tasks, seed=seed, speed=k),
                    adapt=c.adapt,
                )
                for speed, k in (("1x", 1.0), ("0.5x", 0.5), ("2x", 2.0))
            }
    return Efficiency(
        tasks, seed, runs, sweep, robustness, time.perf_counter() - started
    )


# --- the real-time confirmation ----------------------------------------------------


def time_scaled(policy: PollPolicy, scale: float) -> PollPolicy:
    """``policy`` for timelines played ``scale`` times as long (0.4: faster)."""
    return attrs.evolve(
        policy,
        first_poll_max_s=policy.first_poll_max_s * scale,
        interval_s=policy.interval_s * scale,
        max_interval_s=policy.max_interval_s * scale,
        sqrt_spacing=policy.sqrt_spacing * math.sqrt(scale),
        phase_min_s=_times(policy.phase_min_s, scale),
        phase_max_s=_times(policy.phase_max_s, scale),
    )


@attrs.frozen
class Confirmation:
    """Real time against the simulator vs virtual time, same timelines."""

    scale: float
    tasks_per_policy: int
    real: list[PolicyRun]
    virtual: list[PolicyRun]
    violations: int
    failures: int
    elapsed_s: float

    def table(self) -> str:
        header = [
            "policy",
            "real: requests / task",
            "virtual: requests / task",
            "real: mean latency (s)",
            "virtual: mean latency (s)",
        ]
        rows = [
            [
                real.label,
                f"{real.requests:.1f}",
                f"{virtual.requests:.1f}",
                f"{real.mean_latency:.2f}",
                f"{virtual.mean_latency:.2f}",
            ]
            for real, virtual in zip(self.real, self.virtual, strict=True)
        ]
        return markdown_table(header, rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "tasks_per_policy": self.tasks_per_policy,
            "real": [r.to_json() for r in self.real],
            "virtual": [r.to_json() for r in self.virtual],
            "violations": self.violations,
            "failures": self.failures,
        }


async def _real_waits(
    url: str,
    policy: PollPolicy,
    ids: Sequence[str],
    offsets: Sequence[Timeline],
    created_at: float,
    scale: float,
    label: str,
) -> tuple[PolicyRun, int]:
    latencies: list[list[float]] = [[], [], []]
    requests: list[int] = []
    failures = 0

    async def one(client: SunoClient, task_id: str, task_offsets: Timeline) -> None:
        nonlocal failures
        try:
            async for event in client.wait_for_task(
                task_id, poll=policy, timeout=400 * scale + 30
            ):
                m = (event.status.milestone or 0) - 1
                now = time.monotonic()
                latencies[m].append((now - created_at) / scale - task_offsets[m])
                if event.status is TaskStatus.SUCCESS:
                    requests.append(event.polls)
        except Exception:  # counted, never fatal to the run
            failures += 1

    async with SunoClient(api_key="test-key", base_url=url) as client:
        await asyncio.gather(
            *(one(client, i, o) for i, o in zip(ids, offsets, strict=True))
        )
    run = PolicyRun(
        label,
        len(requests),
        statistics.fmean(requests) if requests else math.nan,
        (
            statistics.fmean(latencies[0]),
            statistics.fmean(latencies[1]),
            statistics.fmean(latencies[2]),
        ),
        (
            percentile(latencies[0], 95),
            percentile(latencies[1], 95),
            percentile(latencies[2], 95),
        ),
    )
    return run, failures


def confirm(
    *, tasks_per_policy: int, scale: float, seed: int = REFERENCE_SEED
) -> Confirmation:
    """The default policy and a fixed 3 s interval, for real, on the same timelines.

    The default's priors alone (``learn=False``), as in virtual time: the
    learned cadence is measured by :mod:`benchmarks.poll_learning`.
    """
    started = time.perf_counter()
    offsets = reference_timelines(tasks_per_policy, seed=seed)
    policies = [
        ("**default** (phased)", PollPolicy(learn=False)),
        ("fixed 3 s", PollPolicy.fixed(3.0)),
    ]
    with Child("benchmarks._simserver", "--scale", str(scale)) as server:
        url = server.read()["url"]
        created = server.ask(
            {"cmd": "create", "timelines": [list(o) for o in offsets] * len(policies)}
        )

        async def both() -> list[tuple[PolicyRun, int]]:
            ids = created["ids"]
            n = tasks_per_policy
            return await asyncio.gather(
                *(
                    _real_waits(
                        url,
                        time_scaled(policy, scale),
                        ids[i * n : (i + 1) * n],
                        offsets,
                        created["created_at"],
                        scale,
                        label,
                    )
                    for i, (label, policy) in enumerate(policies)
                )
            )

        results = asyncio.run(both())
        stats = server.ask({"cmd": "stats"})
    virtual = [simulate(label, policy, offsets) for label, policy in policies]
    return Confirmation(
        scale,
        tasks_per_policy,
        [r for r, _ in results],
        virtual,
        stats["violations"],
        sum(f for _, f in results),
        time.perf_counter() - started,
    )

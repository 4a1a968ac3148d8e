"""Writes ``docs/performance.md``, its two plots and the raw results (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import attrs

from . import callbacks, families, fleet, poll_cost, poll_efficiency, poll_learning
from ._common import DASH, LE, MICRO, ROOT, TIMES, markdown_table
from ._plots import pareto, timeline
from .families import FamilyRun, RealRun

__all__ = ["Results", "headline", "targets_of", "write"]

DOC = ROOT / "docs" / "performance.md"
FIGURES = ROOT / "docs" / "performance"


@attrs.frozen
class Results:
    machine: dict[str, Any]
    command: str
    elapsed_s: float
    cost: poll_cost.CostResult
    breakdown: list[tuple[str, float]]
    fleet: list[fleet.FleetResult]
    efficiency: poll_efficiency.Efficiency
    confirmation: poll_efficiency.Confirmation
    callbacks: list[callbacks.CallbackResult]
    families: list[FamilyRun] = attrs.field(factory=list)
    family_real: list[RealRun] = attrs.field(factory=list)
    learning: poll_learning.LearningResult | None = None


# --- the page ---------------------------------------------------------------------


def targets_of(res: Results) -> list[tuple[str, str, bool]]:
    eff = res.efficiency
    default = eff.default_run()
    ratios = eff.robust_ratios(default.label)
    cost = res.cost
    worst = max(
        (s.median, v, c) for v, by in cost.ratios.items() for c, s in by.items()
    )
    rows: list[tuple[str, str, bool]] = [
        (
            f"1. `get_task` CPU per request {LE} {poll_cost.TARGET_RATIO}{TIMES} "
            "raw aiohttp + `json.loads`, at every concurrency",
            f"worst {worst[0]:.2f}{TIMES} ({poll_cost.VARIANTS[worst[1]][0]}, "
            f"concurrency {worst[2]})",
            cost.target_met(),
        )
    ]
    for r in res.fleet:
        if r.mode not in fleet.MODES:
            continue  # the baseline has no target
        w = r.worker
        met = r.targets()
        rows += [
            (
                f"2. every wait still waiting at the window's end ({r.mode})",
                f"{r.tasks - r.ended_early:,} of {r.tasks:,}",
                met["no_early_end"],
            ),
            (
                f"2. zero limit violations ({r.mode})",
                f"{r.violations}",
                met["no_violation"],
            ),
            (
                f"2. RSS {LE} 10 KiB per waiting task ({r.mode})",
                f"{r.rss_per_task / 1024:.1f} KiB",
                met["rss"],
            ),
            (
                f"2. loop lag p99 {LE} 20 ms ({r.mode})",
                f"{w['lag_p99_s'] * 1e3:.1f} ms",
                met["lag_p99"],
            ),
            (
                f"2. client CPU per request {LE} 150 {MICRO}s ({r.mode})",
                f"{r.cpu_per_request_us:.0f} {MICRO}s",
                met["cpu"],
            ),
        ]
    rows += [
        (
            f"3. default {LE} 0.7{TIMES} the requests of a fixed interval "
            "at equal mean latency",
            f"{eff.versus_fixed(default):.2f}{TIMES}",
            eff.versus_fixed(default) <= poll_efficiency.EFFICIENCY_TARGET,
        ),
        (
            f"3. 2{TIMES} faster timelines: latency {LE} 2{TIMES}, "
            f"requests {LE} 1.5{TIMES}",
            f"{ratios['0.5x'][1]:.2f}{TIMES} / {ratios['0.5x'][0]:.2f}{TIMES}",
            eff.targets()["robust_fast"],
        ),
        (
            f"3. 2{TIMES} slower timelines: latency {LE} 2{TIMES}, "
            f"requests {LE} 1.5{TIMES}",
            f"{ratios['2x'][1]:.2f}{TIMES} / {ratios['2x'][0]:.2f}{TIMES}",
            eff.targets()["robust_slow"],
        ),
    ]
    if res.learning is not None:
        rows.append(res.learning.target_row())
    flowing, dropped = res.callbacks
    rows += [
        (
            "4. callbacks flowing: stage to event p95 < 100 ms",
            f"{flowing.latency_ms_p95:.1f} ms"
            if flowing.latency_ms_p95 is not None
            else "no events",
            flowing.latency_ms_p95 is not None and flowing.latency_ms_p95 < 100,
        ),
        (
            f"4. callbacks flowing: {LE} 5 record-info requests per task",
            f"{flowing.requests_per_task:.1f} (all callbacks dropped: "
            f"{dropped.requests_per_task:.1f})",
            flowing.requests_per_task <= 5,
        ),
        (
            "4. all callbacks dropped: every wait still completes",
            f"{dropped.delivered} of {dropped.tasks}",
            dropped.delivered == dropped.tasks,
        ),
    ]
    return rows


def headline(res: Results) -> list[str]:
    """The figures for the README."""
    eff = res.efficiency
    default = eff.default_run()
    fixed3 = next(r for r in eff.runs if r.label == "fixed 3 s")
    cost = res.cost
    many = next(r for r in res.fleet if r.mode == "wait_many")
    return [
        f"waiting costs {default.requests:.0f} requests per task for "
        f"{default.mean_latency:.1f} s mean detection latency, "
        f"{eff.versus_fixed(default):.2f}{TIMES} what a fixed interval spends "
        f"for the same latency (fixed 3 s: {fixed3.requests:.0f} requests, "
        f"{fixed3.mean_latency:.1f} s)",
        f"one `get_task` costs {cost.cpu_us['get_task'][16].median:.0f} {MICRO}s "
        f"of CPU with the `speed` extra at concurrency 16, "
        f"{cost.ratios['get_task'][16].median:.1f}{TIMES} raw aiohttp + "
        f"`json.loads` and "
        f"{cost.cpu_us['httpx'][16].median / cost.cpu_us['get_task'][16].median:.0f}"
        f"{TIMES} less than httpx",
        f"{many.tasks:,} concurrent waits in one process against a server "
        f"in another: {many.violations} limit violations, "
        f"{many.rss_per_task / 1024:.1f} KiB per waiting task, loop lag p99 "
        f"{many.worker['lag_p99_s'] * 1e3:.0f} ms",
    ]


def _page(res: Results) -> str:
    eff, conf, cost = res.efficiency, res.confirmation, res.cost
    m = res.machine
    default = eff.default_run()
    targets = targets_of(res)
    missed = [t for t in targets if not t[2]]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    breakdown_table = markdown_table(
        ["step inside `get_task`", f"CPU {MICRO}s per call"],
        [[name, f"{us:.1f}"] for name, us in res.breakdown],
    )
    step = dict(res.breakdown)
    orjson_us = step["`orjson.loads` of the body"]
    json_us = step["`json.loads` of the body"]
    # What get_task does besides aiohttp and the parse: the envelope's checks
    # (read_envelope less its orjson parse), the lazy decode, the id check
    # and the free slot (the tracks are read only when a user reads them).
    own_steps = (
        step["`read_envelope` (orjson, envelope checks)"]
        - orjson_us
        + step["`decode_record` (to `TaskRecord`; tracks and param read later)"]
        + step["`check_task_id`"]
        + step["`LocalRateLimiter` slot, free (enter_now and exit)"]
    )
    get_task_16 = cost.cpu_us["get_task"][16].median
    floor_16 = cost.cpu_us[poll_cost.FLOOR][16].median
    many = next(r for r in res.fleet if r.mode == "wait_many")
    parts = [
        "# Performance\n",
        "What waiting for tasks costs: CPU per poll, a fleet of ten thousand "
        "waits in one process, and how many requests each poll policy spends "
        "for how quick a detection. Every figure on this page comes from one "
        "run of `nox -s bench` and is rewritten by the next one. The machine "
        "is shared and noisy: timed figures are the median of several runs, "
        f"with their min{DASH}max in brackets, and variants compared in one "
        "table were measured in the same run, interleaved.\n",
        "## Headline\n",
        "\n".join(f"- {line}" for line in headline(res)) + "\n",
        "## Reproduce\n",
        "```console\n$ nox -s bench            # everything; rewrites this page\n"
        "$ nox -s bench -- --quick # a smoke run; writes nothing\n"
        "$ python -m benchmarks --help\n```\n",
        f"This run: `{res.command}`, {res.elapsed_s / 60:.1f} minutes.\n",
        markdown_table(
            ["machine", ""],
            [
                ["CPU", f"{m['cpu']}, {m['cores']} cores"],
                ["memory", f"{m['memory_gib']} GiB"],
                ["system", m["os"]],
                ["Python", m["python"]],
                ["packages", packages],
                ["date", m["date"]],
            ],
        )
        + "\n",
        "## Targets\n",
        markdown_table(
            ["target", "measured", "met"],
            [[t, v, "yes" if ok else "**no**"] for t, v, ok in targets],
        )
        + "\n",
    ]
    if missed:
        parts.append(
            f"{len(missed)} of {len(targets)} targets are missed; each section "
            "below says by how much and why.\n"
        )
    parts += [
        "## 1. Cost per poll\n",
        "A minimal asyncio HTTP/1.1 keep-alive responder (not the simulator, "
        "whose own cost would blur the client's) serves a finished two-track "
        f"record-info answer ({len(_body())} bytes) from its own process, "
        "pinned to one core; each client runs in its own process pinned to "
        "the other, and its process time is its CPU. Every request names a "
        "different task id, as a poller's do. "
        f"{cost.rounds} rounds of {cost.seconds:g} s per cell, the variants "
        "in a shuffled order within each round.\n",
        cost.tables() + "\n",
        "Where `get_task`'s time goes, besides aiohttp (pure steps, measured "
        "alone in one process, best of 5):\n",
        breakdown_table + "\n",
        f"At concurrency 16 `get_task` (orjson) spends {get_task_16:.0f} "
        f"{MICRO}s per request where aiohttp + `json.loads` spends "
        f"{floor_16:.0f}: orjson saves about {json_us - orjson_us:.0f} {MICRO}s "
        f"of the parse, the SDK's own steps above cost about {own_steps:.0f}, "
        "and the request plumbing the rest: the client-wide gate, the "
        "per-request aiohttp middleware that takes a rate-limiter slot for "
        "each wire attempt (aiohttp's silent re-send of an idempotent request "
        "included), and an exact timeout over the whole exchange. The "
        f"{poll_cost.TARGET_RATIO}{TIMES} target leaves about "
        f"{floor_16 * (poll_cost.TARGET_RATIO - 1):.0f} {MICRO}s for all of "
        "that (see the closing note). httpx costs "
        + ", ".join(
            f"{cost.cpu_us['httpx'][c].median / cost.cpu_us['get_task'][c].median:.1f}"
            f"{TIMES}"
            for c in poll_cost.CONCURRENCIES
        )
        + " `get_task`'s CPU at concurrency "
        + ", ".join(str(c) for c in poll_cost.CONCURRENCIES)
        + ".\n",
        "## 2. A fleet in one process\n",
        f"{many.tasks:,} waits at once for tasks that stay PENDING, with the "
        "default poll policy, against the simulator at real time in its own "
        "process (pinned to one core); the client runs in its own process "
        f"pinned to the other, for {many.window_s:g} s. RSS per waiting task "
        "is the growth of `VmRSS` from just before the waits start to the "
        "highest reading while they wait; `tracemalloc`'s figure comes from "
        "a smaller fleet started afterwards. Loop lag is how late a 10 ms "
        "ticker wakes; CPU per request is the worker's process time over the "
        "requests the simulator counted in the same span. The *raw aiohttp* "
        "row is the reference: the same ids polled on the default policy's "
        "schedule by plain `aiohttp` + `json.loads`, nothing of the SDK "
        "(one task per id, 100 connections); each row's CPU is also given as "
        "a ratio to it. The *bare HTTP/1.1* row polls the same way with no "
        "HTTP library at all (`asyncio`'s transports, a request head kept "
        "per id, `json.loads`; no timeout, no body cap, no error handling): "
        "the floor of a poll's cost on this machine, shown, no target.\n",
        fleet.table(res.fleet) + "\n",
        "The first seconds are the hard part: ten thousand first polls, then "
        "the dense polls of the PENDING phase, offer more requests than one "
        "core serves, so each worker runs at full CPU for much of the window. "
        "The SDK's polls pass an adaptive gate first (at most "
        "`max_connections` at once, fewer while round trips show a queue: "
        "see *Waiting*); a poll due beyond it waits in the gate's queue as "
        "its poller, and between polls a wait is its poller's state and one "
        "timer on the clock, with no parked task, coroutine or future. The "
        "raw aiohttp row parks one task per id and makes every poll due a "
        "live request. The longest pauses are CPython's full garbage "
        "collections (the *full GCs* column), each a scan of the heap of ten "
        "thousand waits. How often they come follows the objects that "
        "outlive the young collections; per poll these are now mostly "
        "aiohttp's (the request's timeout timer, cancelled but kept in the "
        "loop's heap until it is due), the new record, and the next nap's "
        "timer (`python -m benchmarks.promotions` counts them by type). The "
        "row whose worker raised the first threshold from 700 to "
        f"{fleet.TUNED_GC_THRESHOLD:,} (`gc.set_threshold`, as "
        "*Wait for thousands of tasks in a script* shows) runs the same "
        "waits with few or none. The second half of the window shows the "
        "steady state.\n",
        "## 3. Poll efficiency\n",
        f"The real `PollPolicy` objects, driven in virtual time over "
        f"{eff.tasks:,} reference timelines (seed {eff.seed}): text 3{DASH}12 s "
        f"after creation, the first track 15{DASH}40 s after text, the rest "
        f"30{DASH}110 s after that. Latency is from the server-side "
        "transition to the poll that reports it; *mean latency* is the mean of "
        "the three milestones' means. *Requests ÷ fixed* divides a policy's "
        "requests by those of a fixed interval with the same mean latency "
        "(interpolated on a sweep of fixed intervals from 0.5 to 12 s).\n",
        eff.tables().split("\n\n")[0] + "\n",
        "![Requests per task against mean latency for every policy]"
        "(performance/pareto.png)\n",
        "![One task's timeline with the polls of the default policy and of a "
        "fixed 3 s interval](performance/timeline.png)\n",
        "### Robustness: timelines twice as fast and twice as slow\n",
        eff.tables().split("\n\n")[1] + "\n",
        _robustness_note(eff),
        "### Real time against the simulator\n",
        f"{conf.tasks_per_policy} tasks per policy with the first reference "
        f"timelines, played {conf.scale:g}{TIMES} as long by the simulator "
        "in its own process, the policies scaled alike; latencies are "
        "converted back to task seconds. Limit violations: "
        f"{conf.violations}; failed waits: {conf.failures}.\n",
        conf.table() + "\n",
        "Real over virtual: "
        + "; ".join(
            f"{real.label.replace('**', '')}: requests "
            f"{real.requests / virtual.requests:.2f}{TIMES}, mean latency "
            f"{real.mean_latency / virtual.mean_latency:.2f}{TIMES}"
            for real, virtual in zip(conf.real, conf.virtual, strict=True)
        )
        + ". Real latency includes the round trip and the event loop, "
        f"magnified {1 / conf.scale:g}{TIMES} by the time scale.\n",
    ]
    if res.learning is not None:
        parts.append(res.learning.section())
    parts += [
        "### Every task family (virtual time)\n",
        "Each family other than music goes from pending to done in one phase. "
        f"{res.families[0].tasks if res.families else 0:,} timelines per "
        "family, the end drawn uniformly from the range in the first column "
        "(the simulator's; no page documents run times), polled by the "
        "family's default policy, by fixed 3 s polling (what peer SDKs do), "
        "and by the fixed interval with the default's mean latency. Latency "
        "is from the task's end to the poll that sees it.\n",
        families.table(res.families) + "\n",
        "The same end times for real: the default policies against the "
        "simulator in its own process, every family at once, played "
        f"0.35{TIMES} as long (virtual-time figures in brackets).\n",
        families.real_table(res.family_real, res.families) + "\n",
    ]
    parts += [
        "## 4. Callbacks flowing\n",
        "Tasks created with `generate` on the simulator, its callbacks "
        "delivered (signed) to a `suno_async.webhooks.aiohttp_app` receiver "
        "on 127.0.0.1; each event is timed against the delivery of its stage. "
        "The same seeded tasks with every callback dropped show polling "
        f"alone. Timelines and the poll clock are compressed {TIMES}"
        f"{callbacks.SCALE:g}; latencies are real.\n",
        callbacks.table(res.callbacks) + "\n",
    ]
    if missed:
        parts += ["## Closing note: targets missed\n", _closing(res, missed)]
    del default
    return "\n".join(parts)


def _body() -> bytes:
    from ._loopback import BODY

    return BODY


def _robustness_note(eff: poll_efficiency.Efficiency) -> str:
    default = eff.default_run()
    slow = eff.robust_ratios(default.label)["2x"]
    task = eff.robust_ratios("default + per-task pace (prototype)")["2x"]
    learned = eff.robust_ratios("default + learned pace (prototype)")["2x"]
    return (
        "The default policy knows only the typical phase windows and the "
        "time since the current milestone. On timelines twice as slow every "
        "phase runs through the densest part of its window (the polls "
        "tighten as the typical end nears) and then overruns it, so it "
        f"spends {slow[0]:.2f}{TIMES} its reference requests (target "
        f"{LE} 1.5{TIMES}) while keeping latency low ({slow[1]:.2f}{TIMES}). "
        "A sweep of its parameters (multiplier, tail, spacing, quiet "
        "fraction, interval cap; about 400 settings) found none that keeps "
        f"the reference efficiency {LE} 0.7{TIMES} and gets below "
        f"2.0{TIMES} on slow timelines: the cost of slow tasks is built into "
        "a schedule tuned to the typical windows.\n\n"
        "Two prototypes, not in the SDK, learn the pace instead. *Per-task "
        "pace* stretches a phase's window by how far the same task's earlier "
        f"phases overran theirs: {task[0]:.2f}{TIMES} requests and "
        f"{task[1]:.2f}{TIMES} latency on slow timelines, with no cost on the "
        "reference ones, but the first phase has nothing to learn from. "
        "*Learned pace* stretches every window by the median pace of the last "
        "50 tasks the client finished: "
        f"{learned[0]:.2f}{TIMES} requests and {learned[1]:.2f}{TIMES} "
        "latency on slow timelines, and on fast ones it tightens instead of "
        "over-polling. It meets the robustness target, at the price of state "
        "shared by the waits of a client (the virtual-time driver runs the "
        "tasks one after another; concurrent waits learn from those finished "
        "before them). The SDK's default now learns the phase lengths "
        'themselves ("A cadence that learns" below); the figures above are '
        "its priors alone.\n"
    )


def _closing(res: Results, missed: Sequence[tuple[str, str, bool]]) -> str:
    lines = [f"- {t}: measured {v}." for t, v, _ in missed]
    titles = " ".join(t for t, _, _ in missed)
    cpu = {r.mode: r.cpu_per_request_us for r in res.fleet}
    floors = (
        f"  In this run the bare HTTP/1.1 client costs {cpu[fleet.BARE]:.0f} "
        f"{MICRO}s per request and raw aiohttp {cpu[fleet.BASELINE]:.0f} "
        f"{MICRO}s: the target lies between a request sent with no HTTP "
        "library and one sent through aiohttp's.\n"
        if fleet.BARE in cpu and fleet.BASELINE in cpu
        else ""
    )
    why = [
        text + (floors if key == _CPU_KEY else "")
        for key, text in _WHY
        if key in titles
    ]
    return "\n".join(lines) + "\n\nWhy, and what would close them:\n\n" + "".join(why)


#: The phrase of the fleet's CPU target's title.
_CPU_KEY: Final = f"client CPU per request {LE}"
#: What the closing note says of a missed target, by a phrase of its title.
_WHY: Final = (
    (
        "`get_task` CPU",
        "- **`get_task` CPU**: with the `speed` extra the SDK stays within "
        "the target; with the standard library's `json` its own steps "
        "(section 1's breakdown: the envelope checks, the decode, the free "
        "limiter slot, plus the gate and the per-request aiohttp middleware "
        "that gives each wire attempt, aiohttp's silent re-send included, a "
        f"slot of its own) add tens of {MICRO}s to the same parse. A decoder "
        "that builds fewer objects, or taking the slot around the request "
        "once aiohttp's re-send can be turned off, would take a share.\n",
    ),
    (
        "loop lag",
        "- **Loop lag**: full garbage collections (section 2). The SDK "
        "does not change the process's collector; an application waiting "
        "on thousands of tasks can (the tuned row). Fewer objects per "
        "request in flight (most are aiohttp's) would make them rarer.\n",
    ),
    (
        _CPU_KEY,
        "- **CPU per request in the fleet**: most of the figure is aiohttp's "
        "and the event loop's on this machine (a profile of the fleet puts "
        "about a third of the worker's Python time in the SDK's own code, "
        "spread over the limiter, the gate, the decode and the cadence), "
        "with a heap of ten thousand waits that no cache holds; raw "
        "aiohttp's own figure (the ratio column) moves with how far its "
        "unbounded polls fall behind. Meeting it would take an HTTP client "
        "lighter than aiohttp's for the polls.\n",
    ),
    (
        "slower timelines",
        "- **Robustness on slow timelines**: see section 3; the learned "
        "cadence (*A cadence that learns*) is what adapts to a slower "
        "service.\n",
    ),
    (
        "callbacks flowing",
        "- **Callbacks**: a task relaxes its polling only on its own "
        "signed callbacks (per-task trust), so each task polls on its own "
        "schedule until its first one arrives, and the read a callback "
        "prompts sometimes waits for the task's rate-limit slot (the p95).\n",
    ),
)


def write(res: Results) -> None:
    """Rewrite the page, its plots and ``results.json``."""
    import matplotlib

    matplotlib.use("Agg")
    FIGURES.mkdir(parents=True, exist_ok=True)
    pareto(res.efficiency, FIGURES / "pareto.png")
    timeline(FIGURES / "timeline.png")
    DOC.write_text(_page(res), encoding="utf-8")
    raw = {
        "machine": res.machine,
        "command": res.command,
        "elapsed_s": res.elapsed_s,
        "poll_cost": res.cost.to_json(),
        "breakdown": dict(res.breakdown),
        "fleet": [r.to_json() for r in res.fleet],
        "poll_efficiency": res.efficiency.to_json(),
        "confirmation": res.confirmation.to_json(),
        "families": [r.to_json() for r in res.families],
        "families_real": [r.to_json() for r in res.family_real],
        "headline": headline(res),
    }
    (FIGURES / "results.json").write_text(
        json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )

"""``python -m benchmarks``: run every section, print the tables, write the report.

``--quick`` is a smoke run (small sizes, about a minute) that writes nothing
unless ``--report`` is given too. Traffic goes to 127.0.0.1 only, every
child process ends with its run, and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence

from . import (
    callbacks,
    families,
    fleet,
    poll_cost,
    poll_efficiency,
    poll_learning,
    report,
)
from ._common import machine

__all__ = ["main"]


def _section(title: str) -> None:
    print(f"\n## {title}\n", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rewrite docs/performance.md (default: yes, except with --quick)",
    )
    args = parser.parse_args(argv)
    write = (not args.quick) if args.report is None else args.report
    quick = args.quick
    started = time.perf_counter()

    _section("3. Poll efficiency (virtual time)")
    efficiency = poll_efficiency.run(tasks=200 if quick else 2000)
    print(efficiency.tables(), flush=True)

    _section("3b. Poll efficiency of every task family (virtual time)")
    family_runs = families.run(tasks=200 if quick else 2000)
    print(families.table(family_runs), flush=True)

    _section("3c. A cadence that learns (virtual time)")
    learning = poll_learning.run(tasks=200 if quick else 2000)
    print(learning.table(), flush=True)

    _section("1. Cost per poll")
    cost = poll_cost.run(
        rounds=1 if quick else 5,
        seconds=0.3 if quick else 1.0,
        warmup_s=0.1 if quick else 0.25,
    )
    breakdown = poll_cost.breakdown(repeats=2 if quick else 5)
    print(cost.tables(), flush=True)
    for name, us in breakdown:
        print(f"  {name}: {us:.1f} us")

    _section("2. A fleet in one process")
    fleet_results = [
        fleet.run(
            tasks=1000 if quick else 10_000,
            window_s=8.0 if quick else fleet.WINDOW_S,
            mode=mode,
        )
        for mode in fleet.ALL_MODES
    ]
    print(fleet.table(fleet_results), flush=True)

    _section("4. Callbacks flowing")
    callback_results = callbacks.run(
        tasks=8 if quick else 60, scale=0.05 if quick else callbacks.SCALE
    )
    print(callbacks.table(callback_results), flush=True)

    _section("3. Poll efficiency: real time against the simulator")
    confirmation = poll_efficiency.confirm(
        tasks_per_policy=20 if quick else 150, scale=0.1 if quick else 0.4
    )
    print(confirmation.table(), flush=True)

    _section("3b. Every task family: real time against the simulator")
    family_real = families.confirm(tasks=10 if quick else 60, scale=0.35)
    print(families.real_table(family_real, family_runs), flush=True)

    results = report.Results(
        machine=machine(),
        command=" ".join(
            ["python -m benchmarks", shlex.join(sys.argv[1:] if argv is None else argv)]
        ).strip(),
        elapsed_s=time.perf_counter() - started,
        cost=cost,
        breakdown=breakdown,
        fleet=fleet_results,
        efficiency=efficiency,
        confirmation=confirmation,
        callbacks=callback_results,
        families=family_runs,
        family_real=family_real,
        learning=learning,
    )
    _section("Targets")
    for target, measured, ok in report.targets_of(results):
        print(f"  [{'met' if ok else 'MISSED'}] {target}: {measured}")
    _section("Headline (for the README)")
    for line in report.headline(results):
        print(f"  - {line}")
    if write:
        report.write(results)
        print(f"\nwrote {report.DOC} and {report.FIGURES}/", flush=True)
    print(f"\ndone in {(time.perf_counter() - started) / 60:.1f} minutes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

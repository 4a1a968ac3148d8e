"""The adaptive concurrency limit: Vegas on round-trip times, and the gate it drives."""

from __future__ import annotations

import asyncio
import math

import pytest

from suno_async._core.concurrency import RTT_TOLERANCE_S, RTT_WINDOW_S, VegasLimit
from suno_async._io.gate import Gate

BASE = 0.001  # the shortest round trip in these tests
QUEUED = 0.05  # a round trip 49 ms over it: a long queue


def lowered(limit: VegasLimit, times: int, *, now: float = 0.0) -> VegasLimit:
    """``limit`` after ``times`` queued round trips with the whole limit in use."""
    for _ in range(times):
        limit.sample(QUEUED, int(limit.limit), now)
    return limit


def test_the_limit_starts_at_its_maximum() -> None:
    assert VegasLimit(100).limit == 100.0


def test_a_limit_under_half_used_does_not_move() -> None:
    limit = VegasLimit(100)
    limit.sample(BASE, 100, 0.0)
    limit.sample(QUEUED, 49, 0.0)
    assert limit.limit == 100.0


def test_queueing_lowers_the_limit_by_its_log() -> None:
    """queue = 100 * (1 - 0.0015 / 0.05) = 97 > 6 * log10(100): down by 2."""
    limit = VegasLimit(100)
    limit.sample(BASE, 100, 0.0)
    limit.sample(QUEUED, 100, 0.0)
    assert limit.limit == 98.0


def test_a_short_queue_holds_the_limit() -> None:
    """queue = 40 * (1 - (base + tolerance) / rtt) = 5.7: between 3 and 6 log10(40)."""
    limit = VegasLimit(100)
    limit.sample(BASE, 100, 0.0)
    limit.limit = 40.0
    limit.sample((BASE + RTT_TOLERANCE_S) / (1 - 5.7 / 40), 40, 0.0)
    assert limit.limit == 40.0


def test_a_small_limit_needs_a_queue_over_six_to_come_down() -> None:
    """At a limit of 6 the queue estimate stays under 6 * max(1, log10(6))."""
    limit = VegasLimit(100, min_limit=1)
    limit.sample(BASE, 100, 0.0)
    queued_share = 1 - (BASE + RTT_TOLERANCE_S) / QUEUED
    assert 5.0 < lowered(limit, 200).limit <= 6 / queued_share


def test_no_queue_raises_the_limit_by_its_log() -> None:
    """queue 0: up by max(1, log10(limit)), 1 for a limit under 10."""
    limit = VegasLimit(100, min_limit=4)
    limit.sample(BASE, 100, 0.0)
    limit.limit = 5.0
    limit.sample(BASE + RTT_TOLERANCE_S, 5, 0.0)
    assert limit.limit == 6.0


def test_the_limit_stays_within_its_bounds() -> None:
    limit = VegasLimit(100, min_limit=10)
    limit.sample(BASE, 100, 0.0)
    assert lowered(limit, 200).limit == 10.0
    for _ in range(100):
        limit.sample(BASE, 100, 0.0)
    assert limit.limit == 100.0


def test_a_slower_network_becomes_the_new_base_after_two_windows() -> None:
    """The shortest round trip is forgotten once two windows passed without it."""
    limit = VegasLimit(100)
    limit.sample(BASE, 100, 0.0)
    limit.sample(QUEUED, 100, RTT_WINDOW_S + 0.5)  # still against BASE: down
    assert limit.limit == 98.0
    limit.sample(QUEUED, 100, 2 * RTT_WINDOW_S + 1.0)  # QUEUED is the base now
    assert limit.limit == 98.0 + math.log10(98.0)


def test_a_limit_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="max_limit must be at least 1, not 0"):
        VegasLimit(0)


def test_a_minimum_over_the_maximum_is_the_maximum() -> None:
    assert (VegasLimit(2, min_limit=4).min_limit, repr(VegasLimit(2))) == (
        2,
        "<VegasLimit limit=2.0 max_limit=2>",
    )


async def test_an_adaptive_gate_admits_no_more_than_its_lowered_limit() -> None:
    """Holders leaving a lowered gate pass no turn on until they are under it."""
    gate = Gate(20, adaptive=True)
    for _ in range(20):
        assert gate.enter_now() is True
    gate.measured(BASE, 0.0)
    gate.measured(QUEUED, 0.0)  # 20 in use: down by log10(20)
    waiter = asyncio.ensure_future(gate.enter(5.0))
    await asyncio.sleep(0)
    gate.leave()  # 19 in use, limit 18.7: 18 admitted at once
    gate.leave()
    await asyncio.sleep(0)
    assert (gate.current_limit, waiter.done()) == (18, False)
    gate.leave()
    await asyncio.sleep(0)
    assert waiter.done()
    waiter.result()


async def test_a_raised_limit_admits_several_waiters_at_once() -> None:
    gate = Gate(20, adaptive=True)
    for _ in range(20):
        gate.enter_now()
    gate.measured(BASE, 0.0)
    for _ in range(10):
        gate.measured(QUEUED, 0.0)
    assert gate.current_limit == 8
    for _ in range(12):
        gate.leave()
    waiters = [asyncio.ensure_future(gate.enter(5.0)) for _ in range(5)]
    await asyncio.sleep(0)
    for _ in range(3):
        gate.measured(BASE, 0.0)  # 8 in use, no queue: 8 + 3
    gate.leave()
    await asyncio.sleep(0)
    assert (gate.current_limit, [w.done() for w in waiters]) == (
        11,
        [True, True, True, True, False],
    )


def test_a_fixed_gate_ignores_round_trips() -> None:
    gate = Gate(3)
    for _ in range(3):
        gate.enter_now()
    gate.measured(BASE, 0.0)
    gate.measured(QUEUED, 0.0)
    assert gate.current_limit == 3

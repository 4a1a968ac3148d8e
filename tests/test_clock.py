"""VirtualClock: virtual time that jumps when every task sleeps."""

from __future__ import annotations

import asyncio

import pytest

from suno_async.testing import VirtualClock


async def test_sleep_jumps_virtual_time() -> None:
    """A sleep of 90 s returns at once with the clock 90 s later."""
    clock = VirtualClock(start=10.0)
    await clock.sleep(90.0)
    assert clock.now() == 100.0


async def test_sleepers_wake_in_time_order() -> None:
    """Concurrent sleepers wake in the order of their wake-up times."""
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def nap(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    await asyncio.gather(nap("late", 3.0), nap("early", 1.0), nap("same", 1.0))
    assert woke == [("early", 1.0), ("same", 1.0), ("late", 3.0)]


async def test_a_tiny_sleep_still_moves_time() -> None:
    """A sleep below the float step at `now` still advances the clock."""
    clock = VirtualClock(start=1000.0)
    await clock.sleep(1e-17)
    assert clock.now() > 1000.0


async def test_cancelled_sleeper_is_skipped() -> None:
    """A cancelled sleep neither wakes nor moves time to its wake-up."""
    clock = VirtualClock()
    doomed = asyncio.ensure_future(clock.sleep(50.0))
    await asyncio.sleep(0)
    doomed.cancel()
    await clock.sleep(2.0)
    assert clock.now() == 2.0


def test_advance_moves_time_by_hand() -> None:
    """advance() adds seconds; going backwards is refused."""
    clock = VirtualClock()
    clock.advance(2.5)
    assert clock.now() == 2.5
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1.0)


async def test_repr_shows_time_and_sleepers() -> None:
    """The repr shows the virtual time and how many sleep."""
    clock = VirtualClock(start=1.5)
    assert repr(clock) == "<VirtualClock now=1.500 sleepers=0>"

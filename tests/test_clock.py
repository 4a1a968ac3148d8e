"""The clocks: VirtualClock (jumps when all tasks sleep), ScaledClock, the system's."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from suno_async import Clock
from suno_async._core.clock import Timer
from suno_async._io.clock import SYSTEM_CLOCK
from suno_async.testing import ScaledClock, VirtualClock


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


async def test_a_timer_fires_at_its_virtual_time() -> None:
    """call_later runs its callback once the clock reaches the due time."""
    clock = VirtualClock(start=5.0)
    fired: list[float] = []
    clock.call_later(2.0, lambda: fired.append(clock.now()))
    await clock.sleep(3.0)
    assert fired == [7.0]


async def test_a_cancelled_timer_never_fires() -> None:
    """A timer called off before its time does nothing."""
    clock = VirtualClock()
    fired: list[float] = []
    clock.call_later(1.0, lambda: fired.append(clock.now())).cancel()
    await clock.sleep(2.0)
    assert fired == []


async def test_a_timer_called_off_when_due_but_not_yet_run_never_fires() -> None:
    """Two timers due at once: the first calls the second off, which then
    does not run although its time had come."""
    clock = VirtualClock()
    fired: list[str] = []
    timers: list[Timer] = []

    def first() -> None:
        fired.append("first")
        timers[0].cancel()

    clock.call_later(1.0, first)
    timers.append(clock.call_later(1.0, lambda: fired.append("second")))
    await clock.sleep(2.0)
    assert fired == ["first"]


@pytest.mark.parametrize(
    "clock",
    [
        pytest.param(VirtualClock(), id="virtual"),
        pytest.param(ScaledClock(0.5), id="scaled"),
        pytest.param(SYSTEM_CLOCK, id="system"),
    ],
)
def test_every_clock_is_a_clock(clock: object) -> None:
    """The test clocks and the system clock all meet the Clock protocol."""
    assert isinstance(clock, Clock)


async def test_a_scaled_clock_runs_scale_times_slower() -> None:
    """One scaled second lasts ``scale`` real seconds, and ``now`` counts them."""
    clock = ScaledClock(0.01)
    loop = asyncio.get_running_loop()
    start, real_start = clock.now(), loop.time()
    await clock.sleep(2.0)
    assert loop.time() - real_start >= 0.02
    assert clock.now() - start >= 2.0


async def test_a_scaled_timer_is_due_after_scaled_seconds() -> None:
    """call_later on a scaled clock waits ``delay * scale`` real seconds."""
    clock = ScaledClock(0.01)
    fired = asyncio.Event()
    start = clock.now()
    clock.call_later(1.0, fired.set)
    await fired.wait()
    assert clock.now() - start >= 1.0


@pytest.mark.parametrize("scale", [0.0, -1.0, float("inf"), float("nan")])
def test_a_scale_must_be_positive_and_finite(scale: float) -> None:
    """An impossible scale is refused."""
    with pytest.raises(ValueError, match="scale must be a positive number"):
        ScaledClock(scale)


def test_clocks_show_what_they_are() -> None:
    """The reprs name the clock (and its scale)."""
    assert (repr(SYSTEM_CLOCK), repr(ScaledClock(0.25))) == (
        "<SystemClock>",
        "<ScaledClock scale=0.25>",
    )


async def test_the_system_clock_sleeps_and_times_on_the_loop() -> None:
    """now() is monotonic time; sleep and call_later use the running loop."""
    fired = asyncio.Event()
    before = SYSTEM_CLOCK.now()
    SYSTEM_CLOCK.call_later(0.0, fired.set)
    await SYSTEM_CLOCK.sleep(0.0)
    await fired.wait()
    assert SYSTEM_CLOCK.now() >= before


async def test_system_clock_timers_share_an_empty_context_per_thread() -> None:
    """A timer does not copy its caller's context (one object less per timer):
    its callback sees no variable the caller set, and the thread's timers
    share one context."""
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []
    fired = asyncio.Event()

    def first() -> None:
        seen.append(var.get())
        var.set("first timer")

    def second() -> None:
        seen.append(var.get())
        fired.set()

    var.set("caller")
    SYSTEM_CLOCK.call_later(0.0, first)
    SYSTEM_CLOCK.call_later(0.0, second)
    await fired.wait()
    assert seen == ["unset", "first timer"]

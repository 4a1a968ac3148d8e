"""The per-key sliding-window limiter and the client-wide adaptive pacer."""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suno_async._io.limiter import (
    AdaptivePacer,
    LimiterStatistics,
    LocalRateLimiter,
    RateLimiter,
    _Window,
)
from suno_async.testing import VirtualClock


def limiter_on(clock: VirtualClock, **kwargs: float) -> LocalRateLimiter:
    return LocalRateLimiter(clock=clock, **kwargs)  # type: ignore[arg-type]


def assert_window_property(
    sends: list[float], answers: list[float], *, limit: int, window: float
) -> None:
    """No request starts while ``limit`` others are in flight or answered < window ago.

    ``sends``/``answers`` are in send order. This implies the brief's form:
    for any ``limit + 1`` consecutive sends, the last comes ``window`` after
    the earliest answer among the others.
    """
    for i, send in enumerate(sends):
        active = [j for j in range(i) if answers[j] + window > send]
        assert len(active) < limit, (i, send, [(sends[j], answers[j]) for j in active])
    for i in range(limit, len(sends)):
        assert sends[i] >= min(answers[i - limit : i]) + window


# --- the pure window ---------------------------------------------------------


def test_window_is_free_until_the_limit() -> None:
    """Up to ``limit`` slots start at once; then the next waits for a finish."""
    window = _Window(3, 1.0)
    for _ in range(3):
        assert window.earliest_start(0.0) == 0.0
        window.start(0.0)
    assert window.earliest_start(0.0) == math.inf


def test_window_counts_a_finished_slot_for_window_s() -> None:
    """A finished slot frees its place only ``window_s`` after its finish."""
    window = _Window(3, 1.0)
    for _ in range(3):
        window.start(0.0)
    window.finish(0.25)
    window.finish(0.5)
    assert window.earliest_start(0.5) == 1.25
    assert window.earliest_start(1.25) == 1.25
    window.start(1.25)
    assert window.earliest_start(1.25) == 1.5


def test_window_refuses_a_start_over_the_limit() -> None:
    """Starting without a free slot is a bug in the caller."""
    window = _Window(1, 1.0)
    window.start(0.0)
    with pytest.raises(RuntimeError, match="no free slot"):
        window.start(0.0)


def test_window_refuses_a_finish_without_a_start() -> None:
    """Finishing a slot never started is a bug in the caller."""
    with pytest.raises(RuntimeError, match="no slot in flight"):
        _Window(3, 1.0).finish(0.0)


def test_window_is_idle_once_every_slot_expired() -> None:
    """Idle means nothing in flight and nothing counted any more."""
    window = _Window(3, 1.0)
    assert window.idle(0.0)
    window.start(0.0)
    assert not window.idle(0.0)
    window.finish(0.5)
    assert not window.idle(1.4)
    assert window.idle(1.5)


def simulate(
    arrivals: list[float], durations: list[float], *, limit: int, window_s: float
) -> tuple[list[int], list[float], list[float]]:
    """Run requests through a _Window in event time; FIFO by arrival.

    Returns the request indices in send order, and send and answer times by
    request index.
    """
    window = _Window(limit, window_s)
    queue = deque(sorted(range(len(arrivals)), key=lambda i: arrivals[i]))
    in_flight: list[tuple[float, int]] = []
    order: list[int] = []
    sends = [math.nan] * len(arrivals)
    answers = [math.nan] * len(arrivals)
    now = 0.0
    while queue or in_flight:
        candidates = [in_flight[0][0]] if in_flight else []
        if queue:
            candidates.append(max(arrivals[queue[0]], window.earliest_start(now)))
        now = max(now, min(candidates))
        while in_flight and in_flight[0][0] <= now:
            answered, _ = heapq.heappop(in_flight)
            window.finish(answered)
        while queue and arrivals[queue[0]] <= now and window.earliest_start(now) <= now:
            i = queue.popleft()
            window.start(now)
            order.append(i)
            sends[i], answers[i] = now, now + durations[i]
            heapq.heappush(in_flight, (answers[i], i))
    return order, sends, answers


requests = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=5, allow_nan=False),
        st.one_of(st.just(0.0), st.floats(min_value=0, max_value=3, allow_nan=False)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300)
@given(
    requests=requests,
    limit=st.integers(min_value=1, max_value=4),
    window_s=st.sampled_from([0.1, 0.5, 1.0, 1.3]),
)
def test_window_never_lets_limit_plus_one_arrivals_share_a_window(
    requests: list[tuple[float, float]], limit: int, window_s: float
) -> None:
    """Any arrivals and response delays: all sent, FIFO, within the limit."""
    arrivals = [a for a, _ in requests]
    durations = [d for _, d in requests]
    order, sends, answers = simulate(
        arrivals, durations, limit=limit, window_s=window_s
    )
    assert sorted(order) == list(range(len(requests)))
    assert [arrivals[i] for i in order] == sorted(arrivals)
    assert_window_property(
        [sends[i] for i in order],
        [answers[i] for i in order],
        limit=limit,
        window=window_s,
    )


# --- LocalRateLimiter --------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"window_s": 0.0}, id="window-0"),
        pytest.param({"window_s": -1.0}, id="window-negative"),
        pytest.param({"window_s": math.inf}, id="window-inf"),
        pytest.param({"window_s": math.nan}, id="window-nan"),
        pytest.param({"margin_s": -0.1}, id="margin-negative"),
        pytest.param({"margin_s": math.inf}, id="margin-inf"),
    ],
)
def test_limiter_refuses_impossible_settings(kwargs: dict[str, float]) -> None:
    """A limit below 1, a window <= 0 or a negative margin raise ValueError."""
    with pytest.raises(ValueError, match="must be"):
        LocalRateLimiter(**kwargs)  # type: ignore[arg-type]


def test_limiter_implements_the_backend_protocol() -> None:
    """LocalRateLimiter is a RateLimiter (the protocol suno_async.redis implements)."""
    assert isinstance(LocalRateLimiter(), RateLimiter)


async def test_ten_callers_on_one_key_respect_the_window() -> None:
    """10 callers holding for random times keep FIFO order and the window."""
    clock = VirtualClock()
    limiter = limiter_on(clock)
    rng = random.Random(1234)
    holds = [rng.uniform(0.0, 1.5) for _ in range(10)]
    log: list[tuple[int, float, float]] = []

    async def call(n: int) -> None:
        async with limiter.slot("task"):
            sent = clock.now()
            await clock.sleep(holds[n])
            log.append((n, sent, clock.now()))

    tasks = [asyncio.ensure_future(call(n)) for n in range(10)]
    await asyncio.gather(*tasks)
    by_send = sorted(log, key=lambda entry: (entry[1], entry[0]))
    assert [n for n, _, _ in by_send] == list(range(10))
    assert_window_property(
        [s for _, s, _ in by_send], [a for _, _, a in by_send], limit=3, window=1.0
    )
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)


async def test_a_fourth_request_waits_for_window_after_the_first_answer() -> None:
    """The 4th send comes exactly window_s + margin_s after the earliest answer."""
    clock = VirtualClock()
    limiter = limiter_on(clock, margin_s=0.25)
    sends: list[float] = []

    async def call(hold: float) -> None:
        async with limiter.slot("task"):
            sends.append(clock.now())
            await clock.sleep(hold)

    await asyncio.gather(call(0.5), call(2.0), call(2.0), call(0.0))
    assert sends == [0.0, 0.0, 0.0, 1.75]


async def test_different_keys_do_not_block_each_other() -> None:
    """A saturated key leaves every other key free."""
    clock = VirtualClock()
    limiter = limiter_on(clock)
    sends: dict[str, float] = {}

    async def hold(key: str, n: int) -> None:
        async with limiter.slot(key):
            sends[f"{key}{n}"] = clock.now()
            await clock.sleep(5.0)

    await asyncio.gather(*(hold("a", n) for n in range(4)), hold("b", 0), hold("c", 0))
    assert sends == {"a0": 0.0, "a1": 0.0, "a2": 0.0, "b0": 0.0, "c0": 0.0, "a3": 6.0}


async def test_statistics_is_a_snapshot_of_live_state() -> None:
    """keys, in_flight and waiting count what is going on right now."""
    clock = VirtualClock()
    limiter = limiter_on(clock, limit=1)
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot("task"):
            await release.wait()

    tasks = [asyncio.ensure_future(hold()) for _ in range(3)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=1, waiting=2)
    assert repr(limiter) == (
        "<LocalRateLimiter limit=1 window_s=1 margin_s=0 keys=1 in_flight=1 waiting=2>"
    )
    release.set()
    await asyncio.gather(*tasks)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)


async def test_an_error_in_the_block_releases_the_slot_at_that_time() -> None:
    """A failed request frees its slot; it counts from when the failure was seen."""
    clock = VirtualClock()
    limiter = limiter_on(clock, limit=1)

    async def fail() -> None:
        async with limiter.slot("task"):
            await clock.sleep(0.5)
            raise OSError("connection reset")

    with pytest.raises(OSError, match="reset"):
        await fail()
    async with limiter.slot("task"):
        assert clock.now() == 1.5


async def test_cancelling_a_holder_releases_its_slot_from_the_cancel_time() -> None:
    """A holder cancelled at 0.3 s frees its place at 1.3 s."""
    clock = VirtualClock()
    limiter = limiter_on(clock, limit=1)
    holding = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot("task"):
            holding.set()
            await clock.sleep(10.0)

    holder = asyncio.ensure_future(hold())
    await holding.wait()
    await clock.sleep(0.3)
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    async with limiter.slot("task"):
        assert clock.now() == pytest.approx(1.3)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)


@pytest.mark.parametrize("victim", [0, 1], ids=["head-of-queue", "behind-the-head"])
async def test_cancelling_a_waiter_keeps_the_queue_consistent(victim: int) -> None:
    """A cancelled waiter leaves the queue; the others still go in order, on time."""
    clock = VirtualClock()
    limiter = limiter_on(clock, limit=1)
    sends: list[tuple[int, float]] = []

    async def call(n: int) -> None:
        async with limiter.slot("task"):
            sends.append((n, clock.now()))
            await clock.sleep(0.5)

    first = asyncio.ensure_future(call(-1))
    waiters = [asyncio.ensure_future(call(n)) for n in range(3)]
    await clock.sleep(0.1)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=1, waiting=3)
    waiters[victim].cancel()
    await asyncio.gather(first, *waiters, return_exceptions=True)
    assert waiters[victim].cancelled()
    others = [n for n in range(3) if n != victim]
    assert sends == [(-1, 0.0), (others[0], 1.5), (others[1], 3.0)]
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)


async def test_a_lone_cancelled_waiter_leaves_no_state_behind() -> None:
    """Cancelling the only waiter of a key drops the key once its window passed."""
    clock = VirtualClock()
    limiter = limiter_on(clock, limit=1)
    async with limiter.slot("task"):
        waiter = asyncio.ensure_future(limiter.slot("task").__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)
    await clock.sleep(1.0)
    assert limiter.statistics() == LimiterStatistics(keys=0, in_flight=0, waiting=0)


async def test_idle_keys_are_dropped() -> None:
    """After many keys were used and their windows passed, no state remains."""
    clock = VirtualClock()
    limiter = limiter_on(clock)

    async def call(key: str) -> None:
        async with limiter.slot(key):
            await clock.sleep(0.2)

    await asyncio.gather(*(call(f"task-{n}") for n in range(2000)))
    assert limiter.statistics() == LimiterStatistics(keys=2000, in_flight=0, waiting=0)
    await clock.sleep(1.0)
    assert limiter.statistics() == LimiterStatistics(keys=0, in_flight=0, waiting=0)


async def test_a_dropped_key_state_serves_a_new_key_fresh() -> None:
    """A key dropped once idle hands its state to the next new key, which
    starts with all its slots free (no object made per request)."""
    clock = VirtualClock()
    limiter = limiter_on(clock)
    for _ in range(3):
        async with limiter.slot("old"):
            pass
    old = limiter._keys["old"]
    await clock.sleep(1.0)
    slots = [limiter.slot("new") for _ in range(3)]
    assert [slot.enter_now() for slot in slots] == [True, True, True]  # type: ignore[attr-defined]
    assert (limiter._keys["new"] is old, "old" in limiter._keys) == (True, False)
    for slot in slots:
        await slot.__aexit__(None, None, None)


async def test_a_key_used_again_before_it_expires_is_kept() -> None:
    """A key's pending expiry does not drop it while it is in use again."""
    clock = VirtualClock()
    limiter = limiter_on(clock)
    async with limiter.slot("task"):
        pass
    await clock.sleep(0.5)
    async with limiter.slot("task"):
        await clock.sleep(1.0)
        assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=1, waiting=0)
    await clock.sleep(0.9)
    assert limiter.statistics() == LimiterStatistics(keys=1, in_flight=0, waiting=0)
    await clock.sleep(0.1)
    assert limiter.statistics() == LimiterStatistics(keys=0, in_flight=0, waiting=0)


async def test_the_default_clock_is_the_system_clock() -> None:
    """Without a clock the limiter waits on real monotonic time."""
    limiter = LocalRateLimiter(limit=1, window_s=0.01)
    async with limiter.slot("task"):
        pass
    async with limiter.slot("task"):
        pass
    assert limiter.statistics().in_flight == 0


# --- AdaptivePacer -------------------------------------------------------------


def pacer_on(clock: VirtualClock, rate: float, **kwargs: float) -> AdaptivePacer:
    return AdaptivePacer(rate, clock=clock, **kwargs)


@pytest.mark.parametrize(
    ("rate", "min_rate"),
    [
        pytest.param(0.0, None, id="rate-0"),
        pytest.param(-1.0, None, id="rate-negative"),
        pytest.param(math.inf, None, id="rate-inf"),
        pytest.param(math.nan, None, id="rate-nan"),
        pytest.param(4.0, 0.0, id="min-0"),
        pytest.param(4.0, 5.0, id="min-above-rate"),
    ],
)
def test_pacer_refuses_impossible_rates(rate: float, min_rate: float | None) -> None:
    """Rates must be positive and finite, with 0 < min_rate_per_s <= rate_per_s."""
    with pytest.raises(ValueError, match="must be"):
        AdaptivePacer(rate, min_rate_per_s=min_rate)


async def test_pacer_spaces_starts_evenly_in_fifo_order() -> None:
    """Concurrent acquires start 1/rate apart, in call order, with no burst."""
    clock = VirtualClock()
    pacer = pacer_on(clock, 4.0)
    starts: list[tuple[int, float]] = []

    async def go(n: int) -> None:
        await pacer.acquire()
        starts.append((n, clock.now()))

    await asyncio.gather(*(go(n) for n in range(5)))
    assert starts == [(0, 0.0), (1, 0.25), (2, 0.5), (3, 0.75), (4, 1.0)]


async def test_pacer_does_not_burst_after_idling() -> None:
    """After a quiet spell, one request goes at once and the next waits 1/rate."""
    clock = VirtualClock()
    pacer = pacer_on(clock, 4.0)
    await pacer.acquire()
    await clock.sleep(10.0)
    await pacer.acquire()
    await pacer.acquire()
    assert clock.now() == 10.25


async def test_pacer_halves_on_rate_limit_down_to_the_floor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each rate-limit answer halves the rate, never below min_rate_per_s (rate/16)."""
    pacer = AdaptivePacer(4.0)
    rates = []
    with caplog.at_level(logging.INFO, logger="suno_async"):
        for _ in range(6):
            pacer.on_rate_limited()
            rates.append(pacer.current_rate)
    assert rates == [2.0, 1.0, 0.5, 0.25, 0.25, 0.25]
    assert [r.getMessage() for r in caplog.records] == [
        "rate limited: pacing down from 4 to 2 requests/s",
        "rate limited: pacing down from 2 to 1 requests/s",
        "rate limited: pacing down from 1 to 0.5 requests/s",
        "rate limited: pacing down from 0.5 to 0.25 requests/s",
    ]


async def test_pacer_recovers_gradually_to_the_configured_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each success adds rate/32 back; 16 successes undo one halving."""
    pacer = AdaptivePacer(4.0)
    pacer.on_rate_limited()
    with caplog.at_level(logging.INFO, logger="suno_async"):
        rates = []
        for _ in range(17):
            pacer.on_success()
            rates.append(pacer.current_rate)
    assert rates == [2.0 + 0.125 * n for n in range(1, 17)] + [4.0]
    assert [r.getMessage() for r in caplog.records] == ["pacing back at 4 requests/s"]


async def test_pacer_spacing_follows_the_current_rate() -> None:
    """After a rate-limit answer, starts are 1/current_rate apart."""
    clock = VirtualClock()
    pacer = pacer_on(clock, 4.0, min_rate_per_s=1.0)
    await pacer.acquire()
    pacer.on_rate_limited()
    await pacer.acquire()
    assert clock.now() == 0.5
    assert repr(pacer) == "<AdaptivePacer rate_per_s=4 current_rate=2 waiting=0>"


async def test_cancelling_a_paced_waiter_keeps_the_others_on_schedule() -> None:
    """A cancelled acquire leaves the queue; the rest keep their spacing."""
    clock = VirtualClock()
    pacer = pacer_on(clock, 2.0)
    starts: list[tuple[int, float]] = []

    async def go(n: int) -> None:
        await pacer.acquire()
        starts.append((n, clock.now()))

    tasks = [asyncio.ensure_future(go(n)) for n in range(4)]
    await asyncio.sleep(0)
    tasks[1].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert starts == [(0, 0.0), (2, 0.5), (3, 1.0)]

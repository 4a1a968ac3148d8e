"""The waits teach the client's PhaseLearner, and a learned cadence stays safe.

The cadence is driven as the poll loop drives it (observed, then next_delay)
in virtual time; the client test runs real waits on a VirtualClock against
scripted record-info answers.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator

import attrs
import pytest

from suno_async import (
    InvalidArgumentError,
    PhaseLearner,
    PollPolicy,
    SunoClient,
    TaskKind,
    TaskStatus,
)
from suno_async._core.backoff import PollState
from suno_async._engine.cadence import Cadence
from suno_async.testing import VirtualClock

from aiomock import MockedHTTP
from waitkit import BASE_URL, ScriptedService

MUSIC = TaskKind.MUSIC
NORMAL = (
    (0.0, "PENDING"),
    (2.5, "TEXT_SUCCESS"),
    (5.5, "FIRST_SUCCESS"),
    (8.5, "SUCCESS"),
)
STEADY = (
    (0.0, "PENDING"),
    (5.0, "TEXT_SUCCESS"),
    (25.0, "FIRST_SUCCESS"),
    (75.0, "SUCCESS"),
)
POLICY = attrs.evolve(PollPolicy(), random=lambda: 0.5)  # no spread


def _reads(cadence: Cadence, reads: list[tuple[float, int]]) -> None:
    """Feed reads (time, level) as the poll loop does."""
    level = 0
    for now, seen in reads:
        cadence.observed(reached=seen > level, now=now, level=seen, model="m")
        level = seen
        if seen < 3:
            cadence.next_delay(level=seen, polls=1, unknown_status=False, now=now)


def test_a_wait_teaches_each_phase_it_saw_begin_and_end() -> None:
    """A phase lasts from the read that saw it begin to the midpoint of its end."""
    learner = PhaseLearner()
    cadence = Cadence(POLICY, 0.0, learner=learner, kind=MUSIC)
    _reads(cadence, [(1.0, 0), (4.0, 0), (6.0, 1), (20.0, 1), (30.0, 2), (70.0, 3)])
    assert [learner.samples(MUSIC, "m", p) for p in range(3)] == [
        [[5.0, False]],
        [[19.0, False]],
        [[20.0, False]],
    ]


def test_a_wait_that_joined_late_teaches_nothing_of_the_phase_it_joined() -> None:
    """The first read already past PENDING: that phase's start is unknown."""
    learner = PhaseLearner()
    cadence = Cadence(POLICY, 0.0, learner=learner, kind=MUSIC)
    _reads(cadence, [(1.0, 1), (10.0, 1), (12.0, 2), (40.0, 2), (44.0, 3)])
    assert [len(learner.samples(MUSIC, "m", p)) for p in range(3)] == [0, 0, 1]
    assert learner.samples(MUSIC, "m", 2) == [[30.0, False]]


def test_a_phase_running_late_is_kept_as_censored_then_exact() -> None:
    """Past the learned hi the phase counts as running; its end replaces that."""
    learner = PhaseLearner()
    for _ in range(64):
        learner.add(MUSIC, None, 0, 5.0, prior=(3.0, 12.0))
    cadence = Cadence(POLICY, 0.0, learner=learner, kind=MUSIC)
    _reads(cadence, [(1.0, 0), (7.0, 0)])
    assert learner.samples(MUSIC, None, 0)[-1] == [7.0, True]
    _reads(cadence, [(9.0, 0)])
    assert learner.samples(MUSIC, None, 0)[-1] == [9.0, True]
    cadence.observed(reached=True, now=11.0, level=1, model="m")
    assert learner.samples(MUSIC, None, 0)[-1] == [10.0, False]
    assert len(learner.samples(MUSIC, None, 0)) == 64


def test_a_policy_that_does_not_learn_keeps_its_priors() -> None:
    """learn=False: the same delays as without a learner, fed or not."""
    learner = PhaseLearner()
    for _ in range(64):
        learner.add(MUSIC, None, 0, 30.0, prior=(3.0, 12.0))
    policy = attrs.evolve(POLICY, learn=False)
    taught = Cadence(policy, 0.0, learner=learner, kind=MUSIC)
    plain = Cadence(policy, 0.0)
    for cadence in (taught, plain):
        cadence.observed(reached=False, now=1.0, level=0)
    assert taught.next_delay(
        level=0, polls=1, unknown_status=False, now=1.0
    ) == plain.next_delay(level=0, polls=1, unknown_status=False, now=1.0)


def test_a_wait_learns_from_the_tasks_started_with_it() -> None:
    """Waits begin together: once 16 of them have ended their phase, another,
    still running, reads mid-phase the window they taught (their model's:
    16 ends at 4 s and its own phase censored at 5 s)."""
    learner = PhaseLearner()
    slow = Cadence(POLICY, 0.0, learner=learner, kind=MUSIC)
    _reads(slow, [(1.0, 0)])
    for _ in range(16):
        fast = Cadence(POLICY, 0.0, learner=learner, kind=MUSIC)
        _reads(fast, [(1.0, 0), (3.0, 0), (5.0, 1)])
    slow.observed(reached=False, now=5.0, level=0, model="m")
    window = learner.window(MUSIC, "m", 0, (3.0, 12.0))
    assert window == (4.0, 4.0)
    delay = slow.next_delay(level=0, polls=3, unknown_status=False, now=5.0)
    state = PollState(
        milestone=TaskStatus.PENDING,
        phase_elapsed_s=5.0,
        polls_in_phase=2,
        polls=3,
        unknown_status=False,
    )
    assert delay == POLICY.next_delay(state, window)


@pytest.mark.parametrize("speed", [2.0, 0.5])
def test_a_cold_batch_is_safe_at_any_speed(speed: float) -> None:
    """200 waits begin at once, cold, on tasks 2x slower or faster than the
    priors' middle: no delay over max_interval_s or under 1/3 s, and every
    milestone is seen within one longest delay."""
    learner = PhaseLearner()
    rng = random.Random(7)
    tasks = []
    for _ in range(200):
        a, b, c = (
            speed * rng.uniform(lo, hi) for lo, hi in ((3, 12), (15, 40), (30, 110))
        )
        tasks.append((a, a + b, a + b + c))
    cadences = [Cadence(POLICY, 0.0, learner=learner, kind=MUSIC) for _ in tasks]
    levels, delays, latencies = [0] * len(tasks), [], []
    heap = [(0.01 * i, i) for i in range(len(tasks))]
    while heap:
        t, i = heapq.heappop(heap)
        seen = sum(1 for offset in tasks[i] if offset <= t)
        latencies += [t - tasks[i][m] for m in range(levels[i], seen)]
        cadences[i].observed(reached=seen > levels[i], now=t, level=seen, model="m")
        levels[i] = seen
        if seen < 3:
            delays.append(
                cadences[i].next_delay(level=seen, polls=1, unknown_status=False, now=t)
            )
            heapq.heappush(heap, (t + delays[-1], i))
    assert min(delays) > 1 / 3
    assert max(delays) <= POLICY.max_interval_s
    assert len(latencies) == 3 * len(tasks)
    assert min(latencies) >= 0
    assert max(latencies) <= POLICY.max_interval_s


# --- speed changes: a stream of tasks, one after another, in virtual time -------


def _wait(
    cadence: Cadence, offsets: tuple[float, float, float], start: float
) -> tuple[list[float], list[float]]:
    """One wait: (every delay, each milestone's detection latency)."""
    t, level = start + 0.5, 0
    delays: list[float] = []
    latencies: list[float] = []
    while True:
        seen = sum(1 for offset in offsets if start + offset <= t)
        latencies += [t - start - offsets[m] for m in range(level, seen)]
        cadence.observed(reached=seen > level, now=t, level=seen, model="m")
        level = seen
        if level == 3:
            return delays, latencies
        delays.append(
            cadence.next_delay(
                level=level, polls=len(delays), unknown_status=False, now=t
            )
        )
        t += delays[-1]


def _stream(
    learner: PhaseLearner, lengths: tuple[float, float, float], tasks: int
) -> Iterator[tuple[list[float], list[float]]]:
    a, b, c = lengths
    for i in range(tasks):
        cadence = Cadence(POLICY, i * 1000.0, learner=learner, kind=MUSIC)
        yield _wait(cadence, (a, a + b, a + b + c), i * 1000.0)


@pytest.mark.parametrize("speed", [2.0, 0.5])
def test_a_sudden_change_of_speed_is_safe_and_learned(speed: float) -> None:
    """2x slower or faster after 100 tasks: no delay over max_interval_s or under
    the per-task limit's 1/3 s, so every milestone is seen within one longest
    delay; after 100 more tasks each window's hi is the new length."""
    learner = PhaseLearner()
    lengths = (5.0, 20.0, 50.0)
    list(_stream(learner, lengths, 100))
    changed = (lengths[0] * speed, lengths[1] * speed, lengths[2] * speed)
    runs = list(_stream(learner, changed, 100))
    delays = [d for run, _ in runs for d in run]
    latencies = [lat for _, run in runs for lat in run]
    assert min(delays) > 1 / 3
    assert max(delays) <= POLICY.max_interval_s
    assert len(latencies) == 3 * 100
    assert min(latencies) >= 0
    assert max(latencies) <= POLICY.max_interval_s
    for phase in range(3):
        lo, hi = learner.window(MUSIC, "m", phase, (0.0, 1.0))
        assert lo <= hi == pytest.approx(changed[phase], abs=1.0)


def test_a_learned_stream_polls_less_than_the_priors() -> None:
    """Steadier phases than the priors' windows: fewer polls, each seen sooner."""
    learner = PhaseLearner()
    learned = list(_stream(learner, (5.0, 20.0, 50.0), 100))[-1]
    priors = _wait(Cadence(POLICY, 0.0), (5.0, 25.0, 75.0), 0.0)
    assert (len(learned[0]), len(priors[0])) == (13, 15)
    assert max(learned[1]) < 1.0 < max(priors[1])


# --- the client -----------------------------------------------------------------


async def test_a_client_feeds_its_learner() -> None:
    """A client's waits feed the PhaseLearner it was given, per family and model."""
    clock = VirtualClock(start=1000.0)
    learner = PhaseLearner()
    with MockedHTTP() as mocked:
        service = ScriptedService(mocked, clock)
        service.add("t1", NORMAL)
        every_second = attrs.evolve(PollPolicy.fixed(1.0), random=lambda: 0.0)
        async with SunoClient(
            api_key="sk-secret",
            base_url=BASE_URL,
            poll=every_second,
            clock=clock,
            cadence=learner,
        ) as client:
            record = await client.wait_for_task("t1")
    assert record.status is TaskStatus.SUCCESS
    assert [learner.samples(MUSIC, "chirp-v4", p) for p in range(3)] == [
        [[2.5, False]],
        [[2.5, False]],
        [[2.5, False]],
    ]


async def _polls_per_task(client: SunoClient, service: ScriptedService) -> list[int]:
    """Tasks of 5 + 20 + 50 s waited one after another: each one's polls."""
    polls = []
    for n in range(40):
        start = service.clock.now() - service.start
        timeline = [(start + t, status) for t, status in STEADY]
        service.add(f"t{n}", timeline)
        async for event in client.wait_for_task(f"t{n}"):
            if event.status is TaskStatus.SUCCESS:
                polls.append(event.polls)
    return polls


async def test_the_default_client_learns() -> None:
    """Without cadence=, a client learns by itself: steady tasks cost fewer polls
    as it goes; a client whose policy does not learn keeps its first count."""
    counts = {}
    for learn in (True, False):
        clock = VirtualClock(start=1000.0)
        policy = attrs.evolve(PollPolicy(learn=learn), random=lambda: 0.5)
        with MockedHTTP() as mocked:
            service = ScriptedService(mocked, clock)
            async with SunoClient(
                api_key="sk-secret", base_url=BASE_URL, poll=policy, clock=clock
            ) as client:
                counts[learn] = await _polls_per_task(client, service)
    assert (counts[True][0], counts[True][-1]) == (15, 12)
    assert set(counts[False]) == {16}


@pytest.mark.parametrize("cadence", ["{}", 42, ["state"]])
def test_a_bad_cadence_is_refused_before_any_request(cadence: object) -> None:
    """Not a PhaseLearner: InvalidArgumentError when the client is made."""
    with pytest.raises(InvalidArgumentError):
        SunoClient(api_key="sk-secret", base_url=BASE_URL, cadence=cadence)  # type: ignore[arg-type]

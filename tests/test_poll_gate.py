"""The poll gate: reads in flight are bounded client-wide, and adapt to round trips."""

from __future__ import annotations

import asyncio

from suno_async import (
    PollPolicy,
    RetryPolicy,
    TaskRecord,
    TaskStatus,
    WaitTimeoutError,
)
from suno_async._core.families import SPECS, FamilySpec
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase
from suno_async._engine.poller import Subscriber
from suno_async._engine.registry import PollerRegistry
from suno_async._io.gate import Gate
from suno_async.testing import VirtualClock

MUSIC = SPECS[TaskKind.MUSIC]
AT_ONCE = PollPolicy(kind="fixed", interval_s=1.0, first_poll_max_s=0.0)


class HeldReader:
    """Reads that last until released, counting how many run at once."""

    request_timeout = 30.0

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.running = 0
        self.most = 0
        self.release = asyncio.Event()
        self.took_s = 0.0

    async def read(
        self, task_id: str, *, spec: FamilySpec, timeout: float | None = None
    ) -> RecordBase:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
            self.clock.advance(self.took_s)
        finally:
            self.running -= 1
        return TaskRecord(
            task_id=task_id, status=TaskStatus.SUCCESS, status_raw="SUCCESS"
        )


def held_reads(gate: Gate) -> tuple[HeldReader, PollerRegistry]:
    """A registry behind ``gate`` whose reads last until released (on
    ``reader.clock``, a virtual one)."""
    reader = HeldReader(VirtualClock())
    registry = PollerRegistry(
        reader=reader, clock=reader.clock, retry=RetryPolicy(), gate=gate
    )
    return reader, registry


class Done(Subscriber):
    def __init__(self, finished: list[str], task_id: str) -> None:
        super().__init__(goal=3, skip_level=0, started_at=0.0, deadline=None)
        self.finished, self.task_id = finished, task_id

    def on_done(self, record: RecordBase) -> None:
        self.finished.append(self.task_id)


class Ended(Subscriber):
    """A wait with a deadline that records how it ended."""

    def __init__(self, ended: list[object], deadline: float) -> None:
        super().__init__(goal=3, skip_level=0, started_at=0.0, deadline=deadline)
        self.ended = ended

    def on_done(self, record: RecordBase) -> None:
        self.ended.append(record)

    def on_error(self, error: BaseException) -> None:
        self.ended.append(error)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_polls_beyond_the_gate_wait_for_a_turn() -> None:
    """Three tasks, a gate of two: two reads run, the third waits, then all end."""
    gate = Gate(2)
    reader, registry = held_reads(gate)
    finished: list[str] = []
    for task_id in ("a", "b", "c"):
        registry.subscribe(task_id, Done(finished, task_id), spec=MUSIC, policy=AT_ONCE)
    await settle()
    assert (reader.running, gate.waiting) == (2, 1)
    reader.release.set()
    await settle()
    assert (sorted(finished), reader.most, gate.waiting) == (["a", "b", "c"], 2, 0)


async def test_a_deadline_ends_a_poll_waiting_for_its_turn() -> None:
    """A gate of one held by a long read: the other task's wait ends at its
    deadline while its poll still waits for a turn, and that poll never runs."""
    gate = Gate(1)
    reader, registry = held_reads(gate)
    clock = reader.clock
    finished: list[str] = []
    ended: list[object] = []
    registry.subscribe("a", Done(finished, "a"), spec=MUSIC, policy=AT_ONCE)
    registry.subscribe("b", Ended(ended, deadline=5.0), spec=MUSIC, policy=AT_ONCE)
    await settle()
    assert (reader.running, gate.waiting) == (1, 1)
    await clock.sleep(5.0)
    await settle()
    assert len(ended) == 1
    assert isinstance(ended[0], WaitTimeoutError)
    assert (ended[0].task_id, ended[0].polls) == ("b", 0)
    assert (clock.now(), gate.waiting, reader.running) == (5.0, 0, 1)
    reader.release.set()
    await settle()
    assert (finished, reader.most) == (["a"], 1)


async def test_long_reads_lower_the_adaptive_gate() -> None:
    """Reads far longer than the shortest one bring the limit down: 8 to 7 to 6.

    The limit stops at 6, where a queue estimate under 6 requests says
    nothing more (see VegasLimit).
    """
    gate = Gate(8, adaptive=True)
    gate.measured(0.001, 0.0)  # a short round trip seen before
    reader, registry = held_reads(gate)
    finished: list[str] = []
    for n in range(8):
        registry.subscribe(f"t{n}", Done(finished, f"t{n}"), spec=MUSIC, policy=AT_ONCE)
    await settle()
    reader.took_s = 0.5
    reader.release.set()
    await settle()
    assert (len(finished), gate.current_limit) == (8, 6)

"""The poll gate: reads in flight are bounded client-wide, and adapt to round trips."""

from __future__ import annotations

import asyncio
import contextvars

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
from suno_async._io.reader import TaskReads
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
        self.status = TaskStatus.SUCCESS
        self.raises: Exception | None = None
        self.reads = 0
        self.seen: list[tuple[str, str]] = []  # (task id, VAR) per read
        self.made: list[str] = []  # task id per reads_of

    async def read(
        self, task_id: str, *, spec: FamilySpec, timeout: float | None = None
    ) -> RecordBase:
        self.running += 1
        self.reads += 1
        self.seen.append((task_id, VAR.get()))
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
            self.clock.advance(self.took_s)
            if self.raises is not None:
                raise self.raises
        finally:
            self.running -= 1
        return TaskRecord(
            task_id=task_id, status=self.status, status_raw=self.status.value
        )

    def reads_of(self, task_id: str, *, spec: FamilySpec) -> TaskReads:
        self.made.append(task_id)
        return lambda timeout: self.read(task_id, spec=spec, timeout=timeout)


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


class Queued:
    """A turn taker queued at a gate, recording its turns."""

    def __init__(self, name: str, took: list[str], *, queued: bool = True) -> None:
        self.name, self.took, self.queued = name, took, queued

    def take_turn(self) -> bool:
        if not self.queued:
            return False
        self.queued = False
        self.took.append(self.name)
        return True


async def test_queued_turns_come_after_waiting_futures_in_order() -> None:
    """A gate of one: a waiting future gets the first freed turn, then the
    queued takers one by one, in the order they queued."""
    gate = Gate(1)
    took: list[str] = []
    assert gate.enter_now() is True
    future = asyncio.ensure_future(gate.enter(None))
    await asyncio.sleep(0)
    gate.queue(Queued("a", took))
    gate.queue(Queued("b", took))
    assert (gate.waiting, gate.enter_now()) == (3, False)
    gate.leave()
    await future
    assert took == []
    gate.leave()
    assert (took, gate.waiting) == (["a"], 1)
    gate.leave()
    assert (took, gate.waiting) == (["a", "b"], 0)


async def test_a_taker_no_longer_queued_passes_its_turn_on() -> None:
    """A taker that left the queue is skipped, and the turn goes to the next."""
    gate = Gate(1)
    took: list[str] = []
    assert gate.enter_now() is True
    gone = Queued("gone", took)
    gate.queue(gone)
    gate.queue(Queued("next", took))
    gone.queued = False
    assert gate.waiting == 1
    gate.leave()
    assert (took, gate.waiting, gate.enter_now()) == (["next"], 0, False)


async def polled_every_5_s() -> tuple[HeldReader, PollerRegistry]:
    """A PENDING task "a" whose reads answer at once, polled every 5 s: its
    first poll done."""
    reader, registry = held_reads(Gate(4))
    reader.release.set()
    reader.status = TaskStatus.PENDING
    registry.subscribe(
        "a",
        Ended([], deadline=100.0),
        spec=MUSIC,
        policy=PollPolicy(kind="fixed", interval_s=5.0, first_poll_max_s=0.0),
    )
    await settle()
    return reader, registry


async def test_a_wait_between_polls_holds_no_task() -> None:
    """Between polls a wait is a timer, not a parked task or coroutine: while
    a task stays PENDING, no poll task exists between reads."""
    reader, registry = await polled_every_5_s()
    polls = [t for t in asyncio.all_tasks() if t.get_name().startswith("suno_async")]
    assert (reader.reads, polls, len(registry)) == (1, [], 1)
    await reader.clock.sleep(5.0)
    await settle()
    assert (reader.reads, len(registry)) == (2, 1)


async def test_a_poll_loop_makes_its_task_reads_once() -> None:
    """A task polled three times asks the reader for its reads once, on its
    first poll, and reads through them every time."""
    reader, _registry = await polled_every_5_s()  # kept alive
    made_by_first_poll = list(reader.made)
    for _ in range(2):
        await reader.clock.sleep(5.0)
        await settle()
    assert (made_by_first_poll, reader.made, reader.reads) == (["a"], ["a"], 3)


async def test_a_read_stopped_before_it_ran_gives_its_turn_back() -> None:
    """A poll admitted by a gate of one, whose wait ends before its read
    task first runs: the turn is free again, and the read never runs."""
    gate = Gate(1)
    reader, registry = held_reads(gate)
    done = Done([], "a")
    registry.subscribe("a", done, spec=MUSIC, policy=AT_ONCE)
    await asyncio.sleep(0)  # the poll began: its read task exists, not yet run
    assert gate.enter_now() is False
    registry._pollers[(TaskKind.MUSIC, "a")].remove(done)
    await settle()
    assert (gate.enter_now(), reader.reads) == (True, 0)


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def test_reads_run_in_the_context_of_the_first_wait() -> None:
    """Every read of a task, also one admitted by another task's read leaving
    the gate, sees the context variables of the wait that started its polls."""
    gate = Gate(1)
    reader, registry = held_reads(gate)
    reader.release.set()
    finished: list[str] = []

    async def wait(task_id: str) -> None:
        VAR.set(task_id)
        registry.subscribe(task_id, Done(finished, task_id), spec=MUSIC, policy=AT_ONCE)

    await asyncio.gather(wait("a"), wait("b"))
    await settle()
    assert (sorted(finished), reader.seen) == (["a", "b"], [("a", "a"), ("b", "b")])


async def test_a_read_that_breaks_ends_every_wait_with_its_error() -> None:
    """A bug in a read (no SunoError) is not lost in its task: each wait of
    the task ends with it, the gate's turn is given back, and polling stops."""
    gate = Gate(1)
    reader, registry = held_reads(gate)
    bug = RuntimeError("boom")
    reader.raises = bug
    reader.release.set()
    ended: list[object] = []
    registry.subscribe("a", Ended(ended, deadline=50.0), spec=MUSIC, policy=AT_ONCE)
    registry.subscribe("a", Ended(ended, deadline=60.0), spec=MUSIC, policy=AT_ONCE)
    await settle()
    assert (ended, reader.reads, len(registry), gate.enter_now()) == (
        [bug, bug],
        1,
        0,
        True,
    )

"""The poll loop: one per task id, shared by every waiter (single-flight).

A :class:`Poller` reads one task's record through the engine's reader, runs
the milestone state machine, and hands each update to its subscribers (the
waits). Each subscriber has its own goal, resume point and deadline; the
poller ends when the task ends or its last subscriber leaves. Late joiners
first receive the milestones already reached. Every failure reaches every
subscriber, so no wait is ever left hanging. When to read next is the
:class:`~suno_async._engine.cadence.Cadence`'s decision, what to do after a
failure the :class:`~suno_async._engine.retrying.Retrier`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
from typing import Protocol

import attrs

from suno_async._core.backoff import clip
from suno_async._core.clock import Clock, Timer
from suno_async._core.errors import (
    SunoError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from suno_async._core.families import FamilySpec
from suno_async._core.learning import PhaseLearner
from suno_async._core.models import RecordBase, TaskEvent, TaskStatus
from suno_async._core.policies import PollPolicy, RetryPolicy
from suno_async._engine.cadence import Cadence
from suno_async._engine.milestones import MilestoneTracker
from suno_async._engine.retrying import Retrier
from suno_async._io.gate import Gate
from suno_async._io.reader import Reader, TaskReads

__all__ = ["Poller", "PollerHost", "Subscriber", "Update"]


class PollerHost(Protocol):
    """What a poll loop gets from its registry: the shared parts, and a way out."""

    reader: Reader
    clock: Clock
    retry: RetryPolicy
    learner: PhaseLearner
    gate: Gate | None

    def forget(self, poller: Poller) -> None:
        """The poller stopped: drop it."""
        ...


@attrs.frozen
class Update:
    """What one successful poll produced: the record, new events, the level reached."""

    record: RecordBase
    events: tuple[TaskEvent[RecordBase], ...]
    level: int


class Subscriber:
    """One consumer of a poller: a goal, a resume point and a deadline.

    Subclasses decide what to do with events, the final record, and errors.
    """

    __slots__ = ("deadline", "done", "goal", "skip_level", "started_at")

    def __init__(
        self, *, goal: int, skip_level: int, started_at: float, deadline: float | None
    ) -> None:
        self.goal = goal
        self.skip_level = skip_level
        self.started_at = started_at
        self.deadline = deadline
        self.done = False

    def deliver(self, update: Update) -> None:
        """Pass on the events this subscriber has not seen; finish at its goal."""
        events = [
            event
            for event in update.events
            if self.skip_level < (event.status.milestone or 0) <= self.goal
        ]
        if events:
            self.on_events(events)
        if update.level >= self.goal:
            self.done = True
            self.on_done(update.record)

    def fail(self, error: BaseException) -> None:
        """End this subscriber with ``error``."""
        if not self.done:
            self.done = True
            self.on_error(error)

    def on_events(self, events: list[TaskEvent[RecordBase]]) -> None:
        """New events for this subscriber."""

    def on_done(self, record: RecordBase) -> None:
        """The goal was reached with ``record``."""

    def on_error(self, error: BaseException) -> None:
        """The wait ended with ``error``."""


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: called from a finalizer
        return None


class Poller:
    """The poll loop of one task id, driven by timer callbacks.

    Between polls a poller is its own state and one timer on the clock; a
    poll due while the gate is full waits in the gate's queue as the poller
    itself (:class:`~suno_async._io.gate.Turn`). Only a read in progress is
    a task. A nap lasts seconds and a gate wait can too, so whatever they
    allocated would outlive the garbage collector's young generations: ten
    thousand parked coroutines, futures and tasks made the full collections
    of a big fleet frequent and long (see docs/performance.md).
    """

    __slots__ = (
        "_cadence",
        "_context",
        "_due_at",
        "_due_timer",
        "_history",
        "_holds_turn",
        "_last_error",
        "_last_record",
        "_loop",
        "_nudged",
        "_reading",
        "_reads",
        "_registry",
        "_resume_cb",
        "_retrier",
        "_started",
        "_stopped",
        "_subscribers",
        "_timer",
        "_tracker",
        "_wake_at",
        "polls",
        "queued",
        "spec",
        "task_id",
    )

    def __init__(
        self,
        registry: PollerHost,
        task_id: str,
        *,
        spec: FamilySpec,
        policy: PollPolicy,
    ) -> None:
        self._registry = registry
        self.task_id = task_id
        self.spec = spec
        self._tracker = MilestoneTracker(milestones=spec.milestones)
        self._subscribers: list[Subscriber] = []
        self._history: list[Update] = []
        self._last_record: RecordBase | None = None
        self._last_error: SunoError | None = None
        self._reads: TaskReads | None = None  # made by the first read
        self._started = registry.clock.now()
        self._cadence = Cadence(
            policy, self._started, learner=registry.learner, kind=spec.kind
        )
        self._retrier = Retrier(task_id, registry.retry)
        self._nudged = False
        self._due_timer: Timer | None = None
        self._due_at: float | None = None
        # The loop's state: napping (a timer), queued at the gate, or reading.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: contextvars.Context | None = None
        self._timer: Timer | None = None
        self._resume_cb = self._resume  # one bound method, not one per nap
        self._wake_at: float | None = None  # None: the first nap has not begun
        self._reading: asyncio.Task[None] | None = None
        self._holds_turn = False
        self._stopped = False
        self.queued = False
        self.polls = 0

    @property
    def retries(self) -> int:
        """Retries so far."""
        return self._retrier.retries

    # -- subscribers -------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        """Subscribe, replaying the milestones already reached."""
        for update in self._history:
            subscriber.deliver(update)
            if subscriber.done:
                return
        self._subscribers.append(subscriber)
        if self._loop is None:  # the first subscriber starts the loop
            self._loop = asyncio.get_running_loop()
            self._context = contextvars.copy_context()
            self._timer = self._loop.call_soon(self._resume_cb)
        else:
            self.wake()  # its deadline may come before the next poll

    def remove(self, subscriber: Subscriber) -> None:
        """Unsubscribe; the loop stops when nobody is left."""
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)
        if not self._subscribers:
            self.stop()

    def nudge(self, level: int, *, trusted: bool = False) -> None:
        """A callback says the task reached ``level``: read its record now.

        The read, not the callback, decides what the waiters see, so a forged
        or stale callback costs one request and never a false milestone (and
        a stream of them at most one read per scheduled read); a callback for
        a milestone the record already showed costs nothing. If the record
        lags behind a ``trusted`` (signature-verified) callback, it is read
        again soon, a few times at most.
        """
        news = not 0 < level <= self._tracker.level  # else a duplicate or late one
        if self._cadence.heard(level, trusted=trusted, news=news):
            self._nudged = True
            self.wake()

    def wake(self) -> None:
        """Cut the current nap short (a new deadline, a callback...)."""
        if self._timer is not None:  # napping: then the loop is known
            assert self._loop is not None
            self._timer.cancel()
            self._timer = self._loop.call_soon(self._resume_cb)

    def stop(self) -> None:
        """Stop polling now and leave the registry."""
        self._registry.forget(self)
        self._stopped = True
        self.queued = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._disarm_deadline()
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self._give_turn_back()
            task = self._reading
            if task is not None and not task.done() and task is not _current_task():
                task.cancel()

    def fail_all(self, error: BaseException) -> None:
        """End every subscriber with ``error`` and stop."""
        subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.fail(error)
        self.stop()

    # -- the loop ----------------------------------------------------------------

    def _nap(self, delay: float) -> None:
        """Poll again in ``delay`` seconds (sooner when woken)."""
        self._wake_at = self._registry.clock.now() + delay
        self._resume()

    def _resume(self) -> None:
        """The nap's timer (or a wake-up): end expired waits, then poll or nap on.

        A nap ends early for the first deadline, so that its waits end on
        time; each is one timer on the clock, whose callback is this method.
        """
        self._timer = None
        try:
            clock = self._registry.clock
            now = clock.now()
            if self._wake_at is None:
                self._wake_at = now + self._cadence.first_delay()
            self._expire(now)
            if not self._subscribers:
                self.stop()
                return
            if now >= self._wake_at or self._nudged:
                self._nudged = False
                self._begin_poll()
                return
            until = self._wake_at
            for subscriber in self._subscribers:
                deadline = subscriber.deadline
                if deadline is not None and deadline < until:
                    until = deadline
            self._timer = clock.call_later(max(0.0, until - now), self._resume_cb)
        except Exception as exc:  # never lose a waiter, whatever broke
            self.fail_all(exc)

    def _begin_poll(self) -> None:
        """Take a turn at the gate (or queue for one), then read."""
        self._arm_deadline()
        gate = self._registry.gate
        if gate is not None and not gate.enter_now():
            self.queued = True
            gate.queue(self)
            return
        self._holds_turn = gate is not None
        self._start_read()

    def take_turn(self) -> bool:
        """The gate's turn came (see :class:`~suno_async._io.gate.Turn`)."""
        if not self.queued:
            return False
        self.queued = False
        self._holds_turn = True
        self._start_read()
        return True

    def _start_read(self) -> None:
        loop = self._loop
        assert loop is not None
        name = f"suno_async poll {self.task_id}"
        if sys.version_info >= (3, 11):
            self._reading = loop.create_task(
                self._poll(), name=name, context=self._context
            )
        else:  # pragma: no cover - Python 3.10: no context argument
            context, coro = self._context, self._poll()
            assert context is not None
            try:
                self._reading = context.run(loop.create_task, coro, name=name)
            except RuntimeError:  # in the poller's context already: it is copied
                self._reading = loop.create_task(coro, name=name)

    def _give_turn_back(self, read_from: float | None = None) -> None:
        """Leave the gate if a turn is held; a read that ran from ``read_from``
        (clock time) first reports its round trip, which the gate adapts to."""
        if self._holds_turn:
            self._holds_turn = False
            gate = self._registry.gate
            assert gate is not None
            if read_from is not None:
                now = self._registry.clock.now()
                gate.measured(now - read_from, now)
            gate.leave()

    async def _poll(self) -> None:
        """One read, in its own task; then the next nap."""
        try:
            delay = await self._poll_once()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never lose a waiter, whatever broke
            self.fail_all(exc)
        except BaseException as exc:  # pragma: no cover - KeyboardInterrupt, SystemExit
            self.fail_all(exc)
            raise
        self._reading = None
        if not self._stopped:
            self._nap(delay)

    def _expire(self, now: float) -> None:
        for subscriber in [s for s in self._subscribers if s.deadline is not None]:
            assert subscriber.deadline is not None
            if now >= subscriber.deadline:
                self._subscribers.remove(subscriber)
                subscriber.fail(
                    WaitTimeoutError(
                        self.task_id,
                        timeout=subscriber.deadline - subscriber.started_at,
                        last_record=self._last_record,
                        last_error=self._last_error,
                        elapsed=now - subscriber.started_at,
                        polls=self.polls,
                    )
                )

    def _remaining(self) -> float | None:
        deadlines = [s.deadline for s in self._subscribers]
        if not deadlines or None in deadlines:
            return None
        return max(d for d in deadlines if d is not None) - self._registry.clock.now()

    def _arm_deadline(self) -> None:
        """Keep a timer on the clock for the first deadline, for while a read runs.

        The request timeout bounds a read in the network's seconds; this ends
        each wait at its deadline in the clock's own time (a scaled or virtual
        one included), and stops the read once no wait is left. The timer
        stays armed across polls (firing during a nap ends the same waits
        the nap would) and is replaced only when the first deadline changes:
        not one timer made and cancelled per poll.
        """
        deadlines = [s.deadline for s in self._subscribers if s.deadline is not None]
        due = min(deadlines) if deadlines else None
        if due == self._due_at:
            return
        self._disarm_deadline()
        if due is not None:
            clock = self._registry.clock
            self._due_timer = clock.call_later(max(0.0, due - clock.now()), self._due)
            self._due_at = due

    def _disarm_deadline(self) -> None:
        if self._due_timer is not None:
            self._due_timer.cancel()
        self._due_timer = None
        self._due_at = None

    def _due(self) -> None:
        """The first deadline passed: end the waits it ends."""
        self._due_timer = None
        self._due_at = None
        self._expire(self._registry.clock.now())
        if not self._subscribers:
            self.stop()

    async def _poll_once(self) -> float:
        """One record-info read; returns the delay before the next one."""
        registry = self._registry
        timeout = clip(registry.reader.request_timeout, self._remaining())
        try:
            record = await self._read(timeout)
        except SunoError as exc:
            if not isinstance(exc, TransportError) or exc.connected:
                self.polls += 1  # only requests that left count as polls
            self._last_error = exc
            decision = self._retrier.decide(exc, registry.clock.now() - self._started)
            if isinstance(decision, SunoError):
                self.fail_all(decision)
                return 0.0
            return decision
        self.polls += 1
        self._retrier.succeeded()
        self._last_error = None
        self._last_record = record
        try:
            update = self._observe(record)
        except TaskFailedError as exc:
            self.fail_all(exc)
            return 0.0
        self._broadcast(update)
        self._cadence.confirm(update.level)
        return self._cadence.next_delay(
            level=update.level,
            polls=self.polls,
            unknown_status=record.status is TaskStatus.UNKNOWN,
            now=registry.clock.now(),
        )

    async def _read(self, timeout: float | None) -> RecordBase:
        """Read the record; then give the gate's turn back, noting the round trip.

        The gate bounds the reads in flight client-wide and adapts that bound
        to their round trips (:mod:`suno_async._core.concurrency`).
        """
        registry = self._registry
        started = registry.clock.now()
        try:
            reads = self._reads
            if reads is None:
                reads = self._reads = registry.reader.reads_of(
                    self.task_id, spec=self.spec
                )
            return await reads(timeout)
        finally:
            self._give_turn_back(read_from=started)

    def _observe(self, record: RecordBase) -> Update:
        reached = self._tracker.observe(record)
        now = self._registry.clock.now()
        self._cadence.observed(
            reached=bool(reached),
            now=now,
            level=self._tracker.level,
            model=getattr(record, "model_family", None),
        )
        events: tuple[TaskEvent[RecordBase], ...] = tuple(
            TaskEvent(
                task_id=self.task_id,
                status=status,
                previous=self._tracker.previous(status),
                record=record,
                inferred=inferred,
                elapsed=now - self._started,
                polls=self.polls,
                retries=self.retries,
            )
            for status, inferred in reached
        )
        update = Update(record, events, self._tracker.level)
        if events:
            self._history.append(update)
        return update

    def _broadcast(self, update: Update) -> None:
        for subscriber in list(self._subscribers):
            subscriber.deliver(update)
            if subscriber.done:
                self._subscribers.remove(subscriber)

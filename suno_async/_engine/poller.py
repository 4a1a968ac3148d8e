"""Single-flight polling: one poll loop per task id, shared by every waiter.

A :class:`Poller` polls record-info for one task, runs the milestone state
machine, and hands each update to its subscribers (the waits). Each
subscriber has its own goal, resume point and deadline; the poller ends when
the task ends or its last subscriber leaves. Late joiners first receive the
milestones already reached. Every failure reaches every subscriber, so no
wait is ever left hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import TYPE_CHECKING, Final

import attrs

from suno_async._core.backoff import PollState, clip
from suno_async._core.errors import (
    NotFoundError,
    SunoError,
    TaskFailedError,
    TaskNotFoundError,
    WaitTimeoutError,
)
from suno_async._core.models import MILESTONES, TaskEvent, TaskRecord, TaskStatus
from suno_async._core.providers import PollPolicy, RetryPolicy
from suno_async._engine.milestones import MilestoneTracker

if TYPE_CHECKING:
    from suno_async._client import SunoClient

__all__ = ["Poller", "PollerRegistry", "Subscriber", "Update"]

logger = logging.getLogger("suno_async")

#: Reads soon after a callback whose stage the record does not show yet.
CATCH_UP_READS: Final = 3
#: Seconds between those reads.
CATCH_UP_DELAY_S: Final = 1.0
#: Created tasks remembered for their first wait (oldest forgotten first).
MAX_FRESH_TASKS: Final = 10_000
#: Each safety-net read that finds nothing new stretches the next by this...
SAFETY_NET_GROWTH: Final = 1.5
#: ...up to this many times ``callback_safety_net_s``.
SAFETY_NET_MAX_FACTOR: Final = 4.0


@attrs.frozen
class Update:
    """What one successful poll produced: the record, new events, the level reached."""

    record: TaskRecord
    events: tuple[TaskEvent, ...]
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

    def on_events(self, events: list[TaskEvent]) -> None:
        """New events for this subscriber."""

    def on_done(self, record: TaskRecord) -> None:
        """The goal was reached with ``record``."""

    def on_error(self, error: BaseException) -> None:
        """The wait ended with ``error``."""


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: called from a finalizer
        return None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Poller:
    """The poll loop of one task id."""

    __slots__ = (
        "_catch_up",
        "_client",
        "_confirm_level",
        "_expected_level",
        "_failures",
        "_history",
        "_last_record",
        "_nudged",
        "_phase_polls",
        "_phase_started",
        "_policy",
        "_quiet_reads",
        "_registry",
        "_retry",
        "_started",
        "_subscribers",
        "_task",
        "_tracker",
        "_wake",
        "polls",
        "retries",
        "task_id",
    )

    def __init__(
        self,
        registry: PollerRegistry,
        task_id: str,
        *,
        policy: PollPolicy,
        retry: RetryPolicy,
    ) -> None:
        self._registry = registry
        self._client = registry.client
        self.task_id = task_id
        self._policy = policy
        self._retry = retry
        self._tracker = MilestoneTracker()
        self._subscribers: list[Subscriber] = []
        self._history: list[Update] = []
        self._last_record: TaskRecord | None = None
        self._wake: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = policy.clock()
        self._phase_started = self._started
        self._phase_polls = 0
        self._failures = 0
        self._nudged = False
        self._expected_level = 0
        self._confirm_level = 0
        self._catch_up = 0
        self._quiet_reads = 0
        self.polls = 0
        self.retries = 0

    # -- subscribers -------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        """Subscribe, replaying the milestones already reached."""
        for update in self._history:
            subscriber.deliver(update)
            if subscriber.done:
                return
        self._subscribers.append(subscriber)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"suno_async poll {self.task_id}"
            )
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
        or stale callback costs one request and never a false milestone; a
        callback for a milestone the record already showed costs nothing. If
        the record lags behind a ``trusted`` (signature-verified) callback, it
        is read again soon, a few times at most.
        """
        if 0 < level <= self._tracker.level:
            return  # a duplicate or late callback: nothing new to read
        self._nudged = True
        self._quiet_reads = 0
        self._confirm_level = max(self._confirm_level, level)
        if trusted and level > self._expected_level:
            self._expected_level = level
            self._catch_up = CATCH_UP_READS
        self.wake()

    def wake(self) -> None:
        """Cut the current sleep short (a new deadline, a callback...)."""
        if self._wake is not None:
            _resolve(self._wake)

    def stop(self) -> None:
        """Stop polling now and leave the registry."""
        self._registry.forget(self)
        task = self._task
        if task is None or task.done() or task is _current_task():
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            task.cancel()

    def fail_all(self, error: BaseException) -> None:
        """End every subscriber with ``error`` and stop."""
        subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.fail(error)
        self.stop()

    # -- the loop ----------------------------------------------------------------

    async def _run(self) -> None:
        try:
            delay = self._policy.first_delay()
            if self._registry.first_read_waits(self.task_id):
                # Just created here, callbacks flowing: they will tell.
                delay = self._policy.callback_safety_net_s
            while await self._nap(delay):
                delay = await self._poll_once()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never lose a waiter, whatever broke
            self.fail_all(exc)
        except BaseException as exc:  # pragma: no cover - KeyboardInterrupt, SystemExit
            self.fail_all(exc)
            raise
        finally:
            self._registry.forget(self)

    async def _nap(self, delay: float) -> bool:
        """Sleep ``delay`` (or until woken or a deadline); false when nobody waits."""
        clock = self._policy.clock
        wake_at = clock() + delay
        while True:
            self._expire(clock())
            if not self._subscribers:
                return False
            now = clock()
            if now >= wake_at or self._nudged:
                self._nudged = False
                return True
            deadlines = [
                s.deadline for s in self._subscribers if s.deadline is not None
            ]
            until = min([wake_at, *deadlines])
            await self._sleep(max(0.0, until - now))

    async def _sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        try:
            if self._policy.sleep is asyncio.sleep:
                handle = loop.call_later(seconds, _resolve, wake)
                try:
                    await wake
                finally:
                    handle.cancel()
            else:
                sleeper = asyncio.ensure_future(self._policy.sleep(seconds))
                try:
                    await asyncio.wait(
                        (sleeper, wake), return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    sleeper.cancel()
        finally:
            self._wake = None

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
                        elapsed=now - subscriber.started_at,
                        polls=self.polls,
                    )
                )

    def _remaining(self) -> float | None:
        deadlines = [s.deadline for s in self._subscribers]
        if not deadlines or None in deadlines:
            return None
        return max(d for d in deadlines if d is not None) - self._policy.clock()

    async def _poll_once(self) -> float:
        """One record-info read; returns the delay before the next one."""
        self.polls += 1
        timeout = clip(self._client.request_timeout, self._remaining())
        try:
            record = await self._client._fetch_record(self.task_id, timeout=timeout)
        except SunoError as exc:
            return self._on_error(exc)
        self._failures = 0
        self._last_record = record
        try:
            update = self._observe(record)
        except TaskFailedError as exc:
            self.fail_all(exc)
            return 0.0
        self._broadcast(update)
        delay = self._policy.next_delay(
            PollState(
                milestone=MILESTONES[update.level - 1]
                if update.level
                else TaskStatus.PENDING,
                phase_elapsed_s=self._policy.clock() - self._phase_started,
                polls_in_phase=self._phase_polls,
                polls=self.polls,
                unknown_status=record.status is TaskStatus.UNKNOWN,
            )
        )
        if 0 < self._confirm_level <= update.level:
            # The record confirms a callback: callbacks reach this client.
            self._registry.callbacks_flowing = True
        self._confirm_level = 0
        if not self._registry.callbacks_flowing:
            return delay
        if update.level < self._expected_level and self._catch_up > 0:
            self._catch_up -= 1  # the record lags behind a callback
            return min(delay, CATCH_UP_DELAY_S)
        stretch = min(SAFETY_NET_GROWTH**self._quiet_reads, SAFETY_NET_MAX_FACTOR)
        self._quiet_reads += 1
        return max(delay, self._policy.callback_safety_net_s * stretch)

    def _observe(self, record: TaskRecord) -> Update:
        before = self._tracker.level
        reached = self._tracker.observe(record)
        now = self._policy.clock()
        if reached:
            self._phase_started = now
            self._phase_polls = 0
        else:
            self._phase_polls += 1
        events = tuple(
            TaskEvent(
                task_id=self.task_id,
                status=status,
                previous=MILESTONES[before + i - 1]
                if before + i
                else TaskStatus.PENDING,
                record=record,
                inferred=inferred,
                elapsed=now - self._started,
                polls=self.polls,
                retries=self.retries,
            )
            for i, (status, inferred) in enumerate(reached)
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

    def _on_error(self, error: SunoError) -> float:
        """Decide between a retry (its delay) and the end of every wait."""
        elapsed = self._policy.clock() - self._started
        if isinstance(error, NotFoundError):
            if elapsed < self._retry.not_found_grace_s:
                return self._retry_after(error)
            self.fail_all(
                TaskNotFoundError(
                    f"task {self.task_id} was not found "
                    f"(still unknown after {self._retry.not_found_grace_s:g} s)",
                    code=error.code,
                    http_status=error.http_status,
                    task_id=self.task_id,
                )
            )
            return 0.0
        limit = self._retry.max_retries
        if self._retry.is_retryable(error) and (
            limit is None or self._failures < limit
        ):
            return self._retry_after(error)
        self.fail_all(error)
        return 0.0

    def _retry_after(self, error: SunoError) -> float:
        self._failures += 1
        self.retries += 1
        hint = getattr(error, "retry_after", None)
        delay = self._retry.delay(self._failures, retry_after=hint)
        logger.debug(
            "task %s: %s, retry %d in %.2f s",
            self.task_id,
            error,
            self._failures,
            delay,
        )
        return delay


class PollerRegistry:
    """The client's pollers by task id (single-flight)."""

    __slots__ = ("_client", "_fresh", "_pollers", "callbacks_flowing")

    def __init__(self, client: SunoClient) -> None:
        #: Tasks this client created and nobody has waited for yet (bounded).
        self._fresh: dict[str, None] = {}
        #: Whether callbacks reach this client: waits then poll only as a
        #: safety net and read at once when a callback comes.
        self.callbacks_flowing = False
        # A weak reference: the client owns the registry, not the other way
        # round, so an unclosed client is still collected (and warns).
        self._client = weakref.ref(client)
        self._pollers: dict[str, Poller] = {}

    @property
    def client(self) -> SunoClient:
        """The client whose waits these are."""
        client = self._client()
        assert client is not None, "pollers outlived their client"
        return client

    def subscribe(
        self,
        task_id: str,
        subscriber: Subscriber,
        *,
        policy: PollPolicy,
        retry: RetryPolicy,
    ) -> Poller:
        """Join the task's poll loop, starting one if none runs."""
        poller = self._pollers.get(task_id)
        if poller is None:
            poller = self._pollers[task_id] = Poller(
                self, task_id, policy=policy, retry=retry
            )
            if (bus := self.client._callback_bus) is not None:
                bus.join(task_id, self.hear)  # callbacks other processes receive
        poller.add(subscriber)
        return poller

    def forget(self, poller: Poller) -> None:
        """Drop a finished poller (a newer one for the same id stays)."""
        if self._pollers.get(poller.task_id) is poller:
            del self._pollers[poller.task_id]
            client = self._client()
            if client is not None and (bus := client._callback_bus) is not None:
                bus.leave(poller.task_id, self.hear)

    def created(self, task_id: str) -> None:
        """This client just created ``task_id``: its callbacks are to come."""
        self._fresh[task_id] = None
        if len(self._fresh) > MAX_FRESH_TASKS:
            del self._fresh[next(iter(self._fresh))]

    def first_read_waits(self, task_id: str) -> bool:
        """Whether a new wait may leave its first read to callbacks.

        True for a task this client created (once), while callbacks flow.
        """
        fresh = self._fresh.pop(task_id, False) is None
        return fresh and self.callbacks_flowing

    def notify(self, task_id: str, level: int, *, trusted: bool = False) -> bool:
        """A callback for ``task_id`` at milestone ``level`` came; false if unwaited.

        Callbacks count as flowing (waits then poll only as a safety net) once
        a ``trusted`` (signature-verified) callback arrives for a waited task,
        or a record read confirms an unverified one: a forged callback cannot
        slow the client's waits down.
        """
        poller = self._pollers.get(task_id)
        if poller is None:
            return False
        if trusted:
            self.callbacks_flowing = True
        poller.nudge(level, trusted=trusted)
        return True

    def hear(self, task_id: str, level: int, trusted: bool) -> bool:
        """A callback heard on the callback bus: :meth:`notify` (a bus listener)."""
        return self.notify(task_id, level, trusted=trusted)

    def fail_all(self, error: BaseException) -> None:
        """End every wait with ``error`` (the client is closing)."""
        for poller in list(self._pollers.values()):
            poller.fail_all(error)

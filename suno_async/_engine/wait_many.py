"""Waiting for many tasks: :class:`WaitMany`, one outcome per id as each ends.

A plain class with ``__aiter__``/``__anext__``, ``__await__`` and
``aclose()``, over the same single-flight poll loops as
:class:`~suno_async.TaskWait`.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any, Final, Generic, cast

from suno_async._core.errors import InvalidArgumentError, SunoError, UsageError
from suno_async._core.families import SPECS, FamilySpec
from suno_async._core.handles import TaskHandle
from suno_async._core.kinds import TaskKind
from suno_async._core.models import R, RecordBase, TaskEvent, TaskOutcome, TaskStatus
from suno_async._core.policies import PollPolicy
from suno_async._core.task_ids import check_task_id
from suno_async._engine.mailbox import Mailbox
from suno_async._engine.milestones import goal_level
from suno_async._engine.poller import Poller, Subscriber
from suno_async._engine.registry import PollerRegistry
from suno_async._engine.wait import EventHandler, check_timeout

__all__ = ["START_SLICE", "WaitMany"]

#: Waits a :class:`WaitMany` starts per event-loop turn.
START_SLICE: Final = 500


_Item = TaskOutcome[RecordBase] | TaskEvent[RecordBase]
_Report = Callable[["_Item", "_OutcomeSink"], None]


class _OutcomeSink(Subscriber):
    """A subscriber of :class:`WaitMany`: reports how its task ended (and,
    when someone listens, its events)."""

    __slots__ = ("_report", "task_id", "wants_events")

    def __init__(
        self,
        report: weakref.WeakMethod[_Report],
        task_id: str,
        *,
        goal: int,
        started_at: float,
        deadline: float | None,
        wants_events: bool,
    ) -> None:
        super().__init__(
            goal=goal, skip_level=0, started_at=started_at, deadline=deadline
        )
        self.wants_events = wants_events
        # Weak: a batch dropped mid-iteration must be collectable (its
        # finalizer then stops the polling of its remaining tasks).
        self._report = report
        self.task_id = task_id

    def on_events(self, events: list[TaskEvent[RecordBase]]) -> None:
        if self.wants_events:
            for event in events:
                self._tell(event)

    def on_done(self, record: RecordBase) -> None:
        self._tell(TaskOutcome(task_id=self.task_id, record=record))

    def on_error(self, error: BaseException) -> None:
        outcome_error = (
            error if isinstance(error, Exception) else SunoError(repr(error))
        )
        self._tell(TaskOutcome[RecordBase](task_id=self.task_id, error=outcome_error))

    def _tell(self, item: _Item) -> None:
        report = self._report()
        if report is not None:
            report(item, self)


class WaitMany(Generic[R]):
    """Waits for many tasks; yields a :class:`TaskOutcome` per id as each ends.

    The ids are of one family (``kind``), except :class:`TaskHandle` ids,
    which bring their own.

    Every distinct id appears exactly once, failures and timeouts included; a
    failing task never affects the others. ``timeout`` bounds the whole call.
    At most ``max_concurrency`` tasks are polled at once (all when ``None``).
    ``await`` it for the list of outcomes in the order of the ids;
    ``on_event`` (sync or async) sees every milestone of every task, before
    that task's outcome. Created by :meth:`SunoClient.wait_many`.
    """

    __slots__ = (
        "__weakref__",
        "_active",
        "_consumed",
        "_deadline",
        "_fill_scheduled",
        "_filling",
        "_mailbox",
        "_max_concurrency",
        "_on_event",
        "_order",
        "_pending",
        "_polls",
        "_registry",
        "_spec",
        "_started",
        "_unreported",
        "_until",
    )

    def __init__(
        self,
        registry: PollerRegistry,
        task_ids: Iterable[str],
        *,
        spec: FamilySpec,
        until: TaskStatus,
        timeout: float | None,
        polls: Mapping[TaskKind, PollPolicy],
        max_concurrency: int | None,
        on_event: EventHandler | None = None,
    ) -> None:
        check_timeout(timeout)
        if max_concurrency is not None and max_concurrency < 1:
            raise InvalidArgumentError(
                f"max_concurrency must be at least 1 or None, not {max_concurrency!r}"
            )
        if isinstance(task_ids, str):
            raise InvalidArgumentError(
                "task_ids must be an iterable of ids, not one string"
            )
        self._registry = registry
        self._spec = spec
        self._until = until
        goal_level(until, spec.milestones)  # refuse a goal the family lacks
        self._polls = polls
        self._max_concurrency = max_concurrency
        ids: list[object] = list(task_ids)
        for task_id in ids:
            if not isinstance(task_id, str):
                shown = repr(task_id)[:40]
                raise InvalidArgumentError(
                    f"task ids must be strings, not {type(task_id).__name__} ({shown})"
                )
        self._pending: deque[str] = deque(dict.fromkeys(cast("list[str]", ids)))
        self._order = {str(task_id): i for i, task_id in enumerate(self._pending)}
        self._unreported = len(self._pending)
        self._on_event = on_event
        self._consumed = False
        self._active: dict[_OutcomeSink, Poller] = {}
        self._mailbox: Mailbox[_Item] = Mailbox()
        self._started: float | None = None
        self._deadline: float | None = timeout
        self._filling = False
        self._fill_scheduled = False

    def __repr__(self) -> str:
        return (
            f"<WaitMany pending={len(self._pending)} active={len(self._active)} "
            f"unreported={self._unreported}>"
        )

    def __aiter__(self) -> WaitMany[R]:
        return self

    def __await__(self) -> Generator[Any, None, list[TaskOutcome[R]]]:
        return self._all().__await__()

    async def _all(self) -> list[TaskOutcome[R]]:
        """Every outcome, in the order of the ids."""
        if self._consumed or self._started is not None:
            raise UsageError("this wait_many was already consumed")
        self._consumed = True
        outcomes = [outcome async for outcome in self]
        return sorted(outcomes, key=lambda o: self._order[o.task_id])

    async def __anext__(self) -> TaskOutcome[R]:
        if self._started is None:
            self._registry.check_open()
            self._started = self._registry.clock.now()
            if self._deadline is not None:
                self._deadline += self._started
            self._fill()
        try:
            while True:
                item = await self._next_item()
                if isinstance(item, TaskOutcome):
                    return cast("TaskOutcome[R]", item)
                await self._notify(item)
        except BaseException:
            if self._unreported:
                await self.aclose()
            raise

    async def _next_item(self) -> _Item:
        while not self._mailbox.items:
            if self._unreported == 0:
                raise StopAsyncIteration
            await self._mailbox.wait()
        return self._mailbox.items.popleft()

    def _has_room(self) -> bool:
        limit = self._max_concurrency
        return limit is None or len(self._active) < limit

    async def _notify(self, event: TaskEvent[RecordBase]) -> None:
        assert self._on_event is not None  # events are queued only for a handler
        result = self._on_event(event)
        if inspect.isawaitable(result):
            await result

    def _fill(self) -> None:
        """Start waits until the concurrency bound is reached."""
        if self._filling:
            return  # re-entered from _report: the outer loop goes on
        self._filling = True
        try:
            self._fill_now()
        finally:
            self._filling = False
        if self._pending and self._has_room() and not self._fill_scheduled:
            # The rest on the next loop turns, a slice each, whoever consumes.
            self._fill_scheduled = True
            asyncio.get_running_loop().call_soon(self._fill_later, weakref.ref(self))

    @staticmethod
    def _fill_later(ref: weakref.ReferenceType[WaitMany[Any]]) -> None:
        """Start the next slice of a batch's waits, unless it was dropped."""
        many = ref()
        if many is not None:
            many._fill_scheduled = False
            many._fill()

    def _fill_now(self) -> None:
        # A slice at a time: thousands of waits set up in one go would hold
        # the event loop for as long.
        for _ in range(START_SLICE):
            if not (self._pending and self._has_room()):
                return
            task_id = self._pending.popleft()
            spec = self._spec
            if isinstance(task_id, TaskHandle):
                spec = SPECS[task_id.kind]
            try:
                check_task_id(task_id)
                goal = goal_level(self._until, spec.milestones)
            except SunoError as exc:
                self._report(TaskOutcome(task_id=str(task_id), error=exc))
                continue
            sink = _OutcomeSink(
                weakref.WeakMethod(self._report),
                str(task_id),
                goal=goal,
                started_at=self._started or 0.0,
                deadline=self._deadline,
                wants_events=self._on_event is not None,
            )
            poller = self._registry.subscribe(
                str(task_id), sink, spec=spec, policy=self._polls[spec.kind]
            )
            if not sink.done:
                self._active[sink] = poller

    def _report(self, item: _Item, sink: _OutcomeSink | None = None) -> None:
        """Take an event, or a task's outcome (from its sink, or an invalid id)."""
        self._mailbox.put(item)
        if isinstance(item, TaskOutcome):
            self._unreported -= 1
            self._active.pop(sink, None)  # type: ignore[arg-type]
            self._fill()

    async def aclose(self) -> None:
        """Stop waiting; tasks not yet reported are dropped."""
        self._pending.clear()
        active, self._active = self._active, {}
        for sink, poller in active.items():
            sink.done = True
            poller.remove(sink)
        items = self._mailbox.items
        outcomes = [i for i in items if isinstance(i, TaskOutcome)]
        items.clear()
        items.extend(outcomes)
        self._unreported = len(outcomes)

    async def __aenter__(self) -> WaitMany[R]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A batch dropped mid-iteration must not keep its tasks polled.
        for sink, poller in getattr(self, "_active", {}).items():
            sink.done = True
            poller.remove(sink)

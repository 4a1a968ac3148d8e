"""Waiting for tasks: :class:`TaskWait` (one task) and :class:`WaitMany` (many).

Both are plain classes with ``__aiter__``/``__anext__`` and ``aclose()``: no
cancel scope is held across a ``yield``, and cancelling a consumer ends its
subscription at once. The polling itself lives in :mod:`suno_async._engine.poller`.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from suno_async._core.errors import InvalidRequestError, SunoError, UsageError
from suno_async._core.models import TaskEvent, TaskOutcome, TaskRecord, TaskStatus
from suno_async._core.providers import PollPolicy
from suno_async._engine.milestones import goal_level, parse_checkpoint
from suno_async._engine.poller import Poller, Subscriber

if TYPE_CHECKING:
    from suno_async._client import SunoClient

__all__ = ["EventHandler", "TaskWait", "WaitMany"]

EventHandler = Callable[[TaskEvent], Awaitable[None] | None]
"""A sync or async callable that sees every event of a wait."""


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InvalidRequestError(
            f"timeout must be a positive number of seconds or None, not {timeout!r}"
        )


class _Done:
    __slots__ = ("record",)

    def __init__(self, record: TaskRecord) -> None:
        self.record = record


_Item = TaskEvent | _Done | BaseException


class _Inbox(Subscriber):
    """A subscriber that queues what happens for one :class:`TaskWait`."""

    __slots__ = ("_items", "_waiter")

    def __init__(
        self, *, goal: int, skip_level: int, started_at: float, deadline: float | None
    ) -> None:
        super().__init__(
            goal=goal, skip_level=skip_level, started_at=started_at, deadline=deadline
        )
        self._items: deque[_Item] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def _push(self, *items: _Item) -> None:
        self._items.extend(items)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def on_events(self, events: list[TaskEvent]) -> None:
        self._push(*events)

    def on_done(self, record: TaskRecord) -> None:
        self._push(_Done(record))

    def on_error(self, error: BaseException) -> None:
        self._push(error)

    async def get(self) -> _Item:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()


class TaskWait:
    """A wait for one task: ``await`` it for the record, or iterate its events.

    ``await wait`` gives the final :class:`TaskRecord` once the task reaches
    ``until``; ``async for event in wait`` gives one :class:`TaskEvent` per
    milestone. Failures raise the matching :class:`TaskFailedError`, the
    deadline raises :class:`WaitTimeoutError`. A wait is consumed once;
    ``aclose()`` (or leaving ``async with``) ends it early. Created by
    :meth:`SunoClient.wait_for_task`.
    """

    __slots__ = (
        "_client",
        "_goal",
        "_inbox",
        "_on_event",
        "_policy",
        "_poller",
        "_record",
        "_skip_level",
        "_state",
        "_timeout",
        "task_id",
    )

    def __init__(
        self,
        client: SunoClient,
        task_id: str,
        *,
        until: TaskStatus,
        timeout: float | None,
        poll: PollPolicy,
        on_event: EventHandler | None,
        resume: str | None,
    ) -> None:
        _check_timeout(timeout)
        self._client = client
        self.task_id = task_id
        self._goal = goal_level(until)
        self._skip_level = 0 if resume is None else parse_checkpoint(resume, task_id)
        self._timeout = timeout
        self._policy = poll
        self._on_event = on_event
        self._state = "new"
        self._inbox: _Inbox | None = None
        self._poller: Poller | None = None
        self._record: TaskRecord | None = None

    def __repr__(self) -> str:
        return f"<TaskWait {self.task_id} {self._state}>"

    # -- consumption -------------------------------------------------------------

    def __await__(self) -> Generator[Any, None, TaskRecord]:
        return self._result().__await__()

    def __aiter__(self) -> TaskWait:
        if self._state not in ("new", "iterating"):
            raise UsageError(f"this wait for task {self.task_id} was already consumed")
        self._state = "iterating"
        return self

    async def __anext__(self) -> TaskEvent:
        if self._state == "new":
            self._state = "iterating"
        if self._state != "iterating":
            raise StopAsyncIteration
        inbox = self._start()
        try:
            item = await inbox.get()
        except BaseException:
            self._finish()
            raise
        if isinstance(item, TaskEvent):
            await self._notify(item)
            return item
        self._finish()
        if isinstance(item, _Done):
            self._record = item.record
            raise StopAsyncIteration
        raise item

    async def _result(self) -> TaskRecord:
        if self._state != "new":
            raise UsageError(f"this wait for task {self.task_id} was already consumed")
        self._state = "iterating"
        try:
            async for _ in self:
                pass
        finally:
            self._state = "awaited"
        assert self._record is not None
        return self._record

    async def _notify(self, event: TaskEvent) -> None:
        if self._on_event is None:
            return
        try:
            result = self._on_event(event)
            if inspect.isawaitable(result):
                await result
        except BaseException:
            self._finish()
            raise

    # -- lifecycle ---------------------------------------------------------------

    def _start(self) -> _Inbox:
        if self._inbox is None:
            self._client._check_open()
            started = self._policy.clock()
            deadline = None if self._timeout is None else started + self._timeout
            self._inbox = _Inbox(
                goal=self._goal,
                skip_level=self._skip_level,
                started_at=started,
                deadline=deadline,
            )
            self._poller = self._client._pollers.subscribe(
                self.task_id, self._inbox, policy=self._policy, retry=self._client.retry
            )
        return self._inbox

    def _finish(self) -> None:
        self._state = "closed"
        if self._poller is not None and self._inbox is not None:
            self._poller.remove(self._inbox)
        self._poller = None

    async def aclose(self) -> None:
        """End the wait now; polling stops if nobody else waits for the task."""
        self._finish()

    async def __aenter__(self) -> TaskWait:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish()

    def __del__(self) -> None:
        # A wait dropped mid-iteration must not keep its task polled.
        if getattr(self, "_poller", None) is not None:
            self._finish()


class _OutcomeSink(Subscriber):
    """A subscriber of :class:`WaitMany`: reports only how its task ended."""

    __slots__ = ("_many", "task_id")

    def __init__(
        self,
        many: WaitMany,
        task_id: str,
        *,
        goal: int,
        started_at: float,
        deadline: float | None,
    ) -> None:
        super().__init__(
            goal=goal, skip_level=0, started_at=started_at, deadline=deadline
        )
        # Weak: a batch dropped mid-iteration must be collectable (its
        # finalizer then stops the polling of its remaining tasks).
        self._many = weakref.ref(many)
        self.task_id = task_id

    def on_done(self, record: TaskRecord) -> None:
        self._tell(TaskOutcome(task_id=self.task_id, record=record))

    def on_error(self, error: BaseException) -> None:
        outcome_error = (
            error if isinstance(error, Exception) else SunoError(repr(error))
        )
        self._tell(TaskOutcome(task_id=self.task_id, error=outcome_error))

    def _tell(self, outcome: TaskOutcome) -> None:
        many = self._many()
        if many is not None:
            many._report(outcome, self)


class WaitMany:
    """Waits for many tasks; yields a :class:`TaskOutcome` per id as each ends.

    Every distinct id appears exactly once, failures and timeouts included; a
    failing task never affects the others. ``timeout`` bounds the whole call.
    At most ``max_concurrency`` tasks are polled at once (all when ``None``).
    Created by :meth:`SunoClient.wait_many`.
    """

    __slots__ = (
        "__weakref__",
        "_active",
        "_client",
        "_deadline",
        "_filling",
        "_goal",
        "_max_concurrency",
        "_outcomes",
        "_pending",
        "_policy",
        "_started",
        "_unreported",
        "_waiter",
    )

    def __init__(
        self,
        client: SunoClient,
        task_ids: Iterable[str],
        *,
        until: TaskStatus,
        timeout: float | None,
        poll: PollPolicy,
        max_concurrency: int | None,
    ) -> None:
        _check_timeout(timeout)
        if max_concurrency is not None and max_concurrency < 1:
            raise InvalidRequestError(
                f"max_concurrency must be at least 1 or None, not {max_concurrency!r}"
            )
        if isinstance(task_ids, str):
            raise InvalidRequestError(
                "task_ids must be an iterable of ids, not one string"
            )
        self._client = client
        self._goal = goal_level(until)
        self._policy = poll
        self._max_concurrency = max_concurrency
        self._pending: deque[str] = deque(dict.fromkeys(task_ids))
        self._unreported = len(self._pending)
        self._active: dict[_OutcomeSink, Poller] = {}
        self._outcomes: deque[TaskOutcome] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._started: float | None = None
        self._deadline: float | None = timeout
        self._filling = False

    def __repr__(self) -> str:
        return (
            f"<WaitMany pending={len(self._pending)} active={len(self._active)} "
            f"unreported={self._unreported}>"
        )

    def __aiter__(self) -> WaitMany:
        return self

    async def __anext__(self) -> TaskOutcome:
        if self._started is None:
            self._client._check_open()
            self._started = self._policy.clock()
            if self._deadline is not None:
                self._deadline += self._started
            self._fill()
        try:
            while not self._outcomes:
                if self._unreported == 0:
                    raise StopAsyncIteration
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
        except BaseException:
            if self._unreported:
                await self.aclose()
            raise
        return self._outcomes.popleft()

    def _fill(self) -> None:
        """Start waits until the concurrency bound is reached."""
        if self._filling:
            return  # re-entered from _report: the outer loop goes on
        self._filling = True
        try:
            self._fill_now()
        finally:
            self._filling = False

    def _fill_now(self) -> None:
        limit = self._max_concurrency
        while self._pending and (limit is None or len(self._active) < limit):
            task_id = self._pending.popleft()
            try:
                self._client._validate_task_id(task_id)
            except SunoError as exc:
                self._report(TaskOutcome(task_id=str(task_id), error=exc))
                continue
            sink = _OutcomeSink(
                self,
                task_id,
                goal=self._goal,
                started_at=self._started or 0.0,
                deadline=self._deadline,
            )
            poller = self._client._pollers.subscribe(
                task_id, sink, policy=self._policy, retry=self._client.retry
            )
            if not sink.done:
                self._active[sink] = poller

    def _report(self, outcome: TaskOutcome, sink: _OutcomeSink | None = None) -> None:
        self._unreported -= 1
        self._outcomes.append(outcome)
        self._active.pop(sink, None)  # type: ignore[arg-type]
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        self._fill()

    async def aclose(self) -> None:
        """Stop waiting; tasks not yet reported are dropped."""
        self._pending.clear()
        active, self._active = self._active, {}
        for sink, poller in active.items():
            sink.done = True
            poller.remove(sink)
        self._unreported = len(self._outcomes)

    async def __aenter__(self) -> WaitMany:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A batch dropped mid-iteration must not keep its tasks polled.
        for sink, poller in getattr(self, "_active", {}).items():
            sink.done = True
            poller.remove(sink)

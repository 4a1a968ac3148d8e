"""Waiting for one task: :class:`TaskWait`.

A plain class with ``__aiter__``/``__anext__`` and ``aclose()``: no cancel
scope is held across a ``yield``, and cancelling a consumer ends its
subscription at once. The polling itself is the registry's
(:mod:`suno_async._engine.registry`); many tasks: :mod:`.wait_many`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import TracebackType
from typing import Any, cast

from suno_async._core.errors import InvalidArgumentError, UsageError
from suno_async._core.families import FamilySpec
from suno_async._core.models import R, RecordBase, TaskEvent, TaskStatus
from suno_async._core.policies import PollPolicy
from suno_async._engine.mailbox import Mailbox
from suno_async._engine.milestones import goal_level, parse_checkpoint
from suno_async._engine.poller import Poller, Subscriber
from suno_async._engine.registry import PollerRegistry

__all__ = ["EventHandler", "TaskWait", "check_timeout"]

EventHandler = Callable[[TaskEvent[Any]], Awaitable[None] | None]
"""A sync or async callable that sees every event of a wait."""


def check_timeout(timeout: float | None) -> None:
    """Refuse a timeout that is neither ``None`` nor a positive number."""
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds or None, not {timeout!r}"
        )


class _Done:
    __slots__ = ("record",)

    def __init__(self, record: RecordBase) -> None:
        self.record = record


_Item = TaskEvent[RecordBase] | _Done | BaseException


class _Inbox(Subscriber):
    """A subscriber that queues what happens for one :class:`TaskWait`."""

    __slots__ = ("_mailbox",)

    def __init__(
        self, *, goal: int, skip_level: int, started_at: float, deadline: float | None
    ) -> None:
        super().__init__(
            goal=goal, skip_level=skip_level, started_at=started_at, deadline=deadline
        )
        self._mailbox: Mailbox[_Item] = Mailbox()

    def on_events(self, events: list[TaskEvent[RecordBase]]) -> None:
        for event in events:
            self._mailbox.put(event)

    def on_done(self, record: RecordBase) -> None:
        self._mailbox.put(_Done(record))

    def on_error(self, error: BaseException) -> None:
        self._mailbox.put(error)

    async def get(self) -> _Item:
        while not self._mailbox.items:
            await self._mailbox.wait()
        return self._mailbox.items.popleft()


class TaskWait(Coroutine[Any, Any, R]):
    """A wait for one task: ``await`` it for the record, or iterate its events.

    ``await wait`` gives the final record (a :class:`TaskRecord` for music,
    the family's record otherwise) once the task reaches
    ``until``; ``async for event in wait`` gives one :class:`TaskEvent` per
    milestone. Failures raise the matching :class:`TaskFailedError`, the
    deadline raises :class:`WaitTimeoutError`. It is also a coroutine, so
    ``asyncio.create_task(wait)``, ``TaskGroup.create_task``, ``gather``,
    ``wait_for`` and anyio task groups run it; nothing is polled before it is
    awaited, iterated or run. A wait is consumed once; ``aclose()`` (or
    leaving ``async with``) ends it early. Created by
    :meth:`SunoClient.wait_for_task`.
    """

    __slots__ = (
        "_driver",
        "_goal",
        "_inbox",
        "_on_event",
        "_policy",
        "_poller",
        "_record",
        "_registry",
        "_skip_level",
        "_spec",
        "_state",
        "_timeout",
        "task_id",
    )

    def __init__(
        self,
        registry: PollerRegistry,
        task_id: str,
        *,
        spec: FamilySpec,
        until: TaskStatus,
        timeout: float | None,
        poll: PollPolicy,
        on_event: EventHandler | None,
        resume: str | None,
    ) -> None:
        check_timeout(timeout)
        self._registry = registry
        self.task_id = task_id
        self._spec = spec
        self._goal = goal_level(until, spec.milestones)
        self._skip_level = 0 if resume is None else parse_checkpoint(resume, task_id)
        self._timeout = timeout
        self._policy = poll
        self._on_event = on_event
        self._state = "new"
        self._inbox: _Inbox | None = None
        self._poller: Poller | None = None
        self._record: RecordBase | None = None
        self._driver: Coroutine[Any, Any, R] | None = None

    def __repr__(self) -> str:
        return f"<TaskWait {self.task_id} {self._state}>"

    # -- consumption -------------------------------------------------------------

    def __await__(self) -> Generator[Any, None, R]:
        return self._result().__await__()

    # A coroutine, too: asyncio.create_task, TaskGroup.create_task, gather,
    # wait_for and anyio task groups drive it with send() and throw(). The
    # wait starts with the first send, never before.

    def send(self, value: Any, /) -> Any:
        """Drive the wait one step, as the event loop drives a coroutine."""
        return self._drive().send(value)

    def throw(
        self,
        typ: Any,
        val: Any = None,
        tb: TracebackType | None = None,
        /,
    ) -> Any:
        """Raise an exception inside the wait (cancellation does)."""
        driver = self._drive()
        if val is None and tb is None:
            return driver.throw(typ)
        return driver.throw(typ, val, tb)  # pragma: no cover - deprecated form

    def close(self) -> None:
        """End the wait; polling stops if nobody else waits for the task."""
        if self._driver is not None:
            self._driver.close()
        self._finish()

    def _drive(self) -> Coroutine[Any, Any, R]:
        if self._driver is None:
            self._driver = self._result()
        return self._driver

    def __aiter__(self) -> TaskWait[R]:
        if self._state not in ("new", "iterating"):
            raise UsageError(f"this wait for task {self.task_id} was already consumed")
        self._state = "iterating"
        return self

    async def __anext__(self) -> TaskEvent[R]:
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
            return cast("TaskEvent[R]", item)
        self._finish()
        if isinstance(item, _Done):
            self._record = item.record
            raise StopAsyncIteration
        raise item

    async def _result(self) -> R:
        if self._state != "new":
            raise UsageError(f"this wait for task {self.task_id} was already consumed")
        self._state = "iterating"
        try:
            async for _ in self:
                pass
        finally:
            self._state = "awaited"
        assert self._record is not None
        return cast("R", self._record)

    async def _notify(self, event: TaskEvent[RecordBase]) -> None:
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
            self._registry.check_open(self.task_id)
            started = self._registry.clock.now()
            deadline = None if self._timeout is None else started + self._timeout
            self._inbox = _Inbox(
                goal=self._goal,
                skip_level=self._skip_level,
                started_at=started,
                deadline=deadline,
            )
            self._poller = self._registry.subscribe(
                self.task_id, self._inbox, spec=self._spec, policy=self._policy
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

    async def __aenter__(self) -> TaskWait[R]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._finish()

    def __del__(self) -> None:
        # A wait dropped mid-iteration must not keep its task polled.
        if getattr(self, "_poller", None) is not None:
            self._finish()

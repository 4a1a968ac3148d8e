"""The journal of tracked tasks, as the engine sees it: a protocol and its values.

A :class:`TaskJournal` stores tracked tasks (id, family, JSON metadata, a
deadline, the latest checkpoint) and hands each to one worker at a time:
``claim`` takes new tasks and those whose worker stopped renewing its
lease, ``renew`` keeps a worker's own, ``ack`` removes a task for good.
:class:`suno_async.redis.RedisTaskJournal` implements it on Redis Streams;
the engine's loop (:mod:`suno_async._engine.tracking`) turns claimed
:class:`JournalEntry` values into waits and :class:`TrackedOutcome` values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, Generic, Protocol

import attrs

from suno_async._core.kinds import TaskKind
from suno_async._core.models import R
from suno_async._io.limiter import RateLimiter

__all__ = ["JournalEntry", "TaskJournal", "TrackedOutcome"]


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One tracked task, as a worker claimed it from the journal.

    ``remaining_s`` is the time left before its deadline when it was claimed
    (the deadline counts from tracking, across restarts); ``checkpoint`` the
    latest one stored (``None`` before the first milestone); ``redelivered``
    is true when an outcome of it was handed out before and never
    acknowledged. ``ref`` is the journal's own handle on the entry.
    """

    task_id: str
    kind: TaskKind
    meta: Any
    remaining_s: float
    checkpoint: str | None = None
    redelivered: bool = False
    ref: str


class TaskJournal(Protocol):
    """Where tracked tasks live between their creation and their acknowledgement.

    Every method may raise a transient :class:`TransportError` when the
    store cannot be reached; the engine retries at its next round.
    """

    #: Seconds after which a task whose worker stopped renewing may be claimed.
    lease: float
    #: Seconds between two looks for new or abandoned tasks.
    claim_interval_s: float

    async def add(
        self, task_id: str, *, kind: TaskKind, meta: str, timeout: float
    ) -> bool:
        """Track ``task_id`` (``meta`` as JSON); false if it was tracked already."""
        ...

    async def claim(self, count: int) -> list[JournalEntry]:
        """Take up to ``count`` tasks: abandoned ones first, then new ones."""
        ...

    async def renew(self, refs: Collection[str]) -> set[str]:
        """Renew the lease on ``refs``; the refs this worker still holds."""
        ...

    async def checkpoint(self, entry: JournalEntry, checkpoint: str) -> None:
        """Store the latest checkpoint of a claimed task."""
        ...

    async def delivered(self, entry: JournalEntry) -> None:
        """Note that an outcome of ``entry`` was handed out (not acknowledged)."""
        ...

    async def ack(self, entry: JournalEntry) -> None:
        """Remove the task for good: its outcome was taken care of."""
        ...

    async def pending_count(self) -> int:
        """How many tasks are tracked and not yet acknowledged."""
        ...

    def rate_limiter(self) -> RateLimiter | None:
        """A per-task limiter shared by every worker of the journal, if any."""
        ...


Ack = Callable[[], Awaitable[None]]


@attrs.frozen(kw_only=True)
class TrackedOutcome(Generic[R]):
    """How a tracked task ended: its ``record``, or an ``error``.

    ``meta`` is what :meth:`SunoClient.track` was given; ``redelivered`` is
    true when this outcome was handed out before (to this worker or to one
    that died) without being acknowledged. The task stays in the journal
    until :meth:`ack` is awaited.
    """

    task_id: str
    kind: TaskKind
    meta: Any
    record: R | None = None
    error: Exception | None = None
    redelivered: bool = False
    _ack: Ack = attrs.field(repr=False, eq=False, alias="ack")

    @property
    def ok(self) -> bool:
        """Whether the task reached its goal."""
        return self.error is None

    async def ack(self) -> None:
        """Remove the task from the journal: its outcome was taken care of.

        Acknowledging twice is harmless.
        """
        await self._ack()

"""A journal of tracked tasks in this process's memory: :class:`MemoryTaskJournal`."""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Collection

import attrs

from suno_async._core.kinds import TaskKind
from suno_async._engine.journal import JournalEntry

__all__ = ["MemoryTaskJournal"]


@attrs.define
class _Tracked:
    entry: JournalEntry
    deadline: float
    held_since: float | None = None  # when last claimed or renewed
    delivered: int = 0


class MemoryTaskJournal:
    """The :class:`TaskJournal` protocol in memory, for one process.

    For tests and for apps without Redis: ``SunoClient(journal=...)`` and
    its ``track()`` / ``tracked_outcomes()`` work as with
    :class:`suno_async.redis.RedisTaskJournal`, leases and redelivery
    included, but everything is lost with the process. ``clock`` (seconds,
    default :func:`time.monotonic`) times leases and deadlines.
    """

    __slots__ = ("_clock", "_refs", "_tasks", "claim_interval_s", "lease")

    def __init__(
        self,
        *,
        lease: float = 30.0,
        claim_interval_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for label, value in (("lease", lease), ("claim_interval_s", claim_interval_s)):
            if not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise ValueError(f"{label} must be a positive number, not {value!r}")
        self.lease = float(lease)
        self.claim_interval_s = float(claim_interval_s)
        self._clock = clock
        self._tasks: dict[str, _Tracked] = {}  # by ref, in tracking order
        self._refs = itertools.count(1)

    def __repr__(self) -> str:
        return f"<MemoryTaskJournal tasks={len(self._tasks)} lease={self.lease:g}>"

    def _find(self, task_id: str) -> _Tracked | None:
        return next(
            (t for t in self._tasks.values() if t.entry.task_id == task_id), None
        )

    async def add(
        self, task_id: str, *, kind: TaskKind, meta: str, timeout: float
    ) -> bool:
        """Track ``task_id``; false if it is tracked already."""
        if self._find(task_id) is not None:
            return False
        ref = str(next(self._refs))
        entry = JournalEntry(
            task_id=task_id, kind=kind, meta=json.loads(meta), remaining_s=0.0, ref=ref
        )
        self._tasks[ref] = _Tracked(entry, deadline=self._clock() + timeout)
        return True

    async def claim(self, count: int) -> list[JournalEntry]:
        """Up to ``count`` tasks no one holds, or whose holder stopped renewing."""
        now = self._clock()
        taken: list[JournalEntry] = []
        for tracked in self._tasks.values():
            if len(taken) == count:
                break
            if tracked.held_since is not None and now - tracked.held_since < self.lease:
                continue
            tracked.held_since = now
            taken.append(
                attrs.evolve(
                    tracked.entry,
                    remaining_s=tracked.deadline - now,
                    redelivered=tracked.delivered > 0,
                )
            )
        return taken

    async def renew(self, refs: Collection[str]) -> set[str]:
        """Renew the given tasks' leases; the ones still tracked."""
        kept = {ref for ref in refs if ref in self._tasks}
        for ref in kept:
            self._tasks[ref].held_since = self._clock()
        return kept

    async def checkpoint(self, entry: JournalEntry, checkpoint: str) -> None:
        """Keep the task's latest checkpoint (while it is tracked)."""
        if (tracked := self._tasks.get(entry.ref)) is not None:
            tracked.entry = attrs.evolve(tracked.entry, checkpoint=checkpoint)

    async def delivered(self, entry: JournalEntry) -> None:
        """Count an outcome handed out: a later claim says ``redelivered``."""
        if (tracked := self._tasks.get(entry.ref)) is not None:
            tracked.delivered += 1

    async def ack(self, entry: JournalEntry) -> None:
        """Forget the task."""
        self._tasks.pop(entry.ref, None)

    async def pending_count(self) -> int:
        """How many tasks are tracked and not yet acknowledged."""
        return len(self._tasks)

    def rate_limiter(self) -> None:
        """None: the client keeps its own per-process limiter."""

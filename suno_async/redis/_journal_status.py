"""What a task journal holds right now, for people: :class:`JournalStatus`."""

from __future__ import annotations

from typing import Any

import attrs
import redis.asyncio
from redis.exceptions import ResponseError

__all__ = ["JournalStatus", "JournalWorker", "read_status"]


@attrs.frozen(kw_only=True)
class JournalWorker:
    """A consumer of the journal: its name, how many tasks it holds, idle seconds."""

    name: str
    held: int
    idle_s: float


@attrs.frozen(kw_only=True)
class JournalStatus:
    """A snapshot of a journal.

    ``tracked`` tasks are not yet acknowledged; ``held`` of them are claimed
    by a worker (waited for, or their outcome handed out), the others
    wait for one. ``oldest_age_s`` is the age of the oldest tracked task
    (``None``: none). ``workers`` lists the consumers Redis knows, a dead
    one included until its tasks are taken over.
    """

    tracked: int
    held: int
    oldest_age_s: float | None
    workers: tuple[JournalWorker, ...]

    @property
    def unclaimed(self) -> int:
        """Tracked tasks no worker holds yet."""
        return self.tracked - self.held

    def to_dict(self) -> dict[str, Any]:
        """This snapshot as JSON types."""
        return {**attrs.asdict(self), "unclaimed": self.unclaimed}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def read_status(
    client: redis.asyncio.Redis, stream: str, group: str
) -> JournalStatus:
    """Read a journal's :class:`JournalStatus` (a few commands, not atomic)."""
    tracked = int(await client.xlen(stream))
    seconds, micros = await client.time()
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    oldest = await client.xrange(stream, count=1)
    oldest_age_s = None
    if oldest:
        oldest_age_s = max(0, now_ms - int(_text(oldest[0][0]).split("-")[0])) / 1000
    try:
        consumers = await client.xinfo_consumers(stream, group)
    except ResponseError:  # no stream or no group yet: nothing was tracked
        consumers = []
    workers = tuple(
        JournalWorker(
            name=_text(c["name"]),
            held=int(c["pending"]),
            idle_s=int(c["idle"]) / 1000,
        )
        for c in consumers
    )
    return JournalStatus(
        tracked=tracked,
        held=sum(w.held for w in workers),
        oldest_age_s=oldest_age_s,
        workers=workers,
    )

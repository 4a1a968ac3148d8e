"""Durable waits: :class:`RedisTaskJournal`, tracked tasks on a Redis stream."""

from __future__ import annotations

import json
import math
import os
import socket
import uuid
from collections.abc import Awaitable, Collection, Sequence
from typing import Any, Final, TypeVar

import redis.asyncio
from redis.exceptions import RedisError

from suno_async._core.errors import TransportError
from suno_async._core.kinds import TaskKind
from suno_async._engine.journal import JournalEntry
from suno_async._io.timeouts import reraise_cancellation, time_limit
from suno_async.redis import _journal_scripts as scripts
from suno_async.redis._journal_status import JournalStatus, read_status
from suno_async.redis._limiter import RedisRateLimiter

__all__ = ["JournalUnavailableError", "RedisTaskJournal"]

#: Seconds a worker's claim on a task lasts unless renewed.
DEFAULT_LEASE_S: Final = 30.0
#: Seconds between two looks for new or abandoned tasks.
DEFAULT_CLAIM_INTERVAL_S: Final = 1.0
#: Seconds one Redis command may take.
DEFAULT_REDIS_TIMEOUT_S: Final = 5.0
#: The consumer group every worker of a journal joins.
GROUP: Final = "workers"

_T = TypeVar("_T")


class JournalUnavailableError(TransportError):
    """The task journal's Redis could not be reached (transient).

    A worker's loop retries at its next round;
    :meth:`suno_async.SunoClient.track` and
    :meth:`suno_async.TrackedOutcome.ack` raise it: call them again.
    """


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisTaskJournal:
    """Tracked tasks of a fleet of workers, kept in Redis until acknowledged.

    One stream ``<prefix>:journal:<name>`` with one entry per tracked task,
    read through a consumer group, and one hash per task
    (``<prefix>:journal:<name>:task:<id>``: its id, kind, JSON metadata,
    deadline, latest checkpoint). A worker holds the tasks the group gave
    it and renews its claim every ``lease / 3`` seconds; a task whose worker
    stopped renewing for ``lease`` seconds is taken over by the next worker
    that looks (every ``claim_interval_s``). ``consumer`` names this
    worker (default: host, process id and a random suffix).
    ``redis_timeout_s`` bounds each command; failures raise
    :class:`JournalUnavailableError`. Give it to ``SunoClient(journal=...)``.

    Without a ``rate_limiter`` of its own, a client with a journal shares
    the per-task limit through this Redis
    (:class:`RedisRateLimiter` with the same ``prefix``).
    """

    __slots__ = (
        "_cursor",
        "_hash_prefix",
        "_limiter",
        "_redis",
        "_scripts",
        "_stream",
        "claim_interval_s",
        "consumer",
        "lease",
        "name",
        "prefix",
        "redis_timeout_s",
    )

    def __init__(
        self,
        redis_client: redis.asyncio.Redis,
        *,
        name: str,
        lease: float = DEFAULT_LEASE_S,
        claim_interval_s: float = DEFAULT_CLAIM_INTERVAL_S,
        prefix: str = "suno_async",
        consumer: str | None = None,
        redis_timeout_s: float = DEFAULT_REDIS_TIMEOUT_S,
    ) -> None:
        if not (isinstance(name, str) and name):
            raise ValueError(f"name must be a non-empty string, not {name!r}")
        for label, value in (
            ("lease", lease),
            ("claim_interval_s", claim_interval_s),
            ("redis_timeout_s", redis_timeout_s),
        ):
            if not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise ValueError(f"{label} must be a positive number, not {value!r}")
        self._redis = redis_client
        self.name = name
        self.lease = float(lease)
        self.claim_interval_s = float(claim_interval_s)
        self.prefix = prefix
        self.redis_timeout_s = float(redis_timeout_s)
        self.consumer = consumer or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self._stream = f"{prefix}:journal:{name}"
        self._hash_prefix = f"{self._stream}:task:"
        self._cursor = "0-0"
        self._limiter: RedisRateLimiter | None = None
        self._scripts = {
            script: redis_client.register_script(getattr(scripts, script))
            for script in scripts.__all__
        }

    def __repr__(self) -> str:
        return (
            f"<RedisTaskJournal name={self.name!r} consumer={self.consumer!r} "
            f"lease={self.lease:g}>"
        )

    @property
    def stream(self) -> str:
        """The Redis key of the journal's stream."""
        return self._stream

    def _task_key(self, task_id: str) -> str:
        return self._hash_prefix + task_id

    async def _guard(self, call: Awaitable[_T]) -> _T:
        """Run one Redis call within ``redis_timeout_s``; map its failures."""
        try:
            async with time_limit(self.redis_timeout_s):
                return await call
        except (RedisError, OSError) as exc:
            reraise_cancellation(exc)
            raise JournalUnavailableError(
                f"the task journal's Redis is unreachable: {type(exc).__name__}: {exc}"
            ) from exc

    async def _run(self, script: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return await self._guard(self._scripts[script](keys=keys, args=args))

    # --- the TaskJournal protocol ----------------------------------------------

    async def add(
        self, task_id: str, *, kind: TaskKind, meta: str, timeout: float
    ) -> bool:
        """Track ``task_id``; false if it is tracked already (nothing changes)."""
        added = await self._run(
            "ADD",
            [self._stream, self._task_key(task_id)],
            [task_id, kind.value, meta, math.ceil(timeout * 1000), GROUP],
        )
        return bool(added)

    async def claim(self, count: int) -> list[JournalEntry]:
        """Take up to ``count`` tasks: a dead worker's first, then new ones."""
        cursor, now_ms, taken = await self._run(
            "CLAIM",
            [self._stream],
            [
                GROUP,
                self.consumer,
                math.ceil(self.lease * 1000),
                count,
                self._cursor,
                self._hash_prefix,
            ],
        )
        self._cursor = _text(cursor)
        return [self._entry(_text(ref), fields, int(now_ms)) for ref, fields in taken]

    def _entry(self, ref: str, fields: list[Any], now_ms: int) -> JournalEntry:
        record = {
            _text(k): _text(v) for k, v in zip(fields[::2], fields[1::2], strict=True)
        }
        return JournalEntry(
            task_id=record["task_id"],
            kind=TaskKind(record["kind"]),
            meta=json.loads(record["meta"]),
            remaining_s=(int(record["deadline_ms"]) - now_ms) / 1000,
            checkpoint=record.get("checkpoint"),
            redelivered=int(record.get("delivered", "0")) > 0,
            ref=ref,
        )

    async def renew(self, refs: Collection[str]) -> set[str]:
        """Reset the idle time of the entries this worker holds; those it holds."""
        kept = await self._run("RENEW", [self._stream], [GROUP, self.consumer, *refs])
        return {_text(ref) for ref in kept}

    async def checkpoint(self, entry: JournalEntry, checkpoint: str) -> None:
        """Store the task's latest checkpoint (while it is tracked)."""
        await self._run("SET_CHECKPOINT", [self._task_key(entry.task_id)], [checkpoint])

    async def delivered(self, entry: JournalEntry) -> None:
        """Count an outcome handed out: a later claim says ``redelivered``."""
        await self._run("DELIVERED", [self._task_key(entry.task_id)], [])

    async def ack(self, entry: JournalEntry) -> None:
        """Remove the task: its entry and its hash, in one transaction."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.xack(self._stream, GROUP, entry.ref)
        pipe.xdel(self._stream, entry.ref)
        pipe.delete(self._task_key(entry.task_id))
        await self._guard(pipe.execute())

    async def pending_count(self) -> int:
        """How many tasks are tracked and not yet acknowledged."""
        return int(await self._guard(self._redis.xlen(self._stream)))

    def rate_limiter(self) -> RedisRateLimiter:
        """The per-task limiter every worker of this journal shares."""
        if self._limiter is None:
            self._limiter = RedisRateLimiter(self._redis, prefix=self.prefix)
        return self._limiter

    # --- for people ------------------------------------------------------------

    async def status(self) -> JournalStatus:
        """Counts, the oldest task's age and the workers, as Redis sees them now."""
        return await self._guard(read_status(self._redis, self._stream, GROUP))

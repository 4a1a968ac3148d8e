"""Scale-out over Redis: one rate limit and one callback fan-out for a fleet.

Give every client of every process the same Redis and key prefix::

    import redis.asyncio
    from suno_async.redis import RedisCallbackBus, RedisRateLimiter

    shared = redis.asyncio.Redis.from_url("redis://localhost:6379/0")
    client = SunoClient(
        rate_limiter=RedisRateLimiter(shared),
        callback_bus=RedisCallbackBus(shared),
    )

:class:`RedisRateLimiter` keeps the exact per-task limit (3 record-info
requests per task in any sliding second) across all of them, in Redis time;
:class:`RedisCallbackBus` makes a callback received by one process wake the
waits of every process. :class:`RedisTaskJournal` keeps tracked tasks
(``SunoClient(journal=...)``, :meth:`suno_async.SunoClient.track`) until a worker
delivers their outcome, across restarts and crashes. Needs the ``redis`` extra:
``pip install "suno-async[redis]"``.
"""

from __future__ import annotations

try:
    import redis.asyncio  # noqa: F401
except ImportError as exc:  # pragma: no cover - the tests run with redis installed
    raise ImportError(
        'suno_async.redis needs the redis package: pip install "suno-async[redis]"'
    ) from exc

from suno_async.redis._bus import RedisCallbackBus
from suno_async.redis._journal import JournalUnavailableError, RedisTaskJournal
from suno_async.redis._journal_status import JournalStatus, JournalWorker
from suno_async.redis._limiter import (
    RateLimiterUnavailableError,
    RedisPacer,
    RedisRateLimiter,
)

__all__ = [
    "JournalStatus",
    "JournalUnavailableError",
    "JournalWorker",
    "RateLimiterUnavailableError",
    "RedisCallbackBus",
    "RedisPacer",
    "RedisRateLimiter",
    "RedisTaskJournal",
]

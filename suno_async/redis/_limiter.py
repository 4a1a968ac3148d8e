"""The per-task limiter and client-wide pacers shared through Redis.

Both rules run as Lua scripts, so each decision is atomic in Redis and uses
Redis's clock (``TIME``), never the clients' clocks. Keys expire by
themselves. Waiting callers poll Redis with short jittered sleeps, capped at
``poll_interval_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any, Final, Literal

import redis.asyncio
from redis.exceptions import NoScriptError, RedisError

from suno_async._core.clock import Clock
from suno_async._core.errors import TransportError
from suno_async._io.clock import SYSTEM_CLOCK
from suno_async._io.limiter import RECOVERY_FRACTION, LocalRateLimiter, check_window

__all__ = ["RateLimiterUnavailableError", "RedisPacer", "RedisRateLimiter"]

logger = logging.getLogger("suno_async")

#: Seconds an in-flight slot may stay unreleased (a crashed process) before
#: it counts as released at that moment.
DEFAULT_LEASE_S: Final = 120.0
#: Longest sleep between two tries of a waiting caller, in seconds.
DEFAULT_POLL_INTERVAL_S: Final = 0.05
#: Seconds one Redis command may take before Redis counts as unreachable.
DEFAULT_REDIS_TIMEOUT_S: Final = 2.0
#: Seconds after a Redis failure before Redis is tried again.
DEFAULT_RECHECK_S: Final = 1.0

# KEYS[1]: one key's sorted set of slots, each scored with the Redis time (us)
# when it stops counting: release + window for a released slot, start + lease
# + window for one in flight (so a lost release frees it at lease expiry).
# ARGV: limit, window_us, lease_us, member. Returns -2 when a slot was taken,
# else the microseconds until one frees, or -1 if that depends on a release
# still to come (all blocking slots are in flight).
_ACQUIRE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
local result = -2
if active < limit then
  redis.call('ZADD', KEYS[1], now + lease + window, ARGV[4])
else
  -- the slot that must stop counting before a new one may start
  local ends = redis.call('ZRANGE', KEYS[1], active - limit, active - limit,
                          'WITHSCORES')
  local wait = tonumber(ends[2]) - now
  if wait <= window then result = wait else result = -1 end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((lease + window) / 1000))
return result
"""

# KEYS[1]: the key's sorted set; ARGV: window_us, member. The slot now counts
# until Redis time + window (only if it is still there).
_RELEASE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
"""

# GCRA without bursts. KEYS[1]: the theoretical arrival time (us) of the next
# start; ARGV: interval_us. Returns 0 when a start was granted (and pushes
# the next one interval_us later), else the microseconds to wait.
_PACE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return tat - now end
redis.call('SET', KEYS[1], math.max(tat, now) + interval,
           'PX', math.ceil(interval / 1000) + 1000)
return 0
"""


class RateLimiterUnavailableError(TransportError):
    """The shared rate limiter's backend (Redis) could not be reached.

    Transient: waits retry it inside their deadline; other calls raise it.
    """


class RedisRateLimiter:
    """The exact limit of :class:`~suno_async.LocalRateLimiter`, shared via Redis.

    Every client using the same Redis and ``prefix`` counts in one window
    per key: a slot is active from its start until ``window_s + margin_s``
    after its release, and at most ``limit`` are active per key, in Redis
    time. A slot never released (its process died) counts as released
    ``lease_s`` after its start. ``redis_timeout_s`` bounds each Redis
    command; after a failure, Redis is tried again only ``recheck_s``
    later. When Redis is unreachable, ``fallback="error"`` (the default)
    fails closed with :class:`RateLimiterUnavailableError`;
    ``fallback="local"`` uses a per-process :class:`~suno_async.LocalRateLimiter`
    meanwhile, logging one warning per outage. ``clock`` times the local
    waits (retries, the fallback); the window itself is in Redis time.
    """

    __slots__ = (
        "_degraded",
        "_local",
        "_recheck_at",
        "_redis",
        "clock",
        "fallback",
        "lease_s",
        "limit",
        "margin_s",
        "poll_interval_s",
        "prefix",
        "recheck_s",
        "redis_timeout_s",
        "window_s",
    )

    def __init__(
        self,
        redis_client: redis.asyncio.Redis,
        *,
        prefix: str = "suno_async",
        limit: int = 3,
        window_s: float = 1.0,
        margin_s: float = 0.0,
        lease_s: float = DEFAULT_LEASE_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        redis_timeout_s: float = DEFAULT_REDIS_TIMEOUT_S,
        recheck_s: float = DEFAULT_RECHECK_S,
        fallback: Literal["error", "local"] = "error",
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        check_window(limit, window_s, margin_s)
        for name, value in (
            ("lease_s", lease_s),
            ("poll_interval_s", poll_interval_s),
            ("redis_timeout_s", redis_timeout_s),
            ("recheck_s", recheck_s),
        ):
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        if fallback not in ("error", "local"):
            raise ValueError(f"fallback must be 'error' or 'local', not {fallback!r}")
        self._redis = redis_client
        self.prefix = prefix
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self.lease_s = lease_s
        self.poll_interval_s = poll_interval_s
        self.redis_timeout_s = redis_timeout_s
        self.recheck_s = recheck_s
        self._recheck_at = -math.inf
        self.fallback = fallback
        self.clock = clock
        self._local = LocalRateLimiter(
            limit=limit, window_s=window_s, margin_s=margin_s, clock=clock
        )
        self._degraded = False

    def slot(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for a free slot for ``key`` in every process; hold it in the block."""
        return self._slot(key)

    @contextlib.asynccontextmanager
    async def _slot(self, key: str) -> AsyncIterator[None]:
        name = f"{self.prefix}:slot:{key}"
        member = uuid.uuid4().hex
        window_us = _us(self.window_s + self.margin_s)
        try:
            await self._acquire(name, member, window_us)
        except RateLimiterUnavailableError:
            if self.fallback == "error":
                raise
            async with self._local.slot(key):
                yield
            return
        try:
            yield
        finally:
            try:
                await self.run_script(_RELEASE, name, window_us, member)
            except RateLimiterUnavailableError:
                # Fail safe: the slot counts until its lease runs out.
                logger.warning("could not release a rate-limit slot of %s", key)

    async def _acquire(self, name: str, member: str, window_us: int) -> None:
        args = (self.limit, window_us, _us(self.lease_s), member)
        while (wait_us := await self.run_script(_ACQUIRE, name, *args)) != -2:
            cap = self.poll_interval_s
            wait_s = cap if wait_us < 0 else min(wait_us / 1e6, cap)
            await self.clock.sleep(wait_s * (0.75 + random.random() / 4))

    def pacer(self, name: str, rate_per_s: float) -> RedisPacer:
        """A client-wide pacer shared by every process (see :class:`RedisPacer`)."""
        return RedisPacer(self, name, rate_per_s)

    async def run_script(self, script: str, key: str, *args: int | str) -> int:
        """Run ``script`` on ``key``; Redis failures become our error.

        After a failure Redis is not tried again for ``recheck_s``: calls
        fail (or fall back) at once meanwhile, instead of each waiting out
        connection retries.
        """
        if self._degraded and self.clock.now() < self._recheck_at:
            raise RateLimiterUnavailableError("the Redis rate limiter is unreachable")
        try:
            result = await asyncio.wait_for(
                self._eval(script, key, *args), self.redis_timeout_s
            )
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._recheck_at = self.clock.now() + self.recheck_s
            if not self._degraded:
                self._degraded = True
                logger.warning(
                    "Redis unreachable (%s): %s", type(exc).__name__, self._mode()
                )
            raise RateLimiterUnavailableError(
                f"the Redis rate limiter is unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        if self._degraded:
            self._degraded = False
            logger.warning("Redis reachable again: rate limits shared again")
        return int(result)

    async def _eval(self, script: str, key: str, *args: int | str) -> Any:
        """EVALSHA, sending the script itself only when Redis lacks it."""
        sha = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
        try:
            return await self._redis.evalsha(sha, 1, key, *args)
        except NoScriptError:
            return await self._redis.eval(script, 1, key, *args)

    def _mode(self) -> str:
        if self.fallback == "local":
            return "limiting per process until it is back"
        return "requests fail until it is back"

    def __repr__(self) -> str:
        return (
            f"<RedisRateLimiter prefix={self.prefix!r} limit={self.limit} "
            f"window_s={self.window_s:g} fallback={self.fallback!r} "
            f"degraded={self._degraded}>"
        )


class RedisPacer:
    """Evenly spaced starts shared by every process, adapted by AIMD.

    The :class:`~suno_async.AdaptivePacer` rule over Redis: starts under
    one ``name`` are at least ``1 / current_rate`` seconds apart across
    processes (a GCRA without bursts, in Redis time); the rate halves after
    :meth:`on_rate_limited` and recovers by ``rate_per_s / 32`` per
    :meth:`on_success`, in this process. Redis failures behave as the
    limiter's ``fallback`` says (``"local"``: pace this process alone).
    """

    __slots__ = ("_key", "_limiter", "_local_last", "_rate", "rate_per_s")

    def __init__(self, limiter: RedisRateLimiter, name: str, rate_per_s: float) -> None:
        if not (rate_per_s > 0 and math.isfinite(rate_per_s)):
            raise ValueError(
                f"rate_per_s must be a positive number, not {rate_per_s!r}"
            )
        self._limiter = limiter
        self._key = f"{limiter.prefix}:rate:{name}"
        self.rate_per_s = rate_per_s
        self._rate = rate_per_s
        self._local_last = -math.inf

    @property
    def current_rate(self) -> float:
        """The rate in force in this process, in requests per second."""
        return self._rate

    async def acquire(self) -> None:
        """Wait until the next start may happen, in every process."""
        limiter = self._limiter
        while True:
            try:
                wait_us = await limiter.run_script(
                    _PACE, self._key, _us(1 / self._rate)
                )
            except RateLimiterUnavailableError:
                if limiter.fallback == "error":
                    raise
                await self._acquire_locally()
                return
            if wait_us <= 0:
                return
            await limiter.clock.sleep(
                wait_us / 1e6
            )  # exact: the next start only moves later

    async def _acquire_locally(self) -> None:
        clock = self._limiter.clock
        wait_s = self._local_last + 1 / self._rate - clock.now()
        self._local_last = clock.now() + max(0.0, wait_s)
        if wait_s > 0:
            await clock.sleep(wait_s)

    def on_rate_limited(self) -> None:
        """The service said "too many requests": halve this process's rate."""
        self._rate = max(self.rate_per_s / 16, self._rate / 2)

    def on_success(self) -> None:
        """A request went through: raise the rate a little, up to the configured one."""
        self._rate = min(
            self.rate_per_s, self._rate + self.rate_per_s * RECOVERY_FRACTION
        )

    def __repr__(self) -> str:
        return (
            f"<RedisPacer key={self._key!r} rate_per_s={self.rate_per_s:g} "
            f"current_rate={self._rate:g}>"
        )


def _us(seconds: float) -> int:
    return math.ceil(seconds * 1e6)

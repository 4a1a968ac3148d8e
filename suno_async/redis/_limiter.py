"""The per-task limiter and client-wide pacers shared through Redis.

Both rules run as Lua scripts, so each decision is atomic in Redis and uses
Redis's clock (``TIME``), never the clients' clocks. Keys expire by
themselves. Waiting callers poll Redis with short jittered sleeps, capped at
``poll_interval_s``.

Stalls: a slot only for a request actually sent
-----------------------------------------------
A caller stops waiting for Redis after ``redis_timeout_s`` (or when it is
cancelled), yet a stalled Redis runs the acquire it was sent once it wakes
up: that slot would then hold a place in the window for a whole lease with
no request behind it. So every acquire carries a fresh member id, and an
acquire whose answer was not seen is *voided* (best-effort, retried before
this limiter's next Redis command until Redis answers): the void script
removes the member and leaves a tombstone for it (``lease_s + window``
long) that the acquire script checks, so a void that Redis runs before the
late acquire makes the acquire refuse itself. In either order no slot is
left. A release that fails is retried the same way (it only moves the
slot's end later: the safe side). Follow-ups still queued when a process
stops using the limiter are bounded by the lease, as for a crashed process.

Falling back and back: one window per process at all times
----------------------------------------------------------
With ``fallback="local"``, every slot is also taken from the process's own
:class:`~suno_async.LocalRateLimiter` first, whether Redis answers or not,
so that limiter always holds this process's recent slots (in flight and
released). Switching to it when Redis fails, and back when Redis answers,
therefore keeps the limit exact for this process's requests. Slots granted
locally during an outage are pushed to Redis (with what is left of their
window, or their lease if still in flight) by this process's first Redis
command once Redis answers, before it takes a shared slot. Across processes
during an outage each process only limits itself (``N`` processes may send
up to ``N * limit`` per window for one key); after it, another process may
still be granted shared slots before this one has pushed its own.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import logging
import math
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final, Literal

import redis.asyncio
from redis.exceptions import NoScriptError, RedisError

from suno_async._core.clock import Clock
from suno_async._core.errors import TransportError
from suno_async._io.clock import SYSTEM_CLOCK
from suno_async._io.limiter import RECOVERY_FRACTION, LocalRateLimiter, check_window
from suno_async._io.timeouts import reraise_cancellation, time_limit
from suno_async.redis._scripts import (
    ACQUIRE,
    GRANTED,
    PACE,
    PUSH,
    RELEASE,
    VOID,
    VOIDED,
)

__all__ = ["RateLimiterUnavailableError", "RedisPacer", "RedisRateLimiter"]

logger = logging.getLogger("suno_async")

_Keys = tuple[str, ...]
_Args = tuple[int | str, ...]
#: A follow-up owed to Redis if a call's answer is lost (see the module's notes).
_Undo = Callable[[], Awaitable[object]] | None

#: Seconds an in-flight slot may stay unreleased (a crashed process) before
#: it counts as released at that moment.
DEFAULT_LEASE_S: Final = 120.0
#: Longest sleep between two tries of a waiting caller, in seconds.
DEFAULT_POLL_INTERVAL_S: Final = 0.05
#: Seconds one Redis command may take before Redis counts as unreachable.
DEFAULT_REDIS_TIMEOUT_S: Final = 2.0
#: Seconds after a Redis failure before Redis is tried again.
DEFAULT_RECHECK_S: Final = 1.0


class RateLimiterUnavailableError(TransportError):
    """The shared rate limiter's backend (Redis) could not be reached.

    Transient: waits retry it inside their deadline; other calls raise it.
    """


class _Held:
    """One slot of this process: its Redis member, and its times when local."""

    __slots__ = ("end", "member", "name", "shared")

    def __init__(self, name: str, *, shared: bool) -> None:
        self.name = name
        self.member = uuid.uuid4().hex
        self.shared = shared  # counted in Redis (granted there, or pushed)
        self.end: float | None = None  # local release time, once released


class RedisRateLimiter:
    """The exact limit of :class:`~suno_async.LocalRateLimiter`, shared via Redis.

    Every client using the same Redis and ``prefix`` counts in one window
    per key: a slot is active from its start until ``window_s + margin_s``
    after its release, and at most ``limit`` are active per key, in Redis
    time. A slot never released (its process died) counts as released
    ``lease_s`` after its start; an acquire whose answer never came back
    (a timeout, a cancellation) is voided once Redis answers again, so it
    holds no slot. ``redis_timeout_s`` bounds each Redis command; after a
    failure, Redis is tried again only ``recheck_s`` later. When Redis is
    unreachable, ``fallback="error"`` (the default) fails closed with
    :class:`RateLimiterUnavailableError`; ``fallback="local"`` uses a
    per-process :class:`~suno_async.LocalRateLimiter` meanwhile, logging
    one warning per outage: that limiter sees every slot of the process
    all along, so the limit stays exact within the process across both
    switches, and its slots are pushed to Redis when Redis answers again
    (across processes, each one only limits itself during an outage).
    ``clock``
    times the local waits (retries, the fallback); the shared window itself
    is in Redis time.
    """

    __slots__ = (
        "_degraded",
        "_local",
        "_recheck_at",
        "_redis",
        "_repairs",
        "_unshared",
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
        if fallback not in ("error", "local"):
            raise ValueError(f"fallback must be 'error' or 'local', not {fallback!r}")
        self.lease_s = _positive("lease_s", lease_s)
        self.poll_interval_s = _positive("poll_interval_s", poll_interval_s)
        self.redis_timeout_s = _positive("redis_timeout_s", redis_timeout_s)
        self.recheck_s = _positive("recheck_s", recheck_s)
        self._redis = redis_client
        self.prefix = prefix
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self._recheck_at = -math.inf
        self.fallback = fallback
        self.clock = clock
        self._local = LocalRateLimiter(
            limit=limit, window_s=window_s, margin_s=margin_s, clock=clock
        )
        self._degraded = False
        # Follow-ups owed to Redis (voids, releases, pushes), oldest first,
        # each with the local time after which it no longer matters.
        self._repairs: collections.deque[
            tuple[float, Callable[[], Awaitable[object]]]
        ] = collections.deque()
        # Slots granted locally during an outage, to push when Redis is back.
        self._unshared: list[_Held] = []

    def slot(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for a free slot for ``key`` in every process; hold it in the block."""
        return self._slot(key)

    @contextlib.asynccontextmanager
    async def _slot(self, key: str) -> AsyncIterator[None]:
        if self.fallback == "error":
            held = await self._acquire(key)
            try:
                yield
            finally:
                await self._release(held)
            return
        async with self._local.slot(key):
            try:
                held = await self._acquire(key)
            except RateLimiterUnavailableError:
                held = _Held(self._name(key), shared=False)
                self._note_unshared(held)
            try:
                yield
            finally:
                held.end = self.clock.now()
                if held.shared:
                    await self._release(held)

    def _name(self, key: str) -> str:
        return f"{self.prefix}:slot:{key}"

    def _window_us(self) -> int:
        return _us(self.window_s + self.margin_s)

    def _tombstone(self, member: str) -> str:
        return f"{self.prefix}:void:{member}"

    async def _acquire(self, key: str) -> _Held:
        held = _Held(self._name(key), shared=True)
        keys = (held.name, self._tombstone(held.member))
        args = (self.limit, self._window_us(), _us(self.lease_s), held.member)
        while True:
            wait_us = await self._run(
                ACQUIRE, keys, args, undo=functools.partial(self._void, held)
            )
            if wait_us == GRANTED:
                return held
            if wait_us == VOIDED:  # pragma: no cover - a fresh member is never void
                raise RuntimeError("a live rate-limit slot was voided")
            cap = self.poll_interval_s
            wait_s = cap if wait_us < 0 else min(wait_us / 1e6, cap)
            await self.clock.sleep(wait_s * (0.75 + random.random() / 4))

    async def _void(self, held: _Held) -> None:
        tombstone_ms = math.ceil(self.lease_s * 1000) + self._window_us() // 1000
        keys = (held.name, self._tombstone(held.member))
        await self._call(VOID, keys, (held.member, tombstone_ms))

    async def _release(self, held: _Held) -> None:
        keys = (held.name,)
        args = (self._window_us(), held.member)
        try:
            await self._run(RELEASE, keys, args)
        except BaseException as exc:
            # Fail safe: the slot counts until the release gets through (or
            # its lease runs out); the retry only moves its end later.
            self._owe(functools.partial(self._call, RELEASE, keys, args))
            if not isinstance(exc, RateLimiterUnavailableError):
                raise
            logger.warning("could not release a rate-limit slot of %s yet", held.name)

    def _note_unshared(self, held: _Held) -> None:
        now = self.clock.now()
        window_s = self.window_s + self.margin_s
        self._unshared = [
            h for h in self._unshared if h.end is None or h.end + window_s > now
        ]
        self._unshared.append(held)

    async def _push(self, held: _Held) -> None:
        """Count a slot granted during an outage in Redis, for what is left of it."""
        if held.end is None:
            counts_us = _us(self.lease_s) + self._window_us()
        else:
            left_s = held.end + self.window_s + self.margin_s - self.clock.now()
            if left_s <= 0:
                return
            counts_us = _us(left_s)
        in_flight = held.end is None
        expire_ms = math.ceil(self.lease_s * 1000) + self._window_us() // 1000 + 1
        await self._call(PUSH, (held.name,), (held.member, counts_us, expire_ms))
        held.shared = True
        if in_flight and held.end is not None:  # released while being pushed
            await self._call(RELEASE, (held.name,), (self._window_us(), held.member))

    def _owe(self, repair: Callable[[], Awaitable[object]]) -> None:
        self._repairs.append(
            (self.clock.now() + self.lease_s + self.window_s + self.margin_s, repair)
        )

    async def _settle(self) -> None:
        """Run the follow-ups owed to Redis, oldest first; stop at a failure."""
        while self._repairs:
            until, repair = self._repairs.popleft()
            if until <= self.clock.now():
                continue  # what it was for has expired in Redis by itself
            try:
                await repair()
            except BaseException:
                self._repairs.appendleft((until, repair))
                raise

    def pacer(self, name: str, rate_per_s: float) -> RedisPacer:
        """A client-wide pacer shared by every process (see :class:`RedisPacer`)."""
        return RedisPacer(self, name, rate_per_s)

    async def run_script(self, script: str, key: str, *args: int | str) -> int:
        """Run ``script`` on ``key``; Redis failures become our error.

        After a failure Redis is not tried again for ``recheck_s``: calls
        fail (or fall back) at once meanwhile, instead of each waiting out
        connection retries. Follow-ups owed to Redis (see the module's
        notes) run first.
        """
        return await self._run(script, (key,), args)

    async def _run(
        self, script: str, keys: _Keys, args: _Args, *, undo: _Undo = None
    ) -> int:
        await self._settle()
        result = await self._call(script, keys, args, undo=undo)
        if self._repairs:  # Redis came back during the call: push at once
            try:
                await self._settle()
            except RateLimiterUnavailableError:
                pass  # still owed; the result stands
            except BaseException:
                if undo is not None:  # cancelled: the result will not be used
                    self._owe(undo)
                raise
        return result

    async def _call(
        self, script: str, keys: _Keys, args: _Args, *, undo: _Undo = None
    ) -> int:
        """One script run, bounded by ``redis_timeout_s``.

        ``undo`` is owed to Redis when the script was sent but its answer
        was not seen (Redis may still run it).
        """
        if self._degraded and self.clock.now() < self._recheck_at:
            raise RateLimiterUnavailableError("the Redis rate limiter is unreachable")
        try:
            async with time_limit(self.redis_timeout_s):
                result = await self._eval(script, keys, args)
        except BaseException as exc:
            if undo is not None:
                self._owe(undo)
            if not isinstance(exc, (RedisError, OSError)):
                raise
            reraise_cancellation(exc)
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
            for held in self._unshared:
                self._owe(functools.partial(self._push, held))
            self._unshared = []
        return int(result)

    async def _eval(
        self, script: str, keys: tuple[str, ...], args: tuple[int | str, ...]
    ) -> Any:
        """EVALSHA, sending the script itself only when Redis lacks it."""
        sha = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
        try:
            return await self._redis.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self._redis.eval(script, len(keys), *keys, *args)

    def _mode(self) -> str:
        if self.fallback == "local":
            return "limiting per process until it is back"
        return "requests fail until it is back"

    def __repr__(self) -> str:
        return (
            f"<RedisRateLimiter prefix={self.prefix!r} limit={self.limit} "
            f"window_s={self.window_s:g} fallback={self.fallback!r} "
            f"degraded={self._degraded} owed={len(self._repairs)}>"
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
                wait_us = await limiter.run_script(PACE, self._key, _us(1 / self._rate))
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


def _positive(name: str, value: float) -> float:
    """``value``, or ``ValueError`` unless it is a positive finite number."""
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return value

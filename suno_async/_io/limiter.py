"""Request limits: the exact per-key sliding-window limiter and the client pacer.

The service accepts at most 3 record-info requests per task in any sliding
second, counted on arrival. :class:`LocalRateLimiter` enforces that exactly
within one process; :class:`RateLimiter` is the protocol a shared backend
(``suno_async.redis``) implements to do the same across processes.
:class:`AdaptivePacer` spaces every request of a client evenly and slows
down by itself after rate-limit answers.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Final, Protocol, runtime_checkable

import attrs

from suno_async._core.clock import Clock
from suno_async._io.clock import SYSTEM_CLOCK

__all__ = [
    "AdaptivePacer",
    "LimiterStatistics",
    "LocalRateLimiter",
    "LocalSlot",
    "Pacer",
    "RateLimiter",
    "check_window",
    "make_pacer",
]

logger = logging.getLogger("suno_async")

#: A success gives back this fraction of the configured rate (AIMD increase).
RECOVERY_FRACTION: Final = 1 / 32


@runtime_checkable
class RateLimiter(Protocol):
    """Backend protocol for the per-key limiter (``suno_async.redis`` implements it).

    ``slot(key)`` waits until a request for ``key`` may be sent and holds the
    slot while the block runs: enter it just before sending, leave it when the
    answer (or the failure) is seen. Waiting callers queue; they never fail
    for being over the limit.
    """

    def slot(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot for ``key``; hold it until the block exits."""
        ...


@runtime_checkable
class Pacer(Protocol):
    """A client-wide rate: :class:`AdaptivePacer`, or a shared one from a backend.

    A :class:`RateLimiter` that also has ``pacer(name, rate_per_s) -> Pacer``
    (``suno_async.redis.RedisRateLimiter`` does) paces the client's
    ``max_requests_per_second`` and ``max_creations_per_second`` across
    every process sharing it.
    """

    async def acquire(self) -> None:
        """Wait for the next start allowed by the rate."""
        ...

    def on_rate_limited(self) -> None:
        """The service answered "rate limited": slow down."""
        ...

    def on_success(self) -> None:
        """A request went through: recover toward the configured rate."""
        ...


def make_pacer(
    limiter: RateLimiter | None,
    name: str,
    rate_per_s: float | None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Pacer | None:
    """The pacer for a client-wide rate: the limiter's shared one, else local.

    A local pacer counts time on the limiter's clock when it has one (limits
    are paced in the time base they are counted in), else on ``clock``.
    """
    if rate_per_s is None:
        return None
    shared = getattr(limiter, "pacer", None)
    if callable(shared):
        pacer: Pacer = shared(name, rate_per_s)
        return pacer
    return AdaptivePacer(rate_per_s, clock=getattr(limiter, "clock", clock))


def check_window(limit: int, window_s: float, margin_s: float) -> None:
    """Refuse impossible window settings (``ValueError``); every limiter uses it."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit!r}")
    if not (window_s > 0 and math.isfinite(window_s)):
        raise ValueError(f"window_s must be a positive number, not {window_s!r}")
    if not (margin_s >= 0 and math.isfinite(margin_s)):
        raise ValueError(f"margin_s must be zero or positive, not {margin_s!r}")


@attrs.frozen(kw_only=True)
class LimiterStatistics:
    """A limiter's live ``keys``, slots ``in_flight`` and callers ``waiting``."""

    keys: int
    in_flight: int
    waiting: int


#: Idle key states a :class:`LocalRateLimiter` keeps for reuse, at most.
_SPARE_MAX: Final = 1024


class _Window:
    """The pure sliding-window rule for one key (no asyncio, no clock).

    A slot is active from :meth:`start` until ``window_s`` after its
    :meth:`finish`; a slot starts only while fewer than ``limit`` are
    active. So of any ``limit + 1`` requests, the last one started at least
    ``window_s`` after another one finished; as every arrival lies between
    its request's start and finish, their arrivals never all fall within
    ``window_s``.
    """

    __slots__ = ("_released", "in_flight", "limit", "window_s")

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self.in_flight = 0
        self._released: collections.deque[float] = collections.deque()

    def _expire(self, now: float) -> None:
        released = self._released
        while released and released[0] + self.window_s <= now:
            released.popleft()

    def earliest_start(self, now: float) -> float:
        """When the next slot may start (``now`` if free; ``inf`` until a finish)."""
        self._expire(now)
        excess = self.in_flight + len(self._released) - self.limit + 1
        if excess <= 0:
            return now
        if excess > len(self._released):
            return math.inf
        return self._released[excess - 1] + self.window_s

    def start(self, now: float) -> None:
        """Take a slot at ``now``."""
        if self.earliest_start(now) > now:
            raise RuntimeError("no free slot")
        self.in_flight += 1

    def finish(self, now: float) -> None:
        """Release a slot at ``now``; it stays active for ``window_s``."""
        if self.in_flight <= 0:
            raise RuntimeError("no slot in flight")
        self.in_flight -= 1
        self._released.append(now)

    def idle(self, now: float) -> bool:
        """Whether nothing is in flight or active any more."""
        self._expire(now)
        return self.in_flight == 0 and not self._released


class _Queue:
    """A fair FIFO of waiters; the head sleeps until its start time."""

    __slots__ = ("_kick", "waiters")

    def __init__(self) -> None:
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._kick: asyncio.Future[None] | None = None

    def _wake_head(self) -> None:
        if self.waiters and not self.waiters[0].done():
            self.waiters[0].set_result(None)

    def kick(self) -> None:
        """Tell the head to look again (a slot was released)."""
        if self._kick is not None and not self._kick.done():
            self._kick.set_result(None)

    async def wait(self, ready_at: Callable[[], float], clock: Clock) -> None:
        """Return once it is this caller's turn and ``ready_at() <= clock.now()``.

        ``ready_at`` gives the earliest start time (``inf``: wait for
        :meth:`kick`). The caller must take its slot before its next ``await``.
        """
        if not self.waiters and ready_at() <= clock.now():
            return
        loop = asyncio.get_running_loop()
        me: asyncio.Future[None] = loop.create_future()
        self.waiters.append(me)
        try:
            if self.waiters[0] is not me:
                await me
            while (at := ready_at()) > (now := clock.now()):
                if at == math.inf:
                    self._kick = loop.create_future()
                    await self._kick
                else:
                    await clock.sleep(at - now)
        except BaseException:
            was_head = self.waiters[0] is me
            self.waiters.remove(me)
            if was_head:
                self._wake_head()
            raise
        self.waiters.popleft()
        self._wake_head()


class LocalSlot(AbstractAsyncContextManager[None]):
    """One hold of a :class:`LocalRateLimiter` slot for a key (``async with``).

    :meth:`enter_now` takes the slot without awaiting when it is free and
    nobody is queued for the key (the common case, which then needs no
    timeout around it); otherwise ``async with`` (or ``__aenter__``) waits
    in the key's queue. Either way ``__aexit__`` releases it.
    """

    __slots__ = ("_key", "_limiter", "_state")

    def __init__(self, limiter: LocalRateLimiter, key: str) -> None:
        self._limiter = limiter
        self._key = key
        self._state: _Window | None = None

    def enter_now(self) -> bool:
        """Take the slot if that needs no wait; whether it was taken."""
        self._state = self._limiter._acquire_now(self._key)
        return self._state is not None

    async def __aenter__(self) -> None:
        self._state = await self._limiter._acquire(self._key)

    async def __aexit__(self, *exc: object) -> None:
        state, self._state = self._state, None
        if state is not None:
            self._limiter._release(self._key, state)


class LocalRateLimiter:
    """Exact sliding-window limit per key, in one process.

    The server must never see more than ``limit`` requests for one key within
    ``window_s`` seconds, counted on arrival. An arrival can happen at any
    moment between send and answer, so a request holds its slot from its
    send until its answer (or failure, or cancellation) is seen, and the
    slot stays counted for ``window_s + margin_s`` after that::

        async with limiter.slot(task_id):
            response = await send()

    Hand-written because no library offers this: token and leaky buckets
    (aiolimiter) and plain sliding windows count a request once, at its
    start, so network jitter can still bunch arrivals. Callers over the limit
    wait in FIFO order per key; different keys never block each other. A
    key's state is dropped (lazily, on the next use of the limiter) once it
    has no holder, no waiter and no slot still counted, so memory follows
    the keys in use, not the keys ever seen.
    """

    __slots__ = (
        "_clock",
        "_expiries",
        "_keys",
        "_queues",
        "_spare",
        "limit",
        "margin_s",
        "window_s",
    )

    def __init__(
        self,
        *,
        limit: int = 3,
        window_s: float = 1.0,
        margin_s: float = 0.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        check_window(limit, window_s, margin_s)
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self._clock = clock
        self._keys: dict[str, _Window] = {}
        # Only keys with callers waiting have a queue (most requests never wait).
        self._queues: dict[str, _Queue] = {}
        # (time after which a key may be idle, key), in time order.
        self._expiries: collections.deque[tuple[float, str]] = collections.deque()
        # Idle states of dropped keys, for new keys: a poll's key is new to a
        # window of one second again and again, and a state made per request
        # would outlive the young garbage-collector generations.
        self._spare: list[_Window] = []

    def slot(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot for ``key``; hold it until the block exits.

        The context manager also has ``enter_now()``: take the slot at once
        if that needs no wait, and say whether it did.
        """
        return LocalSlot(self, key)

    @property
    def clock(self) -> Clock:
        """The clock the window is counted on."""
        return self._clock

    def statistics(self) -> LimiterStatistics:
        """A snapshot of the live keys, slots in flight and waiting callers."""
        self._sweep(self._clock.now())
        return LimiterStatistics(
            keys=len(self._keys),
            in_flight=sum(w.in_flight for w in self._keys.values()),
            waiting=sum(len(q.waiters) for q in self._queues.values()),
        )

    def _state(self, key: str, now: float) -> _Window:
        self._sweep(now)
        window = self._keys.get(key)
        if window is None:
            spare = self._spare
            window = self._keys[key] = (
                spare.pop()
                if spare
                else _Window(self.limit, self.window_s + self.margin_s)
            )
        return window

    def _acquire_now(self, key: str) -> _Window | None:
        """Take a slot for ``key`` if one is free with nobody queued, else ``None``."""
        now = self._clock.now()
        window = self._state(key, now)
        if key in self._queues or window.earliest_start(now) > now:
            return None
        window.in_flight += 1
        return window

    async def _acquire(self, key: str) -> _Window:
        window = self._state(key, self._clock.now())
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue()
        try:
            await queue.wait(
                lambda: window.earliest_start(self._clock.now()), self._clock
            )
        except BaseException:
            self._drop_queue(key, queue)
            self._forget(key, window, self._clock.now())
            raise
        self._drop_queue(key, queue)
        window.start(self._clock.now())
        return window

    def _drop_queue(self, key: str, queue: _Queue) -> None:
        """Forget ``key``'s queue once nobody waits in it."""
        if not queue.waiters and self._queues.get(key) is queue:
            del self._queues[key]

    def _release(self, key: str, window: _Window) -> None:
        now = self._clock.now()
        window.finish(now)
        queue = self._queues.get(key)
        if queue is not None:
            queue.kick()
        self._forget(key, window, now)

    def _forget(self, key: str, window: _Window, now: float) -> None:
        """Note when ``key`` may be idle, for :meth:`_sweep` to drop it."""
        if not (window.in_flight or key in self._queues):
            self._expiries.append((now + window.window_s, key))

    def _sweep(self, now: float) -> None:
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            _, key = expiries.popleft()
            window = self._keys.get(key)
            if window is not None and key not in self._queues and window.idle(now):
                del self._keys[key]
                if len(self._spare) < _SPARE_MAX:
                    self._spare.append(window)

    def __repr__(self) -> str:
        stats = self.statistics()
        return (
            f"<LocalRateLimiter limit={self.limit} window_s={self.window_s:g} "
            f"margin_s={self.margin_s:g} keys={stats.keys} in_flight={stats.in_flight} "
            f"waiting={stats.waiting}>"
        )


class AdaptivePacer:
    """Client-wide pacing: evenly spaced request starts, adapted by AIMD.

    Starts are at least ``1 / current_rate`` seconds apart (no bursts), in
    FIFO order. :meth:`on_rate_limited` halves the current rate (not below
    ``min_rate_per_s``, default ``rate_per_s / 16``); each
    :meth:`on_success` adds back ``rate_per_s / 32`` up to ``rate_per_s``.
    Decreases and the return to full rate are logged at INFO on the
    ``suno_async`` logger.
    """

    __slots__ = (
        "_clock",
        "_last_start",
        "_queue",
        "_rate",
        "min_rate_per_s",
        "rate_per_s",
    )

    def __init__(
        self,
        rate_per_s: float,
        *,
        min_rate_per_s: float | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not (rate_per_s > 0 and math.isfinite(rate_per_s)):
            raise ValueError(
                f"rate_per_s must be a positive number, not {rate_per_s!r}"
            )
        if min_rate_per_s is None:
            min_rate_per_s = rate_per_s / 16
        if not 0 < min_rate_per_s <= rate_per_s:
            raise ValueError(
                f"min_rate_per_s must be in (0, rate_per_s], not {min_rate_per_s!r}"
            )
        self.rate_per_s = rate_per_s
        self.min_rate_per_s = min_rate_per_s
        self._rate = rate_per_s
        self._clock = clock
        self._last_start = -math.inf
        self._queue = _Queue()

    @property
    def current_rate(self) -> float:
        """The rate in force now, in requests per second."""
        return self._rate

    async def acquire(self) -> None:
        """Wait until the next request may start."""
        await self._queue.wait(lambda: self._last_start + 1 / self._rate, self._clock)
        self._last_start = self._clock.now()

    def on_rate_limited(self) -> None:
        """The service said "too many requests": halve the rate."""
        old, self._rate = self._rate, max(self.min_rate_per_s, self._rate / 2)
        if self._rate != old:
            logger.info(
                "rate limited: pacing down from %.3g to %.3g requests/s",
                old,
                self._rate,
            )

    def on_success(self) -> None:
        """A request went through: raise the rate a little, up to the configured one."""
        if self._rate >= self.rate_per_s:
            return
        self._rate = min(
            self.rate_per_s, self._rate + self.rate_per_s * RECOVERY_FRACTION
        )
        if self._rate == self.rate_per_s:
            logger.info("pacing back at %.3g requests/s", self._rate)

    def __repr__(self) -> str:
        return (
            f"<AdaptivePacer rate_per_s={self.rate_per_s:g} "
            f"current_rate={self._rate:g} waiting={len(self._queue.waiters)}>"
        )

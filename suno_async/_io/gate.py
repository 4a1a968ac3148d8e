"""The transport's gate: at most ``limit`` requests at once, the others queued.

Requests over the limit wait here, in FIFO order, as one future each: not as
aiohttp requests queued for a connection (each a request object, its
headers and timers), so a client offered more polls than it can send keeps
a small heap. Each waiter has a deadline; one timer, armed for the earliest
deadline, ends the waits that pass theirs with ``asyncio.TimeoutError``
(no timeout object and timer per waiter).

A caller that keeps its own state can also queue as itself
(:meth:`Gate.queue`, a :class:`Turn`): it is handed its turn by a call, so a
poll waiting here holds no future, coroutine or task at all.

An adaptive gate also lowers its limit while round trips show queueing and
raises it back as they shorten (:class:`~suno_async._core.concurrency.VegasLimit`),
so a client offered more than it can send keeps few requests alive.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import itertools
from typing import Protocol

from suno_async._core.concurrency import VegasLimit

__all__ = ["Gate", "Turn"]


class Turn(Protocol):
    """A caller queued as itself (:meth:`Gate.queue`), not as a future."""

    @property
    def queued(self) -> bool:
        """Whether it still wants its turn."""
        ...

    def take_turn(self) -> bool:
        """Its turn came: take it (true) or, no longer queued, pass it on (false).

        Called from :meth:`Gate.leave`, so it must not run the holder's work
        there and then: schedule it, and give the turn back with ``leave``.
        """
        ...


class Gate:
    """At most ``limit`` holders; the others wait in FIFO order until a deadline."""

    __slots__ = (
        "_count",
        "_deadlines",
        "_in_use",
        "_timer",
        "_turns",
        "_vegas",
        "_waiters",
        "limit",
    )

    def __init__(self, limit: int, *, adaptive: bool = False) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit!r}")
        self.limit = limit
        self._in_use = 0
        self._vegas = VegasLimit(limit) if adaptive else None
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._turns: collections.deque[Turn] = collections.deque()
        self._deadlines: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def current_limit(self) -> int:
        """Holders admitted at once now: ``limit``, or less while adapting."""
        vegas = self._vegas
        return self.limit if vegas is None else int(vegas.limit)

    @property
    def waiting(self) -> int:
        """Callers waiting for a turn."""
        futures = sum(not waiter.done() for waiter in self._waiters)
        return futures + sum(turn.queued for turn in self._turns)

    def enter_now(self) -> bool:
        """Take a turn if one is free and nobody waits; whether it was taken."""
        if self._in_use < self.current_limit and not (self._waiters or self._turns):
            self._in_use += 1
            return True
        return False

    def queue(self, turn: Turn) -> None:
        """Queue ``turn`` behind the waiters; :meth:`Turn.take_turn` admits it.

        It has no deadline here: it leaves the queue by no longer being
        :attr:`Turn.queued` (its turn then passes on).
        """
        self._turns.append(turn)

    async def enter(self, timeout_s: float | None) -> float:
        """Wait for a turn, ``timeout_s`` at most (else a timeout); seconds waited.

        ``None`` waits without a deadline (the caller bounds the wait itself).
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        if self.enter_now():
            return 0.0
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        if timeout_s is not None:
            deadline = started + timeout_s
            heapq.heappush(self._deadlines, (deadline, next(self._count), waiter))
            if self._deadlines[0][2] is waiter:
                self._arm(loop)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.leave()  # admitted, then cancelled: pass the turn on
            raise
        return loop.time() - started

    def measured(self, rtt: float, now: float) -> None:
        """A holder took ``rtt`` seconds (an adaptive gate adapts its limit)."""
        if self._vegas is not None:
            self._vegas.sample(rtt, self._in_use, now)

    def leave(self) -> None:
        """Give a turn back, and pass turns on to waiters while the limit allows."""
        self._in_use -= 1
        waiters, turns, limit = self._waiters, self._turns, self.current_limit
        while waiters and self._in_use < limit:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._in_use += 1
        while turns and self._in_use < limit:
            self._in_use += 1
            if not turns.popleft().take_turn():
                self._in_use -= 1
        deadlines = self._deadlines
        while deadlines and deadlines[0][2].done():  # admitted: no deadline left
            heapq.heappop(deadlines)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(self._deadlines[0][0], self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """End the waits past their deadline; re-arm for the next one."""
        self._timer = None
        deadlines = self._deadlines
        now = loop.time()
        while deadlines and (deadlines[0][2].done() or deadlines[0][0] <= now):
            waiter = heapq.heappop(deadlines)[2]
            if not waiter.done():
                waiter.set_exception(asyncio.TimeoutError())
        if deadlines:
            self._arm(loop)

    def __repr__(self) -> str:
        free = max(0, self.current_limit - self._in_use)
        return f"<Gate limit={self.limit} free={free} waiting={self.waiting}>"

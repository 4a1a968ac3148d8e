"""A virtual clock for tests: time advances only when every task sleeps."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math

__all__ = ["VirtualClock"]


class VirtualClock:
    """A clock whose ``sleep`` jumps virtual time instead of waiting.

    Pass :meth:`now` and :meth:`sleep` wherever the SDK takes a clock and a
    sleep (``PollPolicy``, ``LocalRateLimiter``). When a coroutine sleeps,
    the clock lets every other ready task run for ``settle_rounds`` event
    loop iterations, then jumps to the earliest pending wake-up and wakes
    every sleeper due then. Sleepers wake in time order, ties in call order; real I/O
    in flight is not waited for, so use it with in-memory fakes
    (aioresponses) rather than real sockets.
    """

    __slots__ = ("_counter", "_driver", "_now", "_settle_rounds", "_sleepers")

    def __init__(self, start: float = 0.0, *, settle_rounds: int = 50) -> None:
        self._now = start
        self._settle_rounds = settle_rounds
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> float:
        """The virtual time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (sleepers due by then wake on the next jump)."""
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of virtual time."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wake_at = self._now + max(0.0, seconds)
        if seconds > 0:
            # Time must move: a sleep shorter than the float step at `now`
            # would otherwise wake at `now`, and a caller re-checking a
            # deadline computed in floats could sleep forever.
            wake_at = max(wake_at, math.nextafter(self._now, math.inf))
        heapq.heappush(self._sleepers, (wake_at, next(self._counter), future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(self._settle_rounds):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # cancelled sleepers
            if not self._sleepers:
                return
            wake_at = self._sleepers[0][0]
            self._now = max(self._now, wake_at)
            while self._sleepers and self._sleepers[0][0] == wake_at:
                future = heapq.heappop(self._sleepers)[2]
                if not future.done():
                    future.set_result(None)

    def __repr__(self) -> str:
        return f"<VirtualClock now={self._now:.3f} sleepers={len(self._sleepers)}>"

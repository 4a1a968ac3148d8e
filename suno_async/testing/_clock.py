"""A virtual clock for tests: time advances only when every task sleeps."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Callable

from suno_async._core.clock import Timer

__all__ = ["ScaledClock", "VirtualClock"]


class VirtualClock:
    """A clock whose ``sleep`` jumps virtual time instead of waiting.

    Pass it as the client's clock (``SunoClient(clock=VirtualClock())``) or
    to a limiter or pacer (``LocalRateLimiter(clock=...)``): it is a
    :class:`~suno_async.Clock`, so the SDK runs the same code path as in
    production. When a coroutine sleeps or a timer is due,
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
        await self._schedule(seconds)

    def call_later(self, delay: float, callback: Callable[[], object]) -> Timer:
        """Call ``callback()`` after ``delay`` seconds of virtual time."""
        timer = _Timer(self._schedule(delay), callback)
        timer.future.add_done_callback(timer.fire)
        return timer

    def _schedule(self, seconds: float) -> asyncio.Future[None]:
        """A future resolved once ``seconds`` of virtual time have passed."""
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
        return future

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


class _Timer:
    """A :meth:`VirtualClock.call_later` call that can be called off.

    Called off until its callback runs: also once its time came, while the
    callback still waits for its turn on the loop.
    """

    __slots__ = ("_callback", "future")

    def __init__(self, future: asyncio.Future[None], callback: Callable[[], object]):
        self.future = future
        self._callback: Callable[[], object] | None = callback

    def fire(self, future: asyncio.Future[None]) -> None:
        """Its time came (:attr:`future` is done): call, unless called off."""
        callback, self._callback = self._callback, None
        if callback is not None and not future.cancelled():
            callback()

    def cancel(self) -> None:
        """Call it off (harmless once it ran)."""
        self._callback = None
        self.future.cancel()


class ScaledClock:
    """Real time, scaled: one of its seconds lasts ``scale`` real seconds.

    A clock for the simulated seconds of ``FakeSunoServer(scale=...)``: a
    client on it (``SunoClient(clock=ScaledClock(scale))``) waits, backs off
    and times out in simulated seconds, as the demo does. The server counts
    the per-task limit in real seconds: give such a client a limiter on the
    real clock (``rate_limiter=LocalRateLimiter()``), and mind that at a
    small scale that limit, not the policy, paces the reads.
    """

    __slots__ = ("scale",)

    def __init__(self, scale: float) -> None:
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError(f"scale must be a positive number, not {scale!r}")
        self.scale = scale

    def now(self) -> float:
        """Simulated seconds: ``time.monotonic() / scale``."""
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` simulated seconds."""
        await asyncio.sleep(seconds * self.scale)

    def call_later(
        self, delay: float, callback: Callable[[], object]
    ) -> asyncio.TimerHandle:
        """Call ``callback()`` after ``delay`` simulated seconds."""
        return asyncio.get_running_loop().call_later(delay * self.scale, callback)

    def __repr__(self) -> str:
        return f"<ScaledClock scale={self.scale:g}>"

"""The clock protocol: the one source of time for every timed part of a client.

A client is given one clock (``SunoClient(clock=...)``); its waits, limiter,
pacers, creation retries and the rest read and spend time only through it.
Production uses the system's monotonic clock; tests pass
:class:`suno_async.testing.VirtualClock` through the very same code path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "Timer"]


class Timer(Protocol):
    """A scheduled call that can still be called off."""

    def cancel(self) -> object:
        """Call it off (harmless once it ran)."""
        ...


@runtime_checkable
class Clock(Protocol):
    """Monotonic time in seconds, sleeping, and timers on that time."""

    def now(self) -> float:
        """The current time in seconds (monotonic; its origin is arbitrary)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock's time."""
        ...

    def call_later(self, delay: float, callback: Callable[[], object]) -> Timer:
        """Call ``callback()`` once ``delay`` seconds have passed on this clock."""
        ...

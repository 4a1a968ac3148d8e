"""The system clock: ``time.monotonic`` and the running event loop's timers."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable
from typing import Final

__all__ = ["SYSTEM_CLOCK", "SystemClock"]


class _TimerContexts(threading.local):
    """The context :meth:`SystemClock.call_later` callbacks run in, per thread.

    asyncio copies the caller's context into each timer otherwise: one more
    object per timer that lives as long as the timer (seconds, for a nap),
    which a fleet of waits pays for in full garbage collections. The SDK's
    timer callbacks read no context variable. Per thread, because a context
    is entered by one callback at a time, and each thread runs its own loop.
    """

    def __init__(self) -> None:
        self.context = contextvars.Context()


_TIMER_CONTEXTS: Final = _TimerContexts()


class SystemClock:
    """The default :class:`~suno_async.Clock`: real monotonic seconds."""

    __slots__ = ()

    def now(self) -> float:
        """``time.monotonic()``, the clock asyncio's own timers use."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep(seconds)``."""
        await asyncio.sleep(seconds)

    def call_later(
        self, delay: float, callback: Callable[[], object]
    ) -> asyncio.TimerHandle:
        """The running loop's ``call_later``, in the thread's empty timer context."""
        loop = asyncio.get_running_loop()
        return loop.call_later(delay, callback, context=_TIMER_CONTEXTS.context)

    def __repr__(self) -> str:
        return "<SystemClock>"


#: The clock of every client that is not given one.
SYSTEM_CLOCK: Final = SystemClock()

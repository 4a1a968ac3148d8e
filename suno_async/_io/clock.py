"""The system clock: ``time.monotonic`` and the running event loop's timers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

__all__ = ["SYSTEM_CLOCK", "SystemClock"]


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
        """The running loop's ``call_later``."""
        return asyncio.get_running_loop().call_later(delay, callback)

    def __repr__(self) -> str:
        return "<SystemClock>"


#: The clock of every client that is not given one.
SYSTEM_CLOCK: Final = SystemClock()

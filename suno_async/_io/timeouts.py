"""A time limit around an ``await`` that never loses a cancellation.

``asyncio.wait_for`` on Python 3.10 and 3.11 returns the awaited result
when the caller is cancelled in the same loop turn as that result arrives,
and the cancellation is lost: a worker told to stop runs on. ``asyncio.timeout``
(3.11+) and anyio's cancel scopes (3.10) do not. Both raise the built-in
``TimeoutError`` (an ``OSError``) when the time is up.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio

__all__ = ["time_limit"]

if sys.version_info >= (3, 11):
    # asyncio's own timeout costs a fraction of a cancel scope's
    time_limit: Callable[[float], AbstractAsyncContextManager[object]] = asyncio.timeout
else:  # pragma: no cover - Python 3.10

    @asynccontextmanager
    async def time_limit(seconds: float) -> AsyncIterator[None]:
        """Raise ``TimeoutError`` in the body after ``seconds``."""
        with anyio.fail_after(seconds):
            yield

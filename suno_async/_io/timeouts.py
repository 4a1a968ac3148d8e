"""A time limit around an ``await`` that never loses a cancellation.

``asyncio.wait_for`` on Python 3.10 and 3.11 returns the awaited result
when the caller is cancelled in the same loop turn as that result arrives,
and the cancellation is lost: a worker told to stop runs on.
``asyncio.timeout`` (3.11+) and its backport ``async_timeout`` (3.10, the
one aiohttp and redis-py use there) do not. Both raise the built-in
``TimeoutError`` (an ``OSError``) when the time is up.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

__all__ = ["time_limit"]

if sys.version_info >= (3, 11):
    time_limit: Callable[[float], AbstractAsyncContextManager[object]] = asyncio.timeout
else:  # pragma: no cover - Python 3.10
    # asyncio.timeout's own backport, as aiohttp and redis-py use on 3.10
    import async_timeout  # type: ignore[import-not-found, unused-ignore]

    @asynccontextmanager
    async def time_limit(seconds: float) -> AsyncIterator[None]:
        """Raise the built-in ``TimeoutError`` in the body after ``seconds``."""
        try:
            async with async_timeout.timeout(seconds):
                yield
        except asyncio.TimeoutError as exc:  # not the built-in one on 3.10
            raise TimeoutError from exc

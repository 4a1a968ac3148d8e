"""Time limits and failures that never lose a cancellation.

``asyncio.wait_for`` on Python 3.10 and 3.11 returns the awaited result
when the caller is cancelled in the same loop turn as that result arrives,
and the cancellation is lost: a worker told to stop runs on.
``asyncio.timeout`` (3.11+) and its backport ``async_timeout`` (3.10, the
one aiohttp and redis-py use there) do not. Both raise the built-in
``TimeoutError`` (an ``OSError``) when the time is up.

A library may also end a cancelled call with an error of its own: redis-py
8.2 was seen raising ``ConnectionError`` ("Connection closed by server")
in a task being cancelled. Code that maps such errors to a transient
:class:`~suno_async.SunoError` calls :func:`reraise_cancellation` first.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

__all__ = ["reraise_cancellation", "time_limit"]

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


def reraise_cancellation(error: BaseException) -> None:
    """Raise ``CancelledError`` from ``error`` if the current task is being cancelled.

    On Python 3.10 a task cannot tell: ``Task.cancelling`` is 3.11+, and
    where a backport supplies it (pytest-asyncio's runner does) its count
    stays raised after an ``async_timeout`` expiry, which never uncancels,
    so an ordinary timeout would pass for a cancellation. There this does
    nothing, and the callers also stop on their own state.
    """
    if sys.version_info >= (3, 11):
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError from error

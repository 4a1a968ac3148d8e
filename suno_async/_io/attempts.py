"""The slots of one request's wire attempts, aiohttp's silent re-sends included.

aiohttp sends an idempotent request again, once, when a kept-alive
connection turns out closed; the server may have seen the first attempt, so
each attempt needs its own slot of the per-task limiter.
:class:`~suno_async._io.http.Transport` makes one :class:`Attempts` per
request and hands it to aiohttp as that request's middleware.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from suno_async._io.timeouts import time_limit

if TYPE_CHECKING:  # only its types: the transport is what uses aiohttp
    import aiohttp

__all__ = ["Attempts", "SlotFactory", "bounded"]

#: Makes one async context manager per wire attempt (a rate-limiter slot).
SlotFactory = Callable[[], AbstractAsyncContextManager[object]]


async def bounded(enter: Callable[[], Awaitable[object]], timeout_s: float) -> float:
    """Await ``enter()`` within ``timeout_s`` (else ``TimeoutError``); seconds taken."""
    started = time.monotonic()
    async with time_limit(timeout_s):
        await enter()
    return time.monotonic() - started


class Attempts:
    """The slots of one request's wire attempts (also its aiohttp middleware).

    The first slot is taken before the request starts (so a session whose
    wire is mocked takes one too) and released when the first attempt's
    headers arrive or it fails; every further attempt takes a fresh slot
    (as the middleware this object also is). A slot offering
    ``enter_now()`` (:class:`~suno_async.LocalRateLimiter`'s) is taken at
    once when it is free, without a timer; any other wait for the first
    slot is bounded by the request's timeout.
    """

    __slots__ = ("_held", "_slot", "attempts", "slot_taken")

    def __init__(self, slot: SlotFactory) -> None:
        self._slot = slot
        self._held: AbstractAsyncContextManager[object] | None = None
        self.attempts = 0
        #: Whether the first slot was granted (before it, nothing can be sent).
        self.slot_taken = False

    async def take_first(self, timeout_s: float) -> float:
        """Take the first attempt's slot; the seconds spent waiting for it."""
        slot = self._slot()
        enter_now = getattr(slot, "enter_now", None)
        waited = 0.0
        if enter_now is None or not enter_now():
            waited = await bounded(slot.__aenter__, timeout_s)
        self._held = slot
        self.slot_taken = True
        return waited

    @property
    def holding(self) -> bool:
        """Whether the first slot is still held."""
        return self._held is not None

    async def release_first(self) -> None:
        """Release the first slot (once: later calls do nothing)."""
        held, self._held = self._held, None
        if held is not None:
            await held.__aexit__(None, None, None)

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        self.attempts += 1
        if self.attempts == 1:
            try:
                return await handler(request)
            finally:
                if self._held is not None:
                    await self.release_first()
        async with self._slot():
            return await handler(request)

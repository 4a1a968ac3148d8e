"""A mailbox: items put by the poll loop, taken by one consumer that awaits them."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

__all__ = ["Mailbox"]

T = TypeVar("T")


class Mailbox(Generic[T]):
    """A FIFO of items with one awaiting consumer (no locks: one event loop)."""

    __slots__ = ("_waiter", "items")

    def __init__(self) -> None:
        self.items: deque[T] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def put(self, item: T) -> None:
        """Add ``item`` and wake the consumer."""
        self.items.append(item)
        self.wake()

    def wake(self) -> None:
        """Wake the consumer (to look at its items, or at its other state)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self) -> None:
        """Return once :meth:`put` or :meth:`wake` was called."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

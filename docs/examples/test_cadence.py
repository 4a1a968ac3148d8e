"""Unit-testing your own timing logic with VirtualClock: no real waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from suno_async.testing import VirtualClock


async def keep_typing(
    show_typing: Callable[[], Awaitable[None]],
    *,
    every_s: float = 4.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Refresh a chat's "typing..." indicator until cancelled."""
    while True:
        await show_typing()
        await sleep(every_s)


async def test_typing_is_refreshed_every_four_seconds() -> None:
    """Ten virtual seconds take no real time and show typing three times."""
    clock = VirtualClock()
    shown: list[float] = []

    async def show_typing() -> None:
        shown.append(clock.now())

    typing = asyncio.create_task(keep_typing(show_typing, sleep=clock.sleep))
    await clock.sleep(10.0)
    typing.cancel()

    assert shown == [0.0, 4.0, 8.0]

"""STUB — to be implemented (see /tmp/INTERFACES.md)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

__all__ = ["AdaptivePacer", "LocalRateLimiter", "RateLimiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """Backend protocol for the per-key limiter."""

    def slot(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait for a free slot for ``key``; hold it until the block exits."""
        ...


class LocalRateLimiter:
    """STUB."""


class AdaptivePacer:
    """STUB."""

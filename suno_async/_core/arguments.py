"""Checks of arguments the SDK refuses before sending or starting anything.

Pure. Each answers the value it accepts, or raises
:class:`InvalidArgumentError` (also a ``ValueError``) naming the argument.
"""

from __future__ import annotations

from suno_async._core.errors import InvalidArgumentError

__all__ = ["positive_int"]


def positive_int(name: str, value: object) -> int:
    """``value`` if it is an ``int`` >= 1 (not a ``bool``); else an error naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, not {value!r}")
    return value

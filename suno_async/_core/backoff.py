"""Pure schedule maths: poll cadence, retry backoff, jitter and deadlines.

No I/O and no clock here: every function maps numbers to a delay in
seconds, so the policies in :mod:`suno_async._core.policies` can be tested as
tables and with Hypothesis.
"""

from __future__ import annotations

import math
from typing import Literal

import attrs

from suno_async._core.models import TaskStatus

__all__ = [
    "PollState",
    "capped_exponential",
    "clip",
    "grow",
    "jittered",
]

Jitter = Literal["equal", "full"]


@attrs.frozen(kw_only=True)
class PollState:
    """What a wait knows when it chooses its next poll.

    ``milestone`` is the last milestone reached (``PENDING`` before
    TEXT_SUCCESS); ``phase_elapsed_s`` the seconds since it was first seen
    (since the wait began for ``PENDING``); ``polls_in_phase`` the polls made
    since then, the one that saw it included; ``polls`` every poll of the
    wait; ``unknown_status`` whether the last poll saw a status the SDK does
    not know.
    """

    milestone: TaskStatus
    phase_elapsed_s: float
    polls_in_phase: int
    polls: int
    unknown_status: bool = False


def clip(delay: float, remaining: float | None) -> float:
    """``delay`` cut to what remains of a deadline (``None``: no deadline).

    Never negative: a deadline already passed gives ``0.0``.
    """
    if remaining is not None:
        delay = min(delay, remaining)
    return max(0.0, delay)


def capped_exponential(
    n: int, initial: float, multiplier: float, maximum: float
) -> float:
    """``min(maximum, initial * multiplier ** (n - 1))`` for the n-th delay (n >= 1).

    Computed without overflow for any ``n``.
    """
    return grow(initial, multiplier, max(0, n - 1), maximum)


def grow(base: float, multiplier: float, exponent: float, maximum: float) -> float:
    """``min(maximum, base * multiplier ** exponent)``, without overflow."""
    if base >= maximum:
        return maximum
    if multiplier > 1 and exponent >= math.log(maximum / base, multiplier):
        return maximum
    return float(min(maximum, base * multiplier**exponent))


def jittered(delay: float, u: float, jitter: Jitter) -> float:
    """Spread ``delay`` with a uniform draw ``u`` in [0, 1).

    ``"full"``: ``u * delay``, in [0, delay); ``"equal"``:
    ``delay / 2 + u * delay / 2``, in [delay / 2, delay).
    """
    if jitter == "full":
        return u * delay
    return delay / 2 + u * delay / 2

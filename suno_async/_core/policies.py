"""Poll and retry policies: frozen configuration, their formulas in docstrings.

Pure: a policy maps a wait's state to a delay. Time itself comes from the
client's clock (:class:`~suno_async.Clock`), never from a policy.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable
from typing import Final, Literal

import attrs

from suno_async._core.backoff import (
    Jitter,
    PollState,
    capped_exponential,
    grow,
    jittered,
)
from suno_async._core.errors import SunoError
from suno_async._core.models import TaskStatus

__all__ = [
    "CATCH_UP_DELAY_S",
    "CATCH_UP_READS",
    "HIGH_QUANTILE",
    "LEARNED_RANGE",
    "LOW_QUANTILE",
    "MAX_MODELS",
    "MODEL_MIN_SAMPLES",
    "PRIOR_SAMPLES",
    "RETRY_AFTER_MAX_S",
    "SAFETY_NET_GROWTH",
    "SAFETY_NET_MAX_FACTOR",
    "WINDOW",
    "PollKind",
    "PollPolicy",
    "RetryDetails",
    "RetryHook",
    "RetryPolicy",
]

#: The longest ``Retry-After`` honoured, in seconds: a longer one is cut to this.
RETRY_AFTER_MAX_S: Final = 120.0

# The cadence's tunables, one table: the learned window, the learner's
# memory (suno_async._core.learning), the callbacks' slow-down (_engine.cadence).
#: A learned phase window stays within this factor of the policy's own.
LEARNED_RANGE: Final = 4.0
#: The default quantiles of a learned window: ``lo`` and ``hi``.
LOW_QUANTILE, HIGH_QUANTILE = 0.1, 0.9
#: Ended phases a learner keeps per key (and running ones it follows), and
#: the lengths standing for the priors until those replace them.
WINDOW, PRIOR_SAMPLES = 64, 8
#: A model's own window is used once it holds this many samples; models
#: told apart per family (later ones share the family's window).
MODEL_MIN_SAMPLES, MAX_MODELS = 16, 16
#: After a callback whose stage the record does not show yet: this many
#: reads, this many seconds apart.
CATCH_UP_READS, CATCH_UP_DELAY_S = 3, 1.0
#: Each safety-net read that finds nothing new stretches the next by
#: ``SAFETY_NET_GROWTH``, up to ``SAFETY_NET_MAX_FACTOR`` times
#: ``callback_safety_net_s``.
SAFETY_NET_GROWTH, SAFETY_NET_MAX_FACTOR = 1.5, 4.0

PollKind = Literal["phased", "fixed", "exponential"]
_Phases = tuple[float, float, float]
#: The phase a wait is in, by the last milestone reached.
_PHASES: Final = {
    TaskStatus.PENDING: 0,
    TaskStatus.TEXT_SUCCESS: 1,
    TaskStatus.FIRST_SUCCESS: 2,
}


def _check_phases(
    instance: object, attribute: attrs.Attribute[_Phases], value: _Phases
) -> None:
    if len(value) != 3 or not all(0 <= v < math.inf for v in value):
        raise ValueError(
            f"{attribute.name} must be 3 finite lengths >= 0, not {value!r}"
        )


@attrs.frozen(kw_only=True)
class PollPolicy:
    """When a wait polls record-info. Frozen; every duration is in seconds.

    The first poll comes after :meth:`first_delay`, uniform in
    ``[0, first_poll_max_s]``, so waits started together do not poll in
    lockstep. Each later delay is :meth:`next_delay` of the wait's
    ``PollState``, by ``kind``:

    ``"phased"`` (the default). A task passes three phases (PENDING,
    TEXT_SUCCESS, FIRST_SUCCESS); phase ``p`` typically lasts between
    ``lo`` and ``hi``. With ``e`` the seconds since the phase's milestone was
    seen::

        spacing = c * sqrt(max(0, hi - e) + tail_fraction * w)
        growth  = multiplier ** (max(0, e - hi) / hi)
        delay   = min(max_interval_s, max(quiet - e, spacing * growth))
        delay  *= 1 + spread * (2 * random() - 1)

    From the priors alone (``learn=False``, or nothing learned yet):
    ``lo = phase_min_s[p]``, ``hi = phase_max_s[p]``, ``quiet =
    quiet_fraction * lo``, ``w = hi`` and ``c = sqrt_spacing``. From a
    learned window (the client's :class:`~suno_async.PhaseLearner`: the
    low and high Kaplan-Meier quantiles of the phases its waits saw end or
    still see running, starting from lengths spread over the priors, read
    before every delay and clipped by :meth:`learned_window`): ``quiet =
    lo``, ``w = max(hi - lo, phase_max_s[p] / 4)`` and ``c =
    learned_spacing``; the window is narrower and surer, so the wait sleeps
    up to ``lo`` and spends its polls between ``lo`` and ``hi``, never less
    than ``learned_spacing * sqrt(tail_fraction * phase_max_s[p] / 4)``
    apart (0.39 s by default, over the 1/3 s the per-task limit allows).

    Nothing can happen early in a phase, so the wait skips to ``quiet``;
    polls then tighten as the phase's typical end nears (spacing with the
    square root of the time left is optimal for an end spread evenly over
    the window) and back off, by ``multiplier`` per ``hi``, once the phase
    overruns: a service slower than learned costs few polls, and is learned
    in turn. The last factor spreads each delay by up to ``spread`` either
    way, so waits started together drift apart instead of polling in
    lockstep. An unknown status polls every ``interval_s``. No delay exceeds
    ``max_interval_s``, learned or not.

    ``"fixed"`` (:meth:`fixed`): every ``interval_s``.

    ``"exponential"`` (:meth:`exponential`): ``min(max_interval_s,
    interval_s * multiplier ** (n - 1))`` with ``n`` the polls since the last
    milestone (``reset_on_milestone``) or since the wait began.

    Once callbacks reach the client (:meth:`SunoClient.handle_callback`),
    each callback triggers one read at once and the delays above are
    stretched to at least ``callback_safety_net_s``, growing 1.5 times with each
    read that finds no news since the last callback, up to 4 times: polling is
    then only the safety net for lost callbacks. A wait for a task the
    client has just created leaves its first read to the callbacks (or to
    the safety net).

    ``random`` is injectable for tests and left out of ``==`` and ``repr``;
    time comes from the client's clock (``SunoClient(clock=...)``).
    """

    kind: PollKind = attrs.field(
        default="phased",
        validator=attrs.validators.in_(("phased", "fixed", "exponential")),
    )
    first_poll_max_s: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    interval_s: float = attrs.field(default=3.0, validator=attrs.validators.gt(0))
    max_interval_s: float = attrs.field(default=10.0, validator=attrs.validators.gt(0))
    multiplier: float = attrs.field(default=4.0, validator=attrs.validators.ge(1))
    reset_on_milestone: bool = True
    sqrt_spacing: float = attrs.field(default=0.6, validator=attrs.validators.gt(0))
    learned_spacing: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    quiet_fraction: float = attrs.field(default=0.6, validator=attrs.validators.ge(0))
    tail_fraction: float = attrs.field(default=0.2, validator=attrs.validators.gt(0))
    spread: float = attrs.field(
        default=0.1, validator=[attrs.validators.ge(0), attrs.validators.lt(1)]
    )
    callback_safety_net_s: float = attrs.field(
        default=30.0, validator=attrs.validators.gt(0)
    )
    phase_min_s: tuple[float, float, float] = attrs.field(
        default=(3.0, 15.0, 30.0), validator=_check_phases
    )
    phase_max_s: tuple[float, float, float] = attrs.field(
        default=(12.0, 40.0, 110.0), validator=_check_phases
    )
    learn: bool = True
    random: Callable[[], float] = attrs.field(
        default=_random.random, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        if any(
            lo > hi or hi <= 0
            for lo, hi in zip(self.phase_min_s, self.phase_max_s, strict=True)
        ):
            raise ValueError(
                "each phase needs 0 <= phase_min_s <= phase_max_s, phase_max_s > 0"
            )

    @classmethod
    def fixed(cls, interval_s: float) -> PollPolicy:
        """Poll every ``interval_s`` (after the jittered first poll)."""
        return cls(kind="fixed", interval_s=interval_s)

    @classmethod
    def exponential(
        cls,
        initial_s: float,
        multiplier: float,
        max_s: float,
        *,
        reset_on_milestone: bool = True,
    ) -> PollPolicy:
        """Capped exponential backoff, restarting at each milestone by default."""
        return cls(
            kind="exponential",
            interval_s=initial_s,
            multiplier=multiplier,
            max_interval_s=max_s,
            reset_on_milestone=reset_on_milestone,
        )

    def scaled(self, factor: float) -> PollPolicy:
        """This policy with every duration multiplied by ``factor``.

        Every delay it gives is then ``factor`` times the original's for the
        same task seconds (``sqrt_spacing`` scales by ``sqrt(factor)``).

        For a simulator playing tasks ``1 / factor`` times faster
        (``FakeSunoServer(scale=factor)``): the waits then keep the same
        cadence relative to the task's phases, in real seconds.
        """
        _check_factor(factor)
        return attrs.evolve(
            self,
            first_poll_max_s=self.first_poll_max_s * factor,
            interval_s=self.interval_s * factor,
            max_interval_s=self.max_interval_s * factor,
            callback_safety_net_s=self.callback_safety_net_s * factor,
            # spacing grows with the square root of seconds left: its
            # coefficient scales by sqrt(factor) for delays to scale by factor
            sqrt_spacing=self.sqrt_spacing * math.sqrt(factor),
            learned_spacing=self.learned_spacing * math.sqrt(factor),
            phase_min_s=_times(self.phase_min_s, factor),
            phase_max_s=_times(self.phase_max_s, factor),
        )

    def first_delay(self) -> float:
        """Seconds before the first poll: uniform in ``[0, first_poll_max_s]``."""
        return self.random() * self.first_poll_max_s

    def next_delay(
        self, state: PollState, window: tuple[float, float] | None = None
    ) -> float:
        """Seconds from the poll described by ``state`` to the next one.

        ``window``: the current phase's learned ``(lo, hi)`` (``"phased"``
        only), kept within :meth:`learned_window`'s bounds.
        """
        if self.kind == "fixed":
            return self.interval_s
        if self.kind == "exponential":
            n = state.polls_in_phase if self.reset_on_milestone else state.polls
            return capped_exponential(
                n, self.interval_s, self.multiplier, self.max_interval_s
            )
        spread = 1.0 + self.spread * (2.0 * self.random() - 1.0)
        return self._phased_delay(state, window) * spread

    def learned_window(
        self, phase: int, window: tuple[float, float]
    ) -> tuple[float, float]:
        """A learned ``(lo, hi)`` for ``phase``, kept within the priors' reach.

        Both ends are clipped to ``[phase_min_s[p] / LEARNED_RANGE,
        phase_max_s[p] * LEARNED_RANGE]``, ``hi`` to at least
        ``phase_max_s[p] / LEARNED_RANGE`` and ``lo`` to at most ``hi``.
        """
        prior_lo, prior_hi = self.phase_min_s[phase], self.phase_max_s[phase]
        floor, ceiling = prior_lo / LEARNED_RANGE, prior_hi * LEARNED_RANGE
        hi = min(ceiling, max(prior_hi / LEARNED_RANGE, window[1]))
        lo = min(hi, max(floor, window[0]))
        return lo, hi

    def _phased_delay(
        self, state: PollState, window: tuple[float, float] | None
    ) -> float:
        """The ``"phased"`` delay before its spread (the formula above)."""
        phase = _PHASES.get(state.milestone)
        if phase is None or state.unknown_status:
            return self.interval_s
        elapsed = max(0.0, state.phase_elapsed_s)
        if window is not None and self.learn:
            quiet, hi = self.learned_window(phase, window)
            width = max(hi - quiet, self.phase_max_s[phase] / LEARNED_RANGE)
            coefficient = self.learned_spacing
        else:
            lo, hi = self.phase_min_s[phase], self.phase_max_s[phase]
            quiet, width, coefficient = self.quiet_fraction * lo, hi, self.sqrt_spacing
        left_s = max(0.0, hi - elapsed) + self.tail_fraction * width
        spacing = coefficient * math.sqrt(left_s)
        overrun = max(0.0, elapsed - hi) / hi
        delay = grow(spacing, self.multiplier, overrun, self.max_interval_s)
        return max(delay, min(self.max_interval_s, quiet - elapsed))


@attrs.frozen(kw_only=True)
class RetryDetails:
    """One retry about to happen, as :attr:`RetryPolicy.on_retry` sees it.

    ``action`` is ``"poll"`` (a wait's record-info read) or ``"create"`` (a
    task creation); ``task_id`` is ``None`` for a creation. ``attempt`` counts
    the consecutive failures so far (from 1), ``error`` is the last one and
    ``delay_s`` the seconds until the retry.
    """

    action: Literal["poll", "create"]
    task_id: str | None
    attempt: int
    error: SunoError
    delay_s: float


RetryHook = Callable[[RetryDetails], None]
"""Called with each :class:`RetryDetails` (see :attr:`RetryPolicy.on_retry`)."""


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a wait retries transient failures. Frozen; durations in seconds.

    Before retry ``n`` (``n`` consecutive failures so far, from 1)::

        backoff = min(max_s, initial_s * multiplier ** (n - 1))
        delay   = backoff / 2 + random() * backoff / 2      # jitter="equal" (default)
        delay   = random() * backoff                         # jitter="full"
        delay   = max(delay, min(retry_after, retry_after_max_s))

    so a server's ``Retry-After`` pushes the retry out (never by more than
    ``retry_after_max_s``, by default ``RETRY_AFTER_MAX_S``, 120 s). Equal
    jitter keeps at least half the backoff while still spreading retries.
    Retries go on until the wait's deadline, or ``max_retries`` when set. A
    404 within ``not_found_grace_s`` of the wait's start is retried by the
    wait (a new task may not be visible yet), then raises
    ``TaskNotFoundError``.

    A wait that has never reached the service (every attempt failed to
    connect: refused, DNS, TLS, connect timeout) gives up after
    ``connect_attempts`` attempts and raises that ``TransportError``: with
    the defaults, after 5 attempts and 3.75 to 7.5 s of backoff, instead of
    waiting out its deadline. Once the service has answered, connection
    errors are retried until the deadline like any transient error.

    ``on_retry`` (like stamina's instrumentation hooks) is called with a
    :class:`RetryDetails` before each retry's delay, by waits and by task
    creation alike, to log or count retries; an exception it raises is
    logged and ignored.
    """

    initial_s: float = attrs.field(default=0.5, validator=attrs.validators.gt(0))
    max_s: float = attrs.field(default=10.0, validator=attrs.validators.gt(0))
    multiplier: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    jitter: Jitter = attrs.field(
        default="equal", validator=attrs.validators.in_(("equal", "full"))
    )
    retry_after_max_s: float = attrs.field(
        default=RETRY_AFTER_MAX_S, validator=attrs.validators.ge(0)
    )
    not_found_grace_s: float = attrs.field(
        default=30.0, validator=attrs.validators.ge(0)
    )
    max_retries: int | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.ge(0)),
    )
    connect_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    random: Callable[[], float] = attrs.field(
        default=_random.random, eq=False, repr=False
    )
    on_retry: RetryHook | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.max_s < self.initial_s:
            raise ValueError(
                f"max_s ({self.max_s}) must be >= initial_s ({self.initial_s})"
            )

    def scaled(self, factor: float) -> RetryPolicy:
        """This policy with its backoff and grace period multiplied by ``factor``.

        For a time-scaled simulator, as :meth:`PollPolicy.scaled`; the
        ``Retry-After`` cap is left as it is (it bounds the service's hints).
        """
        _check_factor(factor)
        return attrs.evolve(
            self,
            initial_s=self.initial_s * factor,
            max_s=self.max_s * factor,
            not_found_grace_s=self.not_found_grace_s * factor,
        )

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``attempt`` (consecutive failures, 1-based)."""
        backoff = capped_exponential(
            attempt, self.initial_s, self.multiplier, self.max_s
        )
        delay = jittered(backoff, self.random(), self.jitter)
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.retry_after_max_s))
        return delay

    def is_retryable(self, exc: BaseException) -> bool:
        """Whether ``exc`` is a transient :class:`SunoError` worth retrying.

        A 404 is not: the wait handles it with ``not_found_grace_s``.
        """
        return isinstance(exc, SunoError) and exc.is_transient


def _check_factor(factor: float) -> None:
    if not (factor > 0 and math.isfinite(factor)):
        raise ValueError(f"factor must be a positive number, not {factor!r}")


def _times(phases: tuple[float, float, float], factor: float) -> _Phases:
    return (phases[0] * factor, phases[1] * factor, phases[2] * factor)

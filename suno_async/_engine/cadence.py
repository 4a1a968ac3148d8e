"""When a poll loop reads next: the poll policy, phases, and callbacks.

:class:`Cadence` keeps one task's timing state: when its current phase began
and how often it was read in it, and what callbacks said. Without callbacks
the delay is the :class:`~suno_async.PollPolicy`'s. Once callbacks reach the
client (``callbacks_flowing``), polling is only a safety net for lost
callbacks: at least ``callback_safety_net_s``, stretched by
:data:`SAFETY_NET_GROWTH` per read that finds nothing new, up to
:data:`SAFETY_NET_MAX_FACTOR` times; a signed callback the record does not
show yet is followed by up to :data:`CATCH_UP_READS` reads
:data:`CATCH_UP_DELAY_S` apart.
"""

from __future__ import annotations

from typing import Final

from suno_async._core.backoff import PollState
from suno_async._core.models import MILESTONES, TaskStatus
from suno_async._core.policies import PollPolicy

__all__ = [
    "CATCH_UP_DELAY_S",
    "CATCH_UP_READS",
    "SAFETY_NET_GROWTH",
    "SAFETY_NET_MAX_FACTOR",
    "Cadence",
]

#: Reads soon after a callback whose stage the record does not show yet.
CATCH_UP_READS: Final = 3
#: Seconds between those reads.
CATCH_UP_DELAY_S: Final = 1.0
#: Each safety-net read that finds nothing new stretches the next by this...
SAFETY_NET_GROWTH: Final = 1.5
#: ...up to this many times ``callback_safety_net_s``.
SAFETY_NET_MAX_FACTOR: Final = 4.0


class Cadence:
    """One task's poll timing: phases from the policy, slow-down from callbacks."""

    __slots__ = (
        "_catch_up",
        "_confirm_level",
        "_expected_level",
        "_phase_polls",
        "_phase_started",
        "_quiet_reads",
        "policy",
    )

    def __init__(self, policy: PollPolicy, now: float) -> None:
        self.policy = policy
        self._phase_started = now
        self._phase_polls = 0
        self._expected_level = 0
        self._confirm_level = 0
        self._catch_up = 0
        self._quiet_reads = 0

    def first_delay(self, *, left_to_callbacks: bool) -> float:
        """Seconds before the first read (the safety net if callbacks will tell)."""
        delay = self.policy.first_delay()
        return self.policy.callback_safety_net_s if left_to_callbacks else delay

    def heard(self, level: int, *, trusted: bool) -> None:
        """A callback says the task reached ``level`` (a read follows at once)."""
        self._quiet_reads = 0
        self._confirm_level = max(self._confirm_level, level)
        if trusted and level > self._expected_level:
            self._expected_level = level
            self._catch_up = CATCH_UP_READS

    def observed(self, *, reached: bool, now: float) -> None:
        """A read found a new milestone (``reached``) or none."""
        if reached:
            self._phase_started = now
            self._phase_polls = 0
        else:
            self._phase_polls += 1

    def confirms_callback(self, level: int) -> bool:
        """Whether a read at ``level`` confirms the callbacks heard since the last."""
        confirmed = 0 < self._confirm_level <= level
        self._confirm_level = 0
        return confirmed

    def next_delay(
        self,
        *,
        level: int,
        polls: int,
        unknown_status: bool,
        now: float,
        callbacks_flowing: bool,
    ) -> float:
        """Seconds from a read that left the task at milestone ``level`` to the next."""
        policy = self.policy
        delay = policy.next_delay(
            PollState(
                milestone=MILESTONES[level - 1] if level else TaskStatus.PENDING,
                phase_elapsed_s=now - self._phase_started,
                polls_in_phase=self._phase_polls,
                polls=polls,
                unknown_status=unknown_status,
            )
        )
        if not callbacks_flowing:
            return delay
        if level < self._expected_level and self._catch_up > 0:
            self._catch_up -= 1  # the record lags behind a callback
            return min(delay, CATCH_UP_DELAY_S)
        stretch = min(SAFETY_NET_GROWTH**self._quiet_reads, SAFETY_NET_MAX_FACTOR)
        self._quiet_reads += 1
        return max(delay, policy.callback_safety_net_s * stretch)

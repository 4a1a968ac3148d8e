"""When a poll loop reads next: the poll policy, phases, and the task's callbacks.

:class:`Cadence` keeps one task's timing state: when its current phase began
and how often it was read in it, and what *this task's* callbacks said.
Without them the delay is the :class:`~suno_async.PollPolicy`'s. Once this
task's own callbacks are known to arrive (one signature-verified callback,
or an unsigned one that a read confirmed), polling is only a safety net for
lost callbacks: at least ``callback_safety_net_s``, stretched by
:data:`SAFETY_NET_GROWTH` per read that finds nothing new, up to
:data:`SAFETY_NET_MAX_FACTOR` times; a signed callback the record does not
show yet is followed by up to :data:`CATCH_UP_READS` reads
:data:`CATCH_UP_DELAY_S` apart. Another task's callbacks never change this
task's cadence, so callbacks from elsewhere (or forged ones) cannot slow a
wait down.
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
        "_doubting",
        "_expected_level",
        "_phase_polls",
        "_phase_started",
        "_quiet_reads",
        "callbacks_arrive",
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
        self._doubting = False
        #: Whether this task's callbacks are known to reach the client.
        self.callbacks_arrive = False

    def first_delay(self) -> float:
        """Seconds before the first read."""
        return self.policy.first_delay()

    def heard(self, level: int, *, trusted: bool, news: bool = True) -> bool:
        """This task's callback says it reached ``level``; whether to read now.

        ``trusted``: its signature was verified, so this task's callbacks
        arrive. ``news``: the record has not shown ``level`` yet; a duplicate
        changes nothing else. An unsigned callback is read at once unless an
        earlier one was not backed by the record and no read has shown
        progress since: a stream of forged callbacks then costs one read per
        milestone at most, and the task polls as if it had no callbacks.
        """
        if trusted:
            self.callbacks_arrive = True
        if not news or (not trusted and self._doubting):
            return False
        self._quiet_reads = 0
        if trusted:
            if level > self._expected_level:
                self._expected_level = level
                self._catch_up = CATCH_UP_READS
        else:
            self._confirm_level = max(self._confirm_level, level)
        return True

    def observed(self, *, reached: bool, now: float) -> None:
        """A read found a new milestone (``reached``) or none."""
        if reached:
            self._phase_started = now
            self._phase_polls = 0
            self._doubting = False  # progress: callbacks may be believed again
        else:
            self._phase_polls += 1

    def confirm(self, level: int) -> None:
        """A read reached ``level``: it confirms (or not) the callbacks heard since."""
        claimed, self._confirm_level = self._confirm_level, 0
        if 0 < claimed <= level:
            self.callbacks_arrive = True  # an unsigned callback, proven by the record
        if claimed > level:  # an unbacked claim: doubt unsigned callbacks
            self._doubting = True

    def next_delay(
        self,
        *,
        level: int,
        polls: int,
        unknown_status: bool,
        now: float,
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
        if not self.callbacks_arrive or self._doubting:
            return delay
        if level < self._expected_level and self._catch_up > 0:
            self._catch_up -= 1  # the record lags behind a callback
            return min(delay, CATCH_UP_DELAY_S)
        stretch = min(SAFETY_NET_GROWTH**self._quiet_reads, SAFETY_NET_MAX_FACTOR)
        self._quiet_reads += 1
        return max(delay, policy.callback_safety_net_s * stretch)

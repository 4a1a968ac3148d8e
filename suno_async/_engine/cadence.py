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

With a :class:`~suno_async.PhaseLearner` (the client's), a cadence also
feeds it each phase it observes: from the read that first saw a milestone
(the wait's start, for ``PENDING``) it is running, censored at the time seen
so far and updated at each read; it ends at the midpoint between the last
read without the next milestone and the read that saw it. A phase whose
start this wait did not see (it joined a running task) teaches nothing. The
phase's window is read from the learner before every delay, so a wait
uses what the phases that ended meanwhile taught (a cold batch learns
from its own first tasks).
"""

from __future__ import annotations

from suno_async._core.backoff import PollState
from suno_async._core.kinds import TaskKind
from suno_async._core.learning import PhaseLearner, Sample
from suno_async._core.models import MILESTONES, TaskStatus
from suno_async._core.policies import (
    CATCH_UP_DELAY_S,
    CATCH_UP_READS,
    SAFETY_NET_GROWTH,
    SAFETY_NET_MAX_FACTOR,
    PollPolicy,
)

__all__ = [
    "CATCH_UP_DELAY_S",
    "CATCH_UP_READS",
    "SAFETY_NET_GROWTH",
    "SAFETY_NET_MAX_FACTOR",
    "Cadence",
]


class Cadence:
    """One task's poll timing: phases from the policy, slow-down from callbacks."""

    __slots__ = (
        "_catch_up",
        "_confirm_level",
        "_doubting",
        "_expected_level",
        "_kind",
        "_last_read",
        "_learner",
        "_level",
        "_model",
        "_phase_polls",
        "_phase_started",
        "_quiet_reads",
        "_read",
        "_sample",
        "callbacks_arrive",
        "policy",
    )

    def __init__(
        self,
        policy: PollPolicy,
        now: float,
        *,
        learner: PhaseLearner | None = None,
        kind: TaskKind = TaskKind.MUSIC,
    ) -> None:
        self.policy = policy
        self._learner = learner
        self._kind = kind
        self._model: str | None = None
        self._level = 0
        self._last_read = now
        self._read = False  # no read yet: a milestone seen now started earlier
        self._sample: Sample | None = None
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

    def observed(
        self,
        *,
        reached: bool,
        now: float,
        level: int | None = None,
        model: str | None = None,
    ) -> None:
        """A read found a new milestone (``reached``, now at ``level``) or none.

        ``model`` is the task's model when the record names it.
        """
        if level is not None and self._learner is not None:
            self._learn(reached=reached, now=now, level=level, model=model)
        if reached:
            self._phase_started = now
            self._phase_polls = 0
            self._doubting = False  # progress: callbacks may be believed again
        else:
            self._phase_polls += 1

    def _learn(
        self, *, reached: bool, now: float, level: int, model: str | None
    ) -> None:
        """Feed the learner what this read taught (see the module's docstring)."""
        if model is not None:
            self._model = model
        learner = self._learner
        assert learner is not None
        if reached:
            if self._sample is not None:
                ended = (self._last_read + now) / 2 - self._phase_started
                self._update(ended, censored=False)
            self._level, self._sample = level, None
            if self._read and level < len(self.policy.phase_min_s):
                self._sample = learner.begin(
                    self._kind, self._model, level, self._prior(level)
                )
        else:
            if not self._read:  # phase 0 began with the wait
                self._sample = learner.begin(
                    self._kind, self._model, level, self._prior(level)
                )
            self._update(now - self._phase_started, censored=True)
        self._read, self._last_read = True, now

    def _update(self, length: float, *, censored: bool) -> None:
        if self._sample is not None and self._learner is not None:
            self._learner.update(
                self._kind,
                self._model,
                self._level,
                self._sample,
                length,
                censored=censored,
            )

    def _prior(self, phase: int) -> tuple[float, float]:
        return self.policy.phase_min_s[phase], self.policy.phase_max_s[phase]

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
        learner = self._learner
        window = None
        if (
            learner is not None
            and policy.learn
            and policy.kind == "phased"
            and level == self._level < len(policy.phase_min_s)
        ):
            window = policy.learned_window(
                level,
                learner.window(self._kind, self._model, level, self._prior(level)),
            )
        delay = policy.next_delay(
            PollState(
                milestone=MILESTONES[level - 1] if level else TaskStatus.PENDING,
                phase_elapsed_s=now - self._phase_started,
                polls_in_phase=self._phase_polls,
                polls=polls,
                unknown_status=unknown_status,
            ),
            window,
        )
        if not self.callbacks_arrive or self._doubting:
            return delay
        if level < self._expected_level and self._catch_up > 0:
            self._catch_up -= 1  # the record lags behind a callback
            return min(delay, CATCH_UP_DELAY_S)
        stretch = min(SAFETY_NET_GROWTH**self._quiet_reads, SAFETY_NET_MAX_FACTOR)
        self._quiet_reads += 1
        return max(delay, policy.callback_safety_net_s * stretch)

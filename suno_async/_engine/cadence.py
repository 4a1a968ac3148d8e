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
feeds it each phase length it observes: from the read that first saw a
milestone to the midpoint between the last read without the next one and
the read that saw it. A phase whose start this wait did not see (it joined a
running task) teaches nothing. A phase still running past the learned
window's ``hi`` is recorded as censored at the time seen so far, and that
record is updated as the phase goes on and when it ends. Each phase's
window is read from the learner once, at the phase's first delay.
"""

from __future__ import annotations

from suno_async._core.backoff import PollState
from suno_async._core.kinds import TaskKind
from suno_async._core.learning import PhaseLearner, Sample
from suno_async._core.models import MILESTONES, TaskStatus
from suno_async._core.policies import PollPolicy

__all__ = [
    "CATCH_UP_DELAY_S",
    "CATCH_UP_READS",
    "SAFETY_NET_GROWTH",
    "SAFETY_NET_MAX_FACTOR",
    "Cadence",
]

#: After a callback whose stage the record does not show yet: this many
#: reads, this many seconds apart.
CATCH_UP_READS, CATCH_UP_DELAY_S = 3, 1.0
#: Each safety-net read that finds nothing new stretches the next by
#: ``SAFETY_NET_GROWTH``, up to ``SAFETY_NET_MAX_FACTOR`` times
#: ``callback_safety_net_s``.
SAFETY_NET_GROWTH, SAFETY_NET_MAX_FACTOR = 1.5, 4.0


class Cadence:
    """One task's poll timing: phases from the policy, slow-down from callbacks."""

    __slots__ = (
        "_catch_up",
        "_confirm_level",
        "_doubting",
        "_expected_level",
        "_kind",
        "_last_read",
        "_learnable",
        "_learner",
        "_level",
        "_model",
        "_phase_polls",
        "_phase_started",
        "_quiet_reads",
        "_read",
        "_sample",
        "_window",
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
        self._learnable = True  # phase 0 starts with the wait
        self._sample: Sample | None = None
        self._window: tuple[float, float] | None = None
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
        phase, elapsed = self._level, now - self._phase_started
        if reached:
            if self._learnable and self._read:
                ended = (self._last_read + now) / 2 - self._phase_started
                self._record(phase, ended, censored=False)
            self._learnable = self._read
            self._level, self._sample, self._window = level, None, None
        elif self._learnable and self._window and elapsed > self._window[1]:
            self._record(phase, elapsed, censored=True)
        self._read, self._last_read = True, now

    def _record(self, phase: int, length: float, *, censored: bool) -> None:
        learner = self._learner
        assert learner is not None
        if self._sample is not None:
            learner.update(
                self._kind, self._model, phase, self._sample, length, censored=censored
            )
        else:
            self._sample = learner.add(
                self._kind,
                self._model,
                phase,
                length,
                censored=censored,
                prior=self._prior(phase),
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
        if (
            self._window is None
            and learner is not None
            and policy.learn
            and policy.kind == "phased"
            and level == self._level < len(policy.phase_min_s)
        ):
            self._window = policy.learned_window(
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
            self._window,
        )
        if not self.callbacks_arrive or self._doubting:
            return delay
        if level < self._expected_level and self._catch_up > 0:
            self._catch_up -= 1  # the record lags behind a callback
            return min(delay, CATCH_UP_DELAY_S)
        stretch = min(SAFETY_NET_GROWTH**self._quiet_reads, SAFETY_NET_MAX_FACTOR)
        self._quiet_reads += 1
        return max(delay, policy.callback_safety_net_s * stretch)

"""The engine's front: single-flight poll loops by task id, and what they share.

A :class:`PollerRegistry` is given its parts once, as arguments: the record
reader (which knows the request timeout), the clock, the retry policy and,
optionally, a callback bus, the phase learner its waits feed and the gate
that bounds the reads in flight. Waits
subscribe to it; callbacks nudge it; the facade closes it. It imports
nothing above the engine.
"""

from __future__ import annotations

from suno_async._core.clock import Clock
from suno_async._core.errors import ClientClosedError
from suno_async._core.families import FamilySpec
from suno_async._core.kinds import TaskKind
from suno_async._core.learning import PhaseLearner
from suno_async._core.policies import PollPolicy, RetryPolicy
from suno_async._engine.poller import Poller, Subscriber
from suno_async._io.bus import CallbackBus
from suno_async._io.gate import Gate
from suno_async._io.reader import Reader

__all__ = ["PollerRegistry"]


class PollerRegistry:
    """The pollers of one client by task id (single-flight), and their parts."""

    __slots__ = (
        "_closed",
        "_pollers",
        "bus",
        "clock",
        "gate",
        "learner",
        "reader",
        "retry",
    )

    def __init__(
        self,
        *,
        reader: Reader,
        clock: Clock,
        retry: RetryPolicy,
        bus: CallbackBus | None = None,
        learner: PhaseLearner | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.reader = reader
        self.gate = gate
        self.learner = PhaseLearner() if learner is None else learner
        self.clock = clock
        self.retry = retry
        self.bus = bus
        self._pollers: dict[tuple[TaskKind, str], Poller] = {}
        self._closed: ClientClosedError | None = None

    def __len__(self) -> int:
        """Poll loops running now (one per family and task id)."""
        return len(self._pollers)

    def check_open(self, task_id: str | None = None) -> None:
        """Raise :class:`ClientClosedError` once :meth:`close` was called."""
        if self._closed is not None:
            raise ClientClosedError(
                "the client is closed and cannot be reused; create a new one",
                task_id=task_id,
            )

    def subscribe(
        self,
        task_id: str,
        subscriber: Subscriber,
        *,
        spec: FamilySpec,
        policy: PollPolicy,
    ) -> Poller:
        """Join the task's poll loop (one per family and id), started if none runs."""
        key = (spec.kind, task_id)
        poller = self._pollers.get(key)
        if poller is None:
            poller = self._pollers[key] = Poller(
                self, task_id, spec=spec, policy=policy
            )
            if self.bus is not None:
                self.bus.join(task_id, self.hear)  # callbacks other processes receive
        poller.add(subscriber)
        return poller

    def forget(self, poller: Poller) -> None:
        """Drop a finished poller (a newer one for the same id stays)."""
        key = (poller.spec.kind, poller.task_id)
        if self._pollers.get(key) is poller:
            del self._pollers[key]
            if self.bus is not None:
                self.bus.leave(poller.task_id, self.hear)

    def notify(self, task_id: str, level: int, *, trusted: bool = False) -> bool:
        """A callback for ``task_id`` at milestone ``level`` came; false if unwaited.

        Only that task's poll loop hears it: no other wait changes its
        cadence because of another task's callbacks (see
        :class:`~suno_async._engine.cadence.Cadence`).
        """
        pollers = [
            poller
            for kind in TaskKind
            if (poller := self._pollers.get((kind, task_id))) is not None
        ]
        for poller in pollers:
            poller.nudge(level, trusted=trusted)
        return bool(pollers)

    def hear(self, task_id: str, level: int, trusted: bool) -> bool:
        """A callback heard on the callback bus: :meth:`notify` (a bus listener)."""
        return self.notify(task_id, level, trusted=trusted)

    def close(self, error: ClientClosedError) -> None:
        """Refuse new waits and end every running one with ``error``."""
        self._closed = error
        for poller in list(self._pollers.values()):
            poller.fail_all(error)

"""The callback bus protocol: callbacks shared by every process of a fleet.

Without a bus, :meth:`SunoClient.handle_callback` nudges the waits of its
own process only. With one (``SunoClient(callback_bus=...)``, e.g.
:class:`suno_async.redis.RedisCallbackBus`), the callback is published once
and every process whose waits follow that task hears it: a task's poller
joins the task's channel when it starts and leaves it when it stops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["CallbackBus", "Listener"]

#: Called with ``(task_id, level, trusted)`` for each callback heard; ``level`` is
#: on :attr:`TaskStatus.milestone`'s scale whatever the task's family (a family's
#: final callback: SUCCESS's 3; a failure: 0, "read now").
Listener = Callable[[str, int, bool], object]


@runtime_checkable
class CallbackBus(Protocol):
    """Backend protocol for sharing callbacks between processes.

    Every method returns at once (the bus does its I/O in the background);
    none raises for an unreachable backend. The bus belongs to the caller:
    clients only join and leave, they never close it.
    """

    def publish(
        self, task_id: str, level: int, *, trusted: bool, local: Listener
    ) -> None:
        """Send a callback to every process listening for ``task_id``.

        If the backend cannot take it, call ``local(task_id, level, trusted)``
        instead, so that the callback still helps this process.
        """
        ...

    def join(self, task_id: str, listener: Listener) -> None:
        """Call ``listener`` for each callback published for ``task_id``."""
        ...

    def leave(self, task_id: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``task_id`` (unknown pairs are ignored)."""
        ...

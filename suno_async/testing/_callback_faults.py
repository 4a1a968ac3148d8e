"""Scripted callback misbehaviour and the log of callbacks the simulator sent."""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from suno_async.testing._faults import check_seconds

__all__ = ["CallbackFault", "CallbackFaultKind", "LoggedCallback"]

CallbackFaultKind: TypeAlias = Literal[
    "drop", "duplicate", "delay", "reorder", "bad_signature"
]


@attrs.frozen(kw_only=True)
class CallbackFault:
    """One misbehaving callback delivery. Use the classmethods.

    ``drop()`` never sends it; ``duplicate()`` sends it twice;
    ``delay(s)`` sends it ``s`` wall seconds late (later stages go on time,
    so it may arrive after them); ``reorder()`` holds it back and sends it
    right after the task's next callback; ``bad_signature()`` signs it with
    a wrong key.
    """

    kind: CallbackFaultKind
    delay_s: float = 0.0

    @classmethod
    def drop(cls) -> CallbackFault:
        """The callback is lost."""
        return cls(kind="drop")

    @classmethod
    def duplicate(cls) -> CallbackFault:
        """The callback arrives twice."""
        return cls(kind="duplicate")

    @classmethod
    def delay(cls, delay_s: float) -> CallbackFault:
        """The callback arrives ``delay_s`` wall seconds late."""
        return cls(kind="delay", delay_s=check_seconds("delay_s", delay_s))

    @classmethod
    def reorder(cls) -> CallbackFault:
        """The callback arrives after the task's next one."""
        return cls(kind="reorder")

    @classmethod
    def bad_signature(cls) -> CallbackFault:
        """The callback is signed with a wrong key."""
        return cls(kind="bad_signature")


@attrs.frozen(kw_only=True)
class LoggedCallback:
    """One callback POST (or one dropped): when, what, and the receiver's status.

    ``http_status`` is ``None`` when the callback was dropped or the
    receiver could not be reached.
    """

    at: float
    task_id: str
    stage: str
    url: str
    fault: CallbackFault | None = None
    http_status: int | None = None

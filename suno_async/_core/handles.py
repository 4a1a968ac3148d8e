"""A created task's id that knows its family: :class:`TaskHandle`."""

from __future__ import annotations

from typing import Any, Generic

from suno_async._core.errors import InvalidArgumentError
from suno_async._core.families import SPECS, FamilySpec, task_kind
from suno_async._core.kinds import TaskKind
from suno_async._core.models import R

__all__ = ["KindLike", "TaskHandle", "family_of"]

#: A family named by its :class:`TaskKind` or value string.
KindLike = TaskKind | str


class TaskHandle(str, Generic[R]):
    """The id of a task the SDK created, and its :class:`TaskKind`.

    It *is* the task id (a ``str``: it compares, hashes, prints and
    serializes as the id), so code that keeps ids keeps working; waits and
    reads take its family from it, without ``kind=``::

        wav = await client.convert_to_wav(task_id=song, audio_id=track.id)
        record = await client.wait_for_task(wav)        # a WavRecord

    ``TaskHandle(task_id, kind)`` rebuilds one from a stored id and kind.
    """

    kind: TaskKind

    def __new__(
        cls, task_id: str, kind: TaskKind | str = TaskKind.MUSIC
    ) -> TaskHandle[Any]:
        handle = super().__new__(cls, task_id)
        handle.kind = task_kind(kind)
        return handle

    @property
    def task_id(self) -> str:
        """The id, as a plain ``str``."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"TaskHandle({str.__repr__(self)}, kind={self.kind.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (TaskHandle, (self.task_id, self.kind.value))


def family_of(task_id: object, kind: KindLike | None) -> FamilySpec:
    """The family of a read or wait: ``kind``, else the handle's, else music."""
    handle_kind = task_id.kind if isinstance(task_id, TaskHandle) else None
    if kind is None:
        return SPECS[handle_kind or TaskKind.MUSIC]
    spec = SPECS[task_kind(kind)]
    if handle_kind is not None and handle_kind is not spec.kind:
        raise InvalidArgumentError(
            f"task {task_id} is a {handle_kind.value} task, not {spec.kind.value}"
        )
    return spec

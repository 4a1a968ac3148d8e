"""A created task's id that knows its family: :class:`TaskHandle`."""

from __future__ import annotations

from typing import Any, Generic

from suno_async._core.families import task_kind
from suno_async._core.kinds import TaskKind
from suno_async._core.models import R

__all__ = ["TaskHandle"]


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

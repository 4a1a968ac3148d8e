"""The milestone state machine: pure rules, no I/O.

A task climbs PENDING → TEXT_SUCCESS → FIRST_SUCCESS → SUCCESS. The tracker
turns each observed record into the milestones it newly reaches: each once,
in order, never backwards. A milestone skipped between two polls is emitted
as *inferred* before the later one; a status that moves backwards (a stale
replica) is ignored; an unknown status changes nothing; a failure status
raises the matching :class:`TaskFailedError` subclass.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Final

from suno_async._core.errors import (
    AudioGenerationFailedError,
    CallbackDeliveryError,
    CoverImageGenerationFailedError,
    InvalidArgumentError,
    LyricsGenerationFailedError,
    MidiGenerationFailedError,
    SensitiveContentError,
    TaskCreationFailedError,
    TaskFailedError,
    VideoGenerationFailedError,
    WavConversionFailedError,
)
from suno_async._core.models import (
    CHECKPOINT_VERSION,
    MILESTONES,
    RecordBase,
    TaskStatus,
)

__all__ = ["MilestoneTracker", "failure_for", "goal_level", "parse_checkpoint"]

logger = logging.getLogger("suno_async")

_FAILURE_ERRORS: Final[Mapping[TaskStatus, type[TaskFailedError]]] = {
    TaskStatus.CREATE_TASK_FAILED: TaskCreationFailedError,
    TaskStatus.GENERATE_AUDIO_FAILED: AudioGenerationFailedError,
    TaskStatus.CALLBACK_EXCEPTION: CallbackDeliveryError,
    TaskStatus.SENSITIVE_WORD_ERROR: SensitiveContentError,
    TaskStatus.GENERATE_LYRICS_FAILED: LyricsGenerationFailedError,
    TaskStatus.GENERATE_WAV_FAILED: WavConversionFailedError,
    TaskStatus.GENERATE_MIDI_FAILED: MidiGenerationFailedError,
    TaskStatus.GENERATE_MP4_FAILED: VideoGenerationFailedError,
    TaskStatus.GENERATE_COVER_FAILED: CoverImageGenerationFailedError,
}
#: Longest checkpoint accepted, in characters.
MAX_CHECKPOINT_CHARS: Final = 1024


def failure_for(record: RecordBase) -> TaskFailedError:
    """The exception a failed record raises."""
    return _FAILURE_ERRORS.get(record.status, TaskFailedError)(record)


def goal_level(
    until: TaskStatus, milestones: tuple[TaskStatus, ...] = MILESTONES
) -> int:
    """The milestone level a wait ``until`` this status ends at.

    ``milestones`` are the family's (a WAV task has SUCCESS alone).
    """
    if until not in milestones:
        names = ", ".join(m.name for m in milestones)
        raise InvalidArgumentError(f"until must be one of {names}, not {until!r}")
    level = until.milestone
    assert level is not None
    return level


def parse_checkpoint(checkpoint: str, task_id: str) -> int:
    """The milestone level a checkpoint says was delivered.

    Raises :class:`InvalidArgumentError` (a ``ValueError``) for garbage, an
    unknown version, or a checkpoint of another task.
    """
    if not isinstance(checkpoint, str) or len(checkpoint) > MAX_CHECKPOINT_CHARS:
        raise InvalidArgumentError(
            "resume must be a checkpoint string from TaskEvent.checkpoint()"
        )
    try:
        data = json.loads(checkpoint)
    except ValueError:
        raise InvalidArgumentError("resume is not a checkpoint: not JSON") from None
    if not isinstance(data, dict) or data.get("v") != CHECKPOINT_VERSION:
        raise InvalidArgumentError(
            f"resume is not a version {CHECKPOINT_VERSION} checkpoint of suno_async"
        )
    if data.get("task_id") != task_id:
        raise InvalidArgumentError(
            f"resume is a checkpoint of task {data.get('task_id')!r}, "
            f"not of {task_id!r}"
        )
    try:
        status = TaskStatus(data.get("reached"))
    except ValueError:
        status = TaskStatus.UNKNOWN
    if status not in MILESTONES:
        reached = data.get("reached")
        raise InvalidArgumentError(f"resume names no milestone: {reached!r}")
    level = status.milestone
    assert level is not None
    return level


class MilestoneTracker:
    """Remembers the highest milestone reached and reports new ones."""

    __slots__ = ("level", "milestones")

    def __init__(
        self, level: int = 0, milestones: tuple[TaskStatus, ...] = MILESTONES
    ) -> None:
        self.level = level
        self.milestones = milestones

    def previous(self, status: TaskStatus) -> TaskStatus:
        """The milestone before ``status`` on this family's path (or PENDING)."""
        index = self.milestones.index(status)
        return self.milestones[index - 1] if index else TaskStatus.PENDING

    def observe(self, record: RecordBase) -> list[tuple[TaskStatus, bool]]:
        """The milestones ``record`` newly reaches, as ``(status, inferred)``.

        Raises the matching :class:`TaskFailedError` for a failure status.
        """
        status = record.status
        if status.is_failure:
            raise failure_for(record)
        level = status.milestone
        if level is None:
            logger.debug(
                "task %s: unknown status %r, still waiting",
                record.task_id,
                record.status_raw,
            )
            return []
        if level < self.level:
            logger.debug(
                "task %s: status went back to %s, ignored", record.task_id, status.value
            )
            return []
        reached = [
            (m, m is not status)
            for m in self.milestones
            if self.level < (m.milestone or 0) <= level
        ]
        self.level = max(self.level, level)
        return reached

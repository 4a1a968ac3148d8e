"""The task families of the API, by name: :class:`TaskKind`."""

from __future__ import annotations

import enum

__all__ = ["TaskKind"]


class TaskKind(str, enum.Enum):
    """A family of tasks, each with its own creation and record-info endpoint.

    Wherever the SDK takes a ``kind``, the value string works too
    (``kind="wav"``).
    """

    MUSIC = "music"
    LYRICS = "lyrics"
    WAV = "wav"
    VOCAL_REMOVAL = "vocal-removal"
    MIDI = "midi"
    VIDEO = "video"
    COVER_IMAGE = "cover-image"

    def __str__(self) -> str:
        return self.value

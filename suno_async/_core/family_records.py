"""The records of the task families other than music, and their parts.

Each shares :class:`~suno_async.RecordBase`'s fields and carries its result
in named fields; what the service did not send is ``None`` or empty. How
they are read from the wire lives in :mod:`suno_async._core.family_convert`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final

import attrs

from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskRecord

__all__ = [
    "RECORD_TYPES",
    "CoverImageRecord",
    "LyricsRecord",
    "LyricsVariant",
    "MidiInstrument",
    "MidiNote",
    "MidiRecord",
    "SeparatedStem",
    "VideoRecord",
    "VocalRemovalRecord",
    "WavRecord",
]


@attrs.frozen(kw_only=True)
class LyricsVariant:
    """One of the lyrics a lyrics task writes; ``status`` as sent (``complete``)."""

    title: str | None = None
    text: str | None = None
    status: str | None = None
    error_message: str | None = None


@attrs.frozen(kw_only=True)
class LyricsRecord(RecordBase):
    """A lyrics task: its variants, and its creation parameters."""

    kind: ClassVar[TaskKind] = TaskKind.LYRICS

    variants: tuple[LyricsVariant, ...] = ()
    param: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    param_raw: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class WavRecord(RecordBase):
    """A WAV conversion: ``wav_url``; ``source_audio_id`` is the track converted."""

    kind: ClassVar[TaskKind] = TaskKind.WAV

    wav_url: str | None = None
    source_audio_id: str | None = None
    track_index: int | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class SeparatedStem:
    """A separated track as ``originData`` lists it; ``id`` is what MIDI takes."""

    id: str
    audio_url: str | None = None
    group: str | None = None
    duration: float | None = None


@attrs.frozen(kw_only=True)
class VocalRemovalRecord(RecordBase):
    """A vocal removal or stem split.

    ``stems`` maps each stem sent with a URL to it, by the wire's name
    without ``Url`` in snake_case (``vocal``, ``instrumental``,
    ``backing_vocals``, ``drums``...); stems the service left null are
    absent. ``separated`` lists ``originData`` (kie.ai).
    """

    kind: ClassVar[TaskKind] = TaskKind.VOCAL_REMOVAL

    stems: Mapping[str, str] = attrs.field(factory=dict)
    origin_url: str | None = None
    separated: tuple[SeparatedStem, ...] = ()
    source_audio_id: str | None = None
    track_index: int | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class MidiNote:
    """A note: ``pitch`` (MIDI number), ``start``/``end`` in s, ``velocity`` 0 to 1."""

    pitch: int
    start: float
    end: float
    velocity: float


@attrs.frozen(kw_only=True)
class MidiInstrument:
    """One instrument's notes, in the order sent."""

    name: str
    notes: tuple[MidiNote, ...] = ()


@attrs.frozen(kw_only=True)
class MidiRecord(RecordBase):
    """A MIDI transcription of a separated track (empty ``instruments`` is possible)."""

    kind: ClassVar[TaskKind] = TaskKind.MIDI

    instruments: tuple[MidiInstrument, ...] = ()
    state: str | None = None
    source_audio_id: str | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class VideoRecord(RecordBase):
    """A music video: ``video_url``, and the track it shows."""

    kind: ClassVar[TaskKind] = TaskKind.VIDEO

    video_url: str | None = None
    source_audio_id: str | None = None
    track_index: int | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class CoverImageRecord(RecordBase):
    """Cover images for a music task (``parent_task_id``), usually two."""

    kind: ClassVar[TaskKind] = TaskKind.COVER_IMAGE

    image_urls: tuple[str, ...] = ()
    parent_task_id: str | None = None
    completed_at: datetime | None = None


#: Every family's record class by its kind, music's :class:`TaskRecord` included.
RECORD_TYPES: Final[Mapping[TaskKind, type[RecordBase]]] = {
    TaskKind.MUSIC: TaskRecord,
    TaskKind.LYRICS: LyricsRecord,
    TaskKind.WAV: WavRecord,
    TaskKind.VOCAL_REMOVAL: VocalRemovalRecord,
    TaskKind.MIDI: MidiRecord,
    TaskKind.VIDEO: VideoRecord,
    TaskKind.COVER_IMAGE: CoverImageRecord,
}

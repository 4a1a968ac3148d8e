"""Record-info ``data`` of the families other than music, read into their records.

The rules of :mod:`suno_async._core.convert` hold (a missing, null or
wrong-typed field is ``None`` or empty, never a failure; times in epoch
ms, ``yyyy-MM-dd HH:mm:ss`` or ISO 8601), plus the families' own (see
``FAMILIES.md``):

- the status is ``successFlag`` (``status`` for lyrics), the other key
  read when the first is missing. A **name** means the same in every
  family (``SUCCESS``, ``GENERATE_WAV_FAILED``...); kie.ai's schema text
  ``"PENDING-Waiting for execution ..."`` reads as its first token. An
  **integer**, or its digit string, is read by the family's own table (2 is
  a failure for MIDI but "generating" for a cover image); an integer the
  family does not define, like any other value, is still running;
- ``errorCode`` and ``errorMessage`` are kept as sent and never decide
  failure (a cover image's success carries 200).

Only ``data`` that is not a mapping, or names no task, is an error:
:func:`decode_family_record` raises :class:`DecodeError` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from suno_async._core import family_records as records
from suno_async._core.convert import (
    decode_record,
    is_mapping,
    parse_datetime,
    wire_error_code,
    wire_ident,
    wire_number,
    wire_param,
    wire_text,
    wire_url,
)
from suno_async._core.errors import DecodeError
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskStatus

__all__ = [
    "FLAG_TABLES",
    "decode_family_record",
    "family_status",
    "lyrics_variants",
    "midi_instruments",
    "stem_name",
]

_S = TaskStatus
_NAMES: Final = {status.value: status for status in TaskStatus}
#: What an integer status means, per family; any other integer is running.
FLAG_TABLES: Final[Mapping[TaskKind, Mapping[int, TaskStatus]]] = {
    TaskKind.MUSIC: {},
    # Documented as names only; consumers test 1 and 3 (FAMILIES.md,
    # uncertain 5), read as MIDI's. 2 is unclear (a failure for MIDI,
    # "generating" for covers), so it is read as running.
    TaskKind.LYRICS: {0: _S.PENDING, 1: _S.SUCCESS, 3: _S.GENERATE_LYRICS_FAILED},
    TaskKind.WAV: {0: _S.PENDING, 1: _S.SUCCESS, 3: _S.GENERATE_WAV_FAILED},
    TaskKind.VOCAL_REMOVAL: {
        0: _S.PENDING,
        1: _S.SUCCESS,
        3: _S.GENERATE_AUDIO_FAILED,
    },
    TaskKind.VIDEO: {0: _S.PENDING, 1: _S.SUCCESS, 3: _S.GENERATE_MP4_FAILED},
    TaskKind.MIDI: {
        0: _S.PENDING,
        1: _S.SUCCESS,
        2: _S.CREATE_TASK_FAILED,
        3: _S.GENERATE_MIDI_FAILED,
    },
    TaskKind.COVER_IMAGE: {
        0: _S.PENDING,
        1: _S.SUCCESS,
        2: _S.PENDING,  # "generating"
        3: _S.GENERATE_COVER_FAILED,
    },
}
_GENERATING: Final = frozenset({"GENERATING", "RUNNING", "PROCESSING"})
_INTEGER: Final = re.compile(r"[+-]?[0-9]{1,9}")  # ASCII: int() reads other digits
_STEM_URL: Final = re.compile(r"([A-Za-z][A-Za-z0-9]*)Url")
_CAMEL_HUMP: Final = re.compile(r"(?<=[a-z0-9])([A-Z])")


def family_status(value: Any, kind: TaskKind) -> tuple[TaskStatus, str]:
    """A family's status value as ``(status, raw)``; ``raw`` is its text."""
    if isinstance(value, bool):
        return _S.UNKNOWN, str(value).lower()
    if isinstance(value, int):
        return FLAG_TABLES[kind].get(value, _S.UNKNOWN), str(value)
    if not isinstance(value, str):
        return _S.UNKNOWN, ""
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return FLAG_TABLES[kind].get(int(text), _S.UNKNOWN), value
    name = text.upper()
    status = _NAMES.get(name)
    if status is None:
        words = name.split("-", 1)[0].split(None, 1)  # [] for "-x" or "- x"
        token = words[0] if words else ""
        status = _NAMES.get(token)
        if status is None:
            status = _S.PENDING if token in _GENERATING else _S.UNKNOWN
    return status, value


def _base(
    data: Mapping[str, Any], task_id: str | None, kind: TaskKind
) -> dict[str, Any]:
    """The fields every record shares, read from ``data``."""
    get = data.get
    found = wire_ident(get("taskId")) or wire_ident(get("task_id")) or task_id
    if not found:
        raise DecodeError("record-info data names no task", task_id=task_id)
    primary, other = (
        ("status", "successFlag")
        if kind is TaskKind.LYRICS
        else ("successFlag", "status")
    )
    flag = get(primary)
    status, status_raw = family_status(get(other) if flag is None else flag, kind)
    return {
        "task_id": found,
        "status": status,
        "status_raw": status_raw,
        "error_code": wire_error_code(get("errorCode")),
        "error_message": wire_text(get("errorMessage")),
        "created_at": parse_datetime(get("createTime")),
        "raw": data,
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if is_mapping(value) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        return []
    return [item for item in value if is_mapping(item)]


def _index(value: Any) -> int | None:
    number = wire_number(value)
    return int(number) if number is not None and number.is_integer() else None


def lyrics_variants(
    value: Any, error_keys: tuple[str, str]
) -> tuple[records.LyricsVariant, ...]:
    """The lyrics variants in a list; ``error_keys`` spell the error message,
    the one read first first (record-info: camelCase; callbacks: snake_case)."""
    first, second = error_keys
    return tuple(
        records.LyricsVariant(
            title=wire_text(item.get("title")),
            text=wire_text(item.get("text")),
            status=wire_text(item.get("status")),
            error_message=wire_text(item.get(first, item.get(second))),
        )
        for item in _items(value)
    )


def _lyrics(data: Mapping[str, Any], base: dict[str, Any]) -> records.LyricsRecord:
    response = _mapping(data.get("response"))
    items = response.get("data")
    if items is None:
        items = response.get("lyricsData")
    param, param_raw = wire_param(data.get("param"))
    return records.LyricsRecord(
        **base,
        variants=lyrics_variants(items, ("errorMessage", "error_message")),
        param=param,
        param_raw=param_raw,
    )


def _source_track(data: Mapping[str, Any]) -> dict[str, Any]:
    """The track a task was made from, and when the task completed."""
    return {
        "source_audio_id": wire_text(data.get("musicId") or data.get("audioId")),
        "track_index": _index(data.get("musicIndex")),
        "completed_at": parse_datetime(data.get("completeTime")),
    }


def _wav(data: Mapping[str, Any], base: dict[str, Any]) -> records.WavRecord:
    response = _mapping(data.get("response"))
    return records.WavRecord(
        **base,
        wav_url=wire_url(response.get("audioWavUrl") or response.get("audio_wav_url")),
        **_source_track(data),
    )


def stem_name(key: str) -> str | None:
    """``backingVocalsUrl`` → ``backing_vocals``; ``None`` for other keys."""
    match = _STEM_URL.fullmatch(key)
    if match is None or match.group(1) == "origin":
        return None
    return _CAMEL_HUMP.sub(r"_\1", match.group(1)).lower()


def _vocal_removal(
    data: Mapping[str, Any], base: dict[str, Any]
) -> records.VocalRemovalRecord:
    response = _mapping(data.get("response"))
    stems = {}
    for key, value in response.items():
        name = stem_name(key) if isinstance(key, str) else None
        url = wire_url(value)
        if name is not None and url:
            stems[name] = url
    return records.VocalRemovalRecord(
        **base,
        stems=stems,
        origin_url=wire_url(response.get("originUrl")),
        separated=tuple(
            records.SeparatedStem(
                id=wire_ident(item.get("id")),
                audio_url=wire_url(item.get("audio_url") or item.get("audioUrl")),
                group=wire_text(
                    item.get("stem_type_group_name") or item.get("stemTypeGroupName")
                ),
                duration=wire_number(item.get("duration")),
            )
            for item in _items(response.get("originData"))
        ),
        **_source_track(data),
    )


def _note(item: Mapping[str, Any]) -> records.MidiNote | None:
    pitch, start, end = (wire_number(item.get(k)) for k in ("pitch", "start", "end"))
    if pitch is None or start is None or end is None or not pitch.is_integer():
        return None
    velocity = wire_number(item.get("velocity"))
    return records.MidiNote(
        pitch=int(pitch),
        start=start,
        end=end,
        velocity=1.0 if velocity is None else velocity,
    )


def midi_instruments(midi: Mapping[str, Any]) -> tuple[records.MidiInstrument, ...]:
    """``midiData.instruments``; notes without a numeric pitch or time are dropped."""
    return tuple(
        records.MidiInstrument(
            name=wire_text(item.get("name")) or "",
            notes=tuple(
                note
                for note in map(_note, _items(item.get("notes")))
                if note is not None
            ),
        )
        for item in _items(midi.get("instruments"))
    )


def _midi(data: Mapping[str, Any], base: dict[str, Any]) -> records.MidiRecord:
    midi = data.get("midiData")
    if not is_mapping(midi):  # tolerate it under response, as other families
        midi = _mapping(_mapping(data.get("response")).get("midiData"))
    return records.MidiRecord(
        **base,
        instruments=midi_instruments(midi),
        state=wire_text(midi.get("state")),
        source_audio_id=wire_text(data.get("audioId")),
        completed_at=parse_datetime(data.get("completeTime")),
    )


def _video(data: Mapping[str, Any], base: dict[str, Any]) -> records.VideoRecord:
    response = _mapping(data.get("response"))
    return records.VideoRecord(
        **base,
        video_url=wire_url(response.get("videoUrl") or response.get("video_url")),
        **_source_track(data),
    )


def _cover_image(
    data: Mapping[str, Any], base: dict[str, Any]
) -> records.CoverImageRecord:
    images = _mapping(data.get("response")).get("images")
    urls = images if isinstance(images, (list, tuple)) else ()
    return records.CoverImageRecord(
        **base,
        image_urls=tuple(dict.fromkeys(u for u in map(wire_url, urls) if u)),
        parent_task_id=wire_text(data.get("parentTaskId")),
        completed_at=parse_datetime(data.get("completeTime")),
    )


_DECODERS: Final[
    Mapping[TaskKind, Callable[[Mapping[str, Any], dict[str, Any]], RecordBase]]
] = {
    TaskKind.LYRICS: _lyrics,
    TaskKind.WAV: _wav,
    TaskKind.VOCAL_REMOVAL: _vocal_removal,
    TaskKind.MIDI: _midi,
    TaskKind.VIDEO: _video,
    TaskKind.COVER_IMAGE: _cover_image,
}


def decode_family_record(
    data: Any, kind: TaskKind, *, task_id: str | None = None
) -> RecordBase:
    """Read the record-info ``data`` of a ``kind`` task.

    ``task_id`` fills in when ``data`` names no task. Raises
    :class:`DecodeError`, and nothing else, when ``data`` is not a mapping or
    no task id is known.
    """
    if kind is TaskKind.MUSIC:
        return decode_record(data, task_id=task_id)
    if not is_mapping(data):
        raise DecodeError(
            f"{kind.value} record-info data is a {type(data).__name__}",
            task_id=task_id,
        )
    try:
        return _DECODERS[kind](data, _base(data, task_id, kind))
    except DecodeError:
        raise
    except Exception as exc:  # a hostile Mapping: the readers never raise on JSON
        raise DecodeError(
            f"unreadable {kind.value} record-info data: {type(exc).__name__}",
            task_id=task_id,
        ) from exc

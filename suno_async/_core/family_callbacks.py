"""Every family's callbacks: where the task id is, which family sent it, its result.

FAMILIES.md ("Callbacks") lists the shapes; each family's
:class:`~suno_async._core.families.CallbackShape` says where its task id
and result are. Music and lyrics name their stage (``callbackType``); the
other families call once, when the task ends. Pure functions, no I/O; the
result readers never raise on JSON (a missing, null or wrong-typed field is
``None`` or empty).

A callback's family is read from its shape when the receiver is not told:

1. the place of the task id: top-level (``task_id``) only for MIDI, under
   ``data`` for the others;
2. whether the body names a stage: ``text`` and ``first`` are music's
   alone; ``complete`` and ``error`` are music's or lyrics';
3. which family's result key holds something (``audioWavUrl``,
   ``vocal_removal_info``, ``images``...); music's tracks and lyrics'
   variants, both under ``data.data``, are told apart by their keys.

Anything else (a failure without a result, two families' keys at once) is
ambiguous: no family (``None``), and the receiver still wakes the task's
waits, whatever their family.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from suno_async._core.convert import (
    decode_track,
    is_mapping,
    wire_url,
)
from suno_async._core.errors import DecodeError
from suno_async._core.families import SPECS, CallbackShape
from suno_async._core.family_convert import (
    lyrics_variants,
    midi_instruments,
    stem_name,
)
from suno_async._core.kinds import TaskKind

__all__ = [
    "TASK_ID_PATHS",
    "detect_kind",
    "find_task_id",
    "read_result",
]

#: Every place a callback may carry its task id, in the order tried.
TASK_ID_PATHS: Final[tuple[tuple[str, ...], ...]] = tuple(
    sorted(  # under ``data`` first (stable: the specs' order within)
        dict.fromkeys(
            path for spec in SPECS.values() for path in spec.callback.task_id_paths
        ),
        key=len,
        reverse=True,
    )
)
_MAX_TASK_ID_CHARS: Final = 128
#: Stages only music sends (lyrics: ``complete`` only).
_MUSIC_STAGES: Final = frozenset({"text", "first"})
#: Keys a music track has and a lyrics variant has not.
_TRACK_KEYS: Final = frozenset(
    {"id", "audio_url", "stream_audio_url", "image_url", "audioUrl", "streamAudioUrl"}
)
_SNAKE_STEM: Final = re.compile(r"([a-z][a-z0-9]*(?:_[a-z0-9]+)*)_url")


def _at(payload: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = payload
    for key in path:
        if not is_mapping(value):
            return None
        value = value.get(key)
    return value


def _valid_task_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= _MAX_TASK_ID_CHARS
        and value.isprintable()
        and not any(ch.isspace() for ch in value)
    )


def find_task_id(
    payload: Mapping[str, Any], kind: TaskKind | None = None
) -> tuple[str, tuple[str, ...]] | None:
    """The task id and where it was: ``kind``'s places, else all of them."""
    paths = TASK_ID_PATHS if kind is None else SPECS[kind].callback.task_id_paths
    for path in paths:
        value = _at(payload, path)
        if _valid_task_id(value):
            return value, path
    return None


def _result_value(data: Any, shape: CallbackShape) -> Any:
    """The family's result in ``data`` (``None``: it holds none)."""
    if not is_mapping(data):
        return None
    if not shape.result_keys:
        return data
    for key in shape.result_keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def _items(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        return []
    return [item for item in value if is_mapping(item)]


def _music_or_lyrics(entries: Any) -> TaskKind | None:
    """Music tracks or lyrics variants, by their keys; ``None`` if mixed or empty."""
    items = _items(entries)
    tracks = [not _TRACK_KEYS.isdisjoint(item.keys()) for item in items]
    if items and all(tracks):
        return TaskKind.MUSIC
    if items and not any(tracks) and all("text" in item for item in items):
        return TaskKind.LYRICS
    return None


def detect_kind(
    payload: Mapping[str, Any],
    task_id_path: tuple[str, ...],
    stage: str | None,
) -> TaskKind | None:
    """The family a callback's shape shows (module notes); ``None`` if ambiguous.

    ``task_id_path`` is where its task id was found, ``stage`` its
    ``callbackType`` (``None``: it names none).
    """
    candidates = [
        spec
        for spec in SPECS.values()
        if task_id_path in spec.callback.task_id_paths
        and spec.callback.stages == (stage is not None)
        and (stage not in _MUSIC_STAGES or spec.kind is TaskKind.MUSIC)
    ]
    if len(candidates) == 1:
        return candidates[0].kind
    data = payload.get("data")
    present = {
        spec.kind
        for spec in candidates
        if _result_value(data, spec.callback) is not None
    }
    if len(present) == 1:
        return present.pop()
    if present == {TaskKind.MUSIC, TaskKind.LYRICS}:
        return _music_or_lyrics(_at(payload, ("data", "data")))
    return None


def read_result(payload: Mapping[str, Any], kind: TaskKind | None) -> dict[str, Any]:
    """The result a ``kind`` callback carries (nothing, ``{}``, for ``None``).

    Keyed by the field of :class:`~suno_async.webhooks.CallbackEvent` that
    holds it (``{"wav_url": ...}``, ``{"tracks": (...)}``).

    Parsed JSON always reads; only a hostile mapping (one whose methods
    raise) makes it raise, whatever that mapping raises.
    """
    if kind is None:
        return {}
    return _READERS[kind](_result_value(payload.get("data"), SPECS[kind].callback))


def _tracks(value: Any) -> dict[str, Any]:
    tracks = []
    for item in _items(value):
        try:
            tracks.append(decode_track(item))
        except DecodeError:  # pragma: no cover - decode_track is tolerant
            continue
    return {"tracks": tuple(tracks)}


def _variants(value: Any) -> dict[str, Any]:
    return {"variants": lyrics_variants(value, ("error_message", "errorMessage"))}


def _wav(value: Any) -> dict[str, Any]:
    return {"wav_url": wire_url(value)}


def _stem(key: str) -> str | None:
    """``backing_vocals_url`` (or ``backingVocalsUrl``) → ``backing_vocals``."""
    match = _SNAKE_STEM.fullmatch(key)
    if match is None:
        return stem_name(key)
    return None if match.group(1) == "origin" else match.group(1)


def _stems(value: Any) -> dict[str, Any]:
    stems = {}
    if is_mapping(value):
        for key, url in value.items():
            name, link = _stem(key), wire_url(url)
            if name is not None and link:
                stems[name] = link
    return {"stems": stems}


def _midi(value: Any) -> dict[str, Any]:
    return {"instruments": midi_instruments(value) if is_mapping(value) else ()}


def _video(value: Any) -> dict[str, Any]:
    return {"video_url": wire_url(value)}


def _images(value: Any) -> dict[str, Any]:
    urls = value if isinstance(value, (list, tuple)) else ()
    return {"image_urls": tuple(dict.fromkeys(u for u in map(wire_url, urls) if u))}


_READERS: Final = {
    TaskKind.MUSIC: _tracks,
    TaskKind.LYRICS: _variants,
    TaskKind.WAV: _wav,
    TaskKind.VOCAL_REMOVAL: _stems,
    TaskKind.MIDI: _midi,
    TaskKind.VIDEO: _video,
    TaskKind.COVER_IMAGE: _images,
}

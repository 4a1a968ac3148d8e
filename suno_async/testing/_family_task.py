"""One simulated task of a non-music family, its record-info ``data`` and callback."""

from __future__ import annotations

import random
from typing import Any

import attrs

from suno_async.testing._family_wire import (
    STEM_KEYS,
    iso_z,
    plain_time,
    stem_key,
    stem_url,
    whole_ms,
)
from suno_async.testing._kinds import (
    WireVariant,
    canonical_status,
    is_failure,
    wire_status,
)
from suno_async.testing._task import ServedTask, SimulatedTask, track_id
from suno_async.testing._timeline import FAILURE_DEFAULTS

__all__ = ["FamilyTask"]

_MEDIA_COUNT = {"wav": 1, "video": 1, "cover-image": 2}
_SUCCESS_MSG = {
    "lyrics": "All generated successfully.",
    "wav": "WAV generated successfully.",
    "vocal-removal": "Vocal separation successful.",
    "midi": "MIDI generated successfully.",
    "video": "MP4 generated successfully.",
    "cover-image": "Cover generated successfully.",
}


@attrs.define(kw_only=True)
class FamilyTask(ServedTask):
    """A non-music task the simulator knows.

    ``source_task_id`` is the task it was made from (a music task, or for
    midi a vocal-removal task); ``audio_id`` the source track (``musicId``;
    midi: the ``audioId`` asked for, if any); ``stems`` the stem groups a
    vocal removal makes, or the instruments a MIDI task transcribes.
    """

    kind: str
    callback_url: str | None
    variant: WireVariant
    source_task_id: str | None = None
    audio_id: str | None = None
    music_index: int | None = None
    duration_s: float = 180.0
    stems: tuple[str, ...] = ()

    @property
    def media_ids(self) -> tuple[str, ...]:
        """The ids in its result files' URLs (stems: the ``originData`` ids)."""
        count = len(self.stems) if self.kind == "vocal-removal" else 0
        count = _MEDIA_COUNT.get(self.kind, count)
        return tuple(track_id(self.task_id, i) for i in range(count))

    def status_at(self, index: int) -> str:
        """The canonical status of step ``index`` (clamped to >= 0)."""
        return canonical_status(self.kind, self.timeline.steps[max(index, 0)].status)

    def snapshot(self, step: int | None) -> SimulatedTask:
        """The task as of timeline step ``step`` (``None``: not found yet)."""
        return self.simulated(
            None if step is None else self.status_at(step),
            operation_type=self.kind,
            track_ids=self.media_ids,
            kind=self.kind,
            source_task_id=self.source_task_id,
        )

    def error(self, status: str) -> tuple[int | str, str]:
        """``(errorCode, errorMessage)`` of a failure: the timeline's, else defaults."""
        code, message = FAILURE_DEFAULTS.get(status, (500, "Generation failed."))
        timeline = self.timeline
        return (
            code if timeline.error_code is None else timeline.error_code,
            message if timeline.error_message is None else timeline.error_message,
        )

    # --- results ---------------------------------------------------------------
    def variants(self) -> list[dict[str, Any]]:
        """Lyrics: one entry per variant (``tracks``), as record-info shows it."""
        return [
            {
                "text": s.lyrics,
                "title": s.title,
                "status": "complete",
                "errorMessage": "",
            }
            for s in self.timeline.tracks
        ]

    def file_url(self, base_url: str, index: int = 0) -> str:
        """A wav, mp4 or png result's URL."""
        extension = {"wav": "wav", "video": "mp4"}.get(self.kind, "png")
        return f"{base_url}/files/{self.kind}/{self.media_ids[index]}.{extension}"

    def stem_urls(self, base_url: str) -> dict[str, str | None]:
        """Vocal removal: every stem key (record-info names), ``None`` if not made."""
        urls: dict[str, str | None] = {key: None for key, _ in STEM_KEYS.values()}
        for media_id, group in zip(self.media_ids, self.stems, strict=True):
            keys = stem_key(group)
            if keys is not None:
                urls[keys[0]] = stem_url(base_url, media_id, group)
        return urls

    def origin_data(self, base_url: str) -> list[dict[str, Any]]:
        return [
            {
                "duration": self.duration_s,
                "audio_url": stem_url(base_url, media_id, group),
                "stem_type_group_name": group,
                "id": media_id,
            }
            for media_id, group in zip(self.media_ids, self.stems, strict=True)
        ]

    def midi_data(self) -> dict[str, Any]:
        """A short, seeded transcription of each instrument (seconds; velocity 0-1)."""
        instruments = []
        for name in self.stems:
            rng = random.Random(f"{self.task_id}/{name}")
            notes, start = [], 0.0
            for _ in range(rng.randint(3, 6)):
                start += round(rng.uniform(0.05, 0.5), 4)
                end = round(start + rng.uniform(0.1, 0.6), 4)
                notes.append(
                    {
                        "pitch": rng.randint(36, 84),
                        "start": round(start, 4),
                        "end": end,
                        "velocity": round(rng.uniform(0.3, 1.0), 2),
                    }
                )
            instruments.append({"name": name, "notes": notes})
        return {"state": "complete", "instruments": instruments}

    # --- the wire --------------------------------------------------------------
    def data(
        self, index: int, *, base_url: str, scale: float, status: str | None = None
    ) -> dict[str, Any]:
        """The record-info ``data`` as of step ``index`` (clamped to >= 0).

        ``status`` replaces the status field (``Fault.status``).
        """
        index = max(index, 0)
        current = self.status_at(index)
        done, failed = current == "SUCCESS", is_failure(self.kind, current)
        sent = (
            wire_status(self.kind, current, self.variant) if status is None else status
        )
        code, message = self.error(current) if failed else (None, None)
        ended_s = self.created_epoch_s + self.timeline.steps[index].at_s * scale
        kind, task_id = self.kind, self.task_id
        if kind == "lyrics":
            response = {"taskId": task_id, "data": self.variants()} if done else None
            return {
                "taskId": task_id,
                "param": self.param_raw,
                "response": response,
                "status": sent,
                "type": "LYRICS",
                "errorCode": code,
                "errorMessage": message,
            }
        if kind == "midi":
            return {
                "taskId": task_id,
                "recordTaskId": -1,
                "audioId": self.audio_id or "",
                "callbackUrl": self.callback_url,
                "completeTime": whole_ms(ended_s) if done or failed else None,
                "midiData": self.midi_data() if done else None,
                "successFlag": sent,
                "createTime": whole_ms(self.created_epoch_s),
                "errorCode": None if code is None else str(code),
                "errorMessage": message,
            }
        if kind == "cover-image":
            images = [self.file_url(base_url, i) for i in range(2)]
            return {
                "taskId": task_id,
                "parentTaskId": self.source_task_id,
                "callbackUrl": self.callback_url,
                "completeTime": iso_z(ended_s) if done or failed else None,
                "response": {"images": images} if done else None,
                "successFlag": sent,
                "createTime": iso_z(self.created_epoch_s),
                "errorCode": 200 if done else code,
                "errorMessage": "" if done else message,
            }
        stamp = whole_ms if kind == "vocal-removal" else plain_time
        result: dict[str, Any]
        if kind == "vocal-removal":
            result = {
                "id": None,
                "originUrl": None,
                "originData": self.origin_data(base_url),
                **self.stem_urls(base_url),
            }
        elif kind == "wav":
            result = {"audioWavUrl": self.file_url(base_url)}
        else:
            result = {"videoUrl": self.file_url(base_url)}
        return {
            "taskId": task_id,
            "musicId": self.audio_id,
            "callbackUrl": self.callback_url,
            "musicIndex": self.music_index,
            "completeTime": stamp(ended_s) if done or failed else None,
            "response": result if done else None,
            "successFlag": sent,
            "createTime": stamp(self.created_epoch_s),
            "errorCode": code,
            "errorMessage": message,
        }

    def callback_body(self, index: int, base_url: str) -> dict[str, Any]:
        """The terminal callback's payload (FAMILIES.md "Callbacks")."""
        current = self.status_at(index)
        kind, task_id = self.kind, self.task_id
        if current != "SUCCESS":
            code, message = self.error(current)
            failure_code = code if isinstance(code, int) and code != 200 else 500
            if kind == "midi":
                return {
                    "code": failure_code,
                    "msg": message,
                    "task_id": task_id,
                    "data": None,
                }
            key = "taskId" if kind == "cover-image" else "task_id"
            failed: dict[str, Any] = {key: task_id}
            if kind == "lyrics":
                failed = {"callbackType": "error", "task_id": task_id, "data": None}
            return {"code": failure_code, "msg": message, "data": failed}
        body: dict[str, Any] = {"code": 200, "msg": _SUCCESS_MSG[kind]}
        if kind == "midi":
            return {**body, "task_id": task_id, "data": self.midi_data()}
        data: dict[str, Any]
        if kind == "lyrics":
            variants = [
                {
                    "text": s.lyrics,
                    "title": s.title,
                    "status": "complete",
                    "error_message": "",
                }
                for s in self.timeline.tracks
            ]
            data = {"callbackType": "complete", "task_id": task_id, "data": variants}
        elif kind == "wav":
            data = {"task_id": task_id, "audioWavUrl": self.file_url(base_url)}
        elif kind == "video":
            data = {"task_id": task_id, "video_url": self.file_url(base_url)}
        elif kind == "cover-image":
            images = [self.file_url(base_url, i) for i in range(2)]
            data = {"taskId": task_id, "images": images}
        else:
            urls: dict[str, str | None] = {"origin_url": None}
            for key, snake in STEM_KEYS.values():
                urls[snake] = self.stem_urls(base_url)[key]
            data = {"task_id": task_id, "vocal_removal_info": urls}
        return {**body, "data": data}

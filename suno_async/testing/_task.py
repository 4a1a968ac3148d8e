"""One simulated task: its timeline, and the record-info ``data`` it shows at a step."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from suno_async._core.models import TaskStatus
from suno_async.testing._faults import Fault
from suno_async.testing._timeline import INSTRUMENTAL, LYRICS, Timeline, TrackSpec
from suno_async.testing._wire import model_family

__all__ = [
    "ServedTask",
    "SimTask",
    "SimulatedTask",
    "fit_to_request",
    "track_id",
]

_NAMESPACE: Final = uuid.UUID("6f1c2b0e-5a57-4c1e-9d8e-2f2f5e0b7a11")
_MILESTONES: Final = {
    s.value: s.milestone for s in TaskStatus if s.milestone is not None
}
_FAILURES: Final = frozenset(s.value for s in TaskStatus if s.is_failure)


def track_id(task_id: str, index: int) -> str:
    """The id of a task's ``index``-th track: a UUID, stable for a task id."""
    return str(uuid.uuid5(_NAMESPACE, f"{task_id}/{index}"))


def fit_to_request(timeline: Timeline, param: Mapping[str, Any]) -> Timeline:
    """A drawn timeline adjusted to a creation request: model, title, style, lyrics."""
    model = param.get("model")
    custom = param.get("customMode") is True
    instrumental = param.get("instrumental") is True
    title, style, prompt = (param.get(k) for k in ("title", "style", "prompt"))

    def fit(spec: TrackSpec) -> TrackSpec:
        lyrics = spec.lyrics if spec.lyrics != INSTRUMENTAL else LYRICS
        if custom and isinstance(prompt, str) and prompt:
            lyrics = prompt
        return attrs.evolve(
            spec,
            title=title if custom and isinstance(title, str) and title else spec.title,
            tags=(
                tuple(t.strip() for t in style.split(",") if t.strip())
                if custom and isinstance(style, str) and style.strip()
                else spec.tags
            ),
            lyrics=INSTRUMENTAL if instrumental else lyrics,
        )

    return attrs.evolve(
        timeline,
        model=model if isinstance(model, str) and model else timeline.model,
        tracks=tuple(fit(spec) for spec in timeline.tracks),
    )


@attrs.frozen(kw_only=True)
class SimulatedTask:
    """One task the simulator holds, as of when it was asked for.

    ``operation_type`` is the record's ``operationType``: the endpoint that
    made the task (``"generate"``, ``"extend"``... see ``CREATE_PATHS``), or
    what ``add_task`` said. ``param_raw`` is the creation request as the
    record's ``param`` string shows it, and :attr:`param` that string
    decoded. ``created_at`` is the creation time on the server's clock (as
    ``LoggedRequest.at``). ``status`` is the raw status record-info answers
    now, faults aside; ``None`` while it still answers 404
    (``Timeline.not_found_s``). ``track_ids`` are the ids its tracks have
    in records and media URLs.

    ``kind`` is its family (``"music"``, ``"wav"``...). For the other kinds,
    ``operation_type`` is the kind, ``status`` the canonical status
    (``PENDING``, ``GENERATING``, ``SUCCESS`` or a failure name, whatever
    the family's wire encoding), ``track_ids`` the ids of its result files
    (a vocal removal's ``originData`` ids) and ``source_task_id`` the task
    it was made from, if any.
    """

    task_id: str
    operation_type: str
    param_raw: str
    created_at: float
    timeline: Timeline
    track_ids: tuple[str, ...]
    status: str | None
    kind: str = "music"
    source_task_id: str | None = None

    @property
    def param(self) -> dict[str, Any]:
        """The creation request, decoded from ``param_raw`` (a fresh dict)."""
        param: dict[str, Any] = json.loads(self.param_raw)
        return param


@attrs.define(kw_only=True)
class ServedTask:
    """What every task the simulator knows has: created at ``created_at`` on the
    server's clock (``created_epoch_s`` on the wire's), from the request
    ``param_raw``, with a ``script`` of faults for its record-info requests."""

    task_id: str
    timeline: Timeline
    created_at: float
    created_epoch_s: float
    param_raw: str
    script: tuple[Fault | None, ...] = ()
    record_requests: int = 0

    def next_scripted(self) -> tuple[bool, Fault | None]:
        """Count one record-info request; ``(True, entry)`` while the script lasts."""
        self.record_requests += 1
        if self.record_requests <= len(self.script):
            return True, self.script[self.record_requests - 1]
        return False, None

    def simulated(self, status: str | None, **family: Any) -> SimulatedTask:
        """The task as a :class:`SimulatedTask` showing ``status``; ``family``
        holds the fields its family decides (``operation_type``, ``track_ids``...)."""
        return SimulatedTask(
            task_id=self.task_id,
            param_raw=self.param_raw,
            created_at=self.created_at,
            timeline=self.timeline,
            status=status,
            **family,
        )


@attrs.define(kw_only=True)
class SimTask(ServedTask):
    """A music task the simulator knows."""

    operation_type: str = "generate"
    parent_music_id: str = ""

    @property
    def track_ids(self) -> tuple[str, ...]:
        return tuple(
            track_id(self.task_id, i) for i in range(len(self.timeline.tracks))
        )

    def snapshot(self, step: int | None) -> SimulatedTask:
        """The task as of timeline step ``step`` (``None``: not found yet)."""
        return self.simulated(
            None if step is None else self.timeline.steps[step].status,
            operation_type=self.operation_type,
            track_ids=self.track_ids,
        )

    def data(
        self, index: int, *, base_url: str, scale: float, status: str | None = None
    ) -> dict[str, Any]:
        """The record-info ``data`` object as of step ``index`` (clamped to >= 0)."""
        timeline = self.timeline
        steps = timeline.steps[: max(index, 0) + 1]
        current = steps[-1].status
        reached = [s for s in steps if _MILESTONES.get(s.status, 0) > 0]
        milestone = max((_MILESTONES[s.status] for s in reached), default=0)
        family = model_family(timeline.model)
        response = None
        if reached:
            created_ms = round((self.created_epoch_s + reached[0].at_s * scale) * 1000)
            tracks = [
                _track(
                    tid,
                    spec,
                    base_url=base_url,
                    family=family,
                    created_ms=created_ms,
                    complete=milestone == 3 or (milestone == 2 and i == 0),
                )
                for i, (tid, spec) in enumerate(
                    zip(self.track_ids, timeline.tracks, strict=True)
                )
            ]
            response = {"taskId": self.task_id, "sunoData": tracks}
        failed = current in _FAILURES
        return {
            "taskId": self.task_id,
            "parentMusicId": self.parent_music_id,
            "param": self.param_raw,
            "response": response,
            "status": current if status is None else status,
            "type": family,
            "operationType": self.operation_type,
            "errorCode": timeline.error_code if failed else None,
            "errorMessage": timeline.error_message if failed else None,
            "createTime": int(self.created_epoch_s) * 1000,
        }


def _track(
    tid: str,
    spec: TrackSpec,
    *,
    base_url: str,
    family: str,
    created_ms: int,
    complete: bool,
) -> dict[str, Any]:
    """One ``sunoData`` entry: streamable before ``complete``, final after."""
    source_audio = f"{base_url}/files/source/{tid}.mp3"
    return {
        "id": tid,
        "audioUrl": f"{base_url}/files/{tid}.mp3" if complete else "",
        "sourceAudioUrl": source_audio if complete else "",
        "streamAudioUrl": f"{base_url}/files/stream/{tid}",
        "sourceStreamAudioUrl": source_audio
        if complete
        else f"{base_url}/files/pipe/{tid}",
        "imageUrl": f"{base_url}/files/{tid}.jpeg",
        "sourceImageUrl": f"{base_url}/files/source/image_{tid}.jpeg",
        "prompt": spec.lyrics,
        "modelName": family,
        "title": spec.title,
        "tags": ", ".join(spec.tags),
        "createTime": created_ms,
        "duration": spec.duration_s if complete else None,
    }

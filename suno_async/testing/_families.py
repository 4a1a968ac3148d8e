"""The simulated service's non-music families: their tasks, creation and records.

``Families`` extends :class:`~suno_async.testing._simulation.Simulation`
with lyrics, WAV, vocal-removal, MIDI, video and cover-image tasks, kept
apart from music tasks (music record-info does not know their ids).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Final

from suno_async.testing._family_params import check_family_body
from suno_async.testing._family_task import FamilyTask
from suno_async.testing._family_wire import separation_stems
from suno_async.testing._faults import Fault
from suno_async.testing._kinds import KINDS, check_variant
from suno_async.testing._simulation import DEFAULT_CALLBACK, Simulation
from suno_async.testing._task import track_id
from suno_async.testing._timeline import Timeline
from suno_async.testing._wire import credits_code, envelope

__all__ = ["FAMILY_CREDITS", "SEPARATION_CREDITS", "Families"]

#: Credits a creation costs, per kind: vocal removal per ``type`` (kie's
#: prices); the other kinds' prices are not documented, 1 is our guess.
FAMILY_CREDITS: Final[Mapping[str, int]] = {
    "lyrics": 1,
    "wav": 1,
    "midi": 1,
    "video": 1,
    "cover-image": 1,
}
SEPARATION_CREDITS: Final[Mapping[str, int]] = {
    "separate_vocal": 10,
    "split_stem": 50,
    "split_stem_advanced": 20,
}
_DEFAULT_PARAMS: Final[Mapping[str, Mapping[str, Any]]] = {
    "lyrics": {"prompt": "A song about peaceful night"},
    "vocal-removal": {"type": "separate_vocal"},
}
_Script = tuple[Timeline | None, tuple[Fault | None, ...]]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class Families(Simulation):
    """The non-music families' rules of ``FakeSunoServer``."""

    def _setup(self) -> None:
        super()._setup()
        self._family_queues: dict[str, deque[_Script]] = {
            kind: deque() for kind in KINDS if kind != "music"
        }
        self._wavs: dict[tuple[str, str], str] = {}
        self._covers: dict[str, str] = {}

    def _new_family_task(
        self,
        kind: str,
        task_id: str | None,
        timeline: Timeline | None,
        *,
        faults: Sequence[Fault | None],
        param: Mapping[str, Any] | None,
        variant: str | None,
    ) -> str:
        """Create a ``kind`` task now, its source read from ``param``. Its id."""
        if task_id is None:
            task_id = f"{self._task_rng.getrandbits(128):032x}"
        if param is None:
            param = {"callBackUrl": DEFAULT_CALLBACK, **_DEFAULT_PARAMS.get(kind, {})}
        separation = _text(param.get("type")) or "separate_vocal"
        if timeline is None:
            timeline = Timeline.realistic(
                self._task_rng, kind=kind, separation=separation
            )
        source, audio_id = _text(param.get("taskId")), _text(param.get("audioId"))
        music = None if source is None else self._tasks.get(source)
        music_index, duration_s = None, 180.0
        stems: tuple[str, ...] = ()
        if kind in ("wav", "video", "vocal-removal") and param.get("audioUrl") is None:
            if audio_id is None:
                audio_id = track_id(task_id, -1)  # a stand-in source track
            music_index = 0
            if music is not None and audio_id in music.track_ids:
                music_index = music.track_ids.index(audio_id)
                duration_s = music.timeline.tracks[music_index].duration_s
        if kind == "vocal-removal":
            stems = separation_stems(separation, _text(param.get("stemName")))
        elif kind == "midi":
            stems = self._instruments(source, audio_id)
        callback = param.get("callBackUrl")
        task = FamilyTask(
            **self._born(task_id, timeline, param, faults),
            kind=kind,
            callback_url=callback if isinstance(callback, str) else None,
            variant=self.wire_variant if variant is None else check_variant(variant),
            source_task_id=source,
            audio_id=audio_id,
            music_index=music_index,
            duration_s=duration_s,
            stems=stems,
        )
        self._family_tasks[task_id] = task
        self._tracks.update(task.media_ids)
        if kind == "wav" and source is not None and audio_id is not None:
            self._wavs.setdefault((source, audio_id), task_id)
        elif kind == "cover-image" and source is not None:
            self._covers.setdefault(source, task_id)
        return task_id

    def _instruments(self, source: str | None, audio_id: str | None) -> tuple[str, ...]:
        """The stems a MIDI task transcribes: the one asked for, else all."""
        removal = None if source is None else self._family_tasks.get(source)
        if removal is None:
            return separation_stems("separate_vocal", None)
        pairs = zip(removal.media_ids, removal.stems, strict=True)
        chosen = tuple(group for media_id, group in pairs if media_id == audio_id)
        return chosen or removal.stems

    def _family_record_body(
        self,
        kind: str,
        task_id: str,
        fault: Fault | None,
        *,
        violation: bool,
        base_url: str,
    ) -> dict[str, Any]:
        """A family's record-info answer; unknown ids (or other kinds'): ``data: null``.

        ``taskId`` missing: 422, as for music.
        """
        if violation:
            return self._error(self.provider.rate_limit_code)
        if not task_id:
            return envelope(422, "taskId is required")
        task = self._family_tasks.get(task_id)
        step = None if task is None or task.kind != kind else self._step_now(task)
        if task is None or step is None:
            return envelope(200, "success", None)
        return self._task_answer(task, step, fault, base_url)

    def _family_create_body(self, index: int, kind: str, param: Any) -> dict[str, Any]:
        if not isinstance(param, dict):
            return envelope(400, "The request body must be a JSON object")
        problem = check_family_body(kind, param)
        if problem is not None:
            long_code = self._validation_code(problem.too_long)
            return envelope(long_code if kind == "lyrics" else 400, problem.message)
        refusal = self._source_refusal(kind, param)
        if refusal is not None:
            return refusal
        cost = FAMILY_CREDITS.get(kind, 0)
        if kind == "vocal-removal":
            cost = SEPARATION_CREDITS[param.get("type") or "separate_vocal"]
        if self.credits < cost:
            return self._error(credits_code(self.provider))
        self.credits -= cost
        queue = self._family_queues[kind]
        timeline, faults = queue.popleft() if queue else (None, ())
        task_id = self._new_family_task(
            kind, None, timeline, faults=faults, param=param, variant=None
        )
        self._note(index, task_id=task_id)
        return envelope(200, "success", {"taskId": task_id})

    def _source_refusal(
        self, kind: str, param: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Why the task a request names cannot be its source (body code 400 or 409).

        An unknown source task gets 400 ("not found" would be 404, a bad
        path on sunoapi.org). A second WAV of one track gets 409 "WAV record
        already exists" with ``data: {"taskId": <the existing task>}`` (the
        real 409's ``data`` is not documented: ours is a guess); a second
        cover of one music task gets 400 naming the existing task, also in
        ``data``. Covers need a completed music task, MIDI a completed
        vocal removal (as documented).
        """
        source, audio_id = _text(param.get("taskId")), _text(param.get("audioId"))
        if kind == "midi":
            assert source is not None  # checked: required
            return self._midi_refusal(source, audio_id)
        if kind == "lyrics" or source is None:
            return None
        music = self._tasks.get(source)
        if music is None:
            return envelope(400, f"Task not found: {source} is not a music task")
        if audio_id is not None and audio_id not in music.track_ids:
            return envelope(400, f"audioId {audio_id} is not a track of task {source}")
        wav = kind == "wav" and audio_id is not None
        existing = self._wavs.get((source, audio_id or "")) if wav else None
        if existing is not None:
            return envelope(409, "WAV record already exists", {"taskId": existing})
        if kind != "cover-image":
            return None
        step = self._step_now(music)
        if step is None or music.timeline.steps[step].status != "SUCCESS":
            return envelope(400, f"Task {source} is not complete yet")
        existing = self._covers.get(source)
        if existing is not None:
            message = f"A cover was already generated for this task: {existing}"
            return envelope(400, message, {"taskId": existing})
        return None

    def _midi_refusal(self, source: str, audio_id: str | None) -> dict[str, Any] | None:
        removal = self._family_tasks.get(source)
        if removal is None or removal.kind != "vocal-removal":
            return envelope(
                400, f"Task not found: {source} is not a vocal-removal task"
            )
        step = self._step_now(removal)
        if step is None or removal.status_at(step) != "SUCCESS":
            return envelope(400, f"Vocal-removal task {source} is not complete yet")
        if audio_id is not None and audio_id not in removal.media_ids:
            return envelope(400, f"audioId {audio_id} is not a stem of task {source}")
        return None

"""The synchronous calls: timestamped lyrics, boost style and persona (no task to poll).

Each answers at once; checks, like the creations', answer body code 400 with
a message. These calls' credits, ids and times are simulated guesses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, Final

from suno_async.testing._families import Families
from suno_async.testing._family_wire import plain_time
from suno_async.testing._task import SimTask
from suno_async.testing._timeline import INSTRUMENTAL
from suno_async.testing._wire import credits_code, envelope

__all__ = ["STYLE_CREDITS", "SyncCalls"]

#: Credits a boost-style call costs (undocumented: our guess).
STYLE_CREDITS: Final = 1
_OLD_MODELS: Final = frozenset({"V2", "V3", "V3_5"})


def _missing(param: Mapping[str, Any], *names: str) -> dict[str, Any] | None:
    """400 for the first of ``names`` that is not a non-empty string."""
    for name in names:
        value = param.get(name)
        if not (isinstance(value, str) and value.strip()):
            return envelope(400, f"{name} is required (a non-empty string)")
    return None


def _words(lyrics: str, duration_s: float) -> list[dict[str, Any]]:
    """Aligned words spread over the track; a section tag joins the next word."""
    tokens: list[str] = []
    tag = ""
    for token in lyrics.split():
        if token.startswith("["):
            tag = f"{token}\n"
        else:
            tokens.append(tag + token)
            tag = ""
    step_s = duration_s * 0.85 / max(len(tokens), 1)
    return [
        {
            "word": word,
            "success": True,
            "startS": round(duration_s * 0.05 + i * step_s, 2),
            "endS": round(duration_s * 0.05 + (i + 0.8) * step_s, 2),
            "palign": 0,
        }
        for i, word in enumerate(tokens)
    ]


class SyncCalls(Families):
    """The synchronous calls' rules: see :class:`~suno_async.testing.FakeSunoServer`."""

    def _setup(self) -> None:
        super()._setup()
        self._personas: dict[str, str] = {}  # audioId -> personaId

    def _music_track(
        self, param: Mapping[str, Any]
    ) -> tuple[SimTask, int] | dict[str, Any]:
        """The music task and track index ``taskId``/``audioId`` name, or a 400."""
        refusal = _missing(param, "taskId", "audioId")
        if refusal is not None:
            return refusal
        task_id, audio_id = param["taskId"], param["audioId"]
        music = self._tasks.get(task_id)
        if music is None:
            return envelope(400, f"Task not found: {task_id} is not a music task")
        if audio_id not in music.track_ids:
            return envelope(400, f"audioId {audio_id} is not a track of task {task_id}")
        return music, music.track_ids.index(audio_id)

    def _timestamped_lyrics_body(self, param: Mapping[str, Any]) -> dict[str, Any]:
        found = self._music_track(param)
        if isinstance(found, dict):
            return found
        music, index = found
        spec = music.timeline.tracks[index]
        rng = random.Random(param["audioId"])
        words = (
            [] if spec.lyrics == INSTRUMENTAL else _words(spec.lyrics, spec.duration_s)
        )
        return envelope(
            200,
            "success",
            {
                "alignedWords": words,
                "waveformData": [round(rng.random(), 3) for _ in range(100)],
                "hootCer": round(rng.uniform(0.05, 0.3), 4),
                "isStreamed": False,
            },
        )

    def _boost_style_body(self, param: Mapping[str, Any]) -> dict[str, Any]:
        refusal = _missing(param, "content")
        if refusal is not None:
            return refusal
        if self.credits < STYLE_CREDITS:
            return self._error(credits_code(self.provider))
        self.credits -= STYLE_CREDITS
        content = param["content"].strip()
        return envelope(
            200,
            "success",
            {
                "taskId": f"{self._task_rng.getrandbits(128):032x}",
                "param": content,
                "result": f"{content}, polished production, warm analog tone, wide mix",
                "creditsConsumed": STYLE_CREDITS,
                "creditsRemaining": self.credits,
                "successFlag": "1",
                "errorCode": None,
                "errorMessage": None,
                "createTime": plain_time(self._epoch0 + self._clock() - self._clock0),
            },
        )

    def _persona_body(self, param: Mapping[str, Any]) -> dict[str, Any]:
        refusal = _missing(param, "taskId", "audioId", "name", "description")
        refusal = refusal or _window_refusal(param)
        if refusal is not None:
            return refusal
        found = self._music_track(param)
        if isinstance(found, dict):
            return found
        music, _ = found
        step = self._step_now(music)
        if step is None or music.timeline.steps[step].status != "SUCCESS":
            return envelope(400, f"Task {music.task_id} is not complete yet")
        if music.timeline.model in _OLD_MODELS:
            return envelope(400, "Personas need a model newer than V3_5")
        audio_id = param["audioId"]
        existing = self._personas.get(audio_id)
        if existing is not None:
            message = f"This track already has a persona: {existing}"
            return envelope(409, message, {"personaId": existing})
        persona_id = f"{self._task_rng.getrandbits(128):032x}"
        self._personas[audio_id] = persona_id
        data = {
            "personaId": persona_id,
            "name": param["name"],
            "description": param["description"],
        }
        return envelope(200, "success", data)


def _window_refusal(param: Mapping[str, Any]) -> dict[str, Any] | None:
    """400 unless 0 <= vocalStart and vocalEnd - vocalStart is 10-30 s, in 0.01 s."""
    start, end = param.get("vocalStart", 0), param.get("vocalEnd", 30)
    for name, value in (("vocalStart", start), ("vocalEnd", end)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return envelope(400, f"{name} must be a number of seconds")
        if not math.isfinite(value) or value < 0:
            return envelope(400, f"{name} must be a number of seconds >= 0")
    window = end - start
    if not 10 <= window <= 30 or abs(window * 100 - round(window * 100)) > 1e-6:
        return envelope(
            400, "vocalEnd - vocalStart must be 10 to 30 seconds, in 0.01 s steps"
        )
    return None

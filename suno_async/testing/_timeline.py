"""Scripted task timelines: when each status appears, and what the task makes.

Offsets are *task seconds* after creation; the server multiplies them by its
``scale``, so one timeline serves both real-time demos and fast tests.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Final, TypeAlias

import attrs

from suno_async._core.models import TaskStatus
from suno_async.testing._faults import check_seconds
from suno_async.testing._kinds import check_kind

__all__ = [
    "FAILURE_DEFAULTS",
    "KIND_SECONDS",
    "SPLIT_STEM_S",
    "Step",
    "Timeline",
    "TrackSpec",
]

#: ``(errorCode, errorMessage)`` a failure status gets when its timeline names none.
FAILURE_DEFAULTS: Final[dict[str, tuple[int, str]]] = {
    "CREATE_TASK_FAILED": (400, "Create task failed: the request was refused."),
    "GENERATE_AUDIO_FAILED": (501, "Audio generation failed."),
    "CALLBACK_EXCEPTION": (500, "Callback exception."),
    "SENSITIVE_WORD_ERROR": (400, "Lyrics contained copyrighted material."),
    "GENERATE_LYRICS_FAILED": (500, "Lyrics generation failed."),
    "GENERATE_WAV_FAILED": (500, "WAV generation failed."),
    "GENERATE_MIDI_FAILED": (500, "MIDI generation failed."),
    "GENERATE_MP4_FAILED": (500, "MP4 generation failed."),
    "GENERATE_COVER_FAILED": (500, "Cover generation failed."),
}
#: ``(low, high)`` task seconds a realistic task of each non-music kind takes
#: (vocal-removal: ``separate_vocal``; ``split_stem`` takes ``SPLIT_STEM_S``).
KIND_SECONDS: Final[dict[str, tuple[float, float]]] = {
    "lyrics": (4.0, 15.0),
    "wav": (10.0, 45.0),
    "vocal-removal": (30.0, 90.0),
    "midi": (20.0, 60.0),
    "video": (30.0, 120.0),
    "cover-image": (15.0, 50.0),
}
SPLIT_STEM_S: Final = (60.0, 180.0)

_TITLE_WORDS: Final = (
    ("Rainy", "Neon", "Golden", "Silent", "Electric", "Midnight", "Velvet", "Paper"),
    ("Memories", "Skyline", "Harbor", "Echoes", "Letters", "Garden", "Highway", "Tide"),
)
_GENRES: Final = (
    ("classical", "piano", "calm"),
    ("synthwave", "retro", "driving beat"),
    ("indie pop", "female vocals", "dreamy"),
    ("lo-fi", "chill", "jazzy chords"),
    ("rock", "electric guitar", "anthemic"),
    ("folk", "acoustic guitar", "warm male vocals"),
)
LYRICS: Final = (
    "[Verse]\nStreetlights hum a quiet tune\nPuddles hold a paper moon\n\n"
    "[Chorus]\nAnd I keep walking home\nWith the rain for company"
)
INSTRUMENTAL: Final = "[Instrumental]"


def _status_text(status: str | TaskStatus) -> str:
    return status.value if isinstance(status, TaskStatus) else str(status)


@attrs.frozen
class Step:
    """From ``at_s`` task seconds after creation on, the task reports ``status``.

    ``status`` is the raw string sent, so unknown statuses can be scripted.
    """

    at_s: float = attrs.field(converter=float)
    status: str = attrs.field(converter=_status_text)

    @at_s.validator
    def _check_at(self, _: attrs.Attribute[float], value: float) -> None:
        check_seconds("a step's offset", value)


StepLike: TypeAlias = "Step | tuple[float, str | TaskStatus]"


def _to_steps(steps: Iterable[StepLike]) -> tuple[Step, ...]:
    """Sort the steps by offset; a task is PENDING until its first step."""
    out = sorted(
        (s if isinstance(s, Step) else Step(*s) for s in steps), key=lambda s: s.at_s
    )
    if not out or out[0].at_s > 0:
        out.insert(0, Step(0.0, TaskStatus.PENDING))
    return tuple(out)


@attrs.frozen(kw_only=True)
class TrackSpec:
    """The final data of one generated track (its id comes from the task id)."""

    title: str = "Rainy Memories"
    tags: tuple[str, ...] = ("classical", "piano", "calm")
    duration_s: float = 198.44
    lyrics: str = INSTRUMENTAL


_DEFAULT_TRACKS: Final = (TrackSpec(), TrackSpec(duration_s=201.1))


@attrs.frozen(kw_only=True)
class Timeline:
    """A task's script: its status steps and the tracks it produces.

    ``steps`` accepts :class:`Step` objects or ``(at_s, status)`` pairs, in
    any order. ``model`` is the request's model name (``V4_5``...), shown on
    the wire as its model family (``chirp-auk``). ``error_code`` and
    ``error_message`` are reported while a failure status is current
    (defaults: ``FAILURE_DEFAULTS``). The task id is unknown (body code
    404) for the first ``not_found_s`` task seconds, as right after creation
    on a lagging replica.
    """

    steps: tuple[Step, ...] = attrs.field(converter=_to_steps)
    tracks: tuple[TrackSpec, ...] = _DEFAULT_TRACKS
    model: str = "V4_5"
    error_code: int | str | None = None
    error_message: str | None = None
    not_found_s: float = 0.0

    @classmethod
    def success(
        cls,
        text_s: float | None = 5.0,
        first_s: float | None = 25.0,
        done_s: float = 90.0,
        *,
        tracks: tuple[TrackSpec, ...] = _DEFAULT_TRACKS,
        model: str = "V4_5",
    ) -> Timeline:
        """PENDING, then TEXT_SUCCESS, FIRST_SUCCESS and SUCCESS at those offsets.

        Offsets count from creation; ``None`` skips that stage, as the
        service sometimes does.
        """
        steps: list[StepLike] = [(0.0, TaskStatus.PENDING)]
        if text_s is not None:
            steps.append((text_s, TaskStatus.TEXT_SUCCESS))
        if first_s is not None:
            steps.append((first_s, TaskStatus.FIRST_SUCCESS))
        steps.append((done_s, TaskStatus.SUCCESS))
        return cls(steps=steps, tracks=tracks, model=model)

    @classmethod
    def failure(
        cls,
        status: str | TaskStatus = TaskStatus.GENERATE_AUDIO_FAILED,
        at_s: float = 20.0,
        error_code: int | str | None = None,
        error_message: str | None = None,
        *,
        text_s: float | None = None,
    ) -> Timeline:
        """PENDING, TEXT_SUCCESS at ``text_s`` if given, then ``status`` at ``at_s``.

        ``error_code`` and ``error_message`` default per status
        (``FAILURE_DEFAULTS``): 400 for CREATE_TASK_FAILED and
        SENSITIVE_WORD_ERROR, 501 for GENERATE_AUDIO_FAILED, 500 for
        CALLBACK_EXCEPTION, each with a short text.
        """
        raw = _status_text(status)
        default_code, default_message = FAILURE_DEFAULTS.get(raw, (None, None))
        steps: list[StepLike] = [(0.0, TaskStatus.PENDING), (at_s, raw)]
        if text_s is not None:
            steps.append((text_s, TaskStatus.TEXT_SUCCESS))
        return cls(
            steps=steps,
            error_code=default_code if error_code is None else error_code,
            error_message=default_message if error_message is None else error_message,
        )

    @classmethod
    def realistic(
        cls,
        rng: random.Random | int | str | None = None,
        *,
        kind: str = "music",
        separation: str = "separate_vocal",
    ) -> Timeline:
        """A successful task with the documented phase lengths.

        Music: text arrives 3-12 s after creation, the first track 15-40 s
        later and the rest 30-110 s after that (about 50-160 s in all);
        titles, tags and durations are drawn too. Other kinds go from
        PENDING to SUCCESS within ``KIND_SECONDS[kind]`` (``SPLIT_STEM_S``
        for a vocal removal whose ``separation`` is a stem split); a cover
        image is GENERATING from a third of the way; lyrics make 2-3
        variants (``tracks``: title and text). The same seed gives the same
        timeline.
        """
        r = rng if isinstance(rng, random.Random) else random.Random(rng)
        if check_kind(kind) != "music":
            return cls._realistic_family(r, kind, separation)
        text_s = round(r.uniform(3.0, 12.0), 3)
        first_s = round(text_s + r.uniform(15.0, 40.0), 3)
        done_s = round(first_s + r.uniform(30.0, 110.0), 3)
        title = f"{r.choice(_TITLE_WORDS[0])} {r.choice(_TITLE_WORDS[1])}"
        tags = r.choice(_GENRES)
        lyrics = INSTRUMENTAL if r.random() < 0.3 else LYRICS
        tracks = tuple(
            TrackSpec(
                title=title,
                tags=tags,
                duration_s=round(r.uniform(90.0, 240.0), 2),
                lyrics=lyrics,
            )
            for _ in range(2)
        )
        return cls.success(text_s, first_s, done_s, tracks=tracks)

    @classmethod
    def _realistic_family(
        cls, r: random.Random, kind: str, separation: str
    ) -> Timeline:
        low, high = KIND_SECONDS[kind]
        if kind == "vocal-removal" and separation != "separate_vocal":
            low, high = SPLIT_STEM_S
        done_s = round(r.uniform(low, high), 3)
        steps: list[StepLike] = [(0.0, TaskStatus.PENDING), (done_s, "SUCCESS")]
        if kind == "cover-image":
            steps.append((round(done_s / 3, 3), "GENERATING"))
        tracks: tuple[TrackSpec, ...] = _DEFAULT_TRACKS
        if kind == "lyrics":
            tracks = tuple(
                TrackSpec(
                    title=f"{r.choice(_TITLE_WORDS[0])} {r.choice(_TITLE_WORDS[1])}",
                    tags=(),
                    duration_s=0.0,
                    lyrics=LYRICS,
                )
                for _ in range(r.choice((2, 3)))
            )
        return cls(steps=steps, tracks=tracks)

    def not_found_for(self, seconds: float) -> Timeline:
        """This timeline, unknown for its first ``seconds``.

        Music record-info answers body code 404 meanwhile; the other kinds'
        record-info answer ``data: null``, as for an unknown id.
        """
        return attrs.evolve(self, not_found_s=float(seconds))

    @property
    def end_s(self) -> float:
        """The offset of the last step (when the task stops changing)."""
        return self.steps[-1].at_s

    def index_at(self, elapsed_s: float) -> int:
        """The index of the step current ``elapsed_s`` task seconds after creation."""
        index = 0
        for i, step in enumerate(self.steps):
            if step.at_s <= elapsed_s:
                index = i
        return index

"""Each task family described by data: a :class:`FamilySpec` per :class:`TaskKind`.

The one waiting engine reads a family's spec, never a copy of the poller:
where its record-info lives, how its record decodes (status mapping
included, see :mod:`suno_async._core.family_convert`), which milestones it
passes, its default polling cadence, and where its callbacks put the task
id and the result. Adding a family is one spec here and one decoder there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from suno_async._core.errors import InvalidArgumentError
from suno_async._core.family_convert import decode_family_record
from suno_async._core.family_records import RECORD_TYPES
from suno_async._core.kinds import TaskKind
from suno_async._core.models import MILESTONES, RecordBase, TaskStatus
from suno_async._core.policies import PollPolicy
from suno_async._core.providers import RECORD_INFO_PATH

__all__ = [
    "SPECS",
    "CallbackShape",
    "FamilySpec",
    "PollSetting",
    "family_polls",
    "task_kind",
]

_KINDS: Final = {kind.value: kind for kind in TaskKind}
_TaskIdPath = tuple[str, ...]


@attrs.frozen(kw_only=True)
class CallbackShape:
    """Where a family's callback carries its task id and result.

    ``task_id_paths`` are tried in order (kie.ai and sunoapi.org differ);
    ``result_keys`` are the result's keys under the callback's ``data``
    (``()``: ``data`` is the result itself, as for MIDI).
    """

    task_id_paths: tuple[_TaskIdPath, ...]
    result_keys: tuple[str, ...]
    stages: bool = False


@attrs.frozen(kw_only=True)
class FamilySpec:
    """What the engine needs to know about one family of tasks.

    ``milestones`` are the statuses a wait reports, in order (music:
    TEXT_SUCCESS, FIRST_SUCCESS, SUCCESS; the others: SUCCESS alone);
    ``poll`` is the family's default cadence, its first phase sized to the
    family's typical run time. No page documents run times (FAMILIES.md,
    uncertain 14): these are estimates ("varies with audio length";
    ``split_stem`` is slower than ``separate_vocal``), and the phased
    policy backs off by itself when a task overruns them.
    """

    kind: TaskKind
    record_info_path: str
    create_path: str
    record_type: type[RecordBase]
    milestones: tuple[TaskStatus, ...]
    poll: PollPolicy
    callback: CallbackShape

    def decode(self, data: Any, task_id: str | None = None) -> RecordBase:
        """Read record-info ``data`` as this family's record (``DecodeError`` else)."""
        return decode_family_record(data, self.kind, task_id=task_id)


def _pending_phase(lo: float, hi: float) -> PollPolicy:
    """The default policy with its first phase ``[lo, hi]`` seconds long."""
    base = PollPolicy()
    return attrs.evolve(
        base,
        phase_min_s=(lo, *base.phase_min_s[1:]),
        phase_max_s=(hi, *base.phase_max_s[1:]),
    )


_DATA_TASK_ID: Final = (("data", "task_id"), ("data", "taskId"))


def _spec(
    kind: TaskKind,
    stem: str,
    create: str,
    typical_s: tuple[float, float],
    result_keys: tuple[str, ...],
    *,
    task_id_paths: tuple[_TaskIdPath, ...] = _DATA_TASK_ID,
    stages: bool = False,
) -> FamilySpec:
    """A family other than music, from its row in :func:`_build`.

    Its endpoints are ``/api/v1/{stem}/record-info`` and
    ``/api/v1/{stem}/{create}`` (``/api/v1/{stem}`` when ``create`` is
    empty); its one milestone is SUCCESS; its first poll phase is its
    ``typical_s`` run time; its callback carries ``result_keys`` (see
    :class:`CallbackShape`), its task id under ``data`` unless
    ``task_id_paths`` says otherwise.
    """
    return FamilySpec(
        kind=kind,
        record_info_path=f"/api/v1/{stem}/record-info",
        create_path=f"/api/v1/{stem}/{create}" if create else f"/api/v1/{stem}",
        record_type=RECORD_TYPES[kind],
        milestones=(TaskStatus.SUCCESS,),
        poll=_pending_phase(*typical_s),
        callback=CallbackShape(
            task_id_paths=task_id_paths, result_keys=result_keys, stages=stages
        ),
    )


def _build() -> Mapping[TaskKind, FamilySpec]:
    music = FamilySpec(
        kind=TaskKind.MUSIC,
        record_info_path=RECORD_INFO_PATH,
        create_path="/api/v1/generate",
        record_type=RECORD_TYPES[TaskKind.MUSIC],
        milestones=MILESTONES,
        poll=PollPolicy(),
        callback=CallbackShape(
            task_id_paths=_DATA_TASK_ID, result_keys=("data",), stages=True
        ),
    )
    # kind, path stem, creation path after it, typical run (s), callback's result keys
    others = (
        _spec(
            TaskKind.LYRICS,
            "lyrics",
            "",
            (4.0, 15.0),
            ("data", "lyricsData"),
            stages=True,
        ),
        _spec(
            TaskKind.WAV,
            "wav",
            "generate",
            (10.0, 45.0),
            ("audioWavUrl", "audio_wav_url"),
        ),
        _spec(
            TaskKind.VOCAL_REMOVAL,
            "vocal-removal",
            "generate",
            (30.0, 180.0),
            ("vocal_removal_info", "vocal_separation_info"),
        ),
        _spec(
            TaskKind.MIDI,
            "midi",
            "generate",
            (20.0, 60.0),
            (),
            task_id_paths=(("task_id",), ("taskId",)),
        ),
        _spec(
            TaskKind.VIDEO, "mp4", "generate", (30.0, 120.0), ("video_url", "videoUrl")
        ),
        _spec(
            TaskKind.COVER_IMAGE,
            "suno/cover",
            "generate",
            (15.0, 50.0),
            ("images",),
            task_id_paths=(("data", "taskId"), ("data", "task_id")),
        ),
    )
    return {TaskKind.MUSIC: music, **{spec.kind: spec for spec in others}}


#: Every family's spec, by kind.
SPECS: Final[Mapping[TaskKind, FamilySpec]] = _build()


def task_kind(value: object) -> TaskKind:
    """``value`` as a :class:`TaskKind` (a member or its value string).

    Raises :class:`~suno_async.InvalidArgumentError` (a ``ValueError``)
    naming the valid values otherwise.
    """
    if isinstance(value, TaskKind):
        return value
    kind = _KINDS.get(value) if isinstance(value, str) else None
    if kind is None:
        names = ", ".join(repr(k.value) for k in TaskKind)
        raise InvalidArgumentError(
            f"kind must be a TaskKind or one of {names}, not {value!r:.40}"
        )
    return kind


PollSetting = PollPolicy | Mapping[TaskKind | str, PollPolicy] | None
"""A client's ``poll``: one policy for every family, some families' own, or none."""


def family_polls(poll: PollSetting) -> Mapping[TaskKind, PollPolicy]:
    """The policy of each family: ``poll`` where it says, else the family's default.

    A single :class:`PollPolicy` applies to every family; a mapping (keys
    :class:`TaskKind` or value strings) overrides the families it names.
    """
    if isinstance(poll, PollPolicy):
        return dict.fromkeys(TaskKind, poll)
    polls = {kind: spec.poll for kind, spec in SPECS.items()}
    for kind, policy in (poll or {}).items():
        if not isinstance(policy, PollPolicy):
            raise InvalidArgumentError(
                f"poll[{kind!r}] must be a PollPolicy, not {type(policy).__name__}"
            )
        polls[task_kind(kind)] = policy
    return polls

"""Task families (kinds) and how each one writes its status on the wire.

A kind is named by a plain string, the value of the SDK's ``TaskKind``:
``"music"``, ``"lyrics"``, ``"wav"``, ``"vocal-removal"``, ``"midi"``,
``"video"``, ``"cover-image"``. Timelines script *canonical* statuses
(``PENDING``, ``SUCCESS``, a failure name, ``GENERATING`` for cover images);
:func:`wire_status` turns one into what the family's record-info sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

__all__ = [
    "FAMILY_FAILURES",
    "KINDS",
    "WIRE_VARIANTS",
    "WireVariant",
    "canonical_status",
    "check_kind",
    "check_variant",
    "is_failure",
    "wire_status",
]

#: Every task kind, music first.
KINDS: Final = (
    "music",
    "lyrics",
    "wav",
    "vocal-removal",
    "midi",
    "video",
    "cover-image",
)
WireVariant: TypeAlias = Literal["documented", "names", "digits", "kie-text"]
#: How the non-music families write their status field:
#: ``documented`` as each family's page shows it (midi and cover-image send
#: integers, the others names); ``names``: cover-image sends the names of its
#: page text (``PENDING``, ``SUCCESS``, ``GENERATE_COVER_FAILED``...) instead
#: of integers; ``digits``: midi and cover-image send their integers as digit
#: strings (``"1"``); ``kie-text``: name-valued fields carry kie's schema text,
#: ``"PENDING-Waiting for execution"``, ``"SUCCESS-Success"``...
WIRE_VARIANTS: Final[tuple[WireVariant, ...]] = (
    "documented",
    "names",
    "digits",
    "kie-text",
)

#: The failure names each non-music family documents.
FAMILY_FAILURES: Final[Mapping[str, frozenset[str]]] = {
    "lyrics": frozenset(
        {
            "CREATE_TASK_FAILED",
            "GENERATE_LYRICS_FAILED",
            "CALLBACK_EXCEPTION",
            "SENSITIVE_WORD_ERROR",
        }
    ),
    "wav": frozenset(
        {"CREATE_TASK_FAILED", "GENERATE_WAV_FAILED", "CALLBACK_EXCEPTION"}
    ),
    "vocal-removal": frozenset(
        {"CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION"}
    ),
    "midi": frozenset({"CREATE_TASK_FAILED", "GENERATE_MIDI_FAILED"}),
    "video": frozenset(
        {"CREATE_TASK_FAILED", "GENERATE_MP4_FAILED", "CALLBACK_EXCEPTION"}
    ),
    "cover-image": frozenset({"CREATE_TASK_FAILED", "GENERATE_COVER_FAILED"}),
}
# The integer families: canonical status -> integer (CREATE_TASK_FAILED has no
# documented cover integer: 3, the failure value, is our guess).
_INTEGERS: Final[Mapping[str, Mapping[str, int]]] = {
    "midi": {
        "PENDING": 0,
        "SUCCESS": 1,
        "CREATE_TASK_FAILED": 2,
        "GENERATE_MIDI_FAILED": 3,
    },
    "cover-image": {
        "PENDING": 0,
        "SUCCESS": 1,
        "GENERATING": 2,
        "GENERATE_COVER_FAILED": 3,
        "CREATE_TASK_FAILED": 3,
    },
}
_FROM_DIGITS: Final[Mapping[str, Mapping[str, str]]] = {
    "midi": {
        "0": "PENDING",
        "1": "SUCCESS",
        "2": "CREATE_TASK_FAILED",
        "3": "GENERATE_MIDI_FAILED",
    },
    "cover-image": {
        "0": "PENDING",
        "1": "SUCCESS",
        "2": "GENERATING",
        "3": "GENERATE_COVER_FAILED",
    },
}
_KIE_TEXT: Final[Mapping[str, str]] = {
    "PENDING": "Waiting for execution",
    "SUCCESS": "Success",
    "CREATE_TASK_FAILED": "Failed to create task",
    "CALLBACK_EXCEPTION": "Callback exception",
    "SENSITIVE_WORD_ERROR": "Sensitive word error",
}
# Music's running milestones play as the family's running value.
_RUNNING: Final = frozenset({"TEXT_SUCCESS", "FIRST_SUCCESS"})


def check_kind(kind: str) -> str:
    """``kind`` if it names a task family, else ``ValueError``."""
    if kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}; use one of {', '.join(KINDS)}")
    return str(kind)


def check_variant(variant: str) -> WireVariant:
    """``variant`` if it is one of ``WIRE_VARIANTS``, else ``ValueError``."""
    for known in WIRE_VARIANTS:
        if variant == known:
            return known
    raise ValueError(f"unknown wire variant {variant!r}; use one of {WIRE_VARIANTS}")


def canonical_status(kind: str, status: str) -> str:
    """A timeline status as the family understands it.

    Music milestones count as running (``PENDING``, or ``GENERATING`` for a
    cover image); an integer family's digit string becomes its name (midi
    ``"3"``: ``GENERATE_MIDI_FAILED``). Other statuses are kept as they are.
    """
    if status in _RUNNING:
        return "GENERATING" if kind == "cover-image" else "PENDING"
    return _FROM_DIGITS.get(kind, {}).get(status, status)


def is_failure(kind: str, status: str) -> bool:
    """Whether the canonical ``status`` is one of the family's failures."""
    return status in FAMILY_FAILURES[kind]


def wire_status(kind: str, status: str, variant: WireVariant) -> int | str:
    """The status field a family's record-info sends for canonical ``status``.

    Statuses outside the family's vocabulary are sent as they are (scripted
    unknown statuses).
    """
    integers = _INTEGERS.get(kind)
    if integers is not None and status in integers:
        if variant == "names" and kind == "cover-image":
            return "PENDING" if status == "GENERATING" else status
        value = integers[status]
        return str(value) if variant == "digits" else value
    known = status in ("PENDING", "SUCCESS") or status in FAMILY_FAILURES[kind]
    if variant == "kie-text" and integers is None and known:
        text = _KIE_TEXT.get(status, "Generation failed")
        return f"{status}-{text}"
    return status

"""Callback bodies: parsing into events, no I/O (signatures: callback_signing).

Public through :mod:`suno_async.webhooks`, which explains what a signature
proves and what it does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from suno_async._core.convert import loads
from suno_async._core.errors import WebhookError
from suno_async._core.families import SPECS, task_kind
from suno_async._core.family_callbacks import (
    detect_kind,
    find_task_id,
    read_result,
)
from suno_async._core.family_records import LyricsVariant, MidiInstrument
from suno_async._core.kinds import TaskKind
from suno_async._core.models import TaskStatus, Track

__all__ = [
    "MAX_CALLBACK_BYTES",
    "STAGE_LEVELS",
    "CallbackEvent",
    "CallbackStage",
    "RawCallback",
    "parse_callback",
    "read_callback",
]

#: Bodies longer than this (bytes) are refused before they are parsed.
MAX_CALLBACK_BYTES: Final = 1024 * 1024

#: A callback's stage (the wire's ``callbackType``).
CallbackStage = Literal["text", "first", "complete", "error"]
#: The milestone level each stage announces (``error``: 0, "read now"), on
#: :attr:`TaskStatus.milestone`'s scale: ``complete`` is any family's SUCCESS.
STAGE_LEVELS: Final[Mapping[str, int]] = {
    "text": TaskStatus.TEXT_SUCCESS.milestone or 0,
    "first": TaskStatus.FIRST_SUCCESS.milestone or 0,
    "complete": TaskStatus.SUCCESS.milestone or 0,
    "error": 0,
}
_STAGES: Final[Mapping[str, CallbackStage]] = {
    "text": "text",
    "first": "first",
    "complete": "complete",
    "error": "error",
}


@attrs.frozen(kw_only=True)
class CallbackEvent:
    """One callback as sent: what the service *says*, not yet confirmed.

    ``kind`` is the family it came from: as the receiver was told, else as
    its shape shows, else ``None`` (ambiguous, e.g. a failure carrying no
    result). ``stage`` is the wire's ``callbackType``; the families that send
    none (all but music and lyrics) call once, at the end: ``complete``
    when ``code`` is 200, else ``error``. ``code`` and ``message`` are the
    envelope's (on ``error``, the reason: 400, 408, 413, 500, 501, 531...).

    The result, in the field of the family's record that holds it, is what
    the callback carried, empty when it carried none: ``tracks`` (music),
    ``variants`` (lyrics), ``wav_url``, ``stems`` (vocal removal; by stem
    name without ``_url``: ``vocal``, ``instrumental``, ``backing_vocals``...),
    ``instruments`` (MIDI), ``video_url``, ``image_urls`` (cover image).
    ``raw`` is the whole body.
    """

    task_id: str
    stage: CallbackStage
    code: int | None
    message: str | None
    kind: TaskKind | None = None
    tracks: tuple[Track, ...] = ()
    variants: tuple[LyricsVariant, ...] = ()
    wav_url: str | None = None
    stems: Mapping[str, str] = attrs.field(factory=dict)
    instruments: tuple[MidiInstrument, ...] = ()
    video_url: str | None = None
    image_urls: tuple[str, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def level(self) -> int:
        """The milestone announced: 1 text, 2 first, 3 complete, 0 error.

        A family's ``complete`` is its SUCCESS (``TaskStatus.SUCCESS.milestone``).
        """
        return STAGE_LEVELS[self.stage]


@attrs.frozen(kw_only=True)
class RawCallback:
    """A callback body read far enough to verify it: its task id and stage.

    Nothing else is decoded yet: :meth:`event` finds the family (unless
    ``kind`` was given) and decodes the result, once the signature (when
    there is a key) was found good. ``task_id_path`` is where the task id
    was; ``staged`` says whether the body named its stage.
    """

    task_id: str
    stage: CallbackStage
    payload: Mapping[str, Any] = attrs.field(repr=False)
    kind: TaskKind | None = None
    task_id_path: tuple[str, ...] = ("data", "task_id")
    staged: bool = True

    def event(self) -> CallbackEvent:
        """The whole callback, its family found and its result decoded."""
        payload = self.payload
        code, message = payload.get("code"), payload.get("msg")
        kind = self.kind
        try:
            if kind is None:
                stage = self.stage if self.staged else None
                kind = detect_kind(payload, self.task_id_path, stage)
            result = read_result(payload, kind)
        except Exception as exc:  # a hostile Mapping: parsed JSON always reads
            raise WebhookError(
                f"unreadable callback: {type(exc).__name__}", task_id=self.task_id
            ) from exc
        return CallbackEvent(
            task_id=self.task_id,
            stage=self.stage,
            code=_code(code),
            message=message if isinstance(message, str) and message else None,
            kind=kind,
            raw=payload,
            **result,
        )


def _code(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_callback(
    body: bytes | bytearray | Mapping[str, Any],
    *,
    max_bytes: int = MAX_CALLBACK_BYTES,
    kind: TaskKind | str | None = None,
) -> CallbackEvent:
    """Read a callback body (raw bytes, or JSON already parsed) of any family.

    The task id comes from ``data.task_id`` or ``data.taskId`` (MIDI: the
    top-level ``task_id``); ``kind`` (a :class:`~suno_async.TaskKind` or its
    value) says which family sent it, else its shape does (see
    :class:`CallbackEvent`). Raises :class:`~suno_async.WebhookError` for a
    body over ``max_bytes`` (checked before parsing), one that is not JSON,
    or one that is not a callback; :class:`~suno_async.InvalidArgumentError`
    for an unknown ``kind``.
    """
    return read_callback(body, max_bytes=max_bytes, kind=kind).event()


def read_callback(
    body: bytes | bytearray | Mapping[str, Any],
    *,
    max_bytes: int = MAX_CALLBACK_BYTES,
    kind: TaskKind | str | None = None,
) -> RawCallback:
    """Read a callback body as far as its task id and stage, result untouched.

    Refuses what :func:`parse_callback` refuses, at the same cost as JSON
    parsing alone: receivers verify the signature on this, then decode.
    """
    given = None if kind is None else task_kind(kind)
    if isinstance(body, (bytes, bytearray)):
        if len(body) > max_bytes:
            raise WebhookError(
                f"callback body of {len(body)} bytes refused "
                f"(more than {max_bytes} bytes)"
            )
        try:
            payload = loads(bytes(body))
        except ValueError:
            raise WebhookError("callback body is not JSON") from None
    else:
        payload = body
    if not isinstance(payload, Mapping):
        raise WebhookError(f"callback body is a JSON {type(payload).__name__}")
    data = payload.get("data")
    found = find_task_id(payload, given)
    if found is None:
        if not isinstance(data, Mapping) and given is None:
            raise WebhookError("not a callback: no 'data' object")
        if given is None:
            raise WebhookError("not a callback: no valid task_id or taskId")
        places = " or ".join(".".join(p) for p in SPECS[given].callback.task_id_paths)
        raise WebhookError(f"not a {given.value} callback: no valid {places}")
    task_id, path = found
    raw_stage = data.get("callbackType") if isinstance(data, Mapping) else None
    if raw_stage is None and given is not TaskKind.MUSIC:
        if _code(payload.get("code")) is None:
            raise WebhookError(
                "not a callback: no callbackType, and no code saying how the "
                "task ended",
                task_id=task_id,
            )
        stage: CallbackStage | None = (
            "complete" if payload.get("code") == 200 else "error"
        )
        staged = False
    else:
        stage = _STAGES.get(raw_stage) if isinstance(raw_stage, str) else None
        staged = True
    if stage is None:
        raise WebhookError(
            f"not a callback: callbackType {str(raw_stage)[:20]!r} is not one of "
            "'text', 'first', 'complete', 'error'",
            task_id=task_id,
        )
    return RawCallback(
        task_id=task_id,
        stage=stage,
        payload=payload,
        kind=given,
        task_id_path=path,
        staged=staged,
    )

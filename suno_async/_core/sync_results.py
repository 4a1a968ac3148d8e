"""The answers of the synchronous calls (no task to wait for), and how they are read.

:class:`TimestampedLyrics` (``get-timestamped-lyrics``), :class:`BoostedStyle`
(``style/generate``) and :class:`Persona` (``generate-persona``) are frozen
values keeping the whole ``data`` as ``raw``. Their decoders follow
:mod:`suno_async._core.convert`'s rules: a missing, null or wrong-typed
field is ``None`` or empty, numbers may arrive as strings, times in any of
the wire's forms; they raise :class:`DecodeError` and nothing else, when
``data`` is not an object or (a persona) names no persona id.

Boost style's ``successFlag`` is ``"0"`` (pending), ``"1"`` (success) or
``"2"`` (failed; an integer is read as its digits). A failed boost is
raised by the caller (:func:`boost_failure`), never returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from suno_async._core.convert import (
    decode_error,
    decode_mapping,
    is_mapping,
    parse_datetime,
    wire_error_code,
    wire_ident,
    wire_number,
    wire_text,
)
from suno_async._core.errors import APIError
from suno_async._core.models import TaskStatus, serializer
from suno_async._core.providers import Provider

__all__ = [
    "AlignedWord",
    "BoostedStyle",
    "Persona",
    "TimestampedLyrics",
    "boost_failure",
    "decode_boosted_style",
    "decode_persona",
    "decode_timestamped_lyrics",
]

#: Boost style's ``successFlag`` values and what they mean.
_BOOST_FLAGS: Final = {"0": TaskStatus.PENDING, "1": TaskStatus.SUCCESS}
_BOOST_FAILED: Final = "2"
_BOOLEANS: Final = {"true": True, "false": False}
_T = TypeVar("_T")


_S = TypeVar("_S", bound="_SyncResult")


@attrs.frozen
class _SyncResult:
    """``to_dict``, ``to_json`` and ``from_dict``, as every public model has."""

    def to_dict(self) -> dict[str, Any]:
        """This value as JSON types; :meth:`from_dict` reads it back."""
        result: dict[str, Any] = serializer().to_dict(self)
        return result

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        text: str = serializer().to_json(self)
        return text

    @classmethod
    def from_dict(cls: type[_S], data: Mapping[str, Any]) -> _S:
        """The value :meth:`to_dict` wrote; :class:`DecodeError` if malformed."""
        value: _S = serializer().from_dict(cls, data)
        return value


@attrs.frozen(kw_only=True)
class AlignedWord:
    """A word of the lyrics and when it is sung, in seconds from the start.

    ``word`` may carry a section tag and a line break (``"[Verse]\\nHello"``);
    ``success`` is whether the service aligned it; ``palign`` as sent.
    """

    word: str
    start_s: float | None = None
    end_s: float | None = None
    success: bool | None = None
    palign: float | None = None


@attrs.frozen(kw_only=True)
class TimestampedLyrics(_SyncResult):
    """A track's lyrics aligned to its audio (no words for an instrumental).

    ``waveform`` is the service's amplitude curve; ``hoot_cer`` its
    alignment error rate.
    """

    words: tuple[AlignedWord, ...] = ()
    waveform: tuple[float, ...] = ()
    hoot_cer: float | None = None
    is_streamed: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class BoostedStyle(_SyncResult):
    """A style description the service expanded (``boost_style``).

    ``style`` is the expanded text (the wire's ``result``); credits as
    sent; ``status`` :attr:`TaskStatus.SUCCESS`, or ``PENDING`` for flag
    ``"0"`` (``status_raw`` is the flag as sent).
    """

    style: str | None
    task_id: str | None = None
    credits_consumed: float | None = None
    credits_remaining: float | None = None
    status: TaskStatus = TaskStatus.UNKNOWN
    status_raw: str = ""
    error_code: int | str | None = None
    error_message: str | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Persona(_SyncResult):
    """A persona made from a track's voice; pass ``persona_id`` to creations."""

    persona_id: str
    name: str | None = None
    description: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


def _decoded(what: str, data: Any, read: Callable[[Mapping[str, Any]], _T]) -> _T:
    """``read(data)``, any failure but :class:`DecodeError` becoming one."""
    return decode_mapping(
        data, read, name=f"the {what} answer's data", unreadable=f"{what} data"
    )


def _flag(value: Any) -> str:
    """A status flag as its text: ``1`` and ``"1"`` both give ``"1"``."""
    if isinstance(value, str):
        return value.strip()
    code = wire_error_code(value) if isinstance(value, (int, float)) else None
    return str(code) if isinstance(code, int) and not isinstance(value, bool) else ""


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOLEANS.get(value.strip().lower())
    return None


def _word(item: Mapping[str, Any]) -> AlignedWord:
    get = item.get
    word = get("word")
    return AlignedWord(
        word=word if isinstance(word, str) else "",
        start_s=wire_number(get("startS")),
        end_s=wire_number(get("endS")),
        success=_boolean(get("success")),
        palign=wire_number(get("palign")),
    )


def _lyrics(data: Mapping[str, Any]) -> TimestampedLyrics:
    get = data.get
    words = get("alignedWords")
    waveform = get("waveformData")
    numbers = [wire_number(v) for v in waveform] if isinstance(waveform, list) else []
    if not isinstance(words, list):
        words = []
    return TimestampedLyrics(
        words=tuple([_word(w) for w in words if is_mapping(w)]),
        waveform=tuple(n for n in numbers if n is not None),
        hoot_cer=wire_number(get("hootCer")),
        is_streamed=_boolean(get("isStreamed")),
        raw=data,
    )


def _style(data: Mapping[str, Any]) -> BoostedStyle:
    get = data.get
    flag = _flag(get("successFlag"))
    return BoostedStyle(
        style=wire_text(get("result")),
        task_id=wire_ident(get("taskId")) or None,
        credits_consumed=wire_number(get("creditsConsumed")),
        credits_remaining=wire_number(get("creditsRemaining")),
        status=_BOOST_FLAGS.get(flag, TaskStatus.UNKNOWN),
        status_raw=flag,
        error_code=wire_error_code(get("errorCode")),
        error_message=wire_text(get("errorMessage")),
        created_at=parse_datetime(get("createTime")),
        raw=data,
    )


def _persona(data: Mapping[str, Any]) -> Persona:
    persona_id = wire_ident(data.get("personaId"))
    if not persona_id:
        raise decode_error(
            "the persona answer names no personaId: the persona may have been "
            "made; look for it before trying again",
            data,
        )
    return Persona(
        persona_id=persona_id,
        name=wire_text(data.get("name")),
        description=wire_text(data.get("description")),
        raw=data,
    )


def decode_timestamped_lyrics(data: Any) -> TimestampedLyrics:
    """Read ``get-timestamped-lyrics``'s ``data``; :class:`DecodeError` else."""
    return _decoded("timestamped lyrics", data, _lyrics)


def decode_boosted_style(data: Any) -> BoostedStyle:
    """Read ``style/generate``'s ``data`` (a failure too); :class:`DecodeError` else."""
    return _decoded("boost style", data, _style)


def decode_persona(data: Any) -> Persona:
    """Read ``generate-persona``'s ``data``; DecodeError without a personaId."""
    return _decoded("persona", data, _persona)


def boost_failure(style: BoostedStyle, provider: Provider) -> APIError | None:
    """The error a failed boost (flag ``"2"``) raises, or ``None``.

    It is the error its ``errorCode`` would be as a body code (400, the
    documented one, is :class:`InvalidRequestError`; 500 a
    :class:`ServerError`), a plain :class:`APIError` without a readable
    code; the message is the service's ``errorMessage``. The boost may have
    been charged: such an error is never retried.
    """
    if style.status_raw != _BOOST_FAILED:
        return None
    code = style.error_code if isinstance(style.error_code, int) else None
    error_type = APIError if code is None else provider.error_for(code)
    reason = style.error_message or "no error message"
    error = error_type(f"boost style failed: {reason}", code=code, http_status=200)
    error.data = style.raw
    return error

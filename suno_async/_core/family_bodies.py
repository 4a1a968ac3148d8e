"""The requests of the other task families and of the synchronous calls.

Pure (no I/O). Each builder takes a public method's keyword arguments and
gives the wire body (camelCase, ``None`` left out), or raises
:class:`InvalidArgumentError` (also ``ValueError``) naming the method, the
field and the rule broken (``"invalid convert_to_wav request: audio_id is
required"``), so nothing is sent. The rules (``FAMILIES.md``, "Per family"
and "Synchronous calls"):

* ids (``task_id``, ``audio_id``) are non-empty strings without spaces or
  control characters, at most :data:`MAX_TASK_ID_CHARS` long;
* every creation needs a ``callback_url`` (the call's, else the client's),
  an http(s) URL with a host: the service requires ``callBackUrl``;
* lyrics: a non-empty ``prompt`` of at most :data:`LYRICS_PROMPT_MAX_CHARS`
  characters;
* vocal removal: exactly one of ``audio_id`` and ``audio_url`` (an http(s)
  URL), ``mode`` one of :data:`SEPARATION_MODES`, and ``stem_name`` with
  ``split_stem_advanced`` only (and then required);
* video: ``author`` and ``domain_name`` non-empty, at most
  :data:`SIGNATURE_MAX_CHARS` characters each;
* persona: non-empty ``name`` and ``description``; ``vocal_start`` at least
  0 and ``vocal_end - vocal_start`` from 10 to 30 seconds
  (:data:`PERSONA_WINDOW_S`), both in steps of 0.01 s;
* boost style: a non-empty ``content``.

Lengths count Python characters (code points). **Uploads**: the vocal
removal's builder takes ``audio_url`` as a URL; a caller that accepts a
local file uploads it first and passes the upload's URL here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, NoReturn

from suno_async._core.errors import InvalidArgumentError
from suno_async._core.kinds import TaskKind
from suno_async._core.request_bodies import url_problem
from suno_async._core.task_ids import MAX_TASK_ID_CHARS

__all__ = [
    "BOOST_STYLE_PATH",
    "FAMILY_BODIES",
    "LYRICS_PROMPT_MAX_CHARS",
    "PERSONA_PATH",
    "PERSONA_WINDOW_S",
    "SEPARATION_MODES",
    "SIGNATURE_MAX_CHARS",
    "TIMESTAMPED_LYRICS_PATH",
    "SeparationMode",
    "boost_style_body",
    "cover_image_body",
    "family_body",
    "lyrics_body",
    "midi_body",
    "persona_body",
    "timestamped_lyrics_body",
    "video_body",
    "vocal_removal_body",
    "wav_body",
]

SeparationMode = Literal["separate_vocal", "split_stem", "split_stem_advanced"]
"""What a vocal removal makes: vocals and instrumental, 12 stems, or one stem."""

#: The vocal removal's modes (the wire's ``type``), the default first.
SEPARATION_MODES: Final[tuple[SeparationMode, ...]] = (
    "separate_vocal",
    "split_stem",
    "split_stem_advanced",
)
#: A lyrics prompt's limit, in characters.
LYRICS_PROMPT_MAX_CHARS: Final = 200
#: A video's ``author`` and ``domain_name`` limit, in characters.
SIGNATURE_MAX_CHARS: Final = 50
#: The shortest and longest persona vocal window, in seconds.
PERSONA_WINDOW_S: Final = (10.0, 30.0)
TIMESTAMPED_LYRICS_PATH: Final = "/api/v1/generate/get-timestamped-lyrics"
BOOST_STYLE_PATH: Final = "/api/v1/style/generate"
PERSONA_PATH: Final = "/api/v1/generate/generate-persona"
_SHOWN_CHARS: Final = 40


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _refuse(call: str, problem: str) -> NoReturn:
    raise InvalidArgumentError(f"invalid {call} request: {problem}")


def _ident(call: str, field: str, value: object) -> str:
    """``value`` if it can be an id, else refused."""
    if value is None:
        _refuse(call, f"{field} is required")
    if not isinstance(value, str) or not value:
        _refuse(call, f"{field} must be a non-empty string, not {_shown(value)}")
    if len(value) > MAX_TASK_ID_CHARS:
        _refuse(
            call,
            f"{field} is {len(value)} characters long (at most {MAX_TASK_ID_CHARS})",
        )
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        _refuse(call, f"{field} {_shown(value)} contains spaces or control characters")
    return value


def _text(call: str, field: str, value: object, *, max_chars: int | None = None) -> str:
    """``value`` if it is a string with a non-space character, within its limit."""
    if value is None:
        _refuse(call, f"{field} is required")
    if not isinstance(value, str) or not value.strip():
        _refuse(call, f"{field} must be a non-empty string, not {_shown(value)}")
    if max_chars is not None and len(value) > max_chars:
        _refuse(call, f"{field} is {len(value)} characters long; at most {max_chars}")
    return value


def _callback(call: str, callback_url: object) -> str:
    if callback_url is None:
        _refuse(
            call,
            "callback_url is required: the service posts the task's results to "
            "it. Pass callback_url=... to this call, or set it once with "
            "SunoClient(callback_url=...)",
        )
    problem = url_problem(callback_url)
    if problem is not None:
        _refuse(call, f"callback_url {problem}")
    assert isinstance(callback_url, str)  # url_problem checked it
    return callback_url


def _body(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _track_body(
    call: str,
    task_id: object,
    audio_id: object,
    callback_url: object,
    *,
    audio_optional: bool = False,
) -> dict[str, Any]:
    """``taskId``, ``audioId`` (left out if ``audio_optional`` and ``None``),
    ``callBackUrl``: a body naming one track of a task, checked in that order."""
    optional = audio_optional and audio_id is None
    return _body(
        taskId=_ident(call, "task_id", task_id),
        audioId=None if optional else _ident(call, "audio_id", audio_id),
        callBackUrl=_callback(call, callback_url),
    )


def lyrics_body(*, prompt: object, callback_url: object) -> dict[str, Any]:
    """``POST /api/v1/lyrics``: ``prompt``, ``callBackUrl``."""
    call = "generate_lyrics"
    return _body(
        prompt=_text(call, "prompt", prompt, max_chars=LYRICS_PROMPT_MAX_CHARS),
        callBackUrl=_callback(call, callback_url),
    )


def wav_body(
    *, task_id: object, audio_id: object, callback_url: object
) -> dict[str, Any]:
    """``POST /api/v1/wav/generate``: ``taskId``, ``audioId``, ``callBackUrl``."""
    return _track_body("convert_to_wav", task_id, audio_id, callback_url)


def vocal_removal_body(
    *,
    task_id: object,
    audio_id: object = None,
    audio_url: object = None,
    mode: object = "separate_vocal",
    stem_name: object = None,
    callback_url: object,
) -> dict[str, Any]:
    """``POST /api/v1/vocal-removal/generate``.

    ``taskId``, ``audioId`` or ``audioUrl``, ``type``, ``stemName`` (advanced
    splits only), ``callBackUrl``. ``audio_url`` must already be a URL.
    """
    call = "separate_vocals"
    ident = _ident(call, "task_id", task_id)
    if mode not in SEPARATION_MODES:
        modes = ", ".join(repr(m) for m in SEPARATION_MODES)
        _refuse(call, f"mode must be one of {modes}, not {_shown(mode)}")
    if (audio_id is None) == (audio_url is None):
        _refuse(call, "pass exactly one of audio_id (a track) and audio_url (a file)")
    if audio_url is not None and (problem := url_problem(audio_url)) is not None:
        _refuse(call, f"audio_url {problem} (upload a local file first)")
    advanced = mode == "split_stem_advanced"
    if advanced and stem_name is None:
        _refuse(call, "stem_name is required with mode='split_stem_advanced'")
    if not advanced and stem_name is not None:
        _refuse(call, "stem_name is only used with mode='split_stem_advanced'")
    return _body(
        taskId=ident,
        audioId=None if audio_id is None else _ident(call, "audio_id", audio_id),
        audioUrl=audio_url,
        type=mode,
        stemName=None if stem_name is None else _text(call, "stem_name", stem_name),
        callBackUrl=_callback(call, callback_url),
    )


def midi_body(
    *, task_id: object, audio_id: object = None, callback_url: object
) -> dict[str, Any]:
    """``POST /api/v1/midi/generate``: ``taskId`` (a vocal removal), ``audioId``?"""
    return _track_body(
        "generate_midi", task_id, audio_id, callback_url, audio_optional=True
    )


def video_body(
    *,
    task_id: object,
    audio_id: object,
    author: object = None,
    domain_name: object = None,
    callback_url: object,
) -> dict[str, Any]:
    """``POST /api/v1/mp4/generate``: ids, ``callBackUrl``, signatures."""
    call = "create_video"

    def signature(field: str, value: object) -> str | None:
        if value is None:
            return None
        return _text(call, field, value, max_chars=SIGNATURE_MAX_CHARS)

    body = _track_body(call, task_id, audio_id, callback_url)
    return body | _body(
        author=signature("author", author),
        domainName=signature("domain_name", domain_name),
    )


def cover_image_body(*, task_id: object, callback_url: object) -> dict[str, Any]:
    """``POST /api/v1/suno/cover/generate``: ``taskId`` (music), ``callBackUrl``."""
    call = "generate_cover_image"
    return _body(
        taskId=_ident(call, "task_id", task_id),
        callBackUrl=_callback(call, callback_url),
    )


#: Each family's creating method name and body builder.
FAMILY_BODIES: Final[Mapping[TaskKind, tuple[str, Callable[..., dict[str, Any]]]]] = {
    TaskKind.LYRICS: ("generate_lyrics", lyrics_body),
    TaskKind.WAV: ("convert_to_wav", wav_body),
    TaskKind.VOCAL_REMOVAL: ("separate_vocals", vocal_removal_body),
    TaskKind.MIDI: ("generate_midi", midi_body),
    TaskKind.VIDEO: ("create_video", video_body),
    TaskKind.COVER_IMAGE: ("generate_cover_image", cover_image_body),
}


def family_body(
    kind: TaskKind, arguments: Mapping[str, Any], *, callback_url: str | None
) -> dict[str, Any]:
    """The wire body of a ``kind`` creation from its method's keyword arguments.

    ``callback_url`` is the one to use (the call's, else the client's).
    """
    _, build = FAMILY_BODIES[kind]
    return build(**{**arguments, "callback_url": callback_url})


def timestamped_lyrics_body(*, task_id: object, audio_id: object) -> dict[str, Any]:
    """:data:`TIMESTAMPED_LYRICS_PATH`: ``taskId``, ``audioId``."""
    call = "get_timestamped_lyrics"
    return {
        "taskId": _ident(call, "task_id", task_id),
        "audioId": _ident(call, "audio_id", audio_id),
    }


def boost_style_body(*, content: object) -> dict[str, Any]:
    """:data:`BOOST_STYLE_PATH`: ``content``."""
    return {"content": _text("boost_style", "content", content)}


def _seconds(call: str, field: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        _refuse(call, f"{field} must be a number of seconds >= 0, not {_shown(value)}")
    if abs(value * 100 - round(value * 100)) > 1e-6:
        _refuse(call, f"{field} must be in steps of 0.01 s, not {value!r}")
    return value


def persona_body(
    *,
    task_id: object,
    audio_id: object,
    name: object,
    description: object,
    vocal_start: object = 0.0,
    vocal_end: object = PERSONA_WINDOW_S[1],
    style: object = None,
) -> dict[str, Any]:
    """:data:`PERSONA_PATH`: ids, ``name``, ``description``, vocal window, ``style``."""
    call = "generate_persona"
    named = {
        "taskId": _ident(call, "task_id", task_id),
        "audioId": _ident(call, "audio_id", audio_id),
        "name": _text(call, "name", name),
        "description": _text(call, "description", description),
    }
    start = _seconds(call, "vocal_start", vocal_start)
    end = _seconds(call, "vocal_end", vocal_end)
    shortest, longest = PERSONA_WINDOW_S
    window_cs = round(end * 100) - round(start * 100)  # exact in hundredths
    if not shortest * 100 <= window_cs <= longest * 100:
        _refuse(
            call,
            f"vocal_end - vocal_start is {window_cs / 100:g} s; it must be "
            f"{shortest:g} to {longest:g} s",
        )
    return _body(
        **named,
        vocalStart=start,
        vocalEnd=end,
        style=None if style is None else _text(call, "style", style),
    )

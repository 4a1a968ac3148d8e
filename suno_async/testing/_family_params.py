"""The simulator's checks of a non-music creation request's fields (no state).

A ``null`` value counts as absent, as in music's checks. Which source task
a request names is checked by ``Families``, which knows the tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from suno_async._core.request_bodies import Problem, url_problem
from suno_async.testing._family_wire import SEPARATIONS

__all__ = ["LYRICS_PROMPT_MAX", "SIGNATURE_MAX", "check_family_body"]

#: A lyrics prompt's limit, in characters.
LYRICS_PROMPT_MAX: Final = 200
#: A video's ``author`` and ``domainName`` limit, in characters.
SIGNATURE_MAX: Final = 50
_REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "lyrics": ("prompt",),
    "wav": ("taskId", "audioId"),
    "vocal-removal": (),
    "midi": ("taskId",),
    "video": ("taskId", "audioId"),
    "cover-image": ("taskId",),
}
_OPTIONAL_IDS: Final[Mapping[str, tuple[str, ...]]] = {
    "midi": ("audioId",),
    "vocal-removal": ("taskId", "audioId", "stemName"),
    "video": ("author", "domainName"),
}


def _text_problem(name: str, value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return f"{name} must be a non-empty string, not {shown}"


def check_family_body(kind: str, body: Mapping[str, Any]) -> Problem | None:
    """The first rule ``body`` breaks for a ``kind`` creation, or ``None``.

    Every kind needs ``callBackUrl``; lyrics a ``prompt`` of at most 200
    characters (``too_long``); wav and video ``taskId`` and ``audioId``;
    video's ``author`` and ``domainName`` at most 50 characters (also
    ``too_long``); midi and cover-image ``taskId``; vocal removal a
    ``type`` among ``SEPARATIONS`` (default ``separate_vocal``),
    ``stemName`` with ``split_stem_advanced``, and ``taskId`` with
    ``audioId``, or ``audioUrl`` (never both).
    """

    def given(name: str) -> bool:
        return body.get(name) is not None

    if not given("callBackUrl"):
        return Problem("callBackUrl is required")
    problem = url_problem(body["callBackUrl"])
    if problem is not None:
        return Problem(f"callBackUrl {problem}")
    for name in _REQUIRED[kind]:
        if not given(name):
            return Problem(f"{name} is required")
    for name in (*_REQUIRED[kind], *_OPTIONAL_IDS.get(kind, ())):
        problem = _text_problem(name, body[name]) if given(name) else None
        if problem is not None:
            return Problem(problem)
    if kind == "lyrics" and len(body["prompt"]) > LYRICS_PROMPT_MAX:
        length = len(body["prompt"])
        return Problem(
            f"prompt is {length} characters long; at most {LYRICS_PROMPT_MAX}",
            too_long=True,
        )
    if kind == "video":
        for name in ("author", "domainName"):
            if given(name) and len(body[name]) > SIGNATURE_MAX:
                return Problem(
                    f"{name} is {len(body[name])} characters long; "
                    f"at most {SIGNATURE_MAX}",
                    too_long=True,
                )
    if kind == "vocal-removal":
        return _separation_problem(body)
    return None


def _separation_problem(body: Mapping[str, Any]) -> Problem | None:
    separation = body.get("type")
    if separation is not None and separation not in SEPARATIONS:
        return Problem(
            f"type must be one of {', '.join(SEPARATIONS)}, not {separation!r}"
        )
    if separation == "split_stem_advanced" and body.get("stemName") is None:
        return Problem("stemName is required with type=split_stem_advanced")
    audio_id, audio_url = body.get("audioId"), body.get("audioUrl")
    if audio_id is not None and audio_url is not None:
        return Problem("pass audioId or audioUrl, not both")
    if audio_url is not None:
        problem = url_problem(audio_url)
        return None if problem is None else Problem(f"audioUrl {problem}")
    if audio_id is None:
        return Problem("audioId or audioUrl is required")
    if body.get("taskId") is None:
        return Problem("taskId is required with audioId")
    return None

"""Task-creating requests: their wire body, checked before anything is sent.

Pure (no I/O). :func:`build_body` turns a creation method's keyword arguments
into the wire's camelCase body, or raises :class:`InvalidArgumentError` naming
the field and the rule broken (the rules and limits are the tables of
:mod:`suno_async._core.operations`). :func:`check_body` applies the same rules to
a wire body; the simulator answers with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs
import yarl

from suno_async._core.errors import InvalidArgumentError
from suno_async._core.operations import (
    FIELDS,
    NEWEST_LIMITS,
    Field,
    Operation,
    limits_for,
)

__all__ = ["Problem", "build_body", "check_body", "url_problem"]


@attrs.frozen
class Problem:
    """Why a request is refused; ``too_long`` when a length limit is the reason."""

    message: str
    too_long: bool = False


def url_problem(value: object) -> str | None:
    """Why ``value`` is not an http(s) URL with a host, or ``None`` if it is one."""
    if not isinstance(value, str):
        return f"must be an http(s) URL, not {type(value).__name__}"
    try:
        url = yarl.URL(value)
        ok = url.scheme in ("http", "https") and bool(url.host)
    except (TypeError, ValueError):
        ok = False
    if not ok or any(ch.isspace() for ch in value):
        return f"must be an http(s) URL, not {value[:80]!r}"
    return None


def _value_problem(field: Field, value: Any) -> str | None:
    """Why ``value`` does not fit the field's kind (lengths aside)."""
    kind = field.kind
    if kind == "switch":
        ok = isinstance(value, bool)
        want = "True or False"
    elif kind == "url":
        return url_problem(value)
    elif kind == "gender":
        ok = value in ("m", "f")
        want = "'m' or 'f'"
    elif kind in ("weight", "seconds"):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind == "weight":
            ok = number and 0 <= value <= 1
            want = "a number from 0 to 1"
        else:
            ok = number and 0 < value < math.inf
            want = "a number of seconds above 0"
    else:  # model, id, text
        ok = isinstance(value, str) and (kind == "text" or bool(value.strip()))
        want = "a string" if kind == "text" else "a non-empty string"
    if ok:
        return None
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return f"must be {want}, not {shown}"


def check_body(
    operation: Operation, body: Mapping[str, Any], *, strict: bool = True
) -> Problem | None:
    """The first rule ``body`` (wire names) breaks, or ``None``.

    ``strict`` (the client) requires every always-required field and refuses
    style and title outside custom mode; otherwise (the simulator) only
    ``callBackUrl`` is always required, so minimal test requests still pass,
    mode rules apply only when the mode switch is sent, and messages use
    wire names. A ``null`` value counts as absent.
    """

    def name(n: str) -> str:
        return FIELDS[n].name if strict else FIELDS[n].wire

    def given(n: str) -> bool:
        value = body.get(FIELDS[n].wire)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def flag(n: str, on: bool) -> str:
        return f"{name(n)}={on}" if strict else f"{name(n)}={str(on).lower()}"

    for n in operation.required if strict else ("callback_url",):
        if not given(n):
            return Problem(f"{name(n)} is required")
    present = [n for n in operation.fields if body.get(FIELDS[n].wire) is not None]
    for n in present:
        problem = _value_problem(FIELDS[n], body[FIELDS[n].wire])
        if problem is not None:
            return Problem(f"{name(n)} {problem}")
    mode = operation.mode
    switch = None if mode is None else body.get(FIELDS[mode].wire)
    custom = mode is None or switch is True
    model = body.get("model")
    for n in present:
        limit, who = _limit(operation, FIELDS[n], model, custom=custom)
        length = 0 if limit is None else len(body[FIELDS[n].wire])
        if limit is not None and length > limit:
            message = f"{name(n)} is {length} characters long; {who} at most {limit}"
            return Problem(message, too_long=True)
    if mode is None or switch is None:
        return None
    needed = list(operation.custom_required if custom else operation.plain_required)
    lyrics = custom and operation.lyrics
    if lyrics and body.get("instrumental") is not True:
        needed.insert(0, "prompt")
    for n in needed:
        if not given(n):
            lyric = lyrics and n == "prompt"
            unless = f" unless {flag('instrumental', True)}" if lyric else ""
            return Problem(f"{name(n)} is required with {flag(mode, custom)}{unless}")
    for n in ("style", "title") if strict and not custom else ():
        if given(n):
            return Problem(
                f"{name(n)} is only used with {flag(mode, True)}: pass that, "
                f"or leave {name(n)} out"
            )
    return None


def _limit(
    operation: Operation, field: Field, model: Any, *, custom: bool
) -> tuple[int | None, str]:
    """A field's length limit and who sets it ("model V4 allows"...)."""
    if field.limit == "prompt" and not custom and operation.plain_prompt_chars:
        return operation.plain_prompt_chars, "outside custom mode"
    named = isinstance(model, str) and model.strip()
    limits = limits_for(model) if named else NEWEST_LIMITS
    who = f"model {model} allows" if named else "the newest models allow"
    if field.limit is None:
        return None, who
    if field.limit == "title" and operation.long_titles:
        return limits.long_title, who
    limit: int = getattr(limits, field.limit)
    return limit, who


def build_body(
    operation: Operation,
    values: Mapping[str, Any],
    *,
    callback_url: str | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The wire body for ``values`` (Python names, ``None`` left out).

    Raises :class:`InvalidArgumentError` (also ``ValueError``) when a rule is
    broken, when no callback URL is set, or when ``extra`` repeats a known
    field or is not JSON.
    """
    prefix = f"invalid {operation.name} request: "
    if callback_url is None:
        raise InvalidArgumentError(
            prefix + "callback_url is required: the service posts the task's "
            "results to it. Pass callback_url=... to this call, or set it once "
            "with SunoClient(callback_url=...)"
        )
    values = {**values, "callback_url": callback_url}
    body = {
        FIELDS[n].wire: values[n] for n in operation.fields if values.get(n) is not None
    }
    problem = check_body(operation, body)
    if problem is not None:
        raise InvalidArgumentError(prefix + problem.message)
    for key in extra or {}:
        known = [n for n in operation.fields if key in (n, FIELDS[n].wire)]
        if known:
            raise InvalidArgumentError(
                f"{prefix}extra[{key!r}] repeats a known field: pass "
                f"{known[0]}=... instead"
            )
    if extra and not _is_json(dict(extra)):
        raise InvalidArgumentError(
            f"{prefix}extra must hold JSON values only (str, int, float, bool, "
            "None, lists and str-keyed dicts of them)"
        )
    return {**body, **(extra or {})}


def _is_json(value: Any) -> bool:
    """Whether ``value`` is made of JSON types only, with finite numbers."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False

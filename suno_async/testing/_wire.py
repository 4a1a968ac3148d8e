"""The simulator's wire vocabulary: envelopes, messages, model families, error pages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from suno_async._core.errors import InsufficientCreditsError
from suno_async._core.providers import Provider

__all__ = [
    "MODEL_FAMILIES",
    "credits_code",
    "dumps",
    "envelope",
    "gateway_page",
    "message_for",
    "model_family",
    "param_string",
]

#: The wire's ``type`` for each model name (unknown names get ``chirp-<name>``).
MODEL_FAMILIES: Final[Mapping[str, str]] = {
    "V3_5": "chirp-v3-5",
    "V4": "chirp-v4",
    "V4_5": "chirp-auk",
    "V4_5PLUS": "chirp-bluejay",
    "V4_5ALL": "chirp-auk-turbo",
    "V5": "chirp-crow",
    "V5_5": "chirp-fenix",
}

_MESSAGES: Final[Mapping[int, str]] = {
    200: "success",
    400: "Invalid parameters",
    401: "You do not have access permissions",
    402: "The current credits are insufficient. Please top up.",
    404: "Task not found",
    405: "Rate limit exceeded",
    409: "Conflict: the record already exists",
    413: "Prompt or style is too long",
    422: "Validation error",
    451: "Failed to fetch the source file",
    455: "System maintenance, please try again later",
    500: "Server error, please try again later",
    505: "This feature is disabled",
}


def credits_code(provider: Provider) -> int:
    """The body code ``provider`` sends when the account is out of credits."""
    for code, error in provider.codes.items():
        if error is InsufficientCreditsError:
            return code
    return 402


def message_for(code: int, provider: Provider) -> str:
    """The ``msg`` the service sends with body ``code``."""
    if code == credits_code(provider):
        return _MESSAGES[402]
    if code == provider.rate_limit_code:
        return "Call frequency too high, please try again later"
    return _MESSAGES.get(code, "error")


def model_family(model: str) -> str:
    """The model family the wire reports as ``type`` for a model name."""
    return MODEL_FAMILIES.get(model, "chirp-" + model.lower().replace("_", "-"))


def envelope(code: int, msg: str, data: Any = None) -> dict[str, Any]:
    """The ``{code, msg, data}`` object every answer is wrapped in."""
    return {"code": code, "msg": msg, "data": data}


def dumps(obj: Any) -> bytes:
    """Compact JSON, the way the service writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def param_string(param: Mapping[str, Any]) -> str:
    """The ``param`` field: the request's JSON, keys sorted, inside a string."""
    return json.dumps(param, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def gateway_page(status: int, kind: str) -> tuple[bytes, str]:
    """A gateway's error body for HTTP ``status`` and its content type.

    ``kind`` is ``"html"`` (nginx's page), ``"text"`` or ``"json"``.
    """
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    if kind == "json":
        return dumps(envelope(status, reason)), "application/json"
    if kind == "text":
        return f"{status} {reason}".encode(), "text/plain"
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return page.encode(), "text/html"

"""Reading answers: the ``{code, msg, data}`` envelope, error mapping, ``Retry-After``.

Pure functions over a status, headers and body (no I/O), used by
:mod:`suno_async._io.http`:

* any body code other than 200 (under any HTTP status): ``provider.error_for(code)``,
  the envelope's ``data`` kept as the error's ``data``;
* body code 200 under HTTP 2xx: the envelope's ``data``, unless the envelope
  says ``"success": false`` (the upload service's flag): ``error_for(200)``;
* HTTP 2xx whose body is not JSON or not an envelope: :class:`DecodeError`;
* HTTP 3xx/4xx/5xx without an envelope (HTML, text, empty): the HTTP
  status's meaning, message ``"HTTP 502 Bad Gateway: <excerpt>"``.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final

from suno_async._core.convert import loads
from suno_async._core.errors import BUSY_ERRORS, APIError, DecodeError, NotFoundError
from suno_async._core.policies import RETRY_AFTER_MAX_S
from suno_async._core.providers import Provider

__all__ = ["envelope_code", "parse_retry_after", "read_envelope"]

#: Characters of a non-envelope error body quoted in the message.
_EXCERPT_CHARS: Final = 120
#: Characters of the service's ``msg`` kept in a message.
_MSG_CHARS: Final = 500
#: A 422 message that means "no such record" (kie.ai: "recordInfo is null").
_RECORD_MISSING: Final = re.compile(r"record\s*info is null|not\s+found", re.IGNORECASE)
_DELTA_SECONDS: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_INT_CODE: Final = re.compile(r"\s*[0-9]{1,9}\s*")


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, capped at ``RETRY_AFTER_MAX_S``.

    Accepts delta seconds (``"12"``, ``"1.5"``) or an HTTP date (one in the
    past gives ``0.0``); anything else gives ``None``.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), RETRY_AFTER_MAX_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, without a claim of locality
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_MAX_S)


def envelope_code(envelope: Any) -> int | None:
    """The body code of a ``{code, msg, data}`` envelope (int or numeric string)."""
    if not isinstance(envelope, dict):
        return None
    code = envelope.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if isinstance(code, str) and _INT_CODE.fullmatch(code):
        return int(code)
    return None


def read_envelope(
    status: int,
    reason: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    provider: Provider,
    task_id: str | None,
    redact: Callable[[str], str],
) -> Any:
    """The ``data`` of a success answer; raises the mapped error otherwise.

    ``redact`` scrubs secrets from any text quoted in a message.
    """
    try:
        envelope = loads(body) if body.strip() else None
    except ValueError:
        envelope = None
    code = envelope_code(envelope)
    if code is not None and code != 200:
        message = _message(envelope.get("msg"), redact)  # type: ignore[union-attr]
        error = _error(provider, code, message, status, headers, task_id)
        error.data = envelope.get("data")  # type: ignore[union-attr]
        raise error
    if 200 <= status < 300 and code == 200:
        if envelope.get("success") is False:  # type: ignore[union-attr]
            message = _message(envelope.get("msg"), redact)  # type: ignore[union-attr]
            message = f"{message} (success: false)"
            raise _error(provider, code, message, status, headers, task_id)
        return envelope.get("data")  # type: ignore[union-attr]
    text = redact(body.decode("utf-8", "replace"))
    if 200 <= status < 300:
        problem = "not JSON" if envelope is None else "not a {code, msg, data} envelope"
        raise DecodeError(
            f"HTTP {status} body is {problem}",
            task_id=task_id,
            excerpt=text,
            http_status=status,
        )
    message = f"HTTP {status} {reason}".rstrip()
    excerpt = " ".join(text.split())[:_EXCERPT_CHARS]
    message = f"{message}: {excerpt}" if excerpt else message
    raise _error(provider, status, message, status, headers, task_id)


def _message(msg: Any, redact: Callable[[str], str]) -> str:
    """The service's ``msg``, redacted and bounded; ``"no message"`` without one."""
    if isinstance(msg, str) and msg.strip():
        return redact(msg.strip())[:_MSG_CHARS]
    return "no message"


def _error(
    provider: Provider,
    code: int,
    message: str,
    http_status: int,
    headers: Mapping[str, str],
    task_id: str | None,
) -> APIError:
    """The provider's exception for ``code``, with ``Retry-After`` where it applies."""
    error_type = provider.error_for(code)
    if code == 422 and _RECORD_MISSING.search(message):
        # kie.ai's family answers a task it does not know (yet) with 422
        # "recordInfo is null": a not-found, so waits give it the 404 grace.
        error_type = NotFoundError
    if issubclass(error_type, BUSY_ERRORS):
        return error_type(
            message,
            code=code,
            http_status=http_status,
            task_id=task_id,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    return error_type(message, code=code, http_status=http_status, task_id=task_id)

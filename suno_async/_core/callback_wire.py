"""Callback bodies and kie.ai signatures: parsing and verification, no I/O.

Public through :mod:`suno_async.webhooks`, which explains what a signature
proves and what it does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from suno_async._core.convert import decode_track, loads
from suno_async._core.errors import DecodeError, WebhookError, WebhookSignatureError
from suno_async._core.models import Track

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "MAX_CALLBACK_BYTES",
    "SIGNATURE_HEADER",
    "STAGE_LEVELS",
    "TIMESTAMP_HEADER",
    "CallbackEvent",
    "CallbackStage",
    "RawCallback",
    "parse_callback",
    "read_callback",
    "sign_callback",
    "signature_headers",
    "verify_signature",
]

#: Bodies longer than this (bytes) are refused before they are parsed.
MAX_CALLBACK_BYTES: Final = 1024 * 1024
#: Seconds a signature's timestamp may be away from now, either way.
DEFAULT_MAX_AGE_S: Final = 300.0
TIMESTAMP_HEADER: Final = "X-Webhook-Timestamp"
SIGNATURE_HEADER: Final = "X-Webhook-Signature"

#: A callback's stage (the wire's ``callbackType``).
CallbackStage = Literal["text", "first", "complete", "error"]
#: The milestone level each stage announces (``error``: 0, "read now").
STAGE_LEVELS: Final[Mapping[str, int]] = {
    "text": 1,
    "first": 2,
    "complete": 3,
    "error": 0,
}
_STAGES: Final[Mapping[str, CallbackStage]] = {
    "text": "text",
    "first": "first",
    "complete": "complete",
    "error": "error",
}
_MAX_TASK_ID_CHARS: Final = 128
_MAX_TIMESTAMP_DIGITS: Final = 12


@attrs.frozen(kw_only=True)
class CallbackEvent:
    """One callback as sent: what the service *says*, not yet confirmed.

    ``tracks`` are empty on ``error`` (the wire's ``data.data`` is null);
    ``code`` and ``message`` are the envelope's (on ``error``, the reason:
    400, 408, 413, 500, 501, 531...). ``raw`` is the whole body.
    """

    task_id: str
    stage: CallbackStage
    code: int | None
    message: str | None
    tracks: tuple[Track, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def level(self) -> int:
        """The milestone announced: 1 text, 2 first, 3 complete, 0 error."""
        return STAGE_LEVELS[self.stage]


@attrs.frozen(kw_only=True)
class RawCallback:
    """A callback body read far enough to verify it: its task id and stage.

    Nothing else is decoded yet: :meth:`event` decodes the tracks, once the
    signature (when there is a key) was found good.
    """

    task_id: str
    stage: CallbackStage
    payload: Mapping[str, Any] = attrs.field(repr=False)

    def event(self) -> CallbackEvent:
        """The whole callback, tracks decoded."""
        payload = self.payload
        code, message = payload.get("code"), payload.get("msg")
        data = payload["data"]
        return CallbackEvent(
            task_id=self.task_id,
            stage=self.stage,
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            message=message if isinstance(message, str) and message else None,
            tracks=_tracks(data.get("data"), self.task_id),
            raw=payload,
        )


def parse_callback(
    body: bytes | bytearray | Mapping[str, Any],
    *,
    max_bytes: int = MAX_CALLBACK_BYTES,
) -> CallbackEvent:
    """Read a callback body (raw bytes, or JSON already parsed).

    The task id comes from ``data.task_id`` or ``data.taskId``. Raises
    :class:`~suno_async.WebhookError` for a body over ``max_bytes`` (checked before
    parsing), one that is not JSON, or one that is not a callback.
    """
    return read_callback(body, max_bytes=max_bytes).event()


def read_callback(
    body: bytes | bytearray | Mapping[str, Any],
    *,
    max_bytes: int = MAX_CALLBACK_BYTES,
) -> RawCallback:
    """Read a callback body as far as its task id and stage, tracks untouched.

    Refuses what :func:`parse_callback` refuses, at the same cost as JSON
    parsing alone: receivers verify the signature on this, then decode.
    """
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
    if not isinstance(data, Mapping):
        raise WebhookError("not a callback: no 'data' object")
    task_id = _task_id(data)
    raw_stage = data.get("callbackType")
    stage = _STAGES.get(raw_stage) if isinstance(raw_stage, str) else None
    if stage is None:
        raise WebhookError(
            f"not a callback: callbackType {str(raw_stage)[:20]!r} is not one of "
            "'text', 'first', 'complete', 'error'",
            task_id=task_id,
        )
    return RawCallback(task_id=task_id, stage=stage, payload=payload)


def _task_id(data: Mapping[str, Any]) -> str:
    for name in ("task_id", "taskId"):
        value = data.get(name)
        if (
            isinstance(value, str)
            and 0 < len(value) <= _MAX_TASK_ID_CHARS
            and value.isprintable()
            and not any(ch.isspace() for ch in value)
        ):
            return value
    raise WebhookError("not a callback: no valid task_id or taskId")


def _tracks(entries: Any, task_id: str) -> tuple[Track, ...]:
    if not isinstance(entries, list):
        return ()
    tracks = []
    for entry in entries:
        if isinstance(entry, Mapping):
            try:
                tracks.append(decode_track(entry))
            except DecodeError as exc:  # pragma: no cover - decode_track is tolerant
                raise WebhookError(str(exc), task_id=task_id) from exc
    return tuple(tracks)


def sign_callback(
    task_id: str, key: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """The signature headers kie.ai sends for ``task_id`` (``timestamp``: now).

    For tests and simulators; receivers use :func:`verify_signature`.
    """
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: _signature(task_id, stamp, key)}


def _signature(task_id: str, stamp: str, key: str) -> str:
    mac = hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def verify_signature(
    headers: Mapping[str, str],
    task_id: str,
    key: str,
    *,
    max_age: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
) -> None:
    """Check kie.ai's signature; raise :class:`~suno_async.WebhookSignatureError`.

    ``X-Webhook-Signature`` must be the Base64 HMAC-SHA256, keyed with the
    account's webhook ``key``, of ``f"{task_id}.{timestamp}"``, with
    ``timestamp`` the ``X-Webhook-Timestamp`` header (Unix seconds) no more
    than ``max_age`` seconds from ``now`` (default: the system clock) either
    way. Header names are case-insensitive; the comparison takes constant
    time. The body is *not* covered (see the module's notes), and a valid
    signature may be replayed within ``max_age``.
    """
    if not key:
        raise ValueError("the webhook key is empty")
    stamp, given = signature_headers(headers, max_age=max_age, now=now, task_id=task_id)
    expected = _signature(task_id, stamp, key).encode()
    if not hmac.compare_digest(expected, given.strip().encode("utf-8", "replace")):
        raise WebhookSignatureError("callback signature is wrong", task_id=task_id)


def signature_headers(
    headers: Mapping[str, str],
    *,
    max_age: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
    task_id: str | None = None,
) -> tuple[str, str]:
    """The timestamp and signature headers, present and fresh; else refused.

    Checks all that needs no body (so a receiver refuses an unsigned or stale
    callback before parsing it); :func:`verify_signature` then checks the
    HMAC against the body's task id.
    """
    if not max_age > 0:
        raise ValueError(f"max_age must be positive, not {max_age!r}")
    stamp = _header(headers, TIMESTAMP_HEADER)
    given = _header(headers, SIGNATURE_HEADER)
    if stamp is None or given is None:
        raise WebhookSignatureError(
            f"callback is not signed ({TIMESTAMP_HEADER} and "
            f"{SIGNATURE_HEADER} are required)",
            task_id=task_id,
        )
    stamp = stamp.strip()
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > _MAX_TIMESTAMP_DIGITS:
        raise WebhookSignatureError(
            f"{TIMESTAMP_HEADER} is not Unix seconds", task_id=task_id
        )
    skew = (time.time() if now is None else now) - int(stamp)
    if abs(skew) > max_age:
        when = "old" if skew > 0 else "far in the future"
        raise WebhookSignatureError(
            f"callback signature is too {when} ({abs(skew):.0f} s, "
            f"at most {max_age:g} s)",
            task_id=task_id,
        )
    return stamp, given


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for header, value in headers.items():
        if header.lower() == wanted:
            return value
    return None

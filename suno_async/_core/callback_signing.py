"""kie.ai's callback signatures: signing (for tests) and verification, no I/O.

Public through :mod:`suno_async.webhooks`, which explains what a signature
proves and what it does not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Final

from suno_async._core.errors import WebhookSignatureError

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "sign_callback",
    "signature_headers",
    "verify_signature",
]

#: Seconds a signature's timestamp may be away from now, either way.
DEFAULT_MAX_AGE_S: Final = 300.0
TIMESTAMP_HEADER: Final = "X-Webhook-Timestamp"
SIGNATURE_HEADER: Final = "X-Webhook-Signature"
_MAX_TIMESTAMP_DIGITS: Final = 12


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

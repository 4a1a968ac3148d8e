"""Faults the simulator can inject: what a flaky gateway or a busy service does.

Build them with the classmethods; hand them to
``FakeSunoServer.add_task(..., faults=[...])`` (the Nth record-info request
of that task gets the Nth entry, ``None`` answering normally) or to
``FakeSunoServer.fault_rate(fault, probability)`` (every API request, drawn
from the server's seeded RNG), or to ``FakeSunoServer.fault_file(url, ...)``
(the next downloads of one media file). Durations here (``delay_s``,
``retry_after``) are wall seconds and are never scaled.
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias

import attrs

from suno_async._core.models import TaskStatus

__all__ = ["BodyKind", "Fault", "FaultKind", "check_seconds"]

FaultKind: TypeAlias = Literal[
    "http",
    "body_code",
    "reset",
    "slow",
    "truncated",
    "malformed",
    "status",
    "regress",
    "mislabeled",
    "resized",
]
BodyKind: TypeAlias = Literal["json", "html", "text"]


def check_seconds(name: str, seconds: float) -> float:
    """``seconds`` if it is a finite number >= 0, else a ``ValueError`` naming it."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {seconds}")
    return seconds


@attrs.frozen(kw_only=True, repr=False)
class Fault:
    """One injected misbehaviour. Use the classmethods rather than the fields.

    ============================== ===============================================
    ``Fault.http(502, body=...)``  that HTTP status, with an nginx-style HTML page,
                                   a plain-text line or a JSON envelope
    ``Fault.rate_limit(...)``      HTTP 429 from the gateway, ``Retry-After`` if given
    ``Fault.body_code(455)``       HTTP 200 with that body code (455, 500, 422...)
    ``Fault.reset()``              the connection closes without an answer
    ``Fault.slow(2.0)``            the normal answer, ``delay_s`` late
    ``Fault.truncated()``          the connection drops halfway through the body
    ``Fault.malformed()``          HTTP 200 whose body is not valid JSON
    ``Fault.status("QUEUED")``     the normal record with that raw status
    ``Fault.regress()``            the record as it was one step earlier
    ``Fault.mislabeled(type)``     a media file sent with that ``Content-Type``
    ``Fault.resized(size)``        a media file cut or padded to ``size_bytes``,
                                   streamed without a ``Content-Length``
    ============================== ===============================================

    ``status`` and ``regress`` only change record-info answers;
    ``mislabeled`` and ``resized`` only media downloads.
    """

    kind: FaultKind
    http_status: int = 200
    code: int | None = None
    body: BodyKind = "json"
    message: str | None = None
    retry_after: float | str | None = None
    delay_s: float = 0.0
    raw_status: str | None = None
    steps: int = 1
    content_type: str | None = None
    size_bytes: int = 0

    @classmethod
    def http(
        cls,
        status: int,
        *,
        body: BodyKind = "html",
        retry_after: float | str | None = None,
    ) -> Fault:
        """Answer HTTP ``status`` as a gateway would.

        ``body`` is ``"html"`` (an nginx error page), ``"text"`` (one line)
        or ``"json"`` (``{"code": status, "msg": ..., "data": null}``).
        ``retry_after`` (seconds, or an HTTP-date string sent verbatim) adds a
        ``Retry-After`` header.
        """
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        return cls(kind="http", http_status=status, body=body, retry_after=retry_after)

    @classmethod
    def rate_limit(cls, retry_after: float | str | None = None) -> Fault:
        """HTTP 429 from the gateway (HTML body), with ``Retry-After`` if given."""
        return cls.http(429, retry_after=retry_after)

    @classmethod
    def body_code(cls, code: int, message: str | None = None) -> Fault:
        """HTTP 200 with body ``code`` and ``message`` (default: the service's)."""
        return cls(kind="body_code", code=code, message=message)

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection without answering.

        aiohttp clients resend an idempotent request (GET) once when the
        server disconnects, so script two resets in a row to make such a
        client see one; the request log shows both.
        """
        return cls(kind="reset")

    @classmethod
    def slow(cls, delay_s: float) -> Fault:
        """Answer normally after ``delay_s`` wall seconds."""
        return cls(kind="slow", delay_s=check_seconds("delay_s", delay_s))

    @classmethod
    def truncated(cls) -> Fault:
        """Send the headers and half the body, then drop the connection."""
        return cls(kind="truncated")

    @classmethod
    def malformed(cls) -> Fault:
        """HTTP 200, ``application/json``, and a body that is not valid JSON."""
        return cls(kind="malformed")

    @classmethod
    def status(cls, raw_status: str | TaskStatus) -> Fault:
        """Answer the current record with ``raw_status`` (an unknown one, say)."""
        raw = raw_status.value if isinstance(raw_status, TaskStatus) else raw_status
        return cls(kind="status", raw_status=raw)

    @classmethod
    def regress(cls, steps: int = 1) -> Fault:
        """Answer the record as it was ``steps`` steps earlier (a stale replica)."""
        if steps < 1:
            raise ValueError(f"steps must be >= 1, not {steps}")
        return cls(kind="regress", steps=steps)

    @classmethod
    def mislabeled(cls, content_type: str) -> Fault:
        """Send a media file's bytes with this ``Content-Type`` (``text/html``...)."""
        if not content_type:
            raise ValueError("content_type must not be empty")
        return cls(kind="mislabeled", content_type=content_type)

    @classmethod
    def resized(cls, size_bytes: int) -> Fault:
        """Send a media file cut or padded with zeros to exactly ``size_bytes``.

        It is streamed without a ``Content-Length``, so only counting the
        bytes as they arrive can stop a huge one; ``0`` sends an empty body.
        """
        if size_bytes < 0:
            raise ValueError(f"size_bytes must be >= 0, not {size_bytes}")
        return cls(kind="resized", size_bytes=size_bytes)

    def __repr__(self) -> str:
        defaults = Fault(kind=self.kind)
        shown = [
            f"{a.name}={getattr(self, a.name)!r}"
            for a in attrs.fields(Fault)
            if a.name == "kind" or getattr(self, a.name) != getattr(defaults, a.name)
        ]
        return f"Fault({', '.join(shown)})"

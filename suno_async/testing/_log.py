"""The simulator's accounting: a log of every API request and the per-task limit."""

from __future__ import annotations

from collections import defaultdict, deque

import attrs

from suno_async.testing._faults import Fault

__all__ = ["LoggedRequest", "SlidingWindow"]


@attrs.frozen(kw_only=True)
class LoggedRequest:
    """One API request the simulator received, and how it was answered.

    ``at`` is the arrival time on the server's clock. ``http_status`` is
    ``None`` when the connection was dropped without an answer; ``code`` is
    the body code when the answer had a JSON envelope; ``status`` the task
    status a record-info answer carried. ``violation`` marks a record-info
    request beyond the per-task limit. ``authorization`` tells whether a media
    download carried an ``Authorization`` header (a CDN must never see the
    API key); it is ``None`` for API requests.
    """

    at: float
    method: str
    path: str
    task_id: str | None
    http_status: int | None = None
    code: int | None = None
    status: str | None = None
    fault: Fault | None = None
    violation: bool = False
    authorization: bool | None = None


class SlidingWindow:
    """Counts arrivals per key; an arrival is a violation when ``limit`` others
    arrived for the same key within the ``window_s`` before it (half-open
    window: an arrival exactly ``window_s`` later no longer counts). Every
    arrival counts, violations included, as on the service.
    """

    __slots__ = ("_arrivals", "limit", "violations", "window_s")

    def __init__(self, *, limit: int = 3, window_s: float = 1.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self.violations = 0
        self._arrivals: defaultdict[str, deque[float]] = defaultdict(deque)

    def arrive(self, key: str, at: float) -> bool:
        """Record an arrival at ``at``; whether it exceeds the limit."""
        arrivals = self._arrivals[key]
        while arrivals and arrivals[0] <= at - self.window_s:
            arrivals.popleft()
        violation = len(arrivals) >= self.limit
        arrivals.append(at)
        self.violations += violation
        return violation

    def __repr__(self) -> str:
        return (
            f"<SlidingWindow limit={self.limit}/{self.window_s:g}s "
            f"violations={self.violations}>"
        )

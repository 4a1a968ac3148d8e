"""Counting the polls the CLI really sends: :class:`PollCounter`.

The SDK's counts do not cover every outcome (a failed task's error carries
none), and count attempts that never left (a refused connection). The
counter watches the wire instead: an aiohttp trace on the client's session
counts each record-info request (of any family) once its headers are
sent, per task id, whatever became of it afterwards. A request that never
reached the service is not counted.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import AsyncIterator, Mapping
from types import SimpleNamespace

import aiohttp

from suno_async._core.families import SPECS
from suno_async._core.providers import DEFAULT_MAX_CONNECTIONS

__all__ = ["RECORD_INFO_PATHS", "PollCounter"]

#: Every family's record-info path.
RECORD_INFO_PATHS = tuple(spec.record_info_path for spec in SPECS.values())


class PollCounter:
    """Record-info requests sent per task id, counted by :meth:`session`'s trace."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: collections.Counter[str] = collections.Counter()

    def __repr__(self) -> str:
        return f"<PollCounter tasks={len(self._counts)} polls={self._counts.total()}>"

    def counts(self) -> Mapping[str, int]:
        """How many record-info requests were sent for each task id so far."""
        return dict(self._counts)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[aiohttp.ClientSession]:
        """A session as the client would make itself, traced by this counter."""
        trace = aiohttp.TraceConfig()
        trace.on_request_headers_sent.append(self._sent)
        connector = aiohttp.TCPConnector(limit=DEFAULT_MAX_CONNECTIONS)
        async with aiohttp.ClientSession(
            connector=connector, trace_configs=[trace]
        ) as session:
            yield session

    async def _sent(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        url = params.url
        task_id = url.query.get("taskId")
        if task_id is not None and url.path.endswith(RECORD_INFO_PATHS):
            self._counts[task_id] += 1

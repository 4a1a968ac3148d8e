"""The record reader: one record-info read, under the task's limits, decoded.

The engine polls through :class:`RecordReader` only. Each wire attempt holds
a slot of the per-task limiter (aiohttp's silent re-sends included, see
:class:`~suno_async._io.http.Transport`), then the client-wide pacer; the
pacer learns from each answer (AIMD). Decoding turns the envelope's data into
a :class:`~suno_async.TaskRecord`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol

import yarl

from suno_async._core.errors import NotFoundError, RateLimitError, TaskNotFoundError
from suno_async._core.families import FamilySpec
from suno_async._core.models import RecordBase
from suno_async._core.task_ids import check_task_id
from suno_async._io.http import SlotFactory, Transport
from suno_async._io.limiter import Pacer, RateLimiter

__all__ = ["Reader", "RecordReader", "TaskReads"]

#: One task's reads: ``await reads(timeout)`` is one read of its record.
TaskReads = Callable[[float | None], Awaitable[RecordBase]]


class Reader(Protocol):
    """What the engine needs to read a task: ``read(task_id) -> record``."""

    @property
    def request_timeout(self) -> float:
        """Seconds a read may take unless the call says otherwise."""
        ...

    async def read(
        self, task_id: str, *, spec: FamilySpec, timeout: float | None = None
    ) -> RecordBase:
        """The task's current record (``timeout`` in seconds, slot waits included)."""
        ...

    def reads_of(self, task_id: str, *, spec: FamilySpec) -> TaskReads:
        """``read`` of one task, made once for a task read again and again."""
        ...


class RecordReader:
    """Reads record-info through a transport, a per-task limiter and a pacer."""

    __slots__ = ("_limiter", "_pacer", "_transport")

    def __init__(
        self, transport: Transport, limiter: RateLimiter, pacer: Pacer | None
    ) -> None:
        self._transport = transport
        self._limiter = limiter
        self._pacer = pacer

    @property
    def request_timeout(self) -> float:
        """The transport's request timeout, in seconds."""
        return self._transport.request_timeout

    async def read(
        self, task_id: str, *, spec: FamilySpec, timeout: float | None = None
    ) -> RecordBase:
        """One record-info read of a ``spec`` family task.

        Raises the mapped :class:`~suno_async.SunoError`. Every answer that
        says the service does not know the id, or not yet (404, a 422
        "recordInfo is null", ``data: null``), raises
        :class:`~suno_async.TaskNotFoundError` (a ``NotFoundError``), which
        waits retry through their grace period.
        """
        return await self.reads_of(task_id, spec=spec)(timeout)

    def reads_of(self, task_id: str, *, spec: FamilySpec) -> TaskReads:
        """:meth:`read` of one task, its URL and slot factory made once.

        A poll loop keeps it for its task's reads: aiohttp reads less of a
        URL it has seen (see :meth:`~suno_async._io.http.Transport.url`).
        """
        check_task_id(task_id)
        url = self._transport.url(spec.record_info_path, {"taskId": task_id})
        return functools.partial(self._read, task_id, spec, url, self._slot(task_id))

    async def _read(
        self,
        task_id: str,
        spec: FamilySpec,
        url: yarl.URL,
        slot: SlotFactory,
        timeout: float | None,
    ) -> RecordBase:
        try:
            data = await self._transport.request(
                "GET",
                spec.record_info_path,
                url=url,
                task_id=task_id,
                timeout=timeout,
                slot=slot,
            )
        except RateLimitError:
            if self._pacer is not None:
                self._pacer.on_rate_limited()
            raise
        except NotFoundError as error:  # the transport's, never a TaskNotFoundError
            unknown = TaskNotFoundError(
                error.message,
                code=error.code,
                http_status=error.http_status,
                task_id=task_id,
            )
            unknown.data = error.data
            raise unknown from None
        if self._pacer is not None:
            self._pacer.on_success()
        if data is None:
            raise TaskNotFoundError(
                f"{spec.kind.value} task {task_id} is unknown to the service "
                "(record-info data is null)",
                code=200,
                http_status=200,
                task_id=task_id,
            )
        return spec.decode(data, task_id=task_id)

    def _slot(self, task_id: str) -> SlotFactory:
        """Slots for each wire attempt: the task's limiter, then the pacer."""
        if self._pacer is None:
            return functools.partial(self._limiter.slot, task_id)
        return functools.partial(_PacedSlot, self._limiter.slot, task_id, self._pacer)


class _PacedSlot(AbstractAsyncContextManager[None]):
    """A limiter slot for one wire attempt, then the pacer's next start."""

    __slots__ = ("_pacer", "_slot")

    def __init__(
        self,
        slot: Callable[[str], AbstractAsyncContextManager[None]],
        key: str,
        pacer: Pacer,
    ) -> None:
        self._slot = slot(key)
        self._pacer = pacer

    async def __aenter__(self) -> None:
        await self._slot.__aenter__()
        try:
            await self._pacer.acquire()
        except BaseException as exc:
            await self._slot.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return await self._slot.__aexit__(exc_type, exc, traceback)

"""The CLI's progress model: one :class:`TaskRow` per task, and :func:`watch`.

Plain data, no click or rich: the displays in :mod:`suno_async.cli._display`
read a :class:`Board`, and :func:`watch` fills it from concurrent waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

import attrs

from suno_async._core.errors import TaskFailedError, WaitTimeoutError
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskEvent, TaskRecord, TaskStatus
from suno_async.cli._exit import ExitCode, exit_code_for, worst

if TYPE_CHECKING:
    from suno_async._client import SunoClient

__all__ = ["Board", "Display", "TaskRow", "counted", "watch"]


def counted(count: int, noun: str) -> str:
    """``1 task``, ``3 tasks``: ``count`` and the noun, plural unless one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@attrs.define(kw_only=True)
class TaskRow:
    """What is known about one task while the CLI waits for it.

    ``status`` is the last status read from the service (``None`` until a
    record shows one: the CLI never assumes PENDING); ``reached`` holds
    ``(milestone, elapsed_s, inferred)`` per milestone seen; ``finished_s``
    is set once the wait has ended, with ``record`` (of the task's family)
    or ``error``.
    """

    task_id: str
    status: str | None = None
    reached: list[tuple[TaskStatus, float, bool]] = attrs.field(factory=list)
    polls: int = 0
    record: RecordBase | None = None
    error: Exception | None = None
    finished_s: float | None = None

    @property
    def done(self) -> bool:
        """Whether the wait for this task has ended."""
        return self.finished_s is not None

    @property
    def exit_code(self) -> ExitCode:
        """The exit status this task's outcome calls for."""
        return ExitCode.OK if self.error is None else exit_code_for(self.error)

    @property
    def result(self) -> str:
        """``running`` until done, then ``success``, ``failed``, ``timeout``..."""
        return self.exit_code.result if self.done else "running"

    @property
    def title(self) -> str | None:
        """The first track's title (music), once the service has one."""
        record = self.record
        if not isinstance(record, TaskRecord):
            return None
        return next((t.title for t in record.tracks if t.title), None)

    def reached_at(self, milestone: TaskStatus) -> tuple[float, bool] | None:
        """``(elapsed_s, inferred)`` when ``milestone`` was seen, else ``None``."""
        for status, elapsed_s, inferred in self.reached:
            if status is milestone:
                return elapsed_s, inferred
        return None


class Board:
    """The rows of the tasks being watched, in the order they were given.

    ``clock`` gives the seconds that ``elapsed_s`` and the rows' times count
    in; ``poll_counts``, when given, is the authority on polls per task (the
    simulator's accounting), read by :meth:`sync_polls`.
    """

    __slots__ = ("_poll_counts", "clock", "rows", "started")

    def __init__(
        self,
        task_ids: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        poll_counts: Callable[[], Mapping[str, int]] | None = None,
    ) -> None:
        self.clock = clock
        self.started = clock()
        self.rows = {tid: TaskRow(task_id=tid) for tid in dict.fromkeys(task_ids)}
        self._poll_counts = poll_counts

    def __repr__(self) -> str:
        return f"<Board tasks={len(self.rows)} exit_code={self.exit_code.name}>"

    def elapsed_s(self) -> float:
        """Seconds since the board was made."""
        return self.clock() - self.started

    def on_event(self, event: TaskEvent) -> TaskRow:
        """Note a milestone; the row it changed."""
        row = self.rows[event.task_id]
        row.status = event.record.status_raw
        row.record = event.record
        row.reached.append((event.status, event.elapsed, event.inferred))
        row.polls = max(row.polls, event.polls)
        self.sync_polls()
        return row

    def finish(
        self,
        task_id: str,
        *,
        record: RecordBase | None = None,
        error: Exception | None = None,
    ) -> TaskRow:
        """Note how a task's wait ended; the row it changed."""
        row = self.rows[task_id]
        row.finished_s = self.elapsed_s()
        row.error = error
        if isinstance(error, TaskFailedError):
            record = error.record
        elif isinstance(error, WaitTimeoutError):
            record = error.last_record
            row.polls = max(row.polls, error.polls)
        if record is not None:
            row.record = record
            row.status = record.status_raw
        self.sync_polls()
        return row

    def sync_polls(self) -> None:
        """Take the poll counts from ``poll_counts``, if the board has one."""
        if self._poll_counts is None:
            return
        counts = self._poll_counts()
        for task_id, row in self.rows.items():
            row.polls = counts.get(task_id, 0)

    @property
    def done(self) -> bool:
        """Whether every wait has ended."""
        return all(row.done for row in self.rows.values())

    @property
    def exit_code(self) -> ExitCode:
        """The worst exit status among the finished tasks."""
        return worst(row.exit_code for row in self.rows.values() if row.done)

    def tally(self) -> str:
        """``3 tasks: 2 success, 1 failed``."""
        counts = ", ".join(f"{n} {result}" for result, n in self.results().items())
        return f"{counted(len(self.rows), 'task')}: {counts}"

    def results(self) -> dict[str, int]:
        """How many tasks ended (or are still running) with each result."""
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row.result] = counts.get(row.result, 0) + 1
        return counts


class Display(Protocol):
    """What :func:`watch` tells as it goes (see :mod:`suno_async.cli._display`)."""

    def showing(self, board: Board) -> AbstractAsyncContextManager[None]:
        """Show ``board`` live while the block runs (or do nothing)."""

    def event(self, row: TaskRow, event: TaskEvent) -> None:
        """A task reached a milestone."""

    def outcome(self, row: TaskRow) -> None:
        """A task's wait ended."""


async def watch(
    client: SunoClient,
    board: Board,
    display: Display,
    *,
    until: TaskStatus = TaskStatus.SUCCESS,
    timeout: float | None,
    kind: TaskKind = TaskKind.MUSIC,
) -> ExitCode:
    """Wait for every task of ``board`` at once; the worst exit status.

    Each task gets its own ``wait_for_task`` (so one failing never stops the
    others) and ends in its row with a record or an error; they are all
    ``kind`` tasks.
    """

    def on_event(event: TaskEvent) -> None:
        display.event(board.on_event(event), event)

    async def wait_one(task_id: str) -> None:
        try:
            wait = client.wait_for_task(
                task_id, kind=kind, until=until, timeout=timeout, on_event=on_event
            )
            record = await wait
        except Exception as exc:
            row = board.finish(task_id, error=exc)
        else:
            row = board.finish(task_id, record=record)
        display.outcome(row)

    async with display.showing(board):
        await asyncio.gather(*(wait_one(task_id) for task_id in board.rows))
    return board.exit_code

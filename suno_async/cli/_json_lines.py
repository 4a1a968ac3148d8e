"""The CLI's output for programs: one JSON object per line, each with a ``type``.

Records, events and outcomes go through :func:`suno_async._core.convert.to_jsonable`.
``json.dumps`` (``ensure_ascii``) writes every control character of the
service's text as an escape, so a line never acts on a terminal.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TextIO

from suno_async._core.convert import to_jsonable
from suno_async._core.models import RecordBase, TaskEvent, TaskOutcome
from suno_async._io.download import ProgressHandler
from suno_async.cli._board import Board, TaskRow
from suno_async.cli._exit import OutputClosed
from suno_async.cli._files import SavedFile, Transfers
from suno_async.cli._output import OutputBase

__all__ = ["JsonLines"]


class JsonLines(OutputBase):
    """Output for programs: one JSON object per line, each with a ``type``."""

    __slots__ = ("_stream",)

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def emit(self, kind: str, fields: Mapping[str, Any]) -> None:
        """Print ``{"type": kind, **fields}`` as one line (ASCII only)."""
        stream = self._stream or sys.stdout
        line = json.dumps({"type": kind, **fields}, ensure_ascii=True)
        try:
            stream.write(line + "\n")
            stream.flush()
        except BrokenPipeError as exc:
            raise OutputClosed from exc

    @contextlib.asynccontextmanager
    async def showing(self, board: Board) -> AsyncIterator[None]:
        """Nothing to draw: events are printed as they come."""
        yield

    def note(self, text: str) -> None:
        """Context lines are for people: nothing here."""

    def intro(self, text: str, fields: Mapping[str, Any]) -> None:
        """``{"type": "start", ...fields}``: what is about to run."""
        self.emit("start", fields)

    def event(self, row: TaskRow, event: TaskEvent) -> None:
        """``{"type": "event", ...TaskEvent}``."""
        self.emit("event", to_jsonable(event))

    def outcome(self, row: TaskRow) -> None:
        """``{"type": "outcome", ...TaskOutcome, result, exit_code, polls...}``."""
        outcome = TaskOutcome[Any](
            task_id=row.task_id, record=row.record, error=row.error
        )
        fields = {
            **to_jsonable(outcome),
            "result": row.result,
            "exit_code": int(row.exit_code),
            "polls": row.polls,
            "seconds": row.finished_s,
        }
        self.emit("outcome", fields)

    def created(self, task_id: str) -> None:
        """``{"type": "created", "task_id": ...}``."""
        self.emit("created", {"task_id": task_id})

    def credits(self, credits: int) -> None:
        """``{"type": "credits", "credits": N}``."""
        self.emit("credits", {"credits": credits})

    @contextlib.contextmanager
    def transfers(self, *, announce: bool = True) -> Iterator[Transfers]:
        """Downloads: a ``download`` line per saved file, whatever ``announce``."""
        yield _JsonTransfers(self)

    def record(self, record: RecordBase) -> None:
        """``{"type": "record", ...record}`` (``status``); a family's has ``kind``."""
        self.emit("record", to_jsonable(record))

    def _summary(
        self, board: Board, lines: Sequence[str], extra: Mapping[str, Any]
    ) -> None:
        """``{"type": "summary", tasks, results, exit_code, seconds, ...extra}``."""
        fields = {
            "tasks": len(board.rows),
            "results": board.results(),
            "exit_code": int(board.exit_code),
            "seconds": round(board.elapsed_s(), 3),
            **extra,
        }
        self.emit("summary", fields)


class _JsonTransfers:
    """No progress lines; ``{"type": "download", ...SavedFile}`` per file."""

    __slots__ = ("_lines",)

    def __init__(self, lines: JsonLines) -> None:
        self._lines = lines

    def file(self, label: str) -> ProgressHandler | None:
        """Progress is for people: none."""
        return None

    def saved(self, saved: SavedFile) -> None:
        """``{"type": "download", task_id, track_id, title, kind, path, bytes}``."""
        self._lines.emit("download", saved.to_json())

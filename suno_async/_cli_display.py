"""The CLI's output for people: :class:`RichDisplay`.

On a terminal it redraws a live table; elsewhere (pipes, CI) it prints plain
lines without colours or control codes. Then a summary table. The output
for programs is :class:`suno_async._cli_json.JsonLines`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Final, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ._cli import ExitCode
from ._cli_board import Board, TaskRow
from ._errors import TaskFailedError, WaitTimeoutError
from ._models import MILESTONES, TaskEvent, TaskRecord, TaskStatus, Track

__all__ = ["RichDisplay", "audio_lines", "describe", "plain_console"]

#: How often the live table is redrawn, in seconds.
REFRESH_S: Final = 0.125
#: The width plain (non-terminal) output may take, so URLs are never wrapped.
PLAIN_WIDTH: Final = 4096
#: Narrower terminals get the live table without its Title column.
TITLES_MIN_WIDTH: Final = 100

_STATUS_STYLES: Final = {
    TaskStatus.PENDING.value: "dim",
    TaskStatus.TEXT_SUCCESS.value: "cyan",
    TaskStatus.FIRST_SUCCESS.value: "blue",
    TaskStatus.SUCCESS.value: "bold green",
}
_RESULT_STYLES: Final = {
    ExitCode.OK: "green",
    ExitCode.TASK_FAILED: "bold red",
    ExitCode.USAGE: "magenta",
    ExitCode.TIMEOUT: "yellow",
    ExitCode.API_ERROR: "red",
}
_MILESTONE_HEADERS: Final = ("Text", "First", "Done")


def plain_console(stream: TextIO | None = None) -> Console:
    """The console for pipes: no colours, no wrapping (``PLAIN_WIDTH`` wide)."""
    return Console(file=stream, width=PLAIN_WIDTH, highlight=False, color_system=None)


def describe(row: TaskRow) -> str:
    """One line on how a task's wait ended."""
    error = row.error
    if error is None:
        return f"reached {row.status}"
    if isinstance(error, TaskFailedError):
        code = "" if error.error_code is None else f" (error code {error.error_code})"
        return f"{error.record.status_raw}{code}: {error.error_message or 'no message'}"
    if isinstance(error, WaitTimeoutError):
        return f"not done within {error.timeout:g} s (last status {row.status})"
    return str(error)


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _polls(count: int) -> str:
    return f"{count} poll{'' if count == 1 else 's'}"


def _length(track: Track) -> str:
    if track.duration is None:
        return ""
    minutes, seconds = divmod(round(track.duration), 60)
    return f"{minutes}:{seconds:02d}"


def _status_cell(row: TaskRow) -> Text:
    if row.done and row.error is not None:
        return Text(row.status, style=_RESULT_STYLES[row.exit_code])
    return Text(row.status, style=_STATUS_STYLES.get(row.status, ""))


def _milestone_cell(row: TaskRow, milestone: TaskStatus) -> Text:
    seen = row.reached_at(milestone)
    if seen is None:
        return Text("-" if row.done else "", style="dim")
    elapsed_s, inferred = seen
    # "~": passed between two polls; the time is when it was noticed.
    return Text(("~" if inferred else "") + _seconds(elapsed_s))


def progress_table(board: Board, *, titles: bool = True) -> Table:
    """One row per task: status, title, milestones with their times, polls, time."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Task", overflow="ellipsis", min_width=8)
    table.add_column("Status", no_wrap=True)
    if titles:
        table.add_column("Title", overflow="ellipsis", no_wrap=True)
    for header in _MILESTONE_HEADERS:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("Polls", justify="right")
    table.add_column("Time", justify="right", no_wrap=True)
    now_s = board.elapsed_s()
    for row in board.rows.values():
        title = [Text(row.title or "")] if titles else []
        table.add_row(
            Text(row.task_id),
            _status_cell(row),
            *title,
            *(_milestone_cell(row, m) for m in MILESTONES),
            str(row.polls),
            _seconds(now_s if row.finished_s is None else row.finished_s),
        )
    return table


def summary_table(board: Board) -> Table:
    """One row per track (one per task without tracks): what each task made."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Task", overflow="ellipsis", min_width=8)
    table.add_column("Result", no_wrap=True)
    table.add_column("Polls", justify="right")
    table.add_column("Time", justify="right", no_wrap=True)
    table.add_column("Title")
    table.add_column("Length", justify="right")
    for row in board.rows.values():
        result = Text(row.result, style=_RESULT_STYLES.get(row.exit_code, ""))
        time_s = "" if row.finished_s is None else _seconds(row.finished_s)
        head = (Text(row.task_id), result, str(row.polls), time_s)
        tracks = _tracks(row)
        if not tracks:
            detail = Text(describe(row), style="" if row.error is None else "red")
            table.add_row(*head, detail, "")
        for index, track in enumerate(tracks):
            cells = head if index == 0 else ("", "", "", "")
            table.add_row(*cells, Text(track.title or ""), _length(track))
    return table


def audio_lines(board: Board) -> list[str]:
    """The best audio URL of every track made, one line each (never wrapped)."""
    lines = []
    for row in board.rows.values():
        for track in _tracks(row):
            if track.best_audio_url:
                length = _length(track)
                name = f"{track.title or track.id}{f' ({length})' if length else ''}"
                lines.append(f"  {name}  {track.best_audio_url}")
    return lines


def _tracks(row: TaskRow) -> tuple[Track, ...]:
    return row.record.tracks if row.record is not None and row.error is None else ()


def record_view(record: TaskRecord) -> RenderableType:
    """A task record for people: its fields, then each track and its URLs."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    style = _STATUS_STYLES.get(
        record.status_raw, "red" if record.status.is_failure else ""
    )
    fields: list[tuple[str, str | Text | None]] = [
        ("Task", record.task_id),
        ("Status", Text(record.status_raw, style=style)),
        ("Operation", record.operation_type),
        ("Model", record.model_family),
        (
            "Created",
            None if record.created_at is None else record.created_at.isoformat(),
        ),
        ("Error code", None if record.error_code is None else str(record.error_code)),
        ("Error", record.error_message),
        ("Tracks", str(len(record.tracks))),
    ]
    for name, value in fields:
        if value is not None:  # service text is never read as rich markup
            grid.add_row(name, Text(value) if isinstance(value, str) else value)
    parts: list[RenderableType] = [grid]
    for number, track in enumerate(record.tracks, 1):
        parts.append(Text(""))
        parts.append(_track_view(number, track))
    return Group(*parts)


def _track_view(number: int, track: Track) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    heading = track.title or track.id
    grid.add_row(f"Track {number}", Text(heading, style="bold"))
    values = [
        ("id", track.id),
        ("length", _length(track)),
        ("tags", ", ".join(track.tags)),
        ("audio", track.audio_url),
        ("stream", track.stream_audio_url),
        ("image", track.image_url),
    ]
    for name, value in values:
        if value:
            grid.add_row(name, Text(value))
    return grid


class RichDisplay:
    """Progress for people: a live table on a terminal, plain lines elsewhere."""

    __slots__ = ("console", "refresh_s")

    def __init__(self, console: Console, *, refresh_s: float = REFRESH_S) -> None:
        self.console = console
        self.refresh_s = refresh_s

    @property
    def live(self) -> bool:
        """Whether the output is a terminal (a live table) or not (lines)."""
        return self.console.is_terminal

    @contextlib.asynccontextmanager
    async def showing(self, board: Board) -> AsyncIterator[None]:
        """Redraw ``board``'s table on the terminal while the block runs."""
        if not self.live:
            yield
            return

        def render() -> RenderableType:
            titles = self.console.width >= TITLES_MIN_WIDTH
            return progress_table(board, titles=titles)

        with Live(
            console=self.console, auto_refresh=False, get_renderable=render
        ) as live:

            async def tick() -> None:
                while True:
                    board.sync_polls()
                    live.refresh()
                    await asyncio.sleep(self.refresh_s)

            ticker = asyncio.ensure_future(tick())
            try:
                yield
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
                board.sync_polls()
                live.refresh()

    def note(self, text: str) -> None:
        """A line of context for people."""
        self.console.print(text, markup=False, soft_wrap=True)

    def intro(self, text: str, fields: Mapping[str, Any]) -> None:
        """What is about to run: ``text`` here (``fields`` are for programs)."""
        self.note(text)

    def event(self, row: TaskRow, event: TaskEvent) -> None:
        """A milestone: a line when not live (the live table shows it)."""
        if self.live:
            return
        inferred = " (passed between polls)" if event.inferred else ""
        self.note(
            f"{row.task_id}  {event.status.value}  at {_seconds(event.elapsed)}, "
            f"{_polls(event.polls)}{inferred}"
        )

    def outcome(self, row: TaskRow) -> None:
        """A task's end: a line when not live."""
        if self.live:
            return
        time_s = _seconds(row.finished_s or 0.0)
        self.note(
            f"{row.task_id}  {row.result}: {describe(row)} "
            f"({time_s}, {_polls(row.polls)})"
        )

    def record(self, record: TaskRecord) -> None:
        """One task's record (``status``)."""
        self._block(record_view(record))

    def summary(
        self,
        board: Board,
        *,
        lines: Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """The summary table, then ``lines`` (``extra`` is for programs)."""
        board.sync_polls()
        self.console.print()
        self._block(summary_table(board))
        audio = audio_lines(board)
        if audio:
            self.note("Audio:")
            for line in audio:
                self.note(line)
        for line in lines:
            self.note(line)

    def _block(self, renderable: RenderableType) -> None:
        """Print ``renderable``; off a terminal, without trailing spaces."""
        if self.live:
            self.console.print(renderable)
            return
        with self.console.capture() as captured:
            self.console.print(renderable)
        for line in captured.get().splitlines():
            self.note(line.rstrip())

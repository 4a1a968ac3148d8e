"""The CLI's output for people: :class:`RichDisplay`.

On a terminal it redraws a live table while tasks are waited for and shows
a progress bar per download; elsewhere (pipes, CI) it prints plain lines
without colours or control codes. Then a summary table. The tables
themselves are in :mod:`suno_async.cli._tables`; the output for programs is
:class:`suno_async.cli._json_lines.JsonLines`.

Everything is printed through a :class:`SafeConsole`: the text it shows
goes through :func:`~suno_async.cli._terminal.printable` (rich's own styles
and cursor moves are not text, and stay), and a closed stdout raises
:class:`~suno_async.cli._exit.OutputClosed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TextIO

from rich.console import Console, ConsoleOptions, RenderableType
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.segment import Segment
from rich.text import Span, Text

from suno_async._core.models import RecordBase, TaskEvent
from suno_async._io.download import ProgressHandler
from suno_async.cli._board import Board, TaskRow, counted
from suno_async.cli._exit import OutputClosed
from suno_async.cli._files import SavedFile, Transfers
from suno_async.cli._output import OutputBase
from suno_async.cli._tables import (
    audio_lines,
    describe,
    progress_table,
    record_view,
    seconds_text,
    summary_table,
)
from suno_async.cli._terminal import printable

__all__ = ["RichDisplay", "SafeConsole", "plain_console", "safe_text"]

#: How often the live table is redrawn, in seconds.
REFRESH_S: Final = 0.125
#: The width plain (non-terminal) output may take, so URLs are never wrapped.
PLAIN_WIDTH: Final = 4096
#: Narrower terminals get the live table without its Title column.
TITLES_MIN_WIDTH: Final = 100


def safe_text(text: Text) -> Text:
    """``text`` with its characters made :func:`printable`, styles kept in place."""
    plain = text.plain
    safe = printable(plain)
    if safe == plain:
        return text
    # Where each old offset lands: an escaped character takes several.
    offsets = list(itertools.accumulate((len(printable(c)) for c in plain), initial=0))
    copy = text.blank_copy(safe)
    copy.spans = [
        Span(offsets[span.start], offsets[span.end], span.style) for span in text.spans
    ]
    return copy


class SafeConsole(Console):
    """A rich console that never lets text act on the terminal.

    Every ``Text`` it renders (strings become ``Text`` first, tables' cells
    included) goes through :func:`safe_text`, before it is laid out; rich's
    own styles and cursor moves are not text and stay. A closed stdout
    raises :class:`OutputClosed` (rich's default exits with status 1), once:
    the console is quiet afterwards.
    """

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Render as rich does, text made printable first."""
        if isinstance(renderable, Text):
            renderable = safe_text(renderable)
        return super().render(renderable, options)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """A string's ``Text`` as rich makes it, made printable."""
        return safe_text(super().render_str(text, **kwargs))

    def on_broken_pipe(self) -> None:
        """stdout was closed: print nothing more, and end the command quietly."""
        self.quiet = True
        raise OutputClosed


def plain_console(stream: TextIO | None = None) -> Console:
    """The console for pipes: no colours, no wrapping (``PLAIN_WIDTH`` wide)."""
    return SafeConsole(
        file=stream, width=PLAIN_WIDTH, highlight=False, color_system=None
    )


class RichDisplay(OutputBase):
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
            f"{row.task_id}  {event.status.value}  at {seconds_text(event.elapsed)}, "
            f"{counted(event.polls, 'poll')}{inferred}"
        )

    def outcome(self, row: TaskRow) -> None:
        """A task's end: a line when not live."""
        if self.live:
            return
        time_s = seconds_text(row.finished_s or 0.0)
        self.note(
            f"{row.task_id}  {row.result}: {describe(row)} "
            f"({time_s}, {counted(row.polls, 'poll')})"
        )

    def created(self, task_id: str) -> None:
        """A task was created: its id, alone on its line."""
        self.note(task_id)

    def credits(self, credits: int) -> None:
        """The account's credits: the number, alone on its line."""
        self.note(str(credits))

    @contextlib.contextmanager
    def transfers(self, *, announce: bool = True) -> Iterator[Transfers]:
        """Downloads: on a terminal a bar per file while it downloads.

        With ``announce``, each saved file's path is printed on its own line.
        """
        if not self.live:
            yield _RichTransfers(self, None, announce=announce)
            return
        progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        with progress:
            yield _RichTransfers(self, progress, announce=announce)

    def record(self, record: RecordBase) -> None:
        """One task's record (``status``)."""
        self._block(record_view(record))

    def _summary(
        self, board: Board, lines: Sequence[str], extra: Mapping[str, Any]
    ) -> None:
        """The summary table, the audio URLs, then ``lines``."""
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


class _RichTransfers:
    """The current file's bar (if live), removed when it is saved; path lines."""

    __slots__ = ("_announce", "_display", "_progress", "_task")

    def __init__(
        self, display: RichDisplay, progress: Progress | None, *, announce: bool
    ) -> None:
        self._display = display
        self._progress = progress
        self._announce = announce
        self._task: TaskID | None = None

    def file(self, label: str) -> ProgressHandler | None:
        """A new bar (an indeterminate one until the size is known)."""
        progress = self._progress
        if progress is None:
            return None
        task = self._task = progress.add_task(label, total=None)
        progress.refresh()

        def on_progress(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return on_progress

    def saved(self, saved: SavedFile) -> None:
        """The file's bar goes; its path is printed if announced."""
        self._drop_bar()
        if self._announce:
            self._display.note(str(saved.path))

    def _drop_bar(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.remove_task(self._task)
            self._progress.refresh()  # before a line is printed above it
            self._task = None

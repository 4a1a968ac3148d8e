"""The CLI's renderables for people: progress and summary tables, a record's view.

Pure functions of a :class:`~suno_async.cli._board.Board` or a record; when
and where they are printed is :class:`suno_async.cli._display.RichDisplay`'s
business. Text from the service is never read as rich markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from suno_async._core import family_records as records
from suno_async._core.errors import TaskFailedError, WaitTimeoutError
from suno_async._core.models import (
    MILESTONES,
    RecordBase,
    TaskRecord,
    TaskStatus,
    Track,
)
from suno_async.cli._board import Board, TaskRow, counted
from suno_async.cli._exit import ExitCode

__all__ = [
    "NO_STATUS",
    "audio_lines",
    "describe",
    "family_results",
    "progress_table",
    "record_view",
    "seconds_text",
    "summary_table",
]

_STATUS_STYLES: Final = {
    TaskStatus.PENDING.value: "dim",
    None: "dim",
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
    ExitCode.UNREACHABLE: "red",
}
_MILESTONE_HEADERS: Final = ("Text", "First", "Done")
#: What stands for a status when none was read from the service.
NO_STATUS: Final = "no status read"


def describe(row: TaskRow) -> str:
    """One line on how a task's wait ended."""
    error = row.error
    if error is None:
        return f"reached {row.status}"
    if isinstance(error, TaskFailedError):
        code = "" if error.error_code is None else f" (error code {error.error_code})"
        return f"{error.record.status_raw}{code}: {error.error_message or 'no message'}"
    if isinstance(error, WaitTimeoutError):
        last = NO_STATUS if row.status is None else f"last status {row.status}"
        return f"not done within {error.timeout:g} s ({last})"
    return str(error)


def seconds_text(value: float) -> str:
    """``12.3 s``."""
    return f"{value:.1f} s"


def _length(track: Track) -> str:
    if track.duration is None:
        return ""
    minutes, seconds = divmod(round(track.duration), 60)
    return f"{minutes}:{seconds:02d}"


def _status_cell(row: TaskRow) -> Text:
    status = NO_STATUS if row.status is None else row.status
    if row.done and row.error is not None:
        return Text(status, style=_RESULT_STYLES.get(row.exit_code, "red"))
    return Text(status, style=_STATUS_STYLES.get(row.status, ""))


def _milestone_cell(row: TaskRow, milestone: TaskStatus) -> Text:
    seen = row.reached_at(milestone)
    if seen is None:
        return Text("-" if row.done else "", style="dim")
    elapsed_s, inferred = seen
    # "~": passed between two polls; the time is when it was noticed.
    return Text(("~" if inferred else "") + seconds_text(elapsed_s))


def _tasks_table() -> Table:
    """A table of tasks, its Task column made; one row per task follows."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Task", overflow="ellipsis", min_width=8)
    return table


def progress_table(board: Board, *, titles: bool = True) -> Table:
    """One row per task: status, title, milestones with their times, polls, time."""
    table = _tasks_table()
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
            seconds_text(now_s if row.finished_s is None else row.finished_s),
        )
    return table


def summary_table(board: Board) -> Table:
    """One row per track (one per task without tracks): what each task made."""
    table = _tasks_table()
    table.add_column("Result", no_wrap=True)
    table.add_column("Polls", justify="right")
    table.add_column("Time", justify="right", no_wrap=True)
    table.add_column("Title")
    table.add_column("Length", justify="right")
    for row in board.rows.values():
        result = Text(row.result, style=_RESULT_STYLES.get(row.exit_code, ""))
        time_s = "" if row.finished_s is None else seconds_text(row.finished_s)
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
    record = row.record
    return record.tracks if isinstance(record, TaskRecord) and not row.error else ()


def _fields(rows: Iterable[tuple[str, str | Text | None]]) -> Table:
    """A grid of names and values; ``None`` values are left out.

    Service text is never read as rich markup: strings become plain ``Text``.
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        if value is not None:
            grid.add_row(name, Text(value) if isinstance(value, str) else value)
    return grid


def record_view(record: RecordBase) -> RenderableType:
    """A task record for people: its fields, then each track and its URLs.

    Another family's record shows its kind and its results instead of tracks.
    """
    style = _STATUS_STYLES.get(
        record.status_raw, "red" if record.status.is_failure else ""
    )
    created = None if record.created_at is None else record.created_at.isoformat()
    error_code = None if record.error_code is None else str(record.error_code)
    head: list[tuple[str, str | Text | None]] = [
        ("Task", record.task_id),
        ("Status", Text(record.status_raw, style=style)),
    ]
    tail = [("Created", created), ("Error code", error_code)]
    tail.append(("Error", record.error_message))
    if not isinstance(record, TaskRecord):
        kind = [("Kind", record.kind.value)]
        return _fields([*head, *kind, *tail, *family_results(record)])
    parts: list[RenderableType] = [
        _fields(
            [
                *head,
                ("Operation", record.operation_type),
                ("Model", record.model_family),
                *tail,
                ("Tracks", str(len(record.tracks))),
            ]
        )
    ]
    for number, track in enumerate(record.tracks, 1):
        parts.append(Text(""))
        parts.append(_track_view(number, track))
    return Group(*parts)


def _track_view(number: int, track: Track) -> RenderableType:
    values = [
        ("id", track.id),
        ("length", _length(track)),
        ("tags", ", ".join(track.tags)),
        ("audio", track.audio_url),
        ("stream", track.stream_audio_url),
        ("image", track.image_url),
    ]
    heading = Text(track.title or track.id, style="bold")
    return _fields(
        [
            (f"Track {number}", heading),
            *((name, value or None) for name, value in values),
        ]
    )


def family_results(record: RecordBase) -> list[tuple[str, str | None]]:
    """What a family's record made, as ``(name, value)`` rows (``None``: absent)."""
    if isinstance(record, (records.WavRecord, records.VideoRecord)):
        url = (
            record.wav_url
            if isinstance(record, records.WavRecord)
            else record.video_url
        )
        return [("Source audio", record.source_audio_id), ("File", url)]
    if isinstance(record, records.VocalRemovalRecord):
        rows = [("Source audio", record.source_audio_id)]
        rows += [(f"Stem {name}", url) for name, url in record.stems.items()]
        for stem in record.separated:
            rows.append((f"Separated {stem.group or ''}".rstrip(), stem.id))
        return rows
    if isinstance(record, records.MidiRecord):
        return [
            (f"Instrument {i.name}", counted(len(i.notes), "note"))
            for i in record.instruments
        ]
    if isinstance(record, records.CoverImageRecord):
        rows = [("Music task", record.parent_task_id)]
        return rows + [(f"Image {n}", u) for n, u in enumerate(record.image_urls, 1)]
    if not isinstance(record, records.LyricsRecord):
        return []
    rows = []
    for n, variant in enumerate(record.variants, 1):
        rows.append((f"Lyrics {n}", variant.title or variant.error_message or ""))
        rows.append(("", variant.text))
    return rows

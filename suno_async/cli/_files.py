"""Saving a task's files for the CLI: which tracks, and one progress bar per file.

:func:`save_tracks` downloads the tracks of a record that have a URL of the
wanted kind, with one :meth:`SunoClient.download` call per track, so that
each file gets its own progress bar and is announced as soon as it is saved;
:func:`save_family` saves another family's files, one call per file.
How that is shown is a :class:`Transfers`' business (rich bars and lines in
:mod:`suno_async.cli._display`, JSON lines in :mod:`suno_async.cli._json_lines`).
No click or rich here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from suno_async._core.download_plan import DownloadKind, plan
from suno_async._core.errors import DownloadError
from suno_async._core.family_files import files_of
from suno_async._core.family_records import VocalRemovalRecord
from suno_async._core.models import RecordBase, TaskRecord, TaskStatus, Track
from suno_async._engine.milestones import failure_for
from suno_async._io.download import ProgressHandler

if TYPE_CHECKING:
    from suno_async._client import SunoClient

__all__ = [
    "SavedFile",
    "Transfers",
    "downloadable",
    "save_family",
    "save_tracks",
    "size_text",
]

Warn = Callable[[str], None]


@attrs.frozen(kw_only=True)
class SavedFile:
    """One file the CLI saved: whose, which kind, where, how large.

    ``kind`` is the track's file (``audio``, ``stream``, ``image``) for
    music, else the task's family (``wav``, ``vocal-removal``...); other
    families' files have no ``track_id`` nor ``title``.
    """

    task_id: str
    track_id: str | None
    title: str | None
    kind: str
    path: Path
    size_bytes: int

    def to_json(self) -> dict[str, Any]:
        """The fields of a ``download`` JSON line."""
        return {
            "task_id": self.task_id,
            "track_id": self.track_id,
            "title": self.title,
            "kind": self.kind,
            "path": str(self.path),
            "bytes": self.size_bytes,
        }


class Transfers(Protocol):
    """How downloads are shown while :func:`save_tracks` runs."""

    def file(self, label: str) -> ProgressHandler | None:
        """A file (or a batch of files) starts: its progress handler, if any."""

    def saved(self, saved: SavedFile) -> None:
        """A file is complete on disk."""


def size_text(size_bytes: int) -> str:
    """``512 B``, ``3.3 kB``, ``4.1 MB``: decimal units, as download tools show."""
    value, unit = float(size_bytes), "B"
    for bigger in ("kB", "MB", "GB"):
        if value < 999.95:  # not "1000.0 kB"
            break
        value, unit = value / 1000, bigger
    return f"{size_bytes} B" if unit == "B" else f"{value:.1f} {unit}"


def _has_url(track: Track, kind: DownloadKind) -> bool:
    """Whether the SDK would find an http(s) URL of ``kind`` for ``track``."""
    try:
        plan([track], kind)
    except DownloadError:
        return False
    return True


def downloadable(
    record: TaskRecord, kind: DownloadKind, *, warn: Warn
) -> tuple[Track, ...]:
    """The distinct tracks of ``record`` that have a URL of ``kind``.

    A failed task raises its :class:`TaskFailedError`; a task without any
    such URL yet raises :class:`DownloadError`. Tracks without one are
    skipped with a warning, and audio taken before SUCCESS is warned about
    (a track without its final audio falls back to its stream).
    """
    if record.status.is_failure:
        raise failure_for(record)
    distinct: dict[str, Track] = {}
    for track in record.tracks:
        distinct.setdefault(track.id, track)
    usable = tuple(t for t in distinct.values() if _has_url(t, kind))
    task_id, status = record.task_id, record.status_raw
    if not usable:
        raise DownloadError(
            f"task {task_id} has no {kind} URL yet (status {status}): "
            f"wait for it first (suno-async wait {task_id})",
            task_id=task_id,
        )
    for track in distinct.values():
        if track not in usable:
            warn(f"track {track.id} of task {task_id} has no {kind} URL yet: skipped")
    if kind == "audio" and record.status is not TaskStatus.SUCCESS:
        warn(
            f"task {task_id} is at {status}, not SUCCESS: some audio files may be "
            "streams or previews"
        )
    return usable


def _batches(tracks: Sequence[Track], kind: DownloadKind) -> list[tuple[Track, ...]]:
    """One batch per track, unless two would get the same file name alone.

    A single :meth:`SunoClient.download` call keeps its files' names apart
    (two tracks with the same title and id prefix); separate calls would not.
    """
    together = [job.stem for job in plan(tracks, kind)]
    alone = [plan([track], kind)[0].stem for track in tracks]
    return [(t,) for t in tracks] if together == alone else [tuple(tracks)]


async def save_tracks(
    client: SunoClient,
    record: TaskRecord,
    dest: str | os.PathLike[str],
    *,
    transfers: Transfers,
    warn: Warn,
    kind: DownloadKind = "audio",
    overwrite: bool = False,
) -> list[SavedFile]:
    """Save the files of ``record``'s tracks into ``dest``, one after the other.

    See :func:`downloadable` for which tracks, and
    :meth:`SunoClient.download` for the files' names and the errors.
    """
    tracks = downloadable(record, kind, warn=warn)
    saved: list[SavedFile] = []
    for batch in _batches(tracks, kind):
        label = plan(batch, kind)[0].stem if len(batch) == 1 else f"{len(batch)} files"
        paths = await client.download(
            attrs.evolve(record, tracks=batch),
            dest,
            kind=kind,
            on_progress=transfers.file(label),
            overwrite=overwrite,
        )
        for track, path in zip(batch, paths, strict=True):
            file = SavedFile(
                task_id=record.task_id,
                track_id=track.id,
                title=track.title,
                kind=kind,
                path=path,
                size_bytes=path.stat().st_size,
            )
            transfers.saved(file)
            saved.append(file)
    return saved


async def save_family(
    client: SunoClient,
    record: RecordBase,
    dest: str | os.PathLike[str],
    *,
    transfers: Transfers,
    stem: str | None = None,
    overwrite: bool = False,
) -> list[SavedFile]:
    """Save the files of another family's ``record`` into ``dest``, one by one.

    A failed task raises its :class:`TaskFailedError`; a task without its
    files yet :class:`DownloadError`, saying to wait for it. Vocal removal
    saves each stem with its own call (and bar), ``stem`` alone if given.
    """
    if record.status.is_failure:
        raise failure_for(record)
    try:
        jobs, _ = files_of(record, stem=stem)
    except DownloadError as exc:
        if record.status is TaskStatus.SUCCESS:
            raise
        raise DownloadError(
            f"{exc.message}: wait for it first "
            f"(suno-async wait {record.task_id} --kind {record.kind.value})",
            task_id=record.task_id,
        ) from exc
    if isinstance(record, VocalRemovalRecord) and stem is None:
        batches = [(job.base, job.stem) for job in jobs]
    else:
        label = jobs[0].base if len(jobs) == 1 else f"{len(jobs)} files"
        batches = [(label, stem)]
    saved: list[SavedFile] = []
    for label, one_stem in batches:
        paths = await client.download(
            record,
            dest,
            stem=one_stem,
            on_progress=transfers.file(label),
            overwrite=overwrite,
        )
        for path in paths:
            file = SavedFile(
                task_id=record.task_id,
                track_id=None,
                title=None,
                kind=record.kind.value,
                path=path,
                size_bytes=path.stat().st_size,
            )
            transfers.saved(file)
            saved.append(file)
    return saved

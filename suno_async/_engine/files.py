"""Saving tracks to disk: the method :class:`SunoClient` inherits."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from suno_async._core.models import TaskRecord, Track
from suno_async._io.download import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DownloadKind,
    ProgressHandler,
)
from suno_async._io.download import download as _download_files
from suno_async._io.http import Transport

__all__ = ["TaskDownloads"]


class TaskDownloads:
    """Downloads; :class:`SunoClient` sets the attributes."""

    _transport: Transport

    if TYPE_CHECKING:

        def _check_open(self, task_id: str | None = None) -> None: ...

    async def download(
        self,
        target: TaskRecord | Track | Iterable[Track],
        dest: str | os.PathLike[str],
        *,
        kind: DownloadKind = "audio",
        on_progress: ProgressHandler | None = None,
        overwrite: bool = False,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    ) -> list[pathlib.Path]:
        """Save the tracks' audio, stream or cover image into the folder ``dest``.

        ``target`` is a :class:`TaskRecord` (all its tracks), a :class:`Track`
        or an iterable of tracks; the result has one path per distinct track,
        in order. ``dest`` is created if missing. Files are named
        ``<title>-<first 8 characters of the track id>.<ext>``, the title made
        safe (no separators or control characters, at most 100 UTF-8 bytes,
        ``track`` if nothing is left). ``kind="audio"`` tries
        :attr:`Track.audio_urls` best first, ``"stream"`` the stream URLs,
        ``"image"`` the cover then the source cover. When a URL fails (HTTP
        error, connection failure, timeout, cut body, a content type that is
        not audio/image) the next one is tried, with a warning log; a generic
        ``application/octet-stream`` is saved with a warning. Only http(s)
        URLs are fetched, through the client's session, never with the API key.

        Each file streams to a hidden ``.part`` file beside it and takes its
        name only when complete: nothing is left under that name after a
        failure or cancellation. An existing file is never replaced unless
        ``overwrite=True``. ``max_bytes`` caps each file (going over stops at
        once, other URLs untried); ``timeout`` bounds each attempt at a file,
        in seconds. ``on_progress(bytes_done, bytes_total)`` (sync or async;
        ``bytes_total`` is ``None`` when not declared) is called at 0 and
        after each chunk, starting over for each file and fallback URL.

        Raises :class:`DestinationExistsError` (also a ``FileExistsError``) for
        an existing file, :class:`DownloadError` when a track cannot be saved
        (``.reasons`` per URL, ``.saved`` the files saved before it; tracks
        go one by one), :class:`InvalidRequestError` for impossible settings,
        ``TypeError`` for a target that is not tracks, and ``OSError`` for
        local file-system failures.
        """
        self._check_open()
        return await _download_files(
            self._transport,
            target,
            dest,
            kind=kind,
            on_progress=on_progress,
            overwrite=overwrite,
            max_bytes=max_bytes,
            timeout=timeout,
        )

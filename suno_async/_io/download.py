"""Streaming downloads of any family's files into a folder.

:func:`~suno_async._core.family_files.files_of` says which files: each
track's audio, stream or cover image; a WAV, a video, stems, cover images;
lyrics and MIDI written from the record. For each fetched file, its URLs
are tried in order (audio: :attr:`Track.audio_urls`, best first) until one
gives the file:

* only http(s) URLs are requested; the others are refused with a reason;
* an HTTP error, a connection failure, a timeout, an interrupted or empty
  body, or a content type of another kind (``text/html``; a WAV must be
  ``audio/wav``, a video ``video/mp4``) fails that URL and the next one is
  tried; a generic binary type
  (``application/octet-stream``, or none at all) is saved with a warning;
* a file over ``max_bytes`` (declared, or counted as it arrives) stops at
  once, without trying the other URLs: the cap is the caller's policy and
  the other URLs carry the same file (a written file over it is refused
  before anything is written);
* chunks go to a hidden temporary file beside the target, each written in a
  worker thread (a slow disk never blocks the event loop; a buffered file's
  lock makes a close wait for a write still running after a cancellation),
  synced to disk, then hard-linked to the final name (so a file that
  appeared meanwhile is never replaced unless ``overwrite``); any failure
  or cancellation removes the temporary file (lyrics and MIDI files take
  the same path);
* the local file system's refusals (permission, a full disk, a name too
  long, a destination that is not a folder) raise :class:`LocalFileError`
  (also an ``OSError``), with the files already saved, and stop the call.

Every failure is a :class:`DownloadError` (or :class:`InvalidArgumentError`
for impossible settings): ``saved`` lists what the call had saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import inspect
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Final, TypeAlias, TypeVar

import attrs

from suno_async._core.download_plan import (
    DownloadKind,
    check_settings,
    scrub,
    shown_url,
)
from suno_async._core.errors import (
    DestinationExistsError,
    DownloadError,
    LocalFileError,
    TransportError,
)
from suno_async._core.family_files import FileJob, files_of
from suno_async._core.models import RecordBase, Track
from suno_async._io.http import Transport

__all__ = [
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DownloadKind",
    "DownloadSettings",
    "ProgressHandler",
    "download",
]

logger = logging.getLogger("suno_async")

#: The largest file :func:`download` saves, in bytes (per file).
DEFAULT_MAX_DOWNLOAD_BYTES: Final = 200 * 1024 * 1024
#: Seconds one attempt at one file may take, body included.
DEFAULT_DOWNLOAD_TIMEOUT: Final = 300.0
#: Called as ``on_progress(bytes_done, bytes_total_or_None)``; sync or async.
ProgressHandler: TypeAlias = Callable[[int, "int | None"], object]


@attrs.frozen(kw_only=True)
class DownloadSettings:
    """One download call's settings; :func:`download` checks them."""

    kind: DownloadKind = "audio"
    stem: str | None = None
    on_progress: ProgressHandler | None = None
    overwrite: bool = False
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    timeout: float = DEFAULT_DOWNLOAD_TIMEOUT

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> DownloadSettings:
        """The settings named alike in ``arguments``, a download call's ``locals()``."""
        return cls(**{field.name: arguments[field.name] for field in attrs.fields(cls)})


_BINARY_TYPES: Final = frozenset({"application/octet-stream", "binary/octet-stream"})
_T = TypeVar("_T")


class _URLFailed(Exception):
    """This URL did not give the file; the next one may."""


async def download(
    transport: Transport,
    target: RecordBase | Track | Iterable[Track],
    dest: str | os.PathLike[str],
    settings: DownloadSettings,
) -> list[Path]:
    """Save the files of ``target`` into the folder ``dest``; their paths.

    See :meth:`SunoClient.download` for the rules.
    """
    check_settings(settings.kind, settings.max_bytes, settings.timeout)
    jobs, task_id = files_of(target, settings.kind, stem=settings.stem)
    try:
        folder = _folder(dest)
    except OSError as exc:
        raise LocalFileError(
            f"cannot save into {os.fspath(dest)!s}: {exc}", error=exc, task_id=task_id
        ) from exc
    if not settings.overwrite:  # before any request, if the extension is predictable
        for job in jobs:
            predicted = folder / f"{job.base}.{_extension(job, None)}"
            if _exists(predicted):
                raise DestinationExistsError(
                    predicted, task_id=task_id, track_id=job.track_id
                )
    saver = _Saver(transport, folder, settings, task_id=task_id)
    for job in jobs:
        saver.saved.append(await saver.file(job))
    return saver.saved


def _extension(job: FileJob, content_type: str | None) -> str:
    url = job.urls[0] if job.urls else ""
    return job.media.extension(content_type, url)


class _Saver:
    """Downloads jobs one after the other with one call's settings."""

    __slots__ = ("_folder", "_settings", "_task_id", "_transport", "saved")

    def __init__(
        self,
        transport: Transport,
        folder: Path,
        settings: DownloadSettings,
        *,
        task_id: str | None,
    ) -> None:
        self._transport = transport
        self._folder = folder
        self._settings = settings
        self._task_id = task_id
        self.saved: list[Path] = []

    async def file(self, job: FileJob) -> Path:
        """The saved file of one job: written, or its URLs tried in order."""
        if job.content is not None:
            return await self._write(job, job.content)
        reasons = list(job.refused)
        for url in job.urls:
            try:
                return await self._attempt(job, url)
            except (_URLFailed, TransportError) as exc:
                reasons.append(f"{shown_url(url)}: {scrub(str(exc))}")
                logger.warning("download failed: %s", reasons[-1])
        raise self._error(
            f"could not download the {job.what}: " + "; ".join(reasons), job, reasons
        )

    async def _write(self, job: FileJob, content: bytes) -> Path:
        """Save ``content`` as the job's file, as a download would be."""
        final = self._folder / f"{job.base}.{_extension(job, None)}"
        if len(content) > self._settings.max_bytes:
            raise self._too_large(job, f"{len(content)} bytes")
        if not self._settings.overwrite and _exists(final):
            raise self._exists(job, final)
        parts = [content]

        async def read() -> bytes:
            return parts.pop() if parts else b""

        return await self._save(job, read, len(content), final)

    async def _attempt(self, job: FileJob, url: str) -> Path:
        timeout = self._settings.timeout
        async with self._transport.open_media(url, timeout=timeout) as media:
            if not 200 <= media.status < 300:
                raise _URLFailed(f"HTTP {media.status} {media.reason}".rstrip())
            _check_type(job, media.content_type, url)
            declared = media.content_length
            if declared is not None and declared > self._settings.max_bytes:
                raise self._too_large(job, f"Content-Length {declared}", url)
            ext = _extension(job, media.content_type)
            final = self._folder / f"{job.base}.{ext}"
            if not self._settings.overwrite and _exists(final):
                raise self._exists(job, final)
            return await self._save(job, media.read_chunk, declared, final, url)

    async def _save(
        self,
        job: FileJob,
        read: Callable[[], Awaitable[bytes]],
        total: int | None,
        final: Path,
        url: str | None = None,
    ) -> Path:
        """Write what ``read()`` gives (``b""`` at the end) to a temporary file,
        then move it to ``final``."""
        temporary = final.with_name(f".{secrets.token_hex(8)}.part")
        file = self._local(job, final, _create, temporary)
        try:
            done = 0
            await self._progress(0, total)
            while chunk := await read():
                done += len(chunk)
                if done > self._settings.max_bytes:
                    raise self._too_large(job, f"stopped at {done} bytes", url)
                await self._local_async(job, final, file.write, chunk)
                await self._progress(done, total)
            if done == 0:
                raise _URLFailed("the body is empty")
            await self._local_async(job, final, _sync, file)
            self._local(job, final, file.close)
            place = functools.partial(_place, overwrite=self._settings.overwrite)
            if not self._local(job, final, place, temporary, final):
                raise self._exists(job, final)
        except BaseException:
            with contextlib.suppress(OSError):
                file.close()  # waits for a write still running in its thread
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        source = "the record" if url is None else shown_url(url)
        logger.debug("saved %s (%d bytes) from %s", final, done, source)
        return final

    async def _progress(self, done: int, total: int | None) -> None:
        on_progress = self._settings.on_progress
        if on_progress is not None:
            result = on_progress(done, total)
            if inspect.isawaitable(result):
                await result

    def _error(self, message: str, job: FileJob, reasons: list[str]) -> DownloadError:
        return DownloadError(
            message,
            task_id=self._task_id,
            track_id=job.track_id,
            reasons=tuple(reasons),
            saved=tuple(self.saved),
        )

    def _too_large(
        self, job: FileJob, detail: str, url: str | None = None
    ) -> DownloadError:
        cap = self._settings.max_bytes
        reason = f"over the {cap}-byte cap ({detail})"
        if url is not None:
            reason = f"{shown_url(url)}: {reason}"
        return self._error(f"the {job.what} is too large: {reason}", job, [reason])

    def _local(
        self, job: FileJob, final: Path, call: Callable[..., _T], *args: object
    ) -> _T:
        """``call(*args)``, its ``OSError`` raised as :class:`LocalFileError`."""
        try:
            return call(*args)
        except OSError as exc:
            raise self._local_error(job, final, exc) from exc

    async def _local_async(
        self, job: FileJob, final: Path, call: Callable[..., object], *args: object
    ) -> None:
        """``call(*args)`` in a worker thread, as :meth:`_local`."""
        try:
            await asyncio.to_thread(call, *args)
        except OSError as exc:
            raise self._local_error(job, final, exc) from exc

    def _local_error(self, job: FileJob, final: Path, exc: OSError) -> LocalFileError:
        return LocalFileError(
            f"could not save the {job.what} as {final}: {exc}",
            error=exc,
            task_id=self._task_id,
            track_id=job.track_id,
            saved=tuple(self.saved),
        )

    def _exists(self, job: FileJob, final: Path) -> DestinationExistsError:
        return DestinationExistsError(
            final, task_id=self._task_id, track_id=job.track_id, saved=tuple(self.saved)
        )


def _check_type(job: FileJob, content_type: str | None, url: str) -> None:
    """Refuse a content type of another kind; warn about a generic binary one."""
    media = job.media
    if content_type is not None and media.accepts(content_type):
        return
    if content_type is None or content_type in _BINARY_TYPES:
        logger.warning(
            "%s is sent as %s, not %s: saving it anyway",
            shown_url(url),
            content_type or "no content type",
            media.shown,
        )
        return
    raise _URLFailed(f"unexpected content type {content_type} (not {media.shown})")


# Metadata calls (mkdir, stat, open, link) run inline: they are quick next
# to the writes and syncs, which run in threads.


def _folder(dest: str | os.PathLike[str]) -> Path:
    folder = Path(dest)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            errno.ENOTDIR, "the download destination is not a folder", str(folder)
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _exists(path: Path) -> bool:
    """Whether anything has that name (a dangling symbolic link included)."""
    return os.path.lexists(path)


def _create(path: Path) -> BinaryIO:
    """A new file (never an existing one), with the umask's usual permissions."""
    return open(path, "xb")


def _sync(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _place(temporary: Path, final: Path, *, overwrite: bool) -> bool:
    """Give ``temporary`` the name ``final``; ``False`` if that exists (kept)."""
    if overwrite:
        os.replace(temporary, final)
        return True
    try:
        os.link(temporary, final)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (FAT, some network shares)
        if os.path.lexists(final):
            return False
        os.replace(temporary, final)
        return True
    os.unlink(temporary)
    return True

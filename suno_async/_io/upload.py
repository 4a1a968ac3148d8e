"""Uploads of a local file, bytes or a URL to the provider's file upload service.

:func:`upload_file` checks all it can before sending (the rules are in
:mod:`suno_async._core.uploads`), then makes **one** request through the
client's :class:`Transport`: the same key, error mapping and cap on the
answer's size as the API's calls.

* a path is opened (never blocking on a pipe), its size read from the open
  file and checked, and the file streamed from disk as a multipart form;
* bytes (``bytes``, ``bytearray``, ``memoryview``) are sent as they are,
  without a copy, as a multipart form;
* an http(s) URL is sent as JSON: the service fetches the file itself.

Nothing is retried: an upload that failed midway may have reached the
service, and a stream cannot be sent twice. Call again to retry (with the
same ``file_name`` to replace a copy that may have arrived).

The local file system's refusals (no such file, a folder, permission)
raise :class:`LocalFileError` (also an ``OSError``), naming the path; an
empty or too large source raises :class:`InvalidArgumentError`; in both
cases nothing is sent.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO, Final, TypeVar

from suno_async._core.errors import InvalidArgumentError, LocalFileError
from suno_async._core.uploads import (
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_UPLOAD_PATH,
    DEFAULT_UPLOAD_TIMEOUT,
    STREAM_UPLOAD_PATH,
    URL_UPLOAD_PATH,
    UploadedFile,
    UploadSource,
    check_file_name,
    check_limits,
    check_size,
    check_upload_path,
    decode_uploaded_file,
    default_file_name,
    media_type,
    source_kind,
    stream_upload_fields,
    url_file_name,
    url_upload_body,
)
from suno_async._io.http import Transport
from suno_async._io.multipart import upload_form

__all__ = ["upload_file"]

logger = logging.getLogger("suno_async")

#: Bytes read from a file's start to find its format when its name has none.
_HEAD_BYTES: Final = 16
_T = TypeVar("_T")


async def upload_file(
    transport: Transport,
    source: UploadSource,
    *,
    upload_base_url: str,
    upload_path: str = DEFAULT_UPLOAD_PATH,
    file_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    timeout: float = DEFAULT_UPLOAD_TIMEOUT,
) -> UploadedFile:
    """Upload ``source``; the service's :class:`UploadedFile`.

    ``upload_base_url`` is the upload service's (checked by the caller:
    :func:`~suno_async._core.uploads.resolve_upload_base_url`);
    ``upload_path`` its folder; ``file_name`` the name to keep there (by
    default the source's name with a random token added, so that uploads
    never replace each other); ``max_bytes`` caps a file or bytes (a URL's
    size is the service's to limit); ``timeout`` bounds the request in
    seconds, body included.
    """
    kind = source_kind(source)
    folder = check_upload_path(upload_path)
    name = None if file_name is None else check_file_name(file_name)
    check_limits(max_bytes, timeout)
    token = secrets.token_hex(4)
    if isinstance(source, str) and kind == "url":
        name = name or default_file_name(url_file_name(source), token=token)
        body = url_upload_body(source, upload_path=folder, file_name=name)
        data = await transport.request(
            "POST",
            URL_UPLOAD_PATH,
            json=body,
            base_url=upload_base_url,
            timeout=timeout,
        )
    elif isinstance(source, (bytes, bytearray, memoryview)):
        view = _byte_view(source)
        check_size(view.nbytes, max_bytes, "the data")
        name = name or default_file_name(
            None, token=token, head=bytes(view[:_HEAD_BYTES])
        )
        data = await _send(transport, upload_base_url, view, folder, name, timeout)
    else:
        shown = os.fsdecode(source)
        file, size = _local(shown, _open, source)
        with file:
            check_size(size, max_bytes, f"the file {shown}")
            if name is None:
                head = _local(shown, _head, file)
                name = default_file_name(
                    os.path.basename(shown), token=token, head=head
                )
            data = await _send(transport, upload_base_url, file, folder, name, timeout)
    uploaded = decode_uploaded_file(data)
    logger.debug(
        "uploaded %s as %s (%s bytes)", kind, uploaded.file_path, uploaded.size
    )
    return uploaded


async def _send(
    transport: Transport,
    upload_base_url: str,
    content: BinaryIO | memoryview,
    folder: str,
    name: str,
    timeout: float,
) -> object:
    form = upload_form(
        stream_upload_fields(upload_path=folder, file_name=name),
        content=content,
        file_name=name,
        content_type=media_type(name),
    )
    return await transport.request(
        "POST",
        STREAM_UPLOAD_PATH,
        data=form,
        base_url=upload_base_url,
        timeout=timeout,
    )


def _byte_view(source: bytes | bytearray | memoryview) -> memoryview:
    """``source`` as a flat view of bytes (no copy); one with gaps is refused."""
    view = memoryview(source)
    if not view.c_contiguous:
        raise InvalidArgumentError("a memoryview to upload must be contiguous")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def _local(shown: str, call: Callable[..., _T], *args: object) -> _T:
    """``call(*args)``, its ``OSError`` raised as :class:`LocalFileError`."""
    try:
        return call(*args)
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise LocalFileError(f"cannot upload {shown}: {reason}", error=exc) from exc


# Metadata calls (open, stat, a 16-byte read) run inline: they are quick next
# to the body, which aiohttp reads in worker threads.


def _open(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    """The regular file at ``path``, open for reading, and its size.

    Opened without blocking (a pipe would wait for a writer) and checked
    on the open file, so what is checked is what is sent.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder", os.fsdecode(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fsdecode(path))
        if nonblocking:  # pragma: no branch - Windows has no O_NONBLOCK
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def _head(file: BinaryIO) -> bytes:
    """The file's first bytes; the file is left at its start."""
    head = file.read(_HEAD_BYTES)
    file.seek(0)
    return head

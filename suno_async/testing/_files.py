"""Small stand-in media files for the simulator's track URLs, and their faults."""

from __future__ import annotations

import contextlib
import re
from typing import Final

from aiohttp import web

from suno_async.testing._faults import Fault
from suno_async.testing._respond import gateway_fault

__all__ = ["media_for", "placeholder_audio", "serve_media"]

_TRACK_ID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_MP3_HEADER: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00"
_MP3_FRAME: Final = b"\xff\xfb\x90\x64" + bytes(413)  # one silent 128 kbit/s frame
_JPEG: Final = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_CHUNK_BYTES: Final = 64 * 1024
_OTHER_MEDIA: Final = {
    ".wav": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    ".mp4": (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def placeholder_audio() -> bytes:
    """The stand-in MP3 of every track: an ID3 header and 8 silent frames."""
    return _MP3_HEADER + _MP3_FRAME * 8


def media_for(tail: str) -> tuple[str, bytes, str] | None:
    """``(track_id, body, content_type)`` for a ``/files/...`` path naming a track.

    Audio is a few silent MP3 frames; images a minimal JPEG header; ``.wav``,
    ``.mp4`` and ``.png`` files a header of their format and the id. Bodies
    are deterministic, so downloads can be compared byte for byte.
    """
    match = _TRACK_ID.search(tail)
    if match is None:
        return None
    if tail.endswith((".jpeg", ".jpg")):
        return match.group(), _JPEG + match.group().encode() + b"\xff\xd9", "image/jpeg"
    for extension, (head, content_type) in _OTHER_MEDIA.items():
        if tail.endswith(extension):
            return match.group(), head + match.group().encode(), content_type
    return match.group(), placeholder_audio(), "audio/mpeg"


async def serve_media(
    request: web.Request, body: bytes, content_type: str, fault: Fault | None
) -> tuple[web.StreamResponse, int | None]:
    """Send a media file, as a CDN would or as ``fault`` says; ``(answer, status)``.

    ``http``, ``reset`` and ``slow`` act as on API requests; ``truncated``
    announces the whole body, sends half and drops the connection;
    ``mislabeled`` changes the ``Content-Type``; ``resized`` cuts or pads
    the body with zeros to ``size_bytes`` and streams it without a length. Other
    kinds serve the file normally. The status is ``None`` after a reset.
    """
    early = await gateway_fault(request, fault)
    if early is not None:
        return early
    kind = None if fault is None else fault.kind
    if kind == "mislabeled":
        assert fault is not None
        headers = {"Content-Type": fault.content_type or ""}
        return web.Response(body=body, headers=headers), 200
    if kind == "resized":
        assert fault is not None
        return await _stream_padded(request, body, content_type, fault.size_bytes)
    if kind != "truncated":
        return web.Response(body=body, content_type=content_type), 200
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.abort()
    return response, 200


async def _stream_padded(
    request: web.Request, body: bytes, content_type: str, size_bytes: int
) -> tuple[web.StreamResponse, int]:
    """Exactly ``size_bytes`` bytes (the file, then zeros), chunked, no length."""
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.enable_chunked_encoding()
    await response.prepare(request)
    zeros = bytes(_CHUNK_BYTES)
    with contextlib.suppress(ConnectionResetError):  # the client may hang up
        head = body[:size_bytes]
        await response.write(head)
        remaining = size_bytes - len(head)
        while remaining > 0:
            await response.write(zeros[: min(remaining, _CHUNK_BYTES)])
            remaining -= _CHUNK_BYTES
        await response.write_eof()
    return response, 200

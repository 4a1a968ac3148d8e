"""Reading a body in bounded chunks, stopped by its decoded size."""

from __future__ import annotations

from typing import Final

import aiohttp

__all__ = ["READ_CHUNK_BYTES", "read_capped"]

#: The most a body is read by at a time, in decoded bytes.
READ_CHUNK_BYTES: Final = 64 * 1024


async def read_capped(
    stream: aiohttp.StreamReader, max_bytes: int
) -> tuple[bytes | None, int]:
    """Read ``stream`` to its end unless it passes ``max_bytes`` decoded bytes.

    Gives the body and the bytes read, or ``None`` and the bytes read once
    more than ``max_bytes`` arrived: reading stops there, having held at
    most ``max_bytes`` plus one :data:`READ_CHUNK_BYTES` chunk. aiohttp's
    streams (a client response's or a server request's ``content``) give
    the bytes decoded from their ``Content-Encoding``, so a small compressed
    body that inflates past the cap is stopped too. The caller closes the
    connection of a body left unread.
    """
    chunks: list[bytes] = []
    seen = 0
    while chunk := await stream.read(READ_CHUNK_BYTES):
        seen += len(chunk)
        if seen > max_bytes:
            return None, seen
        chunks.append(chunk)
    return b"".join(chunks), seen

"""Small stand-in media files for the simulator's track URLs."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["media_for"]

_TRACK_ID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_MP3_HEADER: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00"
_MP3_FRAME: Final = b"\xff\xfb\x90\x64" + bytes(413)  # one silent 128 kbit/s frame
_JPEG: Final = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def media_for(tail: str) -> tuple[str, bytes, str] | None:
    """``(track_id, body, content_type)`` for a ``/files/...`` path naming a track.

    Audio is a few silent MP3 frames; images a minimal JPEG header. Bodies
    are deterministic, so downloads can be compared byte for byte.
    """
    match = _TRACK_ID.search(tail)
    if match is None:
        return None
    if tail.endswith((".jpeg", ".jpg")):
        return match.group(), _JPEG + match.group().encode() + b"\xff\xd9", "image/jpeg"
    return match.group(), _MP3_HEADER + _MP3_FRAME * 8, "audio/mpeg"

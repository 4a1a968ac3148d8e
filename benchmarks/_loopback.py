"""A minimal HTTP/1.1 keep-alive responder on 127.0.0.1, for the cost-per-poll runs.

Every request gets the same realistic record-info answer: a finished two-track
task as the service sends it (``{code, msg, data}``, camelCase, ``param`` as
a JSON string, epoch-millisecond times). No routing, no parsing beyond the
end of the request head: its own cost must not blur the client's.

Run as ``python -m benchmarks._loopback``: it pins itself to the second core
(when there are two), prints ``{"port": N}`` and serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Final

from ._common import pin_to

__all__ = ["BODY", "TASK_ID", "record_body"]

TASK_ID: Final = "09c0edbd9dc50df9b6174a7b240bbcba"
_LYRICS: Final = (
    "[Verse]\nStreetlights hum a quiet tune\nPuddles hold a paper moon\n"
    "Every window tells a story\nEvery story ends too soon\n\n"
    "[Chorus]\nAnd I keep walking home\nWith the rain for company\n"
    "Every step a little slower\nEvery drop a memory"
)


def _track(track_id: str, duration: float) -> dict[str, object]:
    base = "https://cdn.example.com"
    return {
        "id": track_id,
        "audioUrl": f"{base}/{track_id}.mp3",
        "sourceAudioUrl": f"{base}/source/{track_id}.mp3",
        "streamAudioUrl": f"{base}/stream/{track_id}",
        "sourceStreamAudioUrl": f"{base}/source/stream/{track_id}",
        "imageUrl": f"{base}/image_{track_id}.jpeg",
        "sourceImageUrl": f"{base}/source/image_{track_id}.jpeg",
        "prompt": _LYRICS,
        "modelName": "chirp-auk",
        "title": "Rainy Memories",
        "tags": "classical, piano, calm",
        "createTime": 1776340151000,
        "duration": duration,
    }


def record_body() -> bytes:
    """The answer body: a SUCCESS record with two tracks (about 2.5 KB)."""
    param = {
        "callBackUrl": "https://example.com/suno-callback",
        "customMode": True,
        "instrumental": False,
        "model": "V4_5",
        "prompt": _LYRICS,
        "style": "Classical",
        "title": "Rainy Memories",
    }
    data = {
        "taskId": TASK_ID,
        "parentMusicId": "",
        "param": json.dumps(param, separators=(",", ":")),
        "response": {
            "taskId": TASK_ID,
            "sunoData": [
                _track("9efc99ed-dbfe-5b78-ade9-9801be299d0b", 198.44),
                _track("955518ed-f67d-515d-a918-85255eddb53f", 201.1),
            ],
        },
        "status": "SUCCESS",
        "type": "chirp-auk",
        "operationType": "generate",
        "errorCode": None,
        "errorMessage": None,
        "createTime": 1776340072000,
    }
    envelope = {"code": 200, "msg": "success", "data": data}
    return json.dumps(envelope, separators=(",", ":")).encode()


BODY: Final = record_body()
_RESPONSE: Final = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n" + BODY
)


class _Responder(asyncio.Protocol):
    """Answers each complete request head with the canned response."""

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        answers = self._buffer.count(b"\r\n\r\n")  # GETs: a request is its head
        if answers and self._transport is not None:
            self._buffer = self._buffer[self._buffer.rindex(b"\r\n\r\n") + 4 :]
            self._transport.write(_RESPONSE * answers)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Responder, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    # Serve until the parent closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main() -> None:
    pin_to(1)
    asyncio.run(_serve())


if __name__ == "__main__":
    main()

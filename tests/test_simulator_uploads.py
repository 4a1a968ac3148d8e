"""FakeSunoServer's file-upload service: stream, URL and base64 uploads, served back."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async.testing import FakeSunoServer, Fault, ReceivedUpload, VirtualClock
from suno_async.testing._files import placeholder_audio

AUTH = {"Authorization": "Bearer test-key"}
SONG = b"ID3 not really an mp3" * 10
UPLOADED_AT = "2026-04-16T11:47:52.000Z"
BIG = base64.b64encode(bytes(1001)).decode()
NOT_URL = "must be an http(s) URL, not 'x'"
NOT_B64 = "is not valid base64"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
async def server(clock: VirtualClock) -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(
        clock=clock.now, start_epoch_s=1_776_340_072.0, upload_limit_bytes=1000
    ) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


def form(data: bytes = SONG, **fields: str) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename="song.mp3", content_type="audio/mpeg")
    for name, value in {"uploadPath": "suno/in", **fields}.items():
        body.add_field(name, value)
    return body


async def upload(
    http: aiohttp.ClientSession, server: FakeSunoServer, how: str, body: object
) -> Any:
    url = f"{server.upload_url}/api/file-{how}-upload"
    sent = {"data": body} if isinstance(body, aiohttp.FormData) else {"json": body}
    async with http.post(url, **sent) as response:  # type: ignore[arg-type]
        assert response.status == 200
        return await response.json()


async def download(url: str) -> tuple[str, bytes]:
    async with aiohttp.ClientSession() as cdn, cdn.get(url) as response:
        assert response.status == 200
        return response.content_type, await response.read()


def refused(code: int, msg: str) -> dict[str, Any]:
    return {"success": False, "code": code, "msg": msg, "data": None}


async def test_a_streamed_file_is_answered_and_served_back(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    body = await upload(http, server, "stream", form())
    (kept,) = server.uploads()
    assert body == {
        "success": True,
        "code": 200,
        "msg": "File uploaded successfully",
        "data": {
            "fileName": "song.mp3",
            "filePath": "suno/in/song.mp3",
            "downloadUrl": kept.download_url,
            "fileSize": len(SONG),
            "mimeType": "audio/mpeg",
            "uploadedAt": UPLOADED_AT,
        },
    }
    assert kept.download_url.startswith(f"{server.url}/files/uploads/")
    assert (kept.method, kept.data, kept.size_bytes) == ("stream", SONG, len(SONG))
    assert await download(kept.download_url) == ("audio/mpeg", SONG)


async def test_a_file_name_field_renames_the_upload(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    body = await upload(http, server, "stream", form(fileName="take 2.wav"))
    assert (body["data"]["fileName"], body["data"]["filePath"]) == (
        "take 2.wav",
        "suno/in/take 2.wav",
    )
    assert body["data"]["downloadUrl"].endswith("/take%202.wav")
    assert (await download(body["data"]["downloadUrl"]))[1] == SONG


@pytest.mark.parametrize(
    ("encoded", "name", "mime"),
    [
        (base64.b64encode(SONG).decode(), "upload.bin", "application/octet-stream"),
        (
            "data:audio/wav;base64," + base64.b64encode(SONG).decode(),
            "upload.wav",
            "audio/wav",
        ),
    ],
)
async def test_base64_data_plain_or_as_a_data_url(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    encoded: str,
    name: str,
    mime: str,
) -> None:
    body = await upload(
        http, server, "base64", {"base64Data": encoded, "uploadPath": "in"}
    )
    assert (body["data"]["fileName"], body["data"]["mimeType"]) == (name, mime)
    assert await download(body["data"]["downloadUrl"]) == (mime, SONG)


async def test_a_url_upload_of_the_servers_own_file_copies_it(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    first = (await upload(http, server, "stream", form()))["data"]["downloadUrl"]
    ask = {"fileUrl": first, "uploadPath": "copies", "fileName": "copy.mp3"}
    body = await upload(http, server, "url", ask)
    assert await download(body["data"]["downloadUrl"]) == ("audio/mpeg", SONG)
    assert server.uploads()[1].source_url == first


async def test_a_foreign_url_is_not_fetched_a_silent_mp3_stands_in(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    server.upload_limit_bytes = 10_000  # the stand-in is 3346 bytes
    ask = {"fileUrl": "https://cdn.example/a/track.mp3", "uploadPath": "in"}
    body = await upload(http, server, "url", ask)
    assert (body["data"]["fileName"], body["data"]["mimeType"]) == (
        "track.mp3",
        "audio/mpeg",
    )
    assert server.uploads()[0].data == placeholder_audio()


async def test_a_missing_own_file_cannot_be_fetched(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    ask = {"fileUrl": f"{server.url}/files/uploads/nope/x.mp3", "uploadPath": "in"}
    body = await upload(http, server, "url", ask)
    assert body == refused(451, "Failed to download the file from fileUrl")


@pytest.mark.parametrize(
    ("how", "body", "msg"),
    [
        ("url", {"fileUrl": "https://x.example/a.mp3"}, "uploadPath is required"),
        ("url", {"fileUrl": "x", "uploadPath": "in"}, "fileUrl " + NOT_URL),
        ("url", [1], "The request body must be a JSON object"),
        ("base64", {"uploadPath": "in"}, "base64Data is required"),
        ("base64", {"base64Data": "*", "uploadPath": "in"}, "base64Data " + NOT_B64),
    ],
)  # fmt: skip
async def test_a_bad_json_upload_gets_400(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    how: str,
    body: object,
    msg: str,
) -> None:
    assert await upload(http, server, how, body) == refused(400, msg)
    assert server.uploads() == ()


async def test_a_stream_upload_needs_a_file_and_a_path(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    no_file = aiohttp.FormData(default_to_multipart=True)
    no_file.add_field("uploadPath", "in")
    no_path = aiohttp.FormData()
    no_path.add_field("file", SONG, filename="a.mp3")
    async with http.post(
        f"{server.upload_url}/api/file-stream-upload", data=b"x"
    ) as response:
        not_multipart = await response.json()
    assert await upload(http, server, "stream", no_file) == refused(
        400, "file is required"
    )
    assert await upload(http, server, "stream", no_path) == refused(
        400, "uploadPath is required"
    )
    assert not_multipart == refused(400, "The body must be multipart/form-data")


async def test_an_upload_body_that_is_not_json_gets_400(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    url = f"{server.upload_url}/api/file-url-upload"
    async with http.post(url, data=b"{") as response:
        body = await response.json()
    assert body == refused(400, "Invalid JSON in the request body")


async def test_a_malformed_multipart_body_gets_400(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=xyz"}
    async with http.post(
        f"{server.upload_url}/api/file-stream-upload", data=b"junk", headers=headers
    ) as response:
        body = await response.json()
    assert body == refused(400, "The multipart body is malformed")


async def test_nested_parts_are_skipped(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    with aiohttp.MultipartWriter("form-data") as outer:
        inner = aiohttp.MultipartWriter("mixed")
        inner.append("ignored")
        outer.append(inner)
        part = outer.append("in")
        part.set_content_disposition("form-data", name="uploadPath")
        part = outer.append(SONG, {"Content-Type": "audio/mpeg"})
        part.set_content_disposition("form-data", name="file", filename="a.mp3")
    async with http.post(
        f"{server.upload_url}/api/file-stream-upload", data=outer
    ) as response:
        body = await response.json()
    assert (body["data"]["filePath"], server.uploads()[0].data) == ("in/a.mp3", SONG)


@pytest.mark.parametrize(
    ("how", "body"),
    [
        ("stream", "form"),
        ("base64", {"base64Data": BIG, "uploadPath": "in"}),
        ("base64", {"base64Data": "A" * 2000, "uploadPath": "in"}),
        ("url", {"fileUrl": "https://x.example/a.mp3", "uploadPath": "x" * 70_000}),
    ],
)  # fmt: skip
async def test_a_file_over_the_limit_gets_413(
    server: FakeSunoServer, http: aiohttp.ClientSession, how: str, body: object
) -> None:
    sent = form(bytes(1001)) if body == "form" else body
    answer = await upload(http, server, how, sent)
    assert answer == refused(413, "File too large: the limit is 1000 bytes")
    assert server.uploads() == ()


async def test_uploads_need_the_key(server: FakeSunoServer) -> None:
    async with aiohttp.ClientSession() as anonymous:
        body = await upload(anonymous, server, "stream", form())
    assert (body["success"], body["code"], server.uploads()) == (False, 401, ())


async def test_uploads_are_logged_and_take_faults(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    server.fault_rate(Fault.body_code(455), 1.0)
    body = await upload(http, server, "stream", form())
    assert (body["success"], body["code"]) == (False, 455)
    (logged,) = server.requests()
    assert (logged.path, logged.code) == ("/file-upload/api/file-stream-upload", 455)


def test_an_uploaded_file_hides_its_bytes_in_its_repr() -> None:
    kept = ReceivedUpload(
        method="base64",
        file_name="a.mp3",
        file_path="in/a.mp3",
        download_url="http://127.0.0.1/files/uploads/x/a.mp3",
        mime_type="audio/mpeg",
        uploaded_at=UPLOADED_AT,
        data=SONG,
    )
    assert "data=" not in repr(kept)
    assert kept.size_bytes == len(SONG)

"""File uploads: what reaches the upload service, what is refused first, the answer."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import sys
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from suno_async import (
    APIKLEY,
    KIE,
    SUNOAPI,
    APIError,
    AuthenticationError,
    ConfigurationError,
    DecodeError,
    InvalidArgumentError,
    InvalidRequestError,
    Provider,
    ServerError,
)
from suno_async._core.errors import LocalFileError
from suno_async._core.request_bodies import url_problem
from suno_async._core.uploads import (
    DEFAULT_MAX_UPLOAD_BYTES,
    UploadedFile,
    check_file_name,
    check_upload_path,
    decode_uploaded_file,
    default_file_name,
    media_type,
    resolve_upload_base_url,
    sniff_extension,
    source_kind,
)
from suno_async._io.http import Transport
from suno_async._io.upload import upload_file

KEY = "sk-test-SECRET-0123456789"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40
UPLOADED_AT = "2025-01-01T12:00:00.000Z"
#: A name made by default_file_name: the stem, a token of 8 hex digits, the extension.
TOKEN = "[0-9a-f]{8}"


# --- a small upload service on 127.0.0.1 ----------------------------------------------


@attrs.define
class Received:
    """One request as the service saw it; a file part's bytes as size and digest."""

    path: str
    authorization: str | None
    content_type: str
    content_length: int | None
    fields: dict[str, str] = attrs.Factory(dict)
    file_name: str | None = None
    file_type: str | None = None
    file_size: int = 0
    file_sha256: str | None = None
    json: Any = None


def success(fields: dict[str, str], size: int) -> dict[str, Any]:
    """The service's answer to an upload of ``size`` bytes named by ``fields``."""
    name = fields["fileName"]
    path = f"{fields['uploadPath']}/{name}"
    return {
        "success": True,
        "code": 200,
        "msg": "File uploaded successfully",
        "data": {
            "fileName": name,
            "filePath": path,
            "downloadUrl": f"https://tempfile.redpandaai.co/xxx/{path}",
            "fileSize": size,
            "mimeType": "audio/mpeg",
            "uploadedAt": UPLOADED_AT,
        },
    }


class UploadService:
    """Records each request; answers with ``answers`` in turn, then successes."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[web.Response] = []
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_post("/file-upload/api/file-stream-upload", self.stream)
        self.app.router.add_post("/file-upload/api/file-url-upload", self.url)

    def _received(self, request: web.Request) -> Received:
        received = Received(
            path=request.path,
            authorization=request.headers.get("Authorization"),
            content_type=request.content_type,
            content_length=request.content_length,
        )
        self.received.append(received)
        return received

    def _answer(self, body: dict[str, Any]) -> web.Response:
        return self.answers.pop(0) if self.answers else web.json_response(body)

    async def stream(self, request: web.Request) -> web.Response:
        received = self._received(request)
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert not isinstance(part, type(reader))
            if part.filename is None:
                received.fields[str(part.name)] = await part.text()
                continue
            received.fields[str(part.name)] = "<file>"
            received.file_name = part.filename
            received.file_type = part.headers.get("Content-Type")
            digest = hashlib.sha256()
            while chunk := await part.read_chunk():
                received.file_size += len(chunk)
                digest.update(chunk)
            received.file_sha256 = digest.hexdigest()
        return self._answer(success(received.fields, received.file_size))

    async def url(self, request: web.Request) -> web.Response:
        received = self._received(request)
        received.json = await request.json()
        return self._answer(success(received.json, 4242))


@pytest.fixture
def service() -> UploadService:
    return UploadService()


@pytest.fixture
async def upload(
    service: UploadService,
) -> AsyncIterator[Callable[..., Any]]:
    """``upload(source, **options)``: upload_file through a transport of its own."""
    async with TestServer(service.app, host="127.0.0.1") as server:
        base = str(server.make_url("")).rstrip("/")
        transport = Transport(
            api_key=KEY,
            provider=APIKLEY,
            base_url=base,
            session=None,
            request_timeout=5.0,
            max_connections=4,
        )

        async def call(source: Any, **options: Any) -> UploadedFile:
            options.setdefault("upload_base_url", base + "/file-upload")
            options.setdefault("timeout", 10.0)
            return await upload_file(transport, source, **options)

        try:
            yield call
        finally:
            await transport.aclose()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def uploaded(name: str, size: int, upload_path: str = "suno-async") -> UploadedFile:
    """The UploadedFile that ``success`` answers with."""
    answer = success({"fileName": name, "uploadPath": upload_path}, size)
    return UploadedFile(
        download_url=answer["data"]["downloadUrl"],
        file_name=name,
        file_path=f"{upload_path}/{name}",
        size=size,
        mime_type="audio/mpeg",
        uploaded_at=datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc),
        raw=answer["data"],
    )


# --- what reaches the service ---------------------------------------------------------


async def test_a_path_is_sent_as_a_multipart_form(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """A local file goes to file-stream-upload: key, fields first, then the file."""
    song = tmp_path / "My Song.mp3"
    song.write_bytes(MP3)
    result = await upload(song)
    [received] = service.received
    name = received.fields["fileName"]
    assert re.fullmatch(f"My_Song-{TOKEN}.mp3", name)
    assert received == Received(
        path="/file-upload/api/file-stream-upload",
        authorization=f"Bearer {KEY}",
        content_type="multipart/form-data",
        content_length=received.content_length,
        fields={"uploadPath": "suno-async", "fileName": name, "file": "<file>"},
        file_name=name,
        file_type="audio/mpeg",
        file_size=len(MP3),
        file_sha256=sha256(MP3),
    )
    assert result == uploaded(name, len(MP3))


async def test_a_file_keeps_the_name_given(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """An explicit file_name replaces the file's own, token and all."""
    song = tmp_path / "song.mp3"
    song.write_bytes(MP3)
    result = await upload(song, file_name="cover-source.mp3")
    assert service.received[0].fields["fileName"] == "cover-source.mp3"
    assert result == uploaded("cover-source.mp3", len(MP3))


async def test_a_file_is_sent_with_its_length(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """The form's size is known up front: a Content-Length, no chunked encoding."""
    song = tmp_path / "song.mp3"
    song.write_bytes(MP3)
    await upload(song)
    length = service.received[0].content_length
    assert length is not None
    assert len(MP3) < length < len(MP3) + 1024


async def test_a_large_file_is_streamed_from_disk(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """A 16 MiB file is sent whole while under 2 MiB is ever allocated at once."""
    size = 16 * 1024 * 1024
    song = tmp_path / "big.wav"
    with song.open("wb") as file:
        for _ in range(size // len(MP3) + 1):
            file.write(MP3)
        file.truncate(size)
    tracemalloc.start()
    try:
        await upload(song)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert service.received[0].file_size == size
    assert peak < 2 * 1024 * 1024


async def test_bytes_are_sent_as_a_file_named_by_their_format(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """Bytes become the file part; without a name, their format gives the extension."""
    result = await upload(MP3)
    [received] = service.received
    name = received.fields["fileName"]
    assert re.fullmatch(f"upload-{TOKEN}.mp3", name)
    assert (received.file_name, received.file_type) == (name, "audio/mpeg")
    assert (received.file_size, received.file_sha256) == (len(MP3), sha256(MP3))
    assert result == uploaded(name, len(MP3))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(bytearray(MP3), id="bytearray"),
        pytest.param(memoryview(MP3), id="memoryview"),
        pytest.param(memoryview(MP3).cast("H"), id="memoryview-of-shorts"),
    ],
)
async def test_any_bytes_like_source_sends_its_bytes(
    upload: Callable[..., Any], service: UploadService, source: Any
) -> None:
    """bytearray and memoryview (of any item size) send exactly their bytes."""
    await upload(source, file_name="a.mp3")
    assert (service.received[0].file_size, service.received[0].file_sha256) == (
        len(MP3),
        sha256(MP3),
    )


async def test_a_memoryview_with_gaps_is_refused_unsent(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """A strided view has no bytes to send as they are."""
    with pytest.raises(InvalidArgumentError) as info:
        await upload(memoryview(MP3)[::2])
    assert str(info.value) == "a memoryview to upload must be contiguous"
    assert service.received == []


async def test_the_named_folder_and_file_name_are_sent(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """upload_path (surrounding slashes dropped) and file_name go as given."""
    result = await upload(MP3, upload_path="/covers/in/", file_name="песня 1.mp3")
    assert service.received[0].fields == {
        "uploadPath": "covers/in",
        "fileName": "песня 1.mp3",
        "file": "<file>",
    }
    assert (result.file_path, result.download_url) == (
        "covers/in/песня 1.mp3",
        "https://tempfile.redpandaai.co/xxx/covers/in/"
        "%D0%BF%D0%B5%D1%81%D0%BD%D1%8F%201.mp3",
    )


async def test_a_url_is_sent_for_the_service_to_fetch(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """An http(s) URL goes to file-url-upload as JSON, named after its last segment."""
    result = await upload("https://cdn.example/audio/track.MP3?sig=1")
    [received] = service.received
    name = received.json["fileName"]
    assert re.fullmatch(f"track-{TOKEN}.mp3", name)
    assert received == Received(
        path="/file-upload/api/file-url-upload",
        authorization=f"Bearer {KEY}",
        content_type="application/json",
        content_length=received.content_length,
        json={
            "fileUrl": "https://cdn.example/audio/track.MP3?sig=1",
            "uploadPath": "suno-async",
            "fileName": name,
        },
    )
    assert result == uploaded(name, 4242)


# --- refused before sending -----------------------------------------------------------


async def test_a_file_over_max_bytes_is_refused_unsent(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """The file's size is checked against max_bytes before any request."""
    song = tmp_path / "song.mp3"
    song.write_bytes(MP3)
    with pytest.raises(InvalidArgumentError) as info:
        await upload(song, max_bytes=1000)
    assert str(info.value) == (
        f"the file {song} is {len(MP3)} bytes, over the upload limit of 1000 bytes "
        "(max_bytes)"
    )
    assert service.received == []


async def test_bytes_over_max_bytes_are_refused_unsent(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """Bytes longer than max_bytes are refused before any request."""
    with pytest.raises(InvalidArgumentError) as info:
        await upload(MP3, max_bytes=len(MP3) - 1)
    assert str(info.value) == (
        f"the data is {len(MP3)} bytes, over the upload limit of "
        f"{len(MP3) - 1} bytes (max_bytes)"
    )
    assert service.received == []


async def test_an_empty_file_is_refused_unsent(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """An empty file has nothing to upload."""
    empty = tmp_path / "empty.mp3"
    empty.touch()
    with pytest.raises(InvalidArgumentError) as info:
        await upload(empty)
    assert str(info.value) == f"the file {empty} is empty: there is nothing to upload"
    assert service.received == []


async def test_empty_bytes_are_refused_unsent(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """Empty bytes have nothing to upload."""
    with pytest.raises(InvalidArgumentError, match=r"^the data is empty"):
        await upload(b"")
    assert service.received == []


async def test_a_missing_file_is_a_local_file_error(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """A path to nothing raises LocalFileError (an OSError) naming it; nothing sent."""
    missing = tmp_path / "missing.mp3"
    with pytest.raises(LocalFileError) as info:
        await upload(str(missing))
    error = info.value
    assert (str(error), error.errno, error.filename) == (
        f"cannot upload {missing}: No such file or directory",
        errno.ENOENT,
        str(missing),
    )
    assert isinstance(error.__cause__, FileNotFoundError)
    assert service.received == []


async def test_a_folder_is_a_local_file_error(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """A folder is no file to upload."""
    with pytest.raises(LocalFileError) as info:
        await upload(tmp_path)
    assert (str(info.value), info.value.errno) == (
        f"cannot upload {tmp_path}: it is a folder",
        errno.EISDIR,
    )
    assert service.received == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
async def test_a_pipe_is_refused_without_waiting_for_a_writer(
    upload: Callable[..., Any], service: UploadService, tmp_path: Path
) -> None:
    """A named pipe is not opened for good (that would wait for a writer)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(LocalFileError) as info:
        await upload(pipe)
    assert (str(info.value), info.value.errno) == (
        f"cannot upload {pipe}: not a regular file",
        errno.EINVAL,
    )
    assert service.received == []


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything"
)
async def test_an_unreadable_file_is_a_local_file_error(
    upload: Callable[..., Any], tmp_path: Path
) -> None:  # pragma: no cover - the suite often runs as root
    """A file the process may not read raises LocalFileError (permission)."""
    song = tmp_path / "song.mp3"
    song.write_bytes(MP3)
    song.chmod(0)
    with pytest.raises(LocalFileError) as info:
        await upload(song)
    assert info.value.errno == errno.EACCES


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            42, "source must be a path, bytes or an http(s) URL, not int", id="int"
        ),
        pytest.param(
            None,
            "source must be a path, bytes or an http(s) URL, not NoneType",
            id="none",
        ),
        pytest.param("", "source is an empty string", id="empty"),
        pytest.param(
            "https://", "source must be an http(s) URL, not 'https://'", id="no-host"
        ),
        pytest.param(
            "http://a b.example/x.mp3",
            "source must be an http(s) URL, not 'http://a b.example/x.mp3'",
            id="space",
        ),
    ],
)
async def test_a_bad_source_is_refused_unsent(
    upload: Callable[..., Any], service: UploadService, source: Any, message: str
) -> None:
    """Other types, empty strings and broken URLs are refused before sending."""
    with pytest.raises(InvalidArgumentError) as info:
        await upload(source)
    assert str(info.value) == message
    assert service.received == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"max_bytes": 0},
            "max_bytes must be a positive whole number of bytes, not 0",
            id="max-bytes-0",
        ),
        pytest.param(
            {"max_bytes": 1.5},
            "max_bytes must be a positive whole number of bytes, not 1.5",
            id="max-bytes-float",
        ),
        pytest.param(
            {"timeout": 0},
            "timeout must be a positive number of seconds, not 0",
            id="timeout-0",
        ),
        pytest.param(
            {"timeout": float("inf")},
            "timeout must be a positive number of seconds, not inf",
            id="timeout-inf",
        ),
        pytest.param(
            {"upload_path": "a/../b"},
            "upload_path must be folder names separated by '/' (none empty, '.' or "
            "'..'; no backslash or control character; at most 200 characters), "
            "not 'a/../b'",
            id="dot-dot",
        ),
        pytest.param(
            {"file_name": "a/b.mp3"},
            "file_name must be one file name (no '/' or '\\', no control character "
            "or surrounding space, at most 255 bytes), not 'a/b.mp3'",
            id="slash",
        ),
    ],
)
async def test_bad_options_are_refused_unsent(
    upload: Callable[..., Any],
    service: UploadService,
    options: dict[str, Any],
    message: str,
) -> None:
    """Impossible limits, folders and names are refused before sending."""
    with pytest.raises(InvalidArgumentError) as info:
        await upload(MP3, **options)
    assert str(info.value) == message
    assert service.received == []


def test_the_default_limit_is_100_mib() -> None:
    """Files up to 100 MiB are sent unless max_bytes says otherwise."""
    assert DEFAULT_MAX_UPLOAD_BYTES == 100 * 1024 * 1024


# --- the service's answers ------------------------------------------------------------


def answer(body: Any, status: int = 200) -> web.Response:
    if isinstance(body, (bytes, str)):
        return web.Response(body=body, status=status, content_type="text/html")
    return web.json_response(body, status=status)


@pytest.mark.parametrize(
    ("response", "error_type", "text", "http_status"),
    [
        pytest.param(
            answer({"code": 401, "msg": "bad key"}),
            AuthenticationError,
            "[401] bad key",
            200,
            id="body-401",
        ),
        pytest.param(
            answer("<h1>413 Request Entity Too Large</h1>", status=413),
            InvalidRequestError,
            # the server's reason phrase: "Content Too Large" from Python 3.13
            f"[413] HTTP 413 {HTTPStatus(413).phrase}: "
            "<h1>413 Request Entity Too Large</h1>",
            413,
            id="http-413",
        ),
        pytest.param(
            answer({"code": 400, "msg": "uploadPath is required"}, status=400),
            InvalidRequestError,
            "[400] uploadPath is required",
            400,
            id="body-400",
        ),
        pytest.param(
            answer({"code": 500, "msg": "storage failed"}),
            ServerError,
            "[500] storage failed",
            200,
            id="body-500",
        ),
        pytest.param(
            answer({"success": False, "code": 200, "msg": "quota exceeded"}),
            APIError,
            "[200] quota exceeded (success: false)",
            200,
            id="success-false",
        ),
    ],
)
async def test_error_answers_raise_the_mapped_error(
    upload: Callable[..., Any],
    service: UploadService,
    response: web.Response,
    error_type: type[APIError],
    text: str,
    http_status: int,
) -> None:
    """Body codes and HTTP statuses map as for the API's calls."""
    service.answers.append(response)
    with pytest.raises(APIError) as info:
        await upload(MP3)
    assert (type(info.value), str(info.value), info.value.http_status) == (
        error_type,
        text,
        http_status,
    )


async def test_an_upload_is_never_retried(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """A transient failure is raised after one request: the caller decides."""
    service.answers.append(answer({"code": 500, "msg": "busy"}))
    with pytest.raises(ServerError):
        await upload(MP3)
    assert len(service.received) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"<html>oops</html>", "HTTP 200 body is not JSON", id="html"),
        pytest.param(
            {"success": True, "code": 200, "msg": "ok", "data": None},
            "the upload answer's data is a NoneType",
            id="no-data",
        ),
        pytest.param(
            {"code": 200, "msg": "ok", "data": {"fileName": "a.mp3"}},
            "the upload answer has no downloadUrl",
            id="no-download-url",
        ),
        pytest.param(
            {"code": 200, "data": {"downloadUrl": "/files/a.mp3"}},
            "the upload answer's downloadUrl is not an http(s) URL",
            id="relative-download-url",
        ),
        pytest.param(
            {"code": 200, "data": {"downloadUrl": "https://[ bad"}},
            "the upload answer's downloadUrl is not an http(s) URL",
            id="unparsable-download-url",
        ),
    ],
)
async def test_a_malformed_answer_is_a_decode_error(
    upload: Callable[..., Any], service: UploadService, body: Any, message: str
) -> None:
    """A success answer without a usable downloadUrl is a DecodeError."""
    service.answers.append(answer(body))
    with pytest.raises(DecodeError) as info:
        await upload(MP3)
    assert str(info.value) == message


async def test_the_key_never_reaches_an_error(
    upload: Callable[..., Any], service: UploadService
) -> None:
    """A refusal that echoes the key is redacted, success: false included."""
    service.answers.append(answer({"success": False, "code": 200, "msg": f"k={KEY}"}))
    with pytest.raises(APIError) as info:
        await upload(MP3)
    assert str(info.value) == "[200] k=[redacted] (success: false)"


# --- where the upload service is ------------------------------------------------------

CUSTOM = Provider(
    name="custom",
    base_url="https://api.custom.example",
    credits_path="/credit",
    rate_limit_code=429,
    codes={},
)


@pytest.mark.parametrize(
    ("provider", "base_url", "explicit", "expected"),
    [
        pytest.param(
            APIKLEY,
            "https://api.apikley.ru",
            None,
            "https://api.apikley.ru/file-upload",
            id="apikley",
        ),
        pytest.param(
            KIE, "https://api.kie.ai/", None, "https://kieai.redpandaai.co", id="kie"
        ),
        pytest.param(
            SUNOAPI,
            "https://api.sunoapi.org",
            None,
            "https://sunoapiorg.redpandaai.co",
            id="sunoapi",
        ),
        pytest.param(
            KIE,
            "http://127.0.0.1:8080/",
            None,
            "http://127.0.0.1:8080/file-upload",
            id="simulator",
        ),
        pytest.param(
            SUNOAPI,
            "https://proxy.example/suno",
            None,
            "https://proxy.example/suno/file-upload",
            id="proxy",
        ),
        pytest.param(
            CUSTOM,
            "https://api.custom.example",
            None,
            "https://api.custom.example/file-upload",
            id="provider-without-upload-service",
        ),
        pytest.param(
            KIE,
            "http://127.0.0.1:8080",
            "https://uploads.example/",
            "https://uploads.example",
            id="explicit-wins",
        ),
    ],
)
def test_the_upload_base_url(
    provider: Provider, base_url: str, explicit: str | None, expected: str
) -> None:
    """Explicit, else the provider's own for its base URL, else base + /file-upload."""
    assert resolve_upload_base_url(provider, base_url, explicit) == expected


@pytest.mark.parametrize(
    ("base_url", "explicit", "message"),
    [
        pytest.param(
            "https://api.apikley.ru",
            "http://uploads.example",
            "upload_base_url must use https unless it points at a loopback address "
            "(127.0.0.0/8, ::1, localhost), not 'http://uploads.example'",
            id="explicit-http",
        ),
        pytest.param(
            "http://api.example",
            None,
            "base_url must use https unless it points at a loopback address "
            "(127.0.0.0/8, ::1, localhost), not 'http://api.example'",
            id="base-http",
        ),
    ],
)
def test_an_upload_base_url_must_be_https_unless_loopback(
    base_url: str, explicit: str | None, message: str
) -> None:
    """The client's base_url rule holds for the upload service too."""
    with pytest.raises(ConfigurationError) as info:
        resolve_upload_base_url(APIKLEY, base_url, explicit)
    assert str(info.value) == message


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "head", "expected"),
    [
        pytest.param("/music/My Song (1).MP3", b"", "My_Song_1-t.mp3", id="path"),
        pytest.param("C:\\music\\take.wav", b"", "take-t.wav", id="windows-path"),
        pytest.param("noext", b"fLaC\x00", "noext-t.flac", id="sniffed"),
        pytest.param("песня.ogg", b"", "upload-t.ogg", id="no-ascii-left"),
        pytest.param(None, b"", "upload-t", id="nothing-known"),
        pytest.param("a.b c", b"OggS", "a_b_c-t.ogg", id="not-an-extension"),
    ],
)
def test_default_file_name(hint: str | None, head: bytes, expected: str) -> None:
    """The source's ASCII stem, a token, and its (or its format's) extension."""
    assert default_file_name(hint, token="t", head=head) == expected


@pytest.mark.parametrize(
    ("head", "extension"),
    [
        pytest.param(b"ID3\x04", ".mp3", id="id3"),
        pytest.param(b"\xff\xfb\x90\x00", ".mp3", id="mpeg-frame"),
        pytest.param(b"RIFF\x00\x00\x00\x00WAVEfmt ", ".wav", id="wav"),
        pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 ", ".webp", id="webp"),
        pytest.param(b"\x00\x00\x00\x20ftypM4A \x00", ".m4a", id="m4a"),
        pytest.param(b"\x00\x00\x00\x20ftypisom\x00", ".mp4", id="mp4"),
        pytest.param(b"fLaC", ".flac", id="flac"),
        pytest.param(b"OggS", ".ogg", id="ogg"),
        pytest.param(b"\x1aE\xdf\xa3", ".webm", id="webm"),
        pytest.param(b"\x89PNG\r\n\x1a\n", ".png", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0", ".jpg", id="jpeg"),
        pytest.param(b"hello", "", id="unknown"),
    ],
)
def test_sniff_extension(head: bytes, extension: str) -> None:
    """Common audio and image formats are told by their first bytes."""
    assert sniff_extension(head) == extension


def test_media_type_follows_the_extension() -> None:
    """Known extensions give their media type, others octet-stream."""
    assert [media_type(n) for n in ("a.MP3", "b.m4a", "c.xyz", "d")] == [
        "audio/mpeg",
        "audio/mp4",
        "application/octet-stream",
        "application/octet-stream",
    ]


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        pytest.param("song.mp3", "path", id="relative-path"),
        pytest.param("HTTPS://cdn.example/a.mp3", "url", id="url-any-case"),
        pytest.param("ftp://cdn.example/a.mp3", "path", id="other-scheme-is-a-path"),
        pytest.param(Path("song.mp3"), "path", id="pathlike"),
        pytest.param(b"x", "bytes", id="bytes"),
    ],
)
def test_source_kind(source: Any, kind: str) -> None:
    """A str is a URL when it starts with http(s)://, else a path."""
    assert source_kind(source) == kind


@pytest.mark.parametrize(
    "upload_path",
    ["", "/", "a//b", "./a", "a\\b", "a/\x00", "x" * 201, " /a", 3],
)
def test_check_upload_path_refuses(upload_path: Any) -> None:
    """Empty, relative or control-character folders are refused."""
    with pytest.raises(InvalidArgumentError, match=r"^upload_path must be"):
        check_upload_path(upload_path)


@pytest.mark.parametrize(
    "file_name", ["", ".", "..", " a.mp3", "a\nb", "a\\b", "é" * 128, None]
)
def test_check_file_name_refuses(file_name: Any) -> None:
    """Names that are paths, blank, padded or too long in UTF-8 are refused."""
    with pytest.raises(InvalidArgumentError, match=r"^file_name must be"):
        check_file_name(file_name)


# --- decoding the answer --------------------------------------------------------------

URL = "https://tempfile.redpandaai.co/xxx/a.mp3"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        pytest.param("size", 154832, 154832, id="size-int"),
        pytest.param("size", "154832", 154832, id="size-string"),
        pytest.param("size", 154832.0, 154832, id="size-float"),
        pytest.param("size", -1, None, id="size-negative"),
        pytest.param("size", True, None, id="size-bool"),
        pytest.param("size", "1" * 30, None, id="size-huge-string"),
        pytest.param("size", "12 KB", None, id="size-words"),
        pytest.param(
            "uploaded_at",
            1735732800000,
            datetime(2025, 1, 1, 12, tzinfo=timezone.utc),
            id="time-epoch-ms",
        ),
        pytest.param("uploaded_at", "soon", None, id="time-words"),
        pytest.param("mime_type", "  ", None, id="blank-type"),
        pytest.param("file_name", 7, None, id="name-number"),
        pytest.param(
            "download_url",
            "https://cdn.example/my song.mp3",
            "https://cdn.example/my%20song.mp3",
            id="url-with-a-space",
        ),
    ],
)
def test_fields_are_read_tolerantly(field: str, value: Any, expected: Any) -> None:
    """An odd optional field becomes None (or its value), never a failure."""
    wire = {
        "size": "fileSize",
        "uploaded_at": "uploadedAt",
        "mime_type": "mimeType",
        "file_name": "fileName",
        "download_url": "downloadUrl",
    }[field]
    decoded = decode_uploaded_file({"downloadUrl": f" {URL} ", wire: value})
    assert attrs.asdict(decoded) == {
        "download_url": URL,
        "file_name": None,
        "file_path": None,
        "size": None,
        "mime_type": None,
        "uploaded_at": None,
        "raw": {"downloadUrl": f" {URL} ", wire: value},
        field: expected,
    }


class HostileMapping(Mapping[str, Any]):
    """A mapping whose every read fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no")

    def __len__(self) -> int:
        return 1


def test_a_hostile_mapping_is_a_decode_error() -> None:
    """A mapping that raises on reading is a DecodeError, not its own error."""
    with pytest.raises(DecodeError) as info:
        decode_uploaded_file(HostileMapping())
    assert str(info.value) == "unreadable upload answer: RuntimeError"


def test_an_uploaded_file_round_trips_through_a_dict() -> None:
    """from_dict(to_dict()) gives an equal UploadedFile; to_json is stable JSON."""
    original = uploaded("a.mp3", 10)
    assert UploadedFile.from_dict(original.to_dict()) == original
    assert json.loads(original.to_json()) == original.to_dict()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "downloadUrl": st.just(URL) | st.text(max_size=30) | json_values,
        "fileName": json_values,
        "filePath": json_values,
        "fileSize": json_values,
        "mimeType": json_values,
        "uploadedAt": json_values | st.datetimes().map(str),
    },
)


@given(json_values | answers)
def test_any_answer_decodes_or_raises_decode_error(data: Any) -> None:
    """Whatever JSON arrives, decoding gives an UploadedFile or a DecodeError."""
    try:
        decoded = decode_uploaded_file(data)
    except DecodeError:
        return
    assert url_problem(decoded.download_url) is None


@given(answers.map(lambda data: {**data, "downloadUrl": URL}))
def test_any_answer_with_a_download_url_decodes(data: dict[str, Any]) -> None:
    """Field by field tolerance: an answer with a downloadUrl always decodes."""
    assert decode_uploaded_file(data).download_url == URL

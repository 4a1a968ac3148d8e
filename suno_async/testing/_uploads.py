"""The file-upload service (Apikley's layout: ``{url}/file-upload/api/...``).

Three ways in, one answer: a multipart stream, a URL, or base64 (plain or a
data URL). Every upload is kept in memory and served back, byte for byte,
from the simulator's media route at its ``downloadUrl``.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs
import yarl
from aiohttp import BodyPartReader, MultipartReader, hdrs, web

from suno_async._core.request_bodies import url_problem
from suno_async.testing._endpoints import Endpoints, Handler
from suno_async.testing._family_wire import iso_z
from suno_async.testing._files import media_for, placeholder_audio
from suno_async.testing._task import track_id
from suno_async.testing._wire import envelope

__all__ = ["UPLOAD_PATHS", "UploadMethod", "ReceivedUpload", "Uploads"]

UploadMethod: TypeAlias = Literal["stream", "url", "base64"]
#: The upload endpoints (POST), under the upload base ``{url}/file-upload``.
UPLOAD_PATHS: Final[Mapping[UploadMethod, str]] = {
    "stream": "/file-upload/api/file-stream-upload",
    "url": "/file-upload/api/file-url-upload",
    "base64": "/file-upload/api/file-base64-upload",
}
_DATA_URL: Final = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(?:;[^,]*)?;base64,", re.I)
_OCTETS: Final = "application/octet-stream"
_TYPES: Final = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".mp4": "video/mp4",
    ".png": "image/png",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
}
_JSON_SLACK: Final = 64 * 1024  # room for the JSON around the file


class _TooLarge(Exception):
    pass


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.body = envelope(code, message)


# What a reader got: data, uploadPath, fileName, mimeType, source URL.
_Got: TypeAlias = tuple[bytes, str, str, str, "str | None"]


@attrs.frozen(kw_only=True)
class ReceivedUpload:
    """One file the upload endpoints took, as answered (``uploaded_at`` ISO 8601).

    ``method`` is the endpoint (``stream``, ``url``, ``base64``);
    ``source_url`` the ``fileUrl`` of a URL upload.
    """

    method: UploadMethod
    file_name: str
    file_path: str
    download_url: str
    mime_type: str
    uploaded_at: str
    data: bytes = attrs.field(repr=False)
    source_url: str | None = None

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def _upload_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """The upload service's answer: ``success`` before the usual envelope."""
    return {"success": body["code"] == 200, **body}


def _mime(explicit: str | None, file_name: str) -> str:
    """The type given, else the name's (our table first: platforms differ)."""
    if explicit and explicit != _OCTETS:
        return explicit
    extension = "." + file_name.rpartition(".")[2].lower()
    return _TYPES.get(extension) or mimetypes.guess_type(file_name)[0] or _OCTETS


def _extension(mime: str | None) -> str:
    for extension, known in _TYPES.items():
        if known == mime:
            return extension
    return mimetypes.guess_extension(mime or "") or ".bin"


class Uploads(Endpoints):
    """The upload service of :class:`~suno_async.testing.FakeSunoServer`."""

    def _setup(self) -> None:
        super()._setup()
        self._uploads: dict[str, ReceivedUpload] = {}

    @property
    def upload_url(self) -> str:
        """The upload service's base URL, ``{url}/file-upload``, once started."""
        return f"{self.url}/file-upload"

    def uploads(self) -> tuple[ReceivedUpload, ...]:
        """The files uploaded so far, oldest first."""
        return tuple(self._uploads.values())

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        for method, path in UPLOAD_PATHS.items():
            app.router.add_post(path, self._uploader(method))

    def _media(self, tail: str) -> tuple[bytes, str] | None:
        """A ``/files/...`` path's body and type: an upload, else a task's file."""
        parts = tail.split("/")
        if parts[0] == "uploads" and len(parts) > 1:
            upload = self._uploads.get(parts[1])
            return None if upload is None else (upload.data, upload.mime_type)
        found = media_for(tail)
        if found is None or found[0] not in self._tracks:
            return None
        return found[1], found[2]

    def _uploader(self, method: UploadMethod) -> Handler:
        read: Callable[[web.Request], Awaitable[_Got]] = {
            "stream": self._read_stream,
            "url": self._read_url,
            "base64": self._read_base64,
        }[method]

        async def upload(request: web.Request) -> web.StreamResponse:
            index = self._arrive(request.method, request.path, None)

            async def build() -> dict[str, Any]:
                try:
                    return self._keep(method, *await read(request))
                except _Refused as refused:
                    return refused.body
                except _TooLarge:
                    limit = self.upload_limit_bytes
                    return envelope(413, f"File too large: the limit is {limit} bytes")

            fault = self._draw_fault(None)
            return await self._answer(request, index, fault, build, _upload_envelope)

        return upload

    def _keep(
        self,
        method: UploadMethod,
        data: bytes,
        upload_path: str,
        file_name: str,
        mime_type: str,
        source_url: str | None,
    ) -> dict[str, Any]:
        if len(data) > self.upload_limit_bytes:
            raise _TooLarge
        upload_id = track_id("uploads", len(self._uploads))
        name = yarl.URL.build(path=f"/{file_name}").raw_path[1:]
        upload = ReceivedUpload(
            method=method,
            file_name=file_name,
            file_path=f"{upload_path.strip('/')}/{file_name}",
            download_url=f"{self.url}/files/uploads/{upload_id}/{name}",
            mime_type=mime_type,
            uploaded_at=iso_z(self._epoch0 + self._clock() - self._clock0),
            data=data,
            source_url=source_url,
        )
        self._uploads[upload_id] = upload
        return envelope(
            200,
            "File uploaded successfully",
            {
                "fileName": upload.file_name,
                "filePath": upload.file_path,
                "downloadUrl": upload.download_url,
                "fileSize": upload.size_bytes,
                "mimeType": upload.mime_type,
                "uploadedAt": upload.uploaded_at,
            },
        )

    async def _read_stream(self, request: web.Request) -> _Got:
        try:
            reader = MultipartReader(request.headers, request.content)
        except (AssertionError, KeyError, ValueError):
            raise _Refused(400, "The body must be multipart/form-data") from None
        fields: dict[str, str] = {}
        data, file_name, content_type = None, None, None
        try:
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: not a field
                if part.name == "file":
                    file_name = part.filename
                    content_type = part.headers.get(hdrs.CONTENT_TYPE)
                    data = await self._read_part(part)
                elif part.name:
                    fields[part.name] = await part.text()
        except ValueError:
            raise _Refused(400, "The multipart body is malformed") from None
        if data is None:
            raise _Refused(400, "file is required")
        upload_path = fields.get("uploadPath", "").strip()
        if not upload_path:
            raise _Refused(400, "uploadPath is required")
        name = fields.get("fileName", "").strip() or file_name or "upload.bin"
        return data, upload_path, name, _mime(content_type, name), None

    async def _read_part(self, part: BodyPartReader) -> bytes:
        chunks, size = [], 0
        while chunk := await part.read_chunk(64 * 1024):
            size += len(chunk)
            if size > self.upload_limit_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    async def _read_json(self, request: web.Request, limit: int) -> dict[str, Any]:
        """The JSON object of a body of at most ``limit`` bytes, with ``uploadPath``."""
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
        try:
            param = json.loads(b"".join(chunks))
        except ValueError:
            raise _Refused(400, "Invalid JSON in the request body") from None
        if not isinstance(param, dict):
            raise _Refused(400, "The request body must be a JSON object")
        path = param.get("uploadPath")
        if not (isinstance(path, str) and path.strip()):
            raise _Refused(400, "uploadPath is required")
        return param

    async def _read_url(self, request: web.Request) -> _Got:
        """The file at ``fileUrl``: this server's own files are read, others stand in.

        Other URLs are never fetched: a few silent MP3 frames stand in.
        """
        param = await self._read_json(request, _JSON_SLACK)
        url = param.get("fileUrl")
        problem = url_problem(url)
        if problem is not None or not isinstance(url, str):
            raise _Refused(400, f"fileUrl {problem}")
        parsed = yarl.URL(url)
        name = _given_name(param) or parsed.name or "upload.bin"
        found: tuple[bytes, str | None] | None = (placeholder_audio(), None)
        if url.startswith(f"{self.url}/files/"):
            found = self._media(parsed.path.removeprefix("/files/"))
        if found is None:
            raise _Refused(451, "Failed to download the file from fileUrl")
        return found[0], param["uploadPath"], name, _mime(found[1], name), url

    async def _read_base64(self, request: web.Request) -> _Got:
        limit = self.upload_limit_bytes * 4 // 3 + _JSON_SLACK
        param = await self._read_json(request, limit)
        encoded = param.get("base64Data")
        if not (isinstance(encoded, str) and encoded):
            raise _Refused(400, "base64Data is required")
        match = _DATA_URL.match(encoded)
        mime = match.group(1) if match else None
        try:
            payload = encoded[match.end() :] if match else encoded
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise _Refused(400, "base64Data is not valid base64") from None
        name = _given_name(param) or f"upload{_extension(mime)}"
        return data, param["uploadPath"], name, _mime(mime, name), None


def _given_name(param: Mapping[str, Any]) -> str | None:
    name = param.get("fileName")
    return name.strip() if isinstance(name, str) and name.strip() else None

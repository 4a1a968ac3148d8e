"""File uploads, the pure part: sources, checks, names, and the answer.

Each provider runs a file upload service beside its API (same key, another
base URL: :attr:`Provider.upload_base_url`, see
:func:`resolve_upload_base_url`). Files it holds are deleted after 3 days;
its ``downloadUrl`` is what the creating calls take as ``uploadUrl``.

* a local file or bytes go to :data:`STREAM_UPLOAD_PATH` as a multipart
  form: ``uploadPath``, ``fileName``, then ``file``;
* an http(s) URL goes to :data:`URL_UPLOAD_PATH` as JSON ``{fileUrl,
  uploadPath, fileName}``: the service fetches it (30 s, about 100 MB).

Refused before sending, with :class:`InvalidArgumentError` (:func:`source_kind`
and the ``check_*`` functions): a source of another type, a string that
starts like an http(s) URL but is none, an empty or too large file or
bytes, a bad ``upload_path`` or ``file_name``. A ``str`` is a URL when it
starts with ``http://`` or ``https://``, and a path otherwise.

``fileName`` is always sent: a name the service gives to any upload that
names the same file (``song.mp3``) in the same ``uploadPath`` replaces the
earlier one, so without an explicit name :func:`default_file_name` adds a
random token to the source's own name.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Final, Literal, TypeAlias

import attrs
import yarl

from suno_async._core import serialize
from suno_async._core.convert import (
    decode_error,
    decode_mapping,
    excerpt,
    parse_datetime,
)
from suno_async._core.errors import InvalidArgumentError
from suno_async._core.providers import Provider
from suno_async._core.request_bodies import url_problem
from suno_async._core.settings import check_base_url

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "DEFAULT_UPLOAD_PATH",
    "DEFAULT_UPLOAD_TIMEOUT",
    "STREAM_UPLOAD_PATH",
    "UPLOAD_SERVICE_SUFFIX",
    "URL_UPLOAD_PATH",
    "SourceKind",
    "UploadSource",
    "UploadedFile",
    "check_file_name",
    "check_limits",
    "check_size",
    "check_upload_path",
    "decode_uploaded_file",
    "default_file_name",
    "media_type",
    "resolve_upload_base_url",
    "sniff_extension",
    "source_kind",
    "stream_upload_fields",
    "url_upload_body",
]

#: The multipart upload of a local file or bytes.
STREAM_UPLOAD_PATH: Final = "/api/file-stream-upload"
#: The upload of a file the service fetches from a URL.
URL_UPLOAD_PATH: Final = "/api/file-url-upload"
#: The service's folder for uploads unless the call names one.
DEFAULT_UPLOAD_PATH: Final = "suno-async"
#: The largest file or bytes sent, unless the call says otherwise.
DEFAULT_MAX_UPLOAD_BYTES: Final = 100 * 1024 * 1024
#: Seconds one upload may take, body included.
DEFAULT_UPLOAD_TIMEOUT: Final = 300.0
#: Appended to a base URL that is not the provider's own (a simulator, a proxy).
UPLOAD_SERVICE_SUFFIX: Final = "/file-upload"
#: Limits of the names sent.
MAX_UPLOAD_PATH_CHARS: Final = 200
MAX_FILE_NAME_BYTES: Final = 255
_STEM_CHARS: Final = 48

#: A local path, bytes, or an http(s) URL.
UploadSource: TypeAlias = "str | os.PathLike[str] | bytes | bytearray | memoryview"
SourceKind: TypeAlias = Literal["path", "bytes", "url"]

_URL_START: Final = re.compile(r"\s*https?://", re.IGNORECASE)
_EXTENSION: Final = re.compile(r"\.[A-Za-z0-9]{1,8}")
_UNSAFE_STEM: Final = re.compile(r"[^A-Za-z0-9_-]+")
#: Media types of the extensions the creating calls take, else octet-stream.
_MEDIA_TYPES: Final[Mapping[str, str]] = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
    ".mp4": "video/mp4",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
_MAX_SIZE: Final = 2**63


# -- what is sent ------------------------------------------------------------------


def source_kind(source: object) -> SourceKind:
    """Whether ``source`` is a local path, bytes or an http(s) URL.

    Raises :class:`InvalidArgumentError` for any other type, an empty string,
    and a string starting with ``http://`` or ``https://`` that is no URL.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(source, str):
        if not source:
            raise InvalidArgumentError("source is an empty string")
        if _URL_START.match(source):
            problem = url_problem(source)
            if problem is not None:
                raise InvalidArgumentError(f"source {problem}")
            return "url"
        return "path"
    if isinstance(source, os.PathLike):
        return "path"
    raise InvalidArgumentError(
        f"source must be a path, bytes or an http(s) URL, not {type(source).__name__}"
    )


def check_upload_path(upload_path: object) -> str:
    """``upload_path`` without surrounding ``/``, or :class:`InvalidArgumentError`.

    Folder names separated by ``/``: none empty, ``.`` or ``..``; no
    backslash or control character; at most :data:`MAX_UPLOAD_PATH_CHARS`.
    """
    if isinstance(upload_path, str):
        path = upload_path.strip("/")
        segments = path.split("/")
        if (
            path
            and len(path) <= MAX_UPLOAD_PATH_CHARS
            and not any(seg.strip() in ("", ".", "..") for seg in segments)
            and all(ch.isprintable() and ch != "\\" for ch in path)
        ):
            return path
    raise InvalidArgumentError(
        "upload_path must be folder names separated by '/' (none empty, '.' or "
        f"'..'; no backslash or control character; at most "
        f"{MAX_UPLOAD_PATH_CHARS} characters), not {_shown(upload_path)}"
    )


def check_file_name(file_name: object) -> str:
    """``file_name`` if the service can take it, else :class:`InvalidArgumentError`.

    One name, not a path: no ``/`` or ``\\``, not ``.`` or ``..``, no control
    character or surrounding whitespace, at most
    :data:`MAX_FILE_NAME_BYTES` bytes in UTF-8.
    """
    if (
        isinstance(file_name, str)
        and file_name
        and file_name == file_name.strip()
        and file_name not in (".", "..")
        and all(ch.isprintable() and ch not in "/\\" for ch in file_name)
        and len(file_name.encode("utf-8", "surrogatepass")) <= MAX_FILE_NAME_BYTES
    ):
        return file_name
    raise InvalidArgumentError(
        "file_name must be one file name (no '/' or '\\', no control character "
        f"or surrounding space, at most {MAX_FILE_NAME_BYTES} bytes), "
        f"not {_shown(file_name)}"
    )


def check_limits(max_bytes: object, timeout: object) -> None:
    """:class:`InvalidArgumentError` unless both are positive (``timeout`` finite)."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise InvalidArgumentError(
            f"max_bytes must be a positive whole number of bytes, not {max_bytes!r}"
        )
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not (timeout > 0 and math.isfinite(timeout))
    ):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds, not {timeout!r}"
        )


def check_size(size: int, max_bytes: int, what: str) -> None:
    """:class:`InvalidArgumentError` if ``what`` is empty or over ``max_bytes``."""
    if size == 0:
        raise InvalidArgumentError(f"{what} is empty: there is nothing to upload")
    if size > max_bytes:
        raise InvalidArgumentError(
            f"{what} is {size} bytes, over the upload limit of {max_bytes} bytes "
            "(max_bytes)"
        )


def sniff_extension(head: bytes) -> str:
    """The extension of the format ``head`` (a file's first bytes) starts; ``""``."""
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return ".mp3"
    if head.startswith(b"RIFF") and head[8:12] in (b"WAVE", b"WEBP"):
        return ".wav" if head[8:12] == b"WAVE" else ".webp"
    if head[4:8] == b"ftyp":
        return ".m4a" if head[8:11] == b"M4A" else ".mp4"
    starts: Mapping[bytes, str] = {
        b"fLaC": ".flac",
        b"OggS": ".ogg",
        b"\x1aE\xdf\xa3": ".webm",
        b"\x89PNG\r\n\x1a\n": ".png",
        b"\xff\xd8\xff": ".jpg",
    }
    return next((ext for magic, ext in starts.items() if head.startswith(magic)), "")


def default_file_name(hint: str | None, *, token: str, head: bytes = b"") -> str:
    """A name unlikely to be taken: ``hint``'s stem, ``-token``, and an extension.

    The stem keeps ASCII letters, digits, ``_`` and ``-`` (``upload`` if
    nothing is left); the extension is ``hint``'s, else the one
    :func:`sniff_extension` finds in ``head``, lower-cased.
    """
    name = PurePosixPath(hint.replace("\\", "/")).name if hint else ""
    stem, suffix = os.path.splitext(name)
    if not _EXTENSION.fullmatch(suffix):
        stem, suffix = name, sniff_extension(head)
    stem = _UNSAFE_STEM.sub("_", stem).strip("_-")[:_STEM_CHARS] or "upload"
    return f"{stem}-{token}{suffix.lower()}"


def url_file_name(url: str) -> str | None:
    """The last segment of ``url``'s path (``None`` if it has none)."""
    return yarl.URL(url.strip()).name or None


def media_type(file_name: str) -> str:
    """The media type of ``file_name``'s extension (else application/octet-stream)."""
    ext = os.path.splitext(file_name)[1].lower()
    return _MEDIA_TYPES.get(ext, "application/octet-stream")


def stream_upload_fields(*, upload_path: str, file_name: str) -> dict[str, str]:
    """The text fields of a multipart upload, sent before the file."""
    return {"uploadPath": upload_path, "fileName": file_name}


def url_upload_body(url: str, *, upload_path: str, file_name: str) -> dict[str, str]:
    """The JSON body of a URL upload."""
    return {"fileUrl": url.strip(), "uploadPath": upload_path, "fileName": file_name}


def resolve_upload_base_url(
    provider: Provider, base_url: str, explicit: str | None
) -> str:
    """Where the upload service is, without a trailing slash.

    ``explicit`` wins; else the provider's ``upload_base_url`` when
    ``base_url`` is the provider's own; else (a simulator, a proxy)
    ``base_url + "/file-upload"``. The result must be https unless it
    points at a loopback address (:class:`ConfigurationError`, as for the
    client's ``base_url``).
    """
    if explicit is not None:
        return check_base_url(explicit, name="upload_base_url")
    base = check_base_url(base_url)
    if base == provider.base_url.rstrip("/") and provider.upload_base_url:
        return check_base_url(provider.upload_base_url, name="upload_base_url")
    return base + UPLOAD_SERVICE_SUFFIX


def _shown(value: object) -> str:
    return excerpt(value) if isinstance(value, str) else type(value).__name__


# -- what comes back ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UploadedFile:
    """A file the upload service holds (for 3 days).

    ``download_url`` is what the creating calls take as ``upload_url``;
    ``file_path`` is ``upload_path/file_name`` on the service; ``size`` in
    bytes and ``mime_type`` as the service saw them. ``raw`` is the whole
    ``data`` object of the answer.
    """

    download_url: str
    file_name: str | None = None
    file_path: str | None = None
    size: int | None = None
    mime_type: str | None = None
    uploaded_at: datetime | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """This file as JSON types: ``uploaded_at`` ISO 8601, ``raw`` included."""
        return serialize.to_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON, keys sorted."""
        return serialize.to_json(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UploadedFile:
        """The file :meth:`to_dict` wrote; :class:`DecodeError` if malformed."""
        return serialize.from_dict(cls, data)


def decode_uploaded_file(data: Any) -> UploadedFile:
    """Read the upload answer's ``data`` object as an :class:`UploadedFile`.

    Tolerant like the record decoder: a missing, null or wrong-typed
    optional field is ``None``; spaces and non-ASCII characters in
    ``downloadUrl`` are percent-encoded; ``fileSize`` may be a number or a numeric
    string; ``uploadedAt`` any time :func:`parse_datetime` reads. Raises
    :class:`DecodeError`, and nothing else, when ``data`` is not a mapping
    or has no http(s) ``downloadUrl``.
    """
    return decode_mapping(
        data,
        _structure,
        name="the upload answer's data",
        unreadable="upload answer",
    )


def _structure(data: Mapping[str, Any]) -> UploadedFile:
    get = data.get
    url = get("downloadUrl")
    if not isinstance(url, str) or not url.strip():
        raise decode_error("the upload answer has no downloadUrl", data)
    url = _quoted(url.strip())
    if url_problem(url) is not None:
        raise decode_error(
            "the upload answer's downloadUrl is not an http(s) URL", data
        )
    return UploadedFile(
        download_url=url,
        file_name=_text(get("fileName")),
        file_path=_text(get("filePath")),
        size=_size(get("fileSize")),
        mime_type=_text(get("mimeType")),
        uploaded_at=parse_datetime(get("uploadedAt")),
        raw=dict(data),
    )


def _quoted(url: str) -> str:
    """``url`` with spaces and non-ASCII characters percent-encoded (else as sent).

    The service names files as they were uploaded (``my song.mp3``); the
    creating calls take only URLs without whitespace.
    """
    if url.isascii() and not any(ch.isspace() for ch in url):
        return url
    try:
        return str(yarl.URL(url))
    except (TypeError, ValueError):
        return url


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) < 20):
            return None
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value < _MAX_SIZE:
        return value
    return None

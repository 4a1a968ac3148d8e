"""What a download will do, before any I/O: checks, URLs, safe file names.

:func:`plan` turns the tracks into :class:`Job`\\ s; :class:`Media` says
what a file may be sent as; the helpers make file names safe, pick
extensions and show URLs without their tokens. Every family's files are
planned in :mod:`suno_async._core.family_files`. No I/O here, so every rule
is tested without a server.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Final, Literal, TypeAlias

import attrs
import yarl

from suno_async._core.errors import DownloadError, InvalidArgumentError
from suno_async._core.models import TaskRecord, Track

__all__ = [
    "AUDIO",
    "FALLBACK_TITLE",
    "ID_CHARS",
    "IMAGE",
    "KINDS",
    "KIND_MEDIA",
    "MAX_ID_CHARS",
    "MAX_TITLE_BYTES",
    "MIDI",
    "TEXT",
    "VIDEO",
    "WAV",
    "DownloadKind",
    "Job",
    "Media",
    "check_settings",
    "extension",
    "http_urls",
    "plan",
    "safe_id",
    "safe_title",
    "scrub",
    "shown_url",
    "tracks_of",
]

#: What :meth:`SunoClient.download` saves: the audio, the stream or the cover image.
DownloadKind: TypeAlias = Literal["audio", "stream", "image"]
#: Every :data:`DownloadKind`.
KINDS: Final = ("audio", "stream", "image")

#: The longest title part of a file name, in UTF-8 bytes.
MAX_TITLE_BYTES: Final = 100
#: The title part of a file name when the title leaves nothing usable.
FALLBACK_TITLE: Final = "track"
#: How many characters of the track id a file name shows.
ID_CHARS: Final = 8
#: The most characters of a whole track id a file name shows; a longer id
#: is shown as a hash (16 hex digits of its SHA-256).
MAX_ID_CHARS: Final = 64
_HASH_CHARS: Final = 16
_SHOWN_URL_CHARS: Final = 120
# Separators and what Windows forbids in names: they become spaces.
_SEPARATORS: Final = frozenset('/\\:*?"<>|')
_ID_ALPHABET: Final = frozenset(string.ascii_letters + string.digits + "-_")
_TYPE_EXTENSIONS: Final = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg": "mp3",
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/vnd.wave": "wav",
    "video/mp4": "mp4",
}
_SUFFIXES: Final = {"jpg": "jpeg", **{e: e for e in _TYPE_EXTENSIONS.values()}}
_QUERY: Final = re.compile(r"(https?://[^\s?#'\"<>]*)\?[^\s'\"<>]*")


def safe_title(
    title: str | None,
    *,
    max_bytes: int = MAX_TITLE_BYTES,
    fallback: str = FALLBACK_TITLE,
) -> str:
    """``title`` made safe as part of a file name on any common file system.

    Unicode is kept, in NFC; whitespace, separators and the characters
    Windows forbids become single spaces; control, format (bidi overrides,
    zero-width), private-use and unassigned characters are dropped; leading
    dots, dashes and spaces and trailing dots and spaces are trimmed; the
    result is cut to ``max_bytes`` UTF-8 bytes on a character boundary.
    An empty result becomes ``fallback`` (:data:`FALLBACK_TITLE`).
    """
    kept: list[str] = []
    for ch in unicodedata.normalize("NFC", title or ""):
        if ch.isspace() or ch in _SEPARATORS or unicodedata.category(ch)[0] == "Z":
            kept.append(" ")
        elif unicodedata.category(ch)[0] != "C":
            kept.append(ch)
    text = unicodedata.normalize("NFC", " ".join("".join(kept).split()))
    text = text.encode()[:max_bytes].decode(errors="ignore")
    return text.lstrip(" .-").rstrip(" .") or fallback


def safe_id(track_id: str, *, chars: int | None = ID_CHARS) -> str:
    """The track id's ASCII letters, digits, ``-`` and ``_``, cut to ``chars``.

    An id with none of those gives a hash of itself instead. ``chars=None``
    asks for the whole id: one keeping more than :data:`MAX_ID_CHARS`
    characters gives 16 hex digits of its hash instead, so that a name
    stays short whatever the id.
    """
    digest = hashlib.sha256(track_id.encode(errors="surrogatepass")).hexdigest()
    kept = "".join(ch for ch in track_id if ch in _ID_ALPHABET) or digest
    if chars is None:
        return kept if len(kept) <= MAX_ID_CHARS else digest[:_HASH_CHARS]
    return kept[:chars]


@attrs.frozen
class Media:
    """What a file is: the content types it may be sent as, and its extension.

    ``accept`` lists content types; one ending with ``/`` stands for the
    whole family (``audio/``). ``name`` says what the file is in messages.
    """

    name: str
    accept: tuple[str, ...]
    default_extension: str

    @property
    def shown(self) -> str:
        """The first accepted type, as messages show it (``audio/*``)."""
        first = self.accept[0]
        return first + "*" if first.endswith("/") else first

    def accepts(self, content_type: str) -> bool:
        """Whether ``content_type`` (without parameters) is of this media."""
        return any(
            content_type.startswith(t) if t.endswith("/") else content_type == t
            for t in self.accept
        )

    def extension(self, content_type: str | None, url: str) -> str:
        """The file's extension: from the content type, else the URL, else the default.

        A known content type of this media wins; else a known suffix of the
        URL's path that this media's types use; else ``default_extension``.
        """
        if content_type in _TYPE_EXTENSIONS and self.accepts(content_type):
            return _TYPE_EXTENSIONS[content_type]
        try:
            suffix = PurePosixPath(yarl.URL(url).path).suffix.lower().lstrip(".")
        except (TypeError, ValueError):
            suffix = ""
        by_suffix = _SUFFIXES.get(suffix)
        if by_suffix is not None and any(
            e == by_suffix and self.accepts(t) for t, e in _TYPE_EXTENSIONS.items()
        ):
            return by_suffix
        return self.default_extension


#: A track's audio or stream, and a vocal removal's stems.
AUDIO: Final = Media("audio", ("audio/",), "mp3")
#: A track's cover, and a cover-image task's images.
IMAGE: Final = Media("image", ("image/",), "jpeg")
#: A WAV conversion's file.
WAV: Final = Media(
    "WAV", ("audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave"), "wav"
)
#: A music video.
VIDEO: Final = Media("video", ("video/mp4",), "mp4")
#: Lyrics, written from the record (never fetched).
TEXT: Final = Media("lyrics", ("text/plain",), "txt")
#: A MIDI file, written from the record's notes (never fetched).
MIDI: Final = Media("MIDI", ("audio/midi",), "mid")
KIND_MEDIA: Final = {"audio": AUDIO, "stream": AUDIO, "image": IMAGE}


def extension(kind: DownloadKind, content_type: str | None, url: str) -> str:
    """The file extension for a track's ``kind``: see :meth:`Media.extension`.

    ``mp3`` for audio and streams, ``jpeg`` for images when neither the
    content type nor the URL tells.
    """
    return KIND_MEDIA[kind].extension(content_type, url)


def shown_url(url: str) -> str:
    """``url`` fit for messages and logs: no user info, no query, no fragment.

    Signed CDN URLs carry their tokens in the query; ``?...`` marks where one
    was removed. Long URLs (``data:``...) are cut.
    """
    try:
        parsed = yarl.URL(url)
        bare = str(parsed.with_user(None).with_query(None).with_fragment(None))
        marker = "?..." if parsed.raw_query_string else ""
    except (TypeError, ValueError):
        bare = url.split("?", 1)[0].split("#", 1)[0]
        marker = "?..." if "?" in url else ""
    if len(bare) > _SHOWN_URL_CHARS:
        bare = bare[:_SHOWN_URL_CHARS] + "..."
    return bare + marker


def scrub(text: str) -> str:
    """``text`` with the query string of every http(s) URL in it replaced."""
    return _QUERY.sub(r"\1?...", text)


@attrs.frozen
class Job:
    """One track to fetch: http(s) URLs in order, why the others were refused,
    and the file name without its extension."""

    track: Track
    urls: tuple[str, ...]
    refused: tuple[str, ...]
    stem: str


def check_settings(kind: object, max_bytes: object, timeout: float) -> None:
    """Refuse an unknown kind, a cap below one byte or a non-positive timeout."""
    if kind not in KINDS:
        raise InvalidArgumentError(
            f"kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}"
        )
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise InvalidArgumentError(
            f"max_bytes must be a positive number of bytes, not {max_bytes!r}"
        )
    if not (timeout > 0 and math.isfinite(timeout)):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds, not {timeout!r}"
        )


def tracks_of(target: object) -> tuple[tuple[Track, ...], str | None]:
    """The tracks of a record, a track or an iterable of tracks, and the task id.

    A record without tracks raises :class:`DownloadError`; anything else
    (a task id string...) ``TypeError``.
    """
    if isinstance(target, TaskRecord):
        if not target.tracks:
            raise DownloadError(
                f"task {target.task_id} has no tracks yet (status {target.status_raw})",
                task_id=target.task_id,
            )
        return target.tracks, target.task_id
    items: tuple[object, ...] = (target,)
    if isinstance(target, Iterable) and not isinstance(target, (str, bytes)):
        items = tuple(target)
    tracks = tuple(t for t in items if isinstance(t, Track))
    if len(tracks) != len(items):
        raise TypeError(
            "download() takes a TaskRecord, a Track or an iterable of Tracks, "
            f"not {type(target).__name__} (fetch the record first: get_task)"
        )
    return tracks, None


def plan(
    tracks: Iterable[Track], kind: DownloadKind, *, task_id: str | None = None
) -> list[Job]:
    """One job per distinct track id, in order, with a unique file stem.

    The stem is ``<safe title>-<first 8 id characters>``; when two tracks
    share both, the later ones use the whole id (a hash of it past
    :data:`MAX_ID_CHARS` characters), then a counter. A stem is thus at
    most ``MAX_TITLE_BYTES + MAX_ID_CHARS`` bytes and a counter, whatever
    the ids. Stems are compared without case, as some file systems do. A
    track without an http(s) URL of the kind raises :class:`DownloadError`.
    """
    distinct: dict[str, Track] = {}
    for track in tracks:
        distinct.setdefault(track.id, track)
    jobs: list[Job] = []
    taken: set[str] = set()
    for track in distinct.values():
        usable, refused = http_urls(_urls(track, kind))
        if not usable:
            detail = "".join(f"; {reason}" for reason in refused)
            raise DownloadError(
                f"track {track.id} has no http(s) {kind} URL{detail}",
                task_id=task_id,
                track_id=track.id,
                reasons=refused,
            )
        title = safe_title(track.title)
        stem = f"{title}-{safe_id(track.id)}"
        if stem.casefold() in taken:
            stem = f"{title}-{safe_id(track.id, chars=None)}"
        base, n = stem, 2
        while stem.casefold() in taken:
            stem, n = f"{base}-{n}", n + 1
        taken.add(stem.casefold())
        jobs.append(Job(track, usable, refused, stem))
    return jobs


def _urls(track: Track, kind: DownloadKind) -> tuple[str, ...]:
    if kind == "audio":
        return track.audio_urls
    if kind == "stream":
        candidates = (track.stream_audio_url, track.source_stream_audio_url)
    else:
        candidates = (track.image_url, track.source_image_url)
    return tuple(dict.fromkeys(url for url in candidates if url))


def http_urls(urls: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The http(s) URLs, and a reason for each of the others."""
    urls = tuple(urls)
    usable = tuple(url for url in urls if _is_http(url))
    refused = tuple(
        f"{shown_url(url)}: not an http(s) URL" for url in urls if url not in usable
    )
    return usable, refused


def _is_http(url: str) -> bool:
    try:
        parsed = yarl.URL(url)
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)

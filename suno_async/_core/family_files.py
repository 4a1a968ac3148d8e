"""Which files a download saves, for every family: :func:`files_of`.

Tracks go through :func:`~suno_async._core.download_plan.plan`; the other
families' records give their own files (URLs to fetch, or lyrics and MIDI
written from the record), named after the task. No I/O here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

import attrs

from suno_async._core import family_records as records
from suno_async._core.download_plan import (
    AUDIO,
    IMAGE,
    KIND_MEDIA,
    MIDI,
    TEXT,
    VIDEO,
    WAV,
    DownloadKind,
    Media,
    http_urls,
    plan,
    safe_id,
    safe_title,
    tracks_of,
)
from suno_async._core.errors import DownloadError, InvalidArgumentError
from suno_async._core.midi_file import midi_bytes
from suno_async._core.models import RecordBase, TaskRecord

__all__ = ["FileJob", "files_of", "safe_text", "stem_key"]

_LAYOUT: Final = frozenset(
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069"
)


def safe_text(text: str) -> str:
    """``text`` fit for a text file: no control characters, one newline at the end.

    Line ends become ``\\n``; other control characters (tabs and newlines
    stay), bidirectional overrides and line separators are dropped; lone
    surrogates become U+FFFD, so the text always encodes as UTF-8.
    """
    kept = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        category = unicodedata.category(ch)
        if category == "Cs":
            kept.append("\ufffd")
        elif ch in "\n\t" or (category != "Cc" and ch not in _LAYOUT):
            kept.append(ch)
    return "".join(kept).strip("\n") + "\n"


@attrs.frozen(kw_only=True)
class FileJob:
    """One file to save: fetched from ``urls`` in order, or written from ``content``.

    ``base`` is the file name without its extension; ``what`` names the
    file in messages (``audio of track 1a2b...``); ``track_id`` is the
    errors' ``track_id``; ``refused`` the URLs that are not http(s), with why;
    ``stem`` the stem's name (:attr:`VocalRemovalRecord.stems` key) of a
    vocal removal's file.
    """

    base: str
    media: Media
    what: str
    track_id: str | None = None
    urls: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    content: bytes | None = None
    stem: str | None = None


def files_of(
    target: object, kind: DownloadKind = "audio", *, stem: str | None = None
) -> tuple[list[FileJob], str | None]:
    """The files :meth:`SunoClient.download` saves for ``target``, and the task id.

    Tracks (a :class:`TaskRecord`, a :class:`Track` or tracks) give one
    file per distinct track, of ``kind`` (see :func:`plan`). Another
    family's record gives its own files, named after the task id's first 8
    characters: ``wav-<id>.wav``, ``video-<id>.mp4``, ``midi-<id>.mid``
    (written from the notes), ``<stem>-<id>.<ext>`` per stem (only
    ``stem`` if given), ``cover-<id>-<n>.<ext>`` per image and
    ``<title>-<id>-<n>.txt`` per lyrics variant (its text made safe).
    ``kind`` and ``stem`` apply to music and vocal removal only
    (:class:`InvalidArgumentError` otherwise). A record without its files
    yet raises :class:`DownloadError`, as does a missing stem; anything else
    than a record or tracks ``TypeError``.
    """
    if isinstance(target, RecordBase) and not isinstance(target, TaskRecord):
        if kind != "audio":
            raise InvalidArgumentError(
                f"kind={kind!r} applies to music tracks only, "
                f"not to a {target.kind.value} record"
            )
        if stem is not None and not isinstance(target, records.VocalRemovalRecord):
            raise InvalidArgumentError(
                f"stem applies to vocal removal records only, "
                f"not to a {target.kind.value} record"
            )
        return _family_files(target, stem), target.task_id
    if stem is not None:
        raise InvalidArgumentError("stem applies to vocal removal records only")
    tracks, task_id = tracks_of(target)
    jobs = [
        FileJob(
            base=job.stem,
            media=KIND_MEDIA[kind],
            what=f"{kind} of track {job.track.id}",
            track_id=job.track.id,
            urls=job.urls,
            refused=job.refused,
        )
        for job in plan(tracks, kind, task_id=task_id)
    ]
    return jobs, task_id


def stem_key(name: str) -> str:
    """A stem's name as :attr:`VocalRemovalRecord.stems` keys it.

    ``"Backing Vocals"`` and ``"backing-vocals"`` become ``backing_vocals``.
    """
    words = re.split(r"[^0-9a-z]+", name.casefold())
    return "_".join(filter(None, words))


def _family_files(record: RecordBase, stem: str | None) -> list[FileJob]:
    task = safe_id(record.task_id)
    if isinstance(record, records.WavRecord):
        return _fetched(record, WAV, [(f"wav-{task}", "WAV", record.wav_url, None)])
    if isinstance(record, records.VideoRecord):
        named = [(f"video-{task}", "video", record.video_url, None)]
        return _fetched(record, VIDEO, named)
    if isinstance(record, records.CoverImageRecord):
        named = [
            (f"cover-{task}-{n}", f"cover image {n}", url, None)
            for n, url in enumerate(record.image_urls, 1)
        ]
        return _fetched(record, IMAGE, named)
    if isinstance(record, records.VocalRemovalRecord):
        return _fetched(record, AUDIO, _stems(record, stem, task))
    if isinstance(record, records.MidiRecord):
        if not record.instruments:
            raise _nothing_yet(record, "MIDI notes")
        what = f"MIDI of task {record.task_id}"
        return [
            FileJob(
                base=f"midi-{task}", media=MIDI, what=what, content=midi_bytes(record)
            )
        ]
    if isinstance(record, records.LyricsRecord):
        return _lyrics(record, task)
    raise TypeError(f"download() cannot save a {type(record).__name__}")


def _nothing_yet(record: RecordBase, what: str) -> DownloadError:
    return DownloadError(
        f"task {record.task_id} has no {what} yet (status {record.status_raw})",
        task_id=record.task_id,
    )


_Named = tuple[str, str, "str | None", "str | None"]


def _fetched(
    record: RecordBase, media: Media, named: Iterable[_Named]
) -> list[FileJob]:
    """One job per ``(base, what, url, stem)`` with a URL; :class:`DownloadError`
    if none."""
    jobs = []
    for base, what, url, stem in named:
        if not url:
            continue
        usable, refused = http_urls([url])
        label = f"{what} of task {record.task_id}"
        if not usable:
            raise DownloadError(
                f"the {label} has no http(s) URL; {refused[0]}",
                task_id=record.task_id,
                reasons=refused,
            )
        job = FileJob(base=base, media=media, what=label, urls=usable, stem=stem)
        jobs.append(job)
    if not jobs:
        raise _nothing_yet(record, f"{media.name} URL")
    return jobs


def _stems(
    record: records.VocalRemovalRecord, stem: str | None, task: str
) -> list[_Named]:
    """``(base, what, url, stem)`` per stem: :attr:`~VocalRemovalRecord.stems`, then
    the ``separated`` stems with a URL of their own; only ``stem`` if given."""
    urls = dict(record.stems)
    for item in record.separated:
        key = stem_key(item.group or "")
        if item.audio_url and key and item.audio_url not in urls.values():
            urls.setdefault(key, item.audio_url)
    if stem is not None:
        if not isinstance(stem, str) or not stem_key(stem):
            raise InvalidArgumentError(f"stem must be a stem's name, not {stem!r:.40}")
        if not urls:
            raise _nothing_yet(record, "stems")
        wanted = stem_key(stem)
        candidates = (stem, wanted, wanted.removesuffix("s"), wanted + "s")
        found = next((k for k in candidates if k in urls), None)
        if found is None:
            raise DownloadError(
                f"task {record.task_id} has no {stem!r:.40} stem; "
                f"it has: {', '.join(urls)}",
                task_id=record.task_id,
            )
        urls = {found: urls[found]}
    return [
        (f"{safe_title(name, fallback='stem')}-{task}", f"{name} stem", url, name)
        for name, url in urls.items()
    ]


def _lyrics(record: records.LyricsRecord, task: str) -> list[FileJob]:
    jobs = []
    for n, variant in enumerate(record.variants, 1):
        text = safe_text(variant.text or "")
        if not text.strip():
            continue
        title = safe_title(variant.title, fallback="lyrics")
        jobs.append(
            FileJob(
                base=f"{title}-{task}-{n}",
                media=TEXT,
                what=f"lyrics {n} of task {record.task_id}",
                content=text.encode(),
            )
        )
    if not jobs:
        raise _nothing_yet(record, "lyrics")
    return jobs

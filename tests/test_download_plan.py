"""Download planning without I/O: settings, targets, URLs and safe file names."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suno_async import InvalidArgumentError, TaskRecord, TaskStatus, Track
from suno_async._core.download_plan import (
    FALLBACK_TITLE,
    MAX_ID_CHARS,
    MAX_TITLE_BYTES,
    Job,
    check_settings,
    extension,
    plan,
    safe_id,
    safe_title,
    scrub,
    shown_url,
    tracks_of,
)
from suno_async._core.errors import DownloadError

TRACK_ID = "3900e58f-9522-5dbd-a4dd-2fd4ab5c44e5"
SHA_65_A = hashlib.sha256(b"a" * 65).hexdigest()
SHA_SURROGATES = hashlib.sha256(b"\xed\xa0\x80\xed\xbf\xbf").hexdigest()
CDN = "https://cdn.example.com"


def track(track_id: str = TRACK_ID, title: str | None = "Song", **urls: Any) -> Track:
    """A track with these URLs (default: one audio URL on the CDN)."""
    urls = urls or {"audio_url": f"{CDN}/{track_id}.mp3"}
    return Track(id=track_id, title=title, **urls)


# --- file names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("Rainy Memories", "Rainy Memories", id="plain"),
        pytest.param("../../etc/passwd", "etc passwd", id="traversal"),
        pytest.param("..\\..\\boot.ini", "boot.ini", id="windows-traversal"),
        pytest.param('AC/DC: Live? <1979> *|"', "AC DC Live 1979", id="reserved"),
        pytest.param("a\x00b\nc\u202ed\u200be\x7f", "ab cde", id="control-format"),
        pytest.param("tab\there\u2028line  gap", "tab here line gap", id="spaces"),
        pytest.param("Cafe\u0301 ☕ 音楽", "Café ☕ 音楽", id="unicode-nfc"),
        pytest.param(".hidden", "hidden", id="leading-dot"),
        pytest.param("-rf", "rf", id="leading-dash"),
        pytest.param("trailing. . ", "trailing", id="trailing-dots"),
        pytest.param("CON", "CON", id="device-name-kept-the-id-suffix-saves-it"),
        pytest.param("", FALLBACK_TITLE, id="empty"),
        pytest.param(None, FALLBACK_TITLE, id="none"),
        pytest.param(" . .. / \x01", FALLBACK_TITLE, id="nothing-left"),
    ],
)
def test_safe_title(title: str | None, expected: str) -> None:
    """Titles keep their Unicode but lose separators, controls and edge dots."""
    assert safe_title(title) == expected


def test_safe_title_is_cut_to_whole_characters() -> None:
    """A long title is cut to 100 UTF-8 bytes without splitting a character."""
    assert safe_title("é" * 80) == "é" * 50
    assert safe_title("a" + "é" * 80) == "a" + "é" * 49
    assert safe_title("word " * 30) == ("word " * 20).strip()


@given(st.text())
def test_safe_title_invariants(title: str) -> None:
    """Whatever the title, the name part stays one harmless path component."""
    name = safe_title(title)
    assert name
    assert len(name.encode()) <= MAX_TITLE_BYTES
    assert name == unicodedata.normalize("NFC", name)
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name)
    assert not set(name) & set('/\\:*?"<>|\n\r\t')
    assert name[0] not in " .-"
    assert name[-1] not in " ."
    for pure in (PurePosixPath, PureWindowsPath):
        assert pure("out", f"{name}-3900e58f.mp3").parent == pure("out")


@pytest.mark.parametrize(
    ("track_id", "chars", "expected"),
    [
        pytest.param(TRACK_ID, 8, "3900e58f", id="prefix"),
        pytest.param(TRACK_ID, None, TRACK_ID, id="whole"),
        pytest.param("../a b/c", 8, "abc", id="unsafe-dropped"),
        pytest.param("///", 8, "732c4e97", id="nothing-left-hashed"),
        pytest.param("a" * 64, None, "a" * 64, id="whole-up-to-64"),
        pytest.param("a" * 65, None, SHA_65_A[:16], id="longer-hashed"),
        pytest.param("\ud800\udfff", None, SHA_SURROGATES, id="lone-surrogates"),
    ],
)
def test_safe_id(track_id: str, chars: int | None, expected: str) -> None:
    """Ids keep ASCII letters, digits, dashes and underscores; else a hash."""
    assert safe_id(track_id, chars=chars) == expected


@pytest.mark.parametrize(
    ("kind", "content_type", "url", "expected"),
    [
        pytest.param("audio", "audio/mpeg", f"{CDN}/x", "mp3", id="audio-type"),
        pytest.param("audio", "audio/x-wav", f"{CDN}/x.mp3", "wav", id="type-wins"),
        pytest.param("audio", "application/octet-stream", f"{CDN}/a.m4a", "m4a"),
        pytest.param("audio", None, f"{CDN}/a.MP3?x=.png", "mp3", id="suffix-no-query"),
        pytest.param("audio", "image/png", f"{CDN}/a.png", "mp3", id="wrong-family"),
        pytest.param("stream", "audio/aac", f"{CDN}/pipe/1", "aac", id="stream-type"),
        pytest.param("stream", None, f"{CDN}/pipe/1", "mp3", id="stream-default"),
        pytest.param("image", "image/png", f"{CDN}/i.jpeg", "png", id="image-type"),
        pytest.param("image", None, f"{CDN}/i.JPG", "jpeg", id="jpg-is-jpeg"),
        pytest.param("image", None, f"{CDN}/i.mp3", "jpeg", id="image-default"),
        pytest.param("image", None, "http://h:99999/i.png", "jpeg", id="bad-url"),
    ],
)
def test_extension(
    kind: str, content_type: str | None, url: str, expected: str
) -> None:
    """A known type of the right family wins, then the URL's suffix, then a default."""
    assert extension(kind, content_type, url) == expected  # type: ignore[arg-type]


# --- URLs in messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(f"{CDN}/a.mp3", f"{CDN}/a.mp3", id="plain"),
        pytest.param(f"{CDN}/a.mp3?sig=S3CR3T&e=1#t", f"{CDN}/a.mp3?...", id="query"),
        pytest.param("https://user:pw@cdn.example.com/a", f"{CDN}/a", id="userinfo"),
        pytest.param("http://h:99999/a?token=S3CR3T", "http://h:99999/a?...", id="bad"),
        pytest.param(
            "data:audio/mpeg;base64," + "A" * 200,
            "data:audio/mpeg;base64," + "A" * 97 + "...",
            id="long",
        ),
    ],
)
def test_shown_url(url: str, expected: str) -> None:
    """URLs are shown without credentials, query or fragment, and cut when long."""
    assert shown_url(url) == expected


def test_scrub_removes_query_strings_from_free_text() -> None:
    """Foreign error messages lose the tokens of any URL they quote."""
    text = "GET https://cdn.example.com/a.mp3?sig=S3CR3T failed <http://h/b?x=1> ok"
    assert (
        scrub(text)
        == "GET https://cdn.example.com/a.mp3?... failed <http://h/b?...> ok"
    )


# --- settings and targets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "max_bytes", "timeout", "problem"),
    [
        pytest.param("video", 1, 1.0, "kind must be one of 'audio', 'stream', 'image'"),
        pytest.param("audio", 0, 1.0, "max_bytes must be a positive number of bytes"),
        pytest.param("audio", 1.5, 1.0, "max_bytes must be"),
        pytest.param("audio", True, 1.0, "max_bytes must be"),
        pytest.param("audio", 1, 0.0, "timeout must be a positive number of seconds"),
        pytest.param("audio", 1, float("inf"), "timeout must be"),
        pytest.param("audio", 1, float("nan"), "timeout must be"),
    ],
)
def test_impossible_settings_are_refused(
    kind: str, max_bytes: object, timeout: float, problem: str
) -> None:
    """An unknown kind, a cap below one byte or a non-positive timeout: ValueError."""
    with pytest.raises(InvalidArgumentError, match=problem) as caught:
        check_settings(kind, max_bytes, timeout)
    assert isinstance(caught.value, ValueError)


def test_targets_give_their_tracks_and_task_id() -> None:
    """A record gives its tracks and id; a track or an iterable gives tracks alone."""
    one, two = track("a"), track("b")
    record = TaskRecord(
        task_id="t1", status=TaskStatus.SUCCESS, status_raw="SUCCESS", tracks=(one, two)
    )
    assert tracks_of(record) == ((one, two), "t1")
    assert tracks_of(one) == ((one,), None)
    assert tracks_of(iter([two, one])) == ((two, one), None)
    assert tracks_of([]) == ((), None)


def test_a_record_without_tracks_cannot_be_downloaded() -> None:
    """A record still pending has nothing to save: DownloadError naming its status."""
    record = TaskRecord(task_id="t1", status=TaskStatus.PENDING, status_raw="PENDING")
    with pytest.raises(
        DownloadError, match=r"task t1 has no tracks yet \(status PENDING\)"
    ):
        tracks_of(record)


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("0123456789abcdef", id="task-id"),
        pytest.param(b"bytes", id="bytes"),
        pytest.param(42, id="int"),
        pytest.param([track(), "x"], id="mixed"),
    ],
)
def test_other_targets_are_a_type_error(target: object) -> None:
    """A task id string (or anything but tracks) is refused with a hint."""
    with pytest.raises(TypeError, match="fetch the record first: get_task"):
        tracks_of(target)


# --- plans ---------------------------------------------------------------------------


def test_plan_orders_urls_per_kind_and_names_files() -> None:
    """Audio tries every playable URL best first; stream and image their own pair."""
    full = Track(
        id=TRACK_ID,
        title="Song",
        audio_url=f"{CDN}/a.mp3",
        stream_audio_url=f"{CDN}/s",
        source_audio_url=f"{CDN}/sa.mp3",
        source_stream_audio_url=f"{CDN}/ss",
        image_url=f"{CDN}/i.jpeg",
        source_image_url=f"{CDN}/si.jpeg",
    )
    stem = "Song-3900e58f"
    assert plan([full], "audio") == [
        Job(full, (f"{CDN}/a.mp3", f"{CDN}/s", f"{CDN}/sa.mp3", f"{CDN}/ss"), (), stem)
    ]
    assert plan([full], "stream") == [Job(full, (f"{CDN}/s", f"{CDN}/ss"), (), stem)]
    assert plan([full], "image") == [
        Job(full, (f"{CDN}/i.jpeg", f"{CDN}/si.jpeg"), (), stem)
    ]


def test_plan_refuses_urls_that_are_not_http() -> None:
    """file:, data: and host-less URLs are never requested; the reasons are kept."""
    mixed = track(
        audio_url="file:///etc/passwd",
        stream_audio_url=f"{CDN}/s",
        source_audio_url="https:///no-host",
        source_stream_audio_url="http://h:99999/bad-port",
    )
    assert plan([mixed], "audio") == [
        Job(
            mixed,
            (f"{CDN}/s",),
            (
                "file:///etc/passwd: not an http(s) URL",
                "https:///no-host: not an http(s) URL",
                "http://h:99999/bad-port: not an http(s) URL",
            ),
            "Song-3900e58f",
        )
    ]


def test_a_track_without_a_usable_url_fails_the_plan() -> None:
    """No http(s) URL of the kind: DownloadError with every refusal, before any I/O."""
    bad = track(audio_url="file:///etc/passwd?token=S3CR3T")
    with pytest.raises(DownloadError) as caught:
        plan([track("ok"), bad], "audio", task_id="t1")
    assert (caught.value.task_id, caught.value.track_id, caught.value.reasons) == (
        "t1",
        TRACK_ID,
        ("file:///etc/passwd?...: not an http(s) URL",),
    )
    assert str(caught.value) == (
        f"track {TRACK_ID} has no http(s) audio URL; "
        "file:///etc/passwd?...: not an http(s) URL (task t1)"
    )
    with pytest.raises(DownloadError, match=r"has no http\(s\) image URL$"):
        plan([track()], "image")


def test_plan_names_are_unique_per_call() -> None:
    """Same titles differ by id; same id prefixes use the whole id; case is ignored."""
    tracks = [
        track("aaaaaaaa-1", "Song"),
        track("aaaaaaaa-2", "SONG"),
        track("aaaaaaaa/2", "song"),
        track("bbbbbbbb-1", "Song"),
        track("aaaaaaaa-1", "Song again, same id"),
    ]
    assert [job.stem for job in plan(tracks, "audio")] == [
        "Song-aaaaaaaa",
        "SONG-aaaaaaaa-2",
        "song-aaaaaaaa2",
        "Song-bbbbbbbb",
    ]


def test_plan_counts_when_whole_ids_still_clash() -> None:
    """Ids that differ only in unsafe characters get a counter."""
    tracks = [track("id/1", "T"), track("id:1", "T"), track("id?1", "T")]
    assert [job.stem for job in plan(tracks, "audio")] == [
        "T-id1",
        "T-id1-2",
        "T-id1-3",
    ]


def test_job_paths_stay_in_the_folder(tmp_path: Path) -> None:
    """A hostile title and id still name a file directly inside the folder."""
    job = plan([track("../../x", "../../etc/passwd")], "audio")[0]
    assert (tmp_path / f"{job.stem}.mp3").parent == tmp_path
    assert job.stem == "etc passwd-x"


def test_long_ids_give_a_hash_not_the_whole_id() -> None:
    """Two 1,000-character ids with one title and prefix: the later one is hashed."""
    long_a, long_b = "a" * 1000, "a" * 999 + "b"
    stems = [
        job.stem for job in plan([track(long_a, "S"), track(long_b, "S")], "audio")
    ]
    assert stems == [
        "S-aaaaaaaa",
        f"S-{hashlib.sha256(long_b.encode()).hexdigest()[:16]}",
    ]


@given(
    st.lists(
        st.tuples(st.text(min_size=1), st.text() | st.none()), min_size=1, max_size=12
    )
)
def test_plan_names_are_bounded_and_distinct_whatever_the_ids(
    pairs: list[tuple[str, str | None]],
) -> None:
    """Any ids and titles: stems are unique (without case) and short in bytes."""
    tracks = [track(track_id, title) for track_id, title in pairs]
    stems = [job.stem for job in plan(tracks, "audio")]
    assert len({stem.casefold() for stem in stems}) == len(stems)
    longest = MAX_TITLE_BYTES + len("-") + MAX_ID_CHARS + len("-99")
    assert all(len(stem.encode()) <= longest for stem in stems)

"""SunoClient.download for every family's record, over HTTP against FakeSunoServer."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path
from typing import Any

import attrs
import mido
import pytest

from suno_async import (
    ConfigurationError,
    CoverImageRecord,
    DestinationExistsError,
    DownloadError,
    InvalidArgumentError,
    LocalFileError,
    LyricsRecord,
    LyricsVariant,
    MidiInstrument,
    MidiRecord,
    RecordBase,
    SeparatedStem,
    SunoClient,
    TaskStatus,
    VideoRecord,
    VocalRemovalRecord,
    WavRecord,
)
from suno_async._core.family_files import files_of, safe_text, stem_key
from suno_async.testing import FakeSunoServer, Fault, Timeline
from suno_async.testing._files import media_for

DONE = Timeline.success(None, None, 0.0)
SONG = "50n650n650n650n650n650n650n650n6"
TRACK = "7a7a7a7a-0000-4000-8000-000000000001"
TASK = "fam1fam1fam1fam1fam1fam1fam1fam1"


def body(url: str) -> bytes:
    found = media_for(url)
    assert found is not None
    return found[1]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def finished(
    fake_suno: FakeSunoServer,
    client: SunoClient,
    kind: str,
    **param: str,
) -> Any:
    """A finished task of ``kind``, read through the client."""
    task_id = fake_suno.add_task(kind=kind, timeline=DONE, param=param or None)
    return await client.get_task(task_id, kind=kind)


def success(record_type: type[Any], **fields: Any) -> Any:
    return record_type(
        task_id=TASK, status=TaskStatus.SUCCESS, status_raw="SUCCESS", **fields
    )


# --- each family's files -----------------------------------------------------------


async def test_a_wav_record_saves_its_wav_without_the_key(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """wav-<task id prefix>.wav, byte for byte; the CDN never sees the key."""
    record: WavRecord = await finished(fake_suno, suno_client, "wav")
    assert record.wav_url is not None
    paths = await suno_client.download(record, tmp_path)
    assert paths == [tmp_path / f"wav-{record.task_id[:8]}.wav"]
    assert paths[0].read_bytes() == body(record.wav_url)
    assert [r.authorization for r in fake_suno.media_requests()] == [False]


async def test_a_vocal_removal_saves_every_stem_named_by_stem(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """One file per stem with a URL, in the record's order, named after the stem."""
    record: VocalRemovalRecord = await finished(
        fake_suno, suno_client, "vocal-removal", type="separate_vocal"
    )
    prefix = record.task_id[:8]
    paths = await suno_client.download(record, tmp_path)
    assert [p.name for p in paths] == [f"{name}-{prefix}.mp3" for name in record.stems]
    assert set(record.stems) == {"vocal", "instrumental"}
    assert [p.read_bytes() for p in paths] == [body(u) for u in record.stems.values()]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        pytest.param("vocal", "vocal", id="as-keyed"),
        pytest.param("vocals", "vocal", id="plural"),
        pytest.param("Backing Vocals", "backing_vocals", id="as-the-service-names-it"),
        pytest.param("DRUM", "drums", id="singular-any-case"),
    ],
)
async def test_one_stem_is_chosen_by_name(
    fake_suno: FakeSunoServer,
    suno_client: SunoClient,
    tmp_path: Path,
    stem: str,
    expected: str,
) -> None:
    """stem= saves that stem only; case, spaces, dashes and a plural s do not matter."""
    record: VocalRemovalRecord = await finished(
        fake_suno, suno_client, "vocal-removal", type="split_stem"
    )
    [path] = await suno_client.download(record, tmp_path, stem=stem)
    assert path.name == f"{expected}-{record.task_id[:8]}.mp3"
    assert path.read_bytes() == body(record.stems[expected])


async def test_a_stem_the_record_lacks_is_a_download_error(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """The error lists the stems the record has; nothing is requested."""
    record: VocalRemovalRecord = await finished(
        fake_suno, suno_client, "vocal-removal", type="separate_vocal"
    )
    with pytest.raises(DownloadError) as caught:
        await suno_client.download(record, tmp_path, stem="drums")
    assert str(caught.value) == (
        f"task {record.task_id} has no 'drums' stem; it has: " + ", ".join(record.stems)
    )
    assert fake_suno.media_requests() == ()


async def test_a_midi_record_is_written_from_its_notes(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """midi-<task id prefix>.mid: one named track per instrument; nothing fetched."""
    record: MidiRecord = await finished(fake_suno, suno_client, "midi")
    [path] = await suno_client.download(record, tmp_path)
    assert path == tmp_path / f"midi-{record.task_id[:8]}.mid"
    midi = mido.MidiFile(file=io.BytesIO(path.read_bytes()), charset="utf-8")
    assert [t.name for t in midi.tracks[1:]] == [i.name for i in record.instruments]
    assert [sum(m.type == "note_on" for m in track) for track in midi.tracks[1:]] == [
        len(i.notes) for i in record.instruments
    ]
    assert fake_suno.media_requests() == ()


async def test_without_mido_a_midi_download_names_the_extra(
    suno_client: SunoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ConfigurationError says `pip install "suno-async[midi]"`; nothing is written."""
    monkeypatch.setitem(sys.modules, "mido", None)
    record = success(MidiRecord, instruments=(MidiInstrument(name="Bass"),))
    with pytest.raises(ConfigurationError, match=r'pip install "suno-async\[midi\]"'):
        await suno_client.download(record, tmp_path / "out")
    assert not (tmp_path / "out").exists()


async def test_a_video_record_saves_its_mp4(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """video-<task id prefix>.mp4, byte for byte."""
    record: VideoRecord = await finished(fake_suno, suno_client, "video")
    assert record.video_url is not None
    [path] = await suno_client.download(record, tmp_path)
    assert path == tmp_path / f"video-{record.task_id[:8]}.mp4"
    assert path.read_bytes() == body(record.video_url)


async def test_a_cover_image_record_saves_every_image(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """cover-<task id prefix>-<n>.png, in order, extension from the content type."""
    record: CoverImageRecord = await finished(fake_suno, suno_client, "cover-image")
    prefix = record.task_id[:8]
    paths = await suno_client.download(record, tmp_path)
    assert [p.name for p in paths] == [f"cover-{prefix}-1.png", f"cover-{prefix}-2.png"]
    assert [p.read_bytes() for p in paths] == [body(u) for u in record.image_urls]


async def test_a_lyrics_record_saves_each_variant_as_utf8_text(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """<title>-<task id prefix>-<n>.txt holding the variant's text; nothing fetched."""
    record: LyricsRecord = await finished(fake_suno, suno_client, "lyrics")
    prefix = record.task_id[:8]
    paths = await suno_client.download(record, tmp_path)
    assert [p.name for p in paths] == [
        f"{v.title}-{prefix}-{n}.txt" for n, v in enumerate(record.variants, 1)
    ]
    assert [p.read_text(encoding="utf-8") for p in paths] == [
        (v.text or "").strip("\n") + "\n" for v in record.variants
    ]
    assert fake_suno.media_requests() == ()


async def test_lyrics_text_loses_control_characters_and_keeps_unicode(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """Escapes, bidi overrides and CRs go; accents, tabs and newlines stay."""
    text = "\x1b]0;pwned\x07[Verse]\r\nL\u00e0 o\u00f9\u202e\tje\rvais\ud800"
    record = success(
        LyricsRecord, variants=(LyricsVariant(title="Caf\u00e9\x1b", text=text),)
    )
    [path] = await suno_client.download(record, tmp_path)
    assert path.name == "Caf\u00e9-fam1fam1-1.txt"
    assert path.read_bytes() == (
        "]0;pwned[Verse]\nL\u00e0 o\u00f9\tje\nvais\ufffd\n".encode()
    )


async def test_lyrics_variants_without_text_are_skipped(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """Only variants with text are saved; they keep their number."""
    variants = (
        LyricsVariant(title="a", text=None, status="error"),
        LyricsVariant(title=None, text="words"),
        LyricsVariant(title="c", text=" \n "),
    )
    paths = await suno_client.download(
        success(LyricsRecord, variants=variants), tmp_path
    )
    assert [p.name for p in paths] == ["lyrics-fam1fam1-2.txt"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        pytest.param(WavRecord, "WAV URL", id="wav"),
        pytest.param(VideoRecord, "video URL", id="video"),
        pytest.param(CoverImageRecord, "image URL", id="cover"),
        pytest.param(VocalRemovalRecord, "audio URL", id="stems"),
        pytest.param(MidiRecord, "MIDI notes", id="midi"),
        pytest.param(LyricsRecord, "lyrics", id="lyrics"),
    ],
)
async def test_a_record_without_its_files_yet_is_a_download_error(
    suno_client: SunoClient, tmp_path: Path, record: type[RecordBase], message: str
) -> None:
    """A pending record names what it lacks and its status; no folder is made."""
    pending = record(task_id=TASK, status=TaskStatus.PENDING, status_raw="PENDING")
    with pytest.raises(DownloadError) as caught:
        await suno_client.download(pending, tmp_path / "out")
    assert str(caught.value) == f"task {TASK} has no {message} yet (status PENDING)"
    assert caught.value.task_id == TASK
    assert not (tmp_path / "out").exists()


async def test_a_stem_asked_of_a_pending_removal_says_it_has_none_yet(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """Without stems, stem= gives the "not yet" error, not a missing stem."""
    pending = VocalRemovalRecord(
        task_id=TASK, status=TaskStatus.PENDING, status_raw="PENDING"
    )
    with pytest.raises(DownloadError, match=r"has no stems yet \(status PENDING\)"):
        await suno_client.download(pending, tmp_path, stem="vocal")


async def test_separated_stems_with_their_own_urls_are_saved_too(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """originData entries with URLs not among the stems are named by their group."""
    record: VocalRemovalRecord = await finished(
        fake_suno, suno_client, "vocal-removal", type="separate_vocal"
    )
    only_separated = attrs.evolve(
        record,
        stems={},
        separated=(*record.separated, SeparatedStem(id="s9", group="Bass")),
    )
    paths = await suno_client.download(only_separated, tmp_path)
    assert [p.name for p in paths] == [
        f"{stem_key(s.group or '')}-{record.task_id[:8]}.mp3" for s in record.separated
    ]
    assert [p.name.split("-")[0] for p in paths] == ["vocals", "instrumental"]


# --- settings that do not apply -------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            {"kind": "image"},
            "kind='image' applies to music tracks only, not to a wav record",
            id="kind",
        ),
        pytest.param(
            {"stem": "vocal"},
            "stem applies to vocal removal records only, not to a wav record",
            id="stem",
        ),
    ],
)
async def test_music_and_stem_settings_are_refused_for_other_records(
    suno_client: SunoClient, tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    """kind= is for tracks, stem= for vocal removal: InvalidArgumentError."""
    record = success(WavRecord, wav_url="https://cdn.example/a.wav")
    with pytest.raises(InvalidArgumentError) as caught:
        await suno_client.download(record, tmp_path, **arguments)
    assert str(caught.value) == message


async def test_a_stem_for_tracks_is_refused(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """stem= with a music record: InvalidArgumentError."""
    record = await suno_client.get_task(fake_suno.add_task(timeline=DONE))
    with pytest.raises(InvalidArgumentError, match="vocal removal records only"):
        await suno_client.download(record, tmp_path, stem="vocal")


@pytest.mark.parametrize("stem", ["", " - ", 3])
async def test_a_stem_name_must_name_something(
    suno_client: SunoClient, tmp_path: Path, stem: Any
) -> None:
    """An empty or non-string stem: InvalidArgumentError."""
    record = success(VocalRemovalRecord, stems={"vocal": "https://cdn.example/v.mp3"})
    with pytest.raises(InvalidArgumentError, match="stem must be a stem's name"):
        await suno_client.download(record, tmp_path, stem=stem)


async def test_a_record_of_no_family_is_a_type_error(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """A bare RecordBase has no files to save."""
    record = RecordBase(task_id=TASK, status=TaskStatus.SUCCESS, status_raw="SUCCESS")
    with pytest.raises(TypeError, match="cannot save a RecordBase"):
        await suno_client.download(record, tmp_path)


# --- content types, sizes, URLs ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "served", "expected"),
    [
        pytest.param("wav", "audio/mpeg", "audio/wav", id="wav-as-mp3"),
        pytest.param("video", "image/png", "video/mp4", id="video-as-image"),
        pytest.param("cover-image", "text/html", "image/*", id="cover-as-html"),
    ],
)
async def test_a_file_of_another_type_is_refused(
    fake_suno: FakeSunoServer,
    suno_client: SunoClient,
    tmp_path: Path,
    kind: str,
    served: str,
    expected: str,
) -> None:
    """Each family checks its own content type; a refused file leaves nothing."""
    record = await finished(fake_suno, suno_client, kind)
    [job], _ = files_of(attrs_first(record))
    fake_suno.fault_file(job.urls[0], Fault.mislabeled(served))
    with pytest.raises(DownloadError) as caught:
        await suno_client.download(attrs_first(record), tmp_path)
    assert caught.value.reasons == (
        f"{job.urls[0]}: unexpected content type {served} (not {expected})",
    )
    assert listing(tmp_path) == []


def attrs_first(record: Any) -> Any:
    """The record with one file: a cover's first image only."""
    if isinstance(record, CoverImageRecord):
        return attrs.evolve(record, image_urls=record.image_urls[:1])
    return record


async def test_a_generic_binary_wav_is_saved_with_a_warning(
    fake_suno: FakeSunoServer,
    suno_client: SunoClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """application/octet-stream: saved under the URL's extension, and reported."""
    record: WavRecord = await finished(fake_suno, suno_client, "wav")
    url = record.wav_url or ""
    fake_suno.fault_file(url, Fault.mislabeled("application/octet-stream"))
    with caplog.at_level(logging.WARNING, logger="suno_async"):
        [path] = await suno_client.download(record, tmp_path)
    assert path.suffix == ".wav"
    assert [r.getMessage() for r in caplog.records] == [
        f"{url} is sent as application/octet-stream, not audio/wav: saving it anyway"
    ]


async def test_a_written_file_over_the_cap_is_refused_before_writing(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """max_bytes bounds written files too: DownloadError, nothing on disk."""
    record = success(LyricsRecord, variants=(LyricsVariant(title="t", text="x" * 50),))
    with pytest.raises(DownloadError) as caught:
        await suno_client.download(record, tmp_path, max_bytes=10)
    assert str(caught.value) == (
        f"the lyrics 1 of task {TASK} is too large: over the 10-byte cap (51 bytes)"
    )
    assert listing(tmp_path) == []


async def test_a_fetched_family_file_over_the_cap_stops_at_once(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """A declared length over max_bytes: DownloadError, no file."""
    record: VideoRecord = await finished(fake_suno, suno_client, "video")
    with pytest.raises(DownloadError, match=r"too large: .*over the 5-byte cap"):
        await suno_client.download(record, tmp_path, max_bytes=5)
    assert listing(tmp_path) == []


async def test_a_url_that_is_not_http_is_never_requested(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """A file: URL in a record is refused with its reason; nothing is fetched."""
    record = success(WavRecord, wav_url="file:///etc/passwd")
    with pytest.raises(DownloadError) as caught:
        await suno_client.download(record, tmp_path)
    assert caught.value.reasons == ("file:///etc/passwd: not an http(s) URL",)
    assert fake_suno.media_requests() == ()


# --- existing files, progress, local failures -----------------------------------------


async def test_an_existing_file_is_kept_unless_overwrite(
    fake_suno: FakeSunoServer, suno_client: SunoClient, tmp_path: Path
) -> None:
    """DestinationExistsError before any request; overwrite=True replaces it."""
    record: WavRecord = await finished(fake_suno, suno_client, "wav")
    final = tmp_path / f"wav-{record.task_id[:8]}.wav"
    final.write_bytes(b"mine")
    with pytest.raises(DestinationExistsError):
        await suno_client.download(record, tmp_path)
    assert (final.read_bytes(), fake_suno.media_requests()) == (b"mine", ())
    await suno_client.download(record, tmp_path, overwrite=True)
    assert final.read_bytes() == body(record.wav_url or "")


async def test_an_existing_written_file_is_kept_unless_overwrite(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """Lyrics and MIDI files follow the same rule as fetched ones."""
    record = success(LyricsRecord, variants=(LyricsVariant(title="t", text="new"),))
    final = tmp_path / "t-fam1fam1-1.txt"
    final.write_text("old", encoding="utf-8")
    with pytest.raises(DestinationExistsError):
        await suno_client.download(record, tmp_path)
    assert final.read_text(encoding="utf-8") == "old"
    await suno_client.download(record, tmp_path, overwrite=True)
    assert final.read_text(encoding="utf-8") == "new\n"


async def test_a_written_file_reports_progress_once_done(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """on_progress sees 0, then the whole size."""
    seen: list[tuple[int, int | None]] = []
    record = success(LyricsRecord, variants=(LyricsVariant(title="t", text="abc"),))
    await suno_client.download(
        record, tmp_path, on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(0, 4), (4, 4)]


async def test_a_local_failure_leaves_no_temporary_file(
    suno_client: SunoClient, tmp_path: Path
) -> None:
    """A folder where the file goes: LocalFileError, and no .part left behind."""
    record = success(LyricsRecord, variants=(LyricsVariant(title="t", text="abc"),))
    (tmp_path / "t-fam1fam1-1.txt").mkdir()
    with pytest.raises(LocalFileError) as caught:
        await suno_client.download(record, tmp_path, overwrite=True)
    final = tmp_path / "t-fam1fam1-1.txt"
    assert str(caught.value).startswith(
        f"could not save the lyrics 1 of task {TASK} as {final}: "
    )
    assert listing(tmp_path) == ["t-fam1fam1-1.txt"]


# --- the pure helpers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Backing Vocals", "backing_vocals"),
        ("backing-vocals", "backing_vocals"),
        ("  FX ", "fx"),
        ("\u00e9!", ""),
    ],
)
def test_stem_key(name: str, expected: str) -> None:
    """Stem names compare in the record's snake_case (ASCII letters and digits)."""
    assert stem_key(name) == expected


def test_safe_text_ends_with_one_newline() -> None:
    """Leading and trailing blank lines go; exactly one newline ends the text."""
    assert safe_text("\n\nverse\n\n\n") == "verse\n"


def test_files_of_names_family_files_in_the_pure_core() -> None:
    """The plan of a two-image cover: bases, what the messages call them, URLs."""
    record = success(
        CoverImageRecord, image_urls=("https://cdn.example/a.png", "ftp://x/b.png")
    )
    with pytest.raises(DownloadError) as caught:
        files_of(record)
    assert str(caught.value) == (
        f"the cover image 2 of task {TASK} has no http(s) URL; "
        "ftp://x/b.png: not an http(s) URL"
    )

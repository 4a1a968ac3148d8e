"""Downloads over real HTTP against FakeSunoServer: files, fallbacks, limits, safety."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import itertools
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from suno_async import (
    ClientClosedError,
    DestinationExistsError,
    DownloadError,
    SunoClient,
    TaskRecord,
    Track,
)
from suno_async._core.errors import LocalFileError
from suno_async.testing import FakeSunoServer, Fault, Timeline
from suno_async.testing._files import media_for

TASK = "d0wn10ad5d0wn10ad5d0wn10ad5d0wn1"
MP3 = media_for("00000000-0000-0000-0000-000000000000.mp3")[1]  # type: ignore[index]
MP3_BYTES = len(MP3)


def jpeg(track_id: str) -> bytes:
    found = media_for(f"{track_id}.jpeg")
    assert found is not None
    return found[1]


@pytest.fixture
async def transport(fake_suno: FakeSunoServer) -> AsyncIterator[SunoClient]:
    """A client of its own, downloading through SunoClient.download."""
    async with fake_suno.client(request_timeout=5.0) as client:
        yield client


async def download(client: SunoClient, *args: Any, **kwargs: Any) -> list[Path]:
    return await client.download(*args, **kwargs)


@pytest.fixture
async def record(fake_suno: FakeSunoServer, suno_client: SunoClient) -> TaskRecord:
    """A finished two-track task; both tracks are titled "Rainy Memories"."""
    fake_suno.add_task(TASK, timeline=Timeline.success(None, None, 0.0))
    return await suno_client.get_task(TASK)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def name(track: Track, ext: str = "mp3") -> str:
    return f"{track.title}-{track.id[:8]}.{ext}"


def paths_of(fake_suno: FakeSunoServer) -> list[tuple[str, int | None]]:
    return [(r.path, r.http_status) for r in fake_suno.media_requests()]


# --- success -------------------------------------------------------------------------


async def test_a_record_downloads_every_track(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Each track's best audio lands under a distinct name, byte for byte, key-less."""
    one, two = record.tracks
    paths = await download(transport, record, tmp_path / "out" / "nested")
    folder = tmp_path / "out" / "nested"
    assert paths == [folder / name(one), folder / name(two)]
    assert name(one) != name(two)
    assert [p.read_bytes() for p in paths] == [MP3, MP3]
    assert listing(folder) == sorted([name(one), name(two)])
    assert paths_of(fake_suno) == [
        (f"/files/{one.id}.mp3", 200),
        (f"/files/{two.id}.mp3", 200),
    ]
    assert [r.authorization for r in fake_suno.media_requests()] == [False, False]


async def test_images_and_streams_have_their_own_urls_and_types(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """kind="image" saves the covers as .jpeg; kind="stream" the stream URL as .mp3."""
    one, two = record.tracks
    images = await download(transport, record, tmp_path / "img", kind="image")
    streams = await download(transport, one, tmp_path / "stream", kind="stream")
    assert images == [
        tmp_path / "img" / name(one, "jpeg"),
        tmp_path / "img" / name(two, "jpeg"),
    ]
    assert [p.read_bytes() for p in images] == [jpeg(one.id), jpeg(two.id)]
    assert streams == [tmp_path / "stream" / name(one)]
    assert paths_of(fake_suno)[-1] == (f"/files/stream/{one.id}", 200)


async def test_the_same_track_twice_is_saved_once(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """Tracks are distinct by id: one path per distinct track, in order."""
    one, two = record.tracks
    paths = await download(transport, [two, one, two], tmp_path)
    assert paths == [tmp_path / name(two), tmp_path / name(one)]


async def test_progress_reports_every_chunk(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """on_progress sees 0 first, then growing byte counts with the declared total."""
    seen: list[tuple[int, int | None]] = []
    await download(
        transport,
        record.tracks[0],
        tmp_path,
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[0] == (0, MP3_BYTES)
    assert seen[-1] == (MP3_BYTES, MP3_BYTES)
    assert [d for d, _ in seen] == sorted({d for d, _ in seen})


async def test_progress_without_a_length_and_async_handlers(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Without Content-Length the total is None; async handlers are awaited."""
    one = record.tracks[0]
    size = 1_000_000
    fake_suno.fault_file(one.audio_url or "", Fault.resized(size))
    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    [path] = await download(transport, one, tmp_path, on_progress=progress)
    assert path.stat().st_size == size
    assert path.read_bytes()[:MP3_BYTES] == MP3
    assert seen[0] == (0, None)
    assert seen[-1] == (size, None)
    steps = [b - a for (a, _), (b, _) in itertools.pairwise(seen)]
    assert len(steps) > 1
    assert all(0 < step <= 64 * 1024 for step in steps)
    assert {total for _, total in seen} == {None}


# --- fallbacks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        pytest.param((Fault.http(404),), "HTTP 404 Not Found", id="404"),
        pytest.param((Fault.http(503, body="text"),), "HTTP 503 Service Unavailable"),
        pytest.param(
            (Fault.reset(), Fault.reset()), "ServerDisconnectedError", id="reset"
        ),
        pytest.param((Fault.truncated(),), "ClientPayloadError", id="truncated"),
        pytest.param((Fault.resized(0),), "the body is empty", id="empty"),
        pytest.param((Fault.slow(2.0),), "request timed out after 0.3 s", id="slow"),
        pytest.param(
            (Fault.mislabeled("text/html"),),
            "unexpected content type text/html (not audio/*)",
            id="html",
        ),
    ],
)
async def test_a_failing_url_falls_back_to_the_next(
    transport: SunoClient,
    record: TaskRecord,
    fake_suno: FakeSunoServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    faults: tuple[Fault, ...],
    reason: str,
) -> None:
    """The stream URL saves the audio when the audio URL fails, with a warning."""
    one = record.tracks[0]
    fake_suno.fault_file(one.audio_url or "", *faults)
    with caplog.at_level(logging.WARNING, logger="suno_async"):
        paths = await download(transport, one, tmp_path, timeout=0.3)
    assert paths == [tmp_path / name(one)]
    assert paths[0].read_bytes() == MP3
    assert listing(tmp_path) == [name(one)]
    assert paths_of(fake_suno)[-1] == (f"/files/stream/{one.id}", 200)
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"download failed: {one.audio_url}: ")
    assert reason in message


async def test_when_every_url_fails_each_reason_is_told_without_tokens(
    transport: SunoClient,
    record: TaskRecord,
    fake_suno: FakeSunoServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """DownloadError lists every URL's reason, query strings removed, and no file."""
    tid = record.tracks[0].id
    signed = Track(
        id=tid,
        title="Signed",
        audio_url=f"{fake_suno.url}/files/{tid}.mp3?token=S3CR3T",
        stream_audio_url=f"{fake_suno.url}/files/stream/{tid}?sig=S3CR3T",
        source_audio_url="ftp://cdn.example.com/a.mp3?token=S3CR3T",
    )
    fake_suno.fault_file(f"/files/{tid}.mp3", Fault.http(403))
    fake_suno.fault_file(f"/files/stream/{tid}", Fault.mislabeled("application/json"))
    with pytest.raises(DownloadError) as caught:
        await download(transport, [signed], tmp_path)
    assert caught.value.reasons == (
        "ftp://cdn.example.com/a.mp3?...: not an http(s) URL",
        f"{fake_suno.url}/files/{tid}.mp3?...: HTTP 403 Forbidden",
        f"{fake_suno.url}/files/stream/{tid}?...: "
        "unexpected content type application/json (not audio/*)",
    )
    assert str(caught.value) == (
        f"could not download the audio of track {tid}: "
        + "; ".join(caught.value.reasons)
    )
    assert (caught.value.track_id, caught.value.saved) == (tid, ())
    assert "S3CR3T" not in caplog.text
    assert listing(tmp_path) == []


async def test_a_later_failure_keeps_the_files_already_saved(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Tracks are saved in order; the error names the files saved before it."""
    one = record.tracks[0]
    missing = Track(
        id="missing", title="Gone", audio_url=f"{fake_suno.url}/files/x.mp3"
    )
    with pytest.raises(DownloadError) as caught:
        await download(transport, [one, missing], tmp_path, kind="audio")
    assert caught.value.saved == (tmp_path / name(one),)
    assert listing(tmp_path) == [name(one)]


# --- limits --------------------------------------------------------------------------


async def test_a_declared_size_over_the_cap_stops_before_the_body(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Content-Length over max_bytes: DownloadError, no other URL tried, no file."""
    one = record.tracks[0]
    with pytest.raises(DownloadError) as caught:
        await download(transport, one, tmp_path, max_bytes=1000)
    reason = f"{one.audio_url}: over the 1000-byte cap (Content-Length {MP3_BYTES})"
    assert caught.value.reasons == (reason,)
    assert str(caught.value) == f"the audio of track {one.id} is too large: {reason}"
    assert len(fake_suno.media_requests()) == 1
    assert listing(tmp_path) == []


async def test_an_undeclared_size_is_counted_as_it_streams(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A huge body without Content-Length stops just past the cap; no file is left."""
    one = record.tracks[0]
    fake_suno.fault_file(one.audio_url or "", Fault.resized(50_000_000))
    with pytest.raises(DownloadError, match=r"over the 100000-byte cap \(stopped at "):
        await download(transport, one, tmp_path, max_bytes=100_000)
    assert len(fake_suno.media_requests()) == 1
    assert listing(tmp_path) == []


async def test_an_interrupted_stream_leaves_no_file(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """The only URL drops halfway: DownloadError, and neither file nor .part remains."""
    one = record.tracks[0]
    only = Track(id=one.id, title="Cut", audio_url=one.audio_url)
    fake_suno.fault_file(one.audio_url or "", Fault.truncated())
    with pytest.raises(DownloadError, match="ClientPayloadError"):
        await download(transport, only, tmp_path)
    assert listing(tmp_path) == []


async def test_cancelling_mid_download_leaves_no_file(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """Cancelled with bytes already written: the temporary file goes, CancelledError."""
    started = asyncio.Event()

    async def hang(done: int, total: int | None) -> None:
        if done:
            started.set()
            await asyncio.Event().wait()

    task = asyncio.ensure_future(
        download(transport, record.tracks[0], tmp_path, on_progress=hang)
    )
    await started.wait()
    [partial] = tmp_path.iterdir()  # bytes written, not yet under the final name
    assert (partial.name[0], partial.suffix) == (".", ".part")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert listing(tmp_path) == []


async def test_a_failing_progress_handler_leaves_no_file(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """The handler's exception propagates as is, after the cleanup."""

    def boom(done: int, total: int | None) -> None:
        if done:
            raise RuntimeError("progress bar broke")

    with pytest.raises(RuntimeError, match="progress bar broke"):
        await download(transport, record.tracks[0], tmp_path, on_progress=boom)
    assert listing(tmp_path) == []


# --- names and existing files --------------------------------------------------------


async def test_unsafe_titles_stay_inside_the_folder(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """Traversal, controls, length and emptiness become safe, distinct names."""
    url = record.tracks[0].audio_url
    titles = ["../../etc/passwd", "a\x00b\nc\u202ed", "é" * 300, "", None]
    tracks = [Track(id=f"id{i}", title=t, audio_url=url) for i, t in enumerate(titles)]
    folder = tmp_path / "out"
    paths = await download(transport, tracks, folder)
    assert [p.name for p in paths] == [
        "etc passwd-id0.mp3",
        "ab cd-id1.mp3",
        "é" * 50 + "-id2.mp3",
        "track-id3.mp3",
        "track-id4.mp3",
    ]
    assert listing(tmp_path) == ["out"]
    assert listing(folder) == sorted(p.name for p in paths)


async def test_an_existing_file_is_refused_before_any_request(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """DestinationExistsError (also FileExistsError) unless overwrite=True."""
    one = record.tracks[0]
    existing = tmp_path / name(one)
    existing.write_bytes(b"mine")
    with pytest.raises(DestinationExistsError) as caught:
        await download(transport, record, tmp_path)
    assert isinstance(caught.value, FileExistsError)
    assert (caught.value.path, caught.value.filename) == (existing, str(existing))
    assert (caught.value.task_id, caught.value.track_id) == (TASK, one.id)
    assert str(caught.value) == (
        f"{existing} exists already (pass overwrite=True to replace it) (task {TASK})"
    )
    assert fake_suno.media_requests() == ()
    assert existing.read_bytes() == b"mine"
    await download(transport, one, tmp_path, overwrite=True)
    assert existing.read_bytes() == MP3
    assert listing(tmp_path) == [name(one)]


async def test_a_dangling_link_counts_as_existing(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """A symbolic link to nowhere under the name is never followed nor replaced."""
    one = record.tracks[0]
    (tmp_path / name(one)).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DestinationExistsError):
        await download(transport, one, tmp_path)
    assert not (tmp_path / "elsewhere").exists()


async def test_an_unpredicted_name_is_checked_when_the_type_arrives(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A PNG cover is named .png; an existing .png is refused once the type is known."""
    one = record.tracks[0]
    fake_suno.fault_file(
        one.image_url or "",
        Fault.mislabeled("image/png"),
        Fault.mislabeled("image/png"),
    )
    (tmp_path / name(one, "png")).write_bytes(b"mine")
    with pytest.raises(DestinationExistsError):
        await download(transport, one, tmp_path, kind="image")
    assert listing(tmp_path) == [name(one, "png")]
    [path] = await download(transport, one, tmp_path / "new", kind="image")
    assert path.name == name(one, "png")


async def test_a_file_appearing_during_the_download_is_kept(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """The final move never replaces a file that appeared meanwhile."""
    one = record.tracks[0]
    final = tmp_path / name(one)

    def sneak(done: int, total: int | None) -> None:
        if done:
            final.write_bytes(b"theirs")

    with pytest.raises(DestinationExistsError):
        await download(transport, one, tmp_path, on_progress=sneak)
    assert final.read_bytes() == b"theirs"
    assert listing(tmp_path) == [name(one)]


@pytest.mark.parametrize("appears", [False, True])
async def test_without_hard_links_the_file_is_moved(
    transport: SunoClient,
    record: TaskRecord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    appears: bool,
) -> None:
    """On file systems without hard links, a checked rename takes over."""

    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    one = record.tracks[0]
    final = tmp_path / name(one)

    def sneak(done: int, total: int | None) -> None:
        if done and appears:
            final.write_bytes(b"theirs")

    if appears:
        with pytest.raises(DestinationExistsError):
            await download(transport, one, tmp_path, on_progress=sneak)
        assert final.read_bytes() == b"theirs"
    else:
        await download(transport, one, tmp_path, on_progress=sneak)
        assert final.read_bytes() == MP3
    assert listing(tmp_path) == [name(one)]


# --- content types and refusals ------------------------------------------------------


async def test_a_generic_binary_type_is_saved_with_a_warning(
    transport: SunoClient,
    record: TaskRecord,
    fake_suno: FakeSunoServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """application/octet-stream is what many CDNs send: saved, and reported."""
    one = record.tracks[0]
    fake_suno.fault_file(
        one.audio_url or "", Fault.mislabeled("application/octet-stream")
    )
    with caplog.at_level(logging.WARNING, logger="suno_async"):
        [path] = await download(transport, one, tmp_path)
    assert path.read_bytes() == MP3
    assert [r.getMessage() for r in caplog.records] == [
        f"{one.audio_url} is sent as application/octet-stream, not audio/*: "
        "saving it anyway"
    ]


async def test_urls_that_are_not_http_are_never_requested(
    transport: SunoClient, record: TaskRecord, fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A file: URL is skipped for the next one; with none left, nothing is requested."""
    one = record.tracks[0]
    local = Track(
        id=one.id,
        title="T",
        audio_url="file:///etc/passwd",
        stream_audio_url=one.stream_audio_url,
    )
    [path] = await download(transport, local, tmp_path)
    assert path.read_bytes() == MP3
    assert paths_of(fake_suno) == [(f"/files/stream/{one.id}", 200)]
    only_local = Track(id="x", audio_url="file:///etc/passwd")
    with pytest.raises(DownloadError, match=r"no http\(s\) audio URL"):
        await download(transport, only_local, tmp_path / "other")
    assert len(fake_suno.media_requests()) == 1


async def test_a_closed_client_refuses_downloads(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """After aclose(), ClientClosedError, not a failed URL."""
    await transport.aclose()
    with pytest.raises(ClientClosedError):
        await download(transport, record, tmp_path)
    assert listing(tmp_path) == []


async def test_the_destination_must_be_a_folder(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """A file where the folder should be: LocalFileError (ENOTDIR), also an OSError."""
    blocker = tmp_path / "out"
    blocker.write_bytes(b"")
    with pytest.raises(LocalFileError) as caught:
        await download(transport, record, blocker)
    error = caught.value
    assert isinstance(error, OSError)
    assert isinstance(error.__cause__, NotADirectoryError)
    assert (error.errno, error.filename, error.saved, error.task_id) == (
        errno.ENOTDIR,
        str(blocker),
        (),
        record.task_id,
    )
    assert str(error) == (
        f"cannot save into {blocker}: [Errno {errno.ENOTDIR}] "
        f"the download destination is not a folder: '{blocker}' (task {TASK})"
    )


async def test_hostile_ids_still_give_short_distinct_names(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """Two 1,000-character ids sharing a title and a prefix: a hash, not the id."""
    url = record.tracks[0].audio_url
    first, second = "a" * 1000, "a" * 999 + "b"
    tracks = [Track(id=i, title="Same", audio_url=url) for i in (first, second)]
    paths = await download(transport, tracks, tmp_path)
    digest = hashlib.sha256(second.encode()).hexdigest()[:16]
    assert [p.name for p in paths] == ["Same-aaaaaaaa.mp3", f"Same-{digest}.mp3"]
    assert [p.read_bytes() for p in paths] == [MP3, MP3]


async def test_a_file_system_refusal_keeps_what_was_saved(
    transport: SunoClient, record: TaskRecord, tmp_path: Path
) -> None:
    """The folder vanishing mid-call: LocalFileError naming the files saved before."""
    folder = tmp_path / "out"
    starts: list[int] = []

    def move_folder_on_the_second_file(done: int, total: int | None) -> None:
        if done == 0:
            starts.append(done)
            if len(starts) == 2:
                folder.rename(tmp_path / "moved")

    with pytest.raises(DownloadError) as caught:
        await download(
            transport, record, folder, on_progress=move_folder_on_the_second_file
        )
    error = caught.value
    one, two = record.tracks
    assert isinstance(error, LocalFileError)
    assert isinstance(error, OSError)
    assert (error.errno, error.track_id, error.saved) == (
        errno.ENOENT,
        two.id,
        (folder / name(one),),
    )
    assert isinstance(error.__cause__, FileNotFoundError)
    assert str(error).startswith(
        f"could not save the audio of track {two.id} as {folder / name(two)}: "
    )
    assert name(one) in listing(tmp_path / "moved")


async def test_a_full_disk_is_a_local_file_error(
    transport: SunoClient,
    record: TaskRecord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write or sync refused by the disk stops the call; no .part is left."""

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    one = record.tracks[0]
    with pytest.raises(LocalFileError) as caught:
        await download(transport, one, tmp_path)
    assert (caught.value.errno, caught.value.strerror, caught.value.saved) == (
        errno.ENOSPC,
        "No space left on device",
        (),
    )
    assert listing(tmp_path) == []

"""SunoClient.upload_file, and creating calls given a local file, on the simulator."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from suno_async import InvalidArgumentError, SunoClient
from suno_async.testing import FakeSunoServer, Timeline

AUDIO = b"ID3" + bytes(range(256)) * 8


@pytest.fixture
async def server() -> Any:
    async with FakeSunoServer(scale=0.01, seed=3) as s:
        yield s


@pytest.fixture
def song(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "demo song.mp3"
    path.write_bytes(AUDIO)
    return path


async def test_upload_file_hosts_a_local_file(
    server: FakeSunoServer, song: pathlib.Path
) -> None:
    """A path is streamed to the upload service; its hosted URL comes back."""
    async with server.client() as client:
        uploaded = await client.upload_file(song, file_name="demo.mp3")
    received = server.uploads()
    assert [(u.method, u.file_name, u.data) for u in received] == [
        ("stream", "demo.mp3", AUDIO)
    ]
    assert (uploaded.download_url, uploaded.size) == (received[0].download_url, 2051)


async def test_upload_file_hosts_bytes(server: FakeSunoServer) -> None:
    """Bytes are uploaded as a file too."""
    async with server.client() as client:
        uploaded = await client.upload_file(AUDIO, file_name="raw.mp3")
    assert [u.data for u in server.uploads()] == [AUDIO]
    assert uploaded.file_name == "raw.mp3"


async def test_upload_file_refuses_a_file_over_the_cap_before_sending(
    server: FakeSunoServer, song: pathlib.Path
) -> None:
    """The size check comes first: nothing reaches the service."""
    async with server.client() as client:
        with pytest.raises(InvalidArgumentError, match="2051"):
            await client.upload_file(song, max_bytes=100)
    assert (server.uploads(), server.total_requests) == ((), 0)


async def test_upload_cover_takes_a_local_file(
    server: FakeSunoServer, song: pathlib.Path
) -> None:
    """A local ``upload_url`` is uploaded first; the creation names its URL."""
    async with server.client(callback_url="https://example.com/cb") as client:
        task_id = await client.upload_cover(
            upload_url=song, prompt="in the style of a waltz"
        )
    (received,) = server.uploads()
    assert server.task(task_id).param["uploadUrl"] == received.download_url


async def test_separate_vocals_takes_a_local_file(
    server: FakeSunoServer, song: pathlib.Path
) -> None:
    """``audio_url`` may be a local path: uploaded, then separated."""
    music = server.add_task(timeline=Timeline.success(0.1, 0.2, 0.3))
    async with server.client(callback_url="https://example.com/cb") as client:
        handle = await client.separate_vocals(task_id=music, audio_url=str(song))
        record = await client.wait_for_task(handle, timeout=30)
    (received,) = server.uploads()
    assert server.task(handle).param["audioUrl"] == received.download_url
    assert record.stems


async def test_an_upload_url_is_sent_as_is(server: FakeSunoServer) -> None:
    """An http(s) URL is no file: nothing is uploaded."""
    async with server.client(callback_url="https://example.com/cb") as client:
        await client.upload_cover(
            upload_url="https://cdn.example.com/a.mp3", prompt="a waltz"
        )
    assert server.uploads() == ()


async def test_a_local_file_with_audio_id_too_is_refused_unsent(
    server: FakeSunoServer, song: pathlib.Path
) -> None:
    """Both sources: refused before uploading or creating anything."""
    async with SunoClient(
        api_key=server.api_key, base_url=server.url, callback_url="https://x.test/cb"
    ) as client:
        with pytest.raises(InvalidArgumentError, match="exactly one"):
            await client.separate_vocals(task_id="t", audio_id="a", audio_url=song)
    assert server.total_requests == 0

"""FakeSunoServer's media files on the wire: scripted faults and the download log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from suno_async.testing import FakeSunoServer, Fault, LoggedRequest, Timeline
from suno_async.testing._files import media_for

TASK = "5eed0f11e5c0ffee5eed0f11e5c0ffee"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session: these tests assert the wire, not the SDK."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def audio(fake_suno: FakeSunoServer) -> str:
    """The path of a known track's audio file."""
    fake_suno.add_task(TASK, timeline=Timeline.success(None, None, 0.0))
    return f"/files/{fake_suno.task(TASK).track_ids[0]}.mp3"


async def test_file_faults_apply_in_order_then_files_serve_normally(
    fake_suno: FakeSunoServer, http: aiohttp.ClientSession, audio: str
) -> None:
    """The Nth download gets the Nth fault (None: normal); the query is ignored."""
    body = media_for(audio)[1]  # type: ignore[index]
    fake_suno.fault_file(
        f"{fake_suno.url}{audio}?token=x",
        Fault.http(404),
        None,
        Fault.mislabeled("text/html"),
    )
    seen = []
    for _ in range(4):
        async with http.get(fake_suno.url + audio) as response:
            seen.append((response.status, response.content_type, await response.read()))
    page = seen[0][2]
    assert seen == [
        (404, "text/html", page),
        (200, "audio/mpeg", body),
        (200, "text/html", body),
        (200, "audio/mpeg", body),
    ]
    assert b"404 Not Found" in page


async def test_resized_files_are_streamed_without_a_length(
    fake_suno: FakeSunoServer, http: aiohttp.ClientSession, audio: str
) -> None:
    """resized cuts or pads the file with zeros, chunked; 0 gives an empty body."""
    body = media_for(audio)[1]  # type: ignore[index]
    fake_suno.fault_file(
        audio, Fault.resized(200_000), Fault.resized(5), Fault.resized(0)
    )
    bodies = []
    for _ in range(3):
        async with http.get(fake_suno.url + audio) as response:
            assert response.content_length is None
            bodies.append(await response.read())
    assert bodies == [body + bytes(200_000 - len(body)), body[:5], b""]


async def test_truncated_files_drop_the_connection_halfway(
    fake_suno: FakeSunoServer, http: aiohttp.ClientSession, audio: str
) -> None:
    """truncated announces the whole length and sends half of it."""
    fake_suno.fault_file(audio, Fault.truncated())
    async with http.get(fake_suno.url + audio) as response:
        assert response.content_length == len(media_for(audio)[1])  # type: ignore[index]
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


async def test_media_requests_log_downloads_and_their_authorization(
    fake_suno: FakeSunoServer, http: aiohttp.ClientSession, audio: str
) -> None:
    """Downloads are logged apart from API requests, with whether a key came along."""
    fake_suno.fault_file(audio, Fault.reset())
    async with http.get(fake_suno.url + audio) as response:  # resent once by aiohttp
        assert response.status == 200
    headers = {"Authorization": "Bearer test-key"}
    async with http.get(fake_suno.url + audio, headers=headers) as response:
        assert response.status == 200
    async with http.get(f"{fake_suno.url}/files/nope.mp3") as response:
        assert response.status == 404
    logged = [
        LoggedRequest(
            at=r.at,
            method="GET",
            path=path,
            task_id=None,
            http_status=status,
            fault=fault,
            authorization=authorization,
        )
        for r, (path, status, fault, authorization) in zip(
            fake_suno.media_requests(),
            [
                (audio, None, Fault.reset(), False),
                (audio, 200, None, False),  # aiohttp's silent resend after the reset
                (audio, 200, None, True),
                ("/files/nope.mp3", 404, None, False),
            ],
            strict=True,
        )
    ]
    assert list(fake_suno.media_requests()) == logged
    assert fake_suno.total_requests == 0


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        pytest.param(lambda: Fault.mislabeled(""), "content_type must not be empty"),
        pytest.param(lambda: Fault.resized(-1), "size_bytes must be >= 0, not -1"),
    ],
)
def test_impossible_media_faults_are_refused(build: object, problem: str) -> None:
    """An empty content type or a negative size is a ValueError."""
    with pytest.raises(ValueError, match=problem):
        build()  # type: ignore[operator]


def test_media_faults_show_their_settings() -> None:
    """Their repr names what they change."""
    assert repr(Fault.mislabeled("text/html")) == (
        "Fault(kind='mislabeled', content_type='text/html')"
    )
    assert repr(Fault.resized(10)) == "Fault(kind='resized', size_bytes=10)"

"""Every family's wait against the simulator, over real HTTP on 127.0.0.1.

Small time scales; the simulator counts the per-task limit in real seconds.
"""

from __future__ import annotations

from typing import Any

import pytest

from suno_async import (
    CoverImageGenerationFailedError,
    CoverImageRecord,
    LyricsGenerationFailedError,
    LyricsRecord,
    MidiGenerationFailedError,
    MidiRecord,
    TaskCreationFailedError,
    TaskFailedError,
    TaskKind,
    TaskNotFoundError,
    TaskStatus,
    VideoGenerationFailedError,
    VideoRecord,
    VocalRemovalRecord,
    WavConversionFailedError,
    WavRecord,
)
from suno_async._core.errors import AudioGenerationFailedError
from suno_async.testing import FakeSunoServer, Timeline

SCALE = 0.01
SUCCESSES: list[tuple[str, type[Any]]] = [
    ("lyrics", LyricsRecord),
    ("wav", WavRecord),
    ("vocal-removal", VocalRemovalRecord),
    ("midi", MidiRecord),
    ("video", VideoRecord),
    ("cover-image", CoverImageRecord),
]


def result_of(record: Any) -> Any:
    """The record's result fields, each checked filled."""
    return {
        LyricsRecord: lambda r: [v.text for v in r.variants],
        WavRecord: lambda r: r.wav_url,
        VocalRemovalRecord: lambda r: r.stems,
        MidiRecord: lambda r: r.instruments,
        VideoRecord: lambda r: r.video_url,
        CoverImageRecord: lambda r: r.image_urls,
    }[type(record)](record)


@pytest.fixture
async def server() -> Any:
    async with FakeSunoServer(scale=SCALE, seed=7) as s:
        yield s


@pytest.mark.parametrize(("kind", "record_type"), SUCCESSES)
async def test_a_realistic_task_of_every_family_succeeds(
    server: FakeSunoServer, kind: str, record_type: type[Any]
) -> None:
    """SUCCESS with the result filled, within the limit."""
    task_id = server.add_task(timeline=Timeline.realistic(3, kind=kind), kind=kind)
    async with server.client() as client:
        record = await client.wait_for_task(task_id, kind=kind, timeout=60)
    assert (type(record), record.status) == (record_type, TaskStatus.SUCCESS)
    assert result_of(record)
    assert server.limit_violations == 0


@pytest.mark.parametrize(("kind", "record_type"), SUCCESSES)
@pytest.mark.parametrize("variant", ["names", "digits", "kie-text"])
async def test_every_wire_variant_is_read(
    server: FakeSunoServer, kind: str, record_type: type[Any], variant: str
) -> None:
    """Status names, digit strings and kie's schema text all end in SUCCESS."""
    steps = [(0.0, "PENDING"), (4.0, "SUCCESS")]
    if kind == "cover-image":
        steps.insert(1, (2.0, "GENERATING"))
    task_id = server.add_task(
        timeline=Timeline(steps=steps), kind=kind, wire_variant=variant
    )
    async with server.client() as client:
        record = await client.wait_for_task(task_id, kind=kind, timeout=60)
    assert (type(record), record.status) == (record_type, TaskStatus.SUCCESS)
    assert result_of(record)
    assert server.limit_violations == 0


FAILURES: list[tuple[str, str, type[TaskFailedError]]] = [
    ("lyrics", "GENERATE_LYRICS_FAILED", LyricsGenerationFailedError),
    ("wav", "GENERATE_WAV_FAILED", WavConversionFailedError),
    ("wav", "CREATE_TASK_FAILED", TaskCreationFailedError),
    ("vocal-removal", "GENERATE_AUDIO_FAILED", AudioGenerationFailedError),
    ("midi", "3", MidiGenerationFailedError),
    ("midi", "2", TaskCreationFailedError),
    ("video", "GENERATE_MP4_FAILED", VideoGenerationFailedError),
    ("cover-image", "GENERATE_COVER_FAILED", CoverImageGenerationFailedError),
]


@pytest.mark.parametrize(("kind", "status", "error_type"), FAILURES)
async def test_each_documented_failure_raises_its_error(
    server: FakeSunoServer, kind: str, status: str, error_type: type[Exception]
) -> None:
    """The failure's error subclass carries the simulator's message."""
    task_id = server.add_task(timeline=Timeline.failure(status, at_s=2.0), kind=kind)
    async with server.client() as client:
        with pytest.raises(error_type) as caught:
            await client.wait_for_task(task_id, kind=kind, timeout=30)
    assert type(caught.value) is error_type
    assert caught.value.error_message
    assert server.limit_violations == 0


async def test_a_young_task_is_waited_through(server: FakeSunoServer) -> None:
    """``data: null`` for the first seconds, then the task: the wait succeeds."""
    timeline = Timeline.realistic(1, kind="video").not_found_for(10.0)
    task_id = server.add_task(timeline=timeline, kind="video")
    async with server.client() as client:
        record = await client.wait_for_task(task_id, kind=TaskKind.VIDEO, timeout=60)
    assert (record.status, bool(record.video_url)) == (TaskStatus.SUCCESS, True)


async def test_an_unknown_id_ends_in_task_not_found(server: FakeSunoServer) -> None:
    """An id no family knows is TaskNotFoundError after the grace period."""
    async with server.client() as client:
        with pytest.raises(TaskNotFoundError):
            await client.wait_for_task("0" * 32, kind="wav", timeout=60)

"""Every task family through the same calls; type-checked by mypy, never run."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from suno_async import (
    AlignedWord,
    BoostedStyle,
    CoverImageRecord,
    DuplicateTaskError,
    LyricsRecord,
    MidiRecord,
    Persona,
    RecordBase,
    SunoClient,
    TaskEvent,
    TaskHandle,
    TaskKind,
    TaskOutcome,
    TaskRecord,
    TaskWait,
    TimestampedLyrics,
    Track,
    VideoRecord,
    VocalRemovalRecord,
    WaitMany,
    WavRecord,
)


async def handles_carry_their_record_type(
    client: SunoClient, wav: TaskHandle[WavRecord]
) -> None:
    """A handle's wait and read give its family's record, typed."""
    assert_type(client.wait_for_task(wav), TaskWait[WavRecord])
    assert_type(await client.wait_for_task(wav), WavRecord)
    assert_type(await client.get_task(wav), WavRecord)
    async for event in client.wait_for_task(wav):
        assert_type(event, TaskEvent[WavRecord])
        assert_type(event.record.wav_url, str | None)
    assert_type(wav.kind, TaskKind)
    assert_type(wav.task_id, str)


async def music_stays_the_default(client: SunoClient, task_id: str) -> None:
    """Plain ids without a kind are music tasks, typed as before."""
    assert_type(await client.wait_for_task(task_id), TaskRecord)
    assert_type(await client.get_task(task_id, kind="music"), TaskRecord)
    assert_type(client.wait_many([task_id]), WaitMany[TaskRecord])
    outcome: TaskOutcome = (await client.wait_many([task_id]))[0]
    assert_type(outcome, TaskOutcome[TaskRecord])
    event: TaskEvent = await anext(aiter(client.wait_for_task(task_id)))
    assert_type(event.record.tracks, tuple[Track, ...])


async def a_kind_by_value(client: SunoClient, task_id: str) -> RecordBase:
    """``kind=`` with a plain id: the record is the family's (typed loosely)."""
    record: RecordBase = await client.wait_for_task(task_id, kind="wav")
    assert_type(client.wait_many([task_id], kind=TaskKind.MIDI), WaitMany[Any])
    return record


async def every_family_is_created_typed(client: SunoClient, song: str) -> None:
    """Each creating call returns a handle typed with its family's record."""
    lyrics = await client.generate_lyrics("a song about the sea")
    assert_type(lyrics, TaskHandle[LyricsRecord])
    assert_type(await client.wait_for_task(lyrics), LyricsRecord)
    wav = await client.convert_to_wav(task_id=song, audio_id="a1", reuse_existing=True)
    assert_type(await client.get_task(wav), WavRecord)
    stems = await client.separate_vocals(task_id=song, audio_id="a1", mode="split_stem")
    assert_type(stems, TaskHandle[VocalRemovalRecord])
    await client.separate_vocals(task_id=song, mode="karaoke")  # type: ignore[arg-type]
    midi = await client.generate_midi(task_id=stems)
    assert_type(await client.wait_for_task(midi), MidiRecord)
    video = await client.create_video(task_id=song, audio_id="a1", author="me")
    assert_type(video, TaskHandle[VideoRecord])
    cover = await client.generate_cover_image(task_id=song)
    assert_type(cover, TaskHandle[CoverImageRecord])
    assert_type((await client.wait_for_task(cover)).image_urls, tuple[str, ...])
    try:
        await client.convert_to_wav(task_id=song, audio_id="a1")
    except DuplicateTaskError as exc:
        assert_type(exc.existing_task_id, str | None)


async def sync_calls_are_typed(client: SunoClient, song: str) -> None:
    """The synchronous calls return their frozen results."""
    lyrics = await client.get_timestamped_lyrics(task_id=song, audio_id="a1")
    assert_type(lyrics, TimestampedLyrics)
    assert_type(lyrics.words[0], AlignedWord)
    assert_type(lyrics.words[0].start_s, float | None)
    style = await client.boost_style("dark synthwave")
    assert_type(style, BoostedStyle)
    assert_type(style.style, str | None)
    persona = await client.generate_persona(
        task_id=song, audio_id="a1", name="Ann", description="warm alto", vocal_end=20
    )
    assert_type(persona, Persona)
    assert_type(persona.persona_id, str)

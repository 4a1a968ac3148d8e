"""From a song to its stems, WAV master, MIDI, music video and cover image.

    python song_to_everything.py "a calm piano piece" \
        --callback-url https://example.com/suno/callback --out release/

Makes a song, then from its first track a WAV, the separated stems, a MIDI
transcription of the stems, a video and a cover image, all waited for at
once; saves every file into ``--out`` and prints its path.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
from collections.abc import Sequence

import suno_async as suno


async def cover_for(
    client: suno.SunoClient, song: str
) -> suno.TaskHandle[suno.CoverImageRecord]:
    """The song's cover task: a new one, or the one the service already has."""
    return await client.generate_cover_image(task_id=song, reuse_existing=True)


async def release(
    client: suno.SunoClient, prompt: str, out: pathlib.Path
) -> list[pathlib.Path]:
    """Every derived file of a new song from ``prompt``, saved into ``out``."""
    song = await client.generate(prompt=prompt, instrumental=True)
    record = await client.wait_for_task(song)
    track = record.tracks[0]
    print("song", song, "track", track.id)

    wav = await client.convert_to_wav(task_id=song, audio_id=track.id)
    stems = await client.separate_vocals(task_id=song, audio_id=track.id)
    video = await client.create_video(task_id=song, audio_id=track.id)
    cover = await cover_for(client, song)

    # Each handle knows its family: wait_many reads each from its endpoint.
    results: list[suno.RecordBase] = [record]
    async for outcome in client.wait_many([wav, stems, video, cover]):
        done = outcome.unwrap()  # raises the task's error if it failed
        print(f"{done.kind.value:>13} {done.status.value}")
        results.append(done)

    # MIDI is transcribed from the separated stems, once they are done.
    midi = await client.generate_midi(task_id=stems)
    results.append(await client.wait_for_task(midi))

    saved: list[pathlib.Path] = []
    for done in results:
        saved += await client.download(done, out)
    return saved


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompt", help="what the song is about")
    parser.add_argument("--callback-url", required=True, help="your https endpoint")
    parser.add_argument("--out", default="release", help="the folder for the files")
    parser.add_argument("--base-url", help="another service, or the simulator")
    args = parser.parse_args(argv)
    async with suno.SunoClient(
        base_url=args.base_url, callback_url=args.callback_url
    ) as client:
        try:
            paths = await release(client, args.prompt, pathlib.Path(args.out))
        except suno.TaskFailedError as error:
            print("failed:", error.status.value, error.error_message, file=sys.stderr)
            return 1
    for path in paths:
        print("saved", path)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

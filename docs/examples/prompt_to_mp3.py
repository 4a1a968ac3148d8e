"""From a prompt to MP3 files: create the task, wait for it, save its tracks.

    python prompt_to_mp3.py "a calm piano piece for a rainy evening" \
        --callback-url https://example.com/suno/callback --out songs/

Prints each milestone as it is reached, then the paths of the saved files.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import suno_async as suno


async def make_song(
    client: suno.SunoClient,
    prompt: str,
    *,
    instrumental: bool = False,
    timeout: float = 600.0,
) -> suno.TaskRecord:
    """Create a song from ``prompt``; its record once both tracks are final."""
    task_id = await client.generate(prompt=prompt, instrumental=instrumental)
    print("created", task_id)

    def show(event: suno.TaskEvent) -> None:
        print(f"{event.elapsed:6.1f} s  {event.status.value}")

    return await client.wait_for_task(task_id, timeout=timeout, on_event=show)


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompt", help="what the song is about (500 characters)")
    parser.add_argument("--instrumental", action="store_true")
    parser.add_argument("--callback-url", required=True, help="your https endpoint")
    parser.add_argument("--out", default=".", help="the folder for the files")
    parser.add_argument("--base-url", help="another service, or the simulator")
    args = parser.parse_args(argv)
    async with suno.SunoClient(
        base_url=args.base_url, callback_url=args.callback_url
    ) as client:
        try:
            record = await make_song(
                client, args.prompt, instrumental=args.instrumental
            )
        except suno.InvalidArgumentError as error:  # nothing was sent
            print("refused:", error, file=sys.stderr)
            return 2
        except suno.TaskFailedError as error:
            print("failed:", error.status.value, error.error_message, file=sys.stderr)
            return 1
        for path in await client.download(record, args.out):
            print("saved", path)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""Wait for a file of task ids, printing each outcome as it comes.

    python batch.py task_ids.txt --timeout 1800 --rate 20

The file holds task ids separated by whitespace (one a line, say). Exits 1
if any task failed or timed out.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import suno_async as suno


async def wait_all(
    client: suno.SunoClient,
    task_ids: Iterable[str],
    *,
    timeout: float = 1800.0,
    max_concurrency: int = 200,
) -> list[suno.TaskOutcome]:
    """Print one line per task as it ends; return the outcomes that failed."""
    failures = []
    async for outcome in client.wait_many(
        task_ids, timeout=timeout, max_concurrency=max_concurrency
    ):
        if outcome.record is not None:
            urls = [track.audio_url for track in outcome.record.tracks]
            print("ok     ", outcome.task_id, *urls)
        else:
            failures.append(outcome)
            print("failed ", outcome.task_id, reason(outcome.error))
    return failures


def reason(error: Exception | None) -> str:
    """Why a task did not succeed, in a few words."""
    if isinstance(error, suno.TaskFailedError):
        return f"{error.record.status_raw}: {error.error_message}"
    if isinstance(error, suno.WaitTimeoutError):
        last = error.last_record
        return f"timed out at {'no answer' if last is None else last.status_raw}"
    return f"{type(error).__name__}: {error}"


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="task ids, one per line")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds")
    parser.add_argument("--max-concurrency", type=int, default=200)
    parser.add_argument("--rate", type=float, help="max requests per second")
    parser.add_argument("--base-url", help="another service, or the simulator")
    args = parser.parse_args(argv)
    lines = args.file.read_text(encoding="utf-8").split()
    task_ids = list(dict.fromkeys(lines))  # each id once, in file order
    async with suno.SunoClient(
        base_url=args.base_url, max_requests_per_second=args.rate
    ) as client:
        failures = await wait_all(
            client,
            task_ids,
            timeout=args.timeout,
            max_concurrency=args.max_concurrency,
        )
    print(f"{len(task_ids) - len(failures)} done, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

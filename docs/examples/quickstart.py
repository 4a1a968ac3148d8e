"""The quickstart: a first wait for a task, against the simulator.

Run it with ``python quickstart.py``: no key, no network, about a minute.
"""

from __future__ import annotations

import asyncio

import suno_async as suno
from suno_async.testing import FakeSunoServer, Timeline


async def follow(client: suno.SunoClient, task_id: str) -> suno.TaskRecord:
    """Print the task's status, then each milestone as it comes; the final record."""
    record = await client.get_task(task_id)
    print(f"task {task_id} is {record.status}")
    async for event in client.wait_for_task(task_id, timeout=600):
        late = ", passed between two polls" if event.inferred else ""
        print(f"{event.elapsed:5.1f} s  {event.status} (poll {event.polls}{late})")
        record = event.record
    for track in record.tracks:
        print(f"{track.title}: {track.audio_url}")
    return record


async def main() -> None:
    async with FakeSunoServer() as server:
        # Lyrics after 4 s, the first track at 20 s, done at 45 s.
        task_id = server.add_task(timeline=Timeline.success(4, 20, 45))
        async with server.client() as client:
            await follow(client, task_id)


if __name__ == "__main__":
    asyncio.run(main())

"""A chat bot's progress message: one message, edited at each milestone.

Framework-neutral: ``send(text)`` posts a message and returns it,
``edit(message, text)`` changes it. Checkpoints go to ``checkpoints`` (a
dict here; a database table or a Redis hash in a real bot), so a restarted
bot resumes without announcing a milestone twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TypeVar

import suno_async as suno

Message = TypeVar("Message")


async def follow_task(
    client: suno.SunoClient,
    task_id: str,
    *,
    send: Callable[[str], Awaitable[Message]],
    edit: Callable[[Message, str], Awaitable[object]],
    checkpoints: MutableMapping[str, str],
    timeout: float = 600.0,
) -> suno.TaskRecord | None:
    """Keep one message up to date while the task runs; the record at SUCCESS."""
    resume = checkpoints.get(task_id)  # saved before a restart, if any
    message = await send("Still composing..." if resume else "Composing...")
    record: suno.TaskRecord | None = None
    wait = client.wait_for_task(task_id, timeout=timeout, resume=resume)
    try:
        async with wait:  # stops polling at once if an edit raises
            async for event in wait:
                await edit(message, describe(event))
                # Saved after the edit: a crash in between repeats one edit
                # at most, and never skips one.
                checkpoints[task_id] = event.checkpoint()
                record = event.record
    except suno.TaskFailedError as exc:
        await edit(message, f"Sorry, that failed: {exc.error_message}")
        record = None
    except suno.WaitTimeoutError:
        await edit(message, "This is taking too long, I stopped watching.")
        record = None
    checkpoints.pop(task_id, None)  # this task is over for the bot
    return record


def describe(event: suno.TaskEvent) -> str:
    """The message text for one milestone."""
    if event.status is suno.TaskStatus.TEXT_SUCCESS:
        return "Lyrics written, now the music..."
    playable = [
        f"{track.title}: {track.best_audio_url}"
        for track in event.record.tracks
        if track.best_audio_url
    ]
    if event.status is suno.TaskStatus.FIRST_SUCCESS:
        return "\n".join(["First track ready!", *playable[:1]])
    return "\n".join(["Done!", *playable])

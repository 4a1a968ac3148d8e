"""Durable waits as users write them; type-checked by mypy, never run."""

from __future__ import annotations

from typing import Any

import redis.asyncio
from typing_extensions import assert_type

from suno_async import (
    SunoClient,
    TaskEvent,
    TaskHandle,
    TaskJournal,
    TaskKind,
    TaskRecord,
    TrackedOutcome,
    TrackedOutcomes,
)
from suno_async.redis import JournalStatus, RedisTaskJournal


async def bot(shared: redis.asyncio.Redis) -> None:
    journal = RedisTaskJournal(shared, name="my-bot", lease=30.0)
    protocol: TaskJournal = journal  # the Redis journal is a TaskJournal
    assert_type(await protocol.pending_count(), int)
    assert_type(await journal.status(), JournalStatus)

    def on_event(event: TaskEvent[Any]) -> None:
        print(event.status)

    async with SunoClient(journal=journal) as client:
        handle = await client.generate(prompt="x", track=True, meta={"chat_id": 42})
        assert_type(handle, TaskHandle[TaskRecord])
        lyrics = await client.generate_lyrics("x", track=True, meta=[1, 2])
        assert_type(await client.track(lyrics, kind=TaskKind.LYRICS), bool)
        outcomes = client.tracked_outcomes(max_tasks=10, on_event=on_event)
        assert_type(outcomes, TrackedOutcomes)
        async for outcome in outcomes:
            assert_type(outcome, TrackedOutcome[Any])
            assert_type(outcome.redelivered, bool)
            await outcome.ack()

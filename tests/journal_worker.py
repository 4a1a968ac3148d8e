"""Worker processes of the journal tests (run by tests/test_journal_fleet.py).

Each runs ``--workers`` asyncio workers, each a SunoClient with its own
RedisTaskJournal consumer on one journal, prints ``{"ready": [consumers]}``
and then one JSON line per milestone (``{"task", "status", "worker"}``), per
outcome handed out (``{"task", "outcome", "redelivered", "worker", "at"}``:
``"done"`` or the error's class name; ``at`` is ``time.monotonic()``) and per
acknowledgement (``{"acked"}``). With ``--stall-after N`` it never acknowledges
its N-th outcome (nor goes on), to be killed there. It runs until killed, or
until the journal is empty ``--stop-when-empty`` seconds after its start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import redis.asyncio

from suno_async import PollPolicy, RetryPolicy, SunoClient, TaskEvent
from suno_async.redis import RedisTaskJournal


def say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def work(args: argparse.Namespace, journal: RedisTaskJournal) -> None:
    worker = journal.consumer
    client = SunoClient(
        "test-key",
        base_url=args.base_url,
        poll=PollPolicy(
            kind="fixed", interval_s=args.poll_s, first_poll_max_s=args.poll_s
        ),
        retry=RetryPolicy(initial_s=0.05, max_s=0.2),
        journal=journal,
    )

    def event(e: TaskEvent[object]) -> None:
        say(task=e.task_id, status=e.status.name, worker=worker)

    handed_out = 0
    async with (
        client,
        client.tracked_outcomes(max_tasks=args.max_tasks, on_event=event) as outcomes,
    ):
        async for outcome in outcomes:
            name = "done" if outcome.ok else type(outcome.error).__name__
            say(
                task=outcome.task_id,
                outcome=name,
                redelivered=outcome.redelivered,
                worker=worker,
                at=time.monotonic(),
            )
            handed_out += 1
            if handed_out == args.stall_after:
                await asyncio.Event().wait()  # killed here, before the ack
            # The stop (below) cancels the workers once the journal is empty,
            # which an acknowledgement just made so: finish it and say so.
            ack = asyncio.ensure_future(outcome.ack())
            try:
                await asyncio.shield(ack)
            finally:
                await ack
                say(acked=outcome.task_id, worker=worker)


async def main(args: argparse.Namespace) -> None:
    shared = redis.asyncio.Redis.from_url(args.redis_url, max_connections=200)
    journals = [
        RedisTaskJournal(
            shared, name=args.name, lease=args.lease, claim_interval_s=args.claim_s
        )
        for _ in range(args.workers)
    ]
    say(ready=[journal.consumer for journal in journals])
    workers = [asyncio.ensure_future(work(args, journal)) for journal in journals]
    if args.stop_when_empty:
        await asyncio.sleep(args.stop_when_empty)
        while await journals[0].pending_count():
            await asyncio.sleep(0.05)
        for worker in workers:
            worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    say(stopped=True)
    await shared.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--claim-s", type=float, default=0.1)
    parser.add_argument("--poll-s", type=float, default=0.1)
    parser.add_argument("--max-tasks", type=int, default=100)
    parser.add_argument("--stall-after", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stop-when-empty", type=float, default=0.0)
    asyncio.run(main(parser.parse_args()))

"""One worker process of the scale-out tests (run by tests/test_redis.py).

It makes a SunoClient sharing Redis (limiter and callback bus), prints
``{"ready": hook_url_or_null}``, waits for a line on stdin, then waits for
every task id given and prints one JSON line per milestone
(``{"task", "status"}``) and per outcome (``{"task", "outcome"}``: ``"done"``
or the error's class name, ``WaitTimeoutError`` once ``--timeout`` passed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import redis.asyncio
from aiohttp import web

from suno_async import PollPolicy, RetryPolicy, SunoClient, SunoError
from suno_async.redis import RedisCallbackBus, RedisRateLimiter
from suno_async.webhooks import callback_handler


def say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def wait_one(client: SunoClient, task_id: str, timeout: float) -> None:
    try:
        async for event in client.wait_for_task(task_id, timeout=timeout):
            say(task=task_id, status=event.status.name)
        outcome = "done"
    except SunoError as exc:
        outcome = type(exc).__name__
    say(task=task_id, outcome=outcome)


async def main(args: argparse.Namespace) -> None:
    shared = redis.asyncio.Redis.from_url(args.redis_url, socket_timeout=1.0)
    bus = RedisCallbackBus(shared, prefix=args.prefix)
    client = SunoClient(
        "test-key",
        base_url=args.base_url,
        poll=PollPolicy.fixed(args.poll_s),
        retry=RetryPolicy(initial_s=0.05, max_s=0.2),
        rate_limiter=RedisRateLimiter(
            shared, prefix=args.prefix, redis_timeout_s=1.0, fallback=args.fallback
        ),
        callback_bus=bus,
    )
    runner = None
    hook = None
    if args.hook:
        runner = web.AppRunner(web.Application())
        runner.app.router.add_post("/hook", callback_handler(client))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        hook = f"http://{host}:{port}/hook"
    say(ready=hook)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    async with client:
        await asyncio.gather(*(wait_one(client, t, args.timeout) for t in args.tasks))
    say(joined=sorted(bus.joined))
    await bus.aclose()
    if runner is not None:
        await runner.cleanup()
    await shared.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--poll-s", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--hook", action="store_true")
    parser.add_argument("--fallback", choices=["error", "local"], default="error")
    parser.add_argument("tasks", nargs="+")
    asyncio.run(main(parser.parse_args()))

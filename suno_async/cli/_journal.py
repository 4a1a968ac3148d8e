"""``suno-async journal status``: what a durable waits' journal holds now.

It reads the journal of :class:`suno_async.redis.RedisTaskJournal` (needs
the ``redis`` extra, imported only when the command runs): how many tasks
are tracked, held by workers or waiting for one, the oldest task's age and
the workers Redis knows. No API key is needed.
"""

from __future__ import annotations

from typing import Any

import click

from suno_async._core.errors import ConfigurationError
from suno_async.cli._exit import ExitCode
from suno_async.cli._json_lines import JsonLines
from suno_async.cli._run import Output, Settings, command, global_options, merge
from suno_async.cli._terminal import printable

__all__ = ["journal"]


@click.group()
@global_options
@click.pass_context
def journal(ctx: click.Context, /, **given: Any) -> None:
    """Inspect the journal of durable waits (suno_async.redis.RedisTaskJournal)."""
    ctx.obj = merge(ctx, given)


@command(
    click.option("--redis-url", required=True, help="The journal's Redis URL."),
    click.option("--name", required=True, help="The journal's name."),
    click.option(
        "--prefix", default="suno_async", show_default=True, help="Its key prefix."
    ),
)
async def status(
    settings: Settings, output: Output, redis_url: str, name: str, prefix: str
) -> ExitCode:
    """Show a journal's tasks (tracked, held, waiting), oldest task and workers."""
    try:
        import redis.asyncio

        from suno_async.redis import RedisTaskJournal
    except ImportError:  # pragma: no cover - the tests run with the extra
        raise ConfigurationError(
            'journal status needs the redis extra: pip install "suno-async[redis]"'
        ) from None
    try:
        connection = redis.asyncio.Redis.from_url(redis_url)
    except ValueError as exc:
        raise ConfigurationError(f"--redis-url is not a Redis URL: {exc}") from None
    try:
        found = await RedisTaskJournal(connection, name=name, prefix=prefix).status()
    finally:
        await connection.aclose()
    if isinstance(output, JsonLines):
        output.emit("journal", {"name": name, **found.to_dict()})
        return ExitCode.OK
    oldest = "none" if found.oldest_age_s is None else f"{found.oldest_age_s:.1f} s"
    output.note(
        f"journal {printable(name)}: {found.tracked} tracked, {found.held} held "
        f"by workers, {found.unclaimed} waiting for one; oldest: {oldest}"
    )
    for worker in found.workers:
        output.note(
            f"  worker {printable(worker.name)}: holds {worker.held}, "
            f"idle {worker.idle_s:.1f} s"
        )
    return ExitCode.OK


journal.add_command(status)

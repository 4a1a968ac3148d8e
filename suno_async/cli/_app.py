"""The ``suno-async`` command line (click): the group, ``status``, ``wait``, ``demo``.

``generate``, ``download`` and ``credits`` are in
:mod:`suno_async.cli._create`; ``lyrics``, ``wav``, ``stems``, ``midi``,
``video`` and ``cover`` in :mod:`suno_async.cli._families`; how every
command runs (settings, output, errors) is :mod:`suno_async.cli._run`.
"""

from __future__ import annotations

import random
from typing import Any

import click

from suno_async._core.kinds import TaskKind
from suno_async._core.version import __version__
from suno_async.cli._create import credits, download, generate
from suno_async.cli._demo import DEMO_SCALE, DEMO_TASKS, DemoResult, run_demo
from suno_async.cli._exit import ExitCode, worst
from suno_async.cli._families import FAMILY_COMMANDS
from suno_async.cli._journal import journal
from suno_async.cli._polls import PollCounter
from suno_async.cli._run import (
    EXIT_CODES_HELP,
    Output,
    Settings,
    command,
    error_line,
    execute,
    global_options,
    kind_option,
    merge,
    report_worst,
    wait_and_summarize,
    wait_options,
)

__all__ = ["Settings", "cli", "demo_exit_code", "execute"]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@global_options
@click.version_option(__version__, "--version", prog_name="suno-async")
@click.pass_context
def cli(ctx: click.Context, /, **given: Any) -> None:
    """Create, wait for and download Suno tasks; try it with `suno-async demo`.

    The options below may also follow the command's name (`suno-async status
    ID --json`); given in both places, the one after the command wins.
    """
    ctx.obj = merge(ctx, given)


# --- status -------------------------------------------------------------------


@command(click.argument("task_id"), kind_option)
async def status(
    settings: Settings, output: Output, task_id: str, kind: str
) -> ExitCode:
    """Show a task's status and results: tracks and URLs, stems, notes... (one request).

    Exits 0 whenever the record was read, whatever the task's status.
    """
    async with settings.client() as client:
        record = await client.get_task(task_id, kind=TaskKind(kind))
    output.record(record)
    return ExitCode.OK


# --- wait ---------------------------------------------------------------------


@command(
    click.argument("task_ids", metavar="TASK_ID...", nargs=-1, required=True),
    kind_option,
    wait_options,
)
async def wait(
    settings: Settings,
    output: Output,
    task_ids: tuple[str, ...],
    kind: str,
    until: str,
    timeout: float,
) -> ExitCode:
    """Wait for tasks (all of one --kind), showing each milestone, then a summary.

    The polls shown are the requests really sent for each task.
    """
    polls = PollCounter()
    async with settings.client(polls) as client:
        board = await wait_and_summarize(
            settings,
            output,
            client,
            task_ids,
            until=until,
            timeout=timeout,
            polls=polls,
            kind=TaskKind(kind),
        )
    return board.exit_code


# --- demo ---------------------------------------------------------------------


@command(
    click.option(
        "--tasks",
        type=click.IntRange(1, 1000),
        default=DEMO_TASKS,
        show_default=True,
        help="How many tasks to simulate.",
    ),
    click.option(
        "--scale",
        type=click.FloatRange(min=0, min_open=True, max=10),
        default=DEMO_SCALE,
        show_default=True,
        help="Real seconds per simulated second (0.1: ten times faster).",
    ),
    click.option(
        "--seed", type=int, default=None, help="Replay a run (default: random)."
    ),
)
async def demo(
    settings: Settings, output: Output, tasks: int, scale: float, seed: int | None
) -> ExitCode:
    """Create, wait for and download simulated tasks: no key, no network.

    Starts FakeSunoServer on 127.0.0.1, creates tasks with realistic
    timelines as `generate` does, waits for them all as `wait` does, then
    downloads every track into a temporary folder (deleted at the end) and
    lists the files. Times are simulated seconds. Exits 4 if the simulator
    counted any request over the per-task rate limit.
    """
    if seed is None:
        seed = random.randrange(1_000_000)
    result = await run_demo(settings, output, tasks=tasks, scale=scale, seed=seed)
    return demo_exit_code(settings, result)


def demo_exit_code(settings: Settings, result: DemoResult) -> ExitCode:
    """The tasks' worst outcome; an API error if the rate limit was exceeded."""
    report_worst(settings, result.board)
    if not result.limit_violations:
        return result.exit_code
    error_line(
        settings,
        f"the simulator counted {result.limit_violations} requests "
        "over the per-task rate limit",
    )
    return worst([result.exit_code, ExitCode.API_ERROR])


for _command in (status, wait, demo, generate, download, credits, *FAMILY_COMMANDS):
    cli.add_command(_command)
cli.add_command(journal)

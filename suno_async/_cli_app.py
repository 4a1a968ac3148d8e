"""The ``suno-async`` command line: ``status``, ``wait`` and ``demo`` (click).

Every command runs one coroutine through :func:`execute`, which turns its
errors into one ``error: ...`` line on stderr (a traceback only with
``-v``) and an :class:`~suno_async._cli.ExitCode`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, NoReturn

import attrs
import click
from rich.console import Console

from ._cli import ExitCode, Redactor, exit_code_for, worst
from ._cli_board import Board, watch
from ._cli_demo import DEMO_SCALE, DEMO_TASKS, DemoResult, Output, run_demo
from ._cli_display import RichDisplay, plain_console
from ._cli_json import JsonLines
from ._client import SunoClient
from ._config import API_KEY_ENV_VARS, DEFAULT_WAIT_TIMEOUT, PROVIDERS
from ._errors import ConfigurationError, SunoError
from ._models import TaskStatus
from ._version import __version__

__all__ = ["Settings", "cli", "demo_exit_code", "execute"]

#: ``--until`` choices.
UNTIL: Final = {
    "text": TaskStatus.TEXT_SUCCESS,
    "first": TaskStatus.FIRST_SUCCESS,
    "success": TaskStatus.SUCCESS,
}
EXIT_CODES_HELP: Final = """\b
Exit codes:
  0    success
  1    a task failed (TaskFailedError)
  2    usage error: bad option, no API key, invalid task id or setting
  3    timeout (WaitTimeoutError)
  4    API or network error (APIError, TransportError, DecodeError...)
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped to head)
With several tasks the worst outcome decides: 2 > 4 > 3 > 1 > 0.
"""
_LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@attrs.frozen(kw_only=True)
class Settings:
    """The global options, as the commands see them."""

    api_key: str | None = attrs.field(repr=False)
    base_url: str | None = None
    provider: str = "apikley"
    json: bool = False
    verbose: bool = False

    @property
    def redact(self) -> Redactor:
        """Masks every key this run may use (option and environment)."""
        keys = [self.api_key, *(os.environ.get(name) for name in API_KEY_ENV_VARS)]
        return Redactor(keys)

    def client(self) -> SunoClient:
        """A client for the chosen provider; a clear error when no key is set."""
        if not self.api_key and not any(os.environ.get(n) for n in API_KEY_ENV_VARS):
            raise ConfigurationError(
                f"no API key: pass --api-key or set {' or '.join(API_KEY_ENV_VARS)}"
            )
        return SunoClient(
            self.api_key or None,
            provider=PROVIDERS[self.provider],
            base_url=self.base_url,
        )


class _StderrHandler(logging.Handler):
    """Log lines to the current ``sys.stderr`` (the live display redirects it)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(logging.DEBUG)
        self._redact = redact
        self.setFormatter(logging.Formatter(_LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self._redact(self.format(record)) + "\n")
        except Exception:  # pragma: no cover - logging's own policy
            self.handleError(record)


@contextlib.contextmanager
def _debug_logging(settings: Settings) -> Iterator[None]:
    """With ``-v``: the ``suno_async`` logger at DEBUG on stderr, keys masked."""
    if not settings.verbose:
        yield
        return
    logger = logging.getLogger("suno_async")
    handler = _StderrHandler(settings.redact)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _error_line(settings: Settings, message: str) -> None:
    click.echo(settings.redact(f"error: {message}"), err=True)


def _output(settings: Settings) -> Output:
    if settings.json:
        return JsonLines()
    console = Console(highlight=False)
    return RichDisplay(console if console.is_terminal else plain_console())


def execute(
    settings: Settings, work: Callable[[Output], Awaitable[ExitCode]]
) -> NoReturn:
    """Run ``work`` to its exit status; errors become one line on stderr."""
    output = _output(settings)

    async def run() -> ExitCode:
        return await work(output)

    with _debug_logging(settings):
        try:
            code = asyncio.run(run())
        except KeyboardInterrupt:
            _error_line(settings, "interrupted")
            code = ExitCode.INTERRUPTED
        except BrokenPipeError:
            # The reader left (`| head`): stop quietly, as other tools do.
            _silence_stdout()
            code = ExitCode.BROKEN_PIPE
        except Exception as exc:
            code = exit_code_for(exc)
            if settings.verbose:
                text = "".join(traceback.format_exception(exc))
                click.echo(settings.redact(text.rstrip()), err=True)
            message = str(exc) or type(exc).__name__
            if not isinstance(exc, SunoError):
                message = f"unexpected {type(exc).__name__}: {message}"
            _error_line(settings, message)
    raise click.exceptions.Exit(int(code))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _merge(ctx: click.Context, json_output: bool, verbose: bool) -> Settings:
    settings: Settings = ctx.find_object(Settings) or Settings(api_key=None)
    return attrs.evolve(
        settings, json=settings.json or json_output, verbose=settings.verbose or verbose
    )


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` and ``-v``, also accepted after the command's name."""
    function = click.option(
        "-v", "--verbose", is_flag=True, help="Debug logging to stderr, tracebacks."
    )(function)
    return click.option(
        "--json", "json_output", is_flag=True, help="Print JSON lines, not the display."
    )(function)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--api-key",
    metavar="KEY",
    help="The API key (default: $APIKLEY_API_KEY, then $SUNO_API_KEY). Never printed.",
)
@click.option(
    "--base-url", metavar="URL", help="The service's URL (default: the provider's)."
)
@click.option(
    "--provider",
    type=click.Choice(sorted(PROVIDERS)),
    default="apikley",
    show_default=True,
    help="Which service of the API family.",
)
@_common
@click.version_option(__version__, "--version", prog_name="suno-async")
@click.pass_context
def cli(
    ctx: click.Context,
    api_key: str | None,
    base_url: str | None,
    provider: str,
    json_output: bool,
    verbose: bool,
) -> None:
    """Check and wait for Suno tasks; try it all with `suno-async demo`.

    --json and -v may also follow the command's name.
    """
    ctx.obj = Settings(
        api_key=api_key,
        base_url=base_url,
        provider=provider,
        json=json_output,
        verbose=verbose,
    )


# --- status -------------------------------------------------------------------


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("task_id")
@_common
@click.pass_context
def status(ctx: click.Context, task_id: str, json_output: bool, verbose: bool) -> None:
    """Show a task's status, tracks and URLs (one request).

    Exits 0 whenever the record was read, whatever the task's status.
    """
    settings = _merge(ctx, json_output, verbose)

    async def work(output: Output) -> ExitCode:
        async with settings.client() as client:
            record = await client.get_task(task_id)
        output.record(record)
        return ExitCode.OK

    execute(settings, work)


# --- wait ---------------------------------------------------------------------


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("task_ids", metavar="TASK_ID...", nargs=-1, required=True)
@click.option(
    "--until",
    type=click.Choice(list(UNTIL)),
    default="success",
    show_default=True,
    help="Stop at the lyrics (text), the first playable track, or the end.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_WAIT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Give up on a task after this long (all start together).",
)
@_common
@click.pass_context
def wait(
    ctx: click.Context,
    task_ids: tuple[str, ...],
    until: str,
    timeout: float,
    json_output: bool,
    verbose: bool,
) -> None:
    """Wait for tasks, showing each milestone as it comes, then a summary."""
    settings = _merge(ctx, json_output, verbose)

    async def work(output: Output) -> ExitCode:
        async with settings.client() as client:
            board = Board(task_ids)
            code = await watch(
                client, board, output, until=UNTIL[until], timeout=timeout
            )
        output.summary(board, lines=[f"{board.tally()}."])
        _report_worst(settings, board)
        return code

    execute(settings, work)


def _report_worst(settings: Settings, board: Board) -> None:
    """One ``error:`` line when some task did not succeed."""
    failed = [row for row in board.rows.values() if row.error is not None]
    if not failed:
        return
    worst = next(row for row in failed if row.exit_code == board.exit_code)
    if len(board.rows) == 1:
        _error_line(settings, str(worst.error))
    else:
        _error_line(
            settings,
            f"{len(failed)} of {len(board.rows)} tasks did not succeed; "
            f"worst: {worst.error}",
        )


# --- demo ---------------------------------------------------------------------


@cli.command(epilog=EXIT_CODES_HELP)
@click.option(
    "--tasks",
    type=click.IntRange(1, 1000),
    default=DEMO_TASKS,
    show_default=True,
    help="How many tasks to simulate.",
)
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True, max=10),
    default=DEMO_SCALE,
    show_default=True,
    help="Real seconds per simulated second (0.1: ten times faster).",
)
@click.option("--seed", type=int, default=None, help="Replay a run (default: random).")
@_common
@click.pass_context
def demo(
    ctx: click.Context,
    tasks: int,
    scale: float,
    seed: int | None,
    json_output: bool,
    verbose: bool,
) -> None:
    """Wait for simulated tasks on a local simulator: no key, no network.

    Starts FakeSunoServer on 127.0.0.1, adds realistic tasks and waits for
    them all, as `wait` does. Times are simulated seconds. Exits 4 if the
    simulator counted any request over the per-task rate limit.
    """
    settings = _merge(ctx, json_output, verbose)
    if seed is None:
        seed = random.randrange(1_000_000)

    async def work(output: Output) -> ExitCode:
        result = await run_demo(
            output, tasks=tasks, scale=scale, seed=seed, provider=settings.provider
        )
        return demo_exit_code(settings, result)

    execute(settings, work)


def demo_exit_code(settings: Settings, result: DemoResult) -> ExitCode:
    """The tasks' worst outcome; an API error if the rate limit was exceeded."""
    _report_worst(settings, result.board)
    if not result.limit_violations:
        return result.exit_code
    _error_line(
        settings,
        f"the simulator counted {result.limit_violations} requests "
        "over the per-task rate limit",
    )
    return worst([result.exit_code, ExitCode.API_ERROR])

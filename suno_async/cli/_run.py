"""How a ``suno-async`` command runs: settings, output, errors, shared options.

Every command is made by :func:`command`: it takes the
:func:`global_options` too, and its coroutine runs through :func:`execute`,
which turns its errors into one ``error: ...`` line on stderr (a traceback
only with ``-v``) and an :class:`~suno_async.cli._exit.ExitCode`; a closed
stdout ends it quietly. Every line this module writes to stderr goes
through :func:`~suno_async.cli._terminal.printable`, keys masked.
:func:`wait_and_summarize` and :func:`save` are the steps that several
commands share.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
import traceback
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, Final, NoReturn, TypeVar

import attrs
import click
from rich.console import Console

from suno_async._client import SunoClient
from suno_async._core.download_plan import DownloadKind
from suno_async._core.errors import (
    ConfigurationError,
    DestinationExistsError,
    InvalidArgumentError,
    SunoError,
)
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskRecord, TaskStatus
from suno_async._core.providers import API_KEY_ENV_VARS, DEFAULT_WAIT_TIMEOUT, PROVIDERS
from suno_async.cli._board import Board, watch
from suno_async.cli._display import RichDisplay, SafeConsole, plain_console
from suno_async.cli._exit import ExitCode, OutputClosed, exit_code_for
from suno_async.cli._files import SavedFile, save_family, save_tracks
from suno_async.cli._json_lines import JsonLines
from suno_async.cli._polls import PollCounter
from suno_async.cli._redact import Redactor
from suno_async.cli._terminal import printable

__all__ = [
    "EXIT_CODES_HELP",
    "UNTIL",
    "Output",
    "Settings",
    "command",
    "error_line",
    "execute",
    "global_options",
    "kind_option",
    "merge",
    "report_worst",
    "save",
    "timeout_option",
    "until_for",
    "wait_and_summarize",
    "wait_options",
    "warning_line",
]

Output = RichDisplay | JsonLines
_F = TypeVar("_F", bound=Callable[..., Any])
#: A command's coroutine: ``handler(settings, output, **params)``.
Handler = Callable[..., Awaitable[ExitCode]]
#: A click argument or option decorator.
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

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
  2    usage error: bad option, no API key or callback URL, invalid task id,
       setting or request
  3    timeout (WaitTimeoutError)
  4    API error (APIError, DecodeError, DownloadError...)
  5    local file error: the file exists (--overwrite replaces it), or the
       file system refused
  6    the service could not be reached or did not answer (TransportError)
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped to head)
With several tasks the worst outcome decides: 2 > 4 > 6 > 3 > 1 > 0.
"""
_LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@attrs.frozen(kw_only=True)
class Settings:
    """The global options, as the commands see them (see :func:`merge`)."""

    api_key: str | None = attrs.field(repr=False)
    base_url: str | None = None
    provider: str = "apikley"
    json: bool = False
    verbose: bool = False

    def _keys(self) -> list[str | None]:
        """Every key this run may use: the option's, then the environment's."""
        return [self.api_key, *(os.environ.get(name) for name in API_KEY_ENV_VARS)]

    @property
    def redact(self) -> Redactor:
        """Masks every key this run may use (option and environment)."""
        return Redactor(self._keys())

    @contextlib.asynccontextmanager
    async def client(
        self, polls: PollCounter | None = None
    ) -> AsyncIterator[SunoClient]:
        """A client for the chosen provider; a clear error when no key is set.

        With ``polls``, its requests go through that counter's session.
        """
        if not any(self._keys()):
            raise ConfigurationError(
                f"no API key: pass --api-key or set {' or '.join(API_KEY_ENV_VARS)}"
            )
        async with contextlib.AsyncExitStack() as stack:
            session = None
            if polls is not None:
                session = await stack.enter_async_context(polls.session())
            client = SunoClient(
                self.api_key or None,
                provider=PROVIDERS[self.provider],
                base_url=self.base_url,
                session=session,
            )
            yield await stack.enter_async_context(client)


class _StderrHandler(logging.Handler):
    """Log lines to the current ``sys.stderr`` (the live display redirects it)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(logging.DEBUG)
        self._redact = redact
        self.setFormatter(logging.Formatter(_LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(_safe(self._redact, self.format(record)) + "\n")
        except Exception:  # pragma: no cover - logging's own policy
            self.handleError(record)


def _safe(redact: Redactor, text: str) -> str:
    """``text`` as it may reach stderr: keys masked, controls made visible."""
    return printable(redact(text))


def _to_stderr(settings: Settings, text: str) -> None:
    click.echo(_safe(settings.redact, text), err=True)


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


def error_line(settings: Settings, message: str) -> None:
    """``error: message`` on stderr, keys masked, controls made visible."""
    _to_stderr(settings, f"error: {message}")


def warning_line(settings: Settings, message: str) -> None:
    """``warning: message`` on stderr, keys masked, controls made visible."""
    _to_stderr(settings, f"warning: {message}")


def _output(settings: Settings) -> Output:
    if settings.json:
        return JsonLines()
    console: Console = SafeConsole(highlight=False)
    return RichDisplay(console if console.is_terminal else plain_console())


def _message(error: Exception, code: ExitCode) -> str:
    """The ``error:`` line's text for ``error``."""
    if isinstance(error, DestinationExistsError):
        return f"{error.path} exists already (pass --overwrite to replace it)"
    message = str(error) or type(error).__name__
    if isinstance(error, SunoError) or code is ExitCode.FILE_ERROR:
        return message
    return f"unexpected {type(error).__name__}: {message}"


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
            error_line(settings, "interrupted")
            code = ExitCode.INTERRUPTED
        except (BrokenPipeError, OutputClosed):
            # The reader left (`| head`): stop quietly, as other tools do.
            silence_stdout()
            code = ExitCode.BROKEN_PIPE
        except Exception as exc:
            code = exit_code_for(exc)
            if settings.verbose:
                text = "".join(traceback.format_exception(exc))
                _to_stderr(settings, text.rstrip())
            error_line(settings, _message(exc, code))
    raise click.exceptions.Exit(int(code))


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


#: The global options' parameter names (see :func:`global_options`).
GLOBAL_OPTIONS: Final = ("api_key", "base_url", "provider", "json_output", "verbose")


def merge(ctx: click.Context, given: Mapping[str, Any]) -> Settings:
    """The group's global options, overridden by those ``given`` after the command.

    ``suno-async --base-url A wait ID --base-url B`` uses B: an option given
    after the command's name wins; ``--json`` and ``-v`` count wherever given.
    """
    settings: Settings = ctx.find_object(Settings) or Settings(api_key=None)
    override = {
        name: given[name]
        for name in ("api_key", "base_url", "provider")
        if given[name] is not None
    }
    return attrs.evolve(
        settings,
        **override,
        json=settings.json or given["json_output"],
        verbose=settings.verbose or given["verbose"],
    )


def global_options(function: _F) -> _F:
    """The options of the group, also accepted after any command's name.

    None has a default here, so that :func:`merge` sees which were given.
    """
    for option in reversed(
        [
            click.option(
                "--api-key",
                metavar="KEY",
                help="The API key (default: $APIKLEY_API_KEY, then $SUNO_API_KEY). "
                "Never printed.",
            ),
            click.option(
                "--base-url",
                metavar="URL",
                help="The service's URL (default: $APIKLEY_BASE_URL or "
                "$SUNO_BASE_URL, else the provider's).",
            ),
            click.option(
                "--provider",
                type=click.Choice(sorted(PROVIDERS)),
                help="Which service of the API family (default: apikley).",
            ),
            click.option(
                "--json",
                "json_output",
                is_flag=True,
                help="Print JSON lines, not the display.",
            ),
            click.option(
                "-v",
                "--verbose",
                is_flag=True,
                help="Debug logging to stderr, tracebacks.",
            ),
        ]
    ):
        function = option(function)
    return function


def timeout_option(function: _F) -> _F:
    """``--timeout``, as every command that waits takes it."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_WAIT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Give up on a task after this long (all start together).",
    )(function)


def wait_options(function: _F) -> _F:
    """``--until`` and ``--timeout``, as ``wait`` and ``generate`` take them."""
    return click.option(
        "--until",
        type=click.Choice(list(UNTIL)),
        default="success",
        show_default=True,
        help="Stop at the lyrics (text), the first playable track, or the end "
        "(music; other kinds have only the end).",
    )(timeout_option(function))


def kind_option(function: _F) -> _F:
    """``--kind``: which family the task ids belong to (default music)."""
    return click.option(
        "--kind",
        type=click.Choice([kind.value for kind in TaskKind]),
        default=TaskKind.MUSIC.value,
        show_default=True,
        help="The tasks' family.",
    )(function)


def until_for(kind: TaskKind, until: str) -> TaskStatus:
    """The wait's goal; ``--until text`` or ``first`` is for music only."""
    if kind is not TaskKind.MUSIC and until != "success":
        raise InvalidArgumentError(
            f"--until {until} applies to music tasks only ({kind.value} tasks "
            "have no milestone before success)"
        )
    return UNTIL[until]


def command(*options: Decorator) -> Callable[[Handler], click.Command]:
    """A command that runs ``handler(settings, output, **params)`` with :func:`execute`.

    ``options`` are click's argument and option decorators, top to bottom.
    Every command also takes the :func:`global_options` (listed after its
    own, and merged into the ``settings`` with :func:`merge`), and its help
    ends with the exit codes.
    """

    def make(handler: Handler) -> click.Command:
        @functools.wraps(handler)  # the command's name and help
        def callback(**params: Any) -> NoReturn:
            given = {name: params.pop(name) for name in GLOBAL_OPTIONS}
            settings = merge(click.get_current_context(), given)
            execute(settings, lambda output: handler(settings, output, **params))

        decorated: Callable[..., Any] = global_options(callback)
        for option in reversed(options):
            decorated = option(decorated)
        return click.command(epilog=EXIT_CODES_HELP)(decorated)

    return make


async def wait_and_summarize(
    settings: Settings,
    output: Output,
    client: SunoClient,
    task_ids: Iterable[str],
    *,
    until: str,
    timeout: float,
    polls: PollCounter,
    kind: TaskKind = TaskKind.MUSIC,
) -> Board:
    """Wait for the ``kind`` tasks as ``wait`` does: progress, summary, ``error:`` line.

    The polls shown are ``polls``' counts: the client must send through it.
    """
    board = Board(task_ids, poll_counts=polls.counts)
    goal = until_for(kind, until)
    await watch(client, board, output, until=goal, timeout=timeout, kind=kind)
    output.summary(board, lines=[f"{board.tally()}."])
    report_worst(settings, board)
    return board


async def save(
    settings: Settings,
    output: Output,
    client: SunoClient,
    records: Iterable[RecordBase],
    dest: str | os.PathLike[str],
    *,
    announce: bool = True,
    kind: DownloadKind = "audio",
    stem: str | None = None,
    overwrite: bool = False,
) -> list[SavedFile]:
    """Save the files of ``records``; warnings on stderr.

    Music records go through :func:`save_tracks` (``kind`` says which file
    of each track), the others through :func:`save_family` (``stem`` picks
    one stem of a vocal removal). ``output`` shows the downloads (and, with
    ``announce``, each file's path).
    """
    warn = functools.partial(warning_line, settings)
    files: list[SavedFile] = []
    with output.transfers(announce=announce) as transfers:
        for record in records:
            if not isinstance(record, TaskRecord):
                files += await save_family(
                    client,
                    record,
                    dest,
                    transfers=transfers,
                    stem=stem,
                    overwrite=overwrite,
                )
                continue
            files += await save_tracks(
                client,
                record,
                dest,
                transfers=transfers,
                warn=warn,
                kind=kind,
                overwrite=overwrite,
            )
    return files


def report_worst(settings: Settings, board: Board) -> None:
    """One ``error:`` line when some task did not succeed."""
    failed = [row for row in board.rows.values() if row.error is not None]
    if not failed:
        return
    worst = next(row for row in failed if row.exit_code == board.exit_code)
    if len(board.rows) == 1:
        error_line(settings, str(worst.error))
    else:
        error_line(
            settings,
            f"{len(failed)} of {len(board.rows)} tasks did not succeed; "
            f"worst: {worst.error}",
        )

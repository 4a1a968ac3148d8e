"""The ``generate``, ``download`` and ``credits`` commands (click).

``generate`` creates a task with :meth:`SunoClient.generate` and, with
``--wait`` or ``--download``, waits for it as ``wait`` does and saves its
tracks (:func:`create_and_follow`, which the other families' commands in
:mod:`suno_async.cli._families` share); ``download`` saves a task's files,
of any family; ``credits`` reads the account's credits. They are made by
:func:`suno_async.cli._run.command`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, cast

import click
from click.core import ParameterSource

from suno_async._client import SunoClient
from suno_async._core.download_plan import KINDS, DownloadKind
from suno_async._core.errors import ConfigurationError, InvalidArgumentError
from suno_async._core.kinds import TaskKind
from suno_async._core.operations import DEFAULT_MODEL, MODEL_LIMITS
from suno_async.cli._exit import ExitCode
from suno_async.cli._polls import PollCounter
from suno_async.cli._run import (
    Output,
    Settings,
    command,
    save,
    wait_and_summarize,
    wait_options,
)

__all__ = [
    "CALLBACK_URL_ENV",
    "DIRECTORY",
    "callback_option",
    "credits",
    "create_and_follow",
    "download",
    "generate",
    "given",
    "in_option_words",
    "need_callback_url",
]

#: The environment variable ``generate --callback-url`` defaults to.
CALLBACK_URL_ENV: Final = "SUNO_CALLBACK_URL"
DIRECTORY: Final = click.Path(file_okay=False, path_type=Path)
#: The SDK's words for generate's switches, and the command's.
_SWITCHES: Final = {
    "with custom_mode=False": "without --custom",
    "outside custom mode": "without --custom",
    "custom_mode=True": "--custom",
    "instrumental=True": "--instrumental",
}
_ARGUMENTS: Final = re.compile(
    r"\b(prompt|style|title|model|negative_tags|vocal_gender|callback_url)\b"
)


def in_option_words(message: str, *, arguments: re.Pattern[str] = _ARGUMENTS) -> str:
    """An SDK message about a creating call's arguments, in the command's words.

    ``prompt is required with custom_mode=True unless instrumental=True``
    becomes ``--prompt is required with --custom unless --instrumental``;
    ``arguments`` matches the names to change (generate's by default), and
    ``task_id`` becomes ``TASK_ID``. The value quoted after ``, not`` is
    left as it is.
    """
    text, separator, value = message.partition(", not ")
    for words, option in _SWITCHES.items():
        text = text.replace(words, option)
    text = arguments.sub(_option_name, text)
    return text + separator + value


def _option_name(match: re.Match[str]) -> str:
    word = match[0]
    return "TASK_ID" if word == "task_id" else "--" + word.replace("_", "-")


def callback_option(function: Any) -> Any:
    """``--callback-url``, from ``$SUNO_CALLBACK_URL`` by default."""
    return click.option(
        "--callback-url",
        metavar="URL",
        envvar=CALLBACK_URL_ENV,
        help=f"Where the service posts the results; required by the service "
        f"(default: ${CALLBACK_URL_ENV}). This command polls, whatever the URL.",
    )(function)


# --- generate -------------------------------------------------------------------


@command(
    click.option(
        "--prompt",
        metavar="TEXT",
        help="What the song is about (at most 500 characters); with --custom, "
        "the lyrics.",
    ),
    click.option(
        "--custom",
        "custom_mode",
        is_flag=True,
        help="Custom mode: --style and --title are required, and --prompt (the "
        "lyrics) unless --instrumental.",
    ),
    click.option("--style", metavar="TEXT", help="With --custom: genres, moods..."),
    click.option("--title", metavar="TEXT", help="With --custom: the song's title."),
    click.option("--negative-tags", metavar="TEXT", help="Styles to stay away from."),
    click.option(
        "--vocal-gender", type=click.Choice(["m", "f"]), help="The singer's voice."
    ),
    click.option("--instrumental", is_flag=True, help="No vocals."),
    click.option(
        "--model",
        default=DEFAULT_MODEL,
        show_default=True,
        metavar="NAME",
        help=f"The model ({', '.join(MODEL_LIMITS)}, or a newer name).",
    ),
    callback_option,
    click.option(
        "--wait",
        "wait_for_it",
        is_flag=True,
        help="Wait for the task as `wait` does (also implied by --until, --timeout "
        "and --download).",
    ),
    wait_options,
    click.option(
        "--download",
        "download_dir",
        type=DIRECTORY,
        metavar="DIR",
        help="Wait, then save the tracks' audio into DIR (created if missing).",
    ),
    click.option(
        "--overwrite", is_flag=True, help="With --download: replace existing files."
    ),
)
async def generate(
    settings: Settings,
    output: Output,
    *,
    wait_for_it: bool,
    until: str,
    timeout: float,
    download_dir: Path | None,
    overwrite: bool,
    **song: Any,  # the other options, named as SunoClient.generate's keywords
) -> ExitCode:
    """Create a song (two tracks) from a prompt; print the new task's id.

    The request is checked before it is sent (exit 2 naming the rule
    broken). With --wait, then waits as `wait` does; with --download, also
    saves each track's audio, printing each file's path.
    """
    return await create_and_follow(
        settings,
        output,
        lambda client: client.generate(**song),
        callback_url=song["callback_url"],
        wait_for_it=wait_for_it,
        until=until,
        timeout=timeout,
        download_dir=download_dir,
        overwrite=overwrite,
    )


async def create_and_follow(
    settings: Settings,
    output: Output,
    create: Callable[[SunoClient], Awaitable[str]],
    *,
    kind: TaskKind = TaskKind.MUSIC,
    arguments: re.Pattern[str] = _ARGUMENTS,
    callback_url: str | None,
    wait_for_it: bool,
    until: str = "success",
    timeout: float,
    download_dir: Path | None,
    overwrite: bool,
) -> ExitCode:
    """Create a ``kind`` task with ``create(client)`` and print its id; then,
    with ``wait_for_it`` (implied by ``--until``, ``--timeout`` and
    ``download_dir``), wait for it as ``wait`` does and, with
    ``download_dir``, save its files once it has reached its goal.

    A request refused before sending is told in the command's words
    (:func:`in_option_words` with ``arguments``).
    """
    wait_for_it = (
        wait_for_it
        or download_dir is not None
        or any(given(name) for name in ("until", "timeout"))
    )
    need_callback_url(callback_url)
    polls = PollCounter()
    async with settings.client(polls) as client:
        try:
            task_id = await create(client)
        except InvalidArgumentError as exc:  # refused before sending
            words = in_option_words(exc.message, arguments=arguments)
            raise InvalidArgumentError(words) from exc
        output.created(task_id)
        if not wait_for_it:
            return ExitCode.OK
        board = await wait_and_summarize(
            settings,
            output,
            client,
            [task_id],
            until=until,
            timeout=timeout,
            polls=polls,
            kind=kind,
        )
        record = board.rows[task_id].record
        if download_dir is not None and board.exit_code is ExitCode.OK and record:
            await save(
                settings, output, client, [record], download_dir, overwrite=overwrite
            )
        return board.exit_code


def need_callback_url(url: str | None) -> None:
    """A usage error when no callback URL was given (the service needs one)."""
    if not url:
        raise ConfigurationError(
            f"no callback URL: pass --callback-url URL or set {CALLBACK_URL_ENV} "
            "(the service requires one and posts the results to it)"
        )


def given(name: str) -> bool:
    """Whether the option ``name`` was given on the command line."""
    ctx = click.get_current_context()
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


# --- download -------------------------------------------------------------------


@command(
    click.argument("task_id"),
    click.option(
        "-o",
        "--out",
        "out_dir",
        type=DIRECTORY,
        default=".",
        show_default=True,
        metavar="DIR",
        help="The folder to save into (created if missing).",
    ),
    click.option(
        "--kind",
        type=click.Choice([*(k.value for k in TaskKind), *KINDS]),
        default=TaskKind.MUSIC.value,
        show_default=True,
        help="The task's family. audio, stream and image are music's files "
        "(as --file).",
    ),
    click.option(
        "--file",
        "music_file",
        type=click.Choice(KINDS),
        default="audio",
        show_default=True,
        help="Music: the final audio (else the stream), the stream, or the cover.",
    ),
    click.option(
        "--stem",
        metavar="NAME",
        help="Vocal removal: save this stem only (vocal, instrumental, drums...).",
    ),
    click.option("--overwrite", is_flag=True, help="Replace files that exist already."),
)
async def download(
    settings: Settings,
    output: Output,
    task_id: str,
    out_dir: Path,
    kind: str,
    music_file: str,
    stem: str | None,
    overwrite: bool,
) -> ExitCode:
    """Save a task's files (one request, then one download per file).

    Prints each saved file's path. Music files are named <title>-<track id
    prefix>.<ext>, the other families' after the task (wav-<id>.wav,
    <stem>-<id>.mp3, midi-<id>.mid...); an existing file is never replaced
    without --overwrite. Tracks without a URL of the kind yet are skipped
    with a warning; audio before SUCCESS may be a stream or a preview (a
    warning says so). A failed task exits 1, a task with nothing to
    download yet 4.
    """
    if kind in KINDS:  # the former spelling of --file
        kind, music_file = TaskKind.MUSIC.value, kind
    family = TaskKind(kind)
    if stem is not None and family is not TaskKind.VOCAL_REMOVAL:
        raise InvalidArgumentError("--stem applies to --kind vocal-removal only")
    async with settings.client() as client:
        record = await client.get_task(task_id, kind=family)
        await save(
            settings,
            output,
            client,
            [record],
            out_dir,
            kind=cast("DownloadKind", music_file),
            stem=stem,
            overwrite=overwrite,
        )
    return ExitCode.OK


# --- credits --------------------------------------------------------------------


@command()
async def credits(settings: Settings, output: Output) -> ExitCode:
    """Print the account's remaining credits (one request)."""
    async with settings.client() as client:
        output.credits(await client.get_credits())
    return ExitCode.OK

"""The ``generate``, ``download`` and ``credits`` commands (click).

``generate`` creates a task with :meth:`SunoClient.generate` and, with
``--wait`` or ``--download``, waits for it as ``wait`` does and saves its
tracks; ``download`` saves a task's files; ``credits`` reads the account's
credits. They are made by :func:`suno_async.cli._run.command`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final, cast

import click
from click.core import ParameterSource

from suno_async._core.download_plan import KINDS, DownloadKind
from suno_async._core.errors import ConfigurationError, InvalidArgumentError
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

__all__ = ["CALLBACK_URL_ENV", "credits", "download", "generate", "in_option_words"]

#: The environment variable ``generate --callback-url`` defaults to.
CALLBACK_URL_ENV: Final = "SUNO_CALLBACK_URL"
_DIRECTORY: Final = click.Path(file_okay=False, path_type=Path)
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


def in_option_words(message: str) -> str:
    """An SDK message about generate's arguments, in the command's option names.

    ``prompt is required with custom_mode=True unless instrumental=True``
    becomes ``--prompt is required with --custom unless --instrumental``. The
    value quoted after ``, not`` is left as it is.
    """
    text, separator, value = message.partition(", not ")
    for words, option in _SWITCHES.items():
        text = text.replace(words, option)
    text = _ARGUMENTS.sub(lambda m: "--" + m[0].replace("_", "-"), text)
    return text + separator + value


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
    click.option(
        "--callback-url",
        metavar="URL",
        envvar=CALLBACK_URL_ENV,
        help=f"Where the service posts the results; required by the service "
        f"(default: ${CALLBACK_URL_ENV}). This command polls, whatever the URL.",
    ),
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
        type=_DIRECTORY,
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
    wait_for_it = (
        wait_for_it
        or download_dir is not None
        or any(_given(name) for name in ("until", "timeout"))
    )
    if not song["callback_url"]:
        raise ConfigurationError(
            f"no callback URL: pass --callback-url URL or set {CALLBACK_URL_ENV} "
            "(the service requires one and posts the results to it)"
        )
    polls = PollCounter()
    async with settings.client(polls) as client:
        try:
            task_id = await client.generate(**song)
        except InvalidArgumentError as exc:  # refused before sending
            raise InvalidArgumentError(in_option_words(exc.message)) from exc
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
        )
        record = board.rows[task_id].record
        if (
            download_dir is not None
            and board.exit_code is ExitCode.OK
            and record is not None
        ):
            await save(
                settings, output, client, [record], download_dir, overwrite=overwrite
            )
        return board.exit_code


def _given(name: str) -> bool:
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
        type=_DIRECTORY,
        default=".",
        show_default=True,
        metavar="DIR",
        help="The folder to save into (created if missing).",
    ),
    click.option(
        "--kind",
        type=click.Choice(KINDS),
        default="audio",
        show_default=True,
        help="The final audio (else the stream), the stream, or the cover image.",
    ),
    click.option("--overwrite", is_flag=True, help="Replace files that exist already."),
)
async def download(
    settings: Settings,
    output: Output,
    task_id: str,
    out_dir: Path,
    kind: str,
    overwrite: bool,
) -> ExitCode:
    """Save a task's files (one request, then one download per track).

    Prints each saved file's path. Files are named <title>-<track id
    prefix>.<ext>; an existing file is never replaced without --overwrite.
    Tracks without a URL of the kind yet are skipped with a warning; audio
    before SUCCESS may be a stream or a preview (a warning says so). A
    failed task exits 1, a task with nothing to download yet 4.
    """
    async with settings.client() as client:
        record = await client.get_task(task_id)
        await save(
            settings,
            output,
            client,
            [record],
            out_dir,
            kind=cast("DownloadKind", kind),
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

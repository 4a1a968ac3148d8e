"""The commands that create the other families' tasks: ``lyrics``, ``wav``,
``stems``, ``midi``, ``video`` and ``cover`` (click).

Each calls its :class:`SunoClient` creating method, prints the new task's
id and, with ``--wait`` or ``--download``, waits for it and saves its files
as ``generate`` does (:func:`suno_async.cli._create.create_and_follow`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import click

from suno_async._client import SunoClient
from suno_async._core.family_bodies import SEPARATION_MODES
from suno_async._core.kinds import TaskKind
from suno_async.cli._create import DIRECTORY, callback_option, create_and_follow
from suno_async.cli._exit import ExitCode
from suno_async.cli._run import Decorator, Output, Settings, command, timeout_option

__all__ = ["FAMILY_COMMANDS", "cover", "lyrics", "midi", "stems", "video", "wav"]

#: The creating methods' arguments, in the commands' words.
_ARGUMENTS: Final = re.compile(
    r"\b(task_id|audio_id|audio_url|stem_name|domain_name|author|mode|prompt"
    r"|callback_url)\b"
)


def _follow_options(what: str) -> list[Decorator]:
    """The options that follow a creation: ``--callback-url``, ``--wait``...

    ``what`` says what ``--download`` saves.
    """
    return [
        callback_option,
        click.option(
            "--wait",
            "wait_for_it",
            is_flag=True,
            help="Wait for the task as `wait` does (also implied by --timeout "
            "and --download).",
        ),
        timeout_option,
        click.option(
            "--download",
            "download_dir",
            type=DIRECTORY,
            metavar="DIR",
            help=f"Wait, then save {what} into DIR (created if missing).",
        ),
        click.option(
            "--overwrite", is_flag=True, help="With --download: replace existing files."
        ),
    ]


_SOURCE: Final = click.argument("task_id", metavar="TASK_ID")


def _audio_id(required: bool, help: str) -> Decorator:
    return click.option("--audio-id", required=required, metavar="ID", help=help)


_REUSE: Final = click.option(
    "--reuse-existing",
    is_flag=True,
    help="If the service already made this task, print its id instead of failing.",
)

#: The options :func:`create_and_follow` takes; the others go to the creation.
_FOLLOW: Final = ("wait_for_it", "timeout", "download_dir", "overwrite")


async def _create(
    settings: Settings,
    output: Output,
    method: Callable[..., Awaitable[str]],
    kind: TaskKind,
    options: dict[str, Any],
) -> ExitCode:
    """Create with ``method(client, **arguments)``, then follow as ``generate`` does.

    ``options`` are the command's: :data:`_FOLLOW`'s go to
    :func:`create_and_follow`, the rest (``callback_url`` included) to ``method``.
    """
    follow = {name: options.pop(name) for name in _FOLLOW}
    return await create_and_follow(
        settings,
        output,
        lambda client: method(client, **options),
        kind=kind,
        arguments=_ARGUMENTS,
        callback_url=options["callback_url"],
        **follow,
    )


# --- the commands -------------------------------------------------------------------


@command(
    click.option(
        "--prompt",
        required=True,
        metavar="TEXT",
        help="What the lyrics are about (at most 200 characters).",
    ),
    *_follow_options("each variant as a text file"),
)
async def lyrics(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Write lyrics (2 or 3 variants) from a prompt; print the new task's id.

    With --wait, then waits as `wait` does; with --download, also saves each
    variant as <title>-<id>-<n>.txt.
    """
    method = SunoClient.generate_lyrics
    return await _create(settings, output, method, TaskKind.LYRICS, options)


@command(
    _SOURCE,
    _audio_id(True, "The track to convert."),
    _REUSE,
    *_follow_options("the WAV file"),
)
async def wav(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Convert a track of music task TASK_ID to WAV; print the new task's id."""
    method = SunoClient.convert_to_wav
    return await _create(settings, output, method, TaskKind.WAV, options)


@command(
    _SOURCE,
    _audio_id(False, "The track to split (or --audio-url)."),
    click.option(
        "--audio-url",
        metavar="URL|FILE",
        help="An uploaded file's http(s) URL, or a local file (uploaded first).",
    ),
    click.option(
        "--mode",
        type=click.Choice(SEPARATION_MODES),
        default=SEPARATION_MODES[0],
        show_default=True,
        help="Vocals and instrumental, 12 stems, or one instrument (--stem-name).",
    ),
    click.option(
        "--stem-name",
        metavar="NAME",
        help="With --mode split_stem_advanced: the instrument to extract.",
    ),
    *_follow_options("every stem"),
)
async def stems(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Split a track of music task TASK_ID into stems (charged each call).

    Prints the new task's id. Give --audio-id (a track of TASK_ID) or
    --audio-url. With --download, saves each stem as <stem>-<id>.mp3.
    """
    method = SunoClient.separate_vocals
    return await _create(settings, output, method, TaskKind.VOCAL_REMOVAL, options)


@command(
    _SOURCE,
    _audio_id(False, "One separated stem's id (default: every stem)."),
    *_follow_options("the MIDI file"),
)
async def midi(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Transcribe the stems of vocal removal TASK_ID to MIDI; print the new task's id.

    With --download, writes the notes as midi-<id>.mid (needs the midi extra).
    """
    method = SunoClient.generate_midi
    return await _create(settings, output, method, TaskKind.MIDI, options)


@command(
    _SOURCE,
    _audio_id(True, "The track to show."),
    click.option("--author", metavar="TEXT", help="A signature (50 characters)."),
    click.option("--domain-name", metavar="TEXT", help="A watermark (50 characters)."),
    *_follow_options("the MP4 file"),
)
async def video(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Make an MP4 video of a track of music task TASK_ID; print the new task's id."""
    method = SunoClient.create_video
    return await _create(settings, output, method, TaskKind.VIDEO, options)


@command(_SOURCE, _REUSE, *_follow_options("every image"))
async def cover(settings: Settings, output: Output, **options: Any) -> ExitCode:
    """Make cover images (usually 2) for music task TASK_ID; print the new task's id.

    One cover per song: a second one fails unless --reuse-existing, which
    prints the first one's id instead.
    """
    method = SunoClient.generate_cover_image
    return await _create(settings, output, method, TaskKind.COVER_IMAGE, options)


#: Every command of this module, for the group.
FAMILY_COMMANDS: Final = (lyrics, wav, stems, midi, video, cover)

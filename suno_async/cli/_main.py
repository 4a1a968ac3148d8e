"""The ``suno-async`` command's entry point: :func:`main`.

This module needs neither click nor rich: :func:`main` imports the command
(:mod:`suno_async.cli._app`) only when run, and without the ``cli`` extra
prints one line saying how to install it. No other CLI module imports this
one, so the lazy import makes no cycle.

stdout is flushed before the process exits: if the reader has left by then
(``| head``), the command ends quietly with status 141 instead of Python's
"Exception ignored" lines at shutdown.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Final, NoReturn

from suno_async.cli._exit import ExitCode

__all__ = ["INSTALL_HINT", "main"]

#: What to print when click or rich is missing.
INSTALL_HINT: Final = (
    'error: the suno-async command needs its extra: pip install "suno-async[cli]"'
)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``suno-async`` with ``argv`` (default: ``sys.argv[1:]``) and exit."""
    try:
        from suno_async.cli._app import cli
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("click", "rich"):
            raise
        print(INSTALL_HINT, file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    try:
        cli.main(args=argv, prog_name="suno-async")
    except SystemExit as exit:
        raise SystemExit(_flushed(exit.code)) from None
    raise AssertionError("unreachable: click exits")  # pragma: no cover


def _flushed(code: str | int | None) -> str | int | None:
    """``code``, once stdout is flushed; 141 if the reader has left."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's recipe: stdout to /dev/null, so the flush at exit is quiet.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE
    return code

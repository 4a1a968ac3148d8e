"""The ``suno-async`` command's entry point, exit codes and secret redaction.

This module needs neither click nor rich: :func:`main` imports the command
(:mod:`suno_async.cli._app`) only when run, and without the ``cli`` extra
prints one line saying how to install it.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable, Sequence
from typing import Final, NoReturn

from suno_async._core.errors import (
    ConfigurationError,
    DestinationExistsError,
    InvalidArgumentError,
    SunoError,
    TaskFailedError,
    WaitTimeoutError,
)

__all__ = ["INSTALL_HINT", "ExitCode", "Redactor", "exit_code_for", "main", "worst"]

#: What to print when click or rich is missing.
INSTALL_HINT: Final = (
    'error: the suno-async command needs its extra: pip install "suno-async[cli]"'
)


class ExitCode(enum.IntEnum):
    """The command's exit statuses."""

    OK = 0
    TASK_FAILED = 1
    USAGE = 2
    TIMEOUT = 3
    API_ERROR = 4
    FILE_ERROR = 5
    INTERRUPTED = 130
    BROKEN_PIPE = 141

    @property
    def result(self) -> str:
        """How a task that ended with this code is named in outputs."""
        return _RESULTS[self]


_RESULTS: Final = {
    ExitCode.OK: "success",
    ExitCode.TASK_FAILED: "failed",
    ExitCode.USAGE: "invalid",
    ExitCode.TIMEOUT: "timeout",
    ExitCode.API_ERROR: "error",
    ExitCode.FILE_ERROR: "file error",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.BROKEN_PIPE: "broken pipe",
}

#: For several tasks, the worst outcome decides: later here is worse.
SEVERITY: Final = (
    ExitCode.OK,
    ExitCode.TASK_FAILED,
    ExitCode.TIMEOUT,
    ExitCode.API_ERROR,
    ExitCode.FILE_ERROR,
    ExitCode.USAGE,
    ExitCode.INTERRUPTED,
    ExitCode.BROKEN_PIPE,
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit status an error leads to.

    A task id or setting refused before any request (``ConfigurationError``,
    ``InvalidArgumentError``) is a usage error. A file
    that exists already (``DestinationExistsError``) and the local file
    system's errors (an ``OSError`` that is not ours, nor a connection error
    or a timeout) are file errors. Every other error, the service's
    refusals included, is an API error.
    """
    if isinstance(error, TaskFailedError):
        return ExitCode.TASK_FAILED
    if isinstance(error, WaitTimeoutError):
        return ExitCode.TIMEOUT
    if isinstance(error, (ConfigurationError, InvalidArgumentError)):
        return ExitCode.USAGE
    if isinstance(error, DestinationExistsError):
        return ExitCode.FILE_ERROR
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, BrokenPipeError):
        return ExitCode.BROKEN_PIPE
    if isinstance(error, OSError) and not isinstance(
        error, (SunoError, ConnectionError, TimeoutError)
    ):
        return ExitCode.FILE_ERROR
    return ExitCode.API_ERROR


def worst(codes: Iterable[ExitCode]) -> ExitCode:
    """The most severe of ``codes`` (``OK`` for none), by :data:`SEVERITY`."""
    return max(codes, key=SEVERITY.index, default=ExitCode.OK)


class Redactor:
    """Replaces secrets (API keys) in text before it is printed."""

    __slots__ = ("_secrets",)

    MASK: Final = "***"

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Longest first, so that a key containing another is masked whole.
        found = {s for s in secrets if s}
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, self.MASK)
        return text

    def __repr__(self) -> str:
        return f"<Redactor secrets={len(self._secrets)}>"


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``suno-async`` with ``argv`` (default: ``sys.argv[1:]``) and exit."""
    try:
        from suno_async.cli._app import cli
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("click", "rich"):
            raise
        print(INSTALL_HINT, file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    cli.main(args=argv, prog_name="suno-async")
    raise AssertionError("unreachable: click exits")  # pragma: no cover

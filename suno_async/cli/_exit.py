"""The ``suno-async`` command's exit statuses, and which error leads to which.

No click or rich here, and nothing from the rest of the CLI.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

from suno_async._core.errors import (
    ConfigurationError,
    DestinationExistsError,
    InvalidArgumentError,
    LocalFileError,
    SunoError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)

__all__ = ["SEVERITY", "ExitCode", "OutputClosed", "exit_code_for", "worst"]


class ExitCode(enum.IntEnum):
    """The command's exit statuses."""

    OK = 0
    TASK_FAILED = 1
    USAGE = 2
    TIMEOUT = 3
    API_ERROR = 4
    FILE_ERROR = 5
    UNREACHABLE = 6
    INTERRUPTED = 130
    BROKEN_PIPE = 141

    @property
    def result(self) -> str:
        """How a task that ended with this code is named in outputs."""
        return _RESULTS[self]


class OutputClosed(BaseException):
    """stdout was closed (the reader left, as ``| head`` does): stop quietly.

    Raised by the outputs on a broken pipe. A ``BaseException``, as
    ``KeyboardInterrupt`` is: no task's ``except Exception`` takes it for
    that task's error, and the whole command ends with ``BROKEN_PIPE``.
    """


_RESULTS: Final = {
    ExitCode.OK: "success",
    ExitCode.TASK_FAILED: "failed",
    ExitCode.USAGE: "invalid",
    ExitCode.TIMEOUT: "timeout",
    ExitCode.API_ERROR: "error",
    ExitCode.FILE_ERROR: "file error",
    ExitCode.UNREACHABLE: "unreachable",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.BROKEN_PIPE: "broken pipe",
}

#: For several tasks, the worst outcome decides: later here is worse.
SEVERITY: Final = (
    ExitCode.OK,
    ExitCode.TASK_FAILED,
    ExitCode.TIMEOUT,
    ExitCode.UNREACHABLE,
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
    system's refusals (``LocalFileError``, or an ``OSError`` that is not
    ours, nor a connection error or a timeout) are file errors. A service
    that could not be reached or did not answer (``TransportError``, a
    connection error) is unreachable.
    Every other error, the service's refusals included, is an API error.
    """
    if isinstance(error, TaskFailedError):
        return ExitCode.TASK_FAILED
    if isinstance(error, WaitTimeoutError):
        return ExitCode.TIMEOUT
    if isinstance(error, (ConfigurationError, InvalidArgumentError)):
        return ExitCode.USAGE
    if isinstance(error, (DestinationExistsError, LocalFileError)):
        return ExitCode.FILE_ERROR
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, (BrokenPipeError, OutputClosed)):
        return ExitCode.BROKEN_PIPE
    if isinstance(error, (TransportError, ConnectionError)):
        return ExitCode.UNREACHABLE
    if isinstance(error, OSError) and not isinstance(
        error, (SunoError, ConnectionError, TimeoutError)
    ):
        return ExitCode.FILE_ERROR
    return ExitCode.API_ERROR


def worst(codes: Iterable[ExitCode]) -> ExitCode:
    """The most severe of ``codes`` (``OK`` for none), by :data:`SEVERITY`."""
    return max(codes, key=SEVERITY.index, default=ExitCode.OK)

"""The exception tree of suno_async.

Every exception the SDK raises on purpose derives from :class:`SunoError`::

    SunoError
    ├── ConfigurationError            bad client settings (no key, http base URL...)
    ├── InvalidArgumentError          refused before sending (also ValueError)
    ├── UsageError                    misuse: closed client, TaskWait consumed twice
    │   └── ClientClosedError         the client was closed (also ends running waits)
    ├── TransportError                connection, TLS, DNS
    │   └── RequestTimeoutError       one request took too long (also TimeoutError)
    ├── DecodeError                   body not JSON we can read, or over the size cap
    ├── APIError                      body code or HTTP status != success
    │   ├── AuthenticationError       401 (and HTTP 403)
    │   ├── InsufficientCreditsError  402 (429 on sunoapi.org)
    │   ├── NotFoundError             404
    │   │   └── TaskNotFoundError     404 for a task id, after the grace period
    │   ├── ConflictError             409
    │   │   └── DuplicateTaskError    the task exists already (.existing_task_id)
    │   ├── InvalidRequestError       the service refused it: 400 / 413 / 422 / 505
    │   │                             (also ValueError)
    │   ├── RateLimitError            429 / 430 / 405 (.retry_after)
    │   ├── MediaFetchError           451
    │   ├── ServiceUnavailableError   455 / 503 (.retry_after)
    │   └── ServerError               500 / other 5xx
    ├── TaskFailedError               .record .status .error_code .error_message
    │   ├── TaskCreationFailedError   CREATE_TASK_FAILED
    │   ├── GenerationFailedError     the family's GENERATE_*_FAILED
    │   │   ├── AudioGenerationFailedError GENERATE_AUDIO_FAILED
    │   │   ├── LyricsGenerationFailedError GENERATE_LYRICS_FAILED
    │   │   ├── WavConversionFailedError GENERATE_WAV_FAILED
    │   │   ├── MidiGenerationFailedError GENERATE_MIDI_FAILED (MIDI flag 3)
    │   │   ├── VideoGenerationFailedError GENERATE_MP4_FAILED
    │   │   └── CoverImageGenerationFailedError GENERATE_COVER_FAILED
    │   ├── CallbackDeliveryError     CALLBACK_EXCEPTION
    │   └── SensitiveContentError     SENSITIVE_WORD_ERROR
    ├── WaitTimeoutError              the wait's deadline passed (also TimeoutError)
    ├── WebhookError                  bad callback payload
    │   └── WebhookSignatureError     missing, forged or stale signature
    └── DownloadError                 a file could not be saved (.reasons .saved)
        ├── DestinationExistsError    the file exists (also FileExistsError)
        └── LocalFileError            the file system refused (also OSError)

Messages never contain the API key or a webhook key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final

if TYPE_CHECKING:
    from pathlib import Path

    from suno_async._core.models import RecordBase, TaskStatus

__all__ = [
    "BUSY_ERRORS",
    "APIError",
    "AudioGenerationFailedError",
    "AuthenticationError",
    "CallbackDeliveryError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "CoverImageGenerationFailedError",
    "DecodeError",
    "DestinationExistsError",
    "DownloadError",
    "DuplicateTaskError",
    "GenerationFailedError",
    "InsufficientCreditsError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "LocalFileError",
    "LyricsGenerationFailedError",
    "MediaFetchError",
    "MidiGenerationFailedError",
    "NotFoundError",
    "RateLimitError",
    "RequestTimeoutError",
    "SensitiveContentError",
    "ServerError",
    "ServiceUnavailableError",
    "SunoError",
    "TaskCreationFailedError",
    "TaskFailedError",
    "TaskNotFoundError",
    "TransportError",
    "UsageError",
    "VideoGenerationFailedError",
    "WaitTimeoutError",
    "WavConversionFailedError",
    "WebhookError",
    "WebhookSignatureError",
]


class SunoError(Exception):
    """Root of every error the SDK raises on purpose.

    ``task_id`` names the task concerned, when there is one.
    """

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.task_id = task_id

    def __str__(self) -> str:
        if self.task_id is not None and self.task_id not in self.message:
            return f"{self.message} (task {self.task_id})"
        return self.message

    @property
    def is_transient(self) -> bool:
        """Whether trying the same request again later may succeed."""
        return False


class ConfigurationError(SunoError):
    """The client's settings cannot work (no API key, an http base URL...)."""


class InvalidArgumentError(SunoError, ValueError):
    """An argument the SDK refuses before sending anything (a bad id, prompt...).

    Nothing reached the service. :class:`InvalidRequestError` is the service's
    own refusal of a request it received.
    """


class UsageError(SunoError, RuntimeError):
    """The SDK was used in a way it does not support."""


class ClientClosedError(UsageError):
    """The client was closed; it cannot be reused and its waits have ended."""


class TransportError(SunoError):
    """The request did not get an HTTP answer (connection, TLS, DNS...).

    ``connected`` is false when no connection to the service was made at all
    (refused, DNS, TLS handshake, connect timeout): the request never left.
    """

    def __init__(
        self, message: str, *, task_id: str | None = None, connected: bool = True
    ) -> None:
        super().__init__(message, task_id=task_id)
        self.connected = connected

    @property
    def is_transient(self) -> bool:
        return True


class RequestTimeoutError(TransportError, TimeoutError):
    """One request exceeded its timeout."""


class DecodeError(SunoError):
    """The body is not JSON of a shape the SDK can read.

    ``excerpt`` holds at most the first :attr:`EXCERPT_CHARS` characters of
    the body, for diagnosis. ``http_status`` is the HTTP status it came with.
    """

    EXCERPT_CHARS: ClassVar[int] = 200

    def __init__(
        self,
        message: str,
        *,
        task_id: str | None = None,
        excerpt: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, task_id=task_id)
        self.excerpt = excerpt[: self.EXCERPT_CHARS]
        self.http_status = http_status

    @property
    def is_transient(self) -> bool:
        # A truncated or garbled body from a busy gateway usually heals.
        return True


class APIError(SunoError):
    """The service answered with an error code.

    ``code`` is the body code when the answer had a JSON envelope, else the
    HTTP status; ``http_status`` is the HTTP status; ``message`` the
    service's ``msg`` (or a summary of the body); ``retry_after`` the
    seconds the service asked to wait (``Retry-After``), if it said;
    ``data`` the envelope's ``data`` when the error answer had one (a
    repeated creation's names the existing task there), else ``None``.
    """

    data: Any = None

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        task_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, task_id=task_id)
        self.code = code
        self.http_status = http_status
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = "" if self.code is None else f"[{self.code}] "
        return code + super().__str__()


class AuthenticationError(APIError):
    """The API key is missing, wrong or revoked (401).

    ``key_source`` says where the client took the key from (the ``api_key``
    argument or an environment variable, never the key itself).
    """

    key_source: str | None = None

    def __str__(self) -> str:
        text = super().__str__()
        if self.key_source is None:
            return text
        return f"{text} (the API key came from {self.key_source})"


class InsufficientCreditsError(APIError):
    """The account has too few credits (402; 429 on sunoapi.org)."""


class NotFoundError(APIError):
    """The resource does not exist (404)."""


class TaskNotFoundError(NotFoundError):
    """The service does not know the task id (404, 422 "recordInfo is null",
    ``data: null``): from ``get_task`` at once, from a wait past its grace."""


class ConflictError(APIError):
    """The record exists already (409)."""


class DuplicateTaskError(ConflictError):
    """The service has this task already: a second WAV of a track (409), a
    second cover of a music task (400), a second persona of a track (409).

    ``existing_task_id`` is the existing task's id when the service named it
    (a cover's answer does; a :class:`TaskHandle` of the family), else
    ``None``. "Create or reuse" is one line::

        cover = await client.generate_cover_image(task_id=song, reuse_existing=True)
    """

    def __init__(
        self,
        message: str,
        *,
        existing_task_id: str | None = None,
        code: int | None = None,
        http_status: int | None = None,
        task_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status, task_id=task_id)
        self.existing_task_id = existing_task_id


class InvalidRequestError(APIError, ValueError):
    """The service refused the request's parameters (400, 413, 422, 505)."""


class RateLimitError(APIError):
    """Too many requests (429 / 430 / 405). ``retry_after`` in seconds, if told."""

    @property
    def is_transient(self) -> bool:
        return True


class MediaFetchError(APIError):
    """The service could not fetch a source audio or image file (451)."""


class ServiceUnavailableError(APIError):
    """Maintenance or overload (455 / 503). ``retry_after`` in seconds, if told."""

    @property
    def is_transient(self) -> bool:
        return True


#: The service's "not now" answers (rate limit, maintenance): they make no
#: task and may say when to come back (``retry_after``).
BUSY_ERRORS: Final = (RateLimitError, ServiceUnavailableError)


class ServerError(APIError):
    """The service failed (500 or another 5xx)."""

    @property
    def is_transient(self) -> bool:
        return True


class TaskFailedError(SunoError):
    """The task ended in a failure status; ``record`` is its last record."""

    def __init__(self, record: RecordBase, message: str | None = None) -> None:
        detail = record.error_message or "no error message"
        code = "" if record.error_code is None else f" (error code {record.error_code})"
        summary = f"task {record.task_id} failed: {record.status_raw}{code}: {detail}"
        super().__init__(
            message or summary,
            task_id=record.task_id,
        )
        self.record = record

    @property
    def status(self) -> TaskStatus:
        return self.record.status

    @property
    def error_code(self) -> int | str | None:
        return self.record.error_code

    @property
    def error_message(self) -> str | None:
        return self.record.error_message


class TaskCreationFailedError(TaskFailedError):
    """CREATE_TASK_FAILED: the service could not create the task."""


class GenerationFailedError(TaskFailedError):
    """The family's generation failed (one of the ``GENERATE_*_FAILED`` statuses)."""


class AudioGenerationFailedError(GenerationFailedError):
    """GENERATE_AUDIO_FAILED: the audio (or a vocal removal) could not be made."""


class LyricsGenerationFailedError(GenerationFailedError):
    """GENERATE_LYRICS_FAILED: the lyrics could not be written."""


class WavConversionFailedError(GenerationFailedError):
    """GENERATE_WAV_FAILED: the WAV conversion failed."""


class MidiGenerationFailedError(GenerationFailedError):
    """GENERATE_MIDI_FAILED (MIDI's ``successFlag`` 3): no MIDI was transcribed."""


class VideoGenerationFailedError(GenerationFailedError):
    """GENERATE_MP4_FAILED: the music video could not be made."""


class CoverImageGenerationFailedError(GenerationFailedError):
    """GENERATE_COVER_FAILED (cover ``successFlag`` 3): no cover image was made."""


class CallbackDeliveryError(TaskFailedError):
    """CALLBACK_EXCEPTION: the service failed while calling back."""


class SensitiveContentError(TaskFailedError):
    """SENSITIVE_WORD_ERROR: the content was filtered."""


class WaitTimeoutError(SunoError, TimeoutError):
    """The wait's deadline passed before the task reached its goal.

    ``last_record`` is the last record seen (``None`` if none arrived),
    ``last_error`` the error of the last request when it failed (also the
    ``__cause__``), ``elapsed`` the seconds waited and ``polls`` the requests
    made.
    """

    def __init__(
        self,
        task_id: str,
        *,
        timeout: float,
        last_record: RecordBase | None = None,
        elapsed: float = 0.0,
        polls: int = 0,
        last_error: SunoError | None = None,
    ) -> None:
        status = (
            "no record yet"
            if last_record is None
            else f"last status {last_record.status_raw}"
        )
        cause = (
            ""
            if last_error is None
            else f"; last error {type(last_error).__name__}: {last_error.message}"
        )
        super().__init__(
            f"task {task_id} did not finish within {timeout:g} s ({status}, "
            f"{polls} polls{cause})",
            task_id=task_id,
        )
        self.timeout = timeout
        self.last_record = last_record
        self.last_error = last_error
        self.__cause__ = last_error
        self.elapsed = elapsed
        self.polls = polls


class WebhookError(SunoError):
    """A callback body could not be read as a callback."""


class WebhookSignatureError(WebhookError):
    """A callback's signature is missing, wrong, or its timestamp is stale."""


class DownloadError(SunoError):
    """A track's file could not be downloaded and saved.

    ``track_id`` names the track; ``reasons`` holds one line per URL refused
    or tried (query strings removed: signed URLs carry tokens); ``saved``
    lists the files this call had saved before it stopped.
    """

    def __init__(
        self,
        message: str,
        *,
        task_id: str | None = None,
        track_id: str | None = None,
        reasons: tuple[str, ...] = (),
        saved: tuple[Path, ...] = (),
    ) -> None:
        super().__init__(message, task_id=task_id)
        self.track_id = track_id
        self.reasons = reasons
        self.saved = saved


class DestinationExistsError(DownloadError, FileExistsError):
    """The file to write exists already; ``path`` names it.

    Pass ``overwrite=True`` to replace it.
    """

    def __init__(
        self,
        path: Path,
        *,
        task_id: str | None = None,
        track_id: str | None = None,
        saved: tuple[Path, ...] = (),
    ) -> None:
        super().__init__(
            f"{path} exists already (pass overwrite=True to replace it)",
            task_id=task_id,
            track_id=track_id,
            saved=saved,
        )
        self.path = path
        self.filename = str(path)


class LocalFileError(DownloadError, OSError):
    """The local file system refused: permission, a full disk, not a folder...

    ``errno``, ``strerror`` and ``filename`` are the refusal's (it is also
    the ``__cause__``); ``saved`` lists the files saved before it.
    """

    def __init__(
        self,
        message: str,
        *,
        error: OSError,
        task_id: str | None = None,
        track_id: str | None = None,
        saved: tuple[Path, ...] = (),
    ) -> None:
        super().__init__(message, task_id=task_id, track_id=track_id, saved=saved)
        self.errno = error.errno
        self.strerror = error.strerror
        self.filename = error.filename
        self.__cause__ = error

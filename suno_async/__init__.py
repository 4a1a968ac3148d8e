"""suno_async: an asyncio SDK for the hosted Suno music API.

Fetch typed task records, wait for tasks within the service's limits, and
handle every failure as a documented :class:`SunoError`::

    import suno_async as suno

    async with suno.SunoClient() as client:
        record = await client.wait_for_task(task_id)
"""

from suno_async._client import SunoClient
from suno_async._core.backoff import PollState
from suno_async._core.clock import Clock, Timer
from suno_async._core.errors import (
    APIError,
    AudioGenerationFailedError,
    AuthenticationError,
    CallbackDeliveryError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    DestinationExistsError,
    DownloadError,
    InsufficientCreditsError,
    InvalidArgumentError,
    InvalidRequestError,
    LocalFileError,
    MediaFetchError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    SensitiveContentError,
    ServerError,
    ServiceUnavailableError,
    SunoError,
    TaskCreationFailedError,
    TaskFailedError,
    TaskNotFoundError,
    TransportError,
    UsageError,
    WaitTimeoutError,
    WebhookError,
    WebhookSignatureError,
)
from suno_async._core.models import (
    TaskEvent,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    Track,
)
from suno_async._core.operations import SongOptions
from suno_async._core.policies import PollPolicy, RetryDetails, RetryHook, RetryPolicy
from suno_async._core.providers import APIKLEY, KIE, SUNOAPI, Provider
from suno_async._core.version import __version__
from suno_async._engine.wait import EventHandler, TaskWait
from suno_async._engine.wait_many import WaitMany
from suno_async._io.bus import CallbackBus
from suno_async._io.download import DownloadKind, ProgressHandler
from suno_async._io.limiter import (
    AdaptivePacer,
    LimiterStatistics,
    LocalRateLimiter,
    RateLimiter,
)

__all__ = [
    "APIKLEY",
    "KIE",
    "SUNOAPI",
    "APIError",
    "AdaptivePacer",
    "AudioGenerationFailedError",
    "AuthenticationError",
    "CallbackBus",
    "CallbackDeliveryError",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "DestinationExistsError",
    "DownloadError",
    "DownloadKind",
    "EventHandler",
    "InsufficientCreditsError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "LimiterStatistics",
    "LocalFileError",
    "LocalRateLimiter",
    "MediaFetchError",
    "NotFoundError",
    "PollPolicy",
    "PollState",
    "ProgressHandler",
    "Provider",
    "RateLimitError",
    "RateLimiter",
    "RequestTimeoutError",
    "RetryDetails",
    "RetryHook",
    "RetryPolicy",
    "SensitiveContentError",
    "ServerError",
    "ServiceUnavailableError",
    "SongOptions",
    "SunoClient",
    "SunoError",
    "TaskCreationFailedError",
    "TaskEvent",
    "TaskFailedError",
    "TaskNotFoundError",
    "TaskOutcome",
    "TaskRecord",
    "TaskStatus",
    "TaskWait",
    "Timer",
    "Track",
    "TransportError",
    "UsageError",
    "WaitMany",
    "WaitTimeoutError",
    "WebhookError",
    "WebhookSignatureError",
    "__version__",
]

"""suno_async: an asyncio SDK for the hosted Suno music API.

Fetch typed task records, wait for tasks within the service's limits, and
handle every failure as a documented :class:`SunoError`::

    import suno_async as suno

    async with suno.SunoClient() as client:
        record = await client.wait_for_task(task_id)
"""

from ._backoff import PollState
from ._bus import CallbackBus
from ._client import SunoClient
from ._config import APIKLEY, KIE, SUNOAPI, PollPolicy, Provider, RetryPolicy
from ._download import DownloadKind, ProgressHandler
from ._errors import (
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
    InvalidRequestError,
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
from ._limiter import AdaptivePacer, LimiterStatistics, LocalRateLimiter, RateLimiter
from ._models import TaskEvent, TaskOutcome, TaskRecord, TaskStatus, Track
from ._version import __version__
from ._wait import EventHandler, TaskWait, WaitMany

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
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "DestinationExistsError",
    "DownloadError",
    "DownloadKind",
    "EventHandler",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "LimiterStatistics",
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
    "RetryPolicy",
    "SensitiveContentError",
    "ServerError",
    "ServiceUnavailableError",
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
    "Track",
    "TransportError",
    "UsageError",
    "WaitMany",
    "WaitTimeoutError",
    "WebhookError",
    "WebhookSignatureError",
    "__version__",
]

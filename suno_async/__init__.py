"""suno_async: an asyncio SDK for the hosted Suno music API.

Fetch typed task records, wait for tasks within the service's limits, and
handle every failure as a documented :class:`SunoError`::

    import suno_async as suno

    async with suno.SunoClient() as client:
        record = await client.wait_for_task(task_id)
"""

from suno_async._client import SunoClient
from suno_async._client.creating import CreateOptions
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
    CoverImageGenerationFailedError,
    DecodeError,
    DestinationExistsError,
    DownloadError,
    DuplicateTaskError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidArgumentError,
    InvalidRequestError,
    LocalFileError,
    LyricsGenerationFailedError,
    MediaFetchError,
    MidiGenerationFailedError,
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
    VideoGenerationFailedError,
    WaitTimeoutError,
    WavConversionFailedError,
    WebhookError,
    WebhookSignatureError,
)
from suno_async._core.family_bodies import SeparationMode
from suno_async._core.family_records import (
    CoverImageRecord,
    LyricsRecord,
    LyricsVariant,
    MidiInstrument,
    MidiNote,
    MidiRecord,
    SeparatedStem,
    VideoRecord,
    VocalRemovalRecord,
    WavRecord,
)
from suno_async._core.handles import TaskHandle
from suno_async._core.kinds import TaskKind
from suno_async._core.learning import PhaseLearner
from suno_async._core.models import (
    RecordBase,
    TaskEvent,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    Track,
)
from suno_async._core.operations import SongOptions
from suno_async._core.policies import PollPolicy, RetryDetails, RetryHook, RetryPolicy
from suno_async._core.providers import APIKLEY, KIE, SUNOAPI, Provider
from suno_async._core.sync_results import (
    AlignedWord,
    BoostedStyle,
    Persona,
    TimestampedLyrics,
)
from suno_async._core.uploads import UploadedFile
from suno_async._core.version import __version__
from suno_async._engine.journal import JournalEntry, TaskJournal, TrackedOutcome
from suno_async._engine.memory_journal import MemoryTaskJournal
from suno_async._engine.tracking import TrackedOutcomes
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
    "AlignedWord",
    "AudioGenerationFailedError",
    "AuthenticationError",
    "BoostedStyle",
    "CallbackBus",
    "CallbackDeliveryError",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "ConflictError",
    "CoverImageGenerationFailedError",
    "CoverImageRecord",
    "CreateOptions",
    "DecodeError",
    "DestinationExistsError",
    "DownloadError",
    "DownloadKind",
    "DuplicateTaskError",
    "EventHandler",
    "GenerationFailedError",
    "InsufficientCreditsError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "JournalEntry",
    "LimiterStatistics",
    "LocalFileError",
    "LocalRateLimiter",
    "LyricsGenerationFailedError",
    "LyricsRecord",
    "LyricsVariant",
    "MediaFetchError",
    "MemoryTaskJournal",
    "MidiGenerationFailedError",
    "MidiInstrument",
    "MidiNote",
    "MidiRecord",
    "NotFoundError",
    "Persona",
    "PhaseLearner",
    "PollPolicy",
    "PollState",
    "ProgressHandler",
    "Provider",
    "RateLimitError",
    "RateLimiter",
    "RecordBase",
    "RequestTimeoutError",
    "RetryDetails",
    "RetryHook",
    "RetryPolicy",
    "SensitiveContentError",
    "SeparatedStem",
    "SeparationMode",
    "ServerError",
    "ServiceUnavailableError",
    "SongOptions",
    "SunoClient",
    "SunoError",
    "TaskCreationFailedError",
    "TaskEvent",
    "TaskFailedError",
    "TaskHandle",
    "TaskJournal",
    "TaskKind",
    "TaskNotFoundError",
    "TaskOutcome",
    "TaskRecord",
    "TaskStatus",
    "TaskWait",
    "Timer",
    "TimestampedLyrics",
    "Track",
    "TrackedOutcome",
    "TrackedOutcomes",
    "TransportError",
    "UploadedFile",
    "UsageError",
    "VideoGenerationFailedError",
    "VideoRecord",
    "VocalRemovalRecord",
    "WaitMany",
    "WaitTimeoutError",
    "WavConversionFailedError",
    "WavRecord",
    "WebhookError",
    "WebhookSignatureError",
    "__version__",
]

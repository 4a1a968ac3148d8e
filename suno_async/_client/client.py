"""`SunoClient`: the facade that wires the parts and offers thin public methods.

Reading, waiting, callbacks and downloads are here; creations and uploads
are its base class's (:mod:`.creating`), durable waits :mod:`.tracking`'s.
It owns no logic: settings, transport, registry, creator and callback
intake are the parts it wires.
"""

from __future__ import annotations

import os
import pathlib
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, TypeVar, overload

import aiohttp

from suno_async._client.creating import CreatingCalls
from suno_async._client.tracking import Tracking
from suno_async._core.callback_signing import DEFAULT_MAX_AGE_S
from suno_async._core.callback_wire import MAX_CALLBACK_BYTES, CallbackEvent
from suno_async._core.clock import Clock
from suno_async._core.errors import ClientClosedError
from suno_async._core.families import (
    SPECS,
    PollSetting,
    family_polls,
    task_kind,
)
from suno_async._core.handles import KindLike, TaskHandle, family_of
from suno_async._core.kinds import TaskKind
from suno_async._core.learning import PhaseLearner
from suno_async._core.models import RecordBase, TaskRecord, TaskStatus, Track
from suno_async._core.policies import PollPolicy, RetryPolicy
from suno_async._core.providers import (
    APIKLEY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
    Provider,
)
from suno_async._core.settings import ClientSettings
from suno_async._core.task_ids import check_task_id
from suno_async._core.uploads import resolve_upload_base_url
from suno_async._engine.callbacks import CallbackIntake
from suno_async._engine.creation import TaskCreator
from suno_async._engine.journal import TaskJournal
from suno_async._engine.registry import PollerRegistry
from suno_async._engine.tracking import TrackedOutcomes
from suno_async._engine.wait import EventHandler, TaskWait
from suno_async._engine.wait_many import WaitMany
from suno_async._io.bus import CallbackBus
from suno_async._io.clock import SYSTEM_CLOCK
from suno_async._io.download import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DownloadKind,
    DownloadSettings,
    ProgressHandler,
    download,
)
from suno_async._io.gate import Gate
from suno_async._io.http import Transport
from suno_async._io.limiter import LocalRateLimiter, RateLimiter, make_pacer
from suno_async._io.reader import RecordReader

__all__ = ["SunoClient"]

_DEFAULT_RETRY: Final = RetryPolicy()

_Client = TypeVar("_Client", bound="SunoClient")
_R = TypeVar("_R", bound=RecordBase)
_Music = Literal[TaskKind.MUSIC, "music"] | None


class SunoClient(CreatingCalls):
    """An asyncio client for one account of one provider.

    Use it as ``async with SunoClient() as client:`` or call :meth:`aclose`.
    The API key comes from ``api_key``, else the ``APIKLEY_API_KEY``, else the
    ``SUNO_API_KEY`` environment variable (a 401's error names which), and
    the base URL from ``base_url``, else ``APIKLEY_BASE_URL``, else
    ``SUNO_BASE_URL``, else the provider's. An injected ``session`` is used
    as is and never closed; otherwise one is created on the first request
    (``max_connections`` connections at most). ``request_timeout`` bounds
    each request in seconds. Record-info requests hold a per-task slot of
    ``rate_limiter`` (default: 3 requests per task per second, in process)
    and, with ``max_requests_per_second``, are paced client-wide; the polls
    of all waits in flight at once are at most ``max_connections``, fewer
    while their round trips show queueing (an adaptive limit). With a
    ``callback_bus``, callbacks received by any process wake this client's
    waits (see :mod:`suno_async.redis`). A ``journal`` keeps tracked tasks
    across restarts (:meth:`track`) and, without ``rate_limiter``, shares it.

    Task creations (:meth:`generate` and its kin) post results to
    ``callback_url`` unless a call names its own, and with
    ``max_creations_per_second`` are spaced evenly, slowing down by
    themselves after rate-limit answers. With ``webhook_key`` (kie.ai's),
    :meth:`handle_callback` refuses callbacks without a valid signature.

    ``clock`` (default: the system's monotonic one) is the one source of
    time of its waits, limiter, pacers and retries (tests: a ``VirtualClock``).
    Waits teach the service's phase lengths to ``cadence``, a :class:`PhaseLearner`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        provider: Provider = APIKLEY,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        poll: PollSetting = None,
        retry: RetryPolicy = _DEFAULT_RETRY,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_requests_per_second: float | None = None,
        callback_url: str | None = None,
        rate_limiter: RateLimiter | None = None,
        callback_bus: CallbackBus | None = None,
        max_creations_per_second: float | None = None,
        webhook_key: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
        upload_base_url: str | None = None,
        journal: TaskJournal | None = None,
        cadence: PhaseLearner | None = None,
    ) -> None:
        settings = ClientSettings.from_arguments(locals(), os.environ)
        self._provider = provider
        self._settings = settings
        self._polls = family_polls(poll)
        self._retry = retry
        transport = Transport(
            api_key=settings.api_key,
            key_source=settings.api_key_source,
            provider=provider,
            base_url=settings.base_url,
            session=session,
            request_timeout=settings.request_timeout,
            max_connections=settings.max_connections,
        )
        if rate_limiter is None and journal is not None:
            rate_limiter = journal.rate_limiter()
        limiter = (
            LocalRateLimiter(clock=clock) if rate_limiter is None else rate_limiter
        )
        pacer = make_pacer(limiter, "requests", max_requests_per_second, clock=clock)
        self._registry = PollerRegistry(
            reader=RecordReader(transport, limiter, pacer),
            clock=clock,
            retry=retry,
            bus=callback_bus,
            learner=PhaseLearner.of(cadence),
            gate=Gate(settings.max_connections, adaptive=True)
            if settings.max_connections > 0
            else None,
        )
        self._tracking = Tracking(journal, self._registry, self._polls)
        super().__init__(
            transport=transport,
            creator=TaskCreator(
                transport=transport,
                provider=provider,
                retry=retry,
                clock=clock,
                pacer=pacer,
                creation_pacer=make_pacer(
                    limiter, "creations", max_creations_per_second, clock=clock
                ),
                callback_url=settings.callback_url,
            ),
            upload_base_url=resolve_upload_base_url(
                provider, settings.base_url, upload_base_url
            ),
            tracking=self._tracking,
        )
        self._callbacks = CallbackIntake(
            self._registry, webhook_key=webhook_key, bus=callback_bus
        )

    def __repr__(self) -> str:
        name, url = self._provider.name, self.base_url
        return f"<SunoClient provider={name!r} base_url={url!r} closed={self.closed}>"

    @property
    def provider(self) -> Provider:
        """The service this client talks to."""
        return self._provider

    @property
    def base_url(self) -> str:
        """The service's base URL, without a trailing slash."""
        return self._settings.base_url

    @property
    def request_timeout(self) -> float:
        """Seconds one request may take."""
        return self._settings.request_timeout

    @property
    def callback_url(self) -> str | None:
        """Where creations ask the service to post results, unless a call names one."""
        return self._settings.callback_url

    @property
    def retry(self) -> RetryPolicy:
        """How transient failures are retried while waiting."""
        return self._retry

    @property
    def poll(self) -> PollPolicy:
        """The default poll cadence of music waits (see :meth:`poll_for`)."""
        return self._polls[TaskKind.MUSIC]

    def poll_for(self, kind: KindLike) -> PollPolicy:
        """The default poll cadence of ``kind``'s waits."""
        return self._polls[task_kind(kind)]

    # --- lifecycle ---------------------------------------------------------

    async def __aenter__(self: _Client) -> _Client:
        self._check_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client: its own session closes, an injected one stays open.

        Closing twice is harmless; a closed client refuses every call.
        """
        if self.closed:
            return
        self._registry.close(
            ClientClosedError("the client was closed while this wait was running")
        )
        await self._transport.aclose()

    def __del__(self, _warnings: Any = warnings) -> None:
        transport = getattr(self, "_transport", None)  # None if __init__ failed
        if transport is not None and transport.owns_open_session:
            _warnings.warn(
                f"unclosed {self!r}: use 'async with SunoClient()' "
                "or 'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    # --- reading and waiting -------------------------------------------------

    @overload
    async def get_task(  # type: ignore[overload-overlap]
        self, task_id: TaskHandle[_R], *, kind: None = None
    ) -> _R: ...
    @overload
    async def get_task(self, task_id: str, *, kind: _Music = None) -> TaskRecord: ...
    @overload
    async def get_task(self, task_id: str, *, kind: KindLike) -> Any: ...

    async def get_task(self, task_id: str, *, kind: KindLike | None = None) -> Any:
        """The task's current record: one record-info request, no retries.

        ``kind`` selects the family (default: the :class:`TaskHandle`'s, else
        music) and so the record's class. A malformed id or kind raises
        :class:`InvalidArgumentError` first, else the mapped :class:`SunoError`.
        """
        self._check_open(task_id if isinstance(task_id, str) else None)
        spec = family_of(task_id, kind)
        return await self._registry.reader.read(task_id, spec=spec)

    @overload
    def wait_for_task(  # type: ignore[overload-overlap]
        self,
        task_id: TaskHandle[_R],
        *,
        kind: None = None,
        until: TaskStatus = ...,
        timeout: float | None = ...,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
        resume: str | None = None,
    ) -> TaskWait[_R]: ...
    @overload
    def wait_for_task(
        self,
        task_id: str,
        *,
        kind: _Music = None,
        until: TaskStatus = ...,
        timeout: float | None = ...,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
        resume: str | None = None,
    ) -> TaskWait[TaskRecord]: ...
    @overload
    def wait_for_task(
        self,
        task_id: str,
        *,
        kind: KindLike,
        until: TaskStatus = ...,
        timeout: float | None = ...,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
        resume: str | None = None,
    ) -> TaskWait[Any]: ...

    def wait_for_task(
        self,
        task_id: str,
        *,
        kind: KindLike | None = None,
        until: TaskStatus = TaskStatus.SUCCESS,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
        resume: str | None = None,
    ) -> TaskWait[Any]:
        """Wait for a task to reach ``until`` (by default SUCCESS).

        ``await`` the result for the final :class:`TaskRecord`, or iterate it
        for one :class:`TaskEvent` per milestone (TEXT_SUCCESS,
        FIRST_SUCCESS, SUCCESS: once each, in order; skipped ones with
        ``inferred=True``). ``timeout`` bounds the whole wait in seconds
        (``None``: no bound) and raises :class:`WaitTimeoutError`; a failure
        status raises its :class:`TaskFailedError`. ``poll`` overrides the
        client's :class:`PollPolicy`; ``on_event`` (sync or async) sees every
        event; ``resume`` takes a :meth:`TaskEvent.checkpoint` so that
        milestones already delivered are not emitted again. Concurrent
        waits for one task share one poll loop.

        ``kind`` selects the family (default: the :class:`TaskHandle`'s,
        else music); the families other than music have SUCCESS as their
        only milestone, and their own record class.
        """
        self._check_open(task_id if isinstance(task_id, str) else None)
        spec = family_of(task_id, kind)
        return TaskWait(
            self._registry,
            check_task_id(task_id),
            spec=spec,
            until=until,
            timeout=timeout,
            poll=self._polls[spec.kind] if poll is None else poll,
            on_event=on_event,
            resume=resume,
        )

    @overload
    def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        kind: _Music = None,
        until: TaskStatus = ...,
        timeout: float | None = ...,
        max_concurrency: int | None = None,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
    ) -> WaitMany[TaskRecord]: ...
    @overload
    def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        kind: KindLike,
        until: TaskStatus = ...,
        timeout: float | None = ...,
        max_concurrency: int | None = None,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
    ) -> WaitMany[Any]: ...

    def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        kind: KindLike | None = None,
        until: TaskStatus = TaskStatus.SUCCESS,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        max_concurrency: int | None = None,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
    ) -> WaitMany[Any]:
        """Wait for many tasks: iterate it for a :class:`TaskOutcome` per id as
        each ends, or ``await`` it for the outcomes in the order of ``task_ids``.

        Each distinct id comes once, failures, invalid ids and timeouts
        included (``outcome.error``), never affecting the others. ``timeout``
        bounds the whole call; ``max_concurrency`` caps the tasks polled at
        once; ``on_event`` (sync or async) sees every milestone. ``kind`` is
        the ids' family (music by default; a :class:`TaskHandle`'s own).
        """
        self._check_open()
        return WaitMany(
            self._registry,
            task_ids,
            spec=SPECS[task_kind(TaskKind.MUSIC if kind is None else kind)],
            until=until,
            timeout=timeout,
            polls=self._polls if poll is None else dict.fromkeys(TaskKind, poll),
            max_concurrency=max_concurrency,
            on_event=on_event,
        )

    async def track(
        self,
        task_id: str,
        *,
        kind: KindLike | None = None,
        meta: Any = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> bool:
        """Journal a task until a worker's :meth:`tracked_outcomes` acknowledges it.

        ``meta`` (JSON-safe, 16 KiB at most) comes with the outcome; ``timeout``
        counts from now, across restarts. False if tracked already."""
        self._check_open(task_id if isinstance(task_id, str) else None)
        kind = family_of(task_id, kind).kind
        return await self._tracking.track(
            check_task_id(task_id), kind=kind, meta=meta, timeout=timeout
        )

    def tracked_outcomes(
        self, *, max_tasks: int = 100, on_event: EventHandler | None = None
    ) -> TrackedOutcomes:
        """This worker's share of the journal: a :class:`TrackedOutcome` per
        task until closed (it leaves the journal at ``outcome.ack()``).

        At most ``max_tasks`` are held at once; ``on_event`` sees each
        milestone once, even across a takeover after a crash.
        """
        self._check_open()
        return self._tracking.outcomes(max_tasks=max_tasks, on_event=on_event)

    # --- callbacks -------------------------------------------------------------

    async def handle_callback(
        self,
        body: bytes | bytearray | Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE_S,
        hmac_key: str | None = None,
        max_bytes: int = MAX_CALLBACK_BYTES,
        kind: KindLike | None = None,
    ) -> CallbackEvent:
        """Take one callback the service POSTed to your ``callback_url``.

        ``body`` is the request body (bytes, or JSON already parsed, at most
        ``max_bytes``) and ``headers`` its headers. It may come from a task
        of any family: ``kind`` names it, else the body's shape shows it
        (:class:`~suno_async.webhooks.CallbackEvent`). With ``hmac_key``, else
        the client's ``webhook_key``, the signature is checked
        (:func:`suno_async.webhooks.verify_signature`). A wait for the task
        then reads its record at once and, from now on, polls only as a
        safety net. Returns what the callback says (not confirmed: the
        record is). Duplicates and callbacks for tasks nobody waits on are
        accepted. Raises :class:`WebhookError` for a body that is not a
        callback, :class:`WebhookSignatureError` for a bad signature,
        :class:`ClientClosedError` once closed, :class:`InvalidArgumentError`
        for an unknown ``kind``. It never waits for the read: answer the
        service at once.
        """
        self._check_open()
        return self._callbacks.accept(
            body,
            headers,
            hmac_key=hmac_key,
            max_age=max_age,
            max_bytes=max_bytes,
            kind=kind,
        )

    async def download(
        self,
        target: RecordBase | Track | Iterable[Track],
        dest: str | os.PathLike[str],
        *,
        kind: DownloadKind = "audio",
        stem: str | None = None,
        on_progress: ProgressHandler | None = None,
        overwrite: bool = False,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    ) -> list[pathlib.Path]:
        """Save the files of any family's record, or of tracks, into ``dest``.

        ``target`` is a record of any family, a :class:`Track` or an iterable
        of tracks; the result has one path per file saved, in order. ``dest``
        is created if missing. What is saved, and under which name (every
        name made safe: no separators or control characters):

        * a :class:`TaskRecord` (all its tracks), tracks: one file per
          distinct track, ``<title>-<first 8 characters of the track
          id>.<ext>``, the title cut to 100 UTF-8 bytes (``track`` if nothing
          is left). ``kind="audio"`` tries :attr:`Track.audio_urls` best
          first, ``"stream"`` the stream URLs, ``"image"`` the cover then
          the source cover;
        * a :class:`WavRecord`: ``wav-<task id prefix>.wav``;
        * a :class:`VocalRemovalRecord`: every stem it has (its
          :attr:`~VocalRemovalRecord.stems`, then any ``separated`` stem with
          a URL of its own), ``<stem>-<task id prefix>.mp3``; ``stem="vocal"``
          (or ``"vocals"``, ``"Backing Vocals"``...) saves that one only;
        * a :class:`MidiRecord`: ``midi-<task id prefix>.mid``, a standard
          MIDI file written from the notes, one track per instrument; it
          needs the ``midi`` extra (``pip install "suno-async[midi]"``),
          without which :class:`ConfigurationError` says so;
        * a :class:`VideoRecord`: ``video-<task id prefix>.mp4``;
        * a :class:`CoverImageRecord`: ``cover-<task id prefix>-<n>.<ext>``;
        * a :class:`LyricsRecord`: each variant with text as UTF-8 text,
          ``<title>-<task id prefix>-<n>.txt``, control characters removed.

        ``kind`` applies to tracks only and ``stem`` to vocal removal only.
        When a URL fails (HTTP error, connection failure, timeout, cut body,
        a content type of another kind: ``audio/*`` for tracks and stems,
        ``audio/wav``, ``video/mp4``, ``image/*``) the next one is tried,
        with a warning log; a generic ``application/octet-stream`` is saved
        with a warning. Only http(s) URLs are fetched, through the client's
        session, never with the API key.

        Each file is written to a hidden ``.part`` file beside it and takes
        its name only when complete: nothing is left under that name after a
        failure or cancellation. An existing file is never replaced unless
        ``overwrite=True``. ``max_bytes`` caps each file (going over stops at
        once, other URLs untried); ``timeout`` bounds each attempt at a file,
        in seconds. ``on_progress(bytes_done, bytes_total)`` (sync or async;
        ``bytes_total`` is ``None`` when not declared) is called at 0 and
        after each chunk, starting over for each file and fallback URL.

        Raises :class:`DestinationExistsError` (a ``FileExistsError``) for an
        existing file, :class:`DownloadError` when a file cannot be saved or
        the record has none yet (``.reasons`` per URL, ``.saved`` the files
        saved before), :class:`InvalidArgumentError` for impossible
        settings, ``TypeError`` for a target that is no record nor tracks,
        :class:`LocalFileError` (a ``DownloadError`` and an ``OSError``) for
        local file-system failures.
        """
        self._check_open()
        settings = DownloadSettings.from_arguments(locals())
        return await download(self._transport, target, dest, settings)

"""`SunoClient`: the client's settings, lifecycle and thin public methods."""

from __future__ import annotations

import ipaddress
import math
import os
import warnings
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Final, TypeVar

import aiohttp
import yarl

from suno_async._core.convert import decode_record
from suno_async._core.errors import (
    ClientClosedError,
    ConfigurationError,
    InvalidRequestError,
    RateLimitError,
)
from suno_async._core.models import TaskRecord, TaskStatus
from suno_async._core.providers import (
    API_KEY_ENV_VARS,
    APIKLEY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
    RECORD_INFO_PATH,
    PollPolicy,
    Provider,
    RetryPolicy,
)
from suno_async._core.request_bodies import url_problem
from suno_async._engine.callbacks import CallbackHandling, check_webhook_key
from suno_async._engine.creation import TaskCreation
from suno_async._engine.files import TaskDownloads
from suno_async._engine.poller import PollerRegistry
from suno_async._engine.wait import EventHandler, TaskWait, WaitMany
from suno_async._io.bus import CallbackBus
from suno_async._io.http import SlotFactory, Transport
from suno_async._io.limiter import LocalRateLimiter, RateLimiter, make_pacer

__all__ = ["MAX_TASK_ID_CHARS", "SunoClient"]

#: Longest task id accepted before any request is made.
MAX_TASK_ID_CHARS: Final = 128
_DEFAULT_POLL: Final = PollPolicy()
_DEFAULT_RETRY: Final = RetryPolicy()
_LOOPBACK_NAMES: Final = frozenset({"localhost"})

_Client = TypeVar("_Client", bound="SunoClient")


class SunoClient(TaskCreation, TaskDownloads, CallbackHandling):
    """An asyncio client for one account of one provider.

    Use it as ``async with SunoClient() as client:`` or call :meth:`aclose`.
    The API key comes from ``api_key``, else the ``APIKLEY_API_KEY``, else the
    ``SUNO_API_KEY`` environment variable. An injected ``session`` is used
    as is and never closed; otherwise one is created on the first request
    (``max_connections`` connections at most). ``request_timeout`` bounds
    each request in seconds. Record-info requests hold a per-task slot of
    ``rate_limiter`` (default: 3 requests per task per second, in process)
    and, with ``max_requests_per_second``, are paced client-wide. With a
    ``callback_bus``, callbacks received by any process wake this client's
    waits (see :mod:`suno_async.redis`).

    Task creations (:meth:`generate` and its kin) post results to
    ``callback_url`` unless a call names its own, and with
    ``max_creations_per_second`` are spaced evenly, slowing down by
    themselves after rate-limit answers. With ``webhook_key`` (kie.ai's),
    :meth:`handle_callback` refuses callbacks without a valid signature.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        provider: Provider = APIKLEY,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        poll: PollPolicy = _DEFAULT_POLL,
        retry: RetryPolicy = _DEFAULT_RETRY,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_requests_per_second: float | None = None,
        callback_url: str | None = None,
        rate_limiter: RateLimiter | None = None,
        callback_bus: CallbackBus | None = None,
        max_creations_per_second: float | None = None,
        webhook_key: str | None = None,
    ) -> None:
        key = _resolve_api_key(api_key, os.environ)
        if not (request_timeout > 0 and math.isfinite(request_timeout)):
            raise ConfigurationError(
                f"request_timeout must be a positive number of seconds, "
                f"not {request_timeout!r}"
            )
        if max_connections < 1:
            raise ConfigurationError(
                f"max_connections must be at least 1, not {max_connections!r}"
            )
        if max_requests_per_second is not None and not max_requests_per_second > 0:
            raise ConfigurationError(
                f"max_requests_per_second must be positive, "
                f"not {max_requests_per_second!r}"
            )
        rate = max_creations_per_second
        if rate is not None and not (rate > 0 and math.isfinite(rate)):
            raise ConfigurationError(
                f"max_creations_per_second must be positive, not {rate!r}"
            )
        if callback_url is not None and (problem := url_problem(callback_url)):
            raise ConfigurationError(f"callback_url {problem}")
        self._provider = provider
        self._base_url = _check_base_url(
            provider.base_url if base_url is None else base_url
        )
        self._request_timeout = float(request_timeout)
        self._poll = poll
        self._retry = retry
        self._callback_url = callback_url
        self._webhook_key = check_webhook_key(webhook_key)
        self._callback_bus = callback_bus
        self._rate_limiter = rate_limiter
        self._pacer = make_pacer(rate_limiter, "requests", max_requests_per_second)
        self._creation_pacer = make_pacer(
            rate_limiter, "creations", max_creations_per_second
        )
        self._pollers = PollerRegistry(self)
        self._transport = Transport(
            api_key=key,
            provider=provider,
            base_url=self._base_url,
            session=session,
            request_timeout=self._request_timeout,
            max_connections=max_connections,
        )

    def __repr__(self) -> str:
        return (
            f"<SunoClient provider={self._provider.name!r} "
            f"base_url={self._base_url!r} closed={self.closed}>"
        )

    @property
    def provider(self) -> Provider:
        """The service this client talks to."""
        return self._provider

    @property
    def base_url(self) -> str:
        """The service's base URL, without a trailing slash."""
        return self._base_url

    @property
    def request_timeout(self) -> float:
        """Seconds one request may take."""
        return self._request_timeout

    @property
    def closed(self) -> bool:
        """Whether the client was closed (it cannot be reopened)."""
        return self._transport.closed

    # --- lifecycle ---------------------------------------------------------

    async def __aenter__(self: _Client) -> _Client:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client: its own session closes, an injected one stays open.

        Closing twice is harmless; a closed client refuses every call.
        """
        if self.closed:
            return
        self._pollers.fail_all(
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

    def _check_open(self, task_id: str | None = None) -> None:
        if self.closed:
            raise ClientClosedError(
                "the client is closed and cannot be reused; create a new one",
                task_id=task_id,
            )

    # --- tasks -------------------------------------------------------------

    async def get_task(self, task_id: str) -> TaskRecord:
        """The task's current record: one record-info request, no retries.

        Raises :class:`InvalidRequestError` (also a ``ValueError``) for a
        malformed id before any request, else the mapped :class:`SunoError`.
        """
        return await self._fetch_record(task_id)

    async def _fetch_record(
        self,
        task_id: str,
        *,
        timeout: float | None = None,
    ) -> TaskRecord:
        """One record-info read under the task's slot; feeds the pacer back."""
        self._check_open(task_id)
        _check_task_id(task_id)
        try:
            data = await self._transport.request(
                "GET",
                RECORD_INFO_PATH,
                params={"taskId": task_id},
                task_id=task_id,
                timeout=timeout,
                slot=self._record_info_slot(task_id),
            )
        except RateLimitError:
            if self._pacer is not None:
                self._pacer.on_rate_limited()
            raise
        if self._pacer is not None:
            self._pacer.on_success()
        return decode_record(data, task_id=task_id)

    def _record_info_slot(self, task_id: str) -> SlotFactory:
        """Slots for each record-info wire attempt: the task's limiter, then pacer."""
        if self._rate_limiter is None:
            self._rate_limiter = LocalRateLimiter()
        limiter = self._rate_limiter
        pacer = self._pacer

        @asynccontextmanager
        async def slot() -> AsyncIterator[None]:
            async with limiter.slot(task_id):
                if pacer is not None:
                    await pacer.acquire()
                yield

        return slot

    # --- waiting ---------------------------------------------------------------

    def wait_for_task(
        self,
        task_id: str,
        *,
        until: TaskStatus = TaskStatus.SUCCESS,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll: PollPolicy | None = None,
        on_event: EventHandler | None = None,
        resume: str | None = None,
    ) -> TaskWait:
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
        """
        self._check_open(task_id)
        _check_task_id(task_id)
        return TaskWait(
            self,
            task_id,
            until=until,
            timeout=timeout,
            poll=self._poll if poll is None else poll,
            on_event=on_event,
            resume=resume,
        )

    def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        until: TaskStatus = TaskStatus.SUCCESS,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        max_concurrency: int | None = None,
        poll: PollPolicy | None = None,
    ) -> WaitMany:
        """Wait for many tasks; iterate it for a :class:`TaskOutcome` per id.

        Outcomes come in completion order, each distinct id exactly once,
        failures, invalid ids and timeouts included (as ``outcome.error``);
        one task's failure never affects the others. ``timeout`` bounds the
        whole call; ``max_concurrency`` caps how many tasks are polled at
        once (``None``: all, the connection pool bounding the requests).
        """
        self._check_open()
        return WaitMany(
            self,
            task_ids,
            until=until,
            timeout=timeout,
            poll=self._poll if poll is None else poll,
            max_concurrency=max_concurrency,
        )

    @property
    def retry(self) -> RetryPolicy:
        """How transient failures are retried while waiting."""
        return self._retry

    @property
    def poll(self) -> PollPolicy:
        """The default poll cadence of waits."""
        return self._poll

    def _validate_task_id(self, task_id: object) -> None:
        _check_task_id(task_id)


def _resolve_api_key(api_key: str | None, environ: Mapping[str, str]) -> str:
    """The key from the argument, else the first non-empty environment variable."""
    if api_key is None:
        api_key = next((environ[n] for n in API_KEY_ENV_VARS if environ.get(n)), None)
        if api_key is None:
            raise ConfigurationError(
                "no API key: pass api_key=... or set the "
                f"{' or '.join(API_KEY_ENV_VARS)} environment variable"
            )
    if not api_key:
        raise ConfigurationError("the API key is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in api_key):
        raise ConfigurationError(
            "the API key contains whitespace or control characters"
        )
    return api_key


def _check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; https, or http to a loopback host."""
    try:
        url = yarl.URL(base_url)
        host = url.host
    except (TypeError, ValueError):
        host = None
    if not host or url.scheme not in ("http", "https"):
        raise ConfigurationError(f"base_url must be an http(s) URL, not {base_url!r}")
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not contain credentials")
    if url.query_string or url.fragment:
        raise ConfigurationError(
            f"base_url must not have a query or fragment: {base_url!r}"
        )
    if url.scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"base_url must use https unless it points at a loopback address "
            f"(127.0.0.0/8, ::1, localhost), not {base_url!r}"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_task_id(task_id: object) -> None:
    """Refuse an id no service would know, before any request (quoting it safely)."""
    if not isinstance(task_id, str):
        problem = f"must be a string, not {type(task_id).__name__}"
    elif not task_id:
        problem = "must not be empty"
    elif len(task_id) > MAX_TASK_ID_CHARS:
        problem = f"is {len(task_id)} characters long (at most {MAX_TASK_ID_CHARS})"
    elif any(ch.isspace() or not ch.isprintable() for ch in task_id):
        problem = "must not contain whitespace or control characters"
    else:
        return
    shown = repr(task_id)[:40] + ("..." if len(repr(task_id)) > 40 else "")
    raise InvalidRequestError(f"invalid task id {shown}: {problem}")

"""The HTTP edge: the only module that touches aiohttp clients and their errors.

:class:`Transport` sends one request and returns the envelope's ``data``, or
raises an exception from :mod:`suno_async._core.errors` (see
:func:`~suno_async._core.envelope.read_envelope` for body codes and HTTP statuses).
Besides those:

* a body over ``max_body_bytes`` is refused with :class:`DecodeError`: by its
  ``Content-Length``, or as it streams in. The cap counts *decoded* bytes
  (aiohttp inflates ``Content-Encoding: gzip``/``deflate``/``br``/``zstd``
  on the fly, and ``Content-Length`` is then the compressed size): the body
  is read in chunks (:mod:`~suno_async._io.bodies`), never whole, and reading stops,
  closing the connection, once more than the cap has arrived (at most the
  cap plus one 64 KiB chunk is ever held);
* connection, TLS and DNS failures (and answers aiohttp cannot parse: huge
  headers, a bad encoding...) raise :class:`TransportError`, timeouts
  :class:`RequestTimeoutError` (:meth:`Transport._translate` is the only
  place that translates them); :func:`nothing_sent` tells the failures that
  prove the request never left;
* no exception raised here reaches the API key: a foreign error is never
  chained as such (aiohttp's keep the request's headers), its ``__cause__``
  is a :class:`ForeignError` holding only its type's name and its message
  with the key redacted, and its ``__context__`` is empty.

:meth:`Transport.open_media` streams a media file (a CDN URL, without the
API key) for :mod:`suno_async._io.download`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import platform
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final, NoReturn

import aiohttp
import yarl
from multidict import CIMultiDict

from suno_async._core.envelope import (
    parse_retry_after,
    read_envelope,
)
from suno_async._core.errors import (
    AuthenticationError,
    ClientClosedError,
    DecodeError,
    RequestTimeoutError,
    SunoError,
    TransportError,
    UsageError,
)
from suno_async._core.providers import DEFAULT_MAX_BODY_BYTES, Provider
from suno_async._core.version import __version__
from suno_async._io.attempts import Attempts, SlotFactory
from suno_async._io.bodies import READ_CHUNK_BYTES, read_capped
from suno_async._io.gate import Gate

__all__ = [
    "FOREIGN_ERRORS",
    "NOT_SENT_ERRORS",
    "USER_AGENT",
    "ForeignError",
    "MediaResponse",
    "SlotFactory",
    "Transport",
    "nothing_sent",
    "parse_retry_after",
]

logger = logging.getLogger("suno_async")

#: Every foreign exception :meth:`Transport.request` translates.
FOREIGN_ERRORS: Final = (asyncio.TimeoutError, aiohttp.ClientError, OSError)
#: Sent with every request.
USER_AGENT: Final = (
    f"suno-async/{__version__} aiohttp/{aiohttp.__version__} "
    f"python/{platform.python_version()}"
)
#: Foreign errors raised before a request's first byte is written: no
#: connection could be made (refused, DNS, proxy, TLS handshake, connect
#: timeout). aiohttp raises them from its connector, before sending.
NOT_SENT_ERRORS: Final = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def _raise_clean(error: SunoError) -> NoReturn:
    """Raise ``error`` with an empty ``__context__``, whatever is being handled.

    Raising outside the ``except`` block is not enough everywhere (Python
    3.10's async context managers leave the foreign error as the context).
    """
    try:
        raise error
    finally:
        error.__context__ = None


def nothing_sent(error: BaseException) -> bool:
    """Whether ``error``, raised by :meth:`Transport.request`, proves nothing was sent.

    True only for a :class:`TransportError` translated from a failure to
    connect (``connected`` is false), or one built with such a failure as
    its ``__cause__``. A reset, a timeout once connected, or any answer may
    follow a request that the server received.
    """
    return isinstance(error, TransportError) and (
        not error.connected or isinstance(error.__cause__, NOT_SENT_ERRORS)
    )


class ForeignError(Exception):
    """What a foreign exception said, as the ``__cause__`` of ours.

    aiohttp's errors keep the request they failed (its headers, the API key
    among them) and chain further errors: the original is never attached.
    This keeps only strings: ``type_name`` (``module.QualifiedName``) and
    the message, the API key redacted. It has no ``__cause__``, no
    ``__context__`` and no traceback.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name


def _limit_of(session: aiohttp.ClientSession) -> int:
    """The connection limit of an injected session's connector (0: none)."""
    connector = session.connector
    return 0 if connector is None else connector.limit


def _gate(limit: int) -> Gate | None:
    """Admits at most ``limit`` requests at once (``None`` for no limit)."""
    return Gate(limit) if limit > 0 else None


def _client_timeout(left_s: float) -> aiohttp.ClientTimeout:
    """aiohttp's total timeout for ``left_s`` seconds, never rounded up.

    From one second on, rounded down to the hundredth (a request whose gate
    or slot wait took a few milliseconds then finds its timeout in the cache
    instead of building one); never to a whole second, as aiohttp would.
    """
    return _exact_timeout(left_s if left_s < 1.0 else math.floor(left_s * 100) / 100)


@functools.lru_cache(maxsize=64)
def _exact_timeout(total_s: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=total_s, ceil_threshold=math.inf)


class Transport:
    """Sends requests to one provider with one key; maps every outcome."""

    __slots__ = (
        "_api_key",
        "_base_middlewares",
        "_base_url",
        "_closed",
        "_gate",
        "_headers",
        "_key_source",
        "_max_body_bytes",
        "_max_connections",
        "_owns_session",
        "_provider",
        "_request_timeout",
        "_session",
    )

    def __init__(
        self,
        *,
        api_key: str,
        provider: Provider,
        base_url: str,
        session: aiohttp.ClientSession | None,
        request_timeout: float,
        max_connections: int,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        key_source: str | None = None,
    ) -> None:
        self._api_key = api_key
        self._key_source = key_source
        # Built once: aiohttp would make a CIMultiDict of a dict per request.
        self._headers: Final = CIMultiDict(
            {
                "Authorization": f"Bearer {api_key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            }
        )
        self._provider = provider
        self._base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        # A per-request middleware list replaces the session's own: keep those.
        self._base_middlewares: tuple[Any, ...] = tuple(
            getattr(session, "_middlewares", ())
        )
        # Requests wait here, not as aiohttp requests queued for a connection
        self._gate = _gate(max_connections if session is None else _limit_of(session))
        self._request_timeout = request_timeout
        self._max_connections = max_connections
        self._max_body_bytes = max_body_bytes
        self._closed = False

    def __repr__(self) -> str:
        return f"<Transport {self._provider.name} {self._base_url}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    @property
    def request_timeout(self) -> float:
        """Seconds a request may take unless the call says otherwise."""
        return self._request_timeout

    @property
    def owns_open_session(self) -> bool:
        """Whether a session created here is still open (a leak if never closed)."""
        session = self._session
        return self._owns_session and session is not None and not session.closed

    async def aclose(self) -> None:
        """Refuse further requests; close the session only if we created it."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()

    def _get_session(self, task_id: str | None) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            self._session = aiohttp.ClientSession(connector=connector)
        elif self._session.closed:
            message = "the aiohttp session given to the client is closed"
            raise UsageError(message, task_id=task_id)
        return self._session

    def url(self, path: str, params: Mapping[str, str]) -> yarl.URL:
        """The URL of ``path`` with ``params``, for :meth:`request`'s ``url``.

        aiohttp caches what it reads of a URL (its host, port, origin...) on
        the URL object, so a request sent again and again (a task's polls)
        costs less with one URL kept than with one built per request.
        """
        return yarl.URL(self._base_url + path).with_query(params)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        url: yarl.URL | None = None,
        json: Mapping[str, Any] | None = None,
        task_id: str | None = None,
        timeout: float | None = None,
        slot: SlotFactory | None = None,
        base_url: str | None = None,
        data: Any = None,
    ) -> Any:
        """Send one request; return the envelope's ``data`` on body code 200.

        ``slot`` is entered around each wire attempt and held until its
        headers arrive; ``timeout`` (seconds, slot waits included) overrides
        the client's request timeout. ``base_url`` sends it to another of
        the provider's services (the upload service; checked by the caller)
        with the same key; ``data`` is a body aiohttp sends as it is (a
        multipart form streamed from a file), instead of ``json``. ``url``
        (from :meth:`url`) is sent instead of ``path`` and ``params``, which
        then only name the request in the log. Nothing is re-sent here.
        Raises the mapped :class:`SunoError`.
        """
        if self._closed:
            raise ClientClosedError("the client is closed", task_id=task_id)
        timeout_s = self._request_timeout if timeout is None else timeout
        started = time.monotonic()
        status: int | None = None
        code: int | None = None
        failure = ""
        error: SunoError | None = None
        attempts: Attempts | None = None
        gate = self._gate
        admitted = False
        try:
            try:
                # Waits for a turn (the gate) and for the first slot are bounded
                # here, aiohttp's total timeout bounds the exchange, body included.
                # The slot comes last: it is held from just before the send.
                left_s = timeout_s
                if gate is not None:
                    if not gate.enter_now():
                        left_s -= await gate.enter(left_s)
                    admitted = True
                if slot is not None:  # made once admitted: a queued request holds less
                    attempts = Attempts(slot)
                    left_s -= await attempts.take_first(left_s)
                session = self._get_session(task_id)
                options: dict[str, Any] = {}  # only what differs from aiohttp's
                if attempts is not None:
                    options["middlewares"] = (*self._base_middlewares, attempts)
                if json is not None:
                    options["json"] = json
                if data is not None:
                    options["data"] = data
                target: str | yarl.URL
                if url is None:
                    target = (base_url or self._base_url).rstrip("/") + path
                else:
                    target, params = url, None
                async with session.request(
                    method,
                    target,
                    params=params,
                    headers=self._headers,
                    timeout=_client_timeout(left_s),
                    allow_redirects=False,  # never carry the key to another origin
                    raise_for_status=False,
                    **options,
                ) as response:
                    if attempts is not None and attempts.holding:  # mocked wire
                        await attempts.release_first()
                    body = await self._read_body(response, task_id)
                    answer = (response.status, response.reason, response.headers)
            except FOREIGN_ERRORS as exc:
                # Still waiting for its turn or first slot: it never left.
                waiting = (gate is not None and not admitted) or (
                    attempts is not None and not attempts.slot_taken
                )
                error = self._translate(exc, timeout_s, task_id, sent=not waiting)
            finally:
                if attempts is not None and attempts.holding:
                    await attempts.release_first()
                if admitted:
                    gate.leave()  # type: ignore[union-attr]
            if error is not None:
                _raise_clean(error)
            status, reason, headers = answer
            data = read_envelope(
                status,
                self._redact(reason or ""),  # a server may echo it
                headers,
                body,
                provider=self._provider,
                task_id=task_id,
                redact=self._redact,
            )
            code = 200
        except BaseException as exc:
            code = getattr(exc, "code", None)
            failure = f" ({type(exc).__name__})"
            if isinstance(exc, AuthenticationError):
                exc.key_source = self._key_source  # where to look, never the key
            raise
        finally:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s task=%s -> HTTP %s code %s in %.0f ms%s",
                    method,
                    path,
                    task_id,
                    status,
                    code,
                    (time.monotonic() - started) * 1000,
                    failure,
                )
        return data

    async def _read_body(
        self, response: aiohttp.ClientResponse, task_id: str | None
    ) -> bytes:
        """The whole body; one over ``max_body_bytes`` decoded bytes is refused.

        A ``Content-Length`` over the cap is refused unread; any other body
        is counted as it is decoded (``Content-Length`` is the compressed
        size under a ``Content-Encoding``, so it is never trusted as the
        body's size). The connection of a refused body is closed.
        """
        cap = self._max_body_bytes
        declared = response.content_length
        if declared is not None and declared > cap:
            detail = f"Content-Length {declared}"
        else:
            body, seen = await read_capped(response.content, cap)
            if body is not None:
                return body
            detail = f"stopped reading at {seen} decoded bytes"
        response.close()
        raise DecodeError(
            f"response body over the {cap}-byte cap ({detail})",
            task_id=task_id,
            http_status=response.status,
        )

    def _translate(
        self,
        exc: BaseException,
        timeout_s: float,
        task_id: str | None,
        *,
        sent: bool = True,
    ) -> SunoError:
        """The one place where foreign exceptions become ours.

        The result's ``__cause__`` is a :class:`ForeignError` summing ``exc``
        up (never ``exc``: it may hold the request's headers); raise it
        outside the ``except`` block, so that ``exc`` is not its
        ``__context__`` either.
        """
        detail = self._redact(str(exc))
        error: SunoError
        if self._closed:
            message = "the client was closed during the request"
            error = ClientClosedError(message, task_id=task_id)
        elif isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            message = f"request timed out after {timeout_s:g} s"
            error = RequestTimeoutError(
                message,
                task_id=task_id,
                connected=sent and not isinstance(exc, NOT_SENT_ERRORS),
            )
        else:
            error = TransportError(
                f"{type(exc).__name__}: {detail or 'no detail'}",
                task_id=task_id,
                connected=sent and not isinstance(exc, NOT_SENT_ERRORS),
            )
        foreign = type(exc)
        error.__cause__ = ForeignError(
            f"{foreign.__module__}.{foreign.__qualname__}", detail
        )
        error.__context__ = None
        return error

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]")

    # --- media files (the streaming edge of _download.py) ----------------------

    @asynccontextmanager
    async def open_media(
        self,
        url: str,
        *,
        timeout: float,
    ) -> AsyncIterator[MediaResponse]:
        """Open a media file (a CDN URL) to read it in chunks, whatever its status.

        Sent through the client's session without the API key (that header
        is for API calls only), following redirects; ``timeout`` bounds the
        whole exchange in seconds, body included. Failures raise
        :class:`TransportError` or :class:`RequestTimeoutError`, here and
        from :meth:`MediaResponse.read_chunk`. The body is not read here: a
        response left unread (an HTTP error's body) is closed, not drained.
        """
        if self._closed:
            raise ClientClosedError("the client is closed")
        session = self._get_session(None)
        error: SunoError | None = None
        try:
            response = await session.get(
                url,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "*/*",
                    "Accept-Encoding": "identity",  # media is compressed already
                },
                timeout=aiohttp.ClientTimeout(total=timeout),
                raise_for_status=False,
            )
        except FOREIGN_ERRORS as exc:
            error = self._translate(exc, timeout, None)
        if error is not None:
            _raise_clean(error)
        try:
            yield MediaResponse(response, lambda e: self._translate(e, timeout, None))
        finally:
            response.release()  # back to the pool if read to the end, else closed


class MediaResponse:
    """An open media response: its status, type and size, and its body in chunks.

    ``content_type`` is the media type, lower-cased, without parameters
    (``None`` without the header); ``content_length`` the declared size,
    ``None`` when undeclared or under a ``Content-Encoding`` (aiohttp
    decodes the body: its declared length is not the size of the chunks).
    """

    __slots__ = (
        "_response",
        "_translate",
        "content_length",
        "content_type",
        "reason",
        "status",
    )

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        translate: Callable[[BaseException], SunoError],
    ) -> None:
        self._response = response
        self._translate = translate
        self.status = response.status
        self.reason = response.reason or ""
        declared = "Content-Type" in response.headers
        self.content_type = response.content_type if declared else None
        encoded = response.headers.get("Content-Encoding", "identity")
        plain = encoded.strip().lower() in ("", "identity")
        self.content_length = response.content_length if plain else None

    async def read_chunk(self) -> bytes:
        """The body's next chunk (64 KiB at most, decoded); ``b""`` at its end."""
        try:
            return await self._response.content.read(READ_CHUNK_BYTES)
        except FOREIGN_ERRORS as exc:
            error = self._translate(exc)
        _raise_clean(error)

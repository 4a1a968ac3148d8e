"""Creating tasks and reading credits: :class:`TaskCreator`.

A creation request is not idempotent: each one that reaches the service may
make a task and spend credits. So **a creation is never retried once its
request may have reached the server**. It is retried only when

* the connection could not be made (refused, DNS, TLS handshake, connect
  timeout: :func:`~suno_async._io.http.nothing_sent`), or
* the service answered "rate limited" (:class:`RateLimitError`) or
  "maintenance" (:class:`ServiceUnavailableError`, 455 / 503), answers that
  make no task. sunoapi.org's 429 means *insufficient credits* and is not
  retried.

Retries wait the client's :class:`RetryPolicy` delays (``Retry-After``
honoured), at most ``retry.max_retries`` times (:data:`CREATE_MAX_RETRIES`
when that is ``None``), and none starts later than
:data:`CREATE_RETRY_WINDOW_S` after the first attempt. Everything else raises
at once, the task perhaps created: a reset or a timeout after connecting, a
5xx, a body that cannot be read. aiohttp never resends a POST by itself: it
retries a dropped keep-alive connection only for ``IDEMPOTENT_METHODS``
(GET, HEAD, OPTIONS, TRACE, PUT, DELETE; ``aiohttp/client.py``).

The other families' creations and the synchronous calls (timestamped
lyrics, boost style, persona) take the same path and the same rule: boost
style and persona spend credits or make a record, and no call is worth a
second charge. A refusal that means "this task exists already" becomes a
:class:`DuplicateTaskError` (:func:`~suno_async._core.duplicates.duplicate_error`);
an answer naming no new task (``{"taskId": ""}``) a :class:`DecodeError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import attrs

from suno_async._core.clock import Clock
from suno_async._core.duplicates import duplicate_error
from suno_async._core.errors import (
    BUSY_ERRORS,
    APIError,
    DecodeError,
    RateLimitError,
    SunoError,
)
from suno_async._core.families import SPECS
from suno_async._core.family_bodies import (
    BOOST_STYLE_PATH,
    FAMILY_BODIES,
    PERSONA_PATH,
    TIMESTAMPED_LYRICS_PATH,
    boost_style_body,
    family_body,
    persona_body,
    timestamped_lyrics_body,
)
from suno_async._core.handles import TaskHandle
from suno_async._core.kinds import TaskKind
from suno_async._core.models import TaskRecord
from suno_async._core.operations import OPERATIONS
from suno_async._core.policies import RetryDetails, RetryPolicy
from suno_async._core.providers import Provider
from suno_async._core.request_bodies import build_body
from suno_async._core.sync_results import (
    BoostedStyle,
    Persona,
    TimestampedLyrics,
    boost_failure,
    decode_boosted_style,
    decode_persona,
    decode_timestamped_lyrics,
)
from suno_async._engine.retrying import report_retry
from suno_async._io.http import Transport, nothing_sent
from suno_async._io.limiter import Pacer

__all__ = ["CREATE_MAX_RETRIES", "CREATE_RETRY_WINDOW_S", "TaskCreator"]

#: Retries of one creation when ``RetryPolicy.max_retries`` is ``None``.
CREATE_MAX_RETRIES: Final = 4
#: Seconds after the first attempt past which a creation starts no retry.
CREATE_RETRY_WINDOW_S: Final = 60.0

#: A creating method's arguments that are no wire fields.
_NOT_SENT: Final = frozenset({"self", "callback_url", "reuse_existing"})

logger = logging.getLogger("suno_async")


@attrs.frozen(kw_only=True, eq=False)
class TaskCreator:
    """Sends creations and credit reads for one client; its parts are explicit.

    ``callback_url`` serves the creations that name none.
    """

    _transport: Transport
    _provider: Provider
    _retry: RetryPolicy
    _clock: Clock
    _pacer: Pacer | None
    _creation_pacer: Pacer | None
    _callback_url: str | None

    async def create(
        self, name: str, arguments: Mapping[str, Any]
    ) -> TaskHandle[TaskRecord]:
        """Check a music creation's keyword arguments, send it, return its handle."""
        operation = OPERATIONS[name]
        values = {k: v for k, v in arguments.items() if k in operation.fields}
        callback_url = arguments.get("callback_url")
        body = build_body(
            operation,
            values,
            callback_url=self._callback_url if callback_url is None else callback_url,
            extra=arguments.get("extra"),
        )
        data = await self.post(name, operation.path, body)
        return TaskHandle(_new_task_id(name, data), TaskKind.MUSIC)

    async def create_family(
        self, kind: TaskKind, arguments: Mapping[str, Any]
    ) -> TaskHandle[Any]:
        """Check a ``kind`` creation's keyword arguments, send it, return its handle.

        ``arguments`` are the creating method's (``self`` ignored);
        ``reuse_existing=True`` returns the existing task's handle instead
        of raising :class:`DuplicateTaskError`, when the service named it.
        """
        name, _ = FAMILY_BODIES[kind]
        values = {k: v for k, v in arguments.items() if k not in _NOT_SENT}
        callback_url = arguments.get("callback_url")
        callback_url = self._callback_url if callback_url is None else callback_url
        body = family_body(kind, values, callback_url=callback_url)
        try:
            data = await self.post(name, SPECS[kind].create_path, body)
        except APIError as error:
            duplicate = duplicate_error(error, kind, body)
            if duplicate is None:
                raise
            existing = duplicate.existing_task_id
            if arguments.get("reuse_existing") and isinstance(existing, TaskHandle):
                logger.info("%s: %s; reusing it", name, duplicate)
                return existing
            raise duplicate from error
        return TaskHandle(_new_task_id(name, data), kind)

    async def timestamped_lyrics(
        self, *, task_id: str, audio_id: str
    ) -> TimestampedLyrics:
        """``get-timestamped-lyrics`` for one track: checked, sent, decoded."""
        body = timestamped_lyrics_body(task_id=task_id, audio_id=audio_id)
        data = await self.post("get_timestamped_lyrics", TIMESTAMPED_LYRICS_PATH, body)
        return decode_timestamped_lyrics(data)

    async def boost_style(self, content: str) -> BoostedStyle:
        """``style/generate``; a failed boost (flag ``"2"``) raises its APIError."""
        data = await self.post(
            "boost_style", BOOST_STYLE_PATH, boost_style_body(content=content)
        )
        style = decode_boosted_style(data)
        failure = boost_failure(style, self._provider)
        if failure is not None:
            raise failure
        return style

    async def persona(self, arguments: Mapping[str, Any]) -> Persona:
        """``generate-persona``; a repeat (409) raises :class:`DuplicateTaskError`."""
        values = {k: v for k, v in arguments.items() if k not in _NOT_SENT}
        body = persona_body(**values)
        try:
            data = await self.post("generate_persona", PERSONA_PATH, body)
        except APIError as error:
            duplicate = duplicate_error(error, None, body)
            if duplicate is None:
                raise
            raise duplicate from error
        return decode_persona(data)

    async def get_credits(self) -> int:
        """The account's remaining credits: one request, not retried.

        Read from the provider's credits path (``/api/v1/chat/credit`` on
        Apikley and kie.ai, ``/api/v1/generate/credit`` on sunoapi.org).
        """
        if self._pacer is not None:
            await self._pacer.acquire()
        data = await self._transport.request("GET", self._provider.credits_path)
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, float) and data.is_integer():
            return int(data)
        if isinstance(data, str) and data.strip().lstrip("-").isdigit():
            return int(data)
        raise DecodeError("the credits answer is not an integer", excerpt=repr(data))

    async def post(self, name: str, path: str, body: Mapping[str, Any]) -> Any:
        """POST ``body`` to ``path``; retry only what cannot have reached the service.

        ``name`` (the calling method's) names the call in logs. Returns the
        envelope's ``data``; raises the mapped :class:`SunoError`.
        """
        clock = self._clock
        started = clock.now()
        limit = self._retry.max_retries
        limit = CREATE_MAX_RETRIES if limit is None else limit
        failures = 0
        creation_pacer = self._creation_pacer
        while True:
            for pacer in (creation_pacer, self._pacer):
                if pacer is not None:
                    await pacer.acquire()
            try:
                data = await self._transport.request("POST", path, json=body)
            except SunoError as error:
                if isinstance(error, RateLimitError) and creation_pacer is not None:
                    creation_pacer.on_rate_limited()
                failures += 1
                retry_after = getattr(error, "retry_after", None)
                delay = self._retry.delay(failures, retry_after=retry_after)
                if (
                    not _creates_nothing(error)
                    or failures > limit
                    or clock.now() + delay - started > CREATE_RETRY_WINDOW_S
                ):
                    raise
                logger.info(
                    "%s: %s; no task was created, retry %d of %d in %.2f s",
                    name,
                    error,
                    failures,
                    limit,
                    delay,
                )
                report_retry(
                    self._retry,
                    RetryDetails(
                        action="create",
                        task_id=None,
                        attempt=failures,
                        error=error,
                        delay_s=delay,
                    ),
                )
                await clock.sleep(delay)
                continue
            if creation_pacer is not None:
                creation_pacer.on_success()
            return data


def _new_task_id(name: str, data: Any) -> str:
    """The new task's id in a creation's answer, else :class:`DecodeError`.

    kie.ai documents an answer ``{"code": 0, "msg": "", "data": {"taskId":
    ""}}``: its body code 0 is already an :class:`APIError` (not 200); an
    empty id under code 200 is this :class:`DecodeError`, and as a task may
    have been made, it says so.
    """
    task_id = data.get("taskId") if isinstance(data, dict) else None
    if isinstance(task_id, str) and task_id.strip():
        return task_id
    raise DecodeError(
        f"the {name} request was accepted but the answer names no taskId: a "
        "task may have been created; look for it before trying again",
        excerpt=repr(data),
    )


def _creates_nothing(error: SunoError) -> bool:
    """Whether ``error`` proves the request made no task (so it may be retried)."""
    return nothing_sent(error) or isinstance(error, BUSY_ERRORS)

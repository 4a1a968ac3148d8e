"""Creating tasks and reading credits: the methods :class:`SunoClient` inherits.

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
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from suno_async._core.errors import (
    DecodeError,
    RateLimitError,
    ServiceUnavailableError,
    SunoError,
)
from suno_async._core.operations import DEFAULT_MODEL, OPERATIONS, Operation
from suno_async._core.providers import PollPolicy, Provider, RetryPolicy
from suno_async._core.request_bodies import build_body
from suno_async._engine.poller import PollerRegistry
from suno_async._io.http import Transport, nothing_sent
from suno_async._io.limiter import Pacer

__all__ = ["CREATE_MAX_RETRIES", "CREATE_RETRY_WINDOW_S", "TaskCreation"]

#: Retries of one creation when ``RetryPolicy.max_retries`` is ``None``.
CREATE_MAX_RETRIES: Final = 4
#: Seconds after the first attempt past which a creation starts no retry.
CREATE_RETRY_WINDOW_S: Final = 60.0

logger = logging.getLogger("suno_async")

Gender = Literal["m", "f"]


class TaskCreation:
    """Task creation and credits; :class:`SunoClient` sets the attributes."""

    _transport: Transport
    _provider: Provider
    _retry: RetryPolicy
    _poll: PollPolicy
    _pacer: Pacer | None
    _creation_pacer: Pacer | None
    _callback_url: str | None
    _pollers: PollerRegistry

    if TYPE_CHECKING:

        def _check_open(self, task_id: str | None = None) -> None: ...

    async def generate(
        self,
        *,
        prompt: str | None = None,
        custom_mode: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Create a song (two tracks) from a prompt; return the new task's id.

        Outside custom mode ``prompt`` describes the song (500 characters at
        most). With ``custom_mode=True``, ``style`` and ``title`` are
        required and ``prompt`` holds the lyrics (required unless
        ``instrumental``); lengths depend on ``model`` (any name is
        accepted). Weights are 0 to 1, ``vocal_gender`` ``"m"`` or ``"f"``.

        The service posts results to ``callback_url`` (default: the client's
        ``callback_url``; one of them is required). ``extra`` adds wire
        fields this SDK does not know yet. A broken rule raises
        :class:`InvalidRequestError` (also ``ValueError``) naming the field
        and the limit, before anything is sent. The request is retried only
        while no task can have been made (connection failures, rate-limit
        and maintenance answers); other failures raise at once, as the task
        may exist (the how-to "From prompt to MP3" has the table).
        """
        return await self._create_task("generate", locals())

    async def extend(
        self,
        *,
        audio_id: str,
        custom_params: bool = False,
        model: str = DEFAULT_MODEL,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Extend the track ``audio_id``; return the new task's id.

        By default the source track's parameters are reused. With
        ``custom_params=True`` (the wire's ``defaultParamFlag``), ``prompt``,
        ``style``, ``title`` and ``continue_at`` (seconds into the source,
        above 0) are required. ``model`` should be the source track's.
        Otherwise as :meth:`generate`.
        """
        return await self._create_task("extend", locals())

    async def upload_cover(
        self,
        *,
        upload_url: str,
        prompt: str | None = None,
        custom_mode: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        style: str | None = None,
        title: str | None = None,
        negative_tags: str | None = None,
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Cover the audio at ``upload_url`` in a new style; return the task's id.

        The rules of :meth:`generate` apply, with ``upload_url`` (http or
        https) always required.
        """
        return await self._create_task("upload_cover", locals())

    async def upload_extend(
        self,
        *,
        upload_url: str,
        custom_params: bool = False,
        instrumental: bool = False,
        model: str = DEFAULT_MODEL,
        prompt: str | None = None,
        style: str | None = None,
        title: str | None = None,
        continue_at: float | None = None,
        negative_tags: str | None = None,
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        persona_id: str | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Extend the audio at ``upload_url``; return the new task's id.

        With ``custom_params=True``, ``style``, ``title`` and ``continue_at``
        are required, and ``prompt`` unless ``instrumental``. Otherwise as
        :meth:`extend`.
        """
        return await self._create_task("upload_extend", locals())

    async def add_instrumental(
        self,
        *,
        upload_url: str,
        title: str,
        tags: str,
        negative_tags: str,
        model: str = "V4_5PLUS",
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Add an accompaniment to the vocals at ``upload_url``; return the task's id.

        ``tags`` describe the wanted style, ``negative_tags`` what to avoid.
        Otherwise as :meth:`generate`.
        """
        return await self._create_task("add_instrumental", locals())

    async def add_vocals(
        self,
        *,
        upload_url: str,
        prompt: str,
        title: str,
        style: str,
        negative_tags: str,
        model: str = "V4_5PLUS",
        vocal_gender: Gender | None = None,
        style_weight: float | None = None,
        weirdness_constraint: float | None = None,
        audio_weight: float | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Sing ``prompt`` over the music at ``upload_url``; return the task's id.

        Otherwise as :meth:`generate`.
        """
        return await self._create_task("add_vocals", locals())

    async def get_credits(self) -> int:
        """The account's remaining credits: one request, not retried.

        Read from the provider's credits path (``/api/v1/chat/credit`` on
        Apikley and kie.ai, ``/api/v1/generate/credit`` on sunoapi.org).
        """
        self._check_open()
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

    # --- the shared path of the six creations ----------------------------------

    async def _create_task(self, name: str, arguments: Mapping[str, Any]) -> str:
        """Check a method's ``locals()``, send the request, return the task id."""
        self._check_open()
        operation = OPERATIONS[name]
        values = {k: v for k, v in arguments.items() if k in operation.fields}
        callback_url = arguments["callback_url"]
        body = build_body(
            operation,
            values,
            callback_url=self._callback_url if callback_url is None else callback_url,
            extra=arguments["extra"],
        )
        data = await self._send_creation(operation, body)
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if isinstance(task_id, str) and task_id.strip():
            self._pollers.created(task_id)
            return task_id
        raise DecodeError(
            f"the {name} request was accepted but the answer names no taskId: a "
            "task may have been created; look for it before trying again",
            excerpt=repr(data),
        )

    async def _send_creation(
        self, operation: Operation, body: Mapping[str, Any]
    ) -> Any:
        """POST ``body``, retrying only what cannot have created a task."""
        clock, started = self._poll.clock, self._poll.clock()
        limit = self._retry.max_retries
        limit = CREATE_MAX_RETRIES if limit is None else limit
        failures = 0
        creation_pacer = self._creation_pacer
        while True:
            for pacer in (creation_pacer, self._pacer):
                if pacer is not None:
                    await pacer.acquire()
            try:
                data = await self._transport.request("POST", operation.path, json=body)
            except SunoError as error:
                if isinstance(error, RateLimitError) and creation_pacer is not None:
                    creation_pacer.on_rate_limited()
                failures += 1
                retry_after = getattr(error, "retry_after", None)
                delay = self._retry.delay(failures, retry_after=retry_after)
                if (
                    not _creates_nothing(error)
                    or failures > limit
                    or clock() + delay - started > CREATE_RETRY_WINDOW_S
                ):
                    raise
                logger.info(
                    "%s: %s; no task was created, retry %d of %d in %.2f s",
                    operation.name,
                    error,
                    failures,
                    limit,
                    delay,
                )
                await self._poll.sleep(delay)
                continue
            if creation_pacer is not None:
                creation_pacer.on_success()
            return data


def _creates_nothing(error: SunoError) -> bool:
    """Whether ``error`` proves the request made no task (so it may be retried)."""
    return nothing_sent(error) or isinstance(
        error, (RateLimitError, ServiceUnavailableError)
    )

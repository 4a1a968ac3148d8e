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
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import attrs

from suno_async._core.clock import Clock
from suno_async._core.errors import BUSY_ERRORS, DecodeError, RateLimitError, SunoError
from suno_async._core.operations import OPERATIONS, Operation
from suno_async._core.policies import RetryDetails, RetryPolicy
from suno_async._core.providers import Provider
from suno_async._core.request_bodies import build_body
from suno_async._engine.retrying import report_retry
from suno_async._io.http import Transport, nothing_sent
from suno_async._io.limiter import Pacer

__all__ = ["CREATE_MAX_RETRIES", "CREATE_RETRY_WINDOW_S", "TaskCreator"]

#: Retries of one creation when ``RetryPolicy.max_retries`` is ``None``.
CREATE_MAX_RETRIES: Final = 4
#: Seconds after the first attempt past which a creation starts no retry.
CREATE_RETRY_WINDOW_S: Final = 60.0

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

    async def create(self, name: str, arguments: Mapping[str, Any]) -> str:
        """Check a creating call's keyword arguments, send it, return the task id."""
        operation = OPERATIONS[name]
        values = {k: v for k, v in arguments.items() if k in operation.fields}
        callback_url = arguments.get("callback_url")
        body = build_body(
            operation,
            values,
            callback_url=self._callback_url if callback_url is None else callback_url,
            extra=arguments.get("extra"),
        )
        data = await self._send(operation, body)
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if isinstance(task_id, str) and task_id.strip():
            return task_id
        raise DecodeError(
            f"the {name} request was accepted but the answer names no taskId: a "
            "task may have been created; look for it before trying again",
            excerpt=repr(data),
        )

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

    async def _send(self, operation: Operation, body: Mapping[str, Any]) -> Any:
        """POST ``body``, retrying only what cannot have created a task."""
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
                    or clock.now() + delay - started > CREATE_RETRY_WINDOW_S
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


def _creates_nothing(error: SunoError) -> bool:
    """Whether ``error`` proves the request made no task (so it may be retried)."""
    return nothing_sent(error) or isinstance(error, BUSY_ERRORS)

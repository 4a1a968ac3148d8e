"""Receiving callbacks: the method :class:`SunoClient` inherits.

A callback never decides what a wait reports. When the task is being waited
on, it makes the task's poller read the record at once: the authoritative
record, not the callback's body, produces the events. Once a signed callback
arrives, or a read confirms an unsigned one, callbacks count as flowing for
the client, and waits poll only every ``PollPolicy.callback_safety_net_s``.
So a stage the record already showed costs nothing, and an unsigned forged
callback costs one read, never a false milestone nor slower polling.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from suno_async._core.callback_wire import (
    DEFAULT_MAX_AGE_S,
    MAX_CALLBACK_BYTES,
    CallbackEvent,
    parse_callback,
    verify_signature,
)
from suno_async._core.errors import ConfigurationError

if TYPE_CHECKING:
    from suno_async._engine.poller import PollerRegistry
    from suno_async._io.bus import CallbackBus

__all__ = ["CallbackHandling", "check_webhook_key"]

logger = logging.getLogger("suno_async")


def check_webhook_key(key: str | None) -> str | None:
    """``key`` if usable (``None``: callbacks are not verified)."""
    if key is not None and (not isinstance(key, str) or not key):
        raise ConfigurationError("webhook_key must be a non-empty string")
    return key


class CallbackHandling:
    """Callback receiving; :class:`SunoClient` sets the attributes."""

    _pollers: PollerRegistry
    _webhook_key: str | None
    _callback_bus: CallbackBus | None

    if TYPE_CHECKING:

        def _check_open(self, task_id: str | None = None) -> None: ...

    async def handle_callback(
        self,
        body: bytes | bytearray | Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE_S,
    ) -> CallbackEvent:
        """Take one callback the service POSTed to your ``callback_url``.

        ``body`` is the request body (bytes, or JSON already parsed) and
        ``headers`` its headers. With the client's ``webhook_key`` set, the
        signature is checked (:func:`suno_async.webhooks.verify_signature`).
        A wait for the task then reads its record at once and, from now on,
        polls only as a safety net. Returns what the callback says (not
        confirmed: the record is). Duplicates and callbacks for tasks nobody
        waits on are accepted. Raises :class:`WebhookError` for a body that
        is not a callback, :class:`WebhookSignatureError` for a bad
        signature, :class:`ClientClosedError` once closed. It never waits
        for the read: answer the service at once.
        """
        return self._accept_callback(body, headers, key=None, max_age=max_age)

    def _accept_callback(
        self,
        body: bytes | bytearray | Mapping[str, Any],
        headers: Mapping[str, str] | None,
        *,
        key: str | None,
        max_age: float,
        max_bytes: int = MAX_CALLBACK_BYTES,
    ) -> CallbackEvent:
        """Parse, verify with ``key`` (default: the client's), nudge the poller."""
        self._check_open()
        try:
            event = parse_callback(body, max_bytes=max_bytes)
            key = self._webhook_key if key is None else key
            if key is not None:
                verify_signature(headers or {}, event.task_id, key, max_age=max_age)
        except Exception as exc:
            logger.warning("callback refused: %s", exc)
            raise
        bus, trusted = self._callback_bus, key is not None
        if bus is not None:  # every process's waits hear it (this one's too)
            bus.publish(
                event.task_id, event.level, trusted=trusted, local=self._pollers.hear
            )
            logger.debug(
                "callback %r for task %s published", event.stage, event.task_id
            )
            return event
        waited = self._pollers.notify(event.task_id, event.level, trusted=trusted)
        logger.log(
            logging.DEBUG if waited else logging.INFO,
            "callback %r for task %s%s",
            event.stage,
            event.task_id,
            "" if waited else " (no wait here is following it)",
        )
        return event

"""Receiving callbacks: parse, verify, then wake the task's waits.

A callback never decides what a wait reports. When the task is being waited
on, it makes the task's poller read the record at once: the authoritative
record, not the callback's body, produces the events. Once a signed callback
arrives, or a read confirms an unsigned one, callbacks count as flowing for
the client, and waits poll only every ``PollPolicy.callback_safety_net_s``.
So a stage the record already showed costs nothing, and an unsigned forged
callback costs one read, never a false milestone nor slower polling.

Every family's callbacks take this path. A family's final callback
announces SUCCESS's milestone (a failure, ``error``: "read now"), and it
wakes the waits for its task id of whatever family: the read that follows
finds the success or the failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from suno_async._core.callback_signing import signature_headers, verify_signature
from suno_async._core.callback_wire import CallbackEvent, read_callback
from suno_async._core.errors import ConfigurationError
from suno_async._core.families import task_kind
from suno_async._core.kinds import TaskKind
from suno_async._engine.registry import PollerRegistry
from suno_async._io.bus import CallbackBus

__all__ = ["CallbackIntake", "check_webhook_key"]

logger = logging.getLogger("suno_async")


def check_webhook_key(key: str | None) -> str | None:
    """``key`` if usable (``None``: callbacks are not verified)."""
    if key is not None and (not isinstance(key, str) or not key):
        raise ConfigurationError("webhook_key must be a non-empty string")
    return key


class CallbackIntake:
    """Takes callbacks for one client's waits (and, with a bus, every process's)."""

    __slots__ = ("_bus", "_registry", "_webhook_key")

    def __init__(
        self,
        registry: PollerRegistry,
        *,
        webhook_key: str | None,
        bus: CallbackBus | None,
    ) -> None:
        self._registry = registry
        self._webhook_key = check_webhook_key(webhook_key)
        self._bus = bus

    def accept(
        self,
        body: bytes | bytearray | Mapping[str, Any],
        headers: Mapping[str, str] | None,
        *,
        hmac_key: str | None,
        max_age: float,
        max_bytes: int,
        kind: TaskKind | str | None = None,
    ) -> CallbackEvent:
        """Parse, verify with ``hmac_key`` (default: the client's), nudge the pollers.

        ``kind`` says which family sent it (default: its shape says).
        """
        self._registry.check_open()
        given = None if kind is None else task_kind(kind)
        key = self._webhook_key if hmac_key is None else hmac_key
        try:
            # Verify before decoding: headers first, then the task id's HMAC;
            # the family and its result only for a callback that passed.
            if key is not None:
                signature_headers(headers or {}, max_age=max_age)
            raw = read_callback(body, max_bytes=max_bytes, kind=given)
            if key is not None:
                verify_signature(headers or {}, raw.task_id, key, max_age=max_age)
            event = raw.event()
        except Exception as exc:
            logger.warning("callback refused: %s", exc)
            raise
        registry, trusted = self._registry, key is not None
        if self._bus is not None:  # every process's waits hear it (this one's too)
            self._bus.publish(
                event.task_id, event.level, trusted=trusted, local=registry.hear
            )
            logger.debug("callback %r for %s published", event.stage, _task(event))
            return event
        waited = registry.notify(event.task_id, event.level, trusted=trusted)
        logger.log(
            logging.DEBUG if waited else logging.INFO,
            "callback %r for %s%s",
            event.stage,
            _task(event),
            "" if waited else " (no wait here is following it)",
        )
        return event


def _task(event: CallbackEvent) -> str:
    """``wav task t1``; ``task t1`` when the family is not known."""
    kind = "" if event.kind is None else f"{event.kind.value} "
    return f"{kind}task {event.task_id}"

"""The callback bus over Redis pub/sub: one channel per waited task."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, Final, cast

import redis.asyncio
from redis.exceptions import RedisError

from suno_async._io.bus import Listener
from suno_async._io.timeouts import reraise_cancellation

__all__ = ["RedisCallbackBus"]

logger = logging.getLogger("suno_async")

#: Seconds the reader blocks for a message before it looks at joins and leaves.
DEFAULT_READ_INTERVAL_S: Final = 0.05
#: Seconds between two reconnection attempts while Redis is unreachable.
DEFAULT_RECONNECT_S: Final = 0.5


class RedisCallbackBus:
    """Callbacks received by any process reach the waits of every process.

    ``publish`` sends ``{"level", "trusted"}`` to the channel
    ``<prefix>:cb:<task_id>``; a process's pollers join their task's channel
    while they run. One pub/sub connection per bus, read by a background task
    that runs while anything is joined. A new subscription takes effect
    within ``read_interval_s``; a callback published before it is missed,
    and polling (the safety net) finds the milestone instead.

    When Redis is unreachable, publishing logs a warning and hands the
    callback to this process's waits only; the reader retries every
    ``reconnect_s`` and joins all channels again once Redis is back.
    Waits keep polling meanwhile, so nothing hangs.
    """

    __slots__ = (
        "_listeners",
        "_publishing",
        "_reader",
        "_redis",
        "_wake",
        "prefix",
        "read_interval_s",
        "reconnect_s",
    )

    def __init__(
        self,
        redis_client: redis.asyncio.Redis,
        *,
        prefix: str = "suno_async",
        read_interval_s: float = DEFAULT_READ_INTERVAL_S,
        reconnect_s: float = DEFAULT_RECONNECT_S,
    ) -> None:
        for name, value in (
            ("read_interval_s", read_interval_s),
            ("reconnect_s", reconnect_s),
        ):
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        self._redis = redis_client
        self.prefix = prefix
        self.read_interval_s = read_interval_s
        self.reconnect_s = reconnect_s
        self._listeners: dict[str, list[Listener]] = {}
        self._publishing: set[asyncio.Task[None]] = set()
        self._reader: asyncio.Task[None] | None = None

    def channel(self, task_id: str) -> str:
        """The pub/sub channel of ``task_id``."""
        return f"{self.prefix}:cb:{task_id}"

    @property
    def joined(self) -> frozenset[str]:
        """The task ids some listener of this process follows."""
        return frozenset(self._listeners)

    # --- the CallbackBus protocol ------------------------------------------------

    def publish(
        self, task_id: str, level: int, *, trusted: bool, local: Listener
    ) -> None:
        """Publish in the background; on failure hand the callback to ``local``."""
        message = json.dumps({"level": level, "trusted": trusted})
        task = asyncio.get_running_loop().create_task(
            self._publish(task_id, level, trusted, message, local)
        )
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    def join(self, task_id: str, listener: Listener) -> None:
        """Call ``listener(task_id, level, trusted)`` for each callback published."""
        self._listeners.setdefault(task_id, []).append(listener)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(
                self._read(), name="suno_async callback bus"
            )

    def leave(self, task_id: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``task_id``; the reader stops when idle."""
        listeners = self._listeners.get(task_id, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(task_id, None)

    async def aclose(self) -> None:
        """Forget every listener and stop the reader (the Redis client stays open)."""
        self._listeners.clear()
        tasks = [t for t in (self._reader, *self._publishing) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:  # asyncio.wait: a cancellation of our caller is not swallowed
            await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error

    # --- background work ------------------------------------------------------------

    async def _publish(
        self, task_id: str, level: int, trusted: bool, message: str, local: Listener
    ) -> None:
        try:
            await self._redis.publish(self.channel(task_id), message)
        except (RedisError, OSError) as exc:
            logger.warning(
                "callback for task %s not published (Redis: %s); "
                "only this process's waits hear it",
                task_id,
                type(exc).__name__,
            )
            local(task_id, level, trusted)

    async def _read(self) -> None:
        """Follow the joined channels until nothing is joined."""
        while self._listeners:
            pubsub = self._redis.pubsub()
            try:
                await self._follow(pubsub)
            except (RedisError, OSError) as exc:
                reraise_cancellation(exc)
                logger.warning(
                    "callback bus: Redis unreachable (%s), retrying in %g s",
                    type(exc).__name__,
                    self.reconnect_s,
                )
                await asyncio.sleep(self.reconnect_s)
            finally:
                close = cast("Callable[[], Awaitable[None]]", pubsub.aclose)
                with contextlib.suppress(RedisError, OSError):
                    await close()  # untyped in redis-py

    async def _follow(self, pubsub: redis.asyncio.client.PubSub) -> None:
        subscribed: set[str] = set()
        while self._listeners:
            wanted = {self.channel(task_id) for task_id in self._listeners}
            if gone := subscribed - wanted:
                await pubsub.unsubscribe(*gone)
                subscribed -= gone
            if new := wanted - subscribed:
                await pubsub.subscribe(*new)
                subscribed |= new
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=self.read_interval_s
            )
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message["channel"]
        if isinstance(channel, bytes):
            channel = channel.decode()
        task_id = str(channel)[len(self.channel("")) :]
        try:
            body = json.loads(message["data"])
            level, trusted = int(body["level"]), body["trusted"] is True
        except (TypeError, ValueError, KeyError) as exc:
            logger.warning(
                "callback bus: ignored a bad message for %s: %s", task_id, exc
            )
            return
        for listener in list(self._listeners.get(task_id, ())):
            listener(task_id, level, trusted)

    def __repr__(self) -> str:
        return (
            f"<RedisCallbackBus prefix={self.prefix!r} joined={len(self._listeners)}>"
        )

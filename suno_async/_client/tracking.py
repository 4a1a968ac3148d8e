"""The facade's part for durable waits: :meth:`SunoClient.track` and
:meth:`SunoClient.tracked_outcomes`, over the client's journal.

:class:`Tracking` checks what users give (a JSON-safe ``meta``, a finite
deadline) and hands it to the journal; the waiting is the engine's
:class:`~suno_async._engine.tracking.TrackedOutcomes`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from suno_async._core.errors import ConfigurationError, InvalidArgumentError
from suno_async._core.kinds import TaskKind
from suno_async._core.policies import PollPolicy
from suno_async._engine.journal import TaskJournal
from suno_async._engine.registry import PollerRegistry
from suno_async._engine.tracking import TrackedOutcomes
from suno_async._engine.wait import EventHandler

__all__ = ["MAX_META_CHARS", "Tracking"]

#: Longest ``meta`` accepted, in characters of compact JSON.
MAX_META_CHARS: Final = 16_384

_NO_JOURNAL: Final = (
    "this client has no journal: pass SunoClient(journal=...), "
    "e.g. suno_async.redis.RedisTaskJournal(redis, name=...)"
)


class Tracking:
    """Journals tasks and waits on this worker's share of them."""

    __slots__ = ("_journal", "_polls", "_registry")

    def __init__(
        self,
        journal: TaskJournal | None,
        registry: PollerRegistry,
        polls: Mapping[TaskKind, PollPolicy],
    ) -> None:
        self._journal = journal
        self._registry = registry
        self._polls = polls

    def _require(self) -> TaskJournal:
        if self._journal is None:
            raise ConfigurationError(_NO_JOURNAL)
        return self._journal

    def encode(self, meta: Any) -> str:
        """``meta`` as compact JSON, once a journal and ``meta`` are known to work."""
        self._require()
        try:
            encoded = json.dumps(meta, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"meta must be JSON-safe: {exc}") from None
        if len(encoded) > MAX_META_CHARS:
            raise InvalidArgumentError(
                f"meta is {len(encoded)} characters of JSON, over {MAX_META_CHARS}"
            )
        return encoded

    async def add(
        self, task_id: str, *, kind: TaskKind, meta: str, timeout: float
    ) -> bool:
        """Journal ``task_id`` with ``meta`` from :meth:`encode`."""
        if not (isinstance(timeout, (int, float)) and 0 < timeout < math.inf):
            raise InvalidArgumentError(
                f"timeout must be a positive, finite number of seconds, not {timeout!r}"
            )
        return await self._require().add(task_id, kind=kind, meta=meta, timeout=timeout)

    async def track(
        self, task_id: str, *, kind: TaskKind, meta: Any, timeout: float
    ) -> bool:
        """Journal ``task_id``; false if it was tracked already."""
        encoded = self.encode(meta)
        return await self.add(task_id, kind=kind, meta=encoded, timeout=timeout)

    def outcomes(
        self, *, max_tasks: int, on_event: EventHandler | None
    ) -> TrackedOutcomes:
        """This worker's share of the tracked tasks, one outcome each."""
        return TrackedOutcomes(
            self._registry,
            self._require(),
            polls=self._polls,
            max_tasks=max_tasks,
            on_event=on_event,
        )

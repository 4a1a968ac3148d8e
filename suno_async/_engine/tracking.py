"""Waiting on this worker's share of a journal: :class:`TrackedOutcomes`.

A keeper task claims entries from the :class:`~._engine.journal.TaskJournal`
(new ones, and those of a worker that stopped renewing), renews the lease
on those it holds, and subscribes each to the client's single-flight poll
loops (the poll policy, limiter, retries, deadlines and callbacks of every
wait). Each milestone's checkpoint is stored once handed out, so a
takeover resumes without repeating it; each task ends as one
:class:`TrackedOutcome`, which leaves the journal when acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Mapping
from typing import Any

from suno_async._core.arguments import positive_int
from suno_async._core.errors import (
    ClientClosedError,
    InvalidArgumentError,
    SunoError,
    WaitTimeoutError,
)
from suno_async._core.families import SPECS
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskEvent, TaskStatus
from suno_async._core.policies import PollPolicy
from suno_async._engine.journal import JournalEntry, TaskJournal, TrackedOutcome
from suno_async._engine.mailbox import Mailbox
from suno_async._engine.milestones import goal_level, parse_checkpoint
from suno_async._engine.poller import Poller, Subscriber
from suno_async._engine.registry import PollerRegistry
from suno_async._engine.wait import EventHandler

__all__ = ["TrackedOutcomes"]

logger = logging.getLogger("suno_async")


class _Ended:
    """A claimed task's wait ended: with a record or an error."""

    __slots__ = ("entry", "error", "record")

    def __init__(
        self, entry: JournalEntry, record: RecordBase | None, error: Exception | None
    ) -> None:
        self.entry = entry
        self.record = record
        self.error = error


class _Event:
    """A milestone of a claimed task, to hand out and then checkpoint."""

    __slots__ = ("entry", "event")

    def __init__(self, entry: JournalEntry, event: TaskEvent[RecordBase]) -> None:
        self.entry = entry
        self.event = event


_Item = _Ended | _Event


class _Sink(Subscriber):
    """The subscriber of one claimed task: queues its events and its end."""

    __slots__ = ("_mailbox", "entry")

    def __init__(
        self,
        entry: JournalEntry,
        mailbox: Mailbox[_Item],
        *,
        goal: int,
        skip_level: int,
        started_at: float,
    ) -> None:
        super().__init__(
            goal=goal,
            skip_level=skip_level,
            started_at=started_at,
            deadline=started_at + entry.remaining_s,
        )
        self.entry = entry
        self._mailbox = mailbox

    def on_events(self, events: list[TaskEvent[RecordBase]]) -> None:
        for event in events:
            self._mailbox.put(_Event(self.entry, event))

    def on_done(self, record: RecordBase) -> None:
        self._mailbox.put(_Ended(self.entry, record, None))

    def on_error(self, error: BaseException) -> None:
        if isinstance(error, ClientClosedError):
            self._mailbox.wake()  # not the task's outcome: the iteration ends
            return
        failure = error if isinstance(error, Exception) else SunoError(repr(error))
        self._mailbox.put(_Ended(self.entry, None, failure))


class TrackedOutcomes:
    """This worker's tracked tasks, each yielded once as a :class:`TrackedOutcome`.

    It runs until closed (``aclose()``, leaving ``async with``, or breaking
    out of ``async for``): new tasks keep coming. At most ``max_tasks`` are
    held at once, acknowledged or not. ``on_event`` (sync or async) sees
    every milestone before its checkpoint is stored. Created by
    :meth:`SunoClient.tracked_outcomes`.
    """

    __slots__ = (
        "_held",
        "_journal",
        "_keeper",
        "_mailbox",
        "_max_tasks",
        "_on_event",
        "_polls",
        "_registry",
        "_started",
        "_wake",
    )

    def __init__(
        self,
        registry: PollerRegistry,
        journal: TaskJournal,
        *,
        polls: Mapping[TaskKind, PollPolicy],
        max_tasks: int,
        on_event: EventHandler | None = None,
    ) -> None:
        self._max_tasks = positive_int("max_tasks", max_tasks)
        self._registry = registry
        self._journal = journal
        self._polls = polls
        self._on_event = on_event
        self._held: dict[str, tuple[_Sink, Poller | None]] = {}
        self._mailbox: Mailbox[_Item] = Mailbox()
        self._keeper: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._started = False

    def __repr__(self) -> str:
        return f"<TrackedOutcomes held={len(self._held)} running={self.running}>"

    @property
    def running(self) -> bool:
        """Whether the keeper claims and renews tasks."""
        return self._keeper is not None and not self._keeper.done()

    @property
    def held(self) -> frozenset[str]:
        """The ids of the tasks this worker holds (acknowledged ones left)."""
        return frozenset(sink.entry.task_id for sink, _ in self._held.values())

    def __aiter__(self) -> TrackedOutcomes:
        return self

    async def __anext__(self) -> TrackedOutcome[Any]:
        if not self._started:
            self._registry.check_open()
            self._started = True
            self._keeper = asyncio.get_running_loop().create_task(
                self._keep(), name="suno_async journal keeper"
            )
            self._keeper.add_done_callback(lambda _: self._mailbox.wake())
        try:
            while True:
                while not self._mailbox.items:
                    self._check_keeper()
                    self._registry.check_open()
                    await self._mailbox.wait()
                item = self._mailbox.items.popleft()
                if item.entry.ref not in self._held:
                    continue  # lost to another worker meanwhile: it hands it out
                if isinstance(item, _Ended):
                    return await self._outcome(item)
                await self._hand_out(item)
        except BaseException:
            await self.aclose()
            raise

    def _check_keeper(self) -> None:
        """End the iteration once closed; raise what stopped the keeper."""
        keeper = self._keeper
        if keeper is None or not keeper.done():
            return
        if not keeper.cancelled() and (error := keeper.exception()) is not None:
            raise error
        raise StopAsyncIteration

    async def _hand_out(self, item: _Event) -> None:
        """Give an event to ``on_event``, then store its checkpoint."""
        if self._on_event is not None:
            result = self._on_event(item.event)
            if inspect.isawaitable(result):
                await result
        try:
            await self._journal.checkpoint(item.entry, item.event.checkpoint())
        except SunoError as exc:
            logger.warning(
                "task %s: checkpoint not stored: %s", item.entry.task_id, exc
            )

    async def _outcome(self, item: _Ended) -> TrackedOutcome[Any]:
        entry = item.entry
        try:
            await self._journal.delivered(entry)
        except SunoError as exc:
            logger.warning("task %s: delivery not noted: %s", entry.task_id, exc)

        async def ack() -> None:
            await self._journal.ack(entry)
            if self._held.pop(entry.ref, None) is not None:
                self._wake.set()  # room for another task

        return TrackedOutcome(
            task_id=entry.task_id,
            kind=entry.kind,
            meta=entry.meta,
            record=item.record,
            error=item.error,
            redelivered=entry.redelivered,
            ack=ack,
        )

    # -- the keeper ------------------------------------------------------------

    async def _keep(self) -> None:
        """Claim and renew until closed; a journal outage is retried next round."""
        journal = self._journal
        renew_every = journal.lease / 3
        clock = self._registry.clock
        renewed = clock.now()
        while True:
            self._registry.check_open()  # a closed client ends the keeper
            try:
                if clock.now() - renewed >= renew_every:
                    renewed = clock.now()
                    await self._renew()
                if len(self._held) < self._max_tasks:
                    self._start(await journal.claim(self._max_tasks - len(self._held)))
            except SunoError as exc:
                logger.warning("task journal unavailable: %s", exc)
            self._wake.clear()
            timer = clock.call_later(
                min(journal.claim_interval_s, renew_every), self._wake.set
            )
            try:
                await self._wake.wait()
            finally:
                timer.cancel()

    async def _renew(self) -> None:
        """Renew the held leases; forget tasks another worker took meanwhile."""
        if not self._held:
            return
        kept = await self._journal.renew(list(self._held))
        for ref in [ref for ref in self._held if ref not in kept]:
            sink, poller = self._held.pop(ref)
            logger.warning("task %s: lease lost to another worker", sink.entry.task_id)
            sink.done = True
            if poller is not None:
                poller.remove(sink)

    def _start(self, entries: list[JournalEntry]) -> None:
        """Wait for each claimed task, resuming from its checkpoint."""
        now = self._registry.clock.now()
        for entry in entries:
            if entry.ref in self._held:
                continue
            spec = SPECS[entry.kind]
            sink = _Sink(
                entry,
                self._mailbox,
                goal=goal_level(TaskStatus.SUCCESS, spec.milestones),
                skip_level=_resumed_level(entry),
                started_at=now,
            )
            poller = None
            if entry.remaining_s <= 0:  # its deadline passed while unclaimed
                sink.fail(WaitTimeoutError(entry.task_id, timeout=0.0))
            else:
                poller = self._registry.subscribe(
                    entry.task_id, sink, spec=spec, policy=self._polls[entry.kind]
                )
            self._held[entry.ref] = (sink, poller)

    async def aclose(self) -> None:
        """Stop claiming and waiting; another worker takes the held tasks later."""
        keeper = self._keeper
        if keeper is not None and not keeper.done():
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        elif keeper is not None and not keeper.cancelled():
            keeper.exception()  # raised by __anext__ already, or dropped on close
        held, self._held = self._held, {}
        for sink, poller in held.values():
            sink.done = True
            if poller is not None:
                poller.remove(sink)
        self._mailbox.items.clear()
        self._mailbox.wake()

    async def __aenter__(self) -> TrackedOutcomes:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _resumed_level(entry: JournalEntry) -> int:
    """The milestone level a claimed task's checkpoint says was handed out."""
    if entry.checkpoint is None:
        return 0
    try:
        return parse_checkpoint(entry.checkpoint, entry.task_id)
    except InvalidArgumentError:
        logger.warning("task %s: stored checkpoint unreadable", entry.task_id)
        return 0

"""The simulator's callback delivery: POSTs to a task's ``callBackUrl`` at each stage.

Music tasks are called back at each stage; the other kinds once, when they
end (``complete`` or ``error``), in their family's shape
(``FamilyTask.callback_body``).

Only loopback URLs (127.0.0.0/8, ``::1``, ``localhost``) are ever called:
a task whose ``callBackUrl`` points anywhere else is simply not called back,
so a simulator can never POST to the outside world. Each callback is one
attempt, whatever the receiver answers (the real service retries failed
deliveries: play that with ``CallbackFault.duplicate()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import time
from collections import deque
from typing import Any, Final

import aiohttp
import attrs
import yarl

from suno_async._core.callback_signing import sign_callback
from suno_async._core.models import TaskStatus
from suno_async.testing._callback_faults import CallbackFault, LoggedCallback
from suno_async.testing._family_task import FamilyTask
from suno_async.testing._kinds import is_failure
from suno_async.testing._sync_calls import SyncCalls
from suno_async.testing._task import SimTask
from suno_async.testing._wire import dumps

__all__ = ["CALLBACK_TIMEOUT_S", "CallbackDelivery"]

#: Seconds a receiver has to answer, as on the real service.
CALLBACK_TIMEOUT_S: Final = 15.0
_STAGES: Final = {
    TaskStatus.TEXT_SUCCESS.value: "text",
    TaskStatus.FIRST_SUCCESS.value: "first",
    TaskStatus.SUCCESS.value: "complete",
    **{s.value: "error" for s in TaskStatus if s.is_failure},
}
_MESSAGES: Final = {
    "text": "Text generation completed.",
    "first": "First track generated.",
    "complete": "All generated successfully.",
}
_SNAKE: Final = {
    "audioUrl": "audio_url",
    "sourceAudioUrl": "source_audio_url",
    "streamAudioUrl": "stream_audio_url",
    "sourceStreamAudioUrl": "source_stream_audio_url",
    "imageUrl": "image_url",
    "sourceImageUrl": "source_image_url",
    "modelName": "model_name",
}
_WRONG_KEY: Final = "not-the-webhook-key"


@attrs.frozen(kw_only=True)
class _Callback:
    """One callback due: the task's stage, where it goes and what it says."""

    task_id: str
    stage: str
    url: str
    body: dict[str, Any]


class CallbackDelivery(SyncCalls):
    """Callback delivery for :class:`FakeSunoServer`, which sets the hooks up."""

    def _setup(self) -> None:
        super()._setup()
        self._callback_log: list[LoggedCallback] = []
        self._callback_faults: deque[CallbackFault | None] = deque()
        self._callback_rates: list[tuple[CallbackFault, float]] = []
        self._deliveries: set[asyncio.Task[None]] = set()
        self._unscheduled: list[SimTask | FamilyTask] = []
        self._callback_base: str | None = None
        self._callback_session: aiohttp.ClientSession | None = None

    # --- public (FakeSunoServer's) ------------------------------------------------
    def fault_next_callbacks(self, *faults: CallbackFault | None) -> None:
        """The Nth callback due from now, of any task, gets ``faults[N-1]``."""
        self._callback_faults.extend(faults)

    def callback_fault_rate(self, fault: CallbackFault, probability: float) -> None:
        """Inject ``fault`` into that fraction of callbacks (0 removes it)."""
        rates = [(f, p) for f, p in self._callback_rates if f != fault]
        if probability > 0:
            rates.append((fault, probability))
        if sum(p for _, p in rates) > 1:
            raise ValueError("callback fault probabilities must sum to 1 at most")
        self._callback_rates = rates

    def callbacks(self, task_id: str | None = None) -> tuple[LoggedCallback, ...]:
        """The callbacks sent or dropped (for one task, if given), in order."""
        return tuple(
            c for c in self._callback_log if task_id is None or c.task_id == task_id
        )

    async def join_callbacks(self) -> None:
        """Wait until every callback of the tasks made so far was sent or dropped."""
        while self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    # --- hooks ----------------------------------------------------------------------
    def _new_task(self, task_id: str | None, *args: Any, **kwargs: Any) -> str:
        task_id = super()._new_task(task_id, *args, **kwargs)
        self._schedule(self._tasks[task_id])
        return task_id

    def _new_family_task(self, *args: Any, **kwargs: Any) -> str:
        task_id = super()._new_family_task(*args, **kwargs)
        self._schedule(self._family_tasks[task_id])
        return task_id

    def _schedule(self, task: SimTask | FamilyTask) -> None:
        if _loopback_callback(task) is not None:
            self._unscheduled.append(task)
            if self._callback_base is not None:
                self._start_callbacks(self._callback_base)

    def _start_callbacks(self, base_url: str) -> None:
        """The server is up at ``base_url``: deliver every task's callbacks."""
        self._callback_base = base_url
        loop = asyncio.get_running_loop()
        for task in self._unscheduled:
            self._own(loop.create_task(self._deliver_all(task, base_url)))
        self._unscheduled.clear()

    async def _stop_callbacks(self) -> None:
        """Cancel every delivery and close the session."""
        self._callback_base = None
        deliveries = list(self._deliveries)
        for delivery in deliveries:
            delivery.cancel()
        for delivery in deliveries:
            with contextlib.suppress(asyncio.CancelledError):
                await delivery
        session, self._callback_session = self._callback_session, None
        if session is not None:
            await session.close()

    # --- delivery -------------------------------------------------------------------
    def _own(self, delivery: asyncio.Task[None]) -> None:
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)

    async def _deliver_all(self, task: SimTask | FamilyTask, base_url: str) -> None:
        url = _loopback_callback(task)
        assert url is not None
        held: list[tuple[_Callback, CallbackFault]] = []
        for index, step in enumerate(task.timeline.steps):
            stage = _stage(task, index)
            if stage is None:
                continue
            due = task.created_at + step.at_s * self.scale
            await asyncio.sleep(max(0.0, due - self._clock()))
            if isinstance(task, FamilyTask):
                body = task.callback_body(index, base_url)
            else:
                body = self._callback_body(task, index, stage, base_url)
            callback = _Callback(task_id=task.task_id, stage=stage, url=url, body=body)
            fault = self._draw_callback_fault()
            if fault is not None and fault.kind == "reorder":
                held.append((callback, fault))
                continue
            await self._send(callback, fault)
            for late in held:
                await self._send(*late)
            held.clear()
            if stage in ("complete", "error"):
                break
        for late in held:
            await self._send(*late)

    def _draw_callback_fault(self) -> CallbackFault | None:
        if self._callback_faults:
            return self._callback_faults.popleft()
        draw = self._fault_rng.random() if self._callback_rates else 1.0
        for fault, probability in self._callback_rates:
            if draw < probability:
                return fault
            draw -= probability
        return None

    async def _send(self, callback: _Callback, fault: CallbackFault | None) -> None:
        if fault is not None and fault.kind == "drop":
            self._log_callback(callback, fault, None)
        elif fault is not None and fault.kind == "delay":
            self._own(
                asyncio.get_running_loop().create_task(
                    self._post_later(callback, fault)
                )
            )
        else:
            await self._post(callback, fault)
            if fault is not None and fault.kind == "duplicate":
                await self._post(callback, fault)

    async def _post_later(self, callback: _Callback, fault: CallbackFault) -> None:
        await asyncio.sleep(fault.delay_s)
        await self._post(callback, fault)

    async def _post(self, callback: _Callback, fault: CallbackFault | None) -> None:
        headers = {"Content-Type": "application/json"}
        wrong = fault is not None and fault.kind == "bad_signature"
        if self.webhook_key is not None or wrong:
            key = _WRONG_KEY if wrong else self.webhook_key
            assert key is not None
            headers.update(
                sign_callback(callback.task_id, key, timestamp=int(time.time()))
            )
        if self._callback_session is None:
            self._callback_session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT_S)
            )
        status: int | None = None
        try:
            async with self._callback_session.post(
                callback.url,
                data=dumps(callback.body),
                headers=headers,
                allow_redirects=False,
            ) as response:
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            pass
        self._log_callback(callback, fault, status)

    def _log_callback(
        self, callback: _Callback, fault: CallbackFault | None, status: int | None
    ) -> None:
        self._callback_log.append(
            LoggedCallback(
                at=self._clock(),
                task_id=callback.task_id,
                stage=callback.stage,
                url=callback.url,
                fault=fault,
                http_status=status,
            )
        )

    def _callback_body(
        self, task: SimTask, index: int, stage: str, base_url: str
    ) -> dict[str, Any]:
        """The snake_case payload the service POSTs at this stage."""
        if stage == "error":
            code = task.timeline.error_code
            return {
                "code": code if isinstance(code, int) else 500,
                "msg": task.timeline.error_message or "Generation failed.",
                "data": {
                    "callbackType": "error",
                    "task_id": task.task_id,
                    "data": None,
                },
            }
        data = task.data(index, base_url=base_url, scale=self.scale)
        tracks = [
            {_SNAKE.get(k, k): v for k, v in track.items()}
            for track in data["response"]["sunoData"]
        ]
        return {
            "code": 200,
            "msg": _MESSAGES[stage],
            "data": {"callbackType": stage, "task_id": task.task_id, "data": tracks},
        }


def _stage(task: SimTask | FamilyTask, index: int) -> str | None:
    """The callback stage step ``index`` of a task reaches, if any."""
    if not isinstance(task, FamilyTask):
        return _STAGES.get(task.timeline.steps[index].status)
    status = task.status_at(index)
    if status == "SUCCESS":
        return "complete"
    return "error" if is_failure(task.kind, status) else None


def _loopback_callback(task: SimTask | FamilyTask) -> str | None:
    """The task's ``callBackUrl`` if it is an http(s) URL to a loopback host."""
    try:
        url = json.loads(task.param_raw).get("callBackUrl")
        parsed = yarl.URL(url)
        host = parsed.host
    except (AttributeError, TypeError, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or not host:
        return None
    if host.lower() != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            return None
    return str(url)

"""Scripted record-info answers at the HTTP edge, in virtual time.

`ScriptedService` registers one aioresponses callback for record-info and
answers each request from the task's timeline at the virtual clock's time,
or from a scripted answer for that request number. It records when every
request arrived.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import attrs
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import CallbackResult, aioresponses

from suno_async.testing import VirtualClock

from aiomock import callback_result

BASE_URL = "https://api.test"
RECORD_INFO = re.compile(r"^https://api\.test/api/v1/generate/record-info\?.*$")

#: What a scripted request does: an answer, or an exception to raise.
Answer = CallbackResult | BaseException | Callable[[], Any]


def envelope(data: Any, code: int = 200, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def wire_record(task_id: str, status: str, **extra: Any) -> dict[str, Any]:
    """A record-info `data` object as the real service sends it."""
    tracks = []
    if status in ("TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"):
        final = status == "SUCCESS"
        tracks = [
            {
                "id": f"{task_id}-{n}",
                "audioUrl": f"https://cdn.test/{task_id}-{n}.mp3" if final else "",
                "streamAudioUrl": f"https://cdn.test/{task_id}-{n}",
                "imageUrl": f"https://cdn.test/{task_id}-{n}.jpeg",
                "prompt": "[Verse] la la",
                "modelName": "chirp-v4",
                "title": "Song",
                "tags": "calm, piano",
                "createTime": 1776340072000,
                "duration": 198.4 if final else None,
            }
            for n in (1, 2)
        ]
    data = {
        "taskId": task_id,
        "parentMusicId": "",
        "param": '{"prompt":"x"}',
        "response": {"taskId": task_id, "sunoData": tracks} if tracks else None,
        "status": status,
        "type": "chirp-v4",
        "operationType": "generate",
        "errorCode": None,
        "errorMessage": None,
        "createTime": 1776340072000,
    }
    data.update(extra)
    return data


def ok(task_id: str, status: str, **extra: Any) -> CallbackResult:
    return callback_result(
        status=200, payload=envelope(wire_record(task_id, status, **extra))
    )


def body_code(code: int, msg: str = "error") -> CallbackResult:
    return callback_result(status=200, payload=envelope(None, code=code, msg=msg))


def http_error(
    status: int, body: str = "<html>bad gateway</html>", **headers: str
) -> CallbackResult:
    return callback_result(
        status=status, body=body, headers=headers, content_type="text/html"
    )


@attrs.define
class _Task:
    timeline: list[tuple[float, str]]
    script: dict[int, Answer]
    extra: dict[str, Any]
    arrivals: list[float] = attrs.field(factory=list)


class ScriptedService:
    """Answers record-info from timelines (offsets from `start`) in virtual time."""

    def __init__(self, mocked: aioresponses, clock: VirtualClock) -> None:
        self.clock = clock
        self.start = clock.now()
        self.tasks: dict[str, _Task] = {}
        self.delay_s = 0.0
        mocked.get(RECORD_INFO, callback=self._answer, repeat=True)

    def add(
        self,
        task_id: str,
        timeline: Sequence[tuple[float, str]] = ((0.0, "PENDING"),),
        *,
        script: dict[int, Answer] | None = None,
        **extra: Any,
    ) -> None:
        """A task following `timeline`; `script[n]` answers request n (from 0)."""
        self.tasks[task_id] = _Task(list(timeline), dict(script or {}), extra)

    def arrivals(self, task_id: str) -> list[float]:
        return self.tasks[task_id].arrivals

    def status_at(self, task_id: str, now: float) -> str | None:
        status = None
        for offset, name in self.tasks[task_id].timeline:
            if now - self.start >= offset:
                status = name
        return status

    async def _answer(self, url: Any, **kwargs: Any) -> CallbackResult:
        task_id = url.query["taskId"]
        if task_id not in self.tasks:
            return body_code(404, "record not found")
        task = self.tasks[task_id]
        number = len(task.arrivals)
        task.arrivals.append(self.clock.now())
        if self.delay_s:
            await self.clock.sleep(self.delay_s)
        answer = task.script.get(number)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, CallbackResult):
            return answer
        if callable(answer):
            return answer()  # type: ignore[no-any-return]
        status = self.status_at(task_id, self.clock.now())
        if status is None:
            return body_code(404, "record not found")
        return ok(task_id, status, **task.extra)


def connection_reset() -> BaseException:
    return aiohttp.ServerDisconnectedError("reset by peer")


def connection_refused() -> BaseException:
    """What aiohttp raises when nothing listens: the request never left."""
    fields = dict.fromkeys(ConnectionKey._fields)
    key = ConnectionKey(**{**fields, "host": "api.test", "port": 443, "ssl": True})
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))

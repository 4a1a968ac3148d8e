"""The simulator's HTTP answers; the routes of the other families and sync calls."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from aiohttp import web

from suno_async.testing._callbacks import CallbackDelivery
from suno_async.testing._faults import Fault
from suno_async.testing._respond import deliver, gateway_fault

__all__ = ["FAMILY_PATHS", "SYNC_PATHS", "Endpoints", "Handler"]

#: Each non-music kind's ``(creation path, record-info path)``.
FAMILY_PATHS: Final[Mapping[str, tuple[str, str]]] = {
    "lyrics": ("/api/v1/lyrics", "/api/v1/lyrics/record-info"),
    "wav": ("/api/v1/wav/generate", "/api/v1/wav/record-info"),
    "vocal-removal": (
        "/api/v1/vocal-removal/generate",
        "/api/v1/vocal-removal/record-info",
    ),
    "midi": ("/api/v1/midi/generate", "/api/v1/midi/record-info"),
    "video": ("/api/v1/mp4/generate", "/api/v1/mp4/record-info"),
    "cover-image": ("/api/v1/suno/cover/generate", "/api/v1/suno/cover/record-info"),
}
#: The synchronous calls (POST, answered at once).
SYNC_PATHS: Final = (
    "/api/v1/generate/get-timestamped-lyrics",
    "/api/v1/style/generate",
    "/api/v1/generate/generate-persona",
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Build = Callable[[], Awaitable[dict[str, Any]]]
#: A record-info answer: ``(task_id, fault, *, violation, base_url)``.
RecordBody = Callable[..., dict[str, Any]]
#: A POST's answer from its request's index and its body's JSON.
PostedBody = Callable[[int, Any], dict[str, Any]]


class Endpoints(CallbackDelivery):
    """How every API answer goes out, and the non-music routes (for FakeSunoServer)."""

    @property
    def url(self) -> str:
        """The base URL (FakeSunoServer's)."""
        raise NotImplementedError

    def _add_routes(self, app: web.Application) -> None:
        """Add the non-music families' and the synchronous calls' routes."""
        for kind, (create_path, record_path) in FAMILY_PATHS.items():
            app.router.add_post(create_path, self._family_creator(kind))
            app.router.add_get(record_path, self._family_recorder(kind))
        bodies = (
            self._timestamped_lyrics_body,
            self._boost_style_body,
            self._persona_body,
        )
        for path, body in zip(SYNC_PATHS, bodies, strict=True):
            app.router.add_post(path, self._sync_call(body))

    async def _answer(
        self,
        request: web.Request,
        index: int,
        fault: Fault | None,
        build: Build,
        shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> web.StreamResponse:
        """Gateway faults, then body-code faults and auth, then ``build()``.

        ``shape`` rewrites the body last (the upload service's envelope).
        """
        self._note(index, fault=fault)
        early = await gateway_fault(request, fault)
        if early is not None:
            self._note(index, http_status=early[1])
            return early[0]
        authorization = request.headers.get("Authorization", "")
        body = self._refusal(fault, authorization) or await build()
        if shape is not None:
            body = shape(body)
        data = body.get("data")
        status = None
        if isinstance(data, dict):
            raw = data.get("status", data.get("successFlag"))
            status = None if raw is None else str(raw)
        response, whole = await deliver(request, body, fault)
        self._note(
            index,
            http_status=response.status,
            code=body["code"] if whole else None,
            status=status if whole else None,
        )
        return response

    def _recorder(self, body: RecordBody) -> Handler:
        """A record-info route answering ``body(task_id, fault, ...)``."""

        async def record_info(request: web.Request) -> web.StreamResponse:
            task_id = request.query.get("taskId", "")
            index = self._arrive(request.method, request.path, task_id or None)
            violation = self._count_record_info(index, task_id)
            fault = self._draw_fault(task_id)

            async def build() -> dict[str, Any]:
                return body(task_id, fault, violation=violation, base_url=self.url)

            return await self._answer(request, index, fault, build)

        return record_info

    def _posted(self, answer: PostedBody, *, create: bool = True) -> Handler:
        """A POST route answering ``answer(index, body)`` with the body's JSON.

        Creations draw the next creation fault (``fault_next_create``), other
        calls the ordinary fault rates.
        """

        async def post(request: web.Request) -> web.StreamResponse:
            index = self._arrive(request.method, request.path, None)

            async def build() -> dict[str, Any]:
                try:
                    param = json.loads(await request.read())
                except ValueError:
                    return self._error(400, "Invalid JSON in the request body")
                return answer(index, param)

            fault = self._draw_create_fault() if create else self._draw_fault(None)
            return await self._answer(request, index, fault, build)

        return post

    def _family_recorder(self, kind: str) -> Handler:
        return self._recorder(functools.partial(self._family_record_body, kind))

    def _family_creator(self, kind: str) -> Handler:
        return self._posted(
            lambda index, param: self._family_create_body(index, kind, param)
        )

    def _sync_call(self, body: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
        def answer(_: int, param: Any) -> dict[str, Any]:
            if not isinstance(param, dict):
                return self._error(400, "The request body must be a JSON object")
            return body(param)

        return self._posted(answer, create=False)

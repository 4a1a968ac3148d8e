"""FakeSunoServer: a real HTTP server on 127.0.0.1 that answers like the Suno API."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs
import yarl
from aiohttp import web

from suno_async._core.families import SPECS
from suno_async._core.policies import RetryPolicy
from suno_async._core.providers import RECORD_INFO_PATH
from suno_async.testing._endpoints import Handler
from suno_async.testing._faults import Fault
from suno_async.testing._files import serve_media
from suno_async.testing._kinds import check_kind
from suno_async.testing._log import LoggedRequest
from suno_async.testing._task import SimTask, SimulatedTask
from suno_async.testing._timeline import Timeline
from suno_async.testing._uploads import Uploads

if TYPE_CHECKING:
    from types import TracebackType

    from suno_async._client import SunoClient

__all__ = ["CREATE_PATHS", "FakeSunoServer"]

#: The task-creating endpoints and the ``operationType`` their tasks report.
CREATE_PATHS: Final[Mapping[str, str]] = {
    "/api/v1/generate": "generate",
    "/api/v1/generate/extend": "extend",
    "/api/v1/generate/upload-cover": "upload_cover",
    "/api/v1/generate/upload-extend": "upload_extend",
    "/api/v1/generate/add-instrumental": "add_instrumental",
    "/api/v1/generate/add-vocals": "add_vocals",
}


class FakeSunoServer(Uploads):
    """A simulator of the hosted Suno API, served over real HTTP on 127.0.0.1.

    ::

        async with FakeSunoServer(scale=0.01, seed=1) as server:
            task_id = server.add_task(timeline=Timeline.success(5, 25, 90))
            async with server.client() as client:
                record = await client.wait_for_task(task_id)

    It answers ``GET /api/v1/generate/record-info``, the task-creating
    ``POST`` endpoints (``CREATE_PATHS``) and
    the provider's credits endpoint as the service does: HTTP 200 with a
    compact ``{code, msg, data}`` body, errors as body codes. A missing or
    wrong bearer key gets body code 401. An unknown task id gets body code
    404, the code record-info documents for "does not exist" (kie.ai's
    market API sends 422 ``"recordInfo is null"`` instead: play it with
    ``Fault.body_code``). A record-info request arriving when 3 others for
    the same task arrived within the last second counts in
    ``limit_violations`` and gets the provider's ``rate_limit_code``.
    Creation requests are checked with the SDK's own rules (fields sent are
    typed, sized per model and ranged; the mode switches' rules apply when
    the switch is sent; only ``callBackUrl`` is always required, so minimal
    requests still make tasks): a broken rule gets body code 400, or for a
    text too long 422 (413 on sunoapi.org), and costs nothing. Each creation
    costs ``CREDITS_PER_TASK`` (12) credits; without enough, the provider's
    insufficient-credits code (402, or 429 on sunoapi.org).
    ``fault_next_create`` scripts the next creation requests' faults.

    Timeline offsets are task seconds multiplied by ``scale`` on the
    server's ``clock`` (``scale=0.01`` plays a 90 s task in 0.9 s); the
    per-task limit is always counted in real clock seconds. ``seed`` makes
    task ids, drawn timelines and random faults reproducible.
    ``start_epoch_s`` is the Unix time matching the clock's reading at
    construction, for ``createTime`` (default: now). Track URLs point at the
    server itself (``{url}/files/{track_id}.mp3``...) and serve small
    stand-in files (``fault_file`` scripts their faults, ``media_requests``
    logs their downloads). ``api_key``, ``provider``, ``scale`` and
    ``credits`` are plain attributes (set ``credits`` to 0 to test running
    out).

    Read what happened through ``task_ids()`` and ``task(task_id)`` (frozen
    :class:`SimulatedTask` snapshots of the tasks made), ``requests()``,
    ``total_requests`` and ``limit_violations``.

    Tasks whose ``callBackUrl`` is a loopback URL are called back at each
    stage, signed when ``webhook_key`` is set; ``fault_next_callbacks`` and
    ``callback_fault_rate`` script lost, repeated, late, reordered or
    badly signed callbacks, ``callbacks()`` logs them and
    ``join_callbacks()`` waits for them. Other URLs are never called.

    The other task families (``kind``: ``"lyrics"``, ``"wav"``,
    ``"vocal-removal"``, ``"midi"``, ``"video"``, ``"cover-image"``) have
    their creation and record-info endpoints (``FAMILY_PATHS``), with the
    same auth, faults, per-task limit, log and credits; an unknown id
    answers ``data: null``, and a task is called back once, when it ends.
    ``wire_variant`` picks how their status is written (``WIRE_VARIANTS``).
    The synchronous calls (``SYNC_PATHS``) answer at once, and the upload
    service lives at ``upload_url`` (files over ``upload_limit_bytes`` get
    413; ``uploads()`` lists them).
    """

    def _setup(self) -> None:
        super()._setup()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._file_scripts: dict[str, deque[Fault | None]] = {}
        self._media_log: list[LoggedRequest] = []

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``, once started."""
        if self._url is None:
            raise RuntimeError("the FakeSunoServer is not running; use `async with`")
        return self._url

    async def start(self) -> None:
        """Bind 127.0.0.1 (a free port unless ``port`` was given) and serve."""
        if self._runner is not None:
            raise RuntimeError("the FakeSunoServer is already running")
        app = web.Application()
        app.router.add_get(RECORD_INFO_PATH, self._recorder(self._record_body))
        for path, operation_type in CREATE_PATHS.items():
            app.router.add_post(path, self._creator(operation_type))
        app.router.add_get(self.provider.credits_path, self._credits)
        app.router.add_get("/files/{tail:.+}", self._file)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        host, port = runner.addresses[0][:2]
        self._runner, self._url = runner, f"http://{host}:{port}"
        self._start_callbacks(self._url)

    async def aclose(self) -> None:
        """Stop serving and close open connections. Idempotent."""
        await self._stop_callbacks()
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeSunoServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def client(self, **kwargs: Any) -> SunoClient:
        """A :class:`suno_async.SunoClient` bound to this server; close it yourself.

        Its waits keep pace with the server's time: each family's default
        :class:`~suno_async.PollPolicy` and the :class:`~suno_async.RetryPolicy`
        scaled by the ``scale`` in force now
        (:meth:`~suno_async.PollPolicy.scaled`), so a task scaled to end in
        1.5 s is waited for in about 2 s, while the per-task limit stays 3
        requests per real second, as the server counts it. With a ``clock=``
        (a :class:`~suno_async.testing.ScaledClock`, say) the policies stay
        unscaled: that clock sets the time base. ``kwargs`` go to
        ``SunoClient`` and override any of these (``poll=``, ``retry=``,
        ``api_key``, ``base_url``, ``provider``...).
        """
        from suno_async._client import SunoClient

        settings: dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": self.url,
            "provider": self.provider,
        }
        if "clock" not in kwargs:  # a clock of the caller's sets the time base
            settings["poll"] = {
                kind: spec.poll.scaled(self.scale) for kind, spec in SPECS.items()
            }
            settings["retry"] = RetryPolicy().scaled(self.scale)
        return SunoClient(**{**settings, **kwargs})

    # --- scripting -------------------------------------------------------------
    def add_task(
        self,
        task_id: str | None = None,
        timeline: Timeline | None = None,
        *,
        faults: Sequence[Fault | None] = (),
        param: Mapping[str, Any] | None = None,
        operation_type: str = "generate",
        kind: str = "music",
        wire_variant: str | None = None,
    ) -> str:
        """Create a task now, as if a request had made it; return its id.

        ``timeline`` defaults to ``Timeline.realistic`` for ``kind`` drawn
        from the server's RNG; ``faults[n]`` answers the task's (n+1)-th
        record-info request (``None``: normally), then the server-wide rates
        apply. ``param`` is the creation request the record shows in
        ``param``; for the other kinds it also names the source
        (``taskId``, ``audioId``, vocal removal's ``type``...), unchecked.
        ``kind`` is the task family (a ``TaskKind`` value: ``"wav"``,
        ``"cover-image"``...; ``ValueError`` for others);
        ``operation_type`` only applies to music. ``wire_variant`` overrides
        the server's for this task (see ``WIRE_VARIANTS``).
        """
        if check_kind(kind) != "music":
            return self._new_family_task(
                kind,
                task_id,
                timeline,
                faults=faults,
                param=param,
                variant=wire_variant,
            )
        return self._new_task(
            task_id, timeline, faults=faults, param=param, operation_type=operation_type
        )

    def queue_task(
        self,
        timeline: Timeline | None = None,
        *,
        faults: Sequence[Fault | None] = (),
        kind: str = "music",
    ) -> None:
        """Script the next ``kind`` task created through the API (first in, first out).

        A queued timeline is used as given; without one, a realistic timeline
        is drawn (music: and fitted to the request: model, title, style,
        lyrics).
        """
        script = (timeline, tuple(faults))
        if check_kind(kind) == "music":
            self._queue.append(script)
        else:
            self._family_queues[kind].append(script)

    def fault_rate(self, fault: Fault, probability: float) -> None:
        """Inject ``fault`` into that fraction of API requests (0 removes it).

        Draws use the server's seeded RNG; a task's script, while it lasts,
        takes precedence. All faults' probabilities may sum to 1 at most.
        """
        self._set_rate(fault, probability)

    def fault_file(self, url: str, *faults: Fault | None) -> None:
        """Script the next downloads of one media file, then serve it normally.

        ``url`` is a track URL (or its ``/files/...`` path; the query is
        ignored); its Nth download from now gets ``faults[N-1]`` (``None``:
        normally). ``Fault.http``, ``reset``, ``slow``, ``truncated``,
        ``mislabeled`` and ``resized`` apply to files.
        """
        path = yarl.URL(url).path
        self._file_scripts.setdefault(path, deque()).extend(faults)

    def fault_next_create(self, *faults: Fault | None) -> None:
        """Script the next task-creating requests, whichever endpoint they hit.

        The Nth creation request from now gets ``faults[N-1]`` (``None``:
        answered normally), before any ``fault_rate`` draw. A fault that
        answers early (``reset``, ``http``, ``body_code``) creates no task;
        ``truncated``, ``malformed`` and ``slow`` create the task and spoil or
        delay its answer, as when a reply is lost after the service acted.
        """
        self._create_faults.extend(faults)

    # --- inspection ------------------------------------------------------------
    def task_ids(self, kind: str = "music") -> tuple[str, ...]:
        """The ids of the ``kind`` tasks made (API or ``add_task``), oldest first."""
        if check_kind(kind) == "music":
            return tuple(self._tasks)
        return tuple(i for i, t in self._family_tasks.items() if t.kind == kind)

    def task(self, task_id: str, *, kind: str | None = None) -> SimulatedTask:
        """A snapshot of one task as of now; ``KeyError`` for an id it never made.

        Ids are unique across kinds, so ``kind`` is optional; given, a task
        of another kind is a ``KeyError`` too.
        """
        task = self._tasks.get(task_id) or self._family_tasks.get(task_id)
        found = "music" if isinstance(task, SimTask) else getattr(task, "kind", None)
        if task is None or kind not in (None, found):
            raise KeyError(task_id)
        return task.snapshot(self._step_now(task))

    # --- accounting ------------------------------------------------------------
    def requests(self, task_id: str | None = None) -> tuple[LoggedRequest, ...]:
        """The API requests received (for one task id, if given), in arrival order."""
        return tuple(r for r in self._log if task_id is None or r.task_id == task_id)

    def media_requests(self) -> tuple[LoggedRequest, ...]:
        """The media downloads received (``/files/...``), in arrival order."""
        return tuple(self._media_log)

    @property
    def total_requests(self) -> int:
        """How many API requests arrived (media downloads not included)."""
        return len(self._log)

    @property
    def limit_violations(self) -> int:
        """Record-info requests beyond 3 per task in a sliding 1.0 s window."""
        return self._window.violations

    def __repr__(self) -> str:
        return (
            f"<FakeSunoServer {self.provider.name} {self._url or 'not running'} "
            f"scale={self.scale:g} tasks={len(self._tasks)} "
            f"requests={self.total_requests} violations={self.limit_violations}>"
        )

    # --- HTTP ------------------------------------------------------------------
    def _creator(self, operation_type: str) -> Handler:
        return self._posted(
            lambda index, param: self._create_body(index, param, operation_type)
        )

    async def _credits(self, request: web.Request) -> web.StreamResponse:
        index = self._arrive(request.method, request.path, None)

        async def build() -> dict[str, Any]:
            return {"code": 200, "msg": "success", "data": self.credits}

        return await self._answer(request, index, self._draw_fault(None), build)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        script = self._file_scripts.get(request.path)
        fault = script.popleft() if script else None
        entry = LoggedRequest(
            at=self._clock(),
            method=request.method,
            path=request.path,
            task_id=None,
            fault=fault,
            authorization="Authorization" in request.headers,
        )
        self._media_log.append(entry)
        index = len(self._media_log) - 1
        found = self._media(request.match_info["tail"])
        if found is None:
            response: web.StreamResponse = web.Response(
                status=404, text="404: Not Found"
            )
            status: int | None = 404
        else:
            body, content_type = found
            response, status = await serve_media(request, body, content_type, fault)
        self._media_log[index] = attrs.evolve(entry, http_status=status)
        return response

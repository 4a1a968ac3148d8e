"""The simulated service's state and rules, without any I/O.

``Simulation`` owns tasks, scripts, credits and accounting, and builds every
answer body; ``FakeSunoServer`` (its subclass) adds HTTP and the public API.
"""

from __future__ import annotations

import hmac
import math
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from suno_async._core.operations import OPERATIONS
from suno_async._core.providers import APIKLEY, PROVIDERS, Provider
from suno_async._core.request_bodies import check_body
from suno_async.testing._family_task import FamilyTask
from suno_async.testing._faults import Fault
from suno_async.testing._kinds import WireVariant, check_variant
from suno_async.testing._log import LoggedRequest, SlidingWindow
from suno_async.testing._task import SimTask, fit_to_request
from suno_async.testing._timeline import INSTRUMENTAL, Timeline
from suno_async.testing._wire import credits_code, envelope, message_for, param_string

__all__ = ["CREDITS_PER_TASK", "DEFAULT_CALLBACK", "UPLOAD_LIMIT_BYTES", "Simulation"]

#: Credits one task-creating request costs.
CREDITS_PER_TASK: Final = 12
#: The ``callBackUrl`` of tasks ``add_task`` makes without a ``param``.
DEFAULT_CALLBACK: Final = "https://example.com/suno-callback"
#: The largest file the upload endpoints take by default (100 MB).
UPLOAD_LIMIT_BYTES: Final = 100 * 1024 * 1024
_Script = tuple[Timeline | None, tuple[Fault | None, ...]]


class Simulation:
    """The service's brain: see :class:`~suno_async.testing.FakeSunoServer`.

    It takes every setting of the server (``port`` and ``webhook_key`` are
    kept for the subclasses' HTTP side), then calls :meth:`_setup`, which
    subclasses extend to make their own state.
    """

    def __init__(
        self,
        *,
        provider: Provider | str = APIKLEY,
        scale: float = 1.0,
        seed: int | str | None = None,
        api_key: str = "test-key",
        credits: int = 1000,
        port: int = 0,
        clock: Callable[[], float] | None = None,
        start_epoch_s: float | None = None,
        webhook_key: str | None = None,
        wire_variant: str = "documented",
        upload_limit_bytes: int = UPLOAD_LIMIT_BYTES,
    ) -> None:
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a finite number > 0, not {scale}")
        self.provider = PROVIDERS[provider] if isinstance(provider, str) else provider
        self.scale = scale
        self.api_key = api_key
        self.credits = credits
        #: Signs callbacks (kie.ai's scheme) when set.
        self.webhook_key = webhook_key
        #: How the non-music families write their status (``WIRE_VARIANTS``).
        self.wire_variant: WireVariant = check_variant(wire_variant)
        #: The upload endpoints refuse larger files with code 413.
        self.upload_limit_bytes = upload_limit_bytes
        self._port = port
        self._clock = time.monotonic if clock is None else clock
        self._clock0 = self._clock()
        self._epoch0 = time.time() if start_epoch_s is None else start_epoch_s
        seeder = random.Random(seed)
        self._task_rng = random.Random(seeder.getrandbits(64))
        self._fault_rng = random.Random(seeder.getrandbits(64))
        self._tasks: dict[str, SimTask] = {}
        self._family_tasks: dict[str, FamilyTask] = {}
        self._tracks: set[str] = set()
        self._queue: deque[_Script] = deque()
        self._create_faults: deque[Fault | None] = deque()
        self._rates: list[tuple[Fault, float]] = []
        self._log: list[LoggedRequest] = []
        self._window = SlidingWindow(limit=3, window_s=1.0)
        self._setup()

    def _setup(self) -> None:
        """Make a subclass's own state (extend it, calling ``super()._setup()``)."""

    # --- the service's rules (FakeSunoServer's public methods call these) --------
    def _new_task(
        self,
        task_id: str | None,
        timeline: Timeline | None,
        *,
        faults: Sequence[Fault | None],
        param: Mapping[str, Any] | None,
        operation_type: str,
    ) -> str:
        """Create a task now; defaults drawn from the task RNG. Its id."""
        if task_id is None:
            task_id = f"{self._task_rng.getrandbits(128):032x}"
        if timeline is None:
            timeline = Timeline.realistic(self._task_rng)
        if param is None:
            param = {
                "callBackUrl": DEFAULT_CALLBACK,
                "customMode": False,
                "instrumental": all(t.lyrics == INSTRUMENTAL for t in timeline.tracks),
                "model": timeline.model,
                "prompt": "A calm piano piece",
            }
        audio_id = param.get("audioId")
        task = SimTask(
            **self._born(task_id, timeline, param, faults),
            operation_type=operation_type,
            parent_music_id=audio_id if isinstance(audio_id, str) else "",
        )
        self._tasks[task_id] = task
        self._tracks.update(task.track_ids)
        return task_id

    def _born(
        self,
        task_id: str,
        timeline: Timeline,
        param: Mapping[str, Any],
        faults: Sequence[Fault | None],
    ) -> dict[str, Any]:
        """The :class:`ServedTask` fields of a task made now."""
        now = self._clock()
        return {
            "task_id": task_id,
            "timeline": timeline,
            "created_at": now,
            "created_epoch_s": self._epoch0 + (now - self._clock0),
            "param_raw": param_string(param),
            "script": tuple(faults),
        }

    def _step_now(self, task: SimTask | FamilyTask) -> int | None:
        """The timeline step a task shows now; ``None`` while it is not found."""
        elapsed_s = (self._clock() - task.created_at) / self.scale
        if elapsed_s < task.timeline.not_found_s:
            return None
        return task.timeline.index_at(elapsed_s)

    def _set_rate(self, fault: Fault, probability: float) -> None:
        rates = [(f, p) for f, p in self._rates if f != fault]
        if probability > 0:
            rates.append((fault, probability))
        if not all(p <= 1 for _, p in rates) or sum(p for _, p in rates) > 1:
            raise ValueError("fault probabilities must sum to 1 at most")
        self._rates = rates

    def _arrive(self, method: str, path: str, task_id: str | None) -> int:
        """Log an arrival; its index in the log."""
        entry = LoggedRequest(
            at=self._clock(), method=method, path=path, task_id=task_id
        )
        self._log.append(entry)
        return len(self._log) - 1

    def _note(self, index: int, **changes: Any) -> None:
        self._log[index] = attrs.evolve(self._log[index], **changes)

    def _count_record_info(self, index: int, task_id: str) -> bool:
        """Count a record-info arrival against the per-task limit."""
        violation = self._window.arrive(task_id, self._log[index].at)
        self._note(index, violation=violation)
        return violation

    def _draw_fault(self, task_id: str | None) -> Fault | None:
        task: SimTask | FamilyTask | None = None
        if task_id is not None:
            task = self._tasks.get(task_id) or self._family_tasks.get(task_id)
        if task is not None:
            scripted, fault = task.next_scripted()
            if scripted:
                return fault
        if not self._rates:
            return None
        draw = self._fault_rng.random()
        for fault, probability in self._rates:
            if draw < probability:
                return fault
            draw -= probability
        return None

    def _draw_create_fault(self) -> Fault | None:
        """The next scripted creation fault, else a server-wide draw."""
        if self._create_faults:
            return self._create_faults.popleft()
        return self._draw_fault(None)

    def _error(self, code: int, message: str | None = None) -> dict[str, Any]:
        return envelope(code, message or message_for(code, self.provider))

    def _refusal(
        self, fault: Fault | None, authorization: str
    ) -> dict[str, Any] | None:
        """A body-code fault's answer, else 401 for a wrong key, else ``None``."""
        if fault is not None and fault.kind == "body_code" and fault.code is not None:
            return self._error(fault.code, fault.message)
        expected = f"Bearer {self.api_key}".encode()
        if not hmac.compare_digest(authorization.encode(), expected):
            return self._error(401)
        return None

    def _record_body(
        self, task_id: str, fault: Fault | None, *, violation: bool, base_url: str
    ) -> dict[str, Any]:
        if violation:
            return self._error(self.provider.rate_limit_code)
        if not task_id:
            return envelope(422, "taskId is required")
        task = self._tasks.get(task_id)
        step = None if task is None else self._step_now(task)
        if task is None or step is None:
            return self._error(404)
        return self._task_answer(task, step, fault, base_url)

    def _task_answer(
        self,
        task: SimTask | FamilyTask,
        step: int,
        fault: Fault | None,
        base_url: str,
    ) -> dict[str, Any]:
        """The task's record-info answer at ``step``, as a ``regress`` or
        ``status`` fault bends it."""
        raw_status = None
        if fault is not None and fault.kind == "regress":
            step -= fault.steps
        elif fault is not None and fault.kind == "status":
            raw_status = fault.raw_status
        data = task.data(step, base_url=base_url, scale=self.scale, status=raw_status)
        return envelope(200, "success", data)

    def _validation_code(self, too_long: bool) -> int:
        """400 for a bad field; too long: 413 on sunoapi.org, else 422."""
        if not too_long:
            return 400
        return 413 if 413 in self.provider.codes else 422

    def _create_body(
        self, index: int, param: Any, operation_type: str
    ) -> dict[str, Any]:
        if not isinstance(param, dict):
            return envelope(400, "The request body must be a JSON object")
        problem = check_body(OPERATIONS[operation_type], param, strict=False)
        if problem is not None:
            return envelope(self._validation_code(problem.too_long), problem.message)
        if self.credits < CREDITS_PER_TASK:
            return self._error(credits_code(self.provider))
        self.credits -= CREDITS_PER_TASK
        timeline, faults = self._queue.popleft() if self._queue else (None, ())
        if timeline is None:
            timeline = fit_to_request(Timeline.realistic(self._task_rng), param)
        task_id = self._new_task(
            None, timeline, faults=faults, param=param, operation_type=operation_type
        )
        self._note(index, task_id=task_id)
        return envelope(200, "success", {"taskId": task_id})

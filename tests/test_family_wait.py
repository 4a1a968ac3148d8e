"""Every task family through the one engine: reads, waits, failures, limits.

Virtual time (VirtualClock) and scripted record-info answers at the HTTP
edge, one route per family; waits poll every second, the first at once.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import attrs
import pytest
from aioresponses import CallbackResult, aioresponses

from suno_async import (
    CoverImageGenerationFailedError,
    CoverImageRecord,
    InvalidArgumentError,
    LyricsGenerationFailedError,
    LyricsRecord,
    MidiGenerationFailedError,
    MidiRecord,
    PollPolicy,
    RetryPolicy,
    SensitiveContentError,
    SunoClient,
    TaskCreationFailedError,
    TaskHandle,
    TaskKind,
    TaskNotFoundError,
    TaskRecord,
    TaskStatus,
    VideoGenerationFailedError,
    VideoRecord,
    VocalRemovalRecord,
    WaitTimeoutError,
    WavConversionFailedError,
    WavRecord,
)
from suno_async._core.errors import AudioGenerationFailedError, TaskFailedError
from suno_async.testing import VirtualClock

from aiomock import MockedHTTP, callback_result
from waitkit import BASE_URL, envelope, wire_record

S = TaskStatus
PATHS = {
    TaskKind.MUSIC: "generate",
    TaskKind.LYRICS: "lyrics",
    TaskKind.WAV: "wav",
    TaskKind.VOCAL_REMOVAL: "vocal-removal",
    TaskKind.MIDI: "midi",
    TaskKind.VIDEO: "mp4",
    TaskKind.COVER_IMAGE: "suno/cover",
}


def family_data(kind: TaskKind, task_id: str, flag: Any) -> dict[str, Any]:
    """A record-info ``data`` of ``kind`` with status ``flag`` (done when success)."""
    done = flag in ("SUCCESS", 1)
    common = {"taskId": task_id, "errorCode": None, "errorMessage": None}
    if kind is TaskKind.MUSIC:
        return wire_record(task_id, flag)
    if kind is TaskKind.LYRICS:
        variants = [{"text": "[Verse] la", "title": "Night", "status": "complete"}]
        return {
            **common,
            "status": flag,
            "type": "LYRICS",
            "param": '{"prompt":"night"}',
            "response": {"taskId": task_id, "data": variants} if done else None,
        }
    if kind is TaskKind.MIDI:
        midi = {
            "state": "complete",
            "instruments": [
                {
                    "name": "Drums",
                    "notes": [{"pitch": 36, "start": 0.5, "end": 0.75, "velocity": 1}],
                }
            ],
        }
        return {**common, "successFlag": flag, "midiData": midi if done else None}
    response = {
        TaskKind.WAV: {"audioWavUrl": "https://cdn.test/a.wav"},
        TaskKind.VOCAL_REMOVAL: {
            "vocalUrl": "https://cdn.test/v.mp3",
            "instrumentalUrl": "https://cdn.test/i.mp3",
            "drumsUrl": None,
        },
        TaskKind.VIDEO: {"videoUrl": "https://cdn.test/v.mp4"},
        TaskKind.COVER_IMAGE: {"images": ["https://cdn.test/1.png"]},
    }[kind]
    return {**common, "successFlag": flag, "response": response if done else None}


@attrs.define
class _Task:
    kind: TaskKind
    timeline: list[tuple[float, Any]]
    error: tuple[Any, str] | None
    arrivals: list[float] = attrs.field(factory=list)


class FamilyService:
    """Answers every family's record-info from per-task timelines, in virtual time.

    A timeline entry's status is ``None`` for "record not written yet"
    (``data: null``); an id the service never heard of answers the same.
    """

    def __init__(self, mocked: aioresponses, clock: VirtualClock) -> None:
        self.clock = clock
        self.start = clock.now()
        self.tasks: dict[tuple[TaskKind, str], _Task] = {}
        for kind, stem in PATHS.items():
            pattern = re.compile(
                rf"^{re.escape(BASE_URL)}/api/v1/{re.escape(stem)}/record-info\?.*$"
            )
            mocked.get(pattern, callback=self._answerer(kind), repeat=True)

    def add(
        self,
        kind: TaskKind,
        task_id: str,
        timeline: Sequence[tuple[float, Any]],
        *,
        error: tuple[Any, str] | None = None,
    ) -> None:
        self.tasks[kind, task_id] = _Task(kind, list(timeline), error)

    def arrivals(self, kind: TaskKind, task_id: str) -> list[float]:
        return self.tasks[kind, task_id].arrivals

    def _answerer(self, kind: TaskKind) -> Any:
        async def answer(url: Any, **_: Any) -> CallbackResult:
            task = self.tasks.get((kind, url.query["taskId"]))
            if task is None:
                return callback_result(status=200, payload=envelope(None))
            task.arrivals.append(self.clock.now())
            flag = None
            for offset, value in task.timeline:
                if self.clock.now() - self.start >= offset:
                    flag = value
            if flag is None:
                return callback_result(status=200, payload=envelope(None))
            data = family_data(kind, url.query["taskId"], flag)
            if task.error is not None and flag not in ("SUCCESS", 1, "PENDING", 0):
                data["errorCode"], data["errorMessage"] = task.error
            return callback_result(status=200, payload=envelope(data))

        return answer


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1000.0)


@pytest.fixture
def service(clock: VirtualClock) -> Iterator[FamilyService]:
    with MockedHTTP() as mocked:
        yield FamilyService(mocked, clock)


@pytest.fixture
async def client(clock: VirtualClock) -> AsyncIterator[SunoClient]:
    every_second = attrs.evolve(PollPolicy.fixed(1.0), random=lambda: 0.0)
    retry = RetryPolicy(
        initial_s=1.0, max_s=1.0, not_found_grace_s=5.0, random=lambda: 1.0
    )
    async with SunoClient(
        api_key="sk-secret",
        base_url=BASE_URL,
        poll=every_second,
        retry=retry,
        clock=clock,
    ) as c:
        yield c


NAMED = "SUCCESS"
RESULTS: dict[TaskKind, tuple[type[Any], Any, str]] = {
    TaskKind.LYRICS: (LyricsRecord, NAMED, "variants"),
    TaskKind.WAV: (WavRecord, NAMED, "wav_url"),
    TaskKind.VOCAL_REMOVAL: (VocalRemovalRecord, NAMED, "stems"),
    TaskKind.MIDI: (MidiRecord, 1, "instruments"),
    TaskKind.VIDEO: (VideoRecord, NAMED, "video_url"),
    TaskKind.COVER_IMAGE: (CoverImageRecord, 1, "image_urls"),
}
EXPECTED_RESULT: dict[TaskKind, Any] = {
    TaskKind.WAV: "https://cdn.test/a.wav",
    TaskKind.VOCAL_REMOVAL: {
        "vocal": "https://cdn.test/v.mp3",
        "instrumental": "https://cdn.test/i.mp3",
    },
    TaskKind.VIDEO: "https://cdn.test/v.mp4",
    TaskKind.COVER_IMAGE: ("https://cdn.test/1.png",),
}
FAMILIES = list(RESULTS)


def pending(kind: TaskKind) -> Any:
    return 0 if RESULTS[kind][1] == 1 else "PENDING"


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
async def test_a_wait_ends_with_the_familys_record(
    service: FamilyService, client: SunoClient, kind: TaskKind
) -> None:
    """Each family's wait returns its own record class at SUCCESS."""
    record_type, success, field = RESULTS[kind]
    service.add(kind, "t1", [(0.0, pending(kind)), (2.5, success)])
    record = await client.wait_for_task("t1", kind=kind)
    assert (type(record), record.status, record.task_id) == (
        record_type,
        S.SUCCESS,
        "t1",
    )
    if kind in EXPECTED_RESULT:
        assert getattr(record, field) == EXPECTED_RESULT[kind]
    assert service.arrivals(kind, "t1") == [1000.0, 1001.0, 1002.0, 1003.0]


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
async def test_the_kind_may_be_its_value_string(
    service: FamilyService, client: SunoClient, kind: TaskKind
) -> None:
    """``kind="wav"`` reads the same endpoint as ``TaskKind.WAV``."""
    record_type, success, _ = RESULTS[kind]
    service.add(kind, "t1", [(0.0, success)])
    record = await client.get_task("t1", kind=kind.value)
    assert (type(record), record.status) == (record_type, S.SUCCESS)


async def test_a_handle_brings_its_kind(
    service: FamilyService, client: SunoClient
) -> None:
    """A TaskHandle is waited on without restating its kind."""
    service.add(TaskKind.WAV, "w1", [(0.0, "PENDING"), (1.5, "SUCCESS")])
    record = await client.wait_for_task(TaskHandle("w1", TaskKind.WAV))
    assert (type(record), record.wav_url) == (WavRecord, "https://cdn.test/a.wav")


async def test_a_handle_of_another_kind_is_refused(client: SunoClient) -> None:
    """Naming a kind that contradicts the handle's is an argument error."""
    with pytest.raises(InvalidArgumentError, match="is a wav task, not midi"):
        client.wait_for_task(TaskHandle("w1", "wav"), kind="midi")


async def test_an_unknown_kind_is_refused(client: SunoClient) -> None:
    """A kind that is no family is refused before any request."""
    with pytest.raises(InvalidArgumentError, match="kind must be a TaskKind"):
        await client.get_task("t1", kind="karaoke")


async def test_music_stays_the_default(
    service: FamilyService, client: SunoClient
) -> None:
    """Without ``kind``, ids are music tasks, read from generate/record-info."""
    service.add(TaskKind.MUSIC, "m1", [(0.0, "SUCCESS")])
    record = await client.get_task("m1")
    assert (type(record), record.status) == (TaskRecord, S.SUCCESS)


async def test_a_family_wait_has_success_as_its_only_milestone(
    service: FamilyService, client: SunoClient
) -> None:
    """A WAV wait yields one SUCCESS event, PENDING before it."""
    service.add(TaskKind.WAV, "w1", [(0.0, "PENDING"), (2.5, "SUCCESS")])
    events = [e async for e in client.wait_for_task("w1", kind="wav")]
    assert [(e.status, e.previous, e.inferred, e.polls) for e in events] == [
        (S.SUCCESS, S.PENDING, False, 4)
    ]


async def test_until_first_success_is_refused_for_a_family_without_it(
    client: SunoClient,
) -> None:
    """Only the family's own milestones can be a wait's goal."""
    with pytest.raises(InvalidArgumentError, match="until must be one of SUCCESS"):
        client.wait_for_task("w1", kind="wav", until=S.FIRST_SUCCESS)


async def test_the_same_id_of_two_families_is_two_waits(
    service: FamilyService, client: SunoClient
) -> None:
    """Pollers are per family and id: a WAV wait never reads music's endpoint."""
    service.add(TaskKind.WAV, "x", [(0.0, "SUCCESS")])
    service.add(TaskKind.MUSIC, "x", [(0.0, "SUCCESS")])
    wav = await client.wait_for_task("x", kind="wav")
    music = await client.wait_for_task("x")
    assert (type(wav), type(music)) == (WavRecord, TaskRecord)
    assert (
        len(service.arrivals(TaskKind.WAV, "x")),
        len(service.arrivals(TaskKind.MUSIC, "x")),
    ) == (1, 1)


FAILURES = [
    (TaskKind.LYRICS, "GENERATE_LYRICS_FAILED", LyricsGenerationFailedError),
    (TaskKind.LYRICS, "SENSITIVE_WORD_ERROR", SensitiveContentError),
    (TaskKind.WAV, "GENERATE_WAV_FAILED", WavConversionFailedError),
    (TaskKind.WAV, "CREATE_TASK_FAILED", TaskCreationFailedError),
    (TaskKind.VOCAL_REMOVAL, "GENERATE_AUDIO_FAILED", AudioGenerationFailedError),
    (TaskKind.MIDI, 2, TaskCreationFailedError),
    (TaskKind.MIDI, 3, MidiGenerationFailedError),
    (TaskKind.VIDEO, "GENERATE_MP4_FAILED", VideoGenerationFailedError),
    (TaskKind.COVER_IMAGE, 3, CoverImageGenerationFailedError),
    (TaskKind.COVER_IMAGE, "GENERATE_COVER_FAILED", CoverImageGenerationFailedError),
]


@pytest.mark.parametrize(("kind", "flag", "error_type"), FAILURES, ids=str)
async def test_each_failure_raises_its_error_with_the_services_message(
    service: FamilyService,
    client: SunoClient,
    kind: TaskKind,
    flag: Any,
    error_type: type[TaskFailedError],
) -> None:
    """A failure status raises its subclass, carrying the record and message."""
    service.add(kind, "t1", [(0.0, pending(kind)), (1.5, flag)], error=(500, "boom"))
    with pytest.raises(error_type) as caught:
        await client.wait_for_task("t1", kind=kind)
    error = caught.value
    assert type(error) is error_type
    assert (error.record.task_id, error.error_code, error.error_message) == (
        "t1",
        500,
        "boom",
    )
    assert isinstance(error.record, RESULTS[kind][0])


async def test_cover_generating_is_still_running(
    service: FamilyService, client: SunoClient
) -> None:
    """Cover's flag 2 ("generating") is not MIDI's 2 (a failure)."""
    service.add(TaskKind.COVER_IMAGE, "c1", [(0.0, 0), (1.0, 2), (2.5, 1)])
    record = await client.wait_for_task("c1", kind="cover-image")
    assert record.status is S.SUCCESS
    assert len(service.arrivals(TaskKind.COVER_IMAGE, "c1")) == 4


async def test_a_cover_success_with_error_code_200_is_a_success(
    service: FamilyService, client: SunoClient
) -> None:
    """Only the status decides: errorCode 200 on a cover success is no failure."""
    service.add(TaskKind.COVER_IMAGE, "c1", [(0.0, 1)], error=(200, ""))
    record = await client.wait_for_task("c1", kind="cover-image")
    assert record.status is S.SUCCESS


async def test_a_young_task_is_waited_through_data_null(
    service: FamilyService, client: SunoClient
) -> None:
    """``data: null`` before the record exists is retried within the grace."""
    service.add(TaskKind.VIDEO, "v1", [(0.0, None), (2.5, "PENDING"), (3.5, "SUCCESS")])
    record = await client.wait_for_task("v1", kind="video")
    assert (record.status, record.video_url) == (S.SUCCESS, "https://cdn.test/v.mp4")


async def test_an_unknown_id_ends_in_task_not_found(
    service: FamilyService, client: SunoClient, clock: VirtualClock
) -> None:
    """``data: null`` past the grace period raises TaskNotFoundError."""
    with pytest.raises(TaskNotFoundError, match="still unknown after 5 s"):
        await client.wait_for_task("nobody", kind="midi")
    assert clock.now() - 1000.0 == 5.0


async def test_get_task_of_an_unknown_id_raises_task_not_found(
    service: FamilyService, client: SunoClient
) -> None:
    """One read answered ``data: null`` is a TaskNotFoundError at once."""
    with pytest.raises(TaskNotFoundError, match="lyrics task nobody is unknown"):
        await client.get_task("nobody", kind=TaskKind.LYRICS)


@pytest.mark.parametrize(
    ("http_status", "body"),
    [
        pytest.param(404, envelope(None, 404, "Record does not exist"), id="404"),
        pytest.param(200, envelope(None, 422, "recordInfo is null"), id="422-null"),
    ],
)
async def test_get_task_raises_task_not_found_for_every_unknown_id_answer(
    client: SunoClient, http_status: int, body: dict[str, Any]
) -> None:
    """404 and 422 "recordInfo is null" read as ``data: null`` does: unknown id."""
    url = f"{BASE_URL}/api/v1/suno/cover/record-info?taskId=nobody"
    with MockedHTTP() as mocked:
        mocked.get(url, status=http_status, payload=body)
        with pytest.raises(TaskNotFoundError) as caught:
            await client.get_task("nobody", kind=TaskKind.COVER_IMAGE)
    error = caught.value
    assert (error.code, error.http_status, error.task_id) == (
        body["code"],
        http_status,
        "nobody",
    )


async def test_a_family_wait_times_out_with_its_last_record(
    service: FamilyService, client: SunoClient
) -> None:
    """The one deadline holds for every family, the last record carried."""
    service.add(TaskKind.WAV, "w1", [(0.0, "PENDING")])
    with pytest.raises(WaitTimeoutError) as caught:
        await client.wait_for_task("w1", kind="wav", timeout=3.5)
    last = caught.value.last_record
    assert (type(last), last.status if last else None) == (WavRecord, S.PENDING)


async def test_wait_many_takes_a_kind(
    service: FamilyService, client: SunoClient
) -> None:
    """Every id of a batch is read from its family's endpoint."""
    service.add(TaskKind.MIDI, "a", [(0.0, 0), (1.5, 1)])
    service.add(TaskKind.MIDI, "b", [(0.0, 0), (0.5, 3)], error=("500", "no notes"))
    outcomes = await client.wait_many(["a", "b"], kind="midi")
    assert [(o.task_id, type(o.record), type(o.error)) for o in outcomes] == [
        ("a", MidiRecord, type(None)),
        ("b", type(None), MidiGenerationFailedError),
    ]


async def test_wait_many_mixes_handles_of_several_families(
    service: FamilyService, client: SunoClient
) -> None:
    """Handles in a batch bring their own kinds; plain ids take the batch's."""
    service.add(TaskKind.WAV, "w", [(0.0, "SUCCESS")])
    service.add(TaskKind.COVER_IMAGE, "c", [(0.0, 1)])
    service.add(TaskKind.MUSIC, "m", [(0.0, "SUCCESS")])
    outcomes = await client.wait_many(
        [TaskHandle("w", "wav"), TaskHandle("c", "cover-image"), "m"]
    )
    assert [(o.task_id, type(o.record)) for o in outcomes] == [
        ("w", WavRecord),
        ("c", CoverImageRecord),
        ("m", TaskRecord),
    ]


async def test_family_reads_keep_the_per_task_limit(
    service: FamilyService, clock: VirtualClock
) -> None:
    """Reads of a family task, get_task included, stay at 3 per sliding second."""
    service.add(TaskKind.WAV, "w1", [(0.0, "PENDING")])
    async with SunoClient(api_key="sk-secret", base_url=BASE_URL, clock=clock) as c:
        for _ in range(7):
            await c.get_task("w1", kind="wav")
    arrivals = service.arrivals(TaskKind.WAV, "w1")
    assert arrivals == [1000.0, 1000.0, 1000.0, 1001.0, 1001.0, 1001.0, 1002.0]


async def test_each_family_polls_with_its_own_default_policy(
    clock: VirtualClock,
) -> None:
    """Without ``poll``, a family's waits use its spec's cadence."""
    async with SunoClient(api_key="sk-secret", base_url=BASE_URL, clock=clock) as c:
        assert c.poll_for("video").phase_max_s[0] == 120.0
        assert c.poll_for(TaskKind.LYRICS).phase_max_s[0] == 15.0
        assert c.poll == PollPolicy()

"""Models to JSON-safe dicts and back: to_dict, to_json, from_dict."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from test_convert import records

from suno_async import (
    APIError,
    AudioGenerationFailedError,
    AuthenticationError,
    CallbackDeliveryError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    CoverImageGenerationFailedError,
    DecodeError,
    DestinationExistsError,
    DownloadError,
    DuplicateTaskError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidArgumentError,
    InvalidRequestError,
    LyricsGenerationFailedError,
    MediaFetchError,
    MidiGenerationFailedError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    SensitiveContentError,
    ServerError,
    ServiceUnavailableError,
    SunoError,
    TaskCreationFailedError,
    TaskEvent,
    TaskFailedError,
    TaskNotFoundError,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    Track,
    TransportError,
    UsageError,
    VideoGenerationFailedError,
    WaitTimeoutError,
    WavConversionFailedError,
    WebhookError,
    WebhookSignatureError,
)
from suno_async._core import errors as suno_errors
from suno_async._core.convert import decode_record, to_jsonable
from suno_async._core.errors import LocalFileError
from suno_async._core.family_records import (
    CoverImageRecord,
    LyricsRecord,
    MidiRecord,
    VideoRecord,
    WavRecord,
)

UTC = timezone.utc
PLUS_8 = timezone(timedelta(hours=8))

TRACK = Track(
    id="a1",
    audio_url="https://cdn.example.com/a1.mp3",
    stream_audio_url="https://cdn.example.com/a1",
    title="Quiet Keys",
    tags=("calm", "piano"),
    created_at=datetime(2026, 4, 16, 19, 48, 55, 250000, tzinfo=PLUS_8),
    duration=176.32,
)
TRACK_DICT: dict[str, Any] = {
    "id": "a1",
    "audio_url": "https://cdn.example.com/a1.mp3",
    "stream_audio_url": "https://cdn.example.com/a1",
    "image_url": None,
    "source_audio_url": None,
    "source_stream_audio_url": None,
    "source_image_url": None,
    "prompt": None,
    "model_name": None,
    "title": "Quiet Keys",
    "tags": ["calm", "piano"],
    "created_at": "2026-04-16T19:48:55.250000+08:00",
    "duration": 176.32,
}
SECOND_TRACK = Track(id="b2", stream_audio_url="https://cdn.example.com/b2")
SECOND_TRACK_DICT: dict[str, Any] = {
    **dict.fromkeys(TRACK_DICT),
    "id": "b2",
    "stream_audio_url": "https://cdn.example.com/b2",
    "tags": [],
}
RAW: dict[str, Any] = {
    "taskId": "t1",
    "status": "FIRST_SUCCESS",
    "param": '{"model":"V5","instrumental":true}',
    "futureField": [1, 2.5, None, {"nested": True}],
}
RECORD = TaskRecord(
    task_id="t1",
    status=TaskStatus.FIRST_SUCCESS,
    status_raw="FIRST_SUCCESS",
    tracks=(TRACK, SECOND_TRACK),
    operation_type="generate",
    model_family="chirp-crow",
    param={"model": "V5", "instrumental": True},
    param_raw='{"model":"V5","instrumental":true}',
    created_at=datetime(2026, 4, 16, 11, 47, 52, tzinfo=UTC),
    raw=RAW,
)
RECORD_DICT: dict[str, Any] = {
    "task_id": "t1",
    "status": "FIRST_SUCCESS",
    "status_raw": "FIRST_SUCCESS",
    "tracks": [TRACK_DICT, SECOND_TRACK_DICT],
    "operation_type": "generate",
    "model_family": "chirp-crow",
    "param": {"model": "V5", "instrumental": True},
    "param_raw": '{"model":"V5","instrumental":true}',
    "parent_music_id": None,
    "error_code": None,
    "error_message": None,
    "created_at": "2026-04-16T11:47:52+00:00",
    "raw": RAW,
}
FAILED = TaskRecord(
    task_id="t2",
    status=TaskStatus.SENSITIVE_WORD_ERROR,
    status_raw="SENSITIVE_WORD_ERROR",
    error_code=400,
    error_message="Lyrics contained copyrighted material.",
)
FAILED_DICT: dict[str, Any] = {
    "task_id": "t2",
    "status": "SENSITIVE_WORD_ERROR",
    "status_raw": "SENSITIVE_WORD_ERROR",
    "tracks": [],
    "operation_type": None,
    "model_family": None,
    "param": {},
    "param_raw": None,
    "parent_music_id": None,
    "error_code": 400,
    "error_message": "Lyrics contained copyrighted material.",
    "created_at": None,
    "raw": {},
}
EVENT = TaskEvent(
    task_id="t1",
    status=TaskStatus.FIRST_SUCCESS,
    previous=TaskStatus.TEXT_SUCCESS,
    record=RECORD,
    inferred=True,
    elapsed=42.5,
    polls=7,
    retries=1,
)

WAIT_TIMEOUT = WaitTimeoutError(
    "t1",
    timeout=60,
    last_record=RECORD,
    elapsed=61.25,
    polls=12,
    last_error=ServiceUnavailableError("busy", code=503, retry_after=5.0),
)
# One of each SDK error, with every attribute it carries set.
ERRORS = [
    SunoError("something went wrong", task_id="t1"),
    ConfigurationError("no API key"),
    InvalidArgumentError("not a task id: ''", task_id=""),
    UsageError("TaskWait consumed twice", task_id="t1"),
    ClientClosedError("the client is closed"),
    TransportError("connection refused", connected=False),
    RequestTimeoutError("no answer within 30 s", task_id="t1"),
    DecodeError("not JSON", task_id="t1", excerpt="<html>502</html>", http_status=502),
    APIError("odd", code=418, http_status=200, task_id="t1"),
    AuthenticationError("bad key", code=401, http_status=401),
    InsufficientCreditsError("no credits left", code=402, http_status=200),
    NotFoundError("no such page", code=404, http_status=404),
    TaskNotFoundError("unknown task", code=404, http_status=200, task_id="t1"),
    ConflictError("exists", code=409, http_status=200),
    DuplicateTaskError(
        "cover exists", existing_task_id="c0", code=400, http_status=200, task_id="t1"
    ),
    InvalidRequestError("prompt too long", code=413, http_status=200),
    RateLimitError("slow down", code=429, http_status=429, retry_after=2.5),
    MediaFetchError("cannot fetch the source", code=451, http_status=200),
    ServiceUnavailableError("maintenance", code=455, http_status=200, retry_after=30),
    ServerError("internal error", code=500, http_status=500),
    TaskFailedError(attrs.evolve(FAILED, status=TaskStatus.UNKNOWN)),
    TaskCreationFailedError(FAILED, "could not create"),
    AudioGenerationFailedError(FAILED),
    GenerationFailedError(
        attrs.evolve(FAILED, status=TaskStatus.GENERATE_AUDIO_FAILED),
        "generation failed",
    ),
    LyricsGenerationFailedError(
        LyricsRecord(
            task_id="l1",
            status=TaskStatus.GENERATE_LYRICS_FAILED,
            status_raw="GENERATE_LYRICS_FAILED",
            error_code=400,
            error_message="Song Description flagged for moderation",
            param={"prompt": "x"},
            param_raw='{"prompt":"x"}',
        )
    ),
    WavConversionFailedError(
        WavRecord(
            task_id="w1",
            status=TaskStatus.GENERATE_WAV_FAILED,
            status_raw="3",
            error_code=500,
            source_audio_id="a1",
            track_index=1,
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
    ),
    MidiGenerationFailedError(
        MidiRecord(
            task_id="m1",
            status=TaskStatus.GENERATE_MIDI_FAILED,
            status_raw="3",
            error_code="E500",
            raw={"taskId": "m1", "successFlag": 3},
        )
    ),
    VideoGenerationFailedError(
        VideoRecord(
            task_id="v1",
            status=TaskStatus.GENERATE_MP4_FAILED,
            status_raw="GENERATE_MP4_FAILED",
        )
    ),
    CoverImageGenerationFailedError(
        CoverImageRecord(
            task_id="c1",
            status=TaskStatus.GENERATE_COVER_FAILED,
            status_raw="3",
            error_code=500,
            error_message="cover failed",
            parent_task_id="t1",
        )
    ),
    CallbackDeliveryError(FAILED),
    SensitiveContentError(FAILED),
    WAIT_TIMEOUT,
    WebhookError("not a callback body"),
    WebhookSignatureError("stale timestamp"),
    DownloadError(
        "every URL failed",
        task_id="t1",
        track_id="a1",
        reasons=("audio_url: HTTP 404", "stream_audio_url: timeout"),
        saved=(Path("songs/b2.mp3"),),
    ),
    DestinationExistsError(
        Path("songs/a1.mp3"), task_id="t1", track_id="a1", saved=(Path("b2.mp3"),)
    ),
]
AUTHENTICATION_WITH_SOURCE = AuthenticationError("bad key", code=401, http_status=401)
AUTHENTICATION_WITH_SOURCE.key_source = "SUNO_API_KEY"
ERRORS.append(AUTHENTICATION_WITH_SOURCE)
# Its constructor takes the OSError itself, which no attribute holds.
ERRORS.append(
    LocalFileError(
        "cannot write songs/a1.mp3: permission denied",
        error=PermissionError(13, "Permission denied", "songs/a1.mp3"),
        task_id="t1",
        track_id="a1",
        saved=(Path("songs/b2.mp3"),),
    )
)


def comparable(value: Any) -> Any:
    """An error as (class, str(), public attributes), nested errors alike.

    Exceptions compare by identity: this is what "the same error" means for
    a round trip.
    """
    if not isinstance(value, BaseException):
        return value
    attributes = {
        name: comparable(item)
        for name, item in vars(value).items()
        if not name.startswith("_")
    }
    if isinstance(value, OSError):  # slots, not in vars()
        attributes.update(
            errno=value.errno, strerror=value.strerror, filename=value.filename
        )
    return type(value), str(value), attributes


def round_trip(error: Exception) -> Exception | None:
    """The error of an outcome after to_dict and from_dict."""
    outcome = TaskOutcome(task_id="t1", error=error)
    return TaskOutcome.from_dict(outcome.to_dict()).error


# -- exact output -------------------------------------------------------------------


def test_track_to_dict() -> None:
    """A track's fields in order: the datetime ISO 8601 with its offset, tags a list."""
    assert TRACK.to_dict() == TRACK_DICT
    assert list(TRACK.to_dict()) == list(TRACK_DICT)


def test_record_to_dict() -> None:
    """A record keeps everything: tracks, param, param_raw and raw."""
    assert RECORD.to_dict() == RECORD_DICT


def test_event_to_dict() -> None:
    """An event's statuses are their values, its record a record dict."""
    assert EVENT.to_dict() == {
        "task_id": "t1",
        "status": "FIRST_SUCCESS",
        "previous": "TEXT_SUCCESS",
        "record": RECORD_DICT,
        "inferred": True,
        "elapsed": 42.5,
        "polls": 7,
        "retries": 1,
    }


def test_outcome_with_record_to_dict() -> None:
    """An outcome with a record has a null error."""
    outcome = TaskOutcome(task_id="t1", record=RECORD)
    assert outcome.to_dict() == {"task_id": "t1", "record": RECORD_DICT, "error": None}


def test_outcome_with_api_error_to_dict() -> None:
    """An SDK error is its class name, its message and the attributes it carries."""
    error = RateLimitError("slow down", code=429, http_status=429, task_id="t3")
    outcome = TaskOutcome(task_id="t3", error=error)
    assert outcome.to_dict() == {
        "task_id": "t3",
        "record": None,
        "error": {
            "type": "RateLimitError",
            "message": "slow down",
            "task_id": "t3",
            "code": 429,
            "http_status": 429,
            "retry_after": None,
        },
    }


def test_outcome_with_task_failure_to_dict() -> None:
    """A task failure carries its record; status and error code are not repeated."""
    outcome = TaskOutcome(task_id="t2", error=SensitiveContentError(FAILED))
    assert outcome.to_dict()["error"] == {
        "type": "SensitiveContentError",
        "message": "task t2 failed: SENSITIVE_WORD_ERROR (error code 400): "
        "Lyrics contained copyrighted material.",
        "task_id": "t2",
        "record": FAILED_DICT,
    }


def test_wait_timeout_to_dict() -> None:
    """A wait timeout carries its last record and, nested, its last error."""
    error = WaitTimeoutError(
        "t2",
        timeout=60,
        last_record=FAILED,
        elapsed=61.25,
        polls=12,
        last_error=ServiceUnavailableError("busy", code=503, retry_after=5.0),
    )
    assert TaskOutcome(task_id="t2", error=error).to_dict()["error"] == {
        "type": "WaitTimeoutError",
        "message": "task t2 did not finish within 60 s (last status "
        "SENSITIVE_WORD_ERROR, 12 polls; last error ServiceUnavailableError: busy)",
        "task_id": "t2",
        "timeout": 60,
        "last_record": FAILED_DICT,
        "last_error": {
            "type": "ServiceUnavailableError",
            "message": "busy",
            "task_id": None,
            "code": 503,
            "http_status": None,
            "retry_after": 5.0,
        },
        "elapsed": 61.25,
        "polls": 12,
        "errno": None,  # also a TimeoutError, so an OSError
        "strerror": None,
        "filename": None,
    }


def test_download_error_to_dict() -> None:
    """Paths become strings, tuples lists; an OSError's attributes are kept."""
    error = DestinationExistsError(Path("songs/a1.mp3"), task_id="t1", track_id="a1")
    assert TaskOutcome(task_id="t1", error=error).to_dict()["error"] == {
        "type": "DestinationExistsError",
        "message": "songs/a1.mp3 exists already (pass overwrite=True to replace it)",
        "task_id": "t1",
        "track_id": "a1",
        "reasons": [],
        "saved": [],
        "path": "songs/a1.mp3",
        "errno": None,
        "strerror": None,
        "filename": "songs/a1.mp3",
    }


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            ValueError("boom"), {"type": "ValueError", "message": "boom"}, id="builtin"
        ),
        pytest.param(
            json.JSONDecodeError("Expecting value", "", 0),
            {
                "type": "json.decoder.JSONDecodeError",
                "message": "Expecting value: line 1 column 1 (char 0)",
            },
            id="qualified",
        ),
    ],
)
def test_foreign_error_to_dict(error: Exception, expected: dict[str, Any]) -> None:
    """Another exception is its qualified type name and its str()."""
    assert TaskOutcome(task_id="t1", error=error).to_dict()["error"] == expected


def test_to_json_is_compact_with_sorted_keys() -> None:
    """to_json is the compact JSON of to_dict, keys sorted."""
    track = Track(id="é1", tags=("x",), duration=3.5)
    assert track.to_json() == (
        '{"audio_url":null,"created_at":null,"duration":3.5,"id":"é1",'
        '"image_url":null,"model_name":null,"prompt":null,"source_audio_url":null,'
        '"source_image_url":null,"source_stream_audio_url":null,'
        '"stream_audio_url":null,"tags":["x"],"title":null}'
    )


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(TRACK, id="track"),
        pytest.param(RECORD, id="record"),
        pytest.param(EVENT, id="event"),
        pytest.param(TaskOutcome(task_id="t1", record=RECORD), id="outcome-record"),
        pytest.param(TaskOutcome(task_id="t2", error=WAIT_TIMEOUT), id="outcome-error"),
    ],
)
def test_to_json_reads_back_as_to_dict(
    model: Track | TaskRecord | TaskEvent | TaskOutcome,
) -> None:
    """The JSON holds exactly the dict: nothing in it needs a custom encoder."""
    assert json.loads(model.to_json()) == model.to_dict()


def test_to_dict_is_a_copy() -> None:
    """Changing the dict does not change the record's raw or param."""
    written = RECORD.to_dict()
    written["raw"]["futureField"].append("added")
    written["param"]["model"] = "V4"
    assert RECORD.raw["futureField"] == [1, 2.5, None, {"nested": True}]
    assert RECORD.param["model"] == "V5"


def test_to_dict_keeps_more_than_to_jsonable() -> None:
    """to_dict is to_jsonable (the CLI's --json) plus param_raw and raw."""
    assert RECORD.to_dict() == {
        **to_jsonable(RECORD),
        "param_raw": RECORD.param_raw,
        "raw": RECORD.raw,
    }


# -- round trips --------------------------------------------------------------------


@pytest.mark.parametrize(
    "track",
    [
        pytest.param(TRACK, id="full"),
        pytest.param(Track(id=""), id="empty"),
        pytest.param(
            Track(id="n", created_at=datetime(2026, 4, 16, 11, 47, 52)), id="naive-time"
        ),
    ],
)
def test_track_round_trip(track: Track) -> None:
    """Track.from_dict gives back an equal track."""
    assert Track.from_dict(track.to_dict()) == track


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(RECORD, id="tracks-param-raw"),
        pytest.param(FAILED, id="failed-with-code"),
        pytest.param(
            TaskRecord(task_id="t", status=TaskStatus.UNKNOWN, status_raw="QUEUED_V2"),
            id="unknown-status",
        ),
        pytest.param(
            attrs.evolve(FAILED, error_code="E_TIMEOUT", parent_music_id="p1"),
            id="string-code",
        ),
        pytest.param(
            attrs.evolve(RECORD, param={}, param_raw="{model: V5"), id="garbled-param"
        ),
    ],
)
def test_record_round_trip(record: TaskRecord) -> None:
    """TaskRecord.from_dict gives back an equal record."""
    assert TaskRecord.from_dict(record.to_dict()) == record


def test_unknown_status_round_trips_through_status_raw() -> None:
    """An unknown status is written as UNKNOWN; its string lives in status_raw."""
    record = TaskRecord(task_id="t", status=TaskStatus.UNKNOWN, status_raw="QUEUED_V2")
    written = record.to_dict()
    assert (written["status"], written["status_raw"]) == ("UNKNOWN", "QUEUED_V2")
    assert TaskRecord.from_dict(written).status_raw == "QUEUED_V2"


def test_status_reads_back_from_its_value() -> None:
    """A status is written as its value, and TaskStatus(value) reads it."""
    assert [TaskStatus(RECORD.to_dict()["status"])] == [TaskStatus.FIRST_SUCCESS]


def test_offset_survives_json() -> None:
    """A time read back from JSON has the same instant and offset."""
    track = Track.from_dict(json.loads(TRACK.to_json()))
    assert track.created_at is not None
    assert (track.created_at, track.created_at.utcoffset()) == (
        TRACK.created_at,
        timedelta(hours=8),
    )


def test_record_round_trip_through_json() -> None:
    """A record survives to_json, json.loads and from_dict."""
    assert TaskRecord.from_dict(json.loads(RECORD.to_json())) == RECORD


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(EVENT, id="full"),
        pytest.param(
            TaskEvent(
                task_id="t2",
                status=TaskStatus.TEXT_SUCCESS,
                previous=None,
                record=FAILED,
            ),
            id="no-previous",
        ),
    ],
)
def test_event_round_trip(event: TaskEvent) -> None:
    """TaskEvent.from_dict gives back an equal event."""
    assert TaskEvent.from_dict(event.to_dict()) == event


def test_outcome_with_record_round_trip() -> None:
    """An outcome with a record reads back equal."""
    outcome = TaskOutcome(task_id="t1", record=RECORD)
    assert TaskOutcome.from_dict(outcome.to_dict()) == outcome


def test_every_sdk_error_has_a_sample() -> None:
    """ERRORS covers every exception class of the error tree."""
    tree = {
        value
        for name in suno_errors.__all__
        if isinstance(value := getattr(suno_errors, name), type)
        and issubclass(value, SunoError)
    }
    assert {type(error) for error in ERRORS} == tree


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_sdk_error_round_trip(error: Exception) -> None:
    """An SDK error reads back as its class with the same str() and attributes."""
    assert comparable(round_trip(error)) == comparable(error)


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_sdk_error_round_trip_through_json(error: Exception) -> None:
    """The same holds through to_json and json.loads."""
    outcome = TaskOutcome(task_id="t1", error=error)
    read = TaskOutcome.from_dict(json.loads(outcome.to_json()))
    assert comparable(read.error) == comparable(error)


def test_rebuilt_wait_timeout_is_caused_by_its_last_error() -> None:
    """As when raised, a rebuilt WaitTimeoutError's __cause__ is its last_error."""
    rebuilt = round_trip(WAIT_TIMEOUT)
    assert isinstance(rebuilt, WaitTimeoutError)
    assert rebuilt.__cause__ is rebuilt.last_error
    assert isinstance(rebuilt.last_error, ServiceUnavailableError)


def test_rebuilt_task_failure_keeps_its_properties() -> None:
    """status, error_code and error_message come back through the record."""
    rebuilt = round_trip(SensitiveContentError(FAILED))
    assert isinstance(rebuilt, SensitiveContentError)
    assert (rebuilt.status, rebuilt.error_code, rebuilt.error_message) == (
        TaskStatus.SENSITIVE_WORD_ERROR,
        400,
        "Lyrics contained copyrighted material.",
    )


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(ValueError("boom"), "ValueError: boom", id="builtin"),
        pytest.param(
            KeyError("taskId"), "KeyError: 'taskId'", id="str-differs-from-args"
        ),
        pytest.param(
            json.JSONDecodeError("Expecting value", "", 0),
            "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
            id="qualified",
        ),
    ],
)
def test_foreign_error_reads_back_as_suno_error(error: Exception, message: str) -> None:
    """Another exception reads back as a SunoError naming the original type."""
    rebuilt = round_trip(error)
    assert (type(rebuilt), str(rebuilt)) == (SunoError, message)


def test_foreign_sunoerror_subclass_is_foreign() -> None:
    """An application's own SunoError subclass is written as a foreign error."""

    class AppError(SunoError):
        pass

    written = TaskOutcome(task_id="t1", error=AppError("no")).to_dict()["error"]
    assert written == {
        "type": f"{__name__}.{AppError.__qualname__}",
        "message": "no",
    }


def test_from_dict_copies_its_input() -> None:
    """The record read does not share raw or param with the dict given."""
    written = RECORD.to_dict()
    record = TaskRecord.from_dict(written)
    written["raw"]["futureField"].append("added")
    written["param"]["model"] = "V4"
    assert record == RECORD


def test_unknown_keys_are_ignored() -> None:
    """A dict from a newer version, with fields this one lacks, still reads."""
    assert Track.from_dict({**TRACK_DICT, "lyrics": "la la"}) == TRACK


def test_missing_optional_fields_take_their_defaults() -> None:
    """Only the required fields must be present."""
    assert TaskRecord.from_dict(
        {"task_id": "t", "status": "PENDING", "status_raw": "PENDING"}
    ) == TaskRecord(task_id="t", status=TaskStatus.PENDING, status_raw="PENDING")


def test_utc_z_suffix_reads() -> None:
    """An ISO 8601 time ending in Z reads as UTC (Python 3.10 included)."""
    track = Track.from_dict({"id": "a", "created_at": "2026-04-16T11:47:52Z"})
    assert track.created_at == datetime(2026, 4, 16, 11, 47, 52, tzinfo=UTC)


@given(records)
def test_any_decoded_record_round_trips(data: dict[str, Any]) -> None:
    """Whatever record decode_record made from the wire, from_dict(to_dict) is equal."""
    record = decode_record(data)
    assert TaskRecord.from_dict(record.to_dict()) == record


# -- malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        pytest.param(
            Track,
            ["a1"],
            "not a Track dict: expected an object, got an array @ $",
            id="not-an-object",
        ),
        pytest.param(
            Track,
            {"title": "x"},
            "not a Track dict: required field missing @ $.id",
            id="missing-field",
        ),
        pytest.param(
            Track,
            {"id": 7, "tags": "rock, pop", "duration": "3.5", "created_at": "soon"},
            "not a Track dict: expected a string, got a number @ $.id; "
            "expected an array, got a string @ $.tags; "
            "expected an ISO 8601 time, got 'soon' @ $.created_at; "
            "expected a number, got a string @ $.duration",
            id="wrong-types",
        ),
        pytest.param(
            Track,
            {"id": "a", "tags": ["rock", None]},
            "not a Track dict: expected a string, got null @ $.tags[1]",
            id="bad-item",
        ),
        pytest.param(
            TaskRecord,
            {"task_id": "t9", "status": "QUEUED_V2", "status_raw": "QUEUED_V2"},
            "not a TaskRecord dict: expected a TaskStatus value, got 'QUEUED_V2' "
            "@ $.status (task t9)",
            id="unknown-status",
        ),
        pytest.param(
            TaskRecord,
            {**RECORD_DICT, "error_code": 4.5, "raw": [], "tracks": [{"id": None}]},
            "not a TaskRecord dict: expected an integer, got a number @ $.error_code; "
            "expected an object, got an array @ $.raw; "
            "expected a string, got null @ $.tracks[0].id (task t1)",
            id="nested",
        ),
        pytest.param(
            TaskEvent,
            {"task_id": "t1", "status": "SUCCESS", "previous": None, "polls": True},
            "not a TaskEvent dict: required field missing @ $.record; "
            "expected an integer, got a boolean @ $.polls (task t1)",
            id="event",
        ),
        pytest.param(
            TaskOutcome,
            {"task_id": "t1", "error": {"type": "TaskFailedError", "message": "m"}},
            "not a TaskOutcome dict: a TaskFailedError needs record @ $.error "
            "(task t1)",
            id="error-without-its-argument",
        ),
        pytest.param(
            TaskOutcome,
            {"task_id": "t1", "error": {"type": "RateLimitError", "code": "429"}},
            "not a TaskOutcome dict: required field missing @ $.error.message; "
            "expected an integer, got a string @ $.error.code (task t1)",
            id="error-fields",
        ),
        pytest.param(
            TaskOutcome,
            {
                "task_id": "t1",
                "error": {"type": "TaskFailedError", "message": "m", "record": None},
            },
            "not a TaskOutcome dict: cannot build a TaskFailedError: "
            "AttributeError(\"'NoneType' object has no attribute 'error_message'\") "
            "@ $.error (task t1)",
            id="error-that-cannot-be-built",
        ),
    ],
)
def test_malformed_input_is_a_decode_error(
    cls: type[Track | TaskRecord | TaskEvent | TaskOutcome], data: Any, message: str
) -> None:
    """from_dict raises DecodeError listing every problem and where it is."""
    with pytest.raises(DecodeError) as info:
        cls.from_dict(data)
    assert str(info.value) == message
    assert 0 < len(info.value.excerpt) <= DecodeError.EXCERPT_CHARS


def test_malformed_input_chains_the_cattrs_error() -> None:
    """The DecodeError's cause is cattrs' own report, for debugging."""
    with pytest.raises(DecodeError) as info:
        Track.from_dict({})
    assert type(info.value.__cause__).__name__ == "ClassValidationError"


def test_hostile_mapping_is_a_decode_error() -> None:
    """Even a mapping that fails on every read raises DecodeError, chained."""

    class Exploding(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            raise RuntimeError("boom")

        def get(self, key: str, default: Any = None) -> Any:
            raise RuntimeError("boom")

    with pytest.raises(DecodeError, match="not a Track dict") as info:
        Track.from_dict(Exploding(id="a"))
    assert info.value.task_id is None

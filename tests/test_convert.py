"""Decoding the wire into models, and models back into JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from suno_async._core.convert import (
    CODEC,
    JsonCodec,
    decode_record,
    decode_track,
    dumps,
    json_codec,
    loads,
    parse_datetime,
    to_jsonable,
)
from suno_async._core.errors import DecodeError, SensitiveContentError
from suno_async._core.models import (
    TaskEvent,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    Track,
)

WIRE = Path(__file__).parent / "data" / "wire"
UTC = timezone.utc
CREATED = datetime(2026, 4, 16, 11, 47, 52, tzinfo=UTC)  # 1776340072000 ms


def wire(name: str) -> dict[str, Any]:
    """The ``data`` object of a recorded record-info answer."""
    data: dict[str, Any] = json.loads((WIRE / name).read_text("utf-8"))["data"]
    return data


def record(data: dict[str, Any], **fields: Any) -> TaskRecord:
    """A hand-built record whose ``raw`` is ``data``, ``task_id`` its taskId."""
    fields.setdefault("task_id", data["taskId"])
    return TaskRecord(raw=data, **fields)


FIRST_TRACK = Track(
    id="8551f8b2-3c1e-4d2a-9f0b-6a7e5d4c3b2a",
    audio_url="https://musicfile.example.com/8551f8b2.mp3",
    stream_audio_url="https://musicfile.example.com/ODU1MWY4YjI",
    image_url="https://musicfile.example.com/8551f8b2.jpeg",
    source_audio_url="https://cdn1.example.com/8551f8b2.mp3",
    source_stream_audio_url="https://audiopipe.example.com/?item_id=8551f8b2",
    source_image_url="https://cdn2.example.com/image_8551f8b2.jpeg",
    model_name="chirp-crow",
    title="Quiet Keys",
    tags=("calm", "piano", "ambient"),
    created_at=datetime(2026, 4, 16, 11, 48, 55, tzinfo=UTC),
    duration=176.32,
)
V4_PARAM_RAW = (
    '{"callBackUrl":"https://example.com/hook","customMode":true,'
    '"instrumental":false,"model":"V4","prompt":"Rain on the window",'
    '"style":"Classical","title":"Rainy Memories"}'
)
V4_PARAM = {
    "callBackUrl": "https://example.com/hook",
    "customMode": True,
    "instrumental": False,
    "model": "V4",
    "prompt": "Rain on the window",
    "style": "Classical",
    "title": "Rainy Memories",
}


# -- whole records ----------------------------------------------------------------


def test_seed_document_example() -> None:
    """The documented example decodes, zone-less createTime read as UTC."""
    data = wire("seed_example.json")
    assert decode_record(data) == record(
        data,
        status=TaskStatus.SUCCESS,
        status_raw="SUCCESS",
        tracks=(
            Track(
                id="e231****-****-****-****-****8cadc7dc",
                audio_url="https://example.cn/****.mp3",
                stream_audio_url="https://example.cn/****",
                image_url="https://example.cn/****.jpeg",
                prompt="[Verse] 夜晚城市 灯火辉煌",
                model_name="chirp-v3-5",
                title="钢铁侠",
                tags=("electrifying", "rock"),
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
                duration=198.44,
            ),
        ),
        model_family="GENERATE",
        param={
            "prompt": "A calm piano track",
            "style": "Classical",
            "title": "Peaceful Piano",
            "customMode": True,
            "instrumental": True,
            "model": "V3_5",
        },
        param_raw=data["param"],
    )


def test_pending_record_as_really_sent() -> None:
    """PENDING: response null, epoch-ms createTime, parentMusicId "" is None."""
    data = wire("pending.json")
    assert decode_record(data) == record(
        data,
        status=TaskStatus.PENDING,
        status_raw="PENDING",
        operation_type="generate",
        model_family="chirp-v4",
        param=V4_PARAM,
        param_raw=V4_PARAM_RAW,
        created_at=CREATED,
    )


def test_text_success_has_stream_urls_and_empty_audio() -> None:
    """TEXT_SUCCESS: empty URLs are None, null duration stays None."""
    data = wire("text_success.json")
    streamed: dict[str, Any] = {
        "prompt": "[Verse]\nRain on the window",
        "model_name": "chirp-v4",
        "title": "Rainy Memories",
        "tags": ("Classical",),
        "created_at": datetime(2026, 4, 16, 11, 48, 20, tzinfo=UTC),
    }
    assert decode_record(data) == record(
        data,
        status=TaskStatus.TEXT_SUCCESS,
        status_raw="TEXT_SUCCESS",
        tracks=(
            Track(
                id="8551f8b2-3c1e-4d2a-9f0b-6a7e5d4c3b2a",
                stream_audio_url="https://musicfile.example.com/ODU1MWY4YjI",
                source_stream_audio_url="https://audiopipe.example.com/?item_id=8551f8b2",
                **streamed,
            ),
            Track(
                id="c0a3e9d1-7b6f-4e5a-8c2d-1f0e9d8c7b6a",
                stream_audio_url="https://musicfile.example.com/YzBhM2U5ZDE",
                source_stream_audio_url="https://audiopipe.example.com/?item_id=c0a3e9d1",
                **streamed,
            ),
        ),
        operation_type="generate",
        model_family="chirp-v4",
        param=V4_PARAM,
        param_raw=V4_PARAM_RAW,
        created_at=CREATED,
    )


def test_first_success_with_source_urls_and_unknown_fields() -> None:
    """FIRST_SUCCESS: source URLs read; undocumented fields only land in raw."""
    data = wire("first_success.json")
    assert decode_record(data) == record(
        data,
        status=TaskStatus.FIRST_SUCCESS,
        status_raw="FIRST_SUCCESS",
        tracks=(
            FIRST_TRACK,
            Track(
                id="c0a3e9d1-7b6f-4e5a-8c2d-1f0e9d8c7b6a",
                stream_audio_url="https://musicfile.example.com/YzBhM2U5ZDE",
                image_url="https://musicfile.example.com/c0a3e9d1.jpeg",
                source_stream_audio_url="https://audiopipe.example.com/?item_id=c0a3e9d1",
                source_image_url="https://cdn2.example.com/image_c0a3e9d1.jpeg",
                model_name="chirp-crow",
                title="Quiet Keys",
                tags=("calm", "piano", "ambient"),
                created_at=datetime(2026, 4, 16, 11, 48, 55, tzinfo=UTC),
            ),
        ),
        operation_type="generate",
        model_family="chirp-crow",
        param={
            "callBackUrl": "https://example.com/hook",
            "customMode": False,
            "instrumental": True,
            "model": "V5",
            "prompt": "a calm piano piece",
        },
        param_raw=data["param"],
        created_at=CREATED,
    )
    assert decode_record(data).raw["newFieldNobodyDocumented"] == {"a": [1, 2]}


def test_failure_with_string_error_code() -> None:
    """A failure: errorCode "400" is 400, empty sunoData, empty param kept raw."""
    data = wire("sensitive_word_error.json")
    decoded = decode_record(data)
    assert decoded == record(
        data,
        status=TaskStatus.SENSITIVE_WORD_ERROR,
        status_raw="SENSITIVE_WORD_ERROR",
        operation_type="generate",
        model_family="chirp-auk",
        param={},
        param_raw="",
        error_code=400,
        error_message="Lyrics contained copyrighted material.",
        created_at=CREATED,
    )
    assert str(SensitiveContentError(decoded)) == (
        "task 7d1e0c9b8a7f6e5d4c3b2a1908f7e6d5 failed: SENSITIVE_WORD_ERROR "
        "(error code 400): Lyrics contained copyrighted material."
    )


def test_extend_with_unknown_status_and_garbage_param() -> None:
    """An unknown status decodes as UNKNOWN; param that is not JSON gives {}."""
    data = wire("extend_unknown_status.json")
    assert decode_record(data) == record(
        data,
        status=TaskStatus.UNKNOWN,
        status_raw="QUEUED_FOR_MIXING",
        operation_type="extend",
        model_family="chirp-bluejay",
        param={},
        param_raw="{not json",
        parent_music_id="8551f8b2-3c1e-4d2a-9f0b-6a7e5d4c3b2a",
        created_at=datetime(2026, 4, 16, 11, 47, 52, 250000, tzinfo=UTC),
    )


def test_callback_track_equals_record_info_track() -> None:
    """A snake_case callback track decodes to the same Track as camelCase."""
    callback_track = wire("callback_complete.json")["data"][0]
    record_info_track = wire("first_success.json")["response"]["sunoData"][0]
    assert (
        decode_track(callback_track) == decode_track(record_info_track) == FIRST_TRACK
    )


# -- single fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1776340072000, CREATED, id="epoch-ms-int"),
        pytest.param(
            1776340072250, CREATED.replace(microsecond=250000), id="ms-fraction"
        ),
        pytest.param(1776340072000.0, CREATED, id="epoch-ms-float"),
        pytest.param(1776340072, CREATED, id="epoch-seconds"),
        pytest.param("1776340072000", CREATED, id="numeric-string-ms"),
        pytest.param(" 1776340072 ", CREATED, id="numeric-string-seconds"),
        pytest.param("2026-04-16 11:47:52", CREATED, id="documented-zone-less"),
        pytest.param("2026-04-16T11:47:52", CREATED, id="iso-zone-less"),
        pytest.param("2026-04-16T11:47:52Z", CREATED, id="iso-z"),
        pytest.param("2026-04-16T19:47:52+08:00", CREATED, id="iso-offset"),
        pytest.param(
            "2026-04-16T11:47:52.123456Z",
            CREATED.replace(microsecond=123456),
            id="iso-microseconds",
        ),
        pytest.param(datetime(2026, 4, 16, 11, 47, 52), CREATED, id="naive-datetime"),
        pytest.param(
            datetime(2026, 4, 16, 14, 47, 52, tzinfo=timezone(timedelta(hours=3))),
            CREATED,
            id="aware-datetime",
        ),
    ],
)
def test_create_time_formats(value: object, expected: datetime) -> None:
    """Every createTime format becomes the same aware UTC datetime."""
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
        pytest.param("soon", id="words"),
        pytest.param("2026-13-01 00:00:00", id="month-13"),
        pytest.param(True, id="bool"),
        pytest.param([1776340072000], id="list"),
        pytest.param(float("nan"), id="nan"),
        pytest.param("inf", id="inf-string"),
        pytest.param(10**30, id="out-of-range"),
    ],
)
def test_unreadable_create_time_is_none(value: object) -> None:
    """A timestamp that cannot be read is None, not an error."""
    assert parse_datetime(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(400, 400, id="int"),
        pytest.param("400", 400, id="numeric-string"),
        pytest.param(" 413 ", 413, id="padded-string"),
        pytest.param(408.0, 408, id="integral-float"),
        pytest.param("E_TIMEOUT", "E_TIMEOUT", id="word-string"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="null"),
        pytest.param(True, None, id="bool"),
        pytest.param(4.5, None, id="fractional-float"),
        pytest.param(2.0**64, None, id="huge-float"),
        pytest.param("18446744073709551616", "18446744073709551616", id="huge-string"),
        pytest.param({"code": 400}, None, id="object"),
    ],
)
def test_error_code_variants(value: object, expected: int | str | None) -> None:
    """errorCode is an int when it reads as one, else the string, else None."""
    assert decode_record({"taskId": "t", "errorCode": value}).error_code == expected


@pytest.mark.parametrize(
    ("value", "param", "param_raw"),
    [
        pytest.param(
            '{"model":"V4_5"}', {"model": "V4_5"}, '{"model":"V4_5"}', id="json"
        ),
        pytest.param({"model": "V4_5"}, {"model": "V4_5"}, None, id="object"),
        pytest.param("", {}, "", id="empty"),
        pytest.param("{model: V4_5", {}, "{model: V4_5", id="garbage"),
        pytest.param("[1, 2]", {}, "[1, 2]", id="json-not-object"),
        pytest.param(None, {}, None, id="null"),
        pytest.param(42, {}, None, id="number"),
    ],
)
def test_param_variants(
    value: object, param: dict[str, Any], param_raw: str | None
) -> None:
    """param is the decoded mapping or {}; param_raw the string as sent."""
    decoded = decode_record({"taskId": "t", "param": value})
    assert (decoded.param, decoded.param_raw) == (param, param_raw)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("rock, pop ,, lo-fi ", ("rock", "pop", "lo-fi"), id="string"),
        pytest.param(["rock", " pop ", "", 7, None], ("rock", "pop"), id="list"),
        pytest.param("", (), id="empty"),
        pytest.param(None, (), id="null"),
        pytest.param(7, (), id="number"),
    ],
)
def test_tags_variants(value: object, expected: tuple[str, ...]) -> None:
    """tags become a tuple of stripped, non-empty tags."""
    assert decode_track({"id": "a", "tags": value}).tags == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(198.44, 198.44, id="float"),
        pytest.param(198, 198.0, id="int"),
        pytest.param("198.44", 198.44, id="numeric-string"),
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param(True, None, id="bool"),
        pytest.param("NaN", None, id="nan"),
        pytest.param(10**400, None, id="overflow"),
        pytest.param([1], None, id="list"),
    ],
)
def test_duration_variants(value: object, expected: float | None) -> None:
    """duration is a finite float or None."""
    assert decode_track({"id": "a", "duration": value}).duration == expected


@pytest.mark.parametrize(
    ("value", "status", "status_raw"),
    [
        pytest.param("SUCCESS", TaskStatus.SUCCESS, "SUCCESS", id="known"),
        pytest.param(
            " first_success", TaskStatus.FIRST_SUCCESS, " first_success", id="sloppy"
        ),
        pytest.param("MIXING", TaskStatus.UNKNOWN, "MIXING", id="unknown"),
        pytest.param(None, TaskStatus.UNKNOWN, "", id="null"),
        pytest.param(3, TaskStatus.UNKNOWN, "", id="number"),
    ],
)
def test_status_variants(value: object, status: TaskStatus, status_raw: str) -> None:
    """Unknown statuses are UNKNOWN with the raw string kept."""
    decoded = decode_record({"taskId": "t", "status": value})
    assert (decoded.status, decoded.status_raw) == (status, status_raw)


def test_missing_status_is_unknown() -> None:
    """A record without a status is UNKNOWN with an empty status_raw."""
    assert decode_record({"taskId": "t"}) == record(
        {"taskId": "t"}, status=TaskStatus.UNKNOWN, status_raw=""
    )


def test_wrong_typed_fields_become_none() -> None:
    """Wrong-typed optional fields are None, not a failed record."""
    data = {
        "taskId": "t",
        "status": "SUCCESS",
        "type": 4,
        "operationType": ["generate"],
        "parentMusicId": False,
        "errorMessage": {"text": "?"},
        "createTime": {},
        "response": {"sunoData": [{"id": 5, "audioUrl": 1, "title": [], "prompt": 2}]},
    }
    assert decode_record(data) == record(
        data, status=TaskStatus.SUCCESS, status_raw="SUCCESS", tracks=(Track(id="5"),)
    )


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(None, id="null"),
        pytest.param({}, id="no-sunoData"),
        pytest.param({"sunoData": None}, id="null-sunoData"),
        pytest.param({"sunoData": []}, id="empty-sunoData"),
        pytest.param({"sunoData": "x"}, id="string-sunoData"),
        pytest.param("x", id="string"),
    ],
)
def test_no_tracks(response: object) -> None:
    """A missing, empty or odd response gives no tracks."""
    assert decode_record({"taskId": "t", "response": response}).tracks == ()


def test_track_entries_that_are_not_objects_are_skipped() -> None:
    """Non-object sunoData entries are skipped; one without an id keeps id ""."""
    data = {"taskId": "t", "response": {"sunoData": [None, "x", {"title": "kept"}]}}
    assert decode_record(data).tracks == (Track(id="", title="kept"),)


def test_snake_case_fills_null_camel_case() -> None:
    """In a mixed track, a null camelCase value gives way to its snake_case twin."""
    track = {"id": "a", "audioUrl": None, "audio_url": "https://a", "create_time": 0}
    assert decode_track(track) == Track(
        id="a", audio_url="https://a", created_at=datetime(1970, 1, 1, tzinfo=UTC)
    )


# -- task ids and errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "task_id", "expected"),
    [
        pytest.param({"taskId": "abc"}, None, "abc", id="taskId"),
        pytest.param({"task_id": "abc"}, None, "abc", id="task_id"),
        pytest.param({"taskId": 123}, None, "123", id="int"),
        pytest.param({}, "abc", "abc", id="argument"),
        pytest.param({"taskId": ""}, "abc", "abc", id="empty-then-argument"),
        pytest.param({"taskId": "abc"}, "zzz", "abc", id="data-wins"),
    ],
)
def test_task_id_sources(
    data: dict[str, Any], task_id: str | None, expected: str
) -> None:
    """The task id comes from data, else from the argument."""
    assert decode_record(data, task_id=task_id).task_id == expected


def test_no_task_id_is_a_decode_error() -> None:
    """A record with no usable task id raises DecodeError."""
    with pytest.raises(DecodeError, match="names no task") as info:
        decode_record({"taskId": None, "status": "PENDING"})
    assert info.value.excerpt == "{'status': 'PENDING', 'taskId': None}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(None, "record-info data is a NoneType (task t1)", id="null"),
        pytest.param(
            [{"taskId": "t1"}], "record-info data is a list (task t1)", id="list"
        ),
        pytest.param(
            "x" * 500, "record-info data is a str (task t1)", id="long-string"
        ),
    ],
)
def test_data_that_is_not_an_object(data: object, message: str) -> None:
    """data that is not a mapping raises DecodeError with a bounded excerpt."""
    with pytest.raises(DecodeError) as info:
        decode_record(data, task_id="t1")
    assert (str(info.value), info.value.task_id) == (message, "t1")
    assert 0 < len(info.value.excerpt) <= DecodeError.EXCERPT_CHARS


class ExplodingMapping(Mapping[str, Any]):
    """A mapping whose every read fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(["taskId"])

    def __len__(self) -> int:
        return 1


def test_a_hostile_mapping_is_a_decode_error() -> None:
    """Even a mapping that raises on reads gives DecodeError, chained."""
    with pytest.raises(DecodeError, match="unreadable record-info data") as info:
        decode_record(ExplodingMapping(), task_id="t1")
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(DecodeError, match="unreadable track: RuntimeError"):
        decode_track(ExplodingMapping())


def test_track_that_is_not_an_object() -> None:
    """decode_track raises DecodeError for a non-mapping."""
    with pytest.raises(DecodeError, match="a track is a list"):
        decode_track(["id"])


# -- properties ---------------------------------------------------------------------

RECORD_KEYS = ["taskId", "status", "response", "param", "type", "operationType"]
RECORD_KEYS += ["errorCode", "errorMessage", "createTime", "parentMusicId"]
TRACK_KEYS = ["id", "audioUrl", "audio_url", "streamAudioUrl", "stream_audio_url"]
TRACK_KEYS += ["sourceAudioUrl", "sourceStreamAudioUrl", "source_image_url"]
TRACK_KEYS += ["imageUrl", "modelName", "model_name"]
TRACK_KEYS += ["tags", "createTime", "create_time", "duration", "title", "prompt"]

# Integers as orjson reads them: larger ones arrive as floats.
integers = st.integers(-(2**63), 2**64 - 1)
scalars = st.none() | st.booleans() | integers | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(RECORD_KEYS) | st.text(max_size=6), children)
    ),
    max_leaves=20,
)
timestamps = integers | st.floats() | st.text() | st.datetimes().map(str)
tracks = st.dictionaries(
    st.sampled_from(TRACK_KEYS) | st.text(max_size=6),
    json_values | timestamps,
    max_size=10,
)
records = st.fixed_dictionaries(
    {"taskId": st.text(min_size=1, max_size=12).filter(str.strip)},
    optional={
        "status": st.sampled_from([s.value for s in TaskStatus]) | json_values,
        "response": st.fixed_dictionaries({"sunoData": st.lists(tracks | json_values)})
        | json_values,
        "param": json_values.map(json.dumps) | json_values,
        "errorCode": json_values,
        "createTime": timestamps | json_values,
        "extra": json_values,
    },
)


@given(json_values)
def test_any_json_value_decodes_or_raises_decode_error(data: Any) -> None:
    """Whatever JSON arrives, decode_record returns a record or raises DecodeError."""
    try:
        decoded = decode_record(data)
    except DecodeError:
        return
    assert decoded.raw is data


@given(records)
def test_any_object_with_a_task_id_decodes(data: dict[str, Any]) -> None:
    """Field by field tolerance: an object naming its task always decodes."""
    decoded = decode_record(data)
    assert (decoded.task_id, decoded.raw) == (data["taskId"].strip(), data)
    dumps(to_jsonable(decoded))  # and it can always be written back out


@given(timestamps | json_values)
def test_parse_datetime_gives_utc_or_none(value: Any) -> None:
    """parse_datetime never raises and never returns a naive or non-UTC time."""
    parsed = parse_datetime(value)
    assert parsed is None or parsed.tzinfo is UTC


@given(json_values | tracks)
def test_any_json_value_is_a_track_or_decode_error(obj: Any) -> None:
    """decode_track never raises anything but DecodeError."""
    try:
        decode_track(obj)
    except DecodeError:
        assert not isinstance(obj, dict)


# -- back to JSON -------------------------------------------------------------------


def test_to_jsonable_record() -> None:
    """Records become JSON types; raw and param_raw are left out."""
    data = wire("first_success.json")
    decoded = decode_record(data)
    decoded = attrs.evolve(decoded, tracks=decoded.tracks[:1])
    assert to_jsonable(decoded) == {
        "task_id": "2fac5b2c0a8d4e4f9c1d3b7a6e5f4d3c",
        "status": "FIRST_SUCCESS",
        "status_raw": "FIRST_SUCCESS",
        "tracks": [
            {
                "id": "8551f8b2-3c1e-4d2a-9f0b-6a7e5d4c3b2a",
                "audio_url": "https://musicfile.example.com/8551f8b2.mp3",
                "stream_audio_url": "https://musicfile.example.com/ODU1MWY4YjI",
                "image_url": "https://musicfile.example.com/8551f8b2.jpeg",
                "source_audio_url": "https://cdn1.example.com/8551f8b2.mp3",
                "source_stream_audio_url": "https://audiopipe.example.com/?item_id=8551f8b2",
                "source_image_url": "https://cdn2.example.com/image_8551f8b2.jpeg",
                "prompt": None,
                "model_name": "chirp-crow",
                "title": "Quiet Keys",
                "tags": ["calm", "piano", "ambient"],
                "created_at": "2026-04-16T11:48:55+00:00",
                "duration": 176.32,
            }
        ],
        "operation_type": "generate",
        "model_family": "chirp-crow",
        "param": {
            "callBackUrl": "https://example.com/hook",
            "customMode": False,
            "instrumental": True,
            "model": "V5",
            "prompt": "a calm piano piece",
        },
        "parent_music_id": None,
        "error_code": None,
        "error_message": None,
        "created_at": "2026-04-16T11:47:52+00:00",
    }


PENDING = TaskRecord(task_id="t", status=TaskStatus.PENDING, status_raw="PENDING")
PENDING_JSON: dict[str, Any] = {
    "task_id": "t",
    "status": "PENDING",
    "status_raw": "PENDING",
    "tracks": [],
    "operation_type": None,
    "model_family": None,
    "param": {},
    "parent_music_id": None,
    "error_code": None,
    "error_message": None,
    "created_at": None,
}


def test_to_jsonable_event() -> None:
    """Events carry their statuses as values and their record as JSON."""
    event = TaskEvent(
        task_id="t",
        status=TaskStatus.TEXT_SUCCESS,
        previous=None,
        record=PENDING,
        inferred=True,
        elapsed=1.5,
        polls=2,
    )
    assert to_jsonable(event) == {
        "task_id": "t",
        "status": "TEXT_SUCCESS",
        "previous": None,
        "record": PENDING_JSON,
        "inferred": True,
        "elapsed": 1.5,
        "polls": 2,
        "retries": 0,
    }


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param(
            TaskOutcome(task_id="t", record=PENDING),
            {"task_id": "t", "record": PENDING_JSON, "error": None},
            id="record",
        ),
        pytest.param(
            TaskOutcome(task_id="t", error=DecodeError("bad body", task_id="t")),
            {
                "task_id": "t",
                "record": None,
                "error": {"type": "DecodeError", "message": "bad body (task t)"},
            },
            id="error",
        ),
    ],
)
def test_to_jsonable_outcome(outcome: TaskOutcome, expected: dict[str, Any]) -> None:
    """Outcomes hold a record, or an error as its type name and message."""
    assert to_jsonable(outcome) == expected


def test_to_jsonable_track() -> None:
    """A bare track converts too."""
    assert to_jsonable(Track(id="a", tags=("x",))) == {
        "id": "a",
        "audio_url": None,
        "stream_audio_url": None,
        "image_url": None,
        "source_audio_url": None,
        "source_stream_audio_url": None,
        "source_image_url": None,
        "prompt": None,
        "model_name": None,
        "title": None,
        "tags": ["x"],
        "created_at": None,
        "duration": None,
    }


# -- JSON backends ------------------------------------------------------------------


@pytest.fixture(params=["orjson", "json"])
def codec(request: pytest.FixtureRequest) -> JsonCodec:
    """Each JSON backend in turn."""
    if request.param == "orjson":
        pytest.importorskip("orjson")
    return json_codec(use_orjson=request.param == "orjson")


def test_codec_name(codec: JsonCodec, request: pytest.FixtureRequest) -> None:
    """json_codec gives the backend asked for."""
    assert codec.name == request.node.callspec.params["codec"]


def test_codec_round_trip(codec: JsonCodec) -> None:
    """Both backends write the same compact UTF-8 and read it back."""
    value = {"a": [1, 2.5, None, True], "é": "ü"}
    body = codec.dumps(value)
    assert body == '{"a":[1,2.5,null,true],"é":"ü"}'.encode()
    assert codec.loads(body) == codec.loads(body.decode()) == value


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html>502 Bad Gateway</html>", id="html"),
        pytest.param(b'{"code": 200', id="truncated"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="too-deep"),
    ],
)
def test_codec_bad_json_is_value_error(codec: JsonCodec, body: bytes | str) -> None:
    """Both backends raise ValueError, and only that, for bodies that are not JSON."""
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is exactly ValueError
        codec.loads(body)


def test_codec_foreign_type_is_type_error(codec: JsonCodec) -> None:
    """Both backends refuse what JSON cannot hold with TypeError."""
    with pytest.raises(TypeError):
        codec.dumps({"when": object()})


def test_module_functions_use_the_fast_backend() -> None:
    """loads and dumps use orjson when it is importable."""
    pytest.importorskip("orjson")
    assert CODEC.name == "orjson"
    assert loads(dumps({"taskId": "t"})) == {"taskId": "t"}


def test_json_fallback_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the speed extra, json_codec falls back to the standard library."""
    monkeypatch.setitem(sys.modules, "orjson", None)
    assert json_codec().name == "json"

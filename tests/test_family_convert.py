"""Decoding the record-info ``data`` of every family but music (FAMILIES.md)."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_convert import integers, json_values, timestamps

from suno_async._core.errors import DecodeError
from suno_async._core.family_convert import (
    decode_family_record,
    family_status,
    midi_instruments,
    stem_name,
)
from suno_async._core.family_records import (
    CoverImageRecord,
    LyricsRecord,
    LyricsVariant,
    MidiInstrument,
    MidiNote,
    MidiRecord,
    SeparatedStem,
    VideoRecord,
    VocalRemovalRecord,
    WavRecord,
)
from suno_async._core.kinds import TaskKind
from suno_async._core.models import RecordBase, TaskStatus

UTC = timezone.utc
S = TaskStatus
FAMILIES = [kind for kind in TaskKind if kind is not TaskKind.MUSIC]
RECORD_TYPES: dict[TaskKind, type[RecordBase]] = {
    TaskKind.LYRICS: LyricsRecord,
    TaskKind.WAV: WavRecord,
    TaskKind.VOCAL_REMOVAL: VocalRemovalRecord,
    TaskKind.MIDI: MidiRecord,
    TaskKind.VIDEO: VideoRecord,
    TaskKind.COVER_IMAGE: CoverImageRecord,
}
#: Each family's status key (the other one is read when it is missing).
_R = TypeVar("_R", bound=RecordBase)


def decode(data: Any, cls: type[_R]) -> _R:
    """``data`` read as a ``cls`` record (its family's decoder)."""
    record = decode_family_record(data, cls.kind)
    assert type(record) is cls
    return record  # type: ignore[return-value]  # checked just above


STATUS_KEY = dict.fromkeys(FAMILIES, "successFlag") | {TaskKind.LYRICS: "status"}

# -- the examples of FAMILIES.md, ids spelled out -------------------------------------

LYRICS_TEXT = "[Verse]\nThe night is calm"
LYRICS_EXAMPLE: dict[str, Any] = {
    "taskId": "11dc4b2a8b0f",
    "param": '{"prompt":"A song about peaceful night"}',
    "response": {
        "taskId": "11dc4b2a8b0f",
        "data": [
            {
                "text": LYRICS_TEXT,
                "title": "Iron Man",
                "status": "complete",
                "errorMessage": "",
            }
        ],
    },
    "status": "SUCCESS",
    "type": "LYRICS",
    "errorCode": None,
    "errorMessage": None,
}
WAV_EXAMPLE: dict[str, Any] = {
    "taskId": "988e1b2cc8d3",
    "musicId": "e2319a7cc7dc",
    "callbackUrl": "https://example.com/hook",
    "musicIndex": 0,
    "completeTime": "2025-01-01 00:10:00",
    "response": {"audioWavUrl": "https://cdn.example.com/04e6e727.wav"},
    "successFlag": "SUCCESS",
    "createTime": "2025-01-01 00:00:00",
    "errorCode": None,
    "errorMessage": None,
}
VOCAL_REMOVAL_EXAMPLE: dict[str, Any] = {
    "taskId": "3e63a9f071e7",
    "musicId": "376c2d1e5ec2",
    "callbackUrl": "https://example.com/hook",
    "musicIndex": 0,
    "completeTime": 1753782937000,
    "response": {
        "id": None,
        "originUrl": None,
        "originData": [
            {
                "duration": 245.6,
                "audio_url": "https://cdn.example.com/vocals.mp3",
                "stem_type_group_name": "Vocals",
                "id": "3d70c4e1b172",
            }
        ],
        "instrumentalUrl": "https://cdn.example.com/x_Instrumental.mp3",
        "vocalUrl": "https://cdn.example.com/x_Vocals.mp3",
        "drumsUrl": None,
        "bassUrl": None,
    },
    "successFlag": "SUCCESS",
    "createTime": 1753782854000,
    "errorCode": None,
    "errorMessage": None,
}
MIDI_EXAMPLE: dict[str, Any] = {
    "taskId": "5c79d3a2be8e",
    "recordTaskId": -1,
    "audioId": "e2319a7cc7dc",
    "callbackUrl": "https://example.com/hook",
    "completeTime": 1760335255000,
    "midiData": {
        "state": "complete",
        "instruments": [
            {
                "name": "Drums",
                "notes": [{"pitch": 73, "start": 0.0365, "end": 0.1823, "velocity": 1}],
            }
        ],
    },
    "successFlag": 1,
    "createTime": 1760335251000,
    "errorCode": None,
    "errorMessage": None,
}
VIDEO_EXAMPLE: dict[str, Any] = {
    "taskId": "988e1b2cc8d3",
    "musicId": "e2319a7cc7dc",
    "callbackUrl": "https://example.com/hook",
    "musicIndex": 0,
    "completeTime": "2025-01-01 00:10:00",
    "response": {"videoUrl": "https://cdn.example.com/04e6e727.mp4"},
    "successFlag": "SUCCESS",
    "createTime": "2025-01-01 00:00:00",
    "errorCode": None,
    "errorMessage": None,
}
COVER_EXAMPLE: dict[str, Any] = {
    "taskId": "21ae9c0bdd56",
    "parentTaskId": "73d6e5f417c8",
    "callbackUrl": "https://example.com/hook",
    "completeTime": "2025-01-15T10:35:27.000Z",
    "response": {
        "images": [
            "https://cdn.example.com/1753958521_6c1b.png",
            "https://cdn.example.com/1753958524_c153.png",
        ]
    },
    "successFlag": 1,
    "createTime": "2025-01-15T10:33:01.000Z",
    "errorCode": 200,
    "errorMessage": "",
}


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        pytest.param(
            TaskKind.LYRICS,
            LYRICS_EXAMPLE,
            LyricsRecord(
                task_id="11dc4b2a8b0f",
                status=S.SUCCESS,
                status_raw="SUCCESS",
                raw=LYRICS_EXAMPLE,
                variants=(
                    LyricsVariant(
                        title="Iron Man", text=LYRICS_TEXT, status="complete"
                    ),
                ),
                param={"prompt": "A song about peaceful night"},
                param_raw='{"prompt":"A song about peaceful night"}',
            ),
            id="lyrics",
        ),
        pytest.param(
            TaskKind.WAV,
            WAV_EXAMPLE,
            WavRecord(
                task_id="988e1b2cc8d3",
                status=S.SUCCESS,
                status_raw="SUCCESS",
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
                raw=WAV_EXAMPLE,
                wav_url="https://cdn.example.com/04e6e727.wav",
                source_audio_id="e2319a7cc7dc",
                track_index=0,
                completed_at=datetime(2025, 1, 1, 0, 10, tzinfo=UTC),
            ),
            id="wav",
        ),
        pytest.param(
            TaskKind.VOCAL_REMOVAL,
            VOCAL_REMOVAL_EXAMPLE,
            VocalRemovalRecord(
                task_id="3e63a9f071e7",
                status=S.SUCCESS,
                status_raw="SUCCESS",
                created_at=datetime(2025, 7, 29, 9, 54, 14, tzinfo=UTC),
                raw=VOCAL_REMOVAL_EXAMPLE,
                stems={
                    "instrumental": "https://cdn.example.com/x_Instrumental.mp3",
                    "vocal": "https://cdn.example.com/x_Vocals.mp3",
                },
                origin_url=None,
                separated=(
                    SeparatedStem(
                        id="3d70c4e1b172",
                        audio_url="https://cdn.example.com/vocals.mp3",
                        group="Vocals",
                        duration=245.6,
                    ),
                ),
                source_audio_id="376c2d1e5ec2",
                track_index=0,
                completed_at=datetime(2025, 7, 29, 9, 55, 37, tzinfo=UTC),
            ),
            id="vocal-removal",
        ),
        pytest.param(
            TaskKind.MIDI,
            MIDI_EXAMPLE,
            MidiRecord(
                task_id="5c79d3a2be8e",
                status=S.SUCCESS,
                status_raw="1",
                created_at=datetime(2025, 10, 13, 6, 0, 51, tzinfo=UTC),
                raw=MIDI_EXAMPLE,
                instruments=(
                    MidiInstrument(
                        name="Drums",
                        notes=(
                            MidiNote(pitch=73, start=0.0365, end=0.1823, velocity=1.0),
                        ),
                    ),
                ),
                state="complete",
                source_audio_id="e2319a7cc7dc",
                completed_at=datetime(2025, 10, 13, 6, 0, 55, tzinfo=UTC),
            ),
            id="midi",
        ),
        pytest.param(
            TaskKind.VIDEO,
            VIDEO_EXAMPLE,
            VideoRecord(
                task_id="988e1b2cc8d3",
                status=S.SUCCESS,
                status_raw="SUCCESS",
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
                raw=VIDEO_EXAMPLE,
                video_url="https://cdn.example.com/04e6e727.mp4",
                source_audio_id="e2319a7cc7dc",
                track_index=0,
                completed_at=datetime(2025, 1, 1, 0, 10, tzinfo=UTC),
            ),
            id="video",
        ),
        pytest.param(
            TaskKind.COVER_IMAGE,
            COVER_EXAMPLE,
            CoverImageRecord(
                task_id="21ae9c0bdd56",
                status=S.SUCCESS,
                status_raw="1",
                error_code=200,
                created_at=datetime(2025, 1, 15, 10, 33, 1, tzinfo=UTC),
                raw=COVER_EXAMPLE,
                image_urls=(
                    "https://cdn.example.com/1753958521_6c1b.png",
                    "https://cdn.example.com/1753958524_c153.png",
                ),
                parent_task_id="73d6e5f417c8",
                completed_at=datetime(2025, 1, 15, 10, 35, 27, tzinfo=UTC),
            ),
            id="cover-image",
        ),
    ],
)
def test_documented_example_decodes(
    kind: TaskKind, data: dict[str, Any], expected: RecordBase
) -> None:
    """Each family's example from FAMILIES.md reads as exactly this record."""
    assert decode_family_record(data, kind) == expected


def test_a_cover_success_with_error_code_200_is_a_success() -> None:
    """errorCode 200 never makes a failure: only successFlag decides."""
    record = decode_family_record(COVER_EXAMPLE, TaskKind.COVER_IMAGE)
    assert (record.status, record.error_code) == (S.SUCCESS, 200)


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_an_error_code_alone_is_no_failure(kind: TaskKind) -> None:
    """errorCode 500 with a pending status is still pending."""
    data = {"taskId": "t", STATUS_KEY[kind]: "PENDING", "errorCode": 500}
    record = decode_family_record(data, kind)
    assert (record.status, record.error_code) == (S.PENDING, 500)


def test_music_goes_to_the_music_decoder() -> None:
    """kind MUSIC reads a music record (status from ``status``)."""
    record = decode_family_record({"taskId": "t", "status": "SUCCESS"}, TaskKind.MUSIC)
    assert (type(record).__name__, record.status) == ("TaskRecord", S.SUCCESS)


# -- status ---------------------------------------------------------------------------

NAMES = [
    pytest.param("PENDING", S.PENDING, id="pending"),
    pytest.param("SUCCESS", S.SUCCESS, id="success"),
    pytest.param("success", S.SUCCESS, id="lower-case"),
    pytest.param(" SUCCESS ", S.SUCCESS, id="padded"),
    pytest.param("CREATE_TASK_FAILED", S.CREATE_TASK_FAILED, id="create-failed"),
    pytest.param("GENERATE_LYRICS_FAILED", S.GENERATE_LYRICS_FAILED, id="lyrics"),
    pytest.param("GENERATE_WAV_FAILED", S.GENERATE_WAV_FAILED, id="wav"),
    pytest.param("GENERATE_AUDIO_FAILED", S.GENERATE_AUDIO_FAILED, id="audio"),
    pytest.param("GENERATE_MIDI_FAILED", S.GENERATE_MIDI_FAILED, id="midi"),
    pytest.param("GENERATE_MP4_FAILED", S.GENERATE_MP4_FAILED, id="mp4"),
    pytest.param("GENERATE_COVER_FAILED", S.GENERATE_COVER_FAILED, id="cover"),
    pytest.param("CALLBACK_EXCEPTION", S.CALLBACK_EXCEPTION, id="callback"),
    pytest.param("SENSITIVE_WORD_ERROR", S.SENSITIVE_WORD_ERROR, id="sensitive"),
    pytest.param(
        "PENDING-Waiting for execution SUCCESS-Success GENERATE_WAV_FAILED-Failed",
        S.PENDING,
        id="kie-schema-text",
    ),
    pytest.param("SUCCESS-Success", S.SUCCESS, id="name-dash-text"),
    pytest.param("PENDING waiting", S.PENDING, id="name-space-text"),
    pytest.param("GENERATING", S.PENDING, id="generating"),
    pytest.param("running", S.PENDING, id="running"),
    pytest.param("PROCESSING", S.PENDING, id="processing"),
    pytest.param("QUEUED", S.UNKNOWN, id="unknown-name"),
    pytest.param("", S.UNKNOWN, id="empty"),
    pytest.param("-", S.UNKNOWN, id="dash"),
    pytest.param("-SUCCESS", S.UNKNOWN, id="leading-dash"),
    pytest.param("- SUCCESS", S.UNKNOWN, id="dash-space"),
    pytest.param("1234567890", S.UNKNOWN, id="ten-digits"),
    pytest.param("\u0661", S.UNKNOWN, id="non-ascii-digit"),
]


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(("value", "status"), NAMES)
def test_a_name_means_the_same_in_every_family(
    kind: TaskKind, value: str, status: TaskStatus
) -> None:
    """Names are global; the raw value is kept as sent."""
    assert family_status(value, kind) == (status, value)


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_a_status_of_dashes_decodes_as_unknown(kind: TaskKind) -> None:
    """``"-"`` reads as an unknown status, not as a DecodeError of the record."""
    record = decode_family_record({"taskId": "t", STATUS_KEY[kind]: "- x"}, kind)
    assert (record.status, record.status_raw) == (S.UNKNOWN, "- x")


FLAGS = {
    TaskKind.MIDI: {0: S.PENDING, 1: S.SUCCESS, 2: S.CREATE_TASK_FAILED},
    TaskKind.COVER_IMAGE: {0: S.PENDING, 1: S.SUCCESS, 2: S.PENDING},
    TaskKind.WAV: {0: S.PENDING, 1: S.SUCCESS, 2: S.UNKNOWN},
    TaskKind.VIDEO: {0: S.PENDING, 1: S.SUCCESS, 2: S.UNKNOWN},
    TaskKind.LYRICS: {0: S.PENDING, 1: S.SUCCESS, 2: S.UNKNOWN},
    TaskKind.VOCAL_REMOVAL: {0: S.PENDING, 1: S.SUCCESS, 2: S.UNKNOWN},
}
FLAG_3 = {
    TaskKind.MIDI: S.GENERATE_MIDI_FAILED,
    TaskKind.COVER_IMAGE: S.GENERATE_COVER_FAILED,
    TaskKind.WAV: S.GENERATE_WAV_FAILED,
    TaskKind.VIDEO: S.GENERATE_MP4_FAILED,
    TaskKind.LYRICS: S.GENERATE_LYRICS_FAILED,
    TaskKind.VOCAL_REMOVAL: S.GENERATE_AUDIO_FAILED,
}
FLAG_CASES = [
    pytest.param(kind, flag, status, id=f"{kind}-{flag}")
    for kind in FAMILIES
    for flag, status in {
        **FLAGS[kind],
        3: FLAG_3[kind],
        4: S.UNKNOWN,
        -1: S.UNKNOWN,
    }.items()
]


@pytest.mark.parametrize(("kind", "flag", "status"), FLAG_CASES)
def test_an_integer_flag_reads_by_the_family_table(
    kind: TaskKind, flag: int, status: TaskStatus
) -> None:
    """2 fails a MIDI task, is "generating" for a cover, unknown elsewhere."""
    assert family_status(flag, kind) == (status, str(flag))


@pytest.mark.parametrize(("kind", "flag", "status"), FLAG_CASES)
def test_a_digit_string_reads_as_its_integer(
    kind: TaskKind, flag: int, status: TaskStatus
) -> None:
    """``"3"`` is 3; the string is kept as sent."""
    assert family_status(str(flag), kind) == (status, str(flag))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(" 1 ", (S.SUCCESS, " 1 "), id="padded"),
        pytest.param("+1", (S.SUCCESS, "+1"), id="plus"),
        pytest.param("01", (S.SUCCESS, "01"), id="leading-zero"),
    ],
)
def test_digit_string_forms(value: str, expected: tuple[TaskStatus, str]) -> None:
    """Padding, a sign and leading zeros do not change the integer."""
    assert family_status(value, TaskKind.MIDI) == expected


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, (S.UNKNOWN, "true"), id="true"),
        pytest.param(False, (S.UNKNOWN, "false"), id="false"),
        pytest.param(1.0, (S.UNKNOWN, ""), id="float"),
        pytest.param(None, (S.UNKNOWN, ""), id="null"),
        pytest.param([1], (S.UNKNOWN, ""), id="array"),
        pytest.param({"flag": 1}, (S.UNKNOWN, ""), id="object"),
    ],
)
def test_other_values_are_unknown(
    kind: TaskKind, value: Any, expected: tuple[TaskStatus, str]
) -> None:
    """Booleans are no integers; floats, null and containers are unknown."""
    assert family_status(value, kind) == expected


def test_music_has_no_integer_flags() -> None:
    """An integer means nothing for music."""
    assert family_status(1, TaskKind.MUSIC) == (S.UNKNOWN, "1")


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_the_status_key_is_read(kind: TaskKind) -> None:
    """``status`` for lyrics, ``successFlag`` for the others."""
    data = {"taskId": "t", STATUS_KEY[kind]: "SUCCESS"}
    assert decode_family_record(data, kind).status is S.SUCCESS


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_the_other_status_key_is_read_when_the_first_is_missing(
    kind: TaskKind,
) -> None:
    """A lyrics record with ``successFlag``, a WAV with ``status``, still read."""
    other = "successFlag" if kind is TaskKind.LYRICS else "status"
    record = decode_family_record({"taskId": "t", other: "1"}, kind)
    assert (record.status, record.status_raw) == (S.SUCCESS, "1")


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_the_first_status_key_wins(kind: TaskKind) -> None:
    """When both keys are sent, the family's own decides."""
    other = "successFlag" if kind is TaskKind.LYRICS else "status"
    data = {"taskId": "t", STATUS_KEY[kind]: "PENDING", other: "SUCCESS"}
    assert decode_family_record(data, kind).status is S.PENDING


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_no_status_is_unknown(kind: TaskKind) -> None:
    """A record without any status field is unknown, raw ``""``."""
    record = decode_family_record({"taskId": "t"}, kind)
    assert (record.status, record.status_raw) == (S.UNKNOWN, "")


# -- times, codes, ids ----------------------------------------------------------------


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1735690200000, datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="ms"),
        pytest.param(
            "1735690200000", datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="ms-str"
        ),
        pytest.param(
            "2025-01-01 00:10:00", datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="plain"
        ),
        pytest.param(
            "2025-01-15T10:35:27.000Z",
            datetime(2025, 1, 15, 10, 35, 27, tzinfo=UTC),
            id="iso-z",
        ),
        pytest.param(
            "2025-01-01T08:10:00+08:00",
            datetime(2025, 1, 1, 0, 10, tzinfo=UTC),
            id="iso-offset",
        ),
        pytest.param("soon", None, id="garbage"),
        pytest.param(None, None, id="null"),
    ],
)
def test_every_time_format_reads(
    kind: TaskKind, value: Any, expected: datetime | None
) -> None:
    """``createTime`` in any documented form is an aware UTC time."""
    record = decode_family_record({"taskId": "t", "createTime": value}, kind)
    assert record.created_at == expected


@pytest.mark.parametrize(
    "kind", [k for k in FAMILIES if k is not TaskKind.LYRICS], ids=str
)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1735690200000, datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="ms"),
        pytest.param(
            "2025-01-01 00:10:00", datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="plain"
        ),
        pytest.param(
            "2025-01-01T00:10:00Z", datetime(2025, 1, 1, 0, 10, tzinfo=UTC), id="iso-z"
        ),
    ],
)
def test_complete_time_reads(kind: TaskKind, value: Any, expected: datetime) -> None:
    """``completeTime`` is ``completed_at``, in any form."""
    record = decode_family_record({"taskId": "t", "completeTime": value}, kind)
    assert getattr(record, "completed_at") == expected  # noqa: B009


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(500, 500, id="int"),
        pytest.param("500", 500, id="digit-string"),
        pytest.param("E_TIMEOUT", "E_TIMEOUT", id="string"),
        pytest.param(None, None, id="null"),
        pytest.param(True, None, id="boolean"),
    ],
)
def test_error_code_is_kept_as_sent(value: Any, expected: int | str | None) -> None:
    """An int when it reads as one (MIDI sends strings), else the string."""
    record = decode_family_record(
        {"taskId": "t", "successFlag": 3, "errorCode": value}, TaskKind.MIDI
    )
    assert record.error_code == expected


def test_snake_case_task_id_reads() -> None:
    """``task_id`` names the task when ``taskId`` is missing."""
    assert decode_family_record({"task_id": " w1 "}, TaskKind.WAV).task_id == "w1"


def test_an_integer_task_id_reads_as_its_digits() -> None:
    """A numeric task id is its digits."""
    assert decode_family_record({"taskId": 42}, TaskKind.WAV).task_id == "42"


def test_the_given_task_id_fills_in() -> None:
    """``task_id=`` names the task when the data does not."""
    record = decode_family_record({"successFlag": 0}, TaskKind.WAV, task_id="w1")
    assert record.task_id == "w1"


def test_the_data_task_id_wins_over_the_given_one() -> None:
    """The data's own id is the record's."""
    record = decode_family_record({"taskId": "w2"}, TaskKind.WAV, task_id="w1")
    assert record.task_id == "w2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1, 1, id="int"),
        pytest.param("1", 1, id="digit-string"),
        pytest.param(1.0, 1, id="integral-float"),
        pytest.param(1.5, None, id="fraction"),
        pytest.param("first", None, id="word"),
        pytest.param(True, None, id="boolean"),
    ],
)
def test_track_index_reads_integers_only(value: Any, expected: int | None) -> None:
    """``musicIndex`` 0/1 or ``"0"``; anything else is ``None``."""
    record = decode({"taskId": "t", "musicIndex": value}, VideoRecord)
    assert record.track_index == expected


@pytest.mark.parametrize(
    "kind", [TaskKind.WAV, TaskKind.VOCAL_REMOVAL, TaskKind.VIDEO], ids=str
)
def test_source_audio_id_falls_back_to_audio_id(kind: TaskKind) -> None:
    """sunoapi.org sends ``audioId`` where kie.ai sends ``musicId``."""
    record = decode_family_record({"taskId": "t", "audioId": "a1"}, kind)
    assert getattr(record, "source_audio_id") == "a1"  # noqa: B009


# -- pending records ------------------------------------------------------------------

EMPTY = {
    TaskKind.LYRICS: {"variants": (), "param": {}, "param_raw": None},
    TaskKind.WAV: {"wav_url": None},
    TaskKind.VOCAL_REMOVAL: {"stems": {}, "origin_url": None, "separated": ()},
    TaskKind.MIDI: {"instruments": (), "state": None},
    TaskKind.VIDEO: {"video_url": None},
    TaskKind.COVER_IMAGE: {"image_urls": ()},
}


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"response": None}, id="response-null"),
        pytest.param({"response": {}}, id="response-empty"),
        pytest.param({"response": "none"}, id="response-string"),
        pytest.param({"midiData": None, "response": None}, id="midi-data-null"),
        pytest.param({"midiData": {}}, id="midi-data-empty"),
        pytest.param({}, id="absent"),
    ],
)
def test_a_pending_record_has_no_result(kind: TaskKind, result: dict[str, Any]) -> None:
    """While pending the result is null, empty or absent: its fields are empty."""
    data = {
        "taskId": "t",
        STATUS_KEY[kind]: "PENDING" if kind is not TaskKind.MIDI else 0,
    }
    record = decode_family_record({**data, **result}, kind)
    assert record.status is S.PENDING
    assert {name: getattr(record, name) for name in EMPTY[kind]} == EMPTY[kind]


# -- per family -----------------------------------------------------------------------


def test_lyrics_variants_read_both_spellings() -> None:
    """Variants under ``data`` or ``lyricsData``; ``error_message`` in either case."""
    data = {
        "taskId": "l1",
        "response": {
            "lyricsData": [
                {"title": "A", "text": "x", "status": "failed", "error_message": "no"},
                "not a variant",
                {"title": 7},
            ]
        },
    }
    record = decode(data, LyricsRecord)
    assert record.variants == (
        LyricsVariant(title="A", text="x", status="failed", error_message="no"),
        LyricsVariant(),
    )


def test_lyrics_param_as_an_object_reads() -> None:
    """A ``param`` sent as an object is the param, with no raw string."""
    data = {"taskId": "l1", "param": {"prompt": "night"}}
    record = decode(data, LyricsRecord)
    assert (record.param, record.param_raw) == (
        {"prompt": "night"},
        None,
    )


def test_a_garbled_lyrics_param_keeps_its_string() -> None:
    """A ``param`` that is no JSON object: ``{}``, the string kept."""
    data = {"taskId": "l1", "param": "{prompt: night"}
    record = decode(data, LyricsRecord)
    assert (record.param, record.param_raw) == (
        {},
        "{prompt: night",
    )


def test_wav_url_reads_the_snake_case_key() -> None:
    """``audio_wav_url`` (kie.ai's CN sample) is read too, and stripped."""
    data = {"taskId": "w", "response": {"audio_wav_url": " https://x/a.wav "}}
    record = decode(data, WavRecord)
    assert record.wav_url == "https://x/a.wav"


def test_video_url_reads_the_snake_case_key() -> None:
    """``video_url`` is read when ``videoUrl`` is missing."""
    data = {"taskId": "v", "response": {"video_url": "https://x/a.mp4"}}
    record = decode(data, VideoRecord)
    assert record.video_url == "https://x/a.mp4"


def test_vocal_removal_stems_are_the_sent_urls() -> None:
    """Only ``*Url`` keys with a URL, snake_case, ``originUrl`` apart."""
    response = {
        "id": "x",
        "originUrl": "https://x/origin.mp3",
        "vocalUrl": "https://x/vocal.mp3",
        "backingVocalsUrl": "https://x/backing.mp3",
        "woodwindsUrl": " https://x/woodwinds.mp3 ",
        "drumsUrl": None,
        "bassUrl": "",
        "guitarUrl": "   ",
        "pianoUrl": 5,
        "originData": [],
        "Url": "https://x/nameless.mp3",
        7: "https://x/seven.mp3",
    }
    record = decode_family_record(
        {"taskId": "s", "response": response}, TaskKind.VOCAL_REMOVAL
    )
    assert isinstance(record, VocalRemovalRecord)
    assert (record.stems, record.origin_url) == (
        {
            "vocal": "https://x/vocal.mp3",
            "backing_vocals": "https://x/backing.mp3",
            "woodwinds": "https://x/woodwinds.mp3",
        },
        "https://x/origin.mp3",
    )


def test_vocal_removal_origin_data_reads_both_spellings() -> None:
    """``originData`` items, snake_case (kie.ai) or camelCase; others skipped."""
    response = {
        "originData": [
            {
                "id": "s1",
                "audio_url": "https://x/1.mp3",
                "stem_type_group_name": "Vocals",
                "duration": "12.5",
            },
            {"id": 2, "audioUrl": "https://x/2.mp3", "stemTypeGroupName": "Drums"},
            {"duration": "long"},
            "s3",
        ]
    }
    record = decode_family_record(
        {"taskId": "s", "response": response}, TaskKind.VOCAL_REMOVAL
    )
    assert isinstance(record, VocalRemovalRecord)
    assert record.separated == (
        SeparatedStem(
            id="s1", audio_url="https://x/1.mp3", group="Vocals", duration=12.5
        ),
        SeparatedStem(id="2", audio_url="https://x/2.mp3", group="Drums"),
        SeparatedStem(id=""),
    )


def test_origin_data_that_is_no_list_is_empty() -> None:
    """``originData`` as an object reads as no separated tracks."""
    data = {"taskId": "s", "response": {"originData": {"id": "s1"}}}
    record = decode(data, VocalRemovalRecord)
    assert record.separated == ()


@pytest.mark.parametrize(
    ("key", "name"),
    [
        pytest.param("vocalUrl", "vocal", id="one-word"),
        pytest.param("backingVocalsUrl", "backing_vocals", id="two-words"),
        pytest.param("fxUrl", "fx", id="short"),
        pytest.param("synth2Url", "synth2", id="digit"),
        pytest.param("track2ProUrl", "track2_pro", id="digit-hump"),
        pytest.param("originUrl", None, id="origin"),
        pytest.param("Url", None, id="bare"),
        pytest.param("vocal_url", None, id="snake-case"),
        pytest.param("vocalURL", None, id="upper-suffix"),
        pytest.param("originData", None, id="not-a-url"),
        pytest.param("2Url", None, id="leading-digit"),
    ],
)
def test_stem_name(key: str, name: str | None) -> None:
    """A wire ``*Url`` key's stem name, snake_case; ``None`` for other keys."""
    assert stem_name(key) == name


def test_midi_notes_read_strings_and_drop_bad_ones() -> None:
    """Numbers as strings read (callbacks); notes without pitch or times go."""
    midi = {
        "instruments": [
            {
                "name": "Piano",
                "notes": [
                    {"pitch": "60", "start": "0.5", "end": "1.25", "velocity": "0.8"},
                    {"pitch": 62, "start": 1, "end": 2},
                    {"pitch": 60.5, "start": 0, "end": 1, "velocity": 1},
                    {"pitch": 61, "end": 1, "velocity": 1},
                    {"pitch": 61, "start": 0, "velocity": 1},
                    {"pitch": "C4", "start": 0, "end": 1},
                    {"pitch": True, "start": 0, "end": 1},
                    {"pitch": 61, "start": "nan", "end": 1},
                    [61, 0, 1],
                ],
            },
            {"notes": "none"},
            "Bass",
        ]
    }
    assert midi_instruments(midi) == (
        MidiInstrument(
            name="Piano",
            notes=(
                MidiNote(pitch=60, start=0.5, end=1.25, velocity=0.8),
                MidiNote(pitch=62, start=1.0, end=2.0, velocity=1.0),
            ),
        ),
        MidiInstrument(name=""),
    )


def test_midi_data_under_response_reads() -> None:
    """``response.midiData`` is read when ``midiData`` is not an object."""
    data = {
        "taskId": "m",
        "midiData": None,
        "response": {"midiData": {"state": "complete", "instruments": []}},
    }
    record = decode(data, MidiRecord)
    assert record.state == "complete"


def test_cover_image_urls_are_stripped_and_deduplicated() -> None:
    """Empty, non-string and repeated URLs are dropped, order kept."""
    images = ["https://x/b.png", " https://x/a.png ", "", None, 3, "https://x/b.png"]
    data = {"taskId": "c", "response": {"images": images}}
    record = decode(data, CoverImageRecord)
    assert record.image_urls == (
        "https://x/b.png",
        "https://x/a.png",
    )


def test_cover_images_that_are_no_list_are_empty() -> None:
    """``images`` as a string is no list of URLs."""
    data = {"taskId": "c", "response": {"images": "https://x/a.png"}}
    record = decode(data, CoverImageRecord)
    assert record.image_urls == ()


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        pytest.param(None, "NoneType", id="null"),
        pytest.param([{"taskId": "t"}], "list", id="array"),
        pytest.param("t", "str", id="string"),
        pytest.param(7, "int", id="number"),
    ],
)
def test_data_that_is_no_object_is_a_decode_error(
    kind: TaskKind, data: Any, type_name: str
) -> None:
    """The message names the family and what arrived; the task id is kept."""
    with pytest.raises(DecodeError) as info:
        decode_family_record(data, kind, task_id="t1")
    assert (info.value.message, info.value.task_id) == (
        f"{kind.value} record-info data is a {type_name}",
        "t1",
    )


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="empty"),
        pytest.param({"taskId": "  "}, id="blank"),
        pytest.param({"taskId": None, "task_id": ""}, id="null-and-empty"),
        pytest.param({"taskId": True}, id="boolean"),
        pytest.param({"taskId": ["t"]}, id="array"),
    ],
)
def test_data_naming_no_task_is_a_decode_error(
    kind: TaskKind, data: dict[str, Any]
) -> None:
    """Without a task id in the data or given, nothing can be read."""
    with pytest.raises(DecodeError, match=r"^record-info data names no task$"):
        decode_family_record(data, kind)


class ExplodingMapping(Mapping[str, Any]):
    """A mapping whose every read fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(["taskId"])

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_a_hostile_mapping_is_a_decode_error(kind: TaskKind) -> None:
    """A mapping whose ``get`` raises gives DecodeError, chained, naming the task."""
    with pytest.raises(DecodeError) as info:
        decode_family_record(ExplodingMapping(), kind, task_id="t1")
    assert (info.value.message, info.value.task_id) == (
        f"unreadable {kind.value} record-info data: RuntimeError",
        "t1",
    )
    assert isinstance(info.value.__cause__, RuntimeError)


class ExplodingResponse(dict[str, Any]):
    """A ``response`` whose reads fail after the record's own fields read."""

    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("boom")

    def items(self) -> Any:
        raise RuntimeError("boom")


@pytest.mark.parametrize("kind", FAMILIES, ids=str)
def test_a_hostile_nested_mapping_is_a_decode_error(kind: TaskKind) -> None:
    """A nested mapping that raises is caught as well."""
    data = {
        "taskId": "t",
        "response": ExplodingResponse(),
        "midiData": ExplodingResponse(),
    }
    with pytest.raises(DecodeError, match="RuntimeError"):
        decode_family_record(data, kind)


# -- properties -----------------------------------------------------------------------

FAMILY_KEYS = ["taskId", "task_id", "successFlag", "status", "response", "midiData"]
FAMILY_KEYS += ["musicId", "audioId", "musicIndex", "parentTaskId", "param"]
FAMILY_KEYS += ["createTime", "completeTime", "errorCode", "errorMessage"]
RESULT_KEYS = ["data", "lyricsData", "audioWavUrl", "audio_wav_url", "videoUrl"]
RESULT_KEYS += ["video_url", "images", "originUrl", "originData", "vocalUrl"]
RESULT_KEYS += ["instrumentalUrl", "backingVocalsUrl", "drumsUrl", "midiData"]
ITEM_KEYS = ["title", "text", "status", "errorMessage", "error_message", "id"]
ITEM_KEYS += ["audio_url", "audioUrl", "stem_type_group_name", "duration", "name"]
ITEM_KEYS += ["notes", "pitch", "start", "end", "velocity", "state", "instruments"]

flags = (
    st.sampled_from([s.value for s in TaskStatus])
    | st.integers(-1, 5)
    | st.integers(-1, 5).map(str)
    | st.just("PENDING-Waiting for execution SUCCESS-Success")
    | json_values
)
numbers = integers | st.floats() | st.text(max_size=8) | st.integers(0, 127).map(str)
items = st.dictionaries(
    st.sampled_from(ITEM_KEYS) | st.text(max_size=4), numbers | json_values, max_size=8
)
notes = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(("pitch", "start", "end", "velocity"), numbers),
)
midi_data = st.fixed_dictionaries(
    {},
    optional={
        "state": json_values,
        "instruments": st.lists(
            st.fixed_dictionaries(
                {},
                optional={"name": json_values, "notes": st.lists(notes | json_values)},
            )
            | json_values,
            max_size=4,
        ),
    },
)
results = st.dictionaries(
    st.sampled_from(RESULT_KEYS) | st.text(max_size=6),
    st.lists(items | st.text(max_size=10) | json_values, max_size=4)
    | midi_data
    | json_values,
    max_size=8,
)
family_data = st.fixed_dictionaries(
    {"taskId": st.text(min_size=1, max_size=12).filter(str.strip)},
    optional={
        "successFlag": flags,
        "status": flags,
        "response": results | json_values,
        "midiData": midi_data | json_values,
        "param": json_values.map(json.dumps) | json_values,
        "musicId": json_values,
        "audioId": json_values,
        "musicIndex": numbers | json_values,
        "parentTaskId": json_values,
        "createTime": timestamps | json_values,
        "completeTime": timestamps | json_values,
        "errorCode": json_values,
        "errorMessage": json_values,
        "extra": json_values,
    },
)
kinds = st.sampled_from(FAMILIES)


def well_typed(value: Any, type_: Any) -> bool:
    """Whether ``value`` holds to ``type_`` (as resolved by attrs), deeply."""
    origin, args = get_origin(type_), get_args(type_)
    if type_ is Any:
        return True
    if origin is Union or isinstance(type_, types.UnionType):
        return any(well_typed(value, arg) for arg in args)
    if type_ is type(None):
        return value is None
    if origin is tuple:
        return isinstance(value, tuple) and all(well_typed(v, args[0]) for v in value)
    if origin is Mapping:
        return isinstance(value, Mapping) and all(
            well_typed(k, args[0]) and well_typed(v, args[1]) for k, v in value.items()
        )
    if type_ is datetime:
        return isinstance(value, datetime) and value.tzinfo is UTC
    if type_ is int:
        return type(value) is int
    if type_ is float:
        return type(value) is float and value == value  # finite numbers only
    if attrs.has(type_):
        return isinstance(value, type_) and all(
            well_typed(getattr(value, field.name), field.type)
            for field in attrs.fields(attrs.resolve_types(type_))
        )
    return isinstance(value, type_)


@given(kinds, json_values)
def test_any_json_value_decodes_or_raises_decode_error(
    kind: TaskKind, data: Any
) -> None:
    """Whatever JSON arrives, each decoder returns its record or raises DecodeError."""
    try:
        record = decode_family_record(data, kind)
    except DecodeError:
        return
    assert type(record) is RECORD_TYPES[kind]
    assert record.raw is data


@given(kinds, family_data)
def test_any_object_with_a_task_id_decodes_well_typed(
    kind: TaskKind, data: dict[str, Any]
) -> None:
    """An object naming its task always decodes, every field of its declared type."""
    record = decode_family_record(data, kind)
    assert (record.task_id, record.raw) == (data["taskId"].strip(), data)
    assert well_typed(record, RECORD_TYPES[kind])


@given(family_data)
def test_stems_are_named_urls(data: dict[str, Any]) -> None:
    """Stem names are snake_case, never ``origin``; URLs stripped, not empty."""
    record = decode_family_record(data, TaskKind.VOCAL_REMOVAL)
    assert isinstance(record, VocalRemovalRecord)
    for name, url in record.stems.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert name != "origin"
        assert url
        assert url == url.strip()


@given(family_data)
def test_cover_urls_are_distinct_and_stripped(data: dict[str, Any]) -> None:
    """A cover's URLs are unique, non-empty and stripped."""
    record = decode_family_record(data, TaskKind.COVER_IMAGE)
    assert isinstance(record, CoverImageRecord)
    urls = record.image_urls
    assert len(set(urls)) == len(urls)
    assert all(url and url == url.strip() for url in urls)


@given(kinds, flags)
def test_family_status_never_raises(kind: TaskKind, value: Any) -> None:
    """Any value is a status and a string."""
    status, raw = family_status(value, kind)
    assert isinstance(status, TaskStatus)
    assert isinstance(raw, str)

"""The families' records to dicts and back, kinds, poll settings and task handles."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from test_family_convert import family_data, kinds

from suno_async import (
    DecodeError,
    InvalidArgumentError,
    PollPolicy,
    RecordBase,
    TaskEvent,
    TaskHandle,
    TaskKind,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    WaitTimeoutError,
    WavConversionFailedError,
)
from suno_async._core.convert import to_jsonable
from suno_async._core.families import SPECS, family_polls, task_kind
from suno_async._core.family_convert import decode_family_record
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

UTC = timezone.utc
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
COMPLETED = datetime(2025, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=8)))

WAV = WavRecord(
    task_id="w1",
    status=TaskStatus.SUCCESS,
    status_raw="SUCCESS",
    error_code=200,
    error_message="Success",
    created_at=CREATED,
    raw={"taskId": "w1", "successFlag": "SUCCESS", "future": [1, None]},
    wav_url="https://cdn.example.com/w1.wav",
    source_audio_id="a1",
    track_index=1,
    completed_at=COMPLETED,
)
WAV_DICT: dict[str, Any] = {
    "kind": "wav",
    "task_id": "w1",
    "status": "SUCCESS",
    "status_raw": "SUCCESS",
    "wav_url": "https://cdn.example.com/w1.wav",
    "source_audio_id": "a1",
    "track_index": 1,
    "error_code": 200,
    "error_message": "Success",
    "created_at": "2025-01-01T00:00:00+00:00",
    "completed_at": "2025-01-01T00:10:00+08:00",
    "raw": {"taskId": "w1", "successFlag": "SUCCESS", "future": [1, None]},
}
LYRICS = LyricsRecord(
    task_id="l1",
    status=TaskStatus.SUCCESS,
    status_raw="SUCCESS",
    created_at=CREATED,
    raw={"taskId": "l1"},
    variants=(
        LyricsVariant(title="Night", text="[Verse]\nla", status="complete"),
        LyricsVariant(error_message="Unable to generate lyrics"),
    ),
    param={"prompt": "night", "n": [1, 2]},
    param_raw='{"prompt":"night","n":[1,2]}',
)
VOCAL_REMOVAL = VocalRemovalRecord(
    task_id="s1",
    status=TaskStatus.SUCCESS,
    status_raw="1",
    stems={"vocal": "https://x/v.mp3", "backing_vocals": "https://x/b.mp3"},
    origin_url="https://x/o.mp3",
    separated=(
        SeparatedStem(
            id="st1", audio_url="https://x/1.mp3", group="Vocals", duration=1.5
        ),
        SeparatedStem(id=""),
    ),
    source_audio_id="a1",
    track_index=0,
    completed_at=COMPLETED,
)
MIDI = MidiRecord(
    task_id="m1",
    status=TaskStatus.GENERATE_MIDI_FAILED,
    status_raw="3",
    error_code="E_MIDI",
    error_message="no notes",
    instruments=(
        MidiInstrument(
            name="Drums",
            notes=(
                MidiNote(pitch=73, start=0.0365, end=0.1823, velocity=1.0),
                MidiNote(pitch=36, start=1, end=2, velocity=0.5),
            ),
        ),
        MidiInstrument(name=""),
    ),
    state="complete",
    source_audio_id="st1",
    completed_at=CREATED,
)
VIDEO = VideoRecord(
    task_id="v1",
    status=TaskStatus.PENDING,
    status_raw="PENDING-Waiting for execution",
    video_url=None,
    source_audio_id="a1",
    track_index=0,
)
COVER = CoverImageRecord(
    task_id="c1",
    status=TaskStatus.PENDING,
    status_raw="2",
    image_urls=("https://x/1.png", "https://x/2.png"),
    parent_task_id="t1",
    completed_at=None,
)
MUSIC = TaskRecord(task_id="t1", status=TaskStatus.SUCCESS, status_raw="SUCCESS")
FAMILY_RECORDS = [WAV, LYRICS, VOCAL_REMOVAL, MIDI, VIDEO, COVER]
ALL_RECORDS = [*FAMILY_RECORDS, MUSIC]


def ids(record: RecordBase) -> str:
    return type(record).__name__


# -- exact output ---------------------------------------------------------------------


def test_family_record_to_dict() -> None:
    """``kind`` first, the shared identity, the family's fields, codes and times."""
    assert WAV.to_dict() == WAV_DICT
    assert list(WAV.to_dict()) == list(WAV_DICT)


def test_music_record_has_no_kind() -> None:
    """A music record's dict is as it was before the families: no ``kind``."""
    assert "kind" not in MUSIC.to_dict()


@pytest.mark.parametrize(
    ("record", "keys"),
    [
        pytest.param(
            LYRICS,
            [
                "kind",
                "task_id",
                "status",
                "status_raw",
                "variants",
                "param",
                "param_raw",
                "error_code",
                "error_message",
                "created_at",
                "raw",
            ],
            id="lyrics",
        ),
        pytest.param(
            VOCAL_REMOVAL,
            [
                "kind",
                "task_id",
                "status",
                "status_raw",
                "stems",
                "origin_url",
                "separated",
                "source_audio_id",
                "track_index",
                "error_code",
                "error_message",
                "created_at",
                "completed_at",
                "raw",
            ],
            id="vocal-removal",
        ),
        pytest.param(
            MIDI,
            [
                "kind",
                "task_id",
                "status",
                "status_raw",
                "instruments",
                "state",
                "source_audio_id",
                "error_code",
                "error_message",
                "created_at",
                "completed_at",
                "raw",
            ],
            id="midi",
        ),
        pytest.param(
            COVER,
            [
                "kind",
                "task_id",
                "status",
                "status_raw",
                "image_urls",
                "parent_task_id",
                "error_code",
                "error_message",
                "created_at",
                "completed_at",
                "raw",
            ],
            id="cover-image",
        ),
    ],
)
def test_record_key_order(record: RecordBase, keys: list[str]) -> None:
    """Each family's keys in the order music's follow."""
    assert list(record.to_dict()) == keys


def test_nested_parts_to_dict() -> None:
    """Notes, stems and variants are plain JSON."""
    assert MIDI.to_dict()["instruments"] == [
        {
            "name": "Drums",
            "notes": [
                {"pitch": 73, "start": 0.0365, "end": 0.1823, "velocity": 1.0},
                {"pitch": 36, "start": 1, "end": 2, "velocity": 0.5},
            ],
        },
        {"name": "", "notes": []},
    ]


def test_to_jsonable_family_record() -> None:
    """``--json`` output of a family record: its kind, no raw."""
    expected = {key: value for key, value in WAV_DICT.items() if key != "raw"}
    assert to_jsonable(WAV) == expected
    assert list(to_jsonable(WAV)) == list(expected)


def test_to_jsonable_leaves_out_lyrics_param_raw() -> None:
    """A lyrics record's ``param_raw`` is left out of ``--json``, as music's."""
    assert LYRICS.to_dict() == {
        **to_jsonable(LYRICS),
        "param_raw": LYRICS.param_raw,
        "raw": LYRICS.raw,
    }


@pytest.mark.parametrize("record", FAMILY_RECORDS, ids=ids)
def test_to_jsonable_event_and_outcome_carry_the_family_record(
    record: RecordBase,
) -> None:
    """An event's and outcome's record is written by its own class."""
    event = TaskEvent(
        task_id=record.task_id, status=record.status, previous=None, record=record
    )
    outcome = TaskOutcome(task_id=record.task_id, record=record)
    assert to_jsonable(event)["record"] == to_jsonable(record)
    assert to_jsonable(outcome)["record"] == to_jsonable(record)


@pytest.mark.parametrize("record", FAMILY_RECORDS, ids=ids)
def test_event_to_dict_carries_the_family_record(record: RecordBase) -> None:
    """to_dict of an event holds its record's whole dict, kind included."""
    event = TaskEvent(
        task_id=record.task_id, status=record.status, previous=None, record=record
    )
    assert event.to_dict()["record"] == record.to_dict()


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_to_json_reads_back_as_to_dict(record: RecordBase) -> None:
    """Nothing in a record's dict needs a custom encoder."""
    assert json.loads(record.to_json()) == record.to_dict()


# -- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_record_round_trip(record: RecordBase) -> None:
    """Each class reads back its own dict, equal."""
    assert type(record).from_dict(record.to_dict()) == record


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_record_round_trip_through_json(record: RecordBase) -> None:
    """The same through to_json and json.loads."""
    assert type(record).from_dict(json.loads(record.to_json())) == record


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_record_base_reads_the_class_the_kind_names(record: RecordBase) -> None:
    """RecordBase.from_dict picks the class by ``kind``."""
    read = RecordBase.from_dict(record.to_dict())
    assert (type(read), read) == (type(record), record)


def test_record_base_without_kind_reads_a_music_record() -> None:
    """No ``kind``: a music record, as dicts written before the families."""
    read = RecordBase.from_dict(
        {"task_id": "t", "status": "PENDING", "status_raw": "PENDING"}
    )
    assert read == TaskRecord(
        task_id="t", status=TaskStatus.PENDING, status_raw="PENDING"
    )


def test_a_family_class_reads_a_dict_without_kind() -> None:
    """WavRecord.from_dict of a dict without ``kind`` is a WavRecord."""
    written = {key: value for key, value in WAV_DICT.items() if key != "kind"}
    assert WavRecord.from_dict(written) == WAV


def test_music_kind_reads_as_a_music_record() -> None:
    """``kind: music`` is accepted, by TaskRecord and RecordBase alike."""
    written = {**MUSIC.to_dict(), "kind": "music"}
    assert (TaskRecord.from_dict(written), RecordBase.from_dict(written)) == (
        MUSIC,
        MUSIC,
    )


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        pytest.param(
            WavRecord,
            {**WAV_DICT, "kind": "lyrics"},
            "not a WavRecord dict: expected kind 'wav', got 'lyrics' @ $ (task w1)",
            id="other-family",
        ),
        pytest.param(
            TaskRecord,
            WAV_DICT,
            "not a TaskRecord dict: expected kind 'music', got 'wav' @ $ (task w1)",
            id="family-as-music",
        ),
        pytest.param(
            WavRecord,
            {**WAV_DICT, "kind": "music"},
            "not a WavRecord dict: expected kind 'wav', got 'music' @ $ (task w1)",
            id="music-as-family",
        ),
        pytest.param(
            RecordBase,
            {**WAV_DICT, "kind": "flac"},
            "not a RecordBase dict: expected a TaskKind value as kind, got 'flac' "
            "@ $ (task w1)",
            id="unknown-kind",
        ),
        pytest.param(
            RecordBase,
            {**WAV_DICT, "kind": 3},
            "not a RecordBase dict: expected a TaskKind value as kind, got 3 "
            "@ $ (task w1)",
            id="kind-not-a-string",
        ),
        pytest.param(
            RecordBase,
            ["w1"],
            "not a RecordBase dict: expected an object, got an array @ $",
            id="not-an-object",
        ),
        pytest.param(
            RecordBase,
            {**WAV_DICT, "track_index": "1"},
            "not a RecordBase dict: expected an integer, got a string "
            "@ $.track_index (task w1)",
            id="family-field",
        ),
        pytest.param(
            RecordBase,
            {**VOCAL_REMOVAL.to_dict(), "stems": {"vocal": 5}},
            "not a RecordBase dict: expected a string, got a number "
            "@ $.stems['vocal'] (task s1)",
            id="stem-not-a-string",
        ),
        pytest.param(
            RecordBase,
            {**VOCAL_REMOVAL.to_dict(), "stems": {1: "https://x/1.mp3"}},
            "not a RecordBase dict: expected a string key, got a number "
            "@ $.stems[1] (task s1)",
            id="stem-name-not-a-string",
        ),
        pytest.param(
            MidiRecord,
            {**MIDI.to_dict(), "instruments": [{"name": "x", "notes": [{"pitch": 1}]}]},
            "not a MidiRecord dict: required field missing "
            "@ $.instruments[0].notes[0].start; required field missing "
            "@ $.instruments[0].notes[0].end; required field missing "
            "@ $.instruments[0].notes[0].velocity (task m1)",
            id="nested-part",
        ),
        pytest.param(
            TaskEvent,
            {
                "task_id": "w1",
                "status": "SUCCESS",
                "previous": None,
                "record": {**WAV_DICT, "kind": "mp3"},
            },
            "not a TaskEvent dict: expected a TaskKind value as kind, got 'mp3' "
            "@ $.record (task w1)",
            id="event-record",
        ),
        pytest.param(
            TaskEvent,
            {"task_id": "w1", "status": "SUCCESS", "previous": None, "record": None},
            "not a TaskEvent dict: expected an object, got null @ $.record (task w1)",
            id="event-without-record",
        ),
    ],
)
def test_malformed_record_is_a_decode_error(
    cls: type[Any], data: Any, message: str
) -> None:
    """A wrong or unknown kind, or a bad field, raises DecodeError saying where."""
    with pytest.raises(DecodeError) as info:
        cls.from_dict(data)
    assert str(info.value) == message


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_event_round_trip(record: RecordBase) -> None:
    """An event of any family reads back equal, its record of its class."""
    event = TaskEvent(
        task_id=record.task_id,
        status=TaskStatus.SUCCESS,
        previous=TaskStatus.PENDING,
        record=record,
        inferred=True,
        elapsed=2.5,
        polls=3,
        retries=1,
    )
    assert TaskEvent.from_dict(json.loads(event.to_json())) == event


@pytest.mark.parametrize("record", ALL_RECORDS, ids=ids)
def test_outcome_round_trip(record: RecordBase) -> None:
    """An outcome of any family reads back equal."""
    outcome = TaskOutcome(task_id=record.task_id, record=record)
    assert TaskOutcome.from_dict(json.loads(outcome.to_json())) == outcome


def test_outcome_without_record_round_trips() -> None:
    """A null record stays null."""
    outcome = TaskOutcome(task_id="t1")
    assert TaskOutcome.from_dict(outcome.to_dict()) == outcome


def test_task_failure_carries_its_family_record() -> None:
    """A failure's record is written with its kind and read back as its class."""
    failed = WavRecord(
        task_id="w2", status=TaskStatus.GENERATE_WAV_FAILED, status_raw="3"
    )
    outcome = TaskOutcome(task_id="w2", error=WavConversionFailedError(failed))
    error = TaskOutcome.from_dict(outcome.to_dict()).error
    assert isinstance(error, WavConversionFailedError)
    assert (type(error.record), error.record) == (WavRecord, failed)


def test_wait_timeout_carries_its_family_last_record() -> None:
    """A wait timeout's last record comes back as its family's class."""
    error = WaitTimeoutError("c1", timeout=30, last_record=COVER, polls=4)
    written = TaskOutcome(task_id="c1", error=error).to_dict()
    assert written["error"]["last_record"] == COVER.to_dict()
    rebuilt = TaskOutcome.from_dict(written).error
    assert isinstance(rebuilt, WaitTimeoutError)
    assert (type(rebuilt.last_record), rebuilt.last_record) == (CoverImageRecord, COVER)


@given(kinds, family_data)
def test_any_decoded_family_record_round_trips(
    kind: TaskKind, data: dict[str, Any]
) -> None:
    """Any record a family's decoder made: RecordBase.from_dict(to_dict) is equal."""
    record = decode_family_record(data, kind)
    assert RecordBase.from_dict(record.to_dict()) == record


@given(kinds, family_data)
def test_any_decoded_family_record_is_json(
    kind: TaskKind, data: dict[str, Any]
) -> None:
    """to_jsonable of any decoded record can be written as JSON."""
    record = decode_family_record(data, kind)
    assert json.loads(json.dumps(to_jsonable(record)))["kind"] == kind.value


# -- kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TaskKind), ids=str)
def test_task_kind_takes_a_member_or_its_value(kind: TaskKind) -> None:
    """A TaskKind is itself; its value string reads as it."""
    assert (task_kind(kind), task_kind(kind.value)) == (kind, kind)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("flac", id="unknown"),
        pytest.param("WAV", id="member-name"),
        pytest.param(3, id="number"),
        pytest.param(None, id="none"),
    ],
)
def test_task_kind_refuses_others_naming_the_valid_values(value: Any) -> None:
    """InvalidArgumentError (a ValueError) lists every valid value."""
    with pytest.raises(InvalidArgumentError) as info:
        task_kind(value)
    assert str(info.value) == (
        "kind must be a TaskKind or one of 'music', 'lyrics', 'wav', "
        f"'vocal-removal', 'midi', 'video', 'cover-image', not {value!r}"
    )
    assert isinstance(info.value, ValueError)


def test_task_kind_str_is_its_value() -> None:
    """str() and f-strings show the value, as the wire and URLs do."""
    assert (str(TaskKind.VOCAL_REMOVAL), f"{TaskKind.COVER_IMAGE}") == (
        "vocal-removal",
        "cover-image",
    )


# -- poll settings --------------------------------------------------------------------

FAST = PollPolicy(interval_s=1.0)
SLOW = PollPolicy(interval_s=20.0, max_interval_s=60.0)
DEFAULTS = {kind: spec.poll for kind, spec in SPECS.items()}


def test_family_polls_defaults() -> None:
    """No setting: each family's own default cadence."""
    assert family_polls(None) == DEFAULTS


def test_family_polls_one_policy_for_all() -> None:
    """A single PollPolicy applies to every family."""
    assert family_polls(FAST) == dict.fromkeys(TaskKind, FAST)


def test_family_polls_mapping_overrides_the_families_it_names() -> None:
    """Keys are TaskKind members or value strings; others keep their default."""
    polls = family_polls({"wav": FAST, TaskKind.MIDI: SLOW})
    assert polls == {**DEFAULTS, TaskKind.WAV: FAST, TaskKind.MIDI: SLOW}


def test_family_polls_refuses_a_non_policy() -> None:
    """A value that is no PollPolicy is refused, naming its key and type."""
    with pytest.raises(InvalidArgumentError) as info:
        family_polls({"wav": 3.0})  # type: ignore[dict-item]
    assert str(info.value) == "poll['wav'] must be a PollPolicy, not float"


def test_family_polls_refuses_an_unknown_kind() -> None:
    """An unknown key is refused as task_kind refuses it."""
    with pytest.raises(InvalidArgumentError, match=r"^kind must be a TaskKind"):
        family_polls({"flac": FAST})


# -- handles --------------------------------------------------------------------------


def test_handle_is_its_task_id() -> None:
    """A handle is a str equal to, and hashing as, the plain id."""
    handle = TaskHandle("w1", TaskKind.WAV)
    assert isinstance(handle, str)
    assert (handle == "w1", hash(handle) == hash("w1"), {"w1": 1}[handle]) == (
        True,
        True,
        1,
    )


def test_handle_kind_defaults_to_music() -> None:
    """Without a kind, a handle is a music task's."""
    assert TaskHandle("t1").kind is TaskKind.MUSIC


def test_handle_takes_a_kind_value_string() -> None:
    """``kind="wav"`` is TaskKind.WAV."""
    assert TaskHandle("w1", "wav").kind is TaskKind.WAV


def test_handle_task_id_is_a_plain_str() -> None:
    """``task_id`` drops the handle: a plain str, for JSON or a database."""
    task_id = TaskHandle("w1", TaskKind.WAV).task_id
    assert (type(task_id), task_id) == (str, "w1")


def test_handle_str_and_json_are_the_id() -> None:
    """It prints and serializes as the id."""
    handle = TaskHandle("w1", TaskKind.WAV)
    assert (str(handle), f"{handle}", json.dumps(handle)) == ("w1", "w1", '"w1"')


def test_handle_repr_shows_its_kind() -> None:
    """repr() shows the id and the kind's value."""
    assert repr(TaskHandle("w1", TaskKind.VOCAL_REMOVAL)) == (
        "TaskHandle('w1', kind='vocal-removal')"
    )


@pytest.mark.parametrize("kind", list(TaskKind), ids=str)
def test_handle_pickles(kind: TaskKind) -> None:
    """A pickled handle comes back a handle of the same id and kind."""
    handle = pickle.loads(pickle.dumps(TaskHandle("h1", kind)))  # noqa: S301
    assert (type(handle), handle, handle.kind) == (TaskHandle, "h1", kind)


def test_handle_refuses_a_bad_kind() -> None:
    """An unknown kind is an InvalidArgumentError naming the valid values."""
    with pytest.raises(InvalidArgumentError, match="'cover-image', not 'flac'"):
        TaskHandle("h1", "flac")

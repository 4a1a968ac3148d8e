"""midi_bytes: a MIDI task's notes as a standard type-1 file, read back with mido."""

from __future__ import annotations

import io
import sys
from typing import Any

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from suno_async import (
    ConfigurationError,
    MidiInstrument,
    MidiNote,
    MidiRecord,
    TaskStatus,
)
from suno_async._core.midi_file import (
    MAX_TIME_S,
    TEMPO_US_PER_BEAT,
    TICKS_PER_BEAT,
    TICKS_PER_SECOND,
    midi_bytes,
)

# (type, note, velocity, absolute tick, channel) per note message
Played = tuple[str, int, int, int, int]


def record(*instruments: MidiInstrument) -> MidiRecord:
    return MidiRecord(
        task_id="m1d1",
        status=TaskStatus.SUCCESS,
        status_raw="1",
        instruments=instruments,
    )


def note(pitch: int, start: float, end: float, velocity: float = 1.0) -> MidiNote:
    return MidiNote(pitch=pitch, start=start, end=end, velocity=velocity)


def parse(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data), charset="utf-8")


def played(track: Any) -> list[Played]:
    """The track's note messages with absolute ticks."""
    tick, out = 0, []
    for message in track:
        tick += message.time
        if message.type in ("note_on", "note_off"):
            out.append(
                (message.type, message.note, message.velocity, tick, message.channel)
            )
    return out


def test_a_file_has_a_tempo_track_then_one_named_track_per_instrument() -> None:
    """Type 1, 480 ticks per beat, 120 bpm, tracks named after the instruments."""
    midi = parse(
        midi_bytes(
            record(
                MidiInstrument(name="Piano", notes=(note(60, 0.0, 0.5),)),
                MidiInstrument(name="Bass", notes=(note(40, 1.0, 2.0),)),
            )
        )
    )
    assert (midi.type, midi.ticks_per_beat) == (1, TICKS_PER_BEAT)
    assert [m.dict() for m in midi.tracks[0]] == [
        {"type": "set_tempo", "tempo": TEMPO_US_PER_BEAT, "time": 0},
        {"type": "end_of_track", "time": 0},
    ]
    assert [t.name for t in midi.tracks[1:]] == ["Piano", "Bass"]
    assert midi.length == pytest.approx(2.0)


def test_times_in_seconds_become_ticks_and_velocities_scale_to_127() -> None:
    """0.25 s is 240 ticks at 120 bpm; velocity 0.5 is 64."""
    midi = parse(
        midi_bytes(
            record(MidiInstrument(name="Lead", notes=(note(72, 0.25, 1.0, 0.5),)))
        )
    )
    assert TICKS_PER_SECOND == 960
    assert played(midi.tracks[1]) == [
        ("note_on", 72, 64, 240, 0),
        ("note_off", 72, 0, 960, 0),
    ]


def test_each_instrument_has_its_channel_and_drums_use_channel_ten() -> None:
    """Melodic instruments take channels 1, 2...; drums and percussion channel 10."""
    midi = parse(
        midi_bytes(
            record(
                MidiInstrument(name="Vocals", notes=(note(60, 0, 1),)),
                MidiInstrument(name="Drums", notes=(note(36, 0, 1),)),
                MidiInstrument(name="Percussion", notes=(note(38, 0, 1),)),
                MidiInstrument(name="Bass", notes=(note(40, 0, 1),)),
            )
        )
    )
    assert [played(t)[0][4] for t in midi.tracks[1:]] == [0, 9, 9, 1]


def test_more_than_fifteen_melodic_instruments_reuse_the_channels() -> None:
    """The 16th melodic instrument shares channel 1 again (channel 10 stays drums)."""
    instruments = [
        MidiInstrument(name=f"i{n}", notes=(note(60, 0, 1),)) for n in range(16)
    ]
    midi = parse(midi_bytes(record(*instruments)))
    channels = [played(t)[0][4] for t in midi.tracks[1:]]
    assert channels == [*range(9), *range(10, 16), 0]


@pytest.mark.parametrize(
    ("velocity", "expected"),
    [
        pytest.param(0.0, 1, id="zero-is-not-a-note-off"),
        pytest.param(-3.0, 1, id="negative"),
        pytest.param(1.0, 127, id="full"),
        pytest.param(7.5, 127, id="over-one"),
        pytest.param(float("nan"), 127, id="nan"),
    ],
)
def test_velocities_are_clamped(velocity: float, expected: int) -> None:
    """Velocities stay within 1 to 127 (a note-on of 0 would end the note)."""
    midi = parse(
        midi_bytes(record(MidiInstrument(name="x", notes=(note(60, 0, 1, velocity),))))
    )
    assert played(midi.tracks[1])[0][2] == expected


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(note(-1, 0, 1), id="pitch-below-0"),
        pytest.param(note(128, 0, 1), id="pitch-above-127"),
        pytest.param(note(60, float("nan"), 1), id="nan-start"),
        pytest.param(note(60, 0, float("inf")), id="infinite-end"),
        pytest.param(note(60, MAX_TIME_S + 1, MAX_TIME_S + 2), id="after-a-day"),
    ],
)
def test_notes_midi_cannot_hold_are_dropped(bad: MidiNote) -> None:
    """A pitch outside 0-127 or a time that is not a finite number drops the note."""
    midi = parse(
        midi_bytes(record(MidiInstrument(name="x", notes=(bad, note(64, 0, 1)))))
    )
    assert [p[:2] for p in played(midi.tracks[1])] == [
        ("note_on", 64),
        ("note_off", 64),
    ]


@pytest.mark.parametrize(
    ("start", "end", "on", "off"),
    [
        pytest.param(1.0, 1.0, 960, 961, id="zero-length"),
        pytest.param(1.0, 0.5, 960, 961, id="negative-length"),
        pytest.param(-2.0, 0.5, 0, 480, id="negative-start"),
        pytest.param(0.0, MAX_TIME_S * 2, 0, round(MAX_TIME_S * 960), id="end-clamped"),
    ],
)
def test_odd_times_still_make_a_note(
    start: float, end: float, on: int, off: int
) -> None:
    """No note is shorter than a tick; times stay between 0 and a day."""
    midi = parse(
        midi_bytes(record(MidiInstrument(name="x", notes=(note(60, start, end),))))
    )
    assert [(p[0], p[3]) for p in played(midi.tracks[1])] == [
        ("note_on", on),
        ("note_off", off),
    ]


def test_overlapping_notes_of_a_pitch_play_one_after_the_other() -> None:
    """The first ends where the second starts; other pitches are untouched."""
    notes = (note(60, 0.0, 1.0), note(60, 0.5, 1.5), note(64, 0.25, 0.75))
    midi = parse(midi_bytes(record(MidiInstrument(name="x", notes=notes))))
    assert [(p[0], p[1], p[3]) for p in played(midi.tracks[1])] == [
        ("note_on", 60, 0),
        ("note_on", 64, 240),
        ("note_off", 60, 480),
        ("note_on", 60, 480),
        ("note_off", 64, 720),
        ("note_off", 60, 1440),
    ]


def test_notes_starting_together_on_a_pitch_are_one() -> None:
    """Two notes of a pitch on the same tick: the longer, at the louder velocity."""
    notes = (note(60, 0.0, 0.5, 1.0), note(60, 0.0, 1.0, 0.5))
    midi = parse(midi_bytes(record(MidiInstrument(name="x", notes=notes))))
    assert played(midi.tracks[1]) == [
        ("note_on", 60, 127, 0, 0),
        ("note_off", 60, 0, 960, 0),
    ]


def test_a_note_ending_as_the_next_starts_is_off_first() -> None:
    """At a shared tick the note-off comes before the note-on."""
    notes = (note(60, 0.5, 1.0), note(60, 0.0, 0.5))  # given out of order
    midi = parse(midi_bytes(record(MidiInstrument(name="x", notes=notes))))
    assert [(p[0], p[3]) for p in played(midi.tracks[1])] == [
        ("note_on", 0),
        ("note_off", 480),
        ("note_on", 480),
        ("note_off", 960),
    ]


def test_an_instrument_without_notes_is_an_empty_named_track() -> None:
    """Its track holds its name and the end of the track only."""
    midi = parse(midi_bytes(record(MidiInstrument(name="Strings"))))
    assert [m.type for m in midi.tracks[1]] == ["track_name", "end_of_track"]


def test_names_keep_unicode_and_lose_control_characters() -> None:
    """Names are UTF-8; control and format characters are left out."""
    name = "Cl\u00e9\x1b[2J\u202eon"
    midi = parse(midi_bytes(record(MidiInstrument(name=name))))
    assert midi.tracks[1].name == "Cl\u00e9[2Jon"


def test_without_mido_a_configuration_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The error says what to install, and keeps the ImportError as its cause."""
    monkeypatch.setitem(sys.modules, "mido", None)
    with pytest.raises(ConfigurationError) as caught:
        midi_bytes(record(MidiInstrument(name="x")))
    assert str(caught.value) == (
        'saving a MIDI file needs mido, the midi extra: pip install "suno-async[midi]"'
    )
    assert isinstance(caught.value.__cause__, ImportError)


notes_st = st.builds(
    note,
    pitch=st.integers(-5, 135),
    start=st.floats(-10, 1000) | st.just(float("nan")),
    end=st.floats(-10, 1000) | st.just(float("inf")),
    velocity=st.floats(allow_nan=True),
)


@given(st.lists(st.lists(notes_st, max_size=8), max_size=4))
def test_any_notes_make_a_file_mido_reads_with_balanced_notes(
    instruments: list[list[MidiNote]],
) -> None:
    """Whatever the notes, each note-on is ended once, in order, within range."""
    midi = parse(
        midi_bytes(
            record(
                *(
                    MidiInstrument(name=f"i{n}", notes=tuple(notes))
                    for n, notes in enumerate(instruments)
                )
            )
        )
    )
    assert len(midi.tracks) == len(instruments) + 1
    for track in midi.tracks[1:]:
        sounding: set[int] = set()
        for kind, pitch, velocity, _tick, _channel in played(track):
            assert 0 <= pitch <= 127
            if kind == "note_on":
                assert pitch not in sounding
                assert 1 <= velocity <= 127
                sounding.add(pitch)
            else:
                sounding.remove(pitch)
        assert not sounding

"""A standard MIDI file from a MIDI task's notes: :func:`midi_bytes`.

The service sends notes as ``(pitch, start, end, velocity)`` with times in
seconds and velocities from 0 to 1 (:class:`~suno_async.MidiNote`). The file
is type 1: a first track holding the tempo (120 beats per minute, so
:data:`TICKS_PER_SECOND` ticks per second), then one track per instrument,
named after it, on a channel of its own (a drum or percussion instrument on
channel 10, General MIDI's percussion channel). It is written with mido,
imported only here and only when called: it is the ``midi`` extra.

What the service sends is taken as it comes, within MIDI's rules:

* times are rounded to the nearest tick; a start before 0 counts as 0; a
  note starting after :data:`MAX_TIME_S` is dropped and a note ending after
  it ends there; a time that is not a finite number drops its note;
* a note lasting no tick (an end at or before its start) lasts one tick;
* a pitch outside 0 to 127 drops its note (MIDI has no such key);
* velocities are scaled to 1 to 127 and clamped (0 would be a note-off);
* two notes of the same pitch that overlap on an instrument are played one
  after the other: the first ends where the second starts (two notes
  starting on the same tick are one, the longer and louder);
* an instrument without notes is an empty named track; control and format
  characters are left out of the names (UTF-8).
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterable
from typing import Final

from suno_async._core.errors import ConfigurationError
from suno_async._core.family_records import MidiInstrument, MidiNote, MidiRecord

__all__ = [
    "MAX_TIME_S",
    "MIDI_INSTALL_HINT",
    "TEMPO_US_PER_BEAT",
    "TICKS_PER_BEAT",
    "TICKS_PER_SECOND",
    "midi_bytes",
]

#: Ticks per beat (quarter note) of the file.
TICKS_PER_BEAT: Final = 480
#: The file's tempo, in microseconds per beat (120 beats per minute).
TEMPO_US_PER_BEAT: Final = 500_000
#: Ticks per second at that tempo.
TICKS_PER_SECOND: Final = TICKS_PER_BEAT * 1_000_000 // TEMPO_US_PER_BEAT
#: The latest time a note may have, in seconds (a day); MIDI's delta times
#: are bounded, and no song is longer.
MAX_TIME_S: Final = 86_400.0
#: What to install when mido is missing.
MIDI_INSTALL_HINT: Final = 'pip install "suno-async[midi]"'

_CHANNELS: Final = tuple(c for c in range(16) if c != 9)
_PERCUSSION_CHANNEL: Final = 9
_PERCUSSION_WORDS: Final = ("drum", "percussion")
# (tick, order, pitch, velocity): order 0 is a note-off, 1 a note-on, so
# that a note ending on a tick is off before the next one starts.
_Event = tuple[int, int, int, int]


def midi_bytes(record: MidiRecord) -> bytes:
    """The notes of ``record`` as a standard type-1 MIDI file (see the module).

    Raises :class:`~suno_async.ConfigurationError` naming the ``midi`` extra
    when mido is not installed.
    """
    try:
        import mido
    except ImportError as exc:
        raise ConfigurationError(
            f"saving a MIDI file needs mido, the midi extra: {MIDI_INSTALL_HINT}"
        ) from exc
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT, charset="utf-8")
    midi.tracks.append(
        mido.MidiTrack(
            [
                mido.MetaMessage("set_tempo", tempo=TEMPO_US_PER_BEAT, time=0),
                mido.MetaMessage("end_of_track", time=0),
            ]
        )
    )
    melodic = iter(_CHANNELS * (len(record.instruments) // len(_CHANNELS) + 1))
    for instrument in record.instruments:
        percussion = any(w in instrument.name.lower() for w in _PERCUSSION_WORDS)
        channel = _PERCUSSION_CHANNEL if percussion else next(melodic)
        track = mido.MidiTrack()
        name = "".join(c for c in instrument.name if unicodedata.category(c)[0] != "C")
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        last = 0
        for tick, order, pitch, velocity in _events(instrument):
            kind = "note_on" if order else "note_off"
            track.append(
                mido.Message(
                    kind,
                    channel=channel,
                    note=pitch,
                    velocity=velocity,
                    time=tick - last,
                )
            )
            last = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _tick(seconds: float) -> int:
    return round(min(max(seconds, 0.0), MAX_TIME_S) * TICKS_PER_SECOND)


def _velocity(value: float) -> int:
    if not math.isfinite(value):
        return 127
    return max(round(min(max(value, 0.0), 1.0) * 127), 1)


def _playable(notes: Iterable[MidiNote]) -> list[tuple[int, int, int, int]]:
    """``(pitch, on_tick, off_tick, velocity)`` of the notes MIDI can hold."""
    kept = []
    for note in notes:
        if not (0 <= note.pitch <= 127):
            continue
        if not (math.isfinite(note.start) and math.isfinite(note.end)):
            continue
        if note.start > MAX_TIME_S:
            continue
        on = _tick(note.start)
        off = max(_tick(note.end), on + 1)
        kept.append((note.pitch, on, off, _velocity(note.velocity)))
    return kept


def _events(instrument: MidiInstrument) -> list[_Event]:
    """Note-ons and note-offs in time order, overlaps of a pitch resolved."""
    events: list[_Event] = []
    notes = sorted(_playable(instrument.notes), key=lambda n: (n[0], n[1], -n[2]))
    sounding: list[int] | None = None  # [pitch, on, off, velocity] of the last
    for pitch, on, off, velocity in [*notes, (-1, 0, 0, 0)]:
        if sounding is not None and sounding[0] == pitch and sounding[1] == on:
            sounding[3] = max(sounding[3], velocity)  # the same start: one note
            continue
        if sounding is not None:
            if sounding[0] == pitch and sounding[2] > on:
                sounding[2] = on  # cut where the next one of the pitch starts
            events.append((sounding[1], 1, sounding[0], sounding[3]))
            events.append((sounding[2], 0, sounding[0], 0))
        sounding = [pitch, on, off, velocity]
    events.sort()
    return events

"""The wire vocabulary of the non-music families: times, stems, media URLs."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

__all__ = [
    "SEPARATIONS",
    "STEM_KEYS",
    "iso_z",
    "plain_time",
    "separation_stems",
    "stem_key",
    "stem_url",
    "whole_ms",
]

#: The ``type`` values of a vocal-removal request.
SEPARATIONS: Final = ("separate_vocal", "split_stem", "split_stem_advanced")
#: Each stem group: its record-info URL key and its callback key.
STEM_KEYS: Final[Mapping[str, tuple[str, str]]] = {
    "Instrumental": ("instrumentalUrl", "instrumental_url"),
    "Vocals": ("vocalUrl", "vocal_url"),
    "Backing Vocals": ("backingVocalsUrl", "backing_vocals_url"),
    "Drums": ("drumsUrl", "drums_url"),
    "Bass": ("bassUrl", "bass_url"),
    "Guitar": ("guitarUrl", "guitar_url"),
    "Keyboard": ("keyboardUrl", "keyboard_url"),
    "Percussion": ("percussionUrl", "percussion_url"),
    "Strings": ("stringsUrl", "strings_url"),
    "Synth": ("synthUrl", "synth_url"),
    "FX": ("fxUrl", "fx_url"),
    "Brass": ("brassUrl", "brass_url"),
    "Woodwinds": ("woodwindsUrl", "woodwinds_url"),
}
_SPLIT_STEM: Final = tuple(g for g in STEM_KEYS if g != "Instrumental")


def separation_stems(separation: str, stem_name: str | None) -> tuple[str, ...]:
    """The stem groups a separation makes, in ``originData`` order.

    ``split_stem_advanced`` is undocumented on the wire: we guess the stem
    asked for (``stemName``) and the instrumental rest.
    """
    if separation == "split_stem":
        return _SPLIT_STEM
    if separation == "split_stem_advanced":
        return (stem_name or "Stem", "Instrumental")
    return ("Vocals", "Instrumental")


def stem_key(group: str) -> tuple[str, str] | None:
    """A stem group's ``(record key, callback key)``, matched case-insensitively."""
    for name, keys in STEM_KEYS.items():
        if name.lower() == group.strip().lower():
            return keys
    return None


def stem_url(base_url: str, media_id: str, group: str) -> str:
    """A stem file's URL: ``{base}/files/stems/{id}_Backing_Vocals.mp3``."""
    return f"{base_url}/files/stems/{media_id}_{group.replace(' ', '_')}.mp3"


def whole_ms(epoch_s: float) -> int:
    """Epoch milliseconds, whole seconds (as the service writes them)."""
    return int(epoch_s) * 1000


def plain_time(epoch_s: float) -> str:
    """``"yyyy-MM-dd HH:mm:ss"``, in UTC (the service documents no zone)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch_s))


def iso_z(epoch_s: float) -> str:
    """ISO 8601 with ``Z``, whole seconds: ``"2025-01-15T10:33:01.000Z"``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch_s))

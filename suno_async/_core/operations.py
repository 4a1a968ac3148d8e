"""The task-creating endpoints as data: their fields, presence rules and length limits.

:mod:`suno_async._core.request_bodies` checks requests against these tables; the
simulator uses the same tables to answer as the service does. Where the
providers' documents disagree, the table follows kie.ai (which Apikley
follows), and requires only what every provider requires.

Fields per operation (Python name → wire name in :data:`FIELDS`)::

    generate          custom_mode instrumental model prompt style title negative_tags
                      vocal_gender style_weight weirdness_constraint audio_weight
                      persona_id callback_url
    upload_cover      upload_url + the fields of generate
    extend            custom_params audio_id model prompt style title continue_at
                      negative_tags vocal_gender style_weight weirdness_constraint
                      audio_weight persona_id callback_url
    upload_extend     upload_url custom_params instrumental + the rest of extend
                      but audio_id
    add_instrumental  upload_url title tags negative_tags model vocal_gender
                      style_weight weirdness_constraint audio_weight callback_url
    add_vocals        upload_url prompt title style negative_tags model
                      vocal_gender style_weight weirdness_constraint audio_weight
                      callback_url

Rules (``custom`` is ``custom_mode`` or ``custom_params``, the wire's
``customMode`` / ``defaultParamFlag``):

* always required: ``callback_url``, ``model``, the mode switches, and
  ``audio_id`` (extend), ``upload_url`` (upload_*, add_*), ``title``,
  ``tags``, ``negative_tags`` (add_instrumental), ``prompt``, ``title``,
  ``style``, ``negative_tags`` (add_vocals);
* custom mode requires ``style`` and ``title``, a ``prompt`` (unless
  ``instrumental``; extend has no such switch), and ``continue_at`` for the
  extends; outside custom mode generate and upload_cover require a
  ``prompt`` of at most 500 characters, and the client refuses ``style`` and
  ``title`` in every operation with modes (the service would ignore them);
* lengths by model (:data:`MODEL_LIMITS`; unknown models get
  :data:`NEWEST_LIMITS`): prompt / style (and ``tags``) / title:

  ============================ ====== ===== ===== ================
  model                        prompt style title title (extends,
                                                   add_*)
  ============================ ====== ===== ===== ================
  V3_5, V4                     3000   200   80    80
  V4_5ALL                      5000   1000  80    80
  V4_5, V4_5PLUS, V5, V5_5,    5000   1000  80    100
  and any other name
  ============================ ====== ===== ===== ================

* weights (``style_weight``, ``weirdness_constraint``, ``audio_weight``)
  from 0 to 1; ``vocal_gender`` ``"m"`` or ``"f"``; ``continue_at`` seconds
  above 0; ``upload_url`` and ``callback_url`` http(s) URLs with a host;
  switches are ``bool``, texts ``str``; ``negative_tags`` has no documented
  limit. Lengths count Python characters (code points).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypedDict

import attrs

__all__ = [
    "DEFAULT_MODEL",
    "FIELDS",
    "MODEL_LIMITS",
    "NEWEST_LIMITS",
    "NON_CUSTOM_PROMPT_CHARS",
    "OPERATIONS",
    "Field",
    "ModelLimits",
    "Operation",
    "limits_for",
]

#: The model a creation uses unless told otherwise (add_* use ``"V4_5PLUS"``).
Gender = Literal["m", "f"]
"""The ``vocal_gender`` values: ``"m"`` or ``"f"``."""


class SongOptions(TypedDict, total=False):
    """The optional keywords every song-creating call takes (each may be ``None``).

    ``vocal_gender`` is ``"m"`` or ``"f"``; ``style_weight``,
    ``weirdness_constraint`` and ``audio_weight`` are 0 to 1;
    ``callback_url`` is where the service posts the results (default: the
    client's ``callback_url``; one of them is required); ``extra`` adds wire
    fields this SDK does not know yet (JSON values, no known field).
    """

    vocal_gender: Gender | None
    style_weight: float | None
    weirdness_constraint: float | None
    audio_weight: float | None
    callback_url: str | None
    extra: Mapping[str, Any] | None


DEFAULT_MODEL: Final = "V4_5"
#: Longest prompt outside custom mode (generate, upload_cover).
NON_CUSTOM_PROMPT_CHARS: Final = 500

Kind = Literal["switch", "model", "text", "id", "url", "weight", "gender", "seconds"]
LimitKey = Literal["prompt", "style", "title"]


@attrs.frozen(kw_only=True)
class ModelLimits:
    """Longest prompt, style and title (characters) a model accepts.

    ``long_title`` applies to extend, upload_extend, add_instrumental and
    add_vocals, ``title`` to generate and upload_cover.
    """

    prompt: int
    style: int
    title: int
    long_title: int


_V4: Final = ModelLimits(prompt=3000, style=200, title=80, long_title=80)
_V4_5ALL: Final = ModelLimits(prompt=5000, style=1000, title=80, long_title=80)
#: The limits of the newest models, also used for model names not listed.
NEWEST_LIMITS: Final = ModelLimits(prompt=5000, style=1000, title=80, long_title=100)
#: Limits per known model name.
MODEL_LIMITS: Final[Mapping[str, ModelLimits]] = {
    "V3_5": _V4,
    "V4": _V4,
    "V4_5": NEWEST_LIMITS,
    "V4_5PLUS": NEWEST_LIMITS,
    "V4_5ALL": _V4_5ALL,
    "V5": NEWEST_LIMITS,
    "V5_5": NEWEST_LIMITS,
}


def limits_for(model: str) -> ModelLimits:
    """The limits of ``model``; the newest known ones for a name not listed."""
    return MODEL_LIMITS.get(model, NEWEST_LIMITS)


@attrs.frozen
class Field:
    """One request field: Python name, wire name, kind, and which length limit."""

    name: str
    wire: str
    kind: Kind
    limit: LimitKey | None = None


#: Every creation field, by Python name.
FIELDS: Final[Mapping[str, Field]] = {
    f.name: f
    for f in (
        Field("custom_mode", "customMode", "switch"),
        Field("custom_params", "defaultParamFlag", "switch"),
        Field("instrumental", "instrumental", "switch"),
        Field("model", "model", "model"),
        Field("prompt", "prompt", "text", "prompt"),
        Field("style", "style", "text", "style"),
        Field("title", "title", "text", "title"),
        Field("tags", "tags", "text", "style"),
        Field("negative_tags", "negativeTags", "text"),
        Field("vocal_gender", "vocalGender", "gender"),
        Field("style_weight", "styleWeight", "weight"),
        Field("weirdness_constraint", "weirdnessConstraint", "weight"),
        Field("audio_weight", "audioWeight", "weight"),
        Field("persona_id", "personaId", "id"),
        Field("audio_id", "audioId", "id"),
        Field("continue_at", "continueAt", "seconds"),
        Field("upload_url", "uploadUrl", "url"),
        Field("callback_url", "callBackUrl", "url"),
    )
}


@attrs.frozen(kw_only=True)
class Operation:
    """One task-creating endpoint: its path, fields and presence rules.

    ``mode`` names the custom-mode switch (``None``: no modes);
    ``custom_required`` holds only in custom mode, ``plain_required`` only
    outside it; ``lyrics`` asks for a prompt in custom mode unless
    ``instrumental``; ``plain_prompt_chars`` caps the prompt outside custom
    mode (``None``: the model's limit); ``long_titles`` picks
    :attr:`ModelLimits.long_title`.
    """

    name: str
    path: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    default_model: str = DEFAULT_MODEL
    mode: str | None = None
    custom_required: tuple[str, ...] = ()
    plain_required: tuple[str, ...] = ()
    lyrics: bool = False
    plain_prompt_chars: int | None = None
    long_titles: bool = True


def _names(*groups: str) -> tuple[str, ...]:
    return tuple(name for group in groups for name in group.split())


_SOUND: Final = "vocal_gender style_weight weirdness_constraint audio_weight"
_GENERATE: Final = _names(
    "custom_mode instrumental model prompt style title negative_tags",
    _SOUND,
    "persona_id callback_url",
)
_EXTEND: Final = _names(
    "model prompt style title continue_at negative_tags",
    _SOUND,
    "persona_id callback_url",
)
_GENERATE_RULES: Final[Mapping[str, Any]] = {
    "mode": "custom_mode",
    "custom_required": ("style", "title"),
    "plain_required": ("prompt",),
    "lyrics": True,
    "plain_prompt_chars": NON_CUSTOM_PROMPT_CHARS,
    "long_titles": False,
}

#: The six task-creating operations, by name.
OPERATIONS: Final[Mapping[str, Operation]] = {
    op.name: op
    for op in (
        Operation(
            name="generate",
            path="/api/v1/generate",
            fields=_GENERATE,
            required=_names("custom_mode instrumental model callback_url"),
            **_GENERATE_RULES,
        ),
        Operation(
            name="upload_cover",
            path="/api/v1/generate/upload-cover",
            fields=("upload_url", *_GENERATE),
            required=_names("upload_url custom_mode instrumental model callback_url"),
            **_GENERATE_RULES,
        ),
        Operation(
            name="extend",
            path="/api/v1/generate/extend",
            fields=("custom_params", "audio_id", *_EXTEND),
            required=_names("custom_params audio_id model callback_url"),
            mode="custom_params",
            custom_required=_names("prompt style title continue_at"),
        ),
        Operation(
            name="upload_extend",
            path="/api/v1/generate/upload-extend",
            fields=("upload_url", "custom_params", "instrumental", *_EXTEND),
            required=_names("upload_url custom_params instrumental model callback_url"),
            mode="custom_params",
            custom_required=_names("style title continue_at"),
            lyrics=True,
        ),
        Operation(
            name="add_instrumental",
            path="/api/v1/generate/add-instrumental",
            fields=_names(
                "upload_url title tags negative_tags model", _SOUND, "callback_url"
            ),
            required=_names("upload_url title tags negative_tags model callback_url"),
            default_model="V4_5PLUS",
        ),
        Operation(
            name="add_vocals",
            path="/api/v1/generate/add-vocals",
            fields=_names(
                "upload_url prompt title style negative_tags model",
                _SOUND,
                "callback_url",
            ),
            required=_names(
                "upload_url prompt title style negative_tags model callback_url"
            ),
            default_model="V4_5PLUS",
        ),
    )
}

"""Creation requests: the wire body, and every validation rule at its boundary."""

from __future__ import annotations

import math
from typing import Any

import pytest

from suno_async import APIError, InvalidArgumentError
from suno_async._core.operations import (
    FIELDS,
    MODEL_LIMITS,
    NEWEST_LIMITS,
    OPERATIONS,
    ModelLimits,
    limits_for,
)
from suno_async._core.request_bodies import Problem, build_body, check_body, url_problem

CB = "https://app.example/suno-callback"
SRC = "https://files.example/source.mp3"

BASE: dict[str, dict[str, Any]] = {
    "generate": {
        "custom_mode": False,
        "instrumental": False,
        "model": "V4_5",
        "prompt": "a calm piano piece",
    },
    "upload_cover": {
        "upload_url": SRC,
        "custom_mode": False,
        "instrumental": False,
        "model": "V4_5",
        "prompt": "a calm piano piece",
    },
    "extend": {"custom_params": False, "audio_id": "a1", "model": "V4_5"},
    "upload_extend": {
        "upload_url": SRC,
        "custom_params": False,
        "instrumental": False,
        "model": "V4_5",
    },
    "add_instrumental": {
        "upload_url": SRC,
        "title": "Rain",
        "tags": "piano, calm",
        "negative_tags": "metal",
        "model": "V4_5PLUS",
    },
    "add_vocals": {
        "upload_url": SRC,
        "prompt": "[Verse] la la",
        "title": "Rain",
        "style": "pop",
        "negative_tags": "metal",
        "model": "V4_5PLUS",
    },
}
_CUSTOM_SONG = {"custom_mode": True, "prompt": "[Verse]", "style": "pop", "title": "T"}
_CUSTOM_EXTEND = {
    "custom_params": True,
    "prompt": "[Verse]",
    "style": "pop",
    "title": "T",
    "continue_at": 30,
}
CUSTOM: dict[str, dict[str, Any]] = {
    "generate": _CUSTOM_SONG,
    "upload_cover": _CUSTOM_SONG,
    "extend": _CUSTOM_EXTEND,
    "upload_extend": _CUSTOM_EXTEND,
    "add_instrumental": {},
    "add_vocals": {},
}


def build(name: str, *, custom: bool = False, **values: Any) -> dict[str, Any]:
    """The body of a valid request of operation ``name``, changed by ``values``."""
    merged = {**BASE[name], **(CUSTOM[name] if custom else {}), **values}
    merged = {k: v for k, v in merged.items() if v is not ...}
    return build_body(OPERATIONS[name], merged, callback_url=CB)


def refusal(name: str, *, custom: bool = False, **values: Any) -> str:
    """The message of the InvalidArgumentError the request raises."""
    with pytest.raises(InvalidArgumentError) as caught:
        build(name, custom=custom, **values)
    assert isinstance(caught.value, ValueError)
    assert not isinstance(caught.value, APIError)  # nothing reached the service
    return str(caught.value)


# --- the wire body -----------------------------------------------------------------


def test_generate_maps_every_field_to_its_wire_name() -> None:
    """Python names become camelCase; the callback URL goes last."""
    body = build(
        "generate",
        custom=True,
        model="V5",
        negative_tags="metal",
        vocal_gender="f",
        style_weight=0.65,
        weirdness_constraint=0.5,
        audio_weight=0.25,
        persona_id="p1",
    )
    assert body == {
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": "[Verse]",
        "style": "pop",
        "title": "T",
        "negativeTags": "metal",
        "vocalGender": "f",
        "styleWeight": 0.65,
        "weirdnessConstraint": 0.5,
        "audioWeight": 0.25,
        "personaId": "p1",
        "callBackUrl": CB,
    }
    assert list(body)[-1] == "callBackUrl"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "extend",
            {
                "defaultParamFlag": True,
                "audioId": "a1",
                "model": "V4_5",
                "prompt": "[Verse]",
                "style": "pop",
                "title": "T",
                "continueAt": 30,
                "callBackUrl": CB,
            },
        ),
        (
            "upload_extend",
            {
                "uploadUrl": SRC,
                "defaultParamFlag": True,
                "instrumental": False,
                "model": "V4_5",
                "prompt": "[Verse]",
                "style": "pop",
                "title": "T",
                "continueAt": 30,
                "callBackUrl": CB,
            },
        ),
        (
            "add_instrumental",
            {
                "uploadUrl": SRC,
                "title": "Rain",
                "tags": "piano, calm",
                "negativeTags": "metal",
                "model": "V4_5PLUS",
                "callBackUrl": CB,
            },
        ),
        (
            "add_vocals",
            {
                "uploadUrl": SRC,
                "prompt": "[Verse] la la",
                "title": "Rain",
                "style": "pop",
                "negativeTags": "metal",
                "model": "V4_5PLUS",
                "callBackUrl": CB,
            },
        ),
    ],
)
def test_each_operation_sends_its_wire_fields(name: str, body: dict[str, Any]) -> None:
    """defaultParamFlag, audioId, continueAt, uploadUrl... keep their wire names."""
    assert build(name, custom=True) == body


def test_unset_fields_are_left_out() -> None:
    """``None`` means "not sent": the body carries only what was given."""
    assert build("generate", negative_tags=None, persona_id=None) == {
        "customMode": False,
        "instrumental": False,
        "model": "V4_5",
        "prompt": "a calm piano piece",
        "callBackUrl": CB,
    }


def test_extra_fields_pass_through_after_the_known_ones() -> None:
    """``extra`` adds wire fields the SDK does not know, unchecked."""
    body = build_body(
        OPERATIONS["generate"],
        BASE["generate"],
        callback_url=CB,
        extra={"personaModel": "voice_persona", "audioId": "not-a-generate-field"},
    )
    assert list(body.items())[-2:] == [
        ("personaModel", "voice_persona"),
        ("audioId", "not-a-generate-field"),
    ]


@pytest.mark.parametrize("key", ["style", "negativeTags", "custom_mode", "callBackUrl"])
def test_extra_cannot_repeat_a_known_field(key: str) -> None:
    """A known field (wire or Python name) belongs in its keyword argument."""
    with pytest.raises(InvalidArgumentError) as caught:
        build_body(
            OPERATIONS["generate"], BASE["generate"], callback_url=CB, extra={key: 1}
        )
    python = next(f.name for f in FIELDS.values() if key in (f.name, f.wire))
    assert str(caught.value) == (
        f"invalid generate request: extra[{key!r}] repeats a known field: pass "
        f"{python}=... instead"
    )


@pytest.mark.parametrize(
    "value",
    [object(), math.nan, {1: "a"}, [1, {"a": math.inf}], b"bytes"],
    ids=["object", "nan", "int-key", "nested-inf", "bytes"],
)
def test_extra_must_be_json(value: object) -> None:
    """A value JSON cannot carry is refused before anything is sent."""
    with pytest.raises(InvalidArgumentError) as caught:
        build_body(
            OPERATIONS["generate"],
            BASE["generate"],
            callback_url=CB,
            extra={"x": value},
        )
    assert str(caught.value) == (
        "invalid generate request: extra must hold JSON values only (str, int, "
        "float, bool, None, lists and str-keyed dicts of them)"
    )


def test_extra_may_nest_json_values() -> None:
    """Lists, dicts, numbers, booleans and nulls all pass through."""
    extra = {"x": [1, 2.5, True, None, {"y": ["z"]}], "t": (1,)}
    body = build_body(
        OPERATIONS["generate"], BASE["generate"], callback_url=CB, extra=extra
    )
    assert (body["x"], body["t"]) == (extra["x"], (1,))


def test_a_missing_callback_url_says_how_to_set_one() -> None:
    """No callback URL from the call nor the client: a clear error, no invention."""
    with pytest.raises(InvalidArgumentError) as caught:
        build_body(OPERATIONS["generate"], BASE["generate"], callback_url=None)
    assert str(caught.value) == (
        "invalid generate request: callback_url is required: the service posts "
        "the task's results to it. Pass callback_url=... to this call, or set it "
        "once with SunoClient(callback_url=...)"
    )


# --- length limits, at the limit and one past it ----------------------------------

_LENGTHS = [
    # operation, custom, model, field, limit, who sets it
    ("generate", False, "V4_5", "prompt", 500, "outside custom mode"),
    ("generate", False, "V4", "prompt", 500, "outside custom mode"),
    ("upload_cover", False, "V5", "prompt", 500, "outside custom mode"),
    ("generate", True, "V4", "prompt", 3000, "model V4 allows"),
    ("generate", True, "V4", "style", 200, "model V4 allows"),
    ("generate", True, "V4", "title", 80, "model V4 allows"),
    ("generate", True, "V3_5", "prompt", 3000, "model V3_5 allows"),
    ("generate", True, "V3_5", "style", 200, "model V3_5 allows"),
    ("generate", True, "V4_5", "prompt", 5000, "model V4_5 allows"),
    ("generate", True, "V4_5", "style", 1000, "model V4_5 allows"),
    ("generate", True, "V4_5", "title", 80, "model V4_5 allows"),
    ("generate", True, "V4_5ALL", "prompt", 5000, "model V4_5ALL allows"),
    ("generate", True, "V4_5PLUS", "style", 1000, "model V4_5PLUS allows"),
    ("generate", True, "V5", "title", 80, "model V5 allows"),
    ("generate", True, "V5_5", "prompt", 5000, "model V5_5 allows"),
    ("generate", True, "V7_TURBO", "prompt", 5000, "model V7_TURBO allows"),
    ("generate", True, "V7_TURBO", "style", 1000, "model V7_TURBO allows"),
    ("generate", True, "V7_TURBO", "title", 80, "model V7_TURBO allows"),
    ("upload_cover", True, "V4", "style", 200, "model V4 allows"),
    ("upload_cover", True, "V4_5", "title", 80, "model V4_5 allows"),
    ("extend", True, "V4", "prompt", 3000, "model V4 allows"),
    ("extend", True, "V4", "style", 200, "model V4 allows"),
    ("extend", True, "V4", "title", 80, "model V4 allows"),
    ("extend", True, "V4_5", "prompt", 5000, "model V4_5 allows"),
    ("extend", True, "V4_5", "title", 100, "model V4_5 allows"),
    ("extend", True, "V4_5ALL", "title", 80, "model V4_5ALL allows"),
    ("extend", True, "V4_5PLUS", "title", 100, "model V4_5PLUS allows"),
    ("extend", True, "V5", "title", 100, "model V5 allows"),
    ("extend", True, "V7_TURBO", "title", 100, "model V7_TURBO allows"),
    ("upload_extend", True, "V5", "title", 100, "model V5 allows"),
    ("upload_extend", True, "V4", "style", 200, "model V4 allows"),
    ("upload_extend", False, "V4", "prompt", 3000, "model V4 allows"),
    ("extend", False, "V4_5", "prompt", 5000, "model V4_5 allows"),
    ("add_instrumental", False, "V4_5PLUS", "title", 100, "model V4_5PLUS allows"),
    ("add_instrumental", False, "V5", "tags", 1000, "model V5 allows"),
    ("add_vocals", False, "V4_5PLUS", "prompt", 5000, "model V4_5PLUS allows"),
    ("add_vocals", False, "V4_5PLUS", "style", 1000, "model V4_5PLUS allows"),
    ("add_vocals", False, "V5", "title", 100, "model V5 allows"),
]
_LENGTH_IDS = [f"{o}-{'custom-' if c else ''}{m}-{f}" for o, c, m, f, _, _ in _LENGTHS]


@pytest.mark.parametrize(
    ("name", "custom", "model", "field", "limit", "who"), _LENGTHS, ids=_LENGTH_IDS
)
def test_a_text_at_its_limit_is_accepted(
    name: str, custom: bool, model: str, field: str, limit: int, who: str
) -> None:
    """Exactly the documented number of characters goes through."""
    body = build(name, custom=custom, model=model, **{field: "é" * limit})
    assert body[FIELDS[field].wire] == "é" * limit


@pytest.mark.parametrize(
    ("name", "custom", "model", "field", "limit", "who"), _LENGTHS, ids=_LENGTH_IDS
)
def test_a_text_one_past_its_limit_is_refused(
    name: str, custom: bool, model: str, field: str, limit: int, who: str
) -> None:
    """One character more raises, naming the field, the model and the limit."""
    message = refusal(name, custom=custom, model=model, **{field: "é" * (limit + 1)})
    assert message == (
        f"invalid {name} request: {field} is {limit + 1} characters long; "
        f"{who} at most {limit}"
    )


def test_negative_tags_have_no_limit() -> None:
    """No length is documented for negativeTags: none is enforced."""
    assert build("generate", negative_tags="x" * 10_000)["negativeTags"] == "x" * 10_000


def test_unknown_models_get_the_newest_limits() -> None:
    """Model names are open strings; a new one is checked like the newest known."""
    assert limits_for("V9") is NEWEST_LIMITS
    assert limits_for("V4") == ModelLimits(
        prompt=3000, style=200, title=80, long_title=80
    )
    assert MODEL_LIMITS["V5_5"] == NEWEST_LIMITS


# --- values: weights, gender, seconds, URLs, switches ---------------------------------

WEIGHTS = ["style_weight", "weirdness_constraint", "audio_weight"]


@pytest.mark.parametrize("field", WEIGHTS)
@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 1.0])
def test_weights_from_0_to_1_are_accepted(field: str, value: Any) -> None:
    """Both ends of the 0-1 range are allowed."""
    assert build("generate", **{field: value})[FIELDS[field].wire] == value


@pytest.mark.parametrize("field", WEIGHTS)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(math.nextafter(0.0, -1.0), id="just-below-0"),
        pytest.param(math.nextafter(1.0, 2.0), id="just-above-1"),
        pytest.param(-1, id="minus-1"),
        pytest.param(math.nan, id="nan"),
        pytest.param(True, id="bool"),
        pytest.param("0.5", id="string"),
    ],
)
def test_weights_outside_0_to_1_are_refused(field: str, value: Any) -> None:
    """Past either end, or not a number at all, the weight is refused."""
    assert refusal("generate", **{field: value}) == (
        f"invalid generate request: {field} must be a number from 0 to 1, not {value!r}"
    )


@pytest.mark.parametrize("gender", ["m", "f"])
def test_vocal_gender_is_m_or_f(gender: str) -> None:
    """The two documented values pass."""
    assert build("add_vocals", vocal_gender=gender)["vocalGender"] == gender


@pytest.mark.parametrize("gender", ["M", "x", "", "male"])
def test_another_vocal_gender_is_refused(gender: str) -> None:
    """Anything else is refused, case included."""
    assert refusal("add_vocals", vocal_gender=gender) == (
        f"invalid add_vocals request: vocal_gender must be 'm' or 'f', not {gender!r}"
    )


@pytest.mark.parametrize("seconds", [math.nextafter(0.0, 1.0), 1, 60.5])
def test_continue_at_above_0_is_accepted(seconds: float) -> None:
    """Any positive number of seconds passes (the source's length is not known here)."""
    assert build("extend", custom=True, continue_at=seconds)["continueAt"] == seconds


@pytest.mark.parametrize("seconds", [0, 0.0, -1, math.inf, math.nan, "30"])
def test_continue_at_not_above_0_is_refused(seconds: object) -> None:
    """0, negatives, infinities and non-numbers are refused."""
    assert refusal("upload_extend", custom=True, continue_at=seconds) == (
        "invalid upload_extend request: continue_at must be a number of seconds "
        f"above 0, not {seconds!r}"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/cb", "https://app.example/cb?token=1", "HTTPS://A.B"]
)
def test_http_and_https_urls_are_accepted(url: str) -> None:
    """Both schemes, any port, path or query."""
    assert build("upload_cover", upload_url=url)["uploadUrl"] == url
    body = build_body(OPERATIONS["generate"], BASE["generate"], callback_url=url)
    assert body["callBackUrl"] == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example/a.mp3",
        "files.example/a.mp3",
        "https://",
        "https://files example/a.mp3",
        "https://[::1/a.mp3",
        "javascript:alert(1)",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    """Other schemes, missing hosts and whitespace are refused, for both URLs."""
    assert refusal("upload_cover", upload_url=url) == (
        f"invalid upload_cover request: upload_url must be an http(s) URL, not {url!r}"
    )
    with pytest.raises(InvalidArgumentError) as caught:
        build_body(OPERATIONS["generate"], BASE["generate"], callback_url=url)
    assert str(caught.value) == (
        f"invalid generate request: callback_url must be an http(s) URL, not {url!r}"
    )


def test_a_url_of_another_type_is_refused() -> None:
    """A URL must be a string; a long one is shortened in the message."""
    assert url_problem(b"https://a.b") == "must be an http(s) URL, not bytes"
    long_url = "ftp://" + "x" * 200
    assert url_problem(long_url) == f"must be an http(s) URL, not {long_url[:80]!r}"


@pytest.mark.parametrize("value", ["yes", 1, 0, None])
def test_switches_must_be_bools(value: object) -> None:
    """``custom_mode=1`` is a mistake, not a truthy value; ``None`` a missing one."""
    expected = (
        "custom_mode is required"
        if value is None
        else f"custom_mode must be True or False, not {value!r}"
    )
    assert refusal("generate", custom_mode=value) == (
        f"invalid generate request: {expected}"
    )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("model", "", "model is required"),
        ("model", 4, "model must be a non-empty string, not 4"),
        ("prompt", 42, "prompt must be a string, not 42"),
        ("persona_id", " ", "persona_id must be a non-empty string, not ' '"),
        ("negative_tags", ["metal"], "negative_tags must be a string, not ['metal']"),
    ],
)
def test_texts_and_ids_must_be_strings(field: str, value: Any, problem: str) -> None:
    """Models and ids must be non-empty strings, texts strings."""
    assert refusal("generate", **{field: value}) == (
        f"invalid generate request: {problem}"
    )


def test_a_long_wrong_value_is_shortened_in_the_message() -> None:
    """Messages quote at most 80 characters of a refused value."""
    message = refusal("generate", vocal_gender="x" * 200)
    assert message == (
        "invalid generate request: vocal_gender must be 'm' or 'f', not "
        + repr("x" * 200)[:77]
        + "..."
    )


# --- which fields each mode needs --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "missing", "expected"),
    [
        ("generate", "style", "style is required with custom_mode=True"),
        ("generate", "title", "title is required with custom_mode=True"),
        (
            "generate",
            "prompt",
            "prompt is required with custom_mode=True unless instrumental=True",
        ),
        ("upload_cover", "style", "style is required with custom_mode=True"),
        ("extend", "prompt", "prompt is required with custom_params=True"),
        ("extend", "style", "style is required with custom_params=True"),
        ("extend", "title", "title is required with custom_params=True"),
        ("extend", "continue_at", "continue_at is required with custom_params=True"),
        (
            "upload_extend",
            "prompt",
            "prompt is required with custom_params=True unless instrumental=True",
        ),
        (
            "upload_extend",
            "continue_at",
            "continue_at is required with custom_params=True",
        ),
    ],
)
def test_custom_mode_needs_its_fields(name: str, missing: str, expected: str) -> None:
    """Custom mode requires style and title, lyrics, and for extends continue_at."""
    assert refusal(name, custom=True, **{missing: ...}) == (
        f"invalid {name} request: {expected}"
    )


@pytest.mark.parametrize("name", ["generate", "upload_cover", "upload_extend"])
def test_instrumental_custom_mode_needs_no_lyrics(name: str) -> None:
    """With ``instrumental=True`` the prompt may be left out."""
    body = build(name, custom=True, instrumental=True, prompt=...)
    assert ("prompt" in body, body["instrumental"]) == (False, True)


@pytest.mark.parametrize("name", ["generate", "upload_cover"])
@pytest.mark.parametrize("prompt", [..., "", "   "])
def test_outside_custom_mode_a_prompt_is_required(name: str, prompt: object) -> None:
    """A description is what a non-custom song is made from; blank is missing."""
    assert refusal(name, prompt=prompt) == (
        f"invalid {name} request: prompt is required with custom_mode=False"
    )


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("generate", "style"),
        ("generate", "title"),
        ("upload_cover", "title"),
        ("extend", "style"),
        ("upload_extend", "title"),
    ],
)
def test_outside_custom_mode_style_and_title_are_refused(name: str, field: str) -> None:
    """The service would ignore them silently, so they are refused with a hint."""
    switch = "custom_mode" if name in ("generate", "upload_cover") else "custom_params"
    given: dict[str, Any] = {field: "x"}
    assert refusal(name, **given) == (
        f"invalid {name} request: {field} is only used with {switch}=True: pass "
        f"that, or leave {field} out"
    )


def test_plain_extends_need_only_the_source() -> None:
    """Without custom parameters, the source's own parameters are reused."""
    assert build("extend") == {
        "defaultParamFlag": False,
        "audioId": "a1",
        "model": "V4_5",
        "callBackUrl": CB,
    }
    assert build("upload_extend", prompt="more of it", continue_at=12)["prompt"] == (
        "more of it"
    )


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("extend", "audio_id"),
        ("upload_cover", "upload_url"),
        ("upload_extend", "upload_url"),
        ("add_instrumental", "upload_url"),
        ("add_instrumental", "title"),
        ("add_instrumental", "tags"),
        ("add_instrumental", "negative_tags"),
        ("add_vocals", "prompt"),
        ("add_vocals", "title"),
        ("add_vocals", "style"),
        ("add_vocals", "negative_tags"),
    ],
)
@pytest.mark.parametrize("value", [..., ""])
def test_always_required_fields(name: str, field: str, value: Any) -> None:
    """Each operation's own required fields, missing or empty."""
    assert refusal(name, **{field: value}) == (
        f"invalid {name} request: {field} is required"
    )


# --- the simulator's reading of wire bodies -----------------------------------------


def test_the_lenient_reading_needs_only_a_callback_url() -> None:
    """Minimal test requests pass; messages name wire fields."""
    generate = OPERATIONS["generate"]
    assert check_body(generate, {"callBackUrl": CB}, strict=False) is None
    assert check_body(generate, {"prompt": "x"}, strict=False) == Problem(
        "callBackUrl is required"
    )
    assert check_body(
        generate, {"callBackUrl": CB, "styleWeight": 2}, strict=False
    ) == Problem("styleWeight must be a number from 0 to 1, not 2")


def test_the_lenient_reading_applies_mode_rules_only_when_the_switch_is_sent() -> None:
    """customMode true asks for style and title; false ignores them, as the service."""
    generate = OPERATIONS["generate"]
    custom = {"callBackUrl": CB, "customMode": True, "instrumental": True}
    assert check_body(generate, custom, strict=False) == Problem(
        "style is required with customMode=true"
    )
    plain = {"callBackUrl": CB, "customMode": False, "prompt": "x", "style": "pop"}
    assert check_body(generate, plain, strict=False) is None
    assert (
        check_body(
            generate, {**plain, "customMode": None, "prompt": None}, strict=False
        )
        is None
    )


def test_the_lenient_reading_sizes_texts_without_a_model() -> None:
    """A request without a model is sized by the newest models' limits."""
    problem = check_body(
        OPERATIONS["extend"],
        {"callBackUrl": CB, "defaultParamFlag": True, "title": "x" * 101},
        strict=False,
    )
    assert problem == Problem(
        "title is 101 characters long; the newest models allow at most 100",
        too_long=True,
    )

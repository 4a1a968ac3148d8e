"""PhaseLearner: phase lengths learned online, bounded, censored, saved as JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suno_async import InvalidArgumentError, PhaseLearner, TaskKind
from suno_async._core.learning import (
    MAX_MODELS,
    MODEL_MIN_SAMPLES,
    PRIOR_SAMPLES,
    WINDOW,
    quantile,
)

MUSIC = TaskKind.MUSIC
PRIOR = (3.0, 12.0)


def _feed(
    learner: PhaseLearner, lengths: list[float], model: str | None = None
) -> None:
    for length in lengths:
        learner.add(MUSIC, model, 0, length, prior=PRIOR)


def _even(lo: float, hi: float, n: int = WINDOW) -> list[float]:
    return [lo + i * (hi - lo) / (n - 1) for i in range(n)]


def test_quantiles_of_exact_lengths() -> None:
    """Without censoring, the q quantile is the ceil(q * n)-th shortest length."""
    samples = [[float(v), False] for v in (5, 1, 4, 2, 3, 6, 8, 7, 10, 9)]
    assert [quantile(samples, q) for q in (0.1, 0.5, 0.9, 1.0)] == [
        1.0,
        5.0,
        9.0,
        10.0,
    ]


def test_censored_lengths_keep_high_quantiles_out_of_reach() -> None:
    """Phases still running past every end seen leave the high quantile unknown."""
    samples = [[1.0, False], [2.0, False], [3.0, True], [3.5, True], [4.0, True]]
    assert quantile(samples, 0.2) == 1.0
    assert quantile(samples, 0.9) is None


def test_a_new_learner_answers_with_the_priors() -> None:
    """Before any observation the window is the policy's own."""
    assert PhaseLearner().window(MUSIC, None, 0, PRIOR) == PRIOR
    assert len(PhaseLearner().samples(MUSIC, None, 0)) == 0


def test_learning_converges_on_a_stream() -> None:
    """A window's worth of observations replaces the priors entirely."""
    learner = PhaseLearner()
    _feed(learner, _even(20.0, 30.0))
    lo, hi = learner.window(MUSIC, None, 0, PRIOR)
    assert lo == pytest.approx(20.0 + 6 * 10.0 / 63)
    assert hi == pytest.approx(20.0 + 57 * 10.0 / 63)


def test_the_priors_are_where_learning_starts() -> None:
    """The first observations are weighed with the priors' lengths."""
    learner = PhaseLearner()
    _feed(learner, [30.0] * PRIOR_SAMPLES)
    assert learner.window(MUSIC, None, 0, PRIOR) == (PRIOR[0] + 9.0 / 7, 30.0)


def test_running_phases_count_as_censored_until_they_end() -> None:
    """A begun phase is running at its length so far; its end joins the others."""
    learner = PhaseLearner()
    for _ in range(8):
        learner.add(MUSIC, None, 0, 5.0)  # no prior: these alone
    sample = learner.begin(MUSIC, "m", 0)
    assert sample is not None
    learner.update(MUSIC, "m", 0, sample, 4.0, censored=True)
    assert learner.samples(MUSIC, None, 0)[-1] == [4.0, True]
    assert learner.window(MUSIC, None, 0, PRIOR) == (5.0, 5.0)
    learner.update(MUSIC, "m", 0, sample, 7.0, censored=False)
    assert learner.samples(MUSIC, None, 0) == [[5.0, False]] * 8 + [[7.0, False]]
    assert learner.window(MUSIC, None, 0, PRIOR) == (5.0, 7.0)


def test_a_family_follows_at_most_a_window_of_running_phases() -> None:
    """The WINDOW phases begun first are followed; later ones teach nothing."""
    learner = PhaseLearner()
    kept = [learner.begin(MUSIC, None, 1) for _ in range(WINDOW)]
    assert None not in kept
    assert learner.begin(MUSIC, None, 1) is None
    first = kept[0]
    assert first is not None
    learner.update(MUSIC, None, 1, first, 20.0, censored=False)
    assert learner.begin(MUSIC, None, 1) is not None


def test_a_running_phase_whose_wait_is_gone_is_forgotten() -> None:
    """Held weakly: a dropped wait's running sample leaves the learner."""
    learner = PhaseLearner()
    sample = learner.begin(MUSIC, "m", 2)
    assert len(learner.samples(MUSIC, None, 2)) == 1
    del sample
    assert learner.samples(MUSIC, None, 2) == []
    assert learner.samples(MUSIC, "m", 2) == []


def test_memory_is_bounded() -> None:
    """A key keeps WINDOW samples, a family MAX_MODELS models."""
    learner = PhaseLearner()
    for i in range(10 * WINDOW):
        learner.add(MUSIC, f"model-{i % (MAX_MODELS * 3)}", 1, 10.0, prior=PRIOR)
    assert len(learner.samples(MUSIC, None, 1)) == WINDOW
    state = json.loads(learner.to_json())
    assert len(state["phases"]) == 1 + MAX_MODELS
    assert len(learner.to_json()) < 32 * 1024


def test_a_model_with_enough_observations_has_its_own_window() -> None:
    """Until MODEL_MIN_SAMPLES, a model shares its family's window."""
    learner = PhaseLearner()
    _feed(learner, [10.0] * WINDOW, model="slow")
    _feed(learner, [4.0] * (MODEL_MIN_SAMPLES - 1), model="fast")
    assert learner.window(MUSIC, "fast", 0, PRIOR) == learner.window(
        MUSIC, None, 0, PRIOR
    )
    _feed(learner, [4.0], model="fast")
    assert learner.window(MUSIC, "fast", 0, PRIOR) == (4.0, 4.0)
    assert learner.window(MUSIC, "slow", 0, PRIOR) == (10.0, 10.0)


def test_running_late_widens_the_window() -> None:
    """Censored lengths past every end seen push ``hi`` out to the longest."""
    learner = PhaseLearner()
    _feed(learner, [10.0] * WINDOW)
    for _ in range(WINDOW // 4):
        learner.add(MUSIC, None, 0, 25.0, censored=True)
    assert learner.window(MUSIC, None, 0, PRIOR) == (10.0, 25.0)


def test_a_censored_sample_is_updated_in_place() -> None:
    """A wait's running sample grows, then becomes the phase's exact length."""
    learner = PhaseLearner()
    sample = learner.add(MUSIC, "m", 2, 40.0, censored=True, prior=(30.0, 110.0))
    learner.update(MUSIC, "m", 2, sample, 55.0, censored=True)
    assert learner.samples(MUSIC, "m", 2) == [[55.0, True]]
    learner.update(MUSIC, "m", 2, sample, 61.5, censored=False)
    assert learner.samples(MUSIC, None, 2)[-1] == [61.5, False]
    assert learner.samples(MUSIC, "m", 2) == [[61.5, False]]


def test_a_sample_outlives_its_window() -> None:
    """Updating a sample no window keeps any more changes only that sample."""
    learner = PhaseLearner()
    sample = learner.add(MUSIC, None, 0, 5.0, prior=PRIOR)
    _feed(learner, [6.0] * WINDOW)
    learner.update(MUSIC, "never-seen", 1, sample, 9.0, censored=False)
    assert sample == [9.0, False]
    assert learner.samples(MUSIC, None, 0) == [[6.0, False]] * WINDOW


def test_json_round_trip() -> None:
    """from_json(to_json()) keeps every sample (to the ms) and so every window."""
    learner = PhaseLearner()
    _feed(learner, _even(4.0, 9.0, 20), model="chirp-v4")
    learner.add(MUSIC, None, 1, 33.3334, censored=True, prior=(15.0, 40.0))
    learner.add(TaskKind.WAV, None, 0, 7.0, prior=(5.0, 60.0))
    again = PhaseLearner.from_json(learner.to_json())
    assert again.to_json() == learner.to_json()
    for kind, model, phase in [(MUSIC, "chirp-v4", 0), (MUSIC, None, 1)]:
        assert again.window(kind, model, phase, PRIOR) == pytest.approx(
            learner.window(kind, model, phase, PRIOR), abs=5e-4
        )
    assert again.samples(MUSIC, None, 1)[-1] == [33.333, True]
    assert json.loads(learner.to_json())["version"] == 1


def _state(**phase: object) -> str:
    entry: dict[str, object] = {
        "kind": "music",
        "model": None,
        "phase": 0,
        "samples": [[1.0, False]],
    }
    entry.update(phase)
    return json.dumps({"format": "suno-async/cadence", "version": 1, "phases": [entry]})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '"text"',
        json.dumps({"format": "other", "version": 1, "phases": []}),
        json.dumps({"format": "suno-async/cadence", "version": 2, "phases": []}),
        json.dumps({"format": "suno-async/cadence", "version": 1}),
        json.dumps({"format": "suno-async/cadence", "version": 1, "phases": [3]}),
        _state(kind="poetry"),
        _state(kind=None),
        _state(model=""),
        _state(model="m" * 65),
        _state(model=7),
        _state(phase=3),
        _state(phase=-1),
        _state(phase=True),
        _state(phase="0"),
        _state(samples="many"),
        _state(samples=[[1.0, False]] * (WINDOW + 1)),
        _state(samples=[[1.0]]),
        _state(samples=[[-1.0, False]]),
        _state(samples=[[1e9, False]]),
        _state(samples=[["1", False]]),
        _state(samples=[[True, False]]),
        _state(samples=[[1.0, 0]]),
        _state(samples=[{"length": 1.0}]),
        '{"format": "suno-async/cadence", "version": 1, "phases": [{"kind": '
        '"music", "model": null, "phase": 0, "samples": [[NaN, false]]}]}',
    ],
)
def test_a_bad_state_is_refused(text: str) -> None:
    """Anything but a state to_json could write raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError):
        PhaseLearner.from_json(text)


def test_too_many_models_in_a_state_are_refused() -> None:
    """A state may not hold more models per family than a learner keeps."""
    phases = [
        {"kind": "music", "model": f"m{i}", "phase": 0, "samples": []}
        for i in range(MAX_MODELS + 1)
    ]
    text = json.dumps({"format": "suno-async/cadence", "version": 1, "phases": phases})
    with pytest.raises(InvalidArgumentError):
        PhaseLearner.from_json(text)


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.9), (0.5, 0.5), (0.1, 1.0)])
def test_quantile_levels_must_be_ordered_inside_0_1(low: float, high: float) -> None:
    with pytest.raises(InvalidArgumentError):
        PhaseLearner(low=low, high=high)


def test_the_repr_shows_only_a_size() -> None:
    learner = PhaseLearner()
    _feed(learner, [5.0])
    assert repr(learner) == "<PhaseLearner keys=1>"


@given(
    st.lists(st.tuples(st.floats(0.0, 1000.0), st.booleans()), min_size=1, max_size=200)
)
def test_a_window_is_ordered_and_within_what_was_seen(
    observations: list[tuple[float, bool]],
) -> None:
    """Whatever was observed: lo <= hi, within the lengths seen (lo: or the prior)."""
    learner = PhaseLearner()
    for length, censored in observations:
        learner.add(MUSIC, None, 0, length, censored=censored, prior=PRIOR)
    lo, hi = learner.window(MUSIC, None, 0, PRIOR)
    seen = [s[0] for s in learner.samples(MUSIC, None, 0)]
    assert min(min(seen), PRIOR[0]) <= lo <= hi <= max(seen)
    assert len(seen) <= WINDOW

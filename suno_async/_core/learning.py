"""Phase lengths learned online: what :class:`PhaseLearner` knows of the service's pace.

Pure bookkeeping, no I/O and no clock: the engine feeds it the phase lengths
its waits observe (in seconds, from the moment a milestone was seen to the
estimated moment of the next transition), and a wait's cadence asks it for
a phase's typical window ``(lo, hi)``, its low and high quantiles.

Memory is bounded: each (family, model, phase) keeps its last
:data:`WINDOW` ended phases and follows up to :data:`WINDOW` running ones
(the first begun; a wait whose phase began when the family already followed
that many teaches nothing of it, as a later entry would only ever be a
phase that lasted); at most :data:`MAX_MODELS` models per family are told
apart. A running phase is *censored*: its length is only known to exceed
what its wait has seen so far. It is held weakly (a wait that is gone takes
it along) and joins the ended ones when it ends. The quantiles are those of
the Kaplan-Meier estimate over both, so the first phases to end in a batch
give the lower part of the distribution while the rest still run, and
running late widens the window instead of being ignored.

A family's window starts from its policy's published priors,
:data:`PRIOR_SAMPLES` lengths spread evenly over ``[phase_min_s,
phase_max_s]``, the shortest first pushed out as ended and running phases
fill its :data:`WINDOW`: a few phases that ended alike do not narrow the
window at once (a window narrowed on too few would space the next polls
too far apart to time the next ends well), a full batch of running ones
does. Once they are out, and phases are running, the estimate beyond the
longest length seen takes those still running as spread evenly over what
is left of ``[phase_min_s, phase_max_s]``.
"""

from __future__ import annotations

import json
import math
import weakref
from collections import deque
from collections.abc import Iterable
from typing import Any, Final

from suno_async._core.errors import InvalidArgumentError
from suno_async._core.kinds import TaskKind
from suno_async._core.policies import (
    HIGH_QUANTILE,
    LOW_QUANTILE,
    MAX_MODELS,
    MODEL_MIN_SAMPLES,
    PRIOR_SAMPLES,
    WINDOW,
)

__all__ = [
    "FORMAT",
    "MAX_MODELS",
    "MODEL_MIN_SAMPLES",
    "PRIOR_SAMPLES",
    "VERSION",
    "WINDOW",
    "PhaseLearner",
    "Sample",
]

FORMAT: Final = "suno-async/cadence"
VERSION: Final = 1
_PHASES: Final = 3
_MODEL_MAX_CHARS: Final = 64  # longest model name kept
_MAX_LENGTH_S: Final = 86_400.0  # longest length accepted from a saved state

Sample = list[Any]
"""One observation, ``[length_s, censored]``: a list, so a wait updates it in place."""
_Key = tuple[TaskKind, str | None, int]


class _Running(list[Any]):
    """A running phase's sample: a list a learner can hold weakly."""

    __slots__ = ("__weakref__",)


class _Ring:
    """One key's last :data:`WINDOW` ended samples, its running ones, its window."""

    __slots__ = ("cached", "prior", "running", "samples")

    def __init__(self) -> None:
        #: A family's published ``(phase_min_s, phase_max_s)``, once given.
        self.prior: tuple[float, float] | None = None
        self.samples: deque[Sample] = deque(maxlen=WINDOW)
        #: Up to :data:`WINDOW` phases still running, while their waits last.
        self.running: weakref.WeakValueDictionary[int, Sample] = (
            weakref.WeakValueDictionary()
        )
        #: The prior it was read with and ``(lo, hi)``, until the samples change.
        self.cached: tuple[tuple[float, float], tuple[float, float]] | None = None

    def all(self) -> list[Sample]:
        """The prior's lengths still standing, the ended samples, the running ones."""
        running = list(self.running.values())
        return [*self.priors(len(running)), *self.samples, *running]

    def priors(self, running: int) -> list[Sample]:
        """:data:`PRIOR_SAMPLES` lengths spread over the prior, the shortest
        first pushed out as ended and running phases fill the window."""
        if self.prior is None:
            return []
        lo, hi = self.prior
        step = (hi - lo) / (PRIOR_SAMPLES - 1)
        room = min(PRIOR_SAMPLES, WINDOW - len(self.samples) - running)
        return [
            [lo + i * step, False] for i in range(PRIOR_SAMPLES - room, PRIOR_SAMPLES)
        ]


def quantile(
    samples: Iterable[Sample], q: float, prior: tuple[float, float] | None = None
) -> float | None:
    """The ``q`` quantile of the Kaplan-Meier estimate over ``samples``.

    The shortest length by which a fraction ``q`` of phases has ended,
    counting a censored sample as "still running at its length". Beyond the
    longest length ``tau`` seen, the estimate knows nothing: with a
    ``prior`` ``(lo, hi)`` the lengths still running there are taken as
    spread evenly over ``[max(tau, lo), hi]``; ``None`` when that is out of
    reach too (``tau >= hi``, or no prior).
    """
    ordered = sorted(samples, key=lambda s: (s[0], s[1]))  # ends before censored
    at_risk = len(ordered)
    survival = 1.0
    for length, censored in ordered:
        if not censored:
            survival *= 1.0 - 1.0 / at_risk
            if 1.0 - survival >= q - 1e-12:
                return float(length)
        at_risk -= 1
    tau = ordered[-1][0] if ordered else 0.0
    if prior is None or tau >= prior[1]:
        return None
    start = max(tau, prior[0])
    return prior[1] - (1.0 - q) / survival * (prior[1] - start)


class PhaseLearner:
    """The phase lengths a client's waits have seen, per family, model and phase.

    Mutable and shared by the waits of a client (one event loop): each
    client makes its own unless given one, ``SunoClient(cadence=learner)``.
    Save it with :meth:`to_json`; :meth:`from_json` starts a later client
    warm.
    """

    __slots__ = ("_models", "_rings", "high", "low")

    def __init__(
        self, *, low: float = LOW_QUANTILE, high: float = HIGH_QUANTILE
    ) -> None:
        if not 0.0 < low < high < 1.0:
            raise InvalidArgumentError(
                f"need 0 < low < high < 1, not low={low!r}, high={high!r}"
            )
        self.low = low
        self.high = high
        self._rings: dict[_Key, _Ring] = {}
        self._models: dict[TaskKind, set[str]] = {}

    def __repr__(self) -> str:
        return f"<PhaseLearner keys={len(self._rings)}>"

    # -- feeding -----------------------------------------------------------------

    def add(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        length_s: float,
        *,
        censored: bool = False,
        prior: tuple[float, float] | None = None,
    ) -> Sample:
        """Record one phase length; returns the sample for :meth:`update`.

        ``prior``: the policy's ``(phase_min_s, phase_max_s)``, which a
        family's first sample is weighed with.
        """
        sample: Sample = [max(0.0, float(length_s)), censored]
        for ring in self._rings_of(kind, model, phase, prior):
            ring.samples.append(sample)
            ring.cached = None
        return sample

    def begin(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        prior: tuple[float, float] | None = None,
    ) -> Sample | None:
        """A wait saw ``phase`` begin: its running sample, censored at 0 s.

        ``None`` when the family already follows ``WINDOW`` (64) running
        phases: the wait then teaches nothing of this phase (a later entry
        would only ever be a phase that lasted, and bias the estimate).
        """
        rings = self._rings_of(kind, model, phase, prior)
        rings = [ring for ring in rings if len(ring.running) < WINDOW]
        if not rings:
            return None
        sample = _Running([0.0, True])
        for ring in rings:
            ring.running[id(sample)] = sample
            ring.cached = None
        return sample

    def update(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        sample: Sample,
        length_s: float,
        *,
        censored: bool,
    ) -> None:
        """A wait learned more about ``sample`` (still running, or its end).

        A running sample that ends joins its key's ended samples.
        """
        sample[0], sample[1] = max(0.0, float(length_s)), censored
        for key in ((kind, None, phase), (kind, self._model(kind, model), phase)):
            ring = self._rings.get(key)
            if ring is not None:
                ring.cached = None
                if not censored and ring.running.pop(id(sample), None) is not None:
                    ring.samples.append(sample)

    # -- reading -----------------------------------------------------------------

    def window(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        prior: tuple[float, float],
    ) -> tuple[float, float]:
        """The phase's ``(lo, hi)``: the model's if it has enough, else the family's.

        The ``low`` and ``high`` quantiles of ``quantile()`` over the
        prior's lengths still standing and the ended and running samples,
        with ``prior`` beyond the longest length seen while phases run;
        ``hi`` is that longest length when out of reach (phases running
        late widen the window). Before any observation, ``prior`` itself.
        """
        name = self._model(kind, model)
        ring = self._rings.get((kind, name, phase)) if name is not None else None
        if ring is None or len(ring.samples) + len(ring.running) < MODEL_MIN_SAMPLES:
            ring = self._ring(kind, None, phase, prior)
        if ring.cached is None or ring.cached[0] != prior:
            samples = ring.all()
            longest = max((s[0] for s in samples), default=prior[1])
            beyond = prior if ring.running else None
            lo = quantile(samples, self.low, beyond)
            hi = quantile(samples, self.high, beyond)
            hi = longest if hi is None else hi
            ring.cached = prior, (min(longest if lo is None else lo, hi), hi)
        return ring.cached[1]

    def samples(self, kind: TaskKind, model: str | None, phase: int) -> list[Sample]:
        """A copy of one key's samples (``model=None``: the family's), running last."""
        ring = self._rings.get((kind, model, phase))
        return [] if ring is None else [list(s) for s in ring.all()]

    @classmethod
    def of(cls, value: PhaseLearner | None) -> PhaseLearner:
        """A client's ``cadence=``: the learner given, or a new one.

        Anything else raises :class:`~suno_async.InvalidArgumentError` (load
        saved text with :meth:`from_json`).
        """
        if value is None:
            return cls()
        if isinstance(value, PhaseLearner):
            return value
        raise InvalidArgumentError(
            f"cadence must be a PhaseLearner (load saved text with "
            f"PhaseLearner.from_json), not {type(value).__name__}"
        )

    # -- saving ------------------------------------------------------------------

    def to_json(self) -> str:
        """This state as small versioned JSON (lengths rounded to milliseconds)."""
        phases = [
            {
                "kind": kind.value,
                "model": model,
                "phase": phase,
                "samples": [
                    [round(s[0], 3), bool(s[1])]
                    for s in (*ring.priors(0), *ring.samples)
                ],
            }
            for (kind, model, phase), ring in self._rings.items()
        ]
        state = {"format": FORMAT, "version": VERSION, "phases": phases}
        return json.dumps(state, separators=(",", ":"))

    @classmethod
    def from_json(
        cls,
        text: str | bytes,
        *,
        low: float = LOW_QUANTILE,
        high: float = HIGH_QUANTILE,
    ) -> PhaseLearner:
        """A learner from :meth:`to_json`'s text, else ``InvalidArgumentError``."""
        try:
            state = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"cadence state is not JSON: {exc}") from None
        learner = cls(low=low, high=high)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise InvalidArgumentError(f"cadence state must be a {FORMAT!r} object")
        if state.get("version") != VERSION:
            raise InvalidArgumentError(
                f"cadence state version {state.get('version')!r} is not {VERSION}"
            )
        phases = state.get("phases")
        if not isinstance(phases, list):
            raise InvalidArgumentError("cadence state needs a 'phases' list")
        for entry in phases:
            learner._load(entry)
        return learner

    def _load(self, entry: object) -> None:
        if not isinstance(entry, dict):
            raise InvalidArgumentError("each cadence phase must be an object")
        try:
            kind = TaskKind(entry.get("kind"))
        except ValueError:
            raise InvalidArgumentError(
                f"unknown task kind {entry.get('kind')!r} in cadence state"
            ) from None
        model, phase = entry.get("model"), entry.get("phase")
        if model is not None and not (
            isinstance(model, str) and 0 < len(model) <= _MODEL_MAX_CHARS
        ):
            raise InvalidArgumentError(f"bad model {model!r} in cadence state")
        if type(phase) is not int or not 0 <= phase < _PHASES:
            raise InvalidArgumentError(f"bad phase {phase!r} in cadence state")
        samples = entry.get("samples")
        if not isinstance(samples, list) or len(samples) > WINDOW:
            raise InvalidArgumentError(
                f"cadence samples must be a list of at most {WINDOW}"
            )
        if not all(_valid_sample(sample) for sample in samples):
            raise InvalidArgumentError(f"bad cadence samples in {entry!r:.200}")
        name = self._model(kind, model)
        if model is not None and name is None:
            raise InvalidArgumentError(
                f"more than {MAX_MODELS} models in cadence state"
            )
        ring = self._ring(kind, name, phase, None)
        ring.samples.extend([float(s[0]), s[1]] for s in samples)
        ring.cached = None

    # -- keys --------------------------------------------------------------------

    def _model(self, kind: TaskKind, model: str | None) -> str | None:
        """``model`` if it is (or may become) a key of its own, else ``None``."""
        if model is None or not 0 < len(model) <= _MODEL_MAX_CHARS:
            return None
        known = self._models.setdefault(kind, set())
        if model in known:
            return model
        if len(known) >= MAX_MODELS:
            return None
        known.add(model)
        return model

    def _ring(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        prior: tuple[float, float] | None,
    ) -> _Ring:
        """A key's ring; a family's starts with ``prior``'s lengths."""
        key = (kind, model, phase)
        ring = self._rings.get(key)
        if ring is None:
            ring = self._rings[key] = _Ring()
        fresh = ring.prior is None and not ring.samples and model is None
        if fresh and prior is not None:
            ring.prior, ring.cached = prior, None
        return ring

    def _rings_of(
        self,
        kind: TaskKind,
        model: str | None,
        phase: int,
        prior: tuple[float, float] | None,
    ) -> list[_Ring]:
        """The family's ring, then the model's when it has one."""
        rings = [self._ring(kind, None, phase, prior)]
        name = self._model(kind, model)
        if name is not None:
            rings.append(self._ring(kind, name, phase, None))
        return rings


def _valid_sample(sample: object) -> bool:
    return (
        isinstance(sample, list)
        and len(sample) == 2
        and isinstance(sample[0], int | float)
        and not isinstance(sample[0], bool)
        and math.isfinite(sample[0])
        and 0 <= sample[0] <= _MAX_LENGTH_S
        and isinstance(sample[1], bool)
    )

"""Poll cadence and retry backoff: the formulas, their bounds and their settings."""

from __future__ import annotations

import asyncio
import math

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from suno_async._core.backoff import PollState, capped_exponential, clip, jittered
from suno_async._core.errors import (
    AuthenticationError,
    ConfigurationError,
    DecodeError,
    InsufficientCreditsError,
    InvalidRequestError,
    MediaFetchError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    TaskFailedError,
    TaskNotFoundError,
    TransportError,
    WaitTimeoutError,
)
from suno_async._core.models import TaskRecord, TaskStatus
from suno_async._core.policies import PollPolicy, RetryPolicy

PENDING = TaskStatus.PENDING
TEXT = TaskStatus.TEXT_SUCCESS
FIRST = TaskStatus.FIRST_SUCCESS


def state(
    milestone: TaskStatus, elapsed: float, *, polls: int = 1, unknown: bool = False
) -> PollState:
    return PollState(
        milestone=milestone,
        phase_elapsed_s=elapsed,
        polls_in_phase=polls,
        polls=polls,
        unknown_status=unknown,
    )


def half() -> float:
    return 0.5


# --- PollPolicy: the default, phase-aware schedule ----------------------------

# The default: lo/hi = (3, 12), (15, 40), (30, 110); sqrt_spacing 0.6,
# tail_fraction 0.2, quiet_fraction 0.6, multiplier 4, max_interval_s 10.
PHASED_TABLE = [
    pytest.param(PENDING, 0.0, 0.6 * math.sqrt(12 + 2.4), id="pending-start"),
    pytest.param(PENDING, 12.0, 0.6 * math.sqrt(2.4), id="pending-typical-max"),
    pytest.param(PENDING, 24.0, 0.6 * math.sqrt(2.4) * 4, id="pending-overrun-1x"),
    pytest.param(PENDING, 600.0, 10.0, id="pending-stuck-capped"),
    pytest.param(TEXT, 0.0, 9.0, id="text-quiet-jump"),
    pytest.param(TEXT, 9.0, 0.6 * math.sqrt(31 + 8), id="text-end-of-quiet"),
    pytest.param(TEXT, 40.0, 0.6 * math.sqrt(8), id="text-typical-max"),
    pytest.param(TEXT, 60.0, 0.6 * math.sqrt(8) * 2, id="text-overrun-half"),
    pytest.param(FIRST, 0.0, 10.0, id="first-quiet-jump-capped"),
    pytest.param(FIRST, 10.0, 8.0, id="first-rest-of-quiet"),
    pytest.param(FIRST, 18.0, 0.6 * math.sqrt(92 + 22), id="first-end-of-quiet"),
    pytest.param(FIRST, 110.0, 0.6 * math.sqrt(22), id="first-typical-max"),
    pytest.param(FIRST, 165.0, 0.6 * math.sqrt(22) * 2, id="first-overrun-half"),
    pytest.param(FIRST, 220.0, 10.0, id="first-overrun-capped"),
]


@pytest.mark.parametrize(("milestone", "elapsed", "expected"), PHASED_TABLE)
def test_default_schedule_at_phase_boundaries(
    milestone: TaskStatus, elapsed: float, expected: float
) -> None:
    """The phased formula of the PollPolicy docstring, at the points that matter."""
    delay = PollPolicy(random=half).next_delay(state(milestone, elapsed))
    assert delay == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("u", "factor"), [(0.0, 0.9), (0.5, 1.0), (0.75, 1.05)])
def test_phased_delays_are_spread(u: float, factor: float) -> None:
    """Each phased delay is spread by up to 10 % either way by random()."""
    delay = PollPolicy(random=lambda: u).next_delay(state(TEXT, 0.0))
    assert delay == pytest.approx(9.0 * factor, rel=1e-12)


@pytest.mark.parametrize(
    "poll_state",
    [
        pytest.param(state(TEXT, 20.0, unknown=True), id="unknown-status"),
        pytest.param(state(TaskStatus.UNKNOWN, 20.0), id="unknown-milestone"),
        pytest.param(state(TaskStatus.SUCCESS, 0.0), id="terminal"),
    ],
)
def test_default_schedule_polls_steadily_outside_the_known_phases(
    poll_state: PollState,
) -> None:
    """An unknown status (or no phase) polls every interval_s."""
    assert PollPolicy(random=half).next_delay(poll_state) == 3.0


def test_default_first_poll_is_phase_jittered() -> None:
    """The first poll is uniform in [0, first_poll_max_s]."""
    assert PollPolicy(random=half).first_delay() == 0.5
    assert PollPolicy(random=half, first_poll_max_s=4.0).first_delay() == 2.0
    assert PollPolicy(random=lambda: 0.0).first_delay() == 0.0


def test_fixed_polls_every_interval() -> None:
    """PollPolicy.fixed ignores the task's state."""
    policy = PollPolicy.fixed(2.5)
    assert [
        policy.next_delay(state(m, e)) for m, e in [(PENDING, 0), (FIRST, 500)]
    ] == [
        2.5,
        2.5,
    ]


def test_exponential_resets_at_each_milestone() -> None:
    """With reset_on_milestone the backoff restarts from polls_in_phase."""
    policy = PollPolicy.exponential(1.0, 2.0, 5.0)
    delays = [
        policy.next_delay(
            PollState(milestone=TEXT, phase_elapsed_s=0, polls_in_phase=n, polls=9)
        )
        for n in range(1, 6)
    ]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_exponential_without_reset_counts_every_poll() -> None:
    """Without reset the backoff follows the wait's total polls."""
    policy = PollPolicy.exponential(1.0, 2.0, 5.0, reset_on_milestone=False)
    delays = [
        policy.next_delay(
            PollState(milestone=TEXT, phase_elapsed_s=0, polls_in_phase=1, polls=n)
        )
        for n in range(1, 5)
    ]
    assert delays == [1.0, 2.0, 4.0, 5.0]


def test_policy_classmethods_build_plain_values() -> None:
    """fixed/exponential are the same frozen class, with the kind set."""
    assert PollPolicy.exponential(1.0, 1.5, 10.0) == PollPolicy(
        kind="exponential", interval_s=1.0, multiplier=1.5, max_interval_s=10.0
    )
    assert PollPolicy.fixed(2.0) == PollPolicy(kind="fixed", interval_s=2.0)


def test_injected_callables_stay_out_of_eq_and_repr() -> None:
    """random and on_retry do not change equality and are not shown."""
    policy = PollPolicy(random=half)
    retry = RetryPolicy(random=half, on_retry=lambda details: None)
    assert (policy, retry) == (PollPolicy(), RetryPolicy())
    assert (policy.random, retry.random) == (half, half)
    assert "random" not in repr(policy)
    assert "random" not in repr(RetryPolicy())
    assert "on_retry" not in repr(retry)
    assert repr(PollPolicy.fixed(2.0)).startswith("PollPolicy(kind='fixed', ")


def test_a_poll_policy_is_pure_configuration() -> None:
    """Time is the client's clock: a policy has no clock or sleep of its own."""
    fields = {f.name for f in attrs.fields(PollPolicy)}
    assert fields.isdisjoint({"clock", "sleep"})


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"kind": "sometimes"}, id="kind"),
        pytest.param({"interval_s": 0.0}, id="interval-0"),
        pytest.param({"max_interval_s": -1.0}, id="max-interval-negative"),
        pytest.param({"first_poll_max_s": -0.1}, id="first-poll-negative"),
        pytest.param({"multiplier": 0.5}, id="multiplier-below-1"),
        pytest.param({"sqrt_spacing": 0.0}, id="sqrt-spacing-0"),
        pytest.param({"tail_fraction": 0.0}, id="tail-fraction-0"),
        pytest.param({"quiet_fraction": -1.0}, id="quiet-fraction-negative"),
        pytest.param({"phase_min_s": (1.0, 2.0)}, id="phases-too-few"),
        pytest.param({"phase_max_s": (1.0, math.inf, 3.0)}, id="phase-inf"),
        pytest.param({"phase_min_s": (20.0, 15.0, 30.0)}, id="min-above-max"),
        pytest.param(
            {"phase_max_s": (0.0, 40.0, 110.0), "phase_min_s": (0.0,) * 3}, id="max-0"
        ),
    ],
)
def test_poll_policy_refuses_impossible_settings(kwargs: dict[str, object]) -> None:
    """Settings no schedule can follow raise ValueError."""
    with pytest.raises(ValueError, match=r"\w"):
        PollPolicy(**kwargs)  # type: ignore[arg-type]


phase_length = st.floats(min_value=0.1, max_value=1000)
phases = st.tuples(phase_length, phase_length, phase_length)
unit = st.floats(min_value=0, max_value=1)


@st.composite
def poll_policies(draw: st.DrawFn) -> PollPolicy:
    highs = draw(phases)
    return PollPolicy(
        kind=draw(st.sampled_from(["phased", "fixed", "exponential"])),
        interval_s=draw(st.floats(min_value=0.01, max_value=100)),
        max_interval_s=draw(st.floats(min_value=0.01, max_value=1000)),
        multiplier=draw(st.floats(min_value=1, max_value=100)),
        reset_on_milestone=draw(st.booleans()),
        sqrt_spacing=draw(st.floats(min_value=0.01, max_value=10)),
        quiet_fraction=draw(st.floats(min_value=0, max_value=2)),
        tail_fraction=draw(st.floats(min_value=0.001, max_value=10)),
        phase_max_s=highs,
        phase_min_s=(
            highs[0] * draw(unit),
            highs[1] * draw(unit),
            highs[2] * draw(unit),
        ),
    )


poll_states = st.builds(
    PollState,
    milestone=st.sampled_from(TaskStatus),
    phase_elapsed_s=st.floats(min_value=0, allow_nan=False),
    polls_in_phase=st.integers(min_value=0, max_value=10**9),
    polls=st.integers(min_value=0, max_value=10**9),
    unknown_status=st.booleans(),
)


@given(policy=poll_policies(), poll_state=poll_states)
def test_poll_delay_is_positive_and_bounded(
    policy: PollPolicy, poll_state: PollState
) -> None:
    """For any valid policy and state the delay is in (0, max(interval, cap)]."""
    delay = policy.next_delay(poll_state)
    bound = max(policy.interval_s, policy.max_interval_s) * (1 + policy.spread)
    assert 0 < delay <= bound


windows = st.tuples(
    st.floats(min_value=0, max_value=1e6), st.floats(min_value=0, max_value=1e6)
)


@given(policy=poll_policies(), poll_state=poll_states, window=windows)
def test_a_learned_window_keeps_the_delay_bounded(
    policy: PollPolicy, poll_state: PollState, window: tuple[float, float]
) -> None:
    """Whatever was learned: the delay stays in (0, max(interval, cap)]."""
    delay = policy.next_delay(poll_state, window)
    bound = max(policy.interval_s, policy.max_interval_s) * (1 + policy.spread)
    assert 0 < delay <= bound


@given(phase=st.integers(0, 2), window=windows)
def test_a_learned_window_stays_within_reach_of_the_priors(
    phase: int, window: tuple[float, float]
) -> None:
    """learned_window clips to [prior lo / 4, prior hi * 4], with lo <= hi."""
    policy = PollPolicy()
    lo, hi = policy.learned_window(phase, window)
    prior_lo, prior_hi = policy.phase_min_s[phase], policy.phase_max_s[phase]
    assert prior_lo / 4 <= lo <= hi <= prior_hi * 4
    assert hi >= prior_hi / 4


@given(
    milestone=st.sampled_from(
        [TaskStatus.PENDING, TaskStatus.TEXT_SUCCESS, TaskStatus.FIRST_SUCCESS]
    ),
    elapsed=st.floats(min_value=0, max_value=1e4),
    window=windows,
)
def test_a_learned_delay_is_never_under_the_per_task_limit(
    milestone: TaskStatus, elapsed: float, window: tuple[float, float]
) -> None:
    """Default settings, any learned window: over 1/3 s, even with the spread."""
    policy = PollPolicy(random=lambda: 0.0)
    state = PollState(
        milestone=milestone, phase_elapsed_s=elapsed, polls_in_phase=1, polls=1
    )
    assert policy.next_delay(state, window) > 1 / 3


@pytest.mark.parametrize(
    ("elapsed", "window", "expected"),
    [
        (1.0, (5.0, 6.0), 4.0),  # quiet: sleep up to the learned lo
        (5.5, (5.0, 6.0), 0.5 * math.sqrt(0.5 + 0.2 * 3.0)),  # w floored at 12 / 4
        (1.0, (50.0, 60.0), 10.0),  # a long quiet start: at most max_interval_s
        (25.0, (10.0, 40.0), 0.5 * math.sqrt(15.0 + 0.2 * 30.0)),
        (25.0, (10.0, 50.0), 0.5 * math.sqrt(23.0 + 0.2 * 38.0)),  # hi: 12 * 4
    ],
)
def test_learned_delay_table(
    elapsed: float, window: tuple[float, float], expected: float
) -> None:
    """The learned formula: quiet = lo, w = max(hi - lo, phase_max_s / 4)."""
    policy = PollPolicy(random=lambda: 0.5)
    state = PollState(
        milestone=TaskStatus.PENDING, phase_elapsed_s=elapsed, polls_in_phase=1, polls=1
    )
    assert policy.next_delay(state, window) == pytest.approx(expected)


def test_a_policy_that_does_not_learn_ignores_a_window() -> None:
    """learn=False: the priors' delay, whatever window is offered."""
    policy = PollPolicy(learn=False, random=lambda: 0.5)
    state = PollState(
        milestone=TaskStatus.PENDING, phase_elapsed_s=1.0, polls_in_phase=1, polls=1
    )
    assert policy.next_delay(state, (5.0, 6.0)) == policy.next_delay(state)


@given(
    first_poll_max_s=st.floats(min_value=0, max_value=100),
    u=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_first_delay_is_within_its_range(first_poll_max_s: float, u: float) -> None:
    """The first poll never comes before 0 or after first_poll_max_s."""
    policy = PollPolicy(first_poll_max_s=first_poll_max_s, random=lambda: u)
    assert 0 <= policy.first_delay() <= first_poll_max_s


# --- RetryPolicy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "equal", "full"),
    [
        pytest.param(1, 0.375, 0.25, id="1"),
        pytest.param(2, 0.75, 0.5, id="2"),
        pytest.param(3, 1.5, 1.0, id="3"),
        pytest.param(5, 6.0, 4.0, id="5"),
        pytest.param(6, 7.5, 5.0, id="6-capped"),
        pytest.param(10**6, 7.5, 5.0, id="huge-no-overflow"),
    ],
)
def test_retry_delay_table(attempt: int, equal: float, full: float) -> None:
    """min(10, 0.5 * 2 ** (n - 1)), equal (default) or full jitter, random() = 0.5."""
    assert RetryPolicy(random=half).delay(attempt) == equal
    assert RetryPolicy(random=half, jitter="full").delay(attempt) == full


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(None, 0.375, id="none"),
        pytest.param(0.1, 0.375, id="shorter-than-backoff"),
        pytest.param(30.0, 30.0, id="pushes-out"),
        pytest.param(1000.0, 120.0, id="capped"),
        pytest.param(-5.0, 0.375, id="negative-ignored"),
        pytest.param(math.nan, 0.375, id="nan-ignored"),
    ],
)
def test_retry_after_pushes_the_delay_out(
    retry_after: float | None, expected: float
) -> None:
    """A server's Retry-After wins over the backoff, up to retry_after_max_s."""
    assert RetryPolicy(random=half).delay(1, retry_after=retry_after) == expected


def failed_record() -> TaskRecord:
    return TaskRecord(
        task_id="t1",
        status=TaskStatus.GENERATE_AUDIO_FAILED,
        status_raw="GENERATE_AUDIO_FAILED",
    )


@pytest.mark.parametrize(
    ("exc", "retryable"),
    [
        pytest.param(TransportError("reset"), True, id="transport"),
        pytest.param(RequestTimeoutError("slow"), True, id="timeout"),
        pytest.param(DecodeError("html"), True, id="decode"),
        pytest.param(RateLimitError("429", code=429), True, id="rate-limit"),
        pytest.param(ServiceUnavailableError("455", code=455), True, id="455"),
        pytest.param(ServerError("500", code=500), True, id="500"),
        pytest.param(AuthenticationError("401", code=401), False, id="401"),
        pytest.param(InsufficientCreditsError("402", code=402), False, id="402"),
        pytest.param(InvalidRequestError("422", code=422), False, id="422"),
        pytest.param(MediaFetchError("451", code=451), False, id="451"),
        pytest.param(NotFoundError("404", code=404), False, id="404-grace-elsewhere"),
        pytest.param(TaskNotFoundError("404", code=404), False, id="task-not-found"),
        pytest.param(TaskFailedError(failed_record()), False, id="task-failed"),
        pytest.param(WaitTimeoutError("t1", timeout=1.0), False, id="wait-timeout"),
        pytest.param(ConfigurationError("no key"), False, id="configuration"),
        pytest.param(OSError("raw"), False, id="foreign"),
        pytest.param(asyncio.CancelledError(), False, id="cancelled"),
    ],
)
def test_is_retryable_means_a_transient_suno_error(
    exc: BaseException, retryable: bool
) -> None:
    """Only SunoErrors whose is_transient is true are retried."""
    assert RetryPolicy().is_retryable(exc) is retryable


def test_retry_policy_defaults() -> None:
    """The defaults are visible and documented."""
    assert attrs.asdict(RetryPolicy(), filter=lambda a, _: a.eq) == {
        "initial_s": 0.5,
        "max_s": 10.0,
        "multiplier": 2.0,
        "jitter": "equal",
        "retry_after_max_s": 120.0,
        "not_found_grace_s": 30.0,
        "max_retries": None,
        "connect_attempts": 5,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"initial_s": 0.0}, id="initial-0"),
        pytest.param({"initial_s": 20.0}, id="initial-above-max"),
        pytest.param({"multiplier": 0.9}, id="multiplier-below-1"),
        pytest.param({"jitter": "none"}, id="jitter"),
        pytest.param({"retry_after_max_s": -1.0}, id="retry-after-cap"),
        pytest.param({"not_found_grace_s": -1.0}, id="grace"),
        pytest.param({"max_retries": -1}, id="max-retries"),
    ],
)
def test_retry_policy_refuses_impossible_settings(kwargs: dict[str, object]) -> None:
    """Settings no backoff can follow raise ValueError."""
    with pytest.raises(ValueError, match=r"\w"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@given(
    attempt=st.integers(min_value=1, max_value=10**9),
    u=st.floats(min_value=0, max_value=1, exclude_max=True),
    jitter=st.sampled_from(["equal", "full"]),
    retry_after=st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_retry_delay_stays_within_bounds(
    attempt: int, u: float, jitter: str, retry_after: float | None
) -> None:
    """0 <= delay <= max(max_s, retry_after_max_s), and >= the Retry-After (capped)."""
    policy = RetryPolicy(random=lambda: u, jitter=jitter)  # type: ignore[arg-type]
    delay = policy.delay(attempt, retry_after=retry_after)
    assert 0 <= delay <= max(policy.max_s, policy.retry_after_max_s)
    if retry_after is not None and retry_after > 0:
        assert delay >= min(retry_after, policy.retry_after_max_s)


# --- the maths -----------------------------------------------------------------


@given(
    delay=st.floats(min_value=0, max_value=1e6),
    u=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_jitter_stays_in_its_range(delay: float, u: float) -> None:
    """Full jitter is in [0, delay]; equal jitter in [delay / 2, delay]."""
    assert 0 <= jittered(delay, u, "full") <= delay
    assert delay / 2 <= jittered(delay, u, "equal") <= delay


@given(
    n=st.integers(min_value=-5, max_value=10**12),
    initial=st.floats(min_value=1e-3, max_value=100),
    multiplier=st.floats(min_value=1, max_value=1e3),
    maximum=st.floats(min_value=1e-3, max_value=1e4),
)
def test_capped_exponential_never_exceeds_its_cap(
    n: int, initial: float, multiplier: float, maximum: float
) -> None:
    """Any n, even a huge one, gives a delay in [min(initial, max), max]."""
    delay = capped_exponential(n, initial, multiplier, maximum)
    assert min(initial, maximum) <= delay <= maximum


@pytest.mark.parametrize(
    ("delay", "remaining", "expected"),
    [
        pytest.param(5.0, None, 5.0, id="no-deadline"),
        pytest.param(5.0, 10.0, 5.0, id="fits"),
        pytest.param(5.0, 2.0, 2.0, id="clipped"),
        pytest.param(5.0, -3.0, 0.0, id="deadline-passed"),
        pytest.param(-1.0, None, 0.0, id="negative-delay"),
    ],
)
def test_clip_table(delay: float, remaining: float | None, expected: float) -> None:
    """clip cuts a delay to what remains of the deadline, never below 0."""
    assert clip(delay, remaining) == expected


@given(
    delay=st.floats(min_value=0, allow_nan=False),
    remaining=st.none() | st.floats(allow_nan=False),
)
def test_clip_never_exceeds_the_remaining_time(
    delay: float, remaining: float | None
) -> None:
    """The clipped delay is within [0, delay] and never past the deadline."""
    clipped = clip(delay, remaining)
    assert 0 <= clipped <= delay
    if remaining is not None:
        assert clipped <= max(remaining, 0.0)


def test_a_scaled_poll_policy_multiplies_every_duration() -> None:
    """scaled(f) keeps the shape and multiplies each duration by f."""
    policy = PollPolicy().scaled(0.5)
    assert policy.learned_spacing == pytest.approx(0.5 * math.sqrt(0.5))
    assert (
        policy.first_poll_max_s,
        policy.interval_s,
        policy.max_interval_s,
        policy.callback_safety_net_s,
        policy.phase_min_s,
        policy.phase_max_s,
        policy.kind,
        policy.multiplier,
    ) == (0.5, 1.5, 5.0, 15.0, (1.5, 7.5, 15.0), (6.0, 20.0, 55.0), "phased", 4.0)


@pytest.mark.parametrize("factor", [0.01, 0.35, 2.0])
@pytest.mark.parametrize(
    ("milestone", "elapsed"),
    [
        (TaskStatus.PENDING, 0.0),
        (TaskStatus.PENDING, 9.0),
        (TaskStatus.TEXT_SUCCESS, 30.0),
        (TaskStatus.FIRST_SUCCESS, 200.0),
    ],
)
def test_a_scaled_phased_delay_is_factor_times_the_original(
    factor: float, milestone: TaskStatus, elapsed: float
) -> None:
    """At the same task seconds, a scaled policy waits ``factor`` times as long.

    The square-root spacing is not scale-free by itself: its coefficient
    scales by ``sqrt(factor)``.
    """
    policy = attrs.evolve(PollPolicy(), random=lambda: 0.5)
    state = PollState(
        milestone=milestone, phase_elapsed_s=elapsed, polls_in_phase=2, polls=5
    )
    scaled_state = attrs.evolve(state, phase_elapsed_s=elapsed * factor)
    assert policy.scaled(factor).next_delay(scaled_state) == pytest.approx(
        policy.next_delay(state) * factor
    )


def test_a_scaled_retry_policy_multiplies_its_backoff_and_grace() -> None:
    """scaled(f) multiplies the backoff and the 404 grace, not the Retry-After cap."""
    retry = RetryPolicy().scaled(0.5)
    assert (
        retry.initial_s,
        retry.max_s,
        retry.not_found_grace_s,
        retry.retry_after_max_s,
        retry.connect_attempts,
    ) == (0.25, 5.0, 15.0, 120.0, 5)


@pytest.mark.parametrize("factor", [0.0, -1.0, float("inf"), float("nan")])
def test_a_scale_factor_must_be_positive_and_finite(factor: float) -> None:
    """An impossible factor is refused by both policies."""
    with pytest.raises(ValueError, match="factor must be a positive number"):
        PollPolicy().scaled(factor)
    with pytest.raises(ValueError, match="factor must be a positive number"):
        RetryPolicy().scaled(factor)

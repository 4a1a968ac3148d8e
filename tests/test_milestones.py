"""The milestone state machine: once each, in order, never backwards."""

from __future__ import annotations

import pytest

from suno_async import (
    AudioGenerationFailedError,
    CallbackDeliveryError,
    InvalidArgumentError,
    SensitiveContentError,
    TaskCreationFailedError,
    TaskEvent,
    TaskFailedError,
    TaskRecord,
    TaskStatus,
)
from suno_async._engine.milestones import MilestoneTracker, goal_level, parse_checkpoint

S = TaskStatus


def record(status: TaskStatus, raw: str | None = None) -> TaskRecord:
    return TaskRecord(task_id="t1", status=status, status_raw=raw or status.value)


def test_pending_reaches_nothing() -> None:
    """A PENDING record reaches no milestone."""
    assert MilestoneTracker().observe(record(S.PENDING)) == []


def test_each_milestone_in_turn() -> None:
    """Each milestone seen in turn is reported once, not inferred."""
    tracker = MilestoneTracker()
    seen = [
        tracker.observe(record(s)) for s in (S.TEXT_SUCCESS, S.FIRST_SUCCESS, S.SUCCESS)
    ]
    assert seen == [
        [(S.TEXT_SUCCESS, False)],
        [(S.FIRST_SUCCESS, False)],
        [(S.SUCCESS, False)],
    ]


def test_skipped_milestones_are_inferred() -> None:
    """Jumping from PENDING to SUCCESS reports the two skipped ones as inferred."""
    assert MilestoneTracker().observe(record(S.SUCCESS)) == [
        (S.TEXT_SUCCESS, True),
        (S.FIRST_SUCCESS, True),
        (S.SUCCESS, False),
    ]


def test_repeated_status_reports_nothing_new() -> None:
    """The same status twice is reported once."""
    tracker = MilestoneTracker()
    tracker.observe(record(S.TEXT_SUCCESS))
    assert tracker.observe(record(S.TEXT_SUCCESS)) == []


def test_regression_is_ignored() -> None:
    """A status that moves backwards changes nothing."""
    tracker = MilestoneTracker()
    tracker.observe(record(S.FIRST_SUCCESS))
    assert tracker.observe(record(S.TEXT_SUCCESS)) == []
    assert tracker.level == 2
    assert tracker.observe(record(S.SUCCESS)) == [(S.SUCCESS, False)]


def test_unknown_status_keeps_waiting() -> None:
    """An unknown status reaches nothing and does not end anything."""
    tracker = MilestoneTracker()
    assert tracker.observe(record(S.UNKNOWN, "QUEUED_AGAIN")) == []
    assert tracker.level == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(S.CREATE_TASK_FAILED, TaskCreationFailedError, id="create"),
        pytest.param(S.GENERATE_AUDIO_FAILED, AudioGenerationFailedError, id="audio"),
        pytest.param(S.CALLBACK_EXCEPTION, CallbackDeliveryError, id="callback"),
        pytest.param(S.SENSITIVE_WORD_ERROR, SensitiveContentError, id="sensitive"),
    ],
)
def test_failure_raises_its_error(
    status: TaskStatus, error: type[TaskFailedError]
) -> None:
    """Each failure status raises its TaskFailedError subclass with the record."""
    failed = TaskRecord(
        task_id="t1",
        status=status,
        status_raw=status.value,
        error_code=413,
        error_message="matches an existing work",
    )
    with pytest.raises(error) as info:
        MilestoneTracker().observe(failed)
    assert (info.value.record, info.value.error_code, info.value.error_message) == (
        failed,
        413,
        "matches an existing work",
    )
    assert info.value.status is status


@pytest.mark.parametrize(
    ("until", "level"),
    [(S.TEXT_SUCCESS, 1), (S.FIRST_SUCCESS, 2), (S.SUCCESS, 3)],
)
def test_goal_levels(until: TaskStatus, level: int) -> None:
    """Each milestone is a valid goal at its level."""
    assert goal_level(until) == level


@pytest.mark.parametrize("until", [S.PENDING, S.UNKNOWN, S.CREATE_TASK_FAILED])
def test_other_goals_are_refused(until: TaskStatus) -> None:
    """A wait can only end at a milestone."""
    with pytest.raises(InvalidArgumentError, match="until must be one of"):
        goal_level(until)


def event(status: TaskStatus, task_id: str = "t1") -> TaskEvent:
    return TaskEvent(
        task_id=task_id, status=status, previous=None, record=record(status)
    )


def test_checkpoint_round_trip() -> None:
    """A checkpoint gives back the level of its event."""
    assert parse_checkpoint(event(S.FIRST_SUCCESS).checkpoint(), "t1") == 2


def test_checkpoint_is_small_versioned_json() -> None:
    """The checkpoint is compact JSON naming its version, task and milestone."""
    assert event(S.TEXT_SUCCESS).checkpoint() == (
        '{"v":1,"task_id":"t1","reached":"TEXT_SUCCESS"}'
    )


@pytest.mark.parametrize(
    ("checkpoint", "message"),
    [
        pytest.param("not json", "not JSON", id="garbage"),
        pytest.param("[1]", "version 1", id="not-object"),
        pytest.param(
            '{"v":2,"task_id":"t1","reached":"SUCCESS"}', "version 1", id="version"
        ),
        pytest.param(
            '{"v":1,"task_id":"t2","reached":"SUCCESS"}', "of task 't2'", id="other"
        ),
        pytest.param(
            '{"v":1,"task_id":"t1","reached":"PENDING"}', "no milestone", id="pending"
        ),
        pytest.param(
            '{"v":1,"task_id":"t1","reached":"NOPE"}', "no milestone", id="unknown"
        ),
        pytest.param("x" * 2000, "checkpoint string", id="huge"),
    ],
)
def test_bad_checkpoints_are_refused(checkpoint: str, message: str) -> None:
    """Garbage, other versions and other tasks' checkpoints raise ValueError."""
    with pytest.raises(ValueError, match=message):
        parse_checkpoint(checkpoint, "t1")

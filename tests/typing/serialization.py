"""Models to JSON and back, used the way users do; type-checked by mypy, never run."""

from __future__ import annotations

import json
from typing import Any

from typing_extensions import assert_type

import suno_async as suno
from suno_async import SunoClient, TaskEvent, TaskOutcome, TaskRecord, TaskStatus, Track


async def store_record(client: SunoClient, task_id: str) -> TaskRecord:
    """Save a record as JSON text and read it back."""
    record = await client.get_task(task_id)
    text = record.to_json()
    assert_type(text, str)
    data = record.to_dict()
    assert_type(data, dict[str, Any])
    assert_type(TaskRecord.from_dict(json.loads(text)), TaskRecord)
    return TaskRecord.from_dict(data)


def each_model(track: Track, event: TaskEvent, outcome: TaskOutcome) -> None:
    """Every model has the same three methods."""
    assert_type(track.to_dict(), dict[str, Any])
    assert_type(Track.from_dict(track.to_dict()), Track)
    assert_type(event.to_json(), str)
    assert_type(TaskEvent.from_dict(event.to_dict()), TaskEvent[Any])
    assert_type(outcome.to_json(), str)
    assert_type(TaskOutcome.from_dict(outcome.to_dict()), TaskOutcome[Any])


def read_untrusted(row: dict[str, Any]) -> TaskRecord | None:
    """Malformed dicts raise DecodeError; a status reads back from its value."""
    try:
        record = TaskRecord.from_dict(row)
    except suno.DecodeError as exc:
        assert_type(exc.excerpt, str)
        return None
    assert_type(TaskStatus(record.to_dict()["status"]), TaskStatus)
    return record


def read_outcome_error(data: dict[str, Any]) -> str | None:
    """An outcome's error comes back as an exception."""
    error = TaskOutcome.from_dict(data).error
    assert_type(error, Exception | None)
    if isinstance(error, suno.TaskFailedError):
        return error.record.task_id
    return None if error is None else str(error)

"""Repeated creations: which refusals mean "this task exists already".

Pure. The service refuses a second WAV of a track and a second persona of
a track with **409**, and a second cover image of a music task with
**400** naming the existing task (``FAMILIES.md``). :func:`duplicate_error`
turns such a refusal into a :class:`DuplicateTaskError`:

* a :class:`ConflictError` (409) of any creation but music's, or of a
  persona: always; ``existing_task_id`` is ``data.taskId`` when the answer
  carries one, else ``None``;
* an :class:`InvalidRequestError` (400) of a cover-image creation: when
  ``data.taskId``, else the first id in the message (32 hex digits or a
  UUID), names a task other than those of the request (a 400 about the
  *source* task quotes its id: "Task not found: <id>"); otherwise it stays
  an :class:`InvalidRequestError`.

``existing_task_id`` is a :class:`TaskHandle` of the family when it is
known, so ``client.wait_for_task(error.existing_task_id)`` reads the right
family.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from suno_async._core.convert import is_mapping
from suno_async._core.errors import (
    APIError,
    ConflictError,
    DuplicateTaskError,
    InvalidRequestError,
)
from suno_async._core.handles import TaskHandle
from suno_async._core.kinds import TaskKind

__all__ = ["duplicate_error", "ids_in"]

#: A task id in a message: 32 hex digits, or a UUID (with or without braces).
_ID: Final = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})"
    r"(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def ids_in(text: str) -> list[str]:
    """The task ids (32 hex digits or UUIDs) in ``text``, in order."""
    return _ID.findall(text)


def _data_task_id(error: APIError) -> str | None:
    data = error.data
    if not is_mapping(data):
        return None
    try:
        task_id = data.get("taskId")
    except Exception:  # a hostile mapping names no task
        return None
    if isinstance(task_id, str) and task_id.strip():
        return task_id.strip()
    return None


def duplicate_error(
    error: APIError, kind: TaskKind | None, body: Mapping[str, Any]
) -> DuplicateTaskError | None:
    """The :class:`DuplicateTaskError` that ``error`` means, or ``None``.

    ``kind`` is the family created (``None``: a persona); ``body`` the
    request's wire body, whose ids are never taken for the existing task.
    """
    if isinstance(error, DuplicateTaskError) or kind is TaskKind.MUSIC:
        return None
    sent = {value for value in body.values() if isinstance(value, str)}
    existing = _data_task_id(error)
    if existing in sent:
        existing = None
    if isinstance(error, ConflictError):
        pass
    elif kind is TaskKind.COVER_IMAGE and isinstance(error, InvalidRequestError):
        if existing is None:
            named = (found for found in ids_in(error.message) if found not in sent)
            existing = next(named, None)
        if existing is None:
            return None
    else:
        return None
    handle = None if existing is None or kind is None else TaskHandle(existing, kind)
    message = error.message
    if existing is not None and existing not in message:
        message = f"{message} (the existing task: {existing})"
    duplicate = DuplicateTaskError(
        message,
        existing_task_id=existing if handle is None else handle,
        code=error.code,
        http_status=error.http_status,
        task_id=error.task_id,
    )
    duplicate.data = error.data
    return duplicate

"""Task ids: refused before any request when no service could know them."""

from __future__ import annotations

from typing import Final

from suno_async._core.errors import InvalidArgumentError

__all__ = ["MAX_TASK_ID_CHARS", "check_task_id"]

#: Longest task id accepted before any request is made.
MAX_TASK_ID_CHARS: Final = 128
_SHOWN_CHARS: Final = 40


def check_task_id(task_id: object) -> str:
    """``task_id`` if it could be a task id, else :class:`InvalidArgumentError`.

    The error quotes the id safely (``repr``, cut to 40 characters).
    """
    if (
        type(task_id) is str
        and 0 < len(task_id) <= MAX_TASK_ID_CHARS
        and task_id.isprintable()  # no control characters, no space but " "
        and " " not in task_id
    ):
        return task_id
    if not isinstance(task_id, str):
        problem = f"must be a string, not {type(task_id).__name__}"
    elif not task_id:
        problem = "must not be empty"
    elif len(task_id) > MAX_TASK_ID_CHARS:
        problem = f"is {len(task_id)} characters long (at most {MAX_TASK_ID_CHARS})"
    elif any(ch.isspace() or not ch.isprintable() for ch in task_id):
        problem = "must not contain whitespace or control characters"
    else:
        return task_id
    shown = repr(task_id)
    if len(shown) > _SHOWN_CHARS:
        shown = shown[:_SHOWN_CHARS] + "..."
    raise InvalidArgumentError(f"invalid task id {shown}: {problem}")

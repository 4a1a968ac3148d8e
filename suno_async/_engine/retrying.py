"""Retry decisions of a poll loop: retry after a delay, or end every wait.

:class:`Retrier` counts one task's consecutive failures and applies its
:class:`~suno_async.RetryPolicy`: transient errors are retried (the policy's
formula, ``Retry-After`` honoured) up to ``max_retries``; a 404 is retried
within ``not_found_grace_s`` of the poll loop's start, then becomes
:class:`~suno_async.TaskNotFoundError`; a service never reached (every
attempt failed to connect) ends the wait after ``connect_attempts``;
anything else ends the wait. Each
retry is reported to the policy's ``on_retry`` hook (:func:`report_retry`).
"""

from __future__ import annotations

import logging

from suno_async._core.errors import (
    NotFoundError,
    SunoError,
    TaskNotFoundError,
    TransportError,
)
from suno_async._core.policies import RetryDetails, RetryPolicy

__all__ = ["Retrier", "report_retry"]

logger = logging.getLogger("suno_async")


def report_retry(policy: RetryPolicy, details: RetryDetails) -> None:
    """Log ``details`` and call the policy's ``on_retry`` hook (never raising)."""
    logger.debug(
        "%s %s: %s, retry %d in %.2f s",
        details.action,
        details.task_id or "",
        details.error,
        details.attempt,
        details.delay_s,
    )
    if policy.on_retry is None:
        return
    try:
        policy.on_retry(details)
    except Exception:
        logger.exception("the on_retry hook raised; ignored")


class Retrier:
    """One task's retry state under a :class:`~suno_async.RetryPolicy`."""

    __slots__ = ("_failures", "_reached", "policy", "retries", "task_id")

    def __init__(self, task_id: str, policy: RetryPolicy) -> None:
        self.task_id = task_id
        self.policy = policy
        self._failures = 0
        self._reached = False
        #: Retries so far (reported on events).
        self.retries = 0

    def succeeded(self) -> None:
        """A read went through: the next failure is the first again."""
        self._failures = 0
        self._reached = True

    def decide(self, error: SunoError, elapsed_s: float) -> float | SunoError:
        """The delay before retrying after ``error``, or the error that ends the wait.

        ``elapsed_s`` is the time since the poll loop started (for the 404
        grace period).
        """
        policy = self.policy
        if isinstance(error, NotFoundError):
            if elapsed_s < policy.not_found_grace_s:
                return self._retry(error)
            return TaskNotFoundError(
                f"task {self.task_id} was not found "
                f"(still unknown after {policy.not_found_grace_s:g} s)",
                code=error.code,
                http_status=error.http_status,
                task_id=self.task_id,
            )
        unconnected = isinstance(error, TransportError) and not error.connected
        if not unconnected:
            self._reached = True  # an answer, or at least a connection
        elif not self._reached and self._failures + 1 >= policy.connect_attempts:
            return error  # the service was never reached: a wrong URL or no network
        limit = policy.max_retries
        if policy.is_retryable(error) and (limit is None or self._failures < limit):
            return self._retry(error)
        return error

    def _retry(self, error: SunoError) -> float:
        self._failures += 1
        self.retries += 1
        delay = self.policy.delay(
            self._failures, retry_after=getattr(error, "retry_after", None)
        )
        report_retry(
            self.policy,
            RetryDetails(
                action="poll",
                task_id=self.task_id,
                attempt=self._failures,
                error=error,
                delay_s=delay,
            ),
        )
        return delay

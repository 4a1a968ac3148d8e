"""Tests of the bot (bot.py) against the simulator, with the plugin's fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from bot import follow_task

import suno_async as suno
from suno_async.testing import FakeSunoServer, Fault, Timeline

# The client keeps to 3 requests per task per second, even here: 3 polls in
# the first 0.2 s see a whole task at scale 0.002.
FAST_POLL = suno.PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0)
FAST_RETRY = suno.RetryPolicy(initial_s=0.01, max_s=0.1)


@pytest.fixture
async def suno_client(fake_suno: FakeSunoServer) -> AsyncIterator[suno.SunoClient]:
    """The plugin's client, polling fast enough to see every scaled milestone."""
    async with fake_suno.client(poll=FAST_POLL, retry=FAST_RETRY) as client:
        yield client


class Chat:
    """A fake chat that records what the bot sends and edits."""

    def __init__(self, *, fail_on: str | None = None) -> None:
        self.log: list[tuple[str, str]] = []
        self.fail_on = fail_on

    async def send(self, text: str) -> int:
        self.log.append(("send", text))
        return len(self.log)  # the message's id

    async def edit(self, message: int, text: str) -> None:
        if self.fail_on and text.startswith(self.fail_on):
            raise ConnectionError("the bot crashed")
        self.log.append(("edit", text))


@pytest.mark.fake_suno(scale=0.002)  # a 60 s task plays in 0.12 s
async def test_one_edit_per_milestone(
    fake_suno: FakeSunoServer, suno_client: suno.SunoClient
) -> None:
    """The bot posts one message and edits it at each milestone, in order."""
    task_id = fake_suno.add_task(timeline=Timeline.success(5, 25, 60))
    chat = Chat()

    record = await follow_task(
        suno_client, task_id, send=chat.send, edit=chat.edit, checkpoints={}
    )

    assert record is not None
    one, two = record.tracks
    assert chat.log == [
        ("send", "Composing..."),
        ("edit", "Lyrics written, now the music..."),
        ("edit", f"First track ready!\n{one.title}: {one.audio_url}"),
        (
            "edit",
            f"Done!\n{one.title}: {one.audio_url}\n{two.title}: {two.audio_url}",
        ),
    ]
    assert fake_suno.limit_violations == 0


async def test_a_failure_is_explained(
    fake_suno: FakeSunoServer, suno_client: suno.SunoClient
) -> None:
    """A failed task ends the message with the service's explanation."""
    task_id = fake_suno.add_task(
        timeline=Timeline.failure(
            "SENSITIVE_WORD_ERROR", at_s=0, error_message="Lyrics were refused."
        )
    )
    chat = Chat()
    checkpoints: dict[str, str] = {}

    record = await follow_task(
        suno_client, task_id, send=chat.send, edit=chat.edit, checkpoints=checkpoints
    )

    assert record is None
    assert chat.log == [
        ("send", "Composing..."),
        ("edit", "Sorry, that failed: Lyrics were refused."),
    ]
    assert checkpoints == {}


async def test_a_flaky_service_changes_nothing(
    fake_suno: FakeSunoServer, suno_client: suno.SunoClient
) -> None:
    """Gateway errors, rate limits and bad bodies are retried unseen."""
    task_id = fake_suno.add_task(
        timeline=Timeline.success(None, None, 0),  # finished at once
        faults=[Fault.http(502), Fault.rate_limit(retry_after=0.05)],
    )
    chat = Chat()

    await follow_task(
        suno_client, task_id, send=chat.send, edit=chat.edit, checkpoints={}
    )

    # Milestones passed before the first successful poll are still announced.
    assert [text.splitlines()[0] for _, text in chat.log] == [
        "Composing...",
        "Lyrics written, now the music...",
        "First track ready!",
        "Done!",
    ]
    answers = [(r.http_status, r.code) for r in fake_suno.requests(task_id)]
    assert answers == [(502, None), (429, None), (200, 200)]


async def test_a_restarted_bot_goes_on_where_it_stopped(
    fake_suno: FakeSunoServer, suno_client: suno.SunoClient
) -> None:
    """After a crash, the bot resumes from its checkpoint without repeating itself."""
    task_id = fake_suno.add_task(timeline=Timeline.success(None, None, 0))
    checkpoints: dict[str, str] = {}
    crashing = Chat(fail_on="First track")
    with pytest.raises(ConnectionError):
        await follow_task(
            suno_client,
            task_id,
            send=crashing.send,
            edit=crashing.edit,
            checkpoints=checkpoints,
        )
    assert crashing.log[-1] == ("edit", "Lyrics written, now the music...")

    restarted = Chat()
    async with fake_suno.client(poll=FAST_POLL, retry=FAST_RETRY) as new_client:
        await follow_task(
            new_client,
            task_id,
            send=restarted.send,
            edit=restarted.edit,
            checkpoints=checkpoints,
        )

    assert [text.splitlines()[0] for _, text in restarted.log] == [
        "Still composing...",
        "First track ready!",
        "Done!",
    ]
    assert checkpoints == {}

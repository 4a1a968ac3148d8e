"""The public API used the way users use it; type-checked by mypy, never run.

A change that makes this file fail ``mypy --strict`` breaks users' type
checking, even if every test still passes.
"""

from __future__ import annotations

import asyncio
import pathlib

import aiohttp
import aiohttp.web
from typing_extensions import assert_type

import suno_async as suno
from suno_async import (
    LocalRateLimiter,
    PollPolicy,
    RetryPolicy,
    SunoClient,
    TaskEvent,
    TaskOutcome,
    TaskRecord,
    TaskStatus,
    TaskWait,
    Track,
    webhooks,
)

assert_type(suno.__version__, str)


def make_client(session: aiohttp.ClientSession) -> SunoClient:
    """Every knob is keyword-only; the key may come from the environment."""
    return SunoClient(
        api_key="key",
        provider=suno.KIE,
        base_url="https://api.kie.ai",
        session=session,
        poll=PollPolicy(),
        retry=RetryPolicy(),
        request_timeout=10.0,
        max_connections=20,
        max_requests_per_second=20.0,
        callback_url="https://example.com/suno/callback",
        rate_limiter=LocalRateLimiter(limit=3, window_s=1.0),
    )


async def read_one() -> None:
    async with SunoClient() as client:
        assert_type(client, SunoClient)
        record = await client.get_task("09c0edbd9dc50df9b6174a7b240bbcba")
        assert_type(record, TaskRecord)
        assert_type(record.status, TaskStatus)
        assert_type(record.status.is_terminal, bool)
        assert_type(record.status_raw, str)
        assert_type(record.tracks, tuple[Track, ...])
        for track in record.tracks:
            assert_type(track.best_audio_url, str | None)
            assert_type(track.tags, tuple[str, ...])
            assert_type(track.duration, float | None)


async def wait_for_one(client: SunoClient) -> TaskRecord:
    wait = client.wait_for_task("id", until=TaskStatus.FIRST_SUCCESS, timeout=300.0)
    assert_type(wait, TaskWait)
    return await client.wait_for_task("id", timeout=None, poll=PollPolicy())


async def wait_as_tasks(client: SunoClient) -> list[TaskRecord]:
    """A wait is a coroutine: tasks of it are typed by their record."""
    task = asyncio.create_task(client.wait_for_task("a"))
    assert_type(task, asyncio.Task[TaskRecord])
    both = await asyncio.gather(client.wait_for_task("b"), task)
    assert_type(both, tuple[TaskRecord, TaskRecord])
    return list(both)


async def follow_one(client: SunoClient) -> str | None:
    checkpoint = None
    async for event in client.wait_for_task("id", timeout=600.0):
        assert_type(event, TaskEvent)
        assert_type(event.status, TaskStatus)
        assert_type(event.previous, TaskStatus | None)
        assert_type(event.record, TaskRecord)
        assert_type(event.inferred, bool)
        assert_type(event.elapsed, float)
        checkpoint = event.checkpoint()
        assert_type(checkpoint, str)
    return checkpoint


async def resume_and_release(client: SunoClient, checkpoint: str) -> None:
    wait = client.wait_for_task("id", resume=checkpoint)
    async for event in wait:
        if event.status is TaskStatus.FIRST_SUCCESS:
            break
    await wait.aclose()


async def on_event_handlers(client: SunoClient) -> None:
    def sync_handler(event: TaskEvent) -> None:
        print(event.status)

    async def async_handler(event: TaskEvent) -> None:
        print(event.status)

    await client.wait_for_task("a", on_event=sync_handler)
    await client.wait_for_task("b", on_event=async_handler)


async def wait_for_many(client: SunoClient, task_ids: list[str]) -> list[TaskRecord]:
    done: list[TaskRecord] = []
    async for outcome in client.wait_many(task_ids, timeout=900.0):
        assert_type(outcome, TaskOutcome)
        assert_type(outcome.task_id, str)
        assert_type(outcome.error, Exception | None)
        if outcome.ok:
            done.append(outcome.unwrap())
    in_order = await client.wait_many(task_ids, on_event=lambda event: None)
    assert_type(in_order, list[TaskOutcome])
    return done


async def handle_errors(client: SunoClient) -> None:
    try:
        await client.wait_for_task("id")
    except suno.TaskFailedError as exc:
        assert_type(exc.record, suno.RecordBase)  # any family's
        if isinstance(exc.record, TaskRecord):
            assert_type(exc.record.tracks, tuple[Track, ...])
        assert_type(exc.status, TaskStatus)
        assert_type(exc.error_code, int | str | None)
        assert_type(exc.error_message, str | None)
    except suno.WaitTimeoutError as exc:
        assert_type(exc.last_record, suno.RecordBase | None)
        assert_type(exc.elapsed, float)
        assert_type(exc.polls, int)
    except suno.RateLimitError as exc:
        assert_type(exc.retry_after, float | None)
        assert_type(exc.code, int | None)
    except suno.APIError as exc:
        assert_type(exc.http_status, int | None)
    except suno.DecodeError as exc:
        assert_type(exc.excerpt, str)
    except suno.SunoError as exc:
        assert_type(exc.task_id, str | None)
        assert_type(exc.is_transient, bool)


async def catch_with_the_standard_library(client: SunoClient) -> None:
    try:
        await client.wait_for_task("id", timeout=30.0)
    except TimeoutError:  # WaitTimeoutError and RequestTimeoutError
        pass
    except ValueError:  # InvalidRequestError
        pass


async def prompt_to_files(client: SunoClient) -> list[str]:
    """Create, wait, download: the whole lifecycle, typed."""
    task_id = await client.generate(
        prompt="a calm piano piece",
        instrumental=True,
        model="V4_5",
        callback_url="https://example.com/suno/callback",
    )
    assert_type(task_id, suno.TaskHandle[TaskRecord])
    assert isinstance(task_id, str)  # a handle is the id
    extended = await client.extend(audio_id="a1", custom_params=False)
    assert_type(extended, suno.TaskHandle[TaskRecord])
    cover = await client.upload_cover(
        upload_url="https://example.com/a.mp3", style_weight=0.4, vocal_gender="f"
    )
    assert_type(cover, suno.TaskHandle[TaskRecord])
    # The shared options are checked like named parameters:
    await client.generate(prompt="x", stylee="pop")  # type: ignore[call-arg]
    await client.generate(prompt="x", vocal_gender="x")  # type: ignore[arg-type]
    credits = await client.get_credits()
    assert_type(credits, int)
    record = await client.wait_for_task(task_id)
    paths = await client.download(record, "out/", kind="audio", overwrite=True)
    assert_type(paths, list[pathlib.Path])
    try:
        await client.download(record.tracks[0], "out/")
    except suno.DestinationExistsError as exc:
        assert_type(exc.path, pathlib.Path)
    except suno.DownloadError as exc:
        assert_type(exc.reasons, tuple[str, ...])
    return [path.name for path in paths]


async def receive(client: SunoClient, body: bytes, headers: dict[str, str]) -> None:
    """Callbacks: the framework-neutral entry and the ready aiohttp receiver."""
    event = await client.handle_callback(body, headers)
    assert_type(event, webhooks.CallbackEvent)
    assert_type(event.task_id, str)
    assert_type(event.tracks, tuple[Track, ...])
    app = webhooks.aiohttp_app(client, path="/suno/callback", hmac_key="whk")
    assert_type(app, aiohttp.web.Application)
    webhooks.verify_signature(headers, event.task_id, "whk", max_age=300)

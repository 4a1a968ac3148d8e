"""Creating tasks and reading credits, against the simulator over real HTTP.

The heart of it: a creation request is never sent twice once it may have
reached the service; it is retried only when the connection failed or the
service said "rate limited" / "maintenance".
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import math
import re
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import aiohttp
import pytest

from suno_async import (
    APIKLEY,
    KIE,
    SUNOAPI,
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    InsufficientCreditsError,
    InvalidArgumentError,
    PollPolicy,
    Provider,
    RateLimitError,
    RequestTimeoutError,
    RetryDetails,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    SongOptions,
    SunoClient,
    TaskStatus,
    TransportError,
)
from suno_async._core.operations import OPERATIONS
from suno_async._engine.creation import CREATE_MAX_RETRIES
from suno_async._io.http import nothing_sent
from suno_async.testing import FakeSunoServer, Fault, LoggedRequest, Timeline

from aiomock import MockedHTTP

CB = "https://app.example/suno-callback"
SRC = "https://files.example/source.mp3"
#: Retries without real waiting (the simulator is real HTTP: no virtual clock).
FAST = RetryPolicy(initial_s=0.001, max_s=0.002)

CALLS: dict[str, dict[str, Any]] = {
    "generate": {"prompt": "a calm piano piece"},
    "extend": {"audio_id": "e231-8cad"},
    "upload_cover": {"upload_url": SRC, "prompt": "as a jazz trio"},
    "upload_extend": {"upload_url": SRC},
    "add_instrumental": {
        "upload_url": SRC,
        "title": "Rain",
        "tags": "piano",
        "negative_tags": "metal",
    },
    "add_vocals": {
        "upload_url": SRC,
        "prompt": "[Verse] la la",
        "title": "Rain",
        "style": "pop",
        "negative_tags": "metal",
    },
}
SENT: dict[str, dict[str, Any]] = {
    "generate": {
        "customMode": False,
        "instrumental": False,
        "model": "V4_5",
        "prompt": "a calm piano piece",
    },
    "extend": {"defaultParamFlag": False, "audioId": "e231-8cad", "model": "V4_5"},
    "upload_cover": {
        "uploadUrl": SRC,
        "customMode": False,
        "instrumental": False,
        "model": "V4_5",
        "prompt": "as a jazz trio",
    },
    "upload_extend": {
        "uploadUrl": SRC,
        "defaultParamFlag": False,
        "instrumental": False,
        "model": "V4_5",
    },
    "add_instrumental": {
        "uploadUrl": SRC,
        "title": "Rain",
        "tags": "piano",
        "negativeTags": "metal",
        "model": "V4_5PLUS",
    },
    "add_vocals": {
        "uploadUrl": SRC,
        "prompt": "[Verse] la la",
        "title": "Rain",
        "style": "pop",
        "negativeTags": "metal",
        "model": "V4_5PLUS",
    },
}


@pytest.fixture
async def server() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.001, seed=1) as fake:
        yield fake


@asynccontextmanager
async def client_of(server: FakeSunoServer, **kwargs: Any) -> AsyncIterator[SunoClient]:
    settings: dict[str, Any] = {"callback_url": CB, "retry": FAST, **kwargs}
    async with server.client(**settings) as client:
        yield client


def creations(server: FakeSunoServer) -> list[LoggedRequest]:
    """The creation requests the simulator received."""
    return [r for r in server.requests() if r.method == "POST"]


# --- the methods ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_method_takes_exactly_its_operations_fields(name: str) -> None:
    """The signatures (with the SongOptions keys) and the field table agree."""
    parameters = inspect.signature(getattr(SunoClient, name)).parameters
    explicit = {n for n, p in parameters.items() if n not in ("self", "options")}
    assert explicit | SongOptions.__optional_keys__ == {
        *OPERATIONS[name].fields,
        "extra",
    }
    assert [p.kind for n, p in parameters.items() if n not in explicit] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD,  # self
        inspect.Parameter.VAR_KEYWORD,  # **options: Unpack[SongOptions]
    ]
    assert all(parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in explicit)
    assert parameters["model"].default == OPERATIONS[name].default_model


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_an_unknown_keyword_is_refused_like_python_would(
    server: FakeSunoServer, name: str
) -> None:
    """A misspelt option raises TypeError, as for any Python call; nothing is sent."""
    async with client_of(server) as client:
        with pytest.raises(
            TypeError,
            match=f"^{name}\\(\\) got an unexpected keyword argument 'stylee'$",
        ):
            await getattr(client, name)(**CALLS[name], stylee="x")
    assert creations(server) == []


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_each_method_creates_a_task_from_its_wire_body(
    server: FakeSunoServer, name: str
) -> None:
    """One POST to the operation's path; the new task's id comes back."""
    async with client_of(server) as client:
        task_id = await getattr(client, name)(**CALLS[name])
        record = await client.get_task(task_id)
    assert server.task(task_id).param == {**SENT[name], "callBackUrl": CB}
    assert (record.task_id, record.operation_type) == (task_id, name)
    (post,) = creations(server)
    assert (post.path, post.task_id, post.code) == (
        OPERATIONS[name].path,
        task_id,
        200,
    )
    assert server.credits == 1000 - 12


async def test_custom_mode_sends_every_given_field(server: FakeSunoServer) -> None:
    """Keyword arguments reach the service under their wire names; extras too."""
    async with client_of(server) as client:
        task_id = await client.generate(
            custom_mode=True,
            prompt="[Verse]\nHello",
            style="synthwave",
            title="Neon",
            model="V5",
            vocal_gender="f",
            style_weight=0.65,
            persona_id="p1",
            extra={"personaModel": "style_persona"},
        )
    assert server.task(task_id).param == {
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": "[Verse]\nHello",
        "style": "synthwave",
        "title": "Neon",
        "vocalGender": "f",
        "styleWeight": 0.65,
        "personaId": "p1",
        "callBackUrl": CB,
        "personaModel": "style_persona",
    }


async def test_a_call_may_name_its_own_callback_url(server: FakeSunoServer) -> None:
    """The call's callback_url wins over the client's."""
    async with client_of(server) as client:
        task_id = await client.generate(
            prompt="x", callback_url="https://other.example/"
        )
    assert server.task(task_id).param["callBackUrl"] == "https://other.example/"


async def test_without_any_callback_url_nothing_is_sent(server: FakeSunoServer) -> None:
    """No URL is invented: the error says how to set one."""
    async with client_of(server, callback_url=None) as client:
        with pytest.raises(InvalidArgumentError, match=r"SunoClient\(callback_url="):
            await client.generate(prompt="x")
    assert (server.total_requests, server.credits) == (0, 1000)


async def test_an_invalid_request_is_never_sent(server: FakeSunoServer) -> None:
    """Validation happens before the wire: no request, no credits spent."""
    async with client_of(server) as client:
        with pytest.raises(InvalidArgumentError) as caught:
            await client.generate(prompt="x" * 501)
    assert str(caught.value) == (
        "invalid generate request: prompt is 501 characters long; outside custom "
        "mode at most 500"
    )
    assert (server.total_requests, server.credits) == (0, 1000)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"callback_url": "ftp://x"}, "callback_url must be an http(s) URL"),
        ({"max_creations_per_second": 0}, "max_creations_per_second must be positive"),
        ({"max_creations_per_second": -2}, "max_creations_per_second must be positive"),
        (
            {"max_creations_per_second": math.inf},
            "max_creations_per_second must be positive",
        ),
        (
            {"max_creations_per_second": math.nan},
            "max_creations_per_second must be positive",
        ),
    ],
)
def test_client_settings_for_creation_are_checked(
    setting: dict[str, Any], message: str
) -> None:
    """A bad callback URL or creation rate fails when the client is made."""
    with pytest.raises(ConfigurationError, match=f"^{re.escape(message)}"):
        SunoClient("k", **setting)


async def test_a_closed_client_refuses_to_create(server: FakeSunoServer) -> None:
    """Creations and credits share the client's lifecycle."""
    client = server.client(callback_url=CB)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.generate(prompt="x")
    with pytest.raises(ClientClosedError):
        await client.get_credits()
    assert server.total_requests == 0


async def test_creation_takes_no_record_info_slot(server: FakeSunoServer) -> None:
    """The per-task limiter is for record-info only."""
    keys: list[str] = []

    class Recorder:
        @asynccontextmanager
        async def slot(self, key: str) -> AsyncIterator[None]:
            keys.append(key)
            yield

    async with client_of(server, rate_limiter=Recorder()) as client:
        task_id = await client.generate(prompt="x")
        await client.get_credits()
        assert keys == []
        await client.get_task(task_id)
    assert keys == [task_id]


# --- never twice: what is retried and what is not -----------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "tasks"),
    [
        pytest.param(Fault.reset(), TransportError, 0, id="reset-before-answer"),
        pytest.param(Fault.truncated(), TransportError, 1, id="reset-mid-answer"),
        pytest.param(Fault.malformed(), DecodeError, 1, id="malformed-answer"),
        pytest.param(Fault.http(502), ServerError, 0, id="gateway-502"),
        pytest.param(Fault.body_code(500), ServerError, 0, id="body-code-500"),
    ],
)
async def test_a_creation_that_may_have_arrived_is_never_resent(
    server: FakeSunoServer, fault: Fault, error: type[Exception], tasks: int
) -> None:
    """Resets, spoiled answers and 5xx raise at once: exactly one request."""
    server.fault_next_create(fault)
    async with client_of(server) as client:
        with pytest.raises(error) as caught:
            await client.generate(prompt="x")
    assert not nothing_sent(caught.value)
    assert len(creations(server)) == 1
    assert len(server.task_ids()) == tasks


async def test_a_read_timeout_is_never_resent(server: FakeSunoServer) -> None:
    """The service may still be making the task: the timeout is raised as is."""
    server.fault_next_create(Fault.slow(0.3))
    async with client_of(server, request_timeout=0.05) as client:
        with pytest.raises(RequestTimeoutError):
            await client.generate(prompt="x")
    assert len(creations(server)) == 1


@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        pytest.param(APIKLEY, Fault.body_code(455), id="455"),
        pytest.param(APIKLEY, Fault.http(503, body="text"), id="http-503"),
        pytest.param(APIKLEY, Fault.body_code(429), id="apikley-429"),
        pytest.param(KIE, Fault.rate_limit(), id="gateway-429"),
        pytest.param(SUNOAPI, Fault.body_code(430), id="sunoapi-430"),
        pytest.param(SUNOAPI, Fault.body_code(405), id="sunoapi-405"),
    ],
)
async def test_rate_limit_and_maintenance_answers_are_retried(
    provider: Provider, fault: Fault
) -> None:
    """Answers that make no task are retried; exactly one task results."""
    async with FakeSunoServer(provider=provider, scale=0.001) as server:
        server.fault_next_create(fault, fault)
        async with client_of(server) as client:
            task_id = await client.generate(prompt="x")
        assert [r.task_id for r in creations(server)] == [None, None, task_id]
        assert server.task_ids() == (task_id,)
        assert server.credits == 1000 - 12


@pytest.mark.parametrize(
    ("provider", "credits_code"), [(APIKLEY, 402), (KIE, 402), (SUNOAPI, 429)]
)
async def test_insufficient_credits_raise_at_once(
    provider: Provider, credits_code: int
) -> None:
    """Out of credits is not a rate limit (not even sunoapi.org's 429)."""
    async with FakeSunoServer(provider=provider, credits=11) as server:
        async with client_of(server) as client:
            with pytest.raises(InsufficientCreditsError) as caught:
                await client.generate(prompt="x")
        assert (caught.value.code, len(creations(server))) == (credits_code, 1)


async def test_retries_stop_at_max_retries(server: FakeSunoServer) -> None:
    """``RetryPolicy.max_retries`` bounds them: then the last answer is raised."""
    server.fault_next_create(*[Fault.body_code(455)] * 5)
    retry = RetryPolicy(initial_s=0.001, max_s=0.002, max_retries=2)
    async with client_of(server, retry=retry) as client:
        with pytest.raises(ServiceUnavailableError):
            await client.generate(prompt="x")
    assert (len(creations(server)), len(server.task_ids())) == (3, 0)


async def test_creation_retries_are_reported_to_the_on_retry_hook(
    server: FakeSunoServer,
) -> None:
    """on_retry sees a creation's retries too, without a task id."""
    seen: list[RetryDetails] = []
    server.fault_next_create(Fault.body_code(455))
    retry = RetryPolicy(initial_s=0.001, max_s=0.002, on_retry=seen.append)
    async with client_of(server, retry=retry) as client:
        await client.generate(prompt="x")
    assert [(d.action, d.task_id, d.attempt, type(d.error)) for d in seen] == [
        ("create", None, 1, ServiceUnavailableError)
    ]


async def test_retries_default_to_a_fixed_number(server: FakeSunoServer) -> None:
    """Without ``max_retries``, CREATE_MAX_RETRIES retries, never forever."""
    server.fault_next_create(*[Fault.body_code(455)] * 10)
    async with client_of(server) as client:
        with pytest.raises(ServiceUnavailableError):
            await client.generate(prompt="x")
    assert len(creations(server)) == 1 + CREATE_MAX_RETRIES


async def test_no_retry_starts_past_the_window(server: FakeSunoServer) -> None:
    """A Retry-After beyond the retry window raises now rather than wait."""
    server.fault_next_create(Fault.rate_limit(retry_after=61))
    async with client_of(server) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.generate(prompt="x")
    assert (caught.value.retry_after, len(creations(server))) == (61.0, 1)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_failed_connection_is_retried_until_the_limit() -> None:
    """Nothing was sent when connecting fails: each retry is safe, up to the limit."""
    starts: list[str] = []

    async def on_start(*_: Any) -> None:
        starts.append("POST")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    retry = RetryPolicy(initial_s=0.001, max_s=0.002, max_retries=2)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = SunoClient(
            "k",
            base_url=f"http://127.0.0.1:{closed_port()}",
            session=session,
            retry=retry,
            callback_url=CB,
        )
        async with client:
            with pytest.raises(TransportError) as caught:
                await client.generate(prompt="x")
    assert nothing_sent(caught.value)
    assert starts == ["POST"] * 3


async def test_a_failed_connection_then_success_creates_one_task(
    server: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Retries are logged at INFO, saying why each is safe."""
    caplog.set_level(logging.INFO, logger="suno_async")
    server.fault_next_create(Fault.body_code(455))
    async with client_of(server) as client:
        task_id = await client.generate(prompt="x")
    (message,) = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert message.startswith(
        "generate: [455] System maintenance, please try again later; no task was "
        "created, retry 1 of 4 in "
    )
    assert server.task_ids() == (task_id,)


def test_only_connection_failures_prove_nothing_was_sent() -> None:
    """A TransportError from a connect failure, not from a reset or timeout."""
    key = SimpleNamespace(host="h", port=1, ssl=False)
    refused = aiohttp.ClientConnectorError(key, OSError(111, "refused"))  # type: ignore[arg-type]
    for cause, expected in [
        (refused, True),
        (aiohttp.ConnectionTimeoutError("connect"), True),
        (aiohttp.ServerDisconnectedError(), False),
        (aiohttp.ClientOSError(104, "reset"), False),
        (TimeoutError(), False),
    ]:
        error = TransportError("x")
        error.__cause__ = cause
        assert nothing_sent(error) is expected
    assert not nothing_sent(RateLimitError("x"))


# --- pacing ---------------------------------------------------------------------


async def test_a_rate_limit_slows_the_creation_rate(
    server: FakeSunoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A rate-limit answer halves the creation rate (AIMD), then it recovers."""
    caplog.set_level(logging.INFO, logger="suno_async")
    server.fault_next_create(Fault.body_code(429))
    async with client_of(server, max_creations_per_second=40) as client:
        await client.generate(prompt="x")
    assert "rate limited: pacing down from 40 to 20 requests/s" in [
        r.getMessage() for r in caplog.records
    ]


# --- credits --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "path"),
    [
        (APIKLEY, "/api/v1/chat/credit"),
        (KIE, "/api/v1/chat/credit"),
        (SUNOAPI, "/api/v1/generate/credit"),
    ],
)
async def test_credits_are_read_from_the_providers_path(
    provider: Provider, path: str
) -> None:
    """Each creation spends 12 simulated credits; get_credits sees it."""
    async with FakeSunoServer(provider=provider, scale=0.001) as server:
        async with client_of(server) as client:
            before = await client.get_credits()
            await client.generate(prompt="x")
            after = await client.get_credits()
        assert (before, after) == (1000, 988)
        assert [r.path for r in server.requests() if r.method == "GET"] == [path] * 2


@pytest.fixture
def mock() -> Iterator[MockedHTTP]:
    mocked = MockedHTTP()
    with mocked:
        yield mocked


@pytest.mark.parametrize(
    ("data", "credits"), [(7, 7), (0, 0), (12.0, 12), ("15", 15), (" -3 ", -3)]
)
async def test_credits_accept_integer_like_answers(
    mock: MockedHTTP, data: object, credits: int
) -> None:
    """An integer, possibly sent as a float or a numeric string."""
    mock.get(
        "https://api.test/api/v1/chat/credit",
        payload={"code": 200, "msg": "success", "data": data},
    )
    async with SunoClient("k", base_url="https://api.test") as client:
        assert await client.get_credits() == credits


@pytest.mark.parametrize("data", [None, True, 1.5, "many", {"credits": 3}])
async def test_credits_that_are_not_an_integer_are_a_decode_error(
    mock: MockedHTTP, data: object
) -> None:
    """Anything else is refused as unreadable, the answer kept in the excerpt."""
    mock.get(
        "https://api.test/api/v1/chat/credit",
        payload={"code": 200, "msg": "success", "data": data},
    )
    async with SunoClient("k", base_url="https://api.test") as client:
        with pytest.raises(DecodeError) as caught:
            await client.get_credits()
    assert (str(caught.value), caught.value.excerpt) == (
        "the credits answer is not an integer",
        repr(data),
    )


@pytest.mark.parametrize("data", [None, {}, {"taskId": ""}, {"taskId": 5}, "t1"])
async def test_an_answer_without_a_task_id_warns_a_task_may_exist(
    mock: MockedHTTP, data: object
) -> None:
    """Accepted but unreadable: raised at once, never resent."""
    mock.post(
        "https://api.test/api/v1/generate",
        payload={"code": 200, "msg": "success", "data": data},
    )
    async with SunoClient("k", base_url="https://api.test", callback_url=CB) as client:
        with pytest.raises(DecodeError) as caught:
            await client.generate(prompt="x")
    assert str(caught.value) == (
        "the generate request was accepted but the answer names no taskId: a task "
        "may have been created; look for it before trying again"
    )
    assert sum(len(calls) for calls in mock.requests.values()) == 1


# --- the how-to's example (docs/howto/prompt-to-mp3.md) -----------------------------


def _example() -> ModuleType:
    path = Path(__file__).parent.parent / "docs" / "examples" / "prompt_to_mp3.py"
    spec = importlib.util.spec_from_file_location("prompt_to_mp3", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_how_to_makes_a_song_from_a_prompt(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """make_song creates one task, prints each milestone, returns the final record."""
    make_song = _example().make_song
    poll = PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0.0)
    async with FakeSunoServer(scale=0.01, seed=4) as server:
        server.queue_task(Timeline.success(1, 3, 6))
        async with client_of(server, poll=poll) as client:
            record = await make_song(client, "a calm piano piece", instrumental=True)
        (task_id,) = server.task_ids()
    assert (record.task_id, record.status) == (task_id, TaskStatus.SUCCESS)
    assert server.task(task_id).param["instrumental"] is True
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"created {task_id}"
    assert [line.split()[-1] for line in lines[1:]] == [
        "TEXT_SUCCESS",
        "FIRST_SUCCESS",
        "SUCCESS",
    ]

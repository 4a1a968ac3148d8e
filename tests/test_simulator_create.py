"""The simulator's task-creating endpoints: validation and scripted creation faults.

Plain aiohttp against FakeSunoServer, so the answers hold whatever the SDK
sends; exact bodies are compared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from suno_async import APIKLEY, KIE, SUNOAPI, Provider
from suno_async._core.operations import OPERATIONS
from suno_async.testing import FakeSunoServer, Fault
from suno_async.testing._server import CREATE_PATHS

CB = "https://app.example/cb"
SRC = "https://files.example/a.mp3"
HEADERS = {"Authorization": "Bearer test-key"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        yield session


@pytest.fixture
async def server() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=0.001, seed=2) as fake:
        yield fake


async def post(
    http: aiohttp.ClientSession, server: FakeSunoServer, path: str, body: Any
) -> tuple[int, Any]:
    async with http.post(server.url + path, json=body) as response:
        return response.status, await response.json()


def refused(code: int, msg: str) -> tuple[int, dict[str, Any]]:
    return 200, {"code": code, "msg": msg, "data": None}


def test_the_simulator_serves_every_operation_of_the_sdk() -> None:
    """Each endpoint is checked with the rules of the operation of its name."""
    assert {op.path: name for name, op in OPERATIONS.items()} == CREATE_PATHS


@pytest.mark.parametrize(
    ("path", "body", "msg"),
    [
        pytest.param(
            "/api/v1/generate",
            {"customMode": True, "instrumental": True, "title": "T"},
            "style is required with customMode=true",
            id="custom-without-style",
        ),
        pytest.param(
            "/api/v1/generate",
            {"customMode": True, "style": "pop", "title": "T"},
            "prompt is required with customMode=true unless instrumental=true",
            id="custom-without-lyrics",
        ),
        pytest.param(
            "/api/v1/generate",
            {"customMode": False},
            "prompt is required with customMode=false",
            id="plain-without-prompt",
        ),
        pytest.param(
            "/api/v1/generate",
            {"prompt": "x", "styleWeight": 1.5},
            "styleWeight must be a number from 0 to 1, not 1.5",
            id="weight",
        ),
        pytest.param(
            "/api/v1/generate",
            {"prompt": "x", "vocalGender": "x"},
            "vocalGender must be 'm' or 'f', not 'x'",
            id="gender",
        ),
        pytest.param(
            "/api/v1/generate",
            {"prompt": "x", "customMode": "yes"},
            "customMode must be True or False, not 'yes'",
            id="switch",
        ),
        pytest.param(
            "/api/v1/generate/extend",
            {"defaultParamFlag": True, "prompt": "p", "style": "s", "title": "t"},
            "continueAt is required with defaultParamFlag=true",
            id="extend-without-continue-at",
        ),
        pytest.param(
            "/api/v1/generate/upload-cover",
            {"uploadUrl": "ftp://files.example/a.mp3", "prompt": "x"},
            "uploadUrl must be an http(s) URL, not 'ftp://files.example/a.mp3'",
            id="upload-url",
        ),
        pytest.param(
            "/api/v1/generate",
            {"prompt": "x", "callBackUrl": "cb"},
            "callBackUrl must be an http(s) URL, not 'cb'",
            id="callback-url",
        ),
    ],
)
async def test_a_broken_rule_gets_400_and_costs_nothing(
    server: FakeSunoServer,
    http: aiohttp.ClientSession,
    path: str,
    body: dict[str, Any],
    msg: str,
) -> None:
    """The SDK's own rules, read on wire names; no task, no credits spent."""
    answer = await post(http, server, path, {"callBackUrl": CB, **body})
    assert answer == refused(400, msg)
    assert (server.credits, server.requests()[0].task_id) == (1000, None)


@pytest.mark.parametrize(
    ("provider", "code"),
    [pytest.param(APIKLEY, 422, id="apikley"), (KIE, 422), (SUNOAPI, 413)],
)
async def test_a_text_too_long_gets_the_providers_code(
    http: aiohttp.ClientSession, provider: Provider, code: int
) -> None:
    """413 on sunoapi.org, the validation code 422 on Apikley and kie.ai."""
    body = {
        "callBackUrl": CB,
        "customMode": True,
        "instrumental": True,
        "model": "V4",
        "style": "s" * 201,
        "title": "T",
    }
    async with FakeSunoServer(provider=provider) as server:
        answer = await post(http, server, "/api/v1/generate", body)
        assert server.credits == 1000
    msg = "style is 201 characters long; model V4 allows at most 200"
    assert answer == refused(code, msg)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/generate",
            {"customMode": False, "instrumental": True, "model": "V4_5", "prompt": "x"},
        ),
        (
            "/api/v1/generate/extend",
            {
                "defaultParamFlag": True,
                "audioId": "a1",
                "model": "V5",
                "prompt": "p",
                "style": "s",
                "title": "t" * 100,
                "continueAt": 60,
            },
        ),
        (
            "/api/v1/generate/upload-extend",
            {
                "uploadUrl": SRC,
                "defaultParamFlag": True,
                "instrumental": True,
                "style": "s",
                "title": "t",
                "continueAt": 12.5,
            },
        ),
        (
            "/api/v1/generate/add-vocals",
            {
                "uploadUrl": SRC,
                "prompt": "p",
                "title": "t",
                "style": "s",
                "negativeTags": "n",
                "model": "V4_5PLUS",
                "audioWeight": 1,
            },
        ),
    ],
)
async def test_a_valid_request_makes_a_task(
    server: FakeSunoServer, http: aiohttp.ClientSession, path: str, body: Any
) -> None:
    """Every rule kept, the task is created and 12 credits spent."""
    status, answer = await post(http, server, path, {"callBackUrl": CB, **body})
    assert (status, answer["code"], server.credits) == (200, 200, 988)


async def test_the_service_ignores_style_outside_custom_mode(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """Unlike the SDK, the service does not refuse fields a mode does not use."""
    body = {"callBackUrl": CB, "customMode": False, "prompt": "x", "style": "pop"}
    status, answer = await post(http, server, "/api/v1/generate", body)
    assert (status, answer["code"]) == (200, 200)


# --- scripted creation faults ---------------------------------------------------------


async def test_scripted_creation_faults_come_in_order_then_normal_answers(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """``fault_next_create`` scripts the next creations, on any endpoint."""
    server.fault_next_create(Fault.body_code(455), None, Fault.http(503, body="json"))
    body = {"callBackUrl": CB, "audioId": "a1"}
    codes = []
    for path in ["/api/v1/generate", "/api/v1/generate/extend"] * 2:
        async with http.post(server.url + path, json=body) as response:
            codes.append((response.status, (await response.json())["code"]))
    assert codes == [(200, 455), (200, 200), (503, 503), (200, 200)]
    assert len(server.task_ids()) == 2
    assert [r.fault for r in server.requests()] == [
        Fault.body_code(455),
        None,
        Fault.http(503, body="json"),
        None,
    ]


async def test_scripted_creation_faults_come_before_drawn_ones(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """The script runs out first; then ``fault_rate`` applies again."""
    server.fault_rate(Fault.body_code(500), 1.0)
    server.fault_next_create(None)
    codes = []
    for _ in range(2):
        _, answer = await post(http, server, "/api/v1/generate", {"callBackUrl": CB})
        codes.append(answer["code"])
    assert codes == [200, 500]


async def test_a_truncated_creation_answer_still_made_the_task(
    server: FakeSunoServer, http: aiohttp.ClientSession
) -> None:
    """The service acted; only its answer was lost on the way."""
    server.fault_next_create(Fault.truncated())
    with pytest.raises(aiohttp.ClientPayloadError):
        await post(http, server, "/api/v1/generate", {"callBackUrl": CB})
    (task_id,) = server.task_ids()
    assert (server.requests()[0].task_id, server.credits) == (task_id, 988)

"""How the simulator puts answers (and faults) on the wire."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from suno_async.testing._faults import Fault
from suno_async.testing._wire import dumps, gateway_page

__all__ = ["deliver", "gateway_fault", "retry_after_header"]


def retry_after_header(value: float | str) -> str:
    """A ``Retry-After`` value: whole seconds as an integer, strings verbatim."""
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


async def gateway_fault(
    request: web.Request, fault: Fault | None
) -> tuple[web.StreamResponse, int | None] | None:
    """Apply a fault that happens before the service: ``(answer, HTTP status)``.

    A reset answers nothing (status ``None``); a slow fault waits and lets
    the request through (``None``), as does every other kind.
    """
    if fault is None:
        return None
    if fault.kind == "reset":
        _abort(request)
        return web.Response(), None
    if fault.kind == "slow":
        await asyncio.sleep(fault.delay_s)
        return None
    if fault.kind != "http":
        return None
    body, content_type = gateway_page(fault.http_status, fault.body)
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = retry_after_header(fault.retry_after)
    response = web.Response(
        status=fault.http_status, body=body, content_type=content_type, headers=headers
    )
    return response, fault.http_status


async def deliver(
    request: web.Request, body: Mapping[str, Any], fault: Fault | None
) -> tuple[web.StreamResponse, bool]:
    """Send the JSON ``body`` (HTTP 200), mangled if the fault says so.

    Returns the response and whether the body went out whole and valid.
    ``malformed`` sends the first half of the body with a matching
    Content-Length (so it is not JSON); ``truncated`` announces the whole
    body, sends half of it and drops the connection.
    """
    payload = dumps(body)
    kind = None if fault is None else fault.kind
    if kind == "malformed":
        return web.Response(
            body=payload[: len(payload) // 2], content_type="application/json"
        ), False
    if kind != "truncated":
        return web.Response(body=payload, content_type="application/json"), True
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = len(payload)
    await response.prepare(request)
    await response.write(payload[: len(payload) // 2])
    _abort(request)
    return response, False

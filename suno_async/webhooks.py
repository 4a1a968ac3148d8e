"""Callbacks (webhooks): parse them, verify their signature, receive them.

The service POSTs a task's progress to the creation request's
``callBackUrl``, in snake_case JSON: a music task at each stage (``text``,
``first``, ``complete`` or ``error``), a task of the other families once,
when it ends (a failure with a ``code`` other than 200). :func:`parse_callback`
reads one of any family into a :class:`CallbackEvent`, its family
(``kind``) and result included; :func:`verify_signature` checks kie.ai's
signature (the same for every family);
:meth:`SunoClient.handle_callback <suno_async.SunoClient.handle_callback>`
does both and wakes the waits for that task; :func:`aiohttp_app` is a
ready receiver.

**What the signature proves.** kie.ai signs ``f"{task_id}.{timestamp}"``,
not the body: a valid signature says "the service sent a callback about
this task recently", never what the stage or the tracks were, and a captured
signature can be replayed, with any body, for ``max_age`` seconds. So the
SDK never trusts a callback's content for waiting: a callback only makes the
wait read the task's record at once, and the record decides what the wait
reports. A forged or replayed callback costs a read (a few, for a replayed
valid signature), a duplicate none, and neither a false or repeated milestone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from suno_async._core.callback_signing import (
    DEFAULT_MAX_AGE_S,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_callback,
    verify_signature,
)
from suno_async._core.callback_wire import (
    MAX_CALLBACK_BYTES,
    STAGE_LEVELS,
    CallbackEvent,
    CallbackStage,
    parse_callback,
)
from suno_async._core.convert import dumps
from suno_async._core.errors import (
    ClientClosedError,
    WebhookError,
    WebhookSignatureError,
)
from suno_async._core.families import task_kind
from suno_async._core.kinds import TaskKind
from suno_async._io.bodies import read_capped

if TYPE_CHECKING:
    import aiohttp.web

    from suno_async._client import SunoClient

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "DEFAULT_PATH",
    "MAX_CALLBACK_BYTES",
    "SIGNATURE_HEADER",
    "STAGE_LEVELS",
    "TIMESTAMP_HEADER",
    "CallbackEvent",
    "CallbackStage",
    "aiohttp_app",
    "callback_handler",
    "parse_callback",
    "sign_callback",
    "verify_signature",
]

#: Where :func:`aiohttp_app` listens.
DEFAULT_PATH: Final = "/suno/callback"
_OK: Final = {"code": 200, "msg": "ok"}


def aiohttp_app(
    client: SunoClient,
    *,
    path: str = DEFAULT_PATH,
    hmac_key: str | None = None,
    max_age: float = DEFAULT_MAX_AGE_S,
    max_bytes: int = MAX_CALLBACK_BYTES,
    kind: TaskKind | str | None = None,
) -> aiohttp.web.Application:
    """An aiohttp application receiving callbacks at ``POST path``.

    Mount it with ``app.add_subapp("/hooks", aiohttp_app(client))`` or serve
    it as is. See :func:`callback_handler` for what it answers.
    """
    from aiohttp import web

    app = web.Application()
    app.router.add_post(
        path,
        callback_handler(
            client, hmac_key=hmac_key, max_age=max_age, max_bytes=max_bytes, kind=kind
        ),
    )
    return app


def callback_handler(
    client: SunoClient,
    *,
    hmac_key: str | None = None,
    max_age: float = DEFAULT_MAX_AGE_S,
    max_bytes: int = MAX_CALLBACK_BYTES,
    kind: TaskKind | str | None = None,
) -> Callable[[aiohttp.web.Request], Awaitable[aiohttp.web.Response]]:
    """An aiohttp request handler passing callbacks of any family to ``client``.

    ``kind`` tells the family of every callback it receives (a URL per
    family, say); by default each body's shape tells it. Signatures are
    checked with ``hmac_key``, else the client's
    ``webhook_key``, else not at all. It answers at once (the record-info
    read it triggers runs in the waits, not here): 200 ``{"code": 200,
    "msg": "ok"}`` for a callback accepted, repeated, or for a task nobody
    waits on; 413 for a body over ``max_bytes``; 400 for one that is not a
    callback; 401 for a bad signature; 503 once the client is closed (the
    service retries later).
    """

    given = None if kind is None else task_kind(kind)

    async def handle(request: aiohttp.web.Request) -> aiohttp.web.Response:
        body = await _read_capped(request, max_bytes)
        if body is None:
            return _answer(413, f"callback body over {max_bytes} bytes")
        try:
            await client.handle_callback(
                body,
                request.headers,
                hmac_key=hmac_key,
                max_age=max_age,
                max_bytes=max_bytes,
                kind=given,
            )
        except WebhookSignatureError as exc:
            return _answer(401, exc.message)
        except WebhookError as exc:
            return _answer(400, exc.message)
        except ClientClosedError:
            return _answer(503, "the receiver is shutting down")
        return _answer(200, "ok")

    return handle


async def _read_capped(request: aiohttp.web.Request, max_bytes: int) -> bytes | None:
    """The body, or ``None`` once it is known to exceed ``max_bytes``.

    Counted in decoded bytes (aiohttp's server inflates a compressed body),
    so a small compressed bomb is stopped too.
    """
    length = request.content_length
    if length is not None and length > max_bytes:
        return None
    body, _ = await read_capped(request.content, max_bytes)
    return body


def _answer(status: int, message: str) -> aiohttp.web.Response:
    from aiohttp import web

    body = _OK if status == 200 else {"code": status, "msg": message}
    return web.Response(
        status=status, body=dumps(body), content_type="application/json"
    )

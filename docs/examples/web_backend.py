"""An aiohttp app that answers as soon as a Suno task's first track is playable.

One SunoClient is shared by every request: it is created when the app starts
and closed when it stops. Run it with ``python web_backend.py`` (the key
comes from APIKLEY_API_KEY), then open ``http://localhost:8080/tracks/<task id>``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

import suno_async as suno

CLIENT = web.AppKey("suno_client", suno.SunoClient)
WAIT_TIMEOUT_S = web.AppKey("wait_timeout_s", float)


def create_app(
    make_client: Callable[[], suno.SunoClient] = suno.SunoClient,
    *,
    wait_timeout_s: float = 120.0,
) -> web.Application:
    """The web app, with one client from ``make_client`` for its whole life."""

    async def suno_client(app: web.Application) -> AsyncIterator[None]:
        async with make_client() as client:
            app[CLIENT] = client
            yield  # the app serves requests here

    app = web.Application()
    app[WAIT_TIMEOUT_S] = wait_timeout_s
    app.cleanup_ctx.append(suno_client)
    app.router.add_get("/tracks/{task_id}", playable_tracks)
    return app


async def playable_tracks(request: web.Request) -> web.Response:
    """Wait until the task's first track plays, then list its playable URLs."""
    client = request.app[CLIENT]
    task_id = request.match_info["task_id"]
    try:
        record = await client.wait_for_task(
            task_id,
            until=suno.TaskStatus.FIRST_SUCCESS,
            timeout=request.app[WAIT_TIMEOUT_S],
        )
    except suno.WaitTimeoutError as exc:
        last = exc.last_record
        status = "unknown" if last is None else last.status_raw
        return problem(504, task_id, f"still running (last status {status})")
    except (suno.SensitiveContentError, suno.TaskCreationFailedError) as exc:
        return problem(422, task_id, exc.error_message or "the request was refused")
    except suno.TaskFailedError as exc:
        return problem(502, task_id, exc.error_message or "generation failed")
    except suno.InvalidArgumentError as exc:
        return problem(400, task_id, exc.message)
    except suno.TaskNotFoundError:
        return problem(404, task_id, "no such task")
    tracks = [
        {"id": track.id, "title": track.title, "url": track.best_audio_url}
        for track in record.tracks
        if track.best_audio_url
    ]
    return web.json_response(
        {"task_id": task_id, "status": record.status.value, "tracks": tracks}
    )


def problem(status: int, task_id: str, detail: str) -> web.Response:
    """A JSON error answer."""
    return web.json_response({"task_id": task_id, "error": detail}, status=status)


if __name__ == "__main__":
    web.run_app(create_app())

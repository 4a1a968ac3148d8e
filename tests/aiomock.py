"""aioresponses, made to work with aiohttp 3.14 (aioresponses issue #289)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
from aioresponses import CallbackResult, aioresponses
from yarl import URL

__all__ = ["CompatResponse", "MockedHTTP", "callback_result"]


class CompatResponse(aiohttp.ClientResponse):
    """aiohttp 3.14 wants ``stream_writer``; aioresponses 0.7.9 omits it."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


class MockedHTTP(aioresponses):
    """aioresponses whose responses aiohttp 3.14 can build."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("response_class", CompatResponse)
        super().add(*args, **kwargs)

    def _build_request_call(self, *args: Any, **kwargs: Any) -> Any:
        """Record a call; its middlewares as they are, not deep-copied.

        The client's per-request middleware holds its limiter and clock:
        deep-copying them is wasted work, and on Python 3.12+ a deprecation
        warning (itertools objects) for every request.
        """
        middlewares = kwargs.pop("middlewares", None)
        call = super()._build_request_call(*args, **kwargs)
        if middlewares is not None:
            call.kwargs["middlewares"] = middlewares
        return call


def callback_result(**kwargs: Any) -> CallbackResult:
    """A CallbackResult whose response aiohttp 3.14 can build."""
    return CallbackResult(response_class=CompatResponse, **kwargs)

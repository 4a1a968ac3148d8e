"""The pytest plugin: ``fake_suno`` and ``suno_client`` fixtures for your app's tests.

Installed with the package (entry point ``pytest11``), it needs
pytest-asyncio; the fixtures work in its strict and auto modes::

    @pytest.mark.fake_suno(scale=0.001, provider="sunoapi")
    async def test_my_bot(fake_suno, suno_client):
        task_id = fake_suno.add_task(timeline=Timeline.success(5, 25, 90))
        record = await suno_client.wait_for_task(task_id)

``@pytest.mark.fake_suno(**kwargs)`` passes its keyword arguments to
:class:`~suno_async.testing.FakeSunoServer` (default ``scale`` here:
``FIXTURE_SCALE``, 0.001).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from suno_async._client import SunoClient
    from suno_async.testing._server import FakeSunoServer

__all__ = ["FIXTURE_SCALE", "fake_suno", "pytest_configure", "suno_client"]

#: The ``scale`` of the ``fake_suno`` fixture unless its marker says otherwise:
#: a realistic task (50-160 task seconds) finishes within 0.2 s.
FIXTURE_SCALE: Final = 0.001

_F = TypeVar("_F", bound=Callable[..., Any])


def _async_fixture(function: _F) -> _F:
    """Declare an async fixture the way pytest-asyncio wants it from a plugin."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - anyio's plugin can still run it
        return cast("_F", pytest.fixture(function))
    return cast("_F", pytest_asyncio.fixture(function))


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fake_suno`` marker."""
    config.addinivalue_line(
        "markers",
        "fake_suno(**kwargs): FakeSunoServer settings for the fake_suno fixture "
        "(scale, provider, seed, api_key, credits...)",
    )


@_async_fixture
async def fake_suno(request: pytest.FixtureRequest) -> AsyncIterator[FakeSunoServer]:
    """A running :class:`~suno_async.testing.FakeSunoServer`, one per test."""
    from suno_async.testing._server import FakeSunoServer

    marker = request.node.get_closest_marker("fake_suno")
    settings: dict[str, Any] = {"scale": FIXTURE_SCALE}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.fake_suno takes keyword arguments")
        settings.update(marker.kwargs)
    async with FakeSunoServer(**settings) as server:
        yield server


@_async_fixture
async def suno_client(fake_suno: FakeSunoServer) -> AsyncIterator[SunoClient]:
    """A :class:`suno_async.SunoClient` bound to ``fake_suno``, closed afterwards."""
    client = fake_suno.client()
    try:
        yield client
    finally:
        await client.aclose()

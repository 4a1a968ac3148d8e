"""The pytest plugin, as a user's project sees it: fixtures, marker, asyncio modes."""

from __future__ import annotations

import pytest

USER_TESTS = """
import pytest

from suno_async import SUNOAPI, PollPolicy, RetryPolicy, SunoClient, TaskStatus
from suno_async.testing import FakeSunoServer, Timeline

seen = []


{mark}
async def test_fake_suno_is_a_running_server(fake_suno):
    assert isinstance(fake_suno, FakeSunoServer)
    assert fake_suno.url.startswith("http://127.0.0.1:")
    assert (fake_suno.scale, fake_suno.provider.name) == (0.001, "apikley")


{mark}
@pytest.mark.fake_suno(scale=0.5, provider="sunoapi", seed=3, api_key="k")
async def test_the_marker_configures_the_server(fake_suno):
    assert fake_suno.scale == 0.5
    assert (fake_suno.provider, fake_suno.api_key) == (SUNOAPI, "k")


{mark}
async def test_suno_client_waits_on_the_servers_scaled_time(fake_suno, suno_client):
    assert suno_client.poll == PollPolicy().scaled(fake_suno.scale)
    assert suno_client.retry == RetryPolicy().scaled(fake_suno.scale)


{mark}
async def test_suno_client_talks_to_fake_suno(fake_suno, suno_client):
    assert isinstance(suno_client, SunoClient)
    task_id = fake_suno.add_task(timeline=Timeline.success(None, None, 0))
    record = await suno_client.get_task(task_id)
    assert record.status is TaskStatus.SUCCESS
    assert fake_suno.total_requests == 1
    seen.append((fake_suno, suno_client))


def test_the_client_was_closed_and_the_server_stopped():
    (server, client), = seen
    assert client.closed
    with pytest.raises(RuntimeError, match="not running"):
        server.url
"""


LOOP_SCOPE = "asyncio_default_fixture_loop_scope = function\n"


def _run(
    pytester: pytest.Pytester, mark: str, *args: str, ini: str = ""
) -> pytest.RunResult:
    """Run the user's tests in process (so coverage sees the fixtures)."""
    pytester.makepyfile(test_user=USER_TESTS.format(mark=mark))
    pytester.makeini("[pytest]\n" + ini + LOOP_SCOPE)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_fixtures_work_in_pytest_asyncio_strict_mode(pytester: pytest.Pytester) -> None:
    """In strict mode (the default) tests marked asyncio get both fixtures."""
    result = _run(pytester, "@pytest.mark.asyncio")
    result.assert_outcomes(passed=5)


def test_fixtures_work_in_pytest_asyncio_auto_mode(pytester: pytest.Pytester) -> None:
    """In auto mode unmarked async tests get them too."""
    result = _run(pytester, "", ini="asyncio_mode = auto\n")
    result.assert_outcomes(passed=5)


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    """``--strict-markers`` accepts ``fake_suno``, and ``--markers`` documents it."""
    result = _run(pytester, "@pytest.mark.asyncio", "--strict-markers")
    result.assert_outcomes(passed=5)
    listing = pytester.runpytest("--markers")
    listing.stdout.fnmatch_lines(["@pytest.mark.fake_suno(**kwargs): FakeSunoServer*"])


def test_the_marker_refuses_positional_arguments(pytester: pytest.Pytester) -> None:
    """``@pytest.mark.fake_suno(0.1)`` is a usage error, not a silent default."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        @pytest.mark.fake_suno(0.1)
        async def test_it(fake_suno):
            pass
        """
    )
    pytester.makeini("[pytest]\n" + LOOP_SCOPE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments*"])


@pytest.mark.integration
def test_the_fixtures_run_in_a_fresh_process(pytester: pytest.Pytester) -> None:
    """Through the installed entry point, in a subprocess, as in a user's project."""
    pytester.makepyfile(test_user=USER_TESTS.format(mark="@pytest.mark.asyncio"))
    pytester.makeini("[pytest]\n" + LOOP_SCOPE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)

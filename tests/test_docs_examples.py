"""The examples in the docs work.

The modules in docs/examples/ are the code the pages show (through
``literalinclude``); here they run against :class:`FakeSunoServer` in
compressed time. Of the ```python blocks written into README.md and the
pages, those that are test modules run with pytest (as a user's tests
would); the others talk to the real service, so they are compiled (as
top-level-await snippets, the way ``python -m asyncio`` runs them), not run.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from suno_async import PollPolicy, RetryPolicy, SunoClient
from suno_async.testing import FakeSunoServer, Timeline

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
SOURCES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r"^```\{literalinclude\} (\S+)$", re.MULTILINE)
TEST_FUNCTION = re.compile(r"^(?:async )?def test_", re.MULTILINE)

SCALE = 0.01  # a 100 s task plays in 1 s
# Even against the simulator the client keeps to 3 record-info requests per
# task per second: these settings make 3 polls in the first 0.2 s, and the
# timelines below need no more.
FAST_POLL = PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0.0)
FAST_RETRY = RetryPolicy(initial_s=0.05, max_s=0.1, not_found_grace_s=0.05)
HANGING = Timeline(steps=[(0.0, "PENDING")])
FAMILIES = ("wav", "vocal-removal", "video", "cover-image", "midi")


def _load(name: str) -> ModuleType:
    """Import docs/examples/<name>.py (it is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"docs_examples_{name}", EXAMPLES / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


quickstart = _load("quickstart")
web_backend = _load("web_backend")
batch = _load("batch")
song_to_everything = _load("song_to_everything")


@pytest.fixture
async def server() -> AsyncIterator[FakeSunoServer]:
    async with FakeSunoServer(scale=SCALE, seed=5) as server:
        yield server


# --- the snippets in the pages ---------------------------------------------------


def _snippets() -> dict[str, str]:
    """Every ```python block of the README and the pages, by ``path:line``."""
    snippets = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            snippets[f"{path.relative_to(ROOT)}:{line}"] = match.group(1)
    return snippets


SNIPPETS = _snippets()
TEST_SNIPPETS = {k: v for k, v in SNIPPETS.items() if TEST_FUNCTION.search(v)}


def _params(snippets: dict[str, str]) -> list[pytest.ParameterSet]:
    return [pytest.param(source, id=name) for name, source in snippets.items()]


def test_there_are_snippets() -> None:
    """The README, the quickstart and the testing guide have snippets, and tests."""
    files = {name.partition(":")[0] for name in SNIPPETS}
    test_files = {name.partition(":")[0] for name in TEST_SNIPPETS}
    assert {"README.md", "docs/quickstart.md"} <= files
    assert {"README.md", "docs/howto/testing.md"} <= test_files


@pytest.mark.parametrize("source", _params(SNIPPETS))
def test_snippet_compiles(source: str) -> None:
    """The snippet is syntactically valid Python, top-level ``await`` allowed."""
    compile(source, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("source", _params(TEST_SNIPPETS))
def test_test_snippet_passes(pytester: pytest.Pytester, source: str) -> None:
    """A snippet that is a test module passes, run by pytest as a user's would be."""
    result = _run_tests(pytester, test_snippet=source)
    result.assert_outcomes(passed=len(TEST_FUNCTION.findall(source)))


def test_every_example_module_is_shown_in_the_docs() -> None:
    """Each module of docs/examples/ is included by a page, and no other file is."""
    included = {
        (page.parent / target).resolve()
        for page in DOCS.rglob("*.md")
        for target in INCLUDE.findall(page.read_text(encoding="utf-8"))
    }
    assert included == set(EXAMPLES.glob("*.py"))


# --- quickstart.md -----------------------------------------------------------------


async def test_quickstart_follows_a_task(capsys: pytest.CaptureFixture[str]) -> None:
    """follow() prints the status, then every milestone in order, then the tracks.

    (main() runs the same against a real-time simulator, for about a minute.)
    """
    async with FakeSunoServer(scale=0.002) as server:
        task_id = server.add_task(timeline=Timeline.success(4, 20, 45))
        async with server.client(poll=FAST_POLL) as client:
            record = await quickstart.follow(client, task_id)
    lines = capsys.readouterr().out.splitlines()
    one, two = record.tracks
    assert lines[0].startswith(f"task {task_id} is ")  # PENDING, unless slow
    assert [line.split()[2] for line in lines[1:4]] == [
        "TEXT_SUCCESS",
        "FIRST_SUCCESS",
        "SUCCESS",
    ]
    assert lines[4:] == [
        f"{one.title}: {one.audio_url}",
        f"{two.title}: {two.audio_url}",
    ]


# --- howto/web-backend.md ----------------------------------------------------------


def _app_client(
    server: FakeSunoServer, made: list[SunoClient] | None = None, **settings: float
) -> TestClient[web.Request, web.Application]:
    """An HTTP client for the example app, its SunoClient bound to ``server``."""

    def make_client() -> SunoClient:
        client = server.client(poll=FAST_POLL, retry=FAST_RETRY)
        if made is not None:
            made.append(client)
        return client

    app = web_backend.create_app(make_client, **settings)
    return TestClient(TestServer(app))


async def test_web_backend_answers_at_the_first_playable_track(
    server: FakeSunoServer,
) -> None:
    """The answer comes at FIRST_SUCCESS: one final track, one still streaming."""
    task_id = server.add_task(timeline=Timeline.success(1, 5, 600))
    async with _app_client(server) as http:
        response = await http.get(f"/tracks/{task_id}")
        body = await response.json()
    one, two = (track["id"] for track in body["tracks"])
    assert (response.status, body) == (
        200,
        {
            "task_id": task_id,
            "status": "FIRST_SUCCESS",
            "tracks": [
                {
                    "id": one,
                    "title": "Rainy Memories",
                    "url": f"{server.url}/files/{one}.mp3",
                },
                {
                    "id": two,
                    "title": "Rainy Memories",
                    "url": f"{server.url}/files/stream/{two}",
                },
            ],
        },
    )


async def test_web_backend_shares_one_client(server: FakeSunoServer) -> None:
    """Concurrent requests share the app's one client, closed at cleanup."""
    task_id = server.add_task(timeline=Timeline.success(1, 5, 600))
    made: list[SunoClient] = []
    async with _app_client(server, made) as http:
        first = await http.get(f"/tracks/{task_id}")
        second = await http.get(f"/tracks/{task_id}")
        assert (first.status, second.status) == (200, 200)
        assert await first.json() == await second.json()
        assert not made[0].closed
    assert len(made) == 1
    assert made[0].closed


@pytest.mark.parametrize(
    ("timeline", "status", "error"),
    [
        pytest.param(
            Timeline.failure("SENSITIVE_WORD_ERROR", 1, error_message="Refused."),
            422,
            "Refused.",
            id="refused-422",
        ),
        pytest.param(
            Timeline.failure("CREATE_TASK_FAILED", 1, error_message="Bad model."),
            422,
            "Bad model.",
            id="not-created-422",
        ),
        pytest.param(
            Timeline.failure(error_message="No audio."),
            502,
            "No audio.",
            id="failed-502",
        ),
        pytest.param(
            HANGING, 504, "still running (last status PENDING)", id="timeout-504"
        ),
        pytest.param(
            HANGING.not_found_for(10_000), 404, "no such task", id="not-found-404"
        ),
    ],
)
async def test_web_backend_maps_errors_to_http(
    server: FakeSunoServer, timeline: Timeline, status: int, error: str
) -> None:
    """Failures, timeouts and unknown tasks become JSON errors with fitting statuses."""
    task_id = server.add_task(timeline=timeline)
    async with _app_client(server, wait_timeout_s=0.3) as http:
        response = await http.get(f"/tracks/{task_id}")
        body = await response.json()
    assert (response.status, body) == (status, {"task_id": task_id, "error": error})


async def test_web_backend_refuses_an_impossible_task_id(
    server: FakeSunoServer,
) -> None:
    """An id no service would know is refused before any request."""
    async with _app_client(server) as http:
        response = await http.get("/tracks/" + "x" * 200)
        body = await response.json()
    assert response.status == 400
    assert body["error"].startswith("invalid task id 'xxx")
    assert server.total_requests == 0


# --- howto/bot.md and howto/testing.md ----------------------------------------------


def _run_tests(pytester: pytest.Pytester, **modules: str) -> pytest.RunResult:
    """Run test modules with pytest as a user's project would (plugin included).

    docs/examples/ is importable, as the guides' own folder would be.
    """
    pytester.syspathinsert(EXAMPLES)
    pytester.makepyfile(**modules)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    return pytester.runpytest("-p", "no:cacheprovider")


def _run_example_tests(pytester: pytest.Pytester, name: str) -> pytest.RunResult:
    """Run docs/examples/<name>.py with pytest."""
    return _run_tests(pytester, **{name: (EXAMPLES / f"{name}.py").read_text("utf-8")})


def test_the_bot_tests_pass(pytester: pytest.Pytester) -> None:
    """test_bot.py (testing the bot.py of the bot how-to) passes."""
    _run_example_tests(pytester, "test_bot").assert_outcomes(passed=4)


def test_the_virtual_clock_test_passes(pytester: pytest.Pytester) -> None:
    """test_cadence.py passes."""
    _run_example_tests(pytester, "test_cadence").assert_outcomes(passed=1)


# --- howto/batch.md -----------------------------------------------------------------


async def test_batch_prints_each_outcome_as_it_comes(
    server: FakeSunoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per distinct id; invalid ids first, the timed-out task last."""
    ok = server.add_task(timeline=Timeline.success(1, 2, 3))
    failed = server.add_task(timeline=Timeline.failure(at_s=2))
    hanging = server.add_task(timeline=HANGING)
    invalid = "x" * 200
    async with server.client(poll=FAST_POLL, retry=FAST_RETRY) as client:
        failures = await batch.wait_all(
            client, [invalid, ok, failed, hanging, ok], timeout=0.4, max_concurrency=2
        )
        record = await client.get_task(ok)
    lines = capsys.readouterr().out.splitlines()
    urls = " ".join(str(track.audio_url) for track in record.tracks)
    assert lines[0].startswith(
        f"failed  {invalid} InvalidArgumentError: invalid task id"
    )
    assert sorted(lines[1:3]) == sorted(
        [
            f"ok      {ok} {urls}",
            f"failed  {failed} GENERATE_AUDIO_FAILED: Audio generation failed.",
        ]
    )
    assert lines[3:] == [f"failed  {hanging} timed out at PENDING"]
    assert [outcome.task_id for outcome in failures] == sorted(
        [invalid, failed, hanging], key=[line.split()[1] for line in lines].index
    )


async def test_batch_command_line(
    server: FakeSunoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The script reads ids from a file, paces requests and exits 1 on a failure."""
    monkeypatch.setenv("APIKLEY_API_KEY", server.api_key)
    done = [server.add_task(timeline=Timeline.success(None, None, 0)) for _ in range(3)]
    failed = server.add_task(timeline=Timeline.failure(at_s=0))
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join([*done, failed, done[0]]) + "\n", encoding="utf-8")

    status = await batch.main(
        [str(ids), "--base-url", server.url, "--rate", "50", "--timeout", "5"]
    )

    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert sorted(line.split()[1] for line in lines[:-1]) == sorted([*done, failed])
    assert lines[-1] == "3 done, 1 failed"
    assert server.limit_violations == 0


# --- howto/song-to-everything.md ------------------------------------------------------


async def test_song_to_everything_saves_every_family_file(
    server: FakeSunoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A song, then its WAV, stems, video, cover and MIDI, every file saved."""
    quick = Timeline.success(None, None, 1.0)
    server.queue_task(Timeline.success(1, 2, 3))
    for kind in FAMILIES:
        server.queue_task(quick, kind=kind)
    callback = "https://example.com/cb"
    async with server.client(callback_url=callback, poll=FAST_POLL) as client:
        paths = await song_to_everything.release(client, "a calm piano piece", tmp_path)
    [song] = server.task_ids()
    song_tracks = server.task(song).track_ids
    ids = {kind: server.task_ids(kind)[0][:8] for kind in FAMILIES}
    assert sorted(p.name for p in paths) == sorted(
        [
            *(f"Rainy Memories-{t[:8]}.mp3" for t in song_tracks),
            f"wav-{ids['wav']}.wav",
            f"vocal-{ids['vocal-removal']}.mp3",
            f"instrumental-{ids['vocal-removal']}.mp3",
            f"video-{ids['video']}.mp4",
            f"cover-{ids['cover-image']}-1.png",
            f"cover-{ids['cover-image']}-2.png",
            f"midi-{ids['midi']}.mid",
        ]
    )
    assert sorted(tmp_path.iterdir()) == sorted(paths)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"song {song} track {song_tracks[0]}"
    assert sorted(line.split() for line in lines[1:]) == [
        ["cover-image", "SUCCESS"],
        ["video", "SUCCESS"],
        ["vocal-removal", "SUCCESS"],
        ["wav", "SUCCESS"],
    ]
    assert server.limit_violations == 0

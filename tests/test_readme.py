"""The README's samples work as written.

Every ```python block of README.md is read from the file, never copied, and
run:

- The test module of "Test your app" runs with pytest in a fresh project
  whose ``pyproject.toml`` is the README's ```toml block, in a subprocess,
  the plugin loaded through its entry point: what a user who follows the
  README gets. The testing guide's test modules get the same treatment with
  the guide's own ```toml block.
- The tour's snippets run against :class:`FakeSunoServer`, the way
  ``python -m asyncio`` runs them (top-level ``await``). What they take from
  outside is set here, in plain sight: the key and the base URL come from
  ``APIKLEY_API_KEY`` and ``APIKLEY_BASE_URL``, pointed at the simulator;
  the names a snippet uses without defining (``client``, ``task_id``,
  ``task_ids``) are given simulated tasks and a client made from that
  environment; that client polls every 0.1 s from the start
  (``FAST_POLL``), so each test takes a fraction of a second.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import suno_async as suno
from suno_async.testing import FakeSunoServer, Timeline

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TESTING_GUIDE = ROOT / "docs" / "howto" / "testing.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)
TEST_FUNCTION = re.compile(r"^(?:async )?def test_", re.MULTILINE)

SCALE = 0.01  # a 100 s task plays in 1 s
FAST_POLL = suno.PollPolicy(kind="fixed", interval_s=0.1, first_poll_max_s=0.0)
README_TASK_ID = "09c0edbd9dc50df9b6174a7b240bbcba"  # the id "Read a task" reads


def _blocks(path: Path, language: str) -> dict[str, str]:
    """The ``language`` blocks of a page, by their section's heading.

    The second block of a section is ``"<heading> #2"``, and so on.
    """
    text = path.read_text(encoding="utf-8")
    blocks: dict[str, str] = {}
    for match in BLOCK.finditer(text):
        if match.group(1) != language:
            continue
        headings = HEADING.findall(text, 0, match.start())
        name = headings[-1] if headings else ""
        count = sum(1 for key in blocks if key.partition(" #")[0] == name)
        blocks[name if count == 0 else f"{name} #{count + 1}"] = match.group(2)
    return blocks


SAMPLES = _blocks(README, "python")
#: The README's samples, as the tests below run them.
RUN = {
    "Read a task",
    "Wait for a task",
    "Wait for a task #2",
    "Wait for many tasks",
    "From a prompt to MP3 files",
    "Stems, WAV, MIDI, video, lyrics and cover images",
    "Test your app",
}


async def _run(name: str, namespace: dict[str, Any]) -> None:
    """Run the README's sample ``name`` in ``namespace``, as ``python -m asyncio``."""
    code = compile(
        SAMPLES[name],
        f"README.md ({name})",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    result = types.FunctionType(code, namespace)()
    if result is not None:  # a coroutine when the sample awaits
        await result


def test_every_readme_sample_is_run() -> None:
    """No ```python block of the README escapes this module."""
    assert set(SAMPLES) == RUN


# --- "Test your app": a user's fresh project -------------------------------------


def _fresh_project(
    pytester: pytest.Pytester, pyproject: str, **modules: str
) -> pytest.RunResult:
    """Run ``modules`` with pytest in a new project, in a new process."""
    pytester.makepyprojecttoml(pyproject)
    pytester.makepyfile(**modules)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


@pytest.mark.integration
def test_the_test_sample_passes_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    """With the README's pyproject.toml, its test passes, with nothing on stderr.

    (pytest-asyncio writes its configuration warnings there, outside the count
    of warnings.)
    """
    (pyproject,) = _blocks(README, "toml").values()
    result = _fresh_project(pytester, pyproject, test_app=SAMPLES["Test your app"])
    result.assert_outcomes(passed=1, warnings=0)
    assert result.stderr.lines == []


@pytest.mark.integration
def test_the_testing_guides_samples_pass_in_a_fresh_project(
    pytester: pytest.Pytester,
) -> None:
    """With the testing guide's pyproject.toml, each of its test modules passes."""
    (pyproject,) = _blocks(TESTING_GUIDE, "toml").values()
    tests = [
        source
        for source in _blocks(TESTING_GUIDE, "python").values()
        if TEST_FUNCTION.search(source)
    ]
    modules = {f"test_guide_{n}": source for n, source in enumerate(tests)}
    result = _fresh_project(pytester, pyproject, **modules)
    result.assert_outcomes(passed=len(tests), warnings=0)
    assert result.stderr.lines == []


# --- the tour, against the simulator ----------------------------------------------


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSunoServer]:
    """The simulator, named by the environment as the key and base URL to use."""
    async with FakeSunoServer(scale=SCALE, seed=3) as server:
        for name in ("SUNO_API_KEY", "SUNO_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("APIKLEY_API_KEY", server.api_key)
        monkeypatch.setenv("APIKLEY_BASE_URL", server.url)
        yield server


@pytest.fixture
async def client(server: FakeSunoServer) -> AsyncIterator[suno.SunoClient]:
    """The ``client`` the tour's later snippets use: made from the environment."""
    async with suno.SunoClient(poll=FAST_POLL) as client:
        yield client


async def test_read_a_task_prints_its_status_and_audio_urls(
    server: FakeSunoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """``SunoClient()`` finds the key and URL in the environment and reads the task."""
    server.add_task(README_TASK_ID, Timeline.success(None, None, 0))

    await _run("Read a task", {})

    async with server.client() as reader:
        record = await reader.get_task(README_TASK_ID)
    urls = [track.best_audio_url for track in record.tracks]
    assert capsys.readouterr().out == f"SUCCESS {urls}\n"


async def test_a_wait_until_first_success_returns_that_record(
    server: FakeSunoServer, client: suno.SunoClient
) -> None:
    """Awaited with ``until=FIRST_SUCCESS``, the wait ends there, not at SUCCESS."""
    task_id = server.add_task(timeline=Timeline.success(1, 2, 600))
    namespace = {"suno": suno, "client": client, "task_id": task_id}

    await _run("Wait for a task", namespace)

    assert namespace["record"].status is suno.TaskStatus.FIRST_SUCCESS


async def test_an_iterated_wait_prints_each_milestone_once_in_order(
    server: FakeSunoServer, client: suno.SunoClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per milestone, whatever the polls saw."""
    task_id = server.add_task(timeline=Timeline.success(1, 2, 3))

    await _run("Wait for a task #2", {"client": client, "task_id": task_id})

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == [
        "TEXT_SUCCESS",
        "FIRST_SUCCESS",
        "SUCCESS",
    ]


async def test_wait_many_prints_one_line_per_task(
    server: FakeSunoServer, client: suno.SunoClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each task's outcome, the failed one with its error, the others ``ok``."""
    done = [server.add_task(timeline=Timeline.success(None, None, 2)) for _ in "ab"]
    failed = server.add_task(
        timeline=Timeline.failure(at_s=1, error_message="No audio.")
    )

    await _run("Wait for many tasks", {"client": client, "task_ids": [*done, failed]})

    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(
        [
            f"{done[0]} ok",
            f"{done[1]} ok",
            f"{failed} task {failed} failed: GENERATE_AUDIO_FAILED"
            " (error code 501): No audio.",
        ]
    )


async def test_from_a_prompt_to_mp3_files(
    server: FakeSunoServer,
    client: suno.SunoClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The sample creates a task, saves one file per track into out/, shows credits."""
    monkeypatch.chdir(tmp_path)
    server.queue_task(Timeline.success(1, 2, 3))
    namespace: dict[str, Any] = {"client": client}

    await _run("From a prompt to MP3 files", namespace)

    saved = sorted(path.resolve() for path in namespace["paths"])
    assert saved == sorted((tmp_path / "out").iterdir())
    assert [path.suffix for path in saved] == [".mp3", ".mp3"]
    assert capsys.readouterr().out == "988 credits left\n"  # 1000 - 12 per task


async def test_stems_wav_midi_and_cover_are_saved_from_one_song(
    server: FakeSunoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The families sample waits on each handle and saves every family's files."""
    monkeypatch.chdir(tmp_path)
    task_id = server.add_task(timeline=Timeline.success(1, 2, 3))
    async with suno.SunoClient(
        poll=FAST_POLL, callback_url="https://example.com/suno/callback"
    ) as client:
        namespace: dict[str, Any] = {"client": client, "task_id": task_id}
        await _run("Stems, WAV, MIDI, video, lyrics and cover images", namespace)

    suffixes = sorted(path.suffix for path in (tmp_path / "out").iterdir())
    assert suffixes == [".mid", ".mp3", ".mp3", ".png", ".png", ".wav"]
    assert namespace["midi"].status is suno.TaskStatus.SUCCESS

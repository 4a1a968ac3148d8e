"""The ``suno-async`` command: every command, its outputs and exit codes.

A few tests run the real entry point (``python -m suno_async``) in a
subprocess against a simulator served by the test; the rest use click's
``CliRunner`` in process (faster, and measured by coverage). Commands that
talk to the simulator run in a worker thread, so that the test's event loop
keeps serving it.
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import re
import runpy
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import click
import pytest
from click.testing import CliRunner, Result
from rich.console import Console
from rich.text import Text

import suno_async
from suno_async import SunoClient, TaskStatus
from suno_async._core.convert import to_jsonable
from suno_async._core.errors import (
    APIError,
    AudioGenerationFailedError,
    AuthenticationError,
    ConfigurationError,
    DecodeError,
    DestinationExistsError,
    DownloadError,
    InvalidArgumentError,
    InvalidRequestError,
    LocalFileError,
    RequestTimeoutError,
    SunoError,
    TaskNotFoundError,
    TransportError,
    WaitTimeoutError,
)
from suno_async._core.models import TaskRecord, Track
from suno_async._core.providers import PROVIDERS, RECORD_INFO_PATH
from suno_async.cli._app import Settings, cli, demo_exit_code, execute
from suno_async.cli._board import Board
from suno_async.cli._demo import DemoResult
from suno_async.cli._display import RichDisplay, plain_console, safe_text
from suno_async.cli._exit import ExitCode, OutputClosed, exit_code_for, worst
from suno_async.cli._files import downloadable, save_tracks, size_text
from suno_async.cli._json_lines import JsonLines
from suno_async.cli._main import main
from suno_async.cli._polls import PollCounter
from suno_async.cli._redact import Redactor
from suno_async.cli._tables import progress_table
from suno_async.cli._terminal import UNSAFE, printable
from suno_async.testing import FakeSunoServer, Fault, Timeline, TrackSpec

KEY = "test-key"
MAIN_PY = Path(suno_async.__file__).with_name("__main__.py")
#: The environment of every run: no key, no forced terminal.
CLEAN_ENV: Mapping[str, str | None] = {
    "APIKLEY_API_KEY": None,
    "SUNO_API_KEY": None,
    "APIKLEY_BASE_URL": None,
    "SUNO_BASE_URL": None,
    "SUNO_CALLBACK_URL": None,
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "NO_COLOR": None,
    "COLUMNS": None,
}
QUICK = Timeline.success(1.0, 2.0, 3.0)  # done after 30 ms at scale 0.01
DONE = Timeline.success(0.0, 0.0, 0.0)  # done when created
STUCK = Timeline(steps=[(0.0, TaskStatus.PENDING)])
ANSI = re.compile(r"\x1b\[")
ANSI_CODES = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")

pytestmark = pytest.mark.fake_suno(scale=0.01, seed=11)


@attrs.frozen
class Run:
    """What a run of the command left behind."""

    code: int
    stdout: str
    stderr: str

    def lines(self) -> list[dict[str, Any]]:
        """stdout's JSON lines, parsed."""
        return [json.loads(line) for line in self.stdout.splitlines()]


async def run_process(*args: str, env: Mapping[str, str] | None = None) -> Run:
    """``python -m suno_async *args`` in a subprocess, without inherited keys."""
    environ = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    environ.update(env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "suno_async",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environ,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


def invoke(args: Sequence[str], env: Mapping[str, str | None] | None = None) -> Run:
    """The command in process, with ``CliRunner``."""
    runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
    result: Result = runner.invoke(cli, list(args), catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


async def invoke_async(
    args: Sequence[str], env: Mapping[str, str | None] | None = None
) -> Run:
    """:func:`invoke` in a worker thread, while this loop serves the simulator."""
    return await asyncio.to_thread(invoke, args, env)


def at(server: FakeSunoServer, *args: str, key: str = KEY) -> list[str]:
    """Global options pointing at ``server``, then ``args``."""
    return ["--base-url", server.url, "--api-key", key, *args]


async def record_of(server: FakeSunoServer, task_id: str) -> TaskRecord:
    async with server.client() as client:
        return await client.get_task(task_id)


# --- the real entry point -------------------------------------------------------


async def test_status_prints_the_record(fake_suno: FakeSunoServer) -> None:
    """``status`` shows the status, each track's title and URLs; exit 0."""
    task_id = fake_suno.add_task(timeline=DONE)
    record = await record_of(fake_suno, task_id)

    run = await run_process(*at(fake_suno, "status", task_id))

    assert (run.code, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    assert lines[:3] == [
        f"Task       {task_id}",
        "Status     SUCCESS",
        "Operation  generate",
    ]
    for track in record.tracks:
        assert f"id       {track.id}" in lines
        assert f"audio    {track.audio_url}" in lines
        assert f"stream   {track.stream_audio_url}" in lines
    assert not ANSI.search(run.stdout)


async def test_status_json_is_the_whole_record(fake_suno: FakeSunoServer) -> None:
    """``status --json`` prints one line: ``type: record`` and to_jsonable(record)."""
    task_id = fake_suno.add_task(timeline=DONE)
    expected = {"type": "record", **to_jsonable(await record_of(fake_suno, task_id))}

    run = await run_process(*at(fake_suno, "status", task_id, "--json"))

    assert (run.code, run.stderr, run.lines()) == (0, "", [expected])
    assert list(expected) == [
        "type",
        "task_id",
        "status",
        "status_raw",
        "tracks",
        "operation_type",
        "model_family",
        "param",
        "parent_music_id",
        "error_code",
        "error_message",
        "created_at",
    ]


async def test_wait_json_prints_events_then_outcome(fake_suno: FakeSunoServer) -> None:
    """``wait --json``: three milestones in order, the outcome, a summary; exit 0."""
    task_id = fake_suno.add_task(timeline=QUICK)

    run = await run_process(*at(fake_suno, "--json", "wait", task_id))

    assert (run.code, run.stderr) == (0, "")
    lines = run.lines()
    assert [(line["type"], line.get("status")) for line in lines] == [
        ("event", "TEXT_SUCCESS"),
        ("event", "FIRST_SUCCESS"),
        ("event", "SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]
    outcome, summary = lines[3], lines[4]
    assert outcome["record"]["status"] == "SUCCESS"
    assert (outcome["task_id"], outcome["result"], outcome["exit_code"]) == (
        task_id,
        "success",
        0,
    )
    assert outcome["error"] is None
    assert (summary["tasks"], summary["results"], summary["exit_code"]) == (
        1,
        {"success": 1},
        0,
    )


async def test_wait_for_a_failing_task_exits_1(fake_suno: FakeSunoServer) -> None:
    """A task that fails exits 1 with the failure on one stderr line."""
    task_id = fake_suno.add_task(timeline=Timeline.failure(at_s=1.0))

    run = await run_process(*at(fake_suno, "wait", task_id))

    assert run.code == ExitCode.TASK_FAILED
    assert run.stderr == (
        f"error: task {task_id} failed: GENERATE_AUDIO_FAILED (error code 501): "
        "Audio generation failed.\n"
    )
    assert f"{task_id}  failed: GENERATE_AUDIO_FAILED" in run.stdout


async def test_wait_timeout_exits_3(fake_suno: FakeSunoServer) -> None:
    """``--timeout`` on a task that never ends exits 3."""
    task_id = fake_suno.add_task(timeline=STUCK)

    run = await run_process(*at(fake_suno, "wait", task_id, "--timeout", "0.3"))

    assert run.code == ExitCode.TIMEOUT
    assert re.fullmatch(
        rf"error: task {task_id} did not finish within 0\.3 s "
        r"\((no record yet|last status PENDING), \d+ polls?\)\n",
        run.stderr,
    )


async def test_wrong_key_exits_4_without_leaking_it(fake_suno: FakeSunoServer) -> None:
    """A refused key: exit 4, one stderr line, no traceback, the key nowhere."""
    task_id = fake_suno.add_task(timeline=QUICK)
    wrong = "sk-wrong-0123456789"

    run = await run_process(*at(fake_suno, "status", task_id, key=wrong))

    assert run.code == ExitCode.API_ERROR
    assert run.stderr == (
        f"error: [401] You do not have access permissions (task {task_id}) "
        "(the API key came from the api_key argument)\n"
    )
    assert (run.stdout, wrong in run.stderr) == ("", False)


async def test_verbose_logs_and_traces_without_the_key(
    fake_suno: FakeSunoServer,
) -> None:
    """``-v`` adds debug lines and a traceback, and still never shows the key."""
    task_id = fake_suno.add_task(timeline=QUICK)
    wrong = "sk-wrong-0123456789"

    run = await run_process(
        "--base-url", fake_suno.url, "-v", "status", task_id,
        env={"SUNO_API_KEY": wrong},
    )  # fmt: skip

    assert run.code == ExitCode.API_ERROR
    assert "DEBUG suno_async: GET /api/v1/generate/record-info" in run.stderr
    assert "Traceback (most recent call last)" in run.stderr
    assert run.stderr.endswith(
        f"error: [401] You do not have access permissions (task {task_id}) "
        "(the API key came from the SUNO_API_KEY environment variable)\n"
    )
    assert wrong not in run.stdout + run.stderr


async def test_missing_key_exits_2() -> None:
    """No key from the option or the environment: exit 2, saying how to give one."""
    run = await run_process("status", "abc")

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr == (
        "error: no API key: pass --api-key or set APIKLEY_API_KEY or SUNO_API_KEY\n"
    )


async def test_bad_task_id_exits_2(fake_suno: FakeSunoServer) -> None:
    """A task id no service would know exits 2 before any request."""
    run = await run_process(*at(fake_suno, "status", "not an id"))

    assert run.code == ExitCode.USAGE
    assert run.stderr == (
        "error: invalid task id 'not an id': "
        "must not contain whitespace or control characters\n"
    )
    assert fake_suno.total_requests == 0


async def test_demo_runs_and_counts_no_violation() -> None:
    """``demo`` creates, waits, downloads each track, and counts 0 violations."""
    run = await run_process("demo", "--tasks", "2", "--scale", "0.01", "--seed", "1")

    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.startswith("Simulating 2 tasks on http://127.0.0.1:")
    lines = run.stdout.splitlines()
    assert re.search(r"^2 tasks: 2 success in [\d.]+ s", run.stdout, re.MULTILINE)
    start = next(i for i, line in enumerate(lines) if line.startswith("Downloaded"))
    assert re.fullmatch(
        r"Downloaded 4 files \(13\.4 kB\) in [\d.]+ s into a temporary folder, "
        "deleted since:",
        lines[start],
    )
    assert all(
        re.fullmatch(r"  [A-Z][a-z]+ [A-Z][a-z]+-[0-9a-f]{8}\.mp3  3\.3 kB", line)
        for line in lines[start + 1 : start + 5]
    )
    assert re.fullmatch(
        r"The simulator answered \d+ requests \(2 creations, \d+ polls\): "
        r"0 limit violations \(limit: 3 per task per second\)\.",
        lines[start + 5],
    )
    assert not ANSI.search(run.stdout)


async def test_demo_json_lines_parse() -> None:
    """``demo --json``: start, events, outcomes, a line per download, a summary."""
    run = await run_process("demo", "--json", "--tasks", "2", "--scale", "0.01")

    assert (run.code, run.stderr) == (0, "")
    lines = run.lines()
    types = [line["type"] for line in lines]
    assert (types[0], types[-5:]) == ("start", ["download"] * 4 + ["summary"])
    assert sorted(types[1:-5]) == ["event"] * 6 + ["outcome"] * 2
    summary = lines[-1]
    assert (summary["limit_violations"], summary["downloads"]) == (0, 4)
    assert summary["download_bytes"] == sum(line["bytes"] for line in lines[-5:-1])
    assert summary["requests"] == 2 + sum(
        o["polls"] for o in lines if o["type"] == "outcome"
    )
    task_ids = lines[0]["task_ids"]
    assert [line["task_id"] for line in lines[-5:-1]] == [
        task_ids[0], task_ids[0], task_ids[1], task_ids[1]
    ]  # fmt: skip


# --- in process ---------------------------------------------------------------------


async def test_wait_prints_lines_and_summary_off_a_terminal(
    fake_suno: FakeSunoServer,
) -> None:
    """Off a terminal, ``wait`` prints a line per milestone, then the summary."""
    task_id = fake_suno.add_task(timeline=QUICK)
    record = await record_of(fake_suno, task_id)

    run = await invoke_async(at(fake_suno, "wait", task_id))

    assert (run.code, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    statuses = [line.split()[1] for line in lines[:3]]
    assert statuses == ["TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]
    assert lines[3].startswith(f"{task_id}  success: reached SUCCESS (")
    assert lines[-1] == "1 task: 1 success."
    for track in record.tracks:
        assert any(line.endswith(f"  {track.audio_url}") for line in lines)
    assert not ANSI.search(run.stdout)


async def test_wait_until_first(fake_suno: FakeSunoServer) -> None:
    """``--until first`` stops at FIRST_SUCCESS: two events, then the outcome."""
    task_id = fake_suno.add_task(timeline=Timeline.success(1.0, 2.0, 9_000.0))

    run = await invoke_async(
        at(fake_suno, "wait", "--json", task_id, "--until", "first")
    )

    assert run.code == 0
    lines = run.lines()
    assert [(line["type"], line.get("status")) for line in lines] == [
        ("event", "TEXT_SUCCESS"),
        ("event", "FIRST_SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]
    assert lines[2]["record"]["status"] == "FIRST_SUCCESS"


async def test_wait_many_the_worst_outcome_decides(fake_suno: FakeSunoServer) -> None:
    """Each id ends in a row; an invalid id (2) outranks a failure (1)."""
    ok = fake_suno.add_task(timeline=QUICK)
    failed = fake_suno.add_task(timeline=Timeline.failure(at_s=1.0))

    run = await invoke_async(at(fake_suno, "wait", ok, failed, "bad id", ok))

    assert run.code == ExitCode.USAGE
    assert run.stderr == (
        "error: 2 of 3 tasks did not succeed; worst: invalid task id 'bad id': "
        "must not contain whitespace or control characters\n"
    )
    lines = run.stdout.splitlines()
    assert lines[-1] == "3 tasks: 1 success, 1 failed, 1 invalid."
    table = "\n".join(lines)
    assert re.search(rf"^ {failed} +failed .*GENERATE_AUDIO_FAILED", table, re.M)
    assert re.search(r"^ bad id +invalid +0 ", table, re.M)


async def test_wait_json_reports_every_outcome(fake_suno: FakeSunoServer) -> None:
    """JSON outcomes carry result, exit code and error for each task."""
    stuck = fake_suno.add_task(timeline=STUCK)
    failed = fake_suno.add_task(timeline=Timeline.failure(at_s=1.0))

    run = await invoke_async(
        # Past the first poll (at most PollPolicy.first_poll_max_s, 1 s).
        at(fake_suno, "wait", "--json", stuck, failed, "--timeout", "1.2")
    )

    assert run.code == ExitCode.TIMEOUT
    outcomes = {o["task_id"]: o for o in run.lines() if o["type"] == "outcome"}
    assert {k: (o["result"], o["exit_code"]) for k, o in outcomes.items()} == {
        stuck: ("timeout", 3),
        failed: ("failed", 1),
    }
    assert outcomes[failed]["error"] == {
        "type": "AudioGenerationFailedError",
        "message": f"task {failed} failed: GENERATE_AUDIO_FAILED (error code 501): "
        "Audio generation failed.",
    }
    assert outcomes[failed]["record"]["status"] == "GENERATE_AUDIO_FAILED"


async def test_wait_shows_a_live_table_on_a_terminal(
    fake_suno: FakeSunoServer,
) -> None:
    """On a terminal, ``wait`` draws the live table, then the summary."""
    ok = fake_suno.add_task(timeline=QUICK)
    failed = fake_suno.add_task(timeline=Timeline.failure(at_s=1.0))

    run = await invoke_async(
        at(fake_suno, "wait", ok, failed), env={"FORCE_COLOR": "1", "COLUMNS": "120"}
    )

    assert run.code == ExitCode.TASK_FAILED
    assert ANSI.search(run.stdout)
    assert re.search(r"Task +.*Status +.*Title +.*Text", run.stdout)
    assert "2 tasks: 1 success, 1 failed." in run.stdout


async def test_in_process_status_json_and_verbose(fake_suno: FakeSunoServer) -> None:
    """``-v`` logs each request to stderr; ``--json`` prints the record line."""
    task_id = fake_suno.add_task(timeline=DONE)

    run = await invoke_async(at(fake_suno, "status", "-v", "--json", task_id))

    assert run.code == 0
    assert [line["type"] for line in run.lines()] == ["record"]
    assert re.search(
        rf"DEBUG suno_async: GET /api/v1/generate/record-info task={task_id} "
        r"-> HTTP 200 code 200 in \d+ ms\n$",
        run.stderr,
    )


async def test_in_process_wait_for_one_failing_task(fake_suno: FakeSunoServer) -> None:
    """One failing task: exit 1 and its error, as is, on stderr."""
    task_id = fake_suno.add_task(timeline=Timeline.failure(at_s=0.0))

    run = await invoke_async(at(fake_suno, "wait", task_id, "--json"))

    assert run.code == ExitCode.TASK_FAILED
    assert run.stderr == (
        f"error: task {task_id} failed: GENERATE_AUDIO_FAILED (error code 501): "
        "Audio generation failed.\n"
    )
    assert [line["type"] for line in run.lines()] == ["outcome", "summary"]


async def test_service_text_is_not_markup(fake_suno: FakeSunoServer) -> None:
    """Titles and messages with brackets are printed as they are."""
    title = "[bold]Loud[/bold] [Verse]"
    tracks = (TrackSpec(title=title),)
    task_id = fake_suno.add_task(timeline=Timeline.success(0, 0, 0, tracks=tracks))

    status = await invoke_async(at(fake_suno, "status", task_id))
    wait = await invoke_async(at(fake_suno, "wait", task_id), env={"FORCE_COLOR": "1"})

    assert f"Track 1  {title}" in status.stdout.splitlines()
    assert (wait.code, f"  {title} (3:18)  http://" in wait.stdout) == (0, True)
    summary = ANSI_CODES.sub("", wait.stdout.split("Audio:")[0])
    assert "[bold]Loud[/bold]" in summary  # the table may wrap the title


def test_in_process_missing_key() -> None:
    """No key anywhere is a usage error, before any request."""
    run = invoke(["wait", "abc"])

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr.startswith("error: no API key: pass --api-key")


def test_summary_of_tasks_without_audio() -> None:
    """The summary describes tasks that made nothing and lists no audio; a
    timeout without a record names no status (none was read)."""
    board = Board(["t1", "t2"])
    board.finish("t1", error=WaitTimeoutError("t1", timeout=2.0, polls=3))
    board.finish("t2", record=attrs.evolve(_record("SUCCESS"), tracks=(Track(id="x"),)))
    stream = io.StringIO()

    RichDisplay(plain_console(stream)).summary(board, lines=["the end"])

    lines = [line.split() for line in stream.getvalue().splitlines()]
    assert lines[0] == []
    assert lines[1] == ["Task", "Result", "Polls", "Time", "Title", "Length"]
    assert lines[3][:3] == ["t1", "timeout", "3"]
    assert " ".join(lines[3][5:]) == "not done within 2 s (no status read)"
    assert lines[4][:3] == ["t2", "success", "0"]
    assert lines[5:] == [["the", "end"]]


async def test_status_of_a_failed_task(fake_suno: FakeSunoServer) -> None:
    """``status`` of a failed task exits 0 and shows its error code and message."""
    task_id = fake_suno.add_task(timeline=Timeline.failure(at_s=0.0))
    created_at = (await record_of(fake_suno, task_id)).created_at
    assert created_at is not None

    run = await invoke_async(at(fake_suno, "status", task_id))

    assert run.code == 0
    assert run.stdout.splitlines() == [
        f"Task        {task_id}",
        "Status      GENERATE_AUDIO_FAILED",
        "Operation   generate",
        "Model       chirp-auk",
        f"Created     {created_at.isoformat()}",
        "Error code  501",
        "Error       Audio generation failed.",
        "Tracks      0",
    ]


async def test_status_mid_generation_leaves_out_unknown_fields(
    fake_suno: FakeSunoServer,
) -> None:
    """A track without audio or length yet shows only what it has."""
    task_id = fake_suno.add_task(timeline=Timeline.success(0.0, 0.0, 9_000.0))
    record = await record_of(fake_suno, task_id)
    second = record.tracks[1]
    assert (second.audio_url, second.duration) == (None, None)

    run = await invoke_async(at(fake_suno, "status", task_id))

    assert run.code == 0
    block = run.stdout.split("Track 2")[1].splitlines()
    assert [line.split()[0] for line in block[1:]] == ["id", "tags", "stream", "image"]


def test_demo_on_a_terminal_draws_the_live_table() -> None:
    """``demo`` on a narrow terminal: a live table without titles, then the summary."""
    run = invoke(
        ["demo", "--tasks", "1", "--scale", "0.005", "--seed", "3"],
        env={"FORCE_COLOR": "1", "COLUMNS": "80"},
    )

    assert (run.code, run.stderr) == (0, "")
    assert ANSI.search(run.stdout)
    assert re.search(r"Task +.*Status +.*Text", run.stdout)
    assert not re.search(r"Status +.*Title", run.stdout)
    assert "0 limit violations" in run.stdout


def test_demo_json_in_process() -> None:
    """``demo --json`` names the seed, scale and tasks in its start line."""
    run = invoke(["--json", "demo", "--tasks", "1", "--scale", "0.005", "--seed", "4"])

    assert run.code == 0
    start, *_, summary = run.lines()
    assert (start["seed"], start["scale"], start["provider"]) == (4, 0.005, "apikley")
    assert len(start["task_ids"]) == 1
    assert (summary["results"], summary["limit_violations"]) == ({"success": 1}, 0)


def test_demo_off_a_terminal_in_process() -> None:
    """``demo`` without a terminal prints plain lines and a random seed."""
    run = invoke(["--provider", "sunoapi", "demo", "--tasks", "1", "--scale", "0.005"])

    assert run.code == 0
    assert re.match(
        r"Simulating 1 task on http://127\.0\.0\.1:\d+ \(seed \d+,", run.stdout
    )
    assert not ANSI.search(run.stdout)


@pytest.mark.parametrize("seed", ["432112", "105345"])
def test_a_tiny_scale_demo_outlasts_the_real_time_limit(seed: str) -> None:
    """At scale 0.005 the per-task limit (real seconds) paces the reads past
    the tasks' simulated end: the demo's deadline leaves room for it."""
    run = invoke(["demo", "--tasks", "1", "--scale", "0.005", "--seed", seed])
    assert run.code == 0


@pytest.mark.parametrize(
    ("violations", "tasks_code", "expected"),
    [
        pytest.param(0, ExitCode.OK, ExitCode.OK, id="clean"),
        pytest.param(2, ExitCode.OK, ExitCode.API_ERROR, id="violations"),
        pytest.param(1, ExitCode.USAGE, ExitCode.USAGE, id="worse-tasks"),
    ],
)
def test_demo_exit_code_counts_violations(
    capsys: pytest.CaptureFixture[str],
    violations: int,
    tasks_code: ExitCode,
    expected: ExitCode,
) -> None:
    """Requests over the limit make the demo fail (exit 4), on one stderr line."""
    result = DemoResult(
        board=Board([]), exit_code=tasks_code, requests=9, limit_violations=violations
    )

    assert demo_exit_code(Settings(api_key=None), result) == expected
    err = capsys.readouterr().err
    assert err == (
        f"error: the simulator counted {violations} requests "
        "over the per-task rate limit\n"
        if violations
        else ""
    )


def test_usage_errors_exit_2() -> None:
    """Click's own usage errors (a bad option value) exit 2."""
    run = invoke(["wait", "abc", "--until", "never"])

    assert run.code == 2
    assert "Invalid value for '--until'" in run.stderr


def test_help_documents_the_exit_codes() -> None:
    """``--help`` lists every exit code and the order for several tasks."""
    run = invoke(["--help"])

    assert run.code == 0
    for line in (
        "  0    success",
        "  1    a task failed (TaskFailedError)",
        "  3    timeout (WaitTimeoutError)",
        "  5    local file error: the file exists (--overwrite replaces it), or the",
        "  6    the service could not be reached or did not answer (TransportError)",
        "With several tasks the worst outcome decides: 2 > 4 > 6 > 3 > 1 > 0.",
    ):
        assert line in run.stdout


def test_bad_base_url_is_a_usage_error() -> None:
    """An unusable ``--base-url`` exits 2."""
    run = invoke(["--base-url", "http://example.com", "--api-key", KEY, "status", "a"])

    assert run.code == ExitCode.USAGE
    assert run.stderr.startswith("error: base_url must use https unless")


@pytest.mark.parametrize(
    ("error", "code", "err"),
    [
        pytest.param(
            RuntimeError("boom"), 4, "error: unexpected RuntimeError: boom\n", id="bug"
        ),
        pytest.param(
            ValueError(), 4, "error: unexpected ValueError: ValueError\n", id="empty"
        ),
        pytest.param(KeyboardInterrupt(), 130, "error: interrupted\n", id="interrupt"),
        pytest.param(BrokenPipeError(), 141, "", id="reader-left"),
    ],
)
def test_execute_turns_any_error_into_one_line(
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    code: int,
    err: str,
) -> None:
    """Errors that are not ours still end as one line (or none) and an exit code."""

    async def work(output: object) -> ExitCode:
        raise error

    with pytest.raises(click.exceptions.Exit) as exited:
        execute(Settings(api_key="k-secret"), work)

    assert exited.value.exit_code == code
    assert capsys.readouterr().err == err


def test_verbose_traceback_masks_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    """With ``-v``, the traceback of an unexpected error is masked too."""

    async def work(output: object) -> ExitCode:
        raise RuntimeError("the key was k-secret-42")

    with pytest.raises(click.exceptions.Exit) as exited:
        execute(Settings(api_key="k-secret-42", verbose=True), work)

    assert exited.value.exit_code == 4
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.endswith("error: unexpected RuntimeError: the key was ***\n")
    assert "k-secret-42" not in err


# --- generate, download, credits ---------------------------------------------------

CALLBACK = "https://example.com/suno-hook"


def generating(server: FakeSunoServer, *args: str) -> list[str]:
    """``generate`` on ``server`` with a callback URL, then ``args``."""
    return at(server, "generate", "--callback-url", CALLBACK, *args)


async def served(url: str) -> bytes:
    """The bytes the simulator serves at ``url``."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.read()


def file_name(track: Track, ext: str = "mp3") -> str:
    return f"{track.title}-{track.id[:8]}.{ext}"


async def test_generate_waits_and_downloads_through_the_entry_point(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """``generate --download DIR``: the id, the wait, then one path per track."""
    fake_suno.queue_task(QUICK)

    run = await run_process(
        *generating(fake_suno, "--prompt", "A calm piano piece", "--download"),
        str(tmp_path),
    )

    assert (run.code, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    task_id = lines[0]
    record = await record_of(fake_suno, task_id)
    assert lines[1].startswith(f"{task_id}  TEXT_SUCCESS  at ")
    assert lines[-3:] == [
        "1 task: 1 success.",
        *(str(tmp_path / file_name(track)) for track in record.tracks),
    ]
    for track in record.tracks:
        assert track.audio_url is not None
        saved = (tmp_path / file_name(track)).read_bytes()
        assert saved == await served(track.audio_url)


async def test_generate_prints_the_id_and_sends_the_request(
    fake_suno: FakeSunoServer,
) -> None:
    """Without --wait, ``generate`` prints the task id alone; the service has it."""
    run = await invoke_async(
        generating(fake_suno, "--prompt", "A calm piano piece", "--instrumental")
    )

    assert (run.code, run.stderr) == (0, "")
    task_id = run.stdout.strip()
    assert run.stdout == f"{task_id}\n"
    record = await record_of(fake_suno, task_id)
    assert (record.operation_type, dict(record.param)) == (
        "generate",
        {
            "customMode": False,
            "instrumental": True,
            "model": "V4_5",
            "prompt": "A calm piano piece",
            "callBackUrl": CALLBACK,
        },
    )


async def test_generate_custom_mode_json(fake_suno: FakeSunoServer) -> None:
    """Custom mode sends every option; --json prints a ``created`` line; the
    callback URL may come from $SUNO_CALLBACK_URL."""
    lyrics = "[Verse]\nNight bus, neon rain"
    run = await invoke_async(
        at(
            fake_suno, "generate", "--json", "--custom", "--prompt", lyrics,
            "--style", "lo-fi, chill", "--title", "Night Bus", "--model", "V5",
            "--negative-tags", "metal", "--vocal-gender", "f",
        ),
        env={"SUNO_CALLBACK_URL": CALLBACK},
    )  # fmt: skip

    assert (run.code, run.stderr) == (0, "")
    [created] = run.lines()
    assert list(created) == ["type", "task_id"]
    assert created["type"] == "created"
    record = await record_of(fake_suno, created["task_id"])
    assert dict(record.param) == {
        "customMode": True,
        "instrumental": False,
        "model": "V5",
        "prompt": lyrics,
        "style": "lo-fi, chill",
        "title": "Night Bus",
        "negativeTags": "metal",
        "vocalGender": "f",
        "callBackUrl": CALLBACK,
    }


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(
            ["--prompt", "x" * 501],
            "--prompt is 501 characters long; without --custom at most 500",
            id="prompt-too-long",
        ),
        pytest.param(["--instrumental"], "--prompt is required without --custom"),
        pytest.param(
            ["--custom", "--style", "jazz", "--title", "T"],
            "--prompt is required with --custom unless --instrumental",
            id="no-lyrics",
        ),
        pytest.param(
            ["--prompt", "x", "--title", "T"],
            "--title is only used with --custom: pass that, or leave --title out",
            id="title-without-custom",
        ),
        pytest.param(
            ["--prompt", "x", "--callback-url", "ftp://prompt"],
            "--callback-url must be an http(s) URL, not 'ftp://prompt'",
            id="callback-url",
        ),
    ],
)
async def test_generate_refuses_bad_requests_before_sending(
    fake_suno: FakeSunoServer, args: list[str], problem: str
) -> None:
    """A request breaking a rule exits 2 with one line naming the option."""
    run = await invoke_async(generating(fake_suno, *args))

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr == f"error: invalid generate request: {problem}\n"
    assert fake_suno.total_requests == 0


def test_generate_without_a_callback_url_exits_2() -> None:
    """No --callback-url and no $SUNO_CALLBACK_URL: exit 2, saying how to give one."""
    run = invoke(["--api-key", KEY, "generate", "--prompt", "x", "--wait"])

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr == (
        "error: no callback URL: pass --callback-url URL or set SUNO_CALLBACK_URL "
        "(the service requires one and posts the results to it)\n"
    )


async def test_generate_refused_by_the_service_exits_4(
    fake_suno: FakeSunoServer,
) -> None:
    """The service's own refusals are shown as they are, exit 4."""
    fake_suno.fault_next_create(Fault.body_code(422, "prompt contains artist names"))

    run = await invoke_async(generating(fake_suno, "--prompt", "x"))

    assert (run.code, run.stdout) == (ExitCode.API_ERROR, "")
    assert run.stderr == "error: [422] prompt contains artist names\n"


async def test_generate_download_json_lines(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """--json: created, the wait's lines, then a ``download`` line per file."""
    fake_suno.queue_task(QUICK)
    folder = tmp_path / "new"

    run = await invoke_async(
        generating(fake_suno, "--prompt", "x", "--json", "--download", str(folder))
    )

    assert (run.code, run.stderr) == (0, "")
    lines = run.lines()
    assert [(line["type"], line.get("status")) for line in lines] == [
        ("created", None),
        ("event", "TEXT_SUCCESS"),
        ("event", "FIRST_SUCCESS"),
        ("event", "SUCCESS"),
        ("outcome", None),
        ("summary", None),
        ("download", None),
        ("download", None),
    ]
    record = await record_of(fake_suno, lines[0]["task_id"])
    bodies = [await served(t.audio_url or "") for t in record.tracks]
    assert lines[-2:] == [
        {
            "type": "download",
            "task_id": record.task_id,
            "track_id": track.id,
            "title": track.title,
            "kind": "audio",
            "path": str(folder / file_name(track)),
            "bytes": len(body),
        }
        for track, body in zip(record.tracks, bodies, strict=True)
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        file_name(t) for t in record.tracks
    )


async def test_generate_until_first_waits_without_downloading(
    fake_suno: FakeSunoServer,
) -> None:
    """--until implies --wait: events up to FIRST_SUCCESS, then the outcome."""
    fake_suno.queue_task(Timeline.success(1.0, 2.0, 9_000.0))

    run = await invoke_async(
        generating(fake_suno, "--prompt", "x", "--json", "--until", "first")
    )

    assert run.code == 0
    assert [(line["type"], line.get("status")) for line in run.lines()] == [
        ("created", None),
        ("event", "TEXT_SUCCESS"),
        ("event", "FIRST_SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]


async def test_generate_failed_task_downloads_nothing(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A task that fails exits 1 and saves nothing (the folder is not made)."""
    fake_suno.queue_task(Timeline.failure(at_s=1.0))
    folder = tmp_path / "out"

    run = await invoke_async(
        generating(fake_suno, "--prompt", "x", "--download", str(folder))
    )

    assert run.code == ExitCode.TASK_FAILED
    assert run.stderr.endswith("GENERATE_AUDIO_FAILED (error code 501): "
                               "Audio generation failed.\n")  # fmt: skip
    assert not folder.exists()


async def test_generate_on_a_terminal_shows_progress(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """On a terminal: the live table, a bar per download, then each path."""
    fake_suno.queue_task(QUICK)

    run = await invoke_async(
        generating(fake_suno, "--prompt", "x", "--download", str(tmp_path)),
        env={"FORCE_COLOR": "1", "COLUMNS": "120"},
    )

    assert (run.code, run.stderr) == (0, "")
    assert re.search(r"Task +.*Status +.*Title +.*Text", run.stdout)
    saved = sorted(tmp_path.iterdir())
    assert len(saved) == 2
    plain = ANSI_CODES.sub("", run.stdout)
    for path in saved:
        assert f"{path}\n" in plain


async def test_download_a_finished_task(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """``download ID --out DIR`` saves each track's audio and prints the paths."""
    task_id = fake_suno.add_task(timeline=DONE)
    record = await record_of(fake_suno, task_id)

    run = await invoke_async(at(fake_suno, "download", task_id, "-o", str(tmp_path)))

    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.splitlines() == [
        str(tmp_path / file_name(track)) for track in record.tracks
    ]


async def test_download_images_json(fake_suno: FakeSunoServer, tmp_path: Path) -> None:
    """--kind image saves the covers, byte for byte, one JSON line each."""
    task_id = fake_suno.add_task(timeline=DONE)
    record = await record_of(fake_suno, task_id)

    run = await invoke_async(
        at(fake_suno, "download", task_id, "--out", str(tmp_path), "--kind", "image",
           "--json")
    )  # fmt: skip

    assert (run.code, run.stderr) == (0, "")
    lines = run.lines()
    assert [(line["kind"], line["path"]) for line in lines] == [
        ("image", str(tmp_path / file_name(track, "jpeg"))) for track in record.tracks
    ]
    for track in record.tracks:
        assert track.image_url is not None
        saved = (tmp_path / file_name(track, "jpeg")).read_bytes()
        assert saved == await served(track.image_url)


async def test_download_existing_file_exits_5(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """An existing file is kept and exits 5 (a file error); --overwrite replaces it."""
    task_id = fake_suno.add_task(timeline=DONE)
    record = await record_of(fake_suno, task_id)
    first = tmp_path / file_name(record.tracks[0])
    first.write_bytes(b"mine")
    args = at(fake_suno, "download", task_id, "--out", str(tmp_path))

    kept = await invoke_async(args)
    replaced = await invoke_async([*args, "--overwrite"])

    assert (kept.code, kept.stdout) == (ExitCode.FILE_ERROR, "")
    assert (
        kept.stderr
        == f"error: {first} exists already (pass --overwrite to replace it)\n"
    )
    assert (replaced.code, replaced.stderr) == (0, "")
    assert first.read_bytes() == await served(record.tracks[0].audio_url or "")


async def test_download_before_success_warns(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Before SUCCESS, audio is saved with a warning: the second is its stream."""
    task_id = fake_suno.add_task(timeline=Timeline.success(0.0, 0.0, 9_000.0))
    record = await record_of(fake_suno, task_id)

    run = await invoke_async(at(fake_suno, "download", task_id, "-o", str(tmp_path)))

    assert run.code == 0
    assert run.stderr == (
        f"warning: task {task_id} is at FIRST_SUCCESS, not SUCCESS: "
        "some audio files may be streams or previews\n"
    )
    second = record.tracks[1]
    assert (second.audio_url, second.stream_audio_url is not None) == (None, True)
    saved = (tmp_path / file_name(second)).read_bytes()
    assert saved == await served(second.stream_audio_url or "")


@pytest.mark.parametrize(
    ("timeline", "code", "message"),
    [
        pytest.param(
            STUCK,
            ExitCode.API_ERROR,
            "task {id} has no audio URL yet (status PENDING): "
            "wait for it first (suno-async wait {id})",
            id="pending",
        ),
        pytest.param(
            Timeline.failure(at_s=0.0),
            ExitCode.TASK_FAILED,
            "task {id} failed: GENERATE_AUDIO_FAILED (error code 501): "
            "Audio generation failed.",
            id="failed",
        ),
    ],
)
async def test_download_with_nothing_to_save(
    fake_suno: FakeSunoServer,
    tmp_path: Path,
    timeline: Timeline,
    code: ExitCode,
    message: str,
) -> None:
    """Nothing to download yet exits 4; a failed task exits 1; nothing is made."""
    task_id = fake_suno.add_task(timeline=timeline)

    run = await invoke_async(
        at(fake_suno, "download", task_id, "--out", str(tmp_path / "out"))
    )

    assert (run.code, run.stdout) == (code, "")
    assert run.stderr == f"error: {message.format(id=task_id)}\n"
    assert not (tmp_path / "out").exists()


async def test_download_into_a_file_exits_5(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A folder the file system refuses is a file error (exit 5), not a bug."""
    task_id = fake_suno.add_task(timeline=DONE)
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "sub"

    run = await invoke_async(at(fake_suno, "download", task_id, "-o", str(target)))

    assert run.code == ExitCode.FILE_ERROR
    assert run.stderr == (
        f"error: cannot save into {target}: [Errno 20] Not a directory: "
        f"'{target}' (task {task_id})\n"
    )


@pytest.mark.parametrize("provider", ["apikley", "kie", "sunoapi"])
@pytest.mark.parametrize("json_output", [False, True], ids=["plain", "json"])
async def test_credits(provider: str, json_output: bool) -> None:
    """``credits`` prints the number (or a ``credits`` line), from each provider."""
    async with FakeSunoServer(provider=provider, credits=777) as server:
        run = await invoke_async(
            at(server, "--provider", provider, "credits", *["--json"] * json_output)
        )
        paths = [r.path for r in server.requests()]

    assert (run.code, run.stderr) == (0, "")
    expected = '{"type": "credits", "credits": 777}\n' if json_output else "777\n"
    assert run.stdout == expected
    assert paths == [PROVIDERS[provider].credits_path]


@pytest.mark.parametrize("live", [False, True], ids=["plain", "terminal"])
async def test_tracks_that_would_share_a_name_download_together(
    suno_client: SunoClient, fake_suno: FakeSunoServer, tmp_path: Path, live: bool
) -> None:
    """Same title and id prefix: one download call keeps the files' names apart."""
    record = await suno_client.get_task(fake_suno.add_task(timeline=DONE))
    twins = tuple(
        attrs.evolve(track, id=f"abcdefgh-{n}", title="Twin")
        for n, track in enumerate(record.tracks)
    )
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=live, width=100)

    with RichDisplay(console).transfers() as transfers:
        saved = await save_tracks(
            suno_client,
            attrs.evolve(record, tracks=twins),
            tmp_path,
            transfers=transfers,
            warn=pytest.fail,
        )

    names = ["Twin-abcdefgh.mp3", "Twin-abcdefgh-1.mp3"]
    assert [file.path.name for file in saved] == names
    shown = ANSI_CODES.sub("", stream.getvalue())
    assert [f"{tmp_path / name}\n" in shown for name in names] == [True, True]
    assert ("2 files" in shown) is live


def test_tracks_without_a_url_are_skipped_with_a_warning() -> None:
    """Only tracks with a URL of the kind are downloaded; the others warned about."""
    ready = Track(id="a", image_url="https://cdn.example/a.jpeg")
    record = TaskRecord(
        task_id="t1",
        status=TaskStatus.TEXT_SUCCESS,
        status_raw="TEXT_SUCCESS",
        tracks=(ready, Track(id="b"), ready),
    )
    warnings: list[str] = []

    assert downloadable(record, "image", warn=warnings.append) == (ready,)
    assert warnings == ["track b of task t1 has no image URL yet: skipped"]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        pytest.param(0, "0 B", id="empty"),
        pytest.param(999, "999 B", id="bytes"),
        pytest.param(3346, "3.3 kB", id="kilo"),
        pytest.param(999_960, "1.0 MB", id="rounds-up"),
        pytest.param(12_345_678_901, "12.3 GB", id="giga"),
    ],
)
def test_size_text(size: int, text: str) -> None:
    """Sizes read as download tools show them (decimal units)."""
    assert size_text(size) == text


# --- exit codes and helpers -----------------------------------------------------------


def _record(status: str = "GENERATE_AUDIO_FAILED") -> TaskRecord:
    return TaskRecord(task_id="t1", status=TaskStatus(status), status_raw=status)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(AudioGenerationFailedError(_record()), 1, id="task-failed"),
        pytest.param(ConfigurationError("no key"), 2, id="configuration"),
        pytest.param(InvalidArgumentError("bad id"), 2, id="invalid-id"),
        pytest.param(WaitTimeoutError("t1", timeout=1.0), 3, id="timeout"),
        pytest.param(
            InvalidRequestError("refused", code=422, http_status=200), 4, id="refused"
        ),
        pytest.param(AuthenticationError("no", code=401), 4, id="auth"),
        pytest.param(TaskNotFoundError("gone", code=404), 4, id="not-found"),
        pytest.param(APIError("odd", code=418), 4, id="api"),
        pytest.param(TransportError("reset"), 6, id="transport"),
        pytest.param(RequestTimeoutError("slow"), 6, id="request-timeout"),
        pytest.param(DecodeError("html"), 4, id="decode"),
        pytest.param(SunoError("other"), 4, id="other"),
        pytest.param(DownloadError("HTTP 404"), 4, id="download"),
        pytest.param(DestinationExistsError(Path("a.mp3")), 5, id="file-exists"),
        pytest.param(PermissionError(13, "denied"), 5, id="file-system"),
        pytest.param(
            LocalFileError("refused", error=PermissionError(13, "denied")),
            5,
            id="local-file",
        ),
        pytest.param(ConnectionResetError(), 6, id="connection"),
        pytest.param(KeyboardInterrupt(), 130, id="interrupt"),
        pytest.param(BrokenPipeError(), 141, id="broken-pipe"),
    ],
)
def test_exit_code_for(error: BaseException, code: int) -> None:
    """Each error maps to its documented exit code."""
    assert exit_code_for(error) == code


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        pytest.param([], ExitCode.OK, id="none"),
        pytest.param([0, 1, 0], ExitCode.TASK_FAILED, id="failed"),
        pytest.param([1, 3], ExitCode.TIMEOUT, id="timeout-over-failed"),
        pytest.param([3, 4, 1], ExitCode.API_ERROR, id="api-over-timeout"),
        pytest.param([4, 2, 3], ExitCode.USAGE, id="usage-over-all"),
        pytest.param([4, 5, 3], ExitCode.FILE_ERROR, id="file-over-api"),
    ],
)
def test_worst(codes: list[int], expected: ExitCode) -> None:
    """The order for several tasks: 2 > 4 > 3 > 1 > 0."""
    assert worst(ExitCode(c) for c in codes) == expected


def test_redactor_masks_every_secret() -> None:
    """Keys are masked whole, the longest first; empty ones are ignored."""
    redact = Redactor(["abc", "abcdef", None, ""])

    assert redact("x abcdef y abc") == "x *** y ***"
    assert repr(redact) == "<Redactor secrets=2>"


def test_settings_repr_hides_the_key() -> None:
    """The settings' repr never shows the key."""
    assert "k-secret" not in repr(Settings(api_key="k-secret"))


def test_board_repr_and_results() -> None:
    """A board counts running tasks until they finish."""
    board = Board(["a", "b", "a"])
    board.finish("a", error=TransportError("reset"))

    assert (board.results(), board.done) == ({"unreachable": 1, "running": 1}, False)
    assert repr(board) == "<Board tasks=2 exit_code=UNREACHABLE>"


def test_json_lines_to_a_stream() -> None:
    """JsonLines writes one compact object per line to the stream it was given."""
    stream = io.StringIO()
    JsonLines(stream).emit("note", {"a": 1})

    assert stream.getvalue() == '{"type": "note", "a": 1}\n'


def test_main_runs_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """``main`` runs click and exits with the command's status."""
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("suno-async, version ")


def test_main_without_the_cli_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without click, ``main`` says how to install the extra and exits 2."""
    monkeypatch.delitem(sys.modules, "suno_async.cli._app")
    monkeypatch.setitem(sys.modules, "click", None)

    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        'error: the suno-async command needs its extra: pip install "suno-async[cli]"\n'
    )


def test_main_reraises_other_import_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """An import error that is not about the extra is a bug: it propagates."""
    monkeypatch.delitem(sys.modules, "suno_async.cli._app")
    monkeypatch.setitem(sys.modules, "suno_async.cli._run", None)

    with pytest.raises(ImportError):
        main(["--help"])


def test_python_dash_m_runs_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m suno_async`` runs the same command (in process here)."""
    monkeypatch.setattr(sys, "argv", ["suno-async", "--version"])

    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(MAIN_PY), run_name="__main__")

    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("suno-async, version ")


@pytest.mark.integration
async def test_wait_on_an_unreachable_service_exits_6_with_the_cause() -> None:
    """Nothing listens at --base-url: exit 6 after the connection attempts,
    with the connection error named, not a timeout after the deadline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = await run_process(
        *("--base-url", f"http://127.0.0.1:{port}", "--api-key", "sk-secret"),
        *("wait", "t1", "--timeout", "600"),
    )
    assert run.code == 6
    assert "Cannot connect to host 127.0.0.1" in run.stdout + run.stderr


@pytest.mark.integration
async def test_the_base_url_may_come_from_the_environment(
    fake_suno: FakeSunoServer,
) -> None:
    """SUNO_BASE_URL points the command at a service without --base-url."""
    task_id = fake_suno.add_task(timeline=QUICK)
    run = await run_process(
        "--json",
        "status",
        task_id,
        env={"SUNO_BASE_URL": fake_suno.url, "SUNO_API_KEY": KEY},
    )
    assert (run.code, run.lines()[0]["task_id"]) == (0, task_id)


# --- global options anywhere ------------------------------------------------------

GLOBAL_OPTIONS = ("--api-key", "--base-url", "--provider", "--json", "--verbose")


@pytest.mark.integration
async def test_global_options_may_follow_the_command(
    fake_suno: FakeSunoServer,
) -> None:
    """``status ID --base-url URL --api-key KEY --json`` works as if they came first."""
    task_id = fake_suno.add_task(timeline=DONE)

    run = await run_process(
        "status", task_id, "--base-url", fake_suno.url, "--api-key", KEY, "--json"
    )

    assert (run.code, run.stderr) == (0, "")
    assert [(line["type"], line["task_id"]) for line in run.lines()] == [
        ("record", task_id)
    ]


@pytest.mark.integration
async def test_the_option_after_the_command_wins(fake_suno: FakeSunoServer) -> None:
    """Given before and after ``wait``, the later --base-url and --api-key are used."""
    task_id = fake_suno.add_task(timeline=QUICK)

    run = await run_process(
        "--base-url", "http://127.0.0.1:1", "--api-key", "sk-wrong",
        "wait", task_id, "--base-url", fake_suno.url, "--api-key", KEY,
    )  # fmt: skip

    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.splitlines()[-1] == "1 task: 1 success."


async def test_provider_after_the_command() -> None:
    """``credits --provider sunoapi`` asks sunoapi.org's credits path."""
    async with FakeSunoServer(provider="sunoapi", credits=5) as server:
        run = await invoke_async(
            ["--provider", "kie", "credits", *at(server), "--provider", "sunoapi"]
        )
        paths = [r.path for r in server.requests()]

    assert (run.code, run.stdout) == (0, "5\n")
    assert paths == [PROVIDERS["sunoapi"].credits_path]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_lists_the_global_options_once(name: str) -> None:
    """Each command's help lists every global option exactly once, after its own."""
    run = invoke([name, "--help"])

    assert run.code == 0
    listed = run.stdout.split("Options:")[1]
    options = re.findall(r"^ +(?:-\w, )?(--[\w-]+)", listed, re.M)
    assert [o for o in options if o in GLOBAL_OPTIONS] == list(GLOBAL_OPTIONS)
    assert options[-len(GLOBAL_OPTIONS) - 1 :] == [*GLOBAL_OPTIONS, "--help"]


def test_group_help_says_global_options_may_follow() -> None:
    """The group's help lists each global option once and says where they go."""
    run = invoke(["--help"])

    listed = run.stdout.split("Options:")[1]
    options = re.findall(r"^ +(?:-\w, )?(--[\w-]+)", listed, re.M)
    assert [o for o in options if o in GLOBAL_OPTIONS] == list(GLOBAL_OPTIONS)
    assert "may also follow the command's name" in run.stdout
    assert "the one after the command wins" in run.stdout


# --- honest polls and statuses -----------------------------------------------------


def record_reads(server: FakeSunoServer, task_id: str) -> int:
    """How many record-info requests for ``task_id`` the simulator received."""
    return sum(r.path == RECORD_INFO_PATH for r in server.requests(task_id))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("timeline", "faults", "args", "result"),
    [
        pytest.param(QUICK, (), (), "success", id="success"),
        pytest.param(Timeline.failure(at_s=1.0), (), (), "failed", id="failed"),
        pytest.param(STUCK, (), ("--timeout", "1.2"), "timeout", id="timeout"),
        pytest.param(DONE, (Fault.http(401, body="json"),), (), "error", id="refused"),
        pytest.param(
            # aiohttp resends a GET once on a reset: the SDK sees one poll.
            QUICK,
            (Fault.reset(), Fault.reset()),
            (),
            "success",
            id="resets",
        ),
    ],
)
async def test_wait_counts_the_polls_the_service_received(
    fake_suno: FakeSunoServer,
    timeline: Timeline,
    faults: tuple[Fault, ...],
    args: tuple[str, ...],
    result: str,
) -> None:
    """Every outcome's ``polls`` is the number of record-info requests that
    reached the service (its request log), in JSON and in the plain summary."""
    task_id = fake_suno.add_task(timeline=timeline, faults=faults)
    other = fake_suno.add_task(timeline=timeline, faults=faults)

    run = await run_process(*at(fake_suno, "wait", task_id, "--json", *args))
    plain = await run_process(*at(fake_suno, "wait", other, *args))

    [outcome] = [line for line in run.lines() if line["type"] == "outcome"]
    assert outcome["result"] == result
    assert outcome["polls"] == record_reads(fake_suno, task_id) > 0
    polls = record_reads(fake_suno, other)
    assert re.search(rf"^ {other} +{result} +{polls} ", plain.stdout, re.M)


@pytest.mark.integration
async def test_wait_on_an_unreachable_service_reads_no_status() -> None:
    """Nothing listens: no status is claimed (no PENDING) and no poll counted,
    in the lines, the summary and the JSON outcome."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = ("--base-url", f"http://127.0.0.1:{port}", "--api-key", KEY)

    plain = await run_process(*args, "wait", "t1", "--timeout", "1")
    lines = await run_process(*args, "wait", "t1", "--timeout", "1", "--json")

    assert (plain.code, lines.code) == (ExitCode.TIMEOUT, ExitCode.TIMEOUT)
    assert "PENDING" not in plain.stdout + lines.stdout
    assert plain.stdout.startswith(
        "t1  timeout: not done within 1 s (no status read) (1.0 s, 0 polls)\n"
    )
    assert re.search(r"^ t1 +timeout +0 .*\(no status read\)$", plain.stdout, re.M)
    [outcome] = [line for line in lines.lines() if line["type"] == "outcome"]
    assert (outcome["record"], outcome["polls"]) == (None, 0)


def test_the_live_table_claims_no_status_before_one_is_read() -> None:
    """A row without a record shows "no status read", running or ended."""
    board = Board(["t1", "t2"])
    board.finish("t2", error=TransportError("reset"))
    stream = io.StringIO()

    plain_console(stream).print(progress_table(board))

    rows = [line.split(None, 1) for line in stream.getvalue().splitlines()[2:]]
    assert [(task, rest.startswith("no status read")) for task, rest in rows] == [
        ("t1", True),
        ("t2", True),
    ]
    assert "PENDING" not in stream.getvalue()


# --- service text never reaches the terminal raw ------------------------------------

#: A title change, a screen clear, a clipboard write (OSC 52), a C1 CSI and a
#: right-to-left override: what a hostile service might send.
EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\u202eevil"
#: What may not reach a terminal from the service, as bytes.
RAW = (b"\x07", b"\x1b]", b"\x1b[2J", "\x9b".encode(), "\u202e".encode())


def evil_tasks(server: FakeSunoServer) -> tuple[str, str]:
    """A task with a hostile title, and one failing with a hostile message."""
    tracks = (TrackSpec(title=f"Song{EVIL}"), TrackSpec(title="[red]Plain[/red]"))
    done = server.add_task(timeline=Timeline.success(0, 0, 0, tracks=tracks))
    failed = server.add_task(
        timeline=Timeline.failure(at_s=0.0, error_message=f"Broke{EVIL}")
    )
    return done, failed


async def run_in_terminal(*args: str) -> tuple[int, bytes]:
    """``python -m suno_async *args`` with a pseudo-terminal as stdout and
    stderr; its exit status and every byte the terminal received."""
    environ = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    environ.update(TERM="xterm-256color", COLUMNS="160", LINES="50")
    master, slave = os.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "suno_async", *args,
            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=environ,
        )  # fmt: skip
    finally:
        os.close(slave)

    def read_all() -> bytes:
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        output = await asyncio.wait_for(asyncio.to_thread(read_all), timeout=30)
        code = await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        os.close(master)
    return code, output


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "codes"),
    [
        pytest.param("wait", [ExitCode.TASK_FAILED], id="wait"),
        pytest.param("status", [0, 0], id="status"),
    ],
)
async def test_service_text_never_acts_on_the_terminal(
    fake_suno: FakeSunoServer, command: str, codes: list[int]
) -> None:
    """On a terminal, the service's escape sequences arrive as visible text
    (the live table, the summary, the record, the ``error:`` line); rich's own
    colours still do."""
    done, failed = evil_tasks(fake_suno)

    if command == "wait":
        runs = [await run_in_terminal(*at(fake_suno, "wait", done, failed))]
    else:
        runs = [
            await run_in_terminal(*at(fake_suno, "status", t)) for t in (done, failed)
        ]
    output = b"".join(out for _, out in runs)

    assert [code for code, _ in runs] == codes
    assert [raw for raw in RAW if raw in output] == []
    assert re.search(rb"\x1b\[[0-9;]*m", output)  # rich's SGR colours
    assert b"Song\\x1b]0;pwned" in output
    assert b"Broke\\x1b]0;pwned" in output
    assert b"[red]Plain[/red]" in output  # not read as markup


async def test_stderr_lines_and_logs_are_printable(fake_suno: FakeSunoServer) -> None:
    """The ``error:`` line and ``-v`` logs show the service's controls escaped."""
    _, failed = evil_tasks(fake_suno)

    run = await invoke_async(at(fake_suno, "wait", failed, "-v"))

    assert run.code == ExitCode.TASK_FAILED
    assert not UNSAFE & set(run.stdout + run.stderr)
    assert run.stderr.endswith(
        f"failed: GENERATE_AUDIO_FAILED (error code 501): Broke{printable(EVIL)}\n"
    )


async def test_json_lines_carry_no_control_characters(
    fake_suno: FakeSunoServer,
) -> None:
    """JSON lines are plain ASCII; the service's text comes back intact."""
    done, failed = evil_tasks(fake_suno)

    run = await invoke_async(at(fake_suno, "wait", "--json", done, failed))

    assert set(run.stdout) <= {*map(chr, range(32, 127)), "\n"}
    outcomes = {o["task_id"]: o for o in run.lines() if o["type"] == "outcome"}
    assert outcomes[done]["record"]["tracks"][0]["title"] == f"Song{EVIL}"
    assert outcomes[failed]["record"]["error_message"] == f"Broke{EVIL}"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param(
            "plain [b]text[/b]\n\tnext", "plain [b]text[/b]\n\tnext", id="kept"
        ),
        pytest.param("a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07", id="c0"),
        pytest.param("\r\x7f\x9b\x85", "\\x0d\\x7f\\x9b\\x85", id="cr-del-c1"),
        pytest.param("\u202eabc\u2066\u2028", "\\u202eabc\\u2066\\u2028", id="bidi"),
        pytest.param("é 音楽 \u200d", "é 音楽 \u200d", id="unicode"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    """Controls and bidi characters become visible escapes; the rest stays."""
    assert printable(text) == shown
    assert printable(shown) == shown


def test_safe_text_keeps_styles_in_place() -> None:
    """Escaping widens the text: its spans move with the characters."""
    text = Text.assemble(("a\x1bb", "red"), "c", ("d", "bold"))

    safe = safe_text(text)

    assert safe.plain == "a\\x1bbcd"
    assert [(s.start, s.end, s.style) for s in safe.spans] == [
        (0, 6, "red"),
        (7, 8, "bold"),
    ]
    assert safe_text(safe) is safe


# --- a closed stdout ends quietly ----------------------------------------------------


def read_one_line(args: Sequence[str]) -> tuple[int, bytes, str]:
    """Run the command with stdout in a pipe; read one line, close the pipe,
    wait. The exit status, the line and stderr."""
    environ = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    with subprocess.Popen(  # noqa: S603 - our own arguments
        [sys.executable, "-m", "suno_async", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        line = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode()
        code = process.wait(timeout=30)
    return code, line, err


@pytest.mark.integration
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("status",), id="status"),
        pytest.param(("wait",), id="wait"),
        pytest.param(("wait", "--json"), id="wait-json"),
        pytest.param(("--json", "status"), id="status-json"),
    ],
)
async def test_a_closed_stdout_ends_quietly(
    fake_suno: FakeSunoServer, args: tuple[str, ...]
) -> None:
    """``... | head -n 1``: the reader leaves after a line; the command stops
    with 0 or 141, nothing on stderr (no traceback)."""
    long = (TrackSpec(title="x" * 100_000), TrackSpec(title="y" * 100_000))
    task_id = fake_suno.add_task(timeline=Timeline.success(0.5, 1.0, 1.5, tracks=long))

    code, line, err = await asyncio.to_thread(
        read_one_line, at(fake_suno, *args, task_id)
    )

    assert line
    assert (code in (0, ExitCode.BROKEN_PIPE), err) == (True, "")


def test_output_closed_at_the_final_flush(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reader gone by the final flush ends the command with 141, quietly."""

    class Gone(io.StringIO):
        """Takes the version line; the reader has left by the last flush."""

        flushes = 0

        def flush(self) -> None:
            self.flushes += 1
            if self.flushes > 1:
                raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == ExitCode.BROKEN_PIPE
    assert capsys.readouterr().err == ""


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has left."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_both_outputs_stop_at_a_closed_pipe() -> None:
    """The display and the JSON lines raise OutputClosed, and the display
    prints nothing more afterwards."""
    display = RichDisplay(plain_console(_ClosedPipe()))

    with pytest.raises(OutputClosed):
        display.note("first")
    display.note("second")  # quiet now
    with pytest.raises(OutputClosed):
        JsonLines(_ClosedPipe()).emit("note", {})
    assert exit_code_for(OutputClosed()) == ExitCode.BROKEN_PIPE


def test_poll_counter_repr() -> None:
    """A fresh counter has counted nothing."""
    assert (repr(PollCounter()), PollCounter().counts()) == (
        "<PollCounter tasks=0 polls=0>",
        {},
    )

"""The ``suno-async`` command: status, wait and demo, their outputs and exit codes.

A few tests run the real entry point (``python -m suno_async``) in a
subprocess against a simulator served by the test; the rest use click's
``CliRunner`` in process (faster, and measured by coverage). Commands that
talk to the simulator run in a worker thread, so that the test's event loop
keeps serving it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import runpy
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from click.testing import CliRunner, Result

import suno_async
from suno_async import TaskStatus
from suno_async._cli import ExitCode, Redactor, exit_code_for, main, worst
from suno_async._cli_app import Settings, cli, demo_exit_code, execute
from suno_async._cli_board import Board
from suno_async._cli_demo import DemoResult
from suno_async._cli_display import RichDisplay, plain_console
from suno_async._cli_json import JsonLines
from suno_async._convert import to_jsonable
from suno_async._errors import (
    APIError,
    AudioGenerationFailedError,
    AuthenticationError,
    ConfigurationError,
    DecodeError,
    InvalidRequestError,
    RequestTimeoutError,
    SunoError,
    TaskNotFoundError,
    TransportError,
    WaitTimeoutError,
)
from suno_async._models import TaskRecord, Track
from suno_async.testing import FakeSunoServer, Timeline, TrackSpec

KEY = "test-key"
MAIN_PY = Path(suno_async.__file__).with_name("__main__.py")
#: The environment of every run: no key, no forced terminal.
CLEAN_ENV: Mapping[str, str | None] = {
    "APIKLEY_API_KEY": None,
    "SUNO_API_KEY": None,
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
        f"error: [401] You do not have access permissions (task {task_id})\n"
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
        f"error: [401] You do not have access permissions (task {task_id})\n"
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
    """``demo`` completes with exit 0 and reports 0 limit violations."""
    run = await run_process("demo", "--tasks", "2", "--scale", "0.01", "--seed", "1")

    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.startswith("Simulating 2 tasks on http://127.0.0.1:")
    assert re.search(r"^2 tasks: 2 success in [\d.]+ s", run.stdout, re.MULTILINE)
    assert re.search(r"requests: 0 limit violations", run.stdout)
    assert not ANSI.search(run.stdout)


async def test_demo_json_lines_parse() -> None:
    """``demo --json``: a start line, events, outcomes, then a summary."""
    run = await run_process("demo", "--json", "--tasks", "2", "--scale", "0.01")

    assert (run.code, run.stderr) == (0, "")
    lines = run.lines()
    types = [line["type"] for line in lines]
    assert (types[0], types[-1]) == ("start", "summary")
    assert sorted(types[1:-1]) == ["event"] * 6 + ["outcome"] * 2
    assert lines[-1]["limit_violations"] == 0
    assert lines[-1]["requests"] == sum(
        o["polls"] for o in lines if o["type"] == "outcome"
    )


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
    """The summary describes tasks that made nothing and lists no audio."""
    board = Board(["t1", "t2"])
    board.finish("t1", error=WaitTimeoutError("t1", timeout=2.0, polls=3))
    board.finish("t2", record=attrs.evolve(_record("SUCCESS"), tracks=(Track(id="x"),)))
    stream = io.StringIO()

    RichDisplay(plain_console(stream)).summary(board, lines=["the end"])

    lines = [line.split() for line in stream.getvalue().splitlines()]
    assert lines[0] == []
    assert lines[1] == ["Task", "Result", "Polls", "Time", "Title", "Length"]
    assert lines[3][:3] == ["t1", "timeout", "3"]
    assert " ".join(lines[3][5:]) == "not done within 2 s (last status PENDING)"
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
        "With several tasks the worst outcome decides: 2 > 4 > 3 > 1 > 0.",
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


# --- exit codes and helpers -----------------------------------------------------------


def _record(status: str = "GENERATE_AUDIO_FAILED") -> TaskRecord:
    return TaskRecord(task_id="t1", status=TaskStatus(status), status_raw=status)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(AudioGenerationFailedError(_record()), 1, id="task-failed"),
        pytest.param(ConfigurationError("no key"), 2, id="configuration"),
        pytest.param(InvalidRequestError("bad id"), 2, id="invalid-id"),
        pytest.param(WaitTimeoutError("t1", timeout=1.0), 3, id="timeout"),
        pytest.param(
            InvalidRequestError("refused", code=422, http_status=200), 4, id="refused"
        ),
        pytest.param(AuthenticationError("no", code=401), 4, id="auth"),
        pytest.param(TaskNotFoundError("gone", code=404), 4, id="not-found"),
        pytest.param(APIError("odd", code=418), 4, id="api"),
        pytest.param(TransportError("reset"), 4, id="transport"),
        pytest.param(RequestTimeoutError("slow"), 4, id="request-timeout"),
        pytest.param(DecodeError("html"), 4, id="decode"),
        pytest.param(SunoError("other"), 4, id="other"),
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

    assert (board.results(), board.done) == ({"error": 1, "running": 1}, False)
    assert repr(board) == "<Board tasks=2 exit_code=API_ERROR>"


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
    monkeypatch.delitem(sys.modules, "suno_async._cli_app")
    monkeypatch.setitem(sys.modules, "click", None)

    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        'error: the suno-async command needs its extra: pip install "suno-async[cli]"\n'
    )


def test_main_reraises_other_import_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """An import error that is not about the extra is a bug: it propagates."""
    monkeypatch.delitem(sys.modules, "suno_async._cli_app")
    monkeypatch.setitem(sys.modules, "suno_async._cli_display", None)

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

"""The CLI and the task families: --kind, --stem, and the commands creating each family.

Commands run in process with click's ``CliRunner``, in a worker thread while
the test's loop serves the simulator (as in tests/test_cli.py).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mido
import pytest
from click.testing import CliRunner

from suno_async import TaskStatus
from suno_async._core.convert import to_jsonable
from suno_async.cli._app import cli
from suno_async.cli._exit import ExitCode
from suno_async.testing import FakeSunoServer, Timeline, TrackSpec

KEY = "test-key"
CALLBACK = "https://example.com/suno-hook"
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
DONE = Timeline.success(None, None, 0.0)
QUICK = Timeline.success(None, None, 1.0)  # done after 10 ms at scale 0.01
ANSI_CODES = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")

pytestmark = pytest.mark.fake_suno(scale=0.01, seed=13)


class Run:
    """What a run of the command left behind."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines()]

    def types(self) -> list[tuple[str, str | None]]:
        return [(line["type"], line.get("status")) for line in self.lines()]


async def invoke(
    server: FakeSunoServer, *args: str, env: Mapping[str, str | None] | None = None
) -> Run:
    """``suno-async --base-url ... --api-key ... *args`` in a worker thread."""

    def run() -> Run:
        runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
        argv = ["--base-url", server.url, "--api-key", KEY, *args]
        result = runner.invoke(cli, argv, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return await asyncio.to_thread(run)


async def creating(server: FakeSunoServer, *args: str) -> Run:
    return await invoke(server, *args[:1], "--callback-url", CALLBACK, *args[1:])


async def read(server: FakeSunoServer, task_id: str, kind: str) -> Any:
    async with server.client() as client:
        return await client.get_task(task_id, kind=kind)


def done_task(server: FakeSunoServer, kind: str, **param: str) -> str:
    return server.add_task(kind=kind, timeline=DONE, param=param or None)


def song(server: FakeSunoServer) -> tuple[str, str]:
    """A finished music task and its first track's id."""
    task_id = server.add_task(timeline=DONE)
    return task_id, server.task(task_id).track_ids[0]


def sent(server: FakeSunoServer, task_id: str) -> dict[str, Any]:
    """The creation request's body of a task made through the API."""
    raw = server.task(task_id).param_raw
    assert raw is not None
    body: dict[str, Any] = json.loads(raw)
    return body


# --- status ---------------------------------------------------------------------


async def test_status_kind_json_prints_the_family_record(
    fake_suno: FakeSunoServer,
) -> None:
    """--kind wav reads the WAV endpoint; the line is the record, its kind first."""
    task_id = done_task(fake_suno, "wav")
    expected = {"type": "record", **to_jsonable(await read(fake_suno, task_id, "wav"))}

    run = await invoke(fake_suno, "status", task_id, "--kind", "wav", "--json")

    assert (run.code, run.stderr, run.lines()) == (0, "", [expected])
    assert list(expected)[:3] == ["type", "kind", "task_id"]
    assert fake_suno.requests(task_id)[-1].path == "/api/v1/wav/record-info"


async def test_status_of_a_vocal_removal_lists_its_stems(
    fake_suno: FakeSunoServer,
) -> None:
    """The plain view shows the kind and each stem's URL, one per line."""
    task_id = done_task(fake_suno, "vocal-removal", type="separate_vocal")
    record = await read(fake_suno, task_id, "vocal-removal")

    run = await invoke(fake_suno, "status", task_id, "--kind", "vocal-removal")

    assert (run.code, run.stderr) == (0, "")
    shown = [line.split() for line in run.stdout.splitlines()]
    assert shown[:3] == [
        ["Task", task_id],
        ["Status", "SUCCESS"],
        ["Kind", "vocal-removal"],
    ]
    for name, url in record.stems.items():
        assert ["Stem", name, url] in shown


@pytest.mark.parametrize(
    ("kind", "urls"),
    [
        pytest.param("wav", lambda r: [["File", r.wav_url]], id="wav"),
        pytest.param("video", lambda r: [["File", r.video_url]], id="video"),
        pytest.param(
            "cover-image",
            lambda r: [["Image", str(n), u] for n, u in enumerate(r.image_urls, 1)],
            id="cover",
        ),
    ],
)
async def test_status_shows_the_files_a_family_task_made(
    fake_suno: FakeSunoServer, kind: str, urls: Any
) -> None:
    """The WAV's or video's URL, or each cover image's, one per line."""
    task_id = done_task(fake_suno, kind)
    record = await read(fake_suno, task_id, kind)

    run = await invoke(fake_suno, "status", task_id, "--kind", kind)

    assert (run.code, run.stderr) == (0, "")
    shown = [line.split() for line in run.stdout.splitlines()]
    for row in urls(record):
        assert row in shown


async def test_status_of_a_midi_task_counts_each_instruments_notes(
    fake_suno: FakeSunoServer,
) -> None:
    """One line per instrument with its number of notes."""
    task_id = done_task(fake_suno, "midi")
    record = await read(fake_suno, task_id, "midi")

    run = await invoke(fake_suno, "status", task_id, "--kind", "midi")

    assert run.code == 0
    shown = [line.split() for line in run.stdout.splitlines()]
    for instrument in record.instruments:
        assert [
            "Instrument",
            instrument.name,
            str(len(instrument.notes)),
            "notes",
        ] in shown


async def test_status_of_lyrics_shows_the_text_made_printable(
    fake_suno: FakeSunoServer,
) -> None:
    """Service text never reaches the terminal raw: escapes are shown, not run."""
    tracks = (TrackSpec(title="Night\x1b]0;pwned\x07", lyrics="[Verse]\x1b[2J la"),)
    task_id = fake_suno.add_task(
        kind="lyrics", timeline=Timeline.success(None, None, 0.0, tracks=tracks)
    )

    run = await invoke(fake_suno, "status", task_id, "--kind", "lyrics")

    assert run.code == 0
    assert "\x1b" not in run.stdout
    assert "Night\\x1b]0;pwned" in run.stdout
    assert "[Verse]\\x1b[2J la" in run.stdout


# --- wait ----------------------------------------------------------------------------


async def test_wait_kind_json_reports_success_and_the_polls_sent(
    fake_suno: FakeSunoServer,
) -> None:
    """One SUCCESS event, the outcome with the record, a summary; polls counted."""
    task_id = fake_suno.add_task(kind="cover-image", timeline=QUICK)

    run = await invoke(fake_suno, "wait", task_id, "--kind", "cover-image", "--json")

    assert (run.code, run.stderr) == (0, "")
    assert run.types() == [
        ("event", "SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]
    outcome = run.lines()[1]
    assert outcome["record"]["kind"] == "cover-image"
    assert outcome["polls"] == len(fake_suno.requests(task_id)) > 0


async def test_wait_for_a_failing_family_task_exits_1(
    fake_suno: FakeSunoServer,
) -> None:
    """The failure's status and message end the run, on stderr."""
    task_id = fake_suno.add_task(
        kind="wav", timeline=Timeline.failure("GENERATE_WAV_FAILED", at_s=0.0)
    )

    run = await invoke(fake_suno, "wait", task_id, "--kind", "wav")

    assert run.code == ExitCode.TASK_FAILED
    assert run.stderr.startswith("error: ")
    assert "GENERATE_WAV_FAILED" in run.stderr


@pytest.mark.parametrize("until", ["text", "first"])
async def test_until_a_milestone_is_for_music_only(
    fake_suno: FakeSunoServer, until: str
) -> None:
    """--until text or first with another kind: exit 2, nothing sent."""
    run = await invoke(fake_suno, "wait", "abc123", "--kind", "video", "--until", until)

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr == (
        f"error: --until {until} applies to music tasks only "
        "(video tasks have no milestone before success)\n"
    )
    assert fake_suno.total_requests == 0


# --- download -------------------------------------------------------------------


async def test_download_one_stem_json(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """--kind vocal-removal --stem vocals saves that stem only; one JSON line."""
    task_id = done_task(fake_suno, "vocal-removal", type="split_stem")

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "vocal-removal", "--stem", "vocals",
        "-o", str(tmp_path), "--json",
    )  # fmt: skip

    path = tmp_path / f"vocal-{task_id[:8]}.mp3"
    assert (run.code, run.stderr) == (0, "")
    assert run.lines() == [
        {
            "type": "download",
            "task_id": task_id,
            "track_id": None,
            "title": None,
            "kind": "vocal-removal",
            "path": str(path),
            "bytes": path.stat().st_size,
        }
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


async def test_download_every_stem_prints_each_path(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Without --stem, every stem is saved, one path per line in the record's order."""
    task_id = done_task(fake_suno, "vocal-removal", type="separate_vocal")
    record = await read(fake_suno, task_id, "vocal-removal")

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "vocal-removal", "-o", str(tmp_path)
    )

    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.splitlines() == [
        str(tmp_path / f"{name}-{task_id[:8]}.mp3") for name in record.stems
    ]


async def test_download_midi_writes_a_midi_file(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """--kind midi writes midi-<id>.mid, one track per instrument after the tempo's."""
    task_id = done_task(fake_suno, "midi")
    record = await read(fake_suno, task_id, "midi")

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "midi", "-o", str(tmp_path)
    )

    path = tmp_path / f"midi-{task_id[:8]}.mid"
    assert (run.code, run.stdout) == (0, f"{path}\n")
    midi = mido.MidiFile(file=io.BytesIO(path.read_bytes()))
    assert len(midi.tracks) == len(record.instruments) + 1


async def test_download_a_pending_family_task_says_to_wait(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """Nothing to save yet: exit 4, naming the wait command with its --kind."""
    task_id = fake_suno.add_task(
        kind="wav", timeline=Timeline(steps=[(0.0, TaskStatus.PENDING)])
    )

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "wav", "-o", str(tmp_path)
    )

    assert run.code == ExitCode.API_ERROR
    assert run.stderr == (
        f"error: task {task_id} has no WAV URL yet (status PENDING): wait for it "
        f"first (suno-async wait {task_id} --kind wav)\n"
    )


async def test_download_a_missing_stem_exits_4(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A finished removal without the stem asked for: the stems it has are named."""
    task_id = done_task(fake_suno, "vocal-removal", type="separate_vocal")
    stems = ", ".join((await read(fake_suno, task_id, "vocal-removal")).stems)

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "vocal-removal", "--stem", "drums",
        "-o", str(tmp_path),
    )  # fmt: skip

    assert run.code == ExitCode.API_ERROR
    assert run.stderr == (
        f"error: task {task_id} has no 'drums' stem; it has: {stems}\n"
    )


async def test_download_a_failed_family_task_exits_1(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A failed task's error, and no folder made."""
    task_id = fake_suno.add_task(
        kind="video", timeline=Timeline.failure("GENERATE_MP4_FAILED", at_s=0.0)
    )

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "video", "-o", str(tmp_path / "o")
    )

    assert run.code == ExitCode.TASK_FAILED
    assert not (tmp_path / "o").exists()


async def test_download_stem_needs_the_vocal_removal_kind(
    fake_suno: FakeSunoServer,
) -> None:
    """--stem with another kind: exit 2 before any request."""
    run = await invoke(fake_suno, "download", "abc123", "--stem", "vocal")

    assert (run.code, run.stderr) == (
        ExitCode.USAGE,
        "error: --stem applies to --kind vocal-removal only\n",
    )
    assert fake_suno.total_requests == 0


async def test_download_file_picks_a_music_file(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """--file image is the new spelling of --kind image: the covers."""
    task_id = fake_suno.add_task(timeline=DONE)

    run = await invoke(
        fake_suno, "download", task_id, "--file", "image", "-o", str(tmp_path), "--json"
    )

    assert run.code == 0
    assert [line["kind"] for line in run.lines()] == ["image", "image"]
    assert all(line["path"].endswith(".jpeg") for line in run.lines())


async def test_download_on_a_terminal_shows_a_bar_per_stem(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """On a terminal each stem has its bar, then its path."""
    task_id = done_task(fake_suno, "vocal-removal", type="separate_vocal")

    run = await invoke(
        fake_suno, "download", task_id, "--kind", "vocal-removal", "-o", str(tmp_path),
        env={"FORCE_COLOR": "1", "COLUMNS": "120"},
    )  # fmt: skip

    assert (run.code, run.stderr) == (0, "")
    plain = ANSI_CODES.sub("", run.stdout)
    for path in sorted(tmp_path.iterdir()):
        assert f"{path}\n" in plain


# --- creating each family ------------------------------------------------------------


async def test_lyrics_prints_the_id_and_sends_the_prompt(
    fake_suno: FakeSunoServer,
) -> None:
    """``lyrics --prompt`` creates a lyrics task; its id alone on stdout."""
    run = await creating(fake_suno, "lyrics", "--prompt", "a quiet night")

    [task_id] = fake_suno.task_ids("lyrics")
    assert (run.code, run.stdout, run.stderr) == (0, f"{task_id}\n", "")
    assert sent(fake_suno, task_id) == {
        "prompt": "a quiet night",
        "callBackUrl": CALLBACK,
    }


async def test_lyrics_download_saves_text_files(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """--download implies --wait; then a text file per variant."""
    fake_suno.queue_task(QUICK, kind="lyrics")

    run = await creating(
        fake_suno, "lyrics", "--prompt", "x", "--download", str(tmp_path), "--json"
    )

    assert (run.code, run.stderr) == (0, "")
    types = run.types()
    assert types[:4] == [
        ("created", None),
        ("event", "SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]
    files = [line["path"] for line in run.lines()[4:]]
    assert files
    assert all(f.endswith(".txt") for f in files)
    assert sorted(str(p) for p in tmp_path.iterdir()) == sorted(files)


async def test_wav_sends_the_track_and_downloads_the_wav(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """``wav TASK --audio-id ID --download DIR`` converts, waits and saves the file."""
    music, track = song(fake_suno)
    fake_suno.queue_task(QUICK, kind="wav")

    run = await creating(
        fake_suno, "wav", music, "--audio-id", track, "--download", str(tmp_path)
    )

    [task_id] = fake_suno.task_ids("wav")
    assert (run.code, run.stderr) == (0, "")
    assert run.stdout.splitlines()[0] == task_id
    assert run.stdout.splitlines()[-1] == str(tmp_path / f"wav-{task_id[:8]}.wav")
    assert sent(fake_suno, task_id) == {
        "taskId": music,
        "audioId": track,
        "callBackUrl": CALLBACK,
    }


async def test_wav_reuse_existing_prints_the_first_task(
    fake_suno: FakeSunoServer,
) -> None:
    """A second conversion fails (exit 4) unless --reuse-existing names the first."""
    music, track = song(fake_suno)
    first = await creating(fake_suno, "wav", music, "--audio-id", track)
    again = await creating(fake_suno, "wav", music, "--audio-id", track)
    reused = await creating(
        fake_suno, "wav", music, "--audio-id", track, "--reuse-existing"
    )

    assert first.code == 0
    assert again.code == ExitCode.API_ERROR
    assert (reused.code, reused.stdout) == (0, first.stdout)


async def test_stems_sends_the_mode_and_waits(fake_suno: FakeSunoServer) -> None:
    """``stems --mode split_stem --wait``: the id, the wait's lines, exit 0."""
    music, track = song(fake_suno)
    fake_suno.queue_task(QUICK, kind="vocal-removal")

    run = await creating(
        fake_suno, "stems", music, "--audio-id", track, "--mode", "split_stem", "--wait"
    )

    [task_id] = fake_suno.task_ids("vocal-removal")
    assert (run.code, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    assert lines[0] == task_id
    assert lines[-1] == "1 task: 1 success."
    assert sent(fake_suno, task_id)["type"] == "split_stem"


async def test_stems_refused_before_sending_speaks_in_options(
    fake_suno: FakeSunoServer,
) -> None:
    """The SDK's argument names become the command's: exit 2, nothing sent."""
    run = await creating(
        fake_suno,
        "stems",
        "abc123",
        "--audio-id",
        "t1",
        "--mode",
        "split_stem_advanced",
    )

    assert (run.code, run.stdout) == (ExitCode.USAGE, "")
    assert run.stderr == (
        "error: invalid separate_vocals request: --stem-name is required with "
        "--mode='split_stem_advanced'\n"
    )
    assert fake_suno.total_requests == 0


async def test_midi_transcribes_a_removal_and_downloads_the_file(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """``midi REMOVAL --download DIR``: the task, then midi-<id>.mid."""
    removal = done_task(fake_suno, "vocal-removal", type="separate_vocal")
    fake_suno.queue_task(QUICK, kind="midi")

    run = await creating(fake_suno, "midi", removal, "--download", str(tmp_path))

    [task_id] = fake_suno.task_ids("midi")
    assert (run.code, run.stderr) == (0, "")
    assert (tmp_path / f"midi-{task_id[:8]}.mid").is_file()
    assert sent(fake_suno, task_id) == {"taskId": removal, "callBackUrl": CALLBACK}


async def test_video_sends_author_and_watermark(fake_suno: FakeSunoServer) -> None:
    """--author and --domain-name go into the request."""
    music, track = song(fake_suno)

    run = await creating(
        fake_suno, "video", music, "--audio-id", track, "--author", "me",
        "--domain-name", "example.com",
    )  # fmt: skip

    [task_id] = fake_suno.task_ids("video")
    assert (run.code, run.stdout) == (0, f"{task_id}\n")
    assert sent(fake_suno, task_id) == {
        "taskId": music,
        "audioId": track,
        "author": "me",
        "domainName": "example.com",
        "callBackUrl": CALLBACK,
    }


async def test_cover_waits_with_timeout_and_reuses(fake_suno: FakeSunoServer) -> None:
    """--timeout implies --wait; a second cover with --reuse-existing is the first."""
    music, _ = song(fake_suno)
    fake_suno.queue_task(QUICK, kind="cover-image")

    run = await creating(fake_suno, "cover", music, "--timeout", "30", "--json")
    again = await creating(fake_suno, "cover", music, "--reuse-existing", "--json")

    assert run.types() == [
        ("created", None),
        ("event", "SUCCESS"),
        ("outcome", None),
        ("summary", None),
    ]
    assert again.lines() == [run.lines()[0]]


async def test_a_failed_creation_wait_downloads_nothing(
    fake_suno: FakeSunoServer, tmp_path: Path
) -> None:
    """A family task that fails exits 1; the folder is not made."""
    music, track = song(fake_suno)
    fake_suno.queue_task(
        Timeline.failure("GENERATE_MP4_FAILED", at_s=1.0), kind="video"
    )

    run = await creating(
        fake_suno,
        "video",
        music,
        "--audio-id",
        track,
        "--download",
        str(tmp_path / "o"),
    )

    assert run.code == ExitCode.TASK_FAILED
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["lyrics", "--prompt", "x"], id="lyrics"),
        pytest.param(["cover", "abc123"], id="cover"),
    ],
)
async def test_creating_without_a_callback_url_exits_2(
    fake_suno: FakeSunoServer, args: Sequence[str]
) -> None:
    """No --callback-url and no $SUNO_CALLBACK_URL: exit 2, nothing sent."""
    run = await invoke(fake_suno, *args)

    assert run.code == ExitCode.USAGE
    assert run.stderr.startswith("error: no callback URL: pass --callback-url URL")
    assert fake_suno.total_requests == 0

"""Shared helpers: summaries of repeated runs, tables, child processes, the machine.

Every figure the benchmarks report is a :class:`Spread` (median with min and
max over several runs) or a plain number computed from deterministic
virtual-time runs. Tables are Markdown, printed as they go into the report.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from importlib import metadata
from typing import IO, Any

import attrs

__all__ = [
    "DASH",
    "LE",
    "MICRO",
    "ROOT",
    "TIMES",
    "Child",
    "Spread",
    "cpu_model",
    "machine",
    "markdown_table",
    "percentile",
    "pin_to",
    "rss_bytes",
]

#: Typography for tables (escaped here: ruff flags look-alike characters).
TIMES = "\u00d7"
DASH = "\u2013"
LE = "\u2264"
MICRO = "\u00b5"

#: The repository root: children run there so that ``benchmarks`` imports.
ROOT = pathlib.Path(__file__).resolve().parent.parent
#: The environment of every child: no bytecode writes.
_CHILD_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


@attrs.frozen
class Spread:
    """The median of several runs, with their min and max."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        data = sorted(values)
        if not data:
            raise ValueError("no runs to summarize")
        return cls(statistics.median(data), data[0], data[-1], len(data))

    def fmt(self, digits: int = 0, unit: str = "") -> str:
        """``"412 (398-430)"`` (an en dash) with ``digits`` decimals."""
        m, lo, hi = (f"{v:,.{digits}f}" for v in (self.median, self.low, self.high))
        return f"{m}{unit} ({lo}{DASH}{hi})"

    def to_json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    data = sorted(values)
    position = (len(data) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(data) - 1)
    return data[lower] + (data[upper] - data[lower]) * (position - lower)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pin_to(core: int) -> bool:
    """Pin this process to ``core`` when the machine has more than one; whether done."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return False
    os.sched_setaffinity(0, {cores[core % len(cores)]})
    return True


def rss_bytes() -> int:
    """This process's resident set size (``VmRSS``), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {
            name: _version(name)
            for name in ("suno-async", "aiohttp", "orjson", "httpx", "attrs", "cattrs")
        },
        "date": time.strftime("%Y-%m-%d"),
    }


class Child:
    """A Python child process that answers one JSON line per JSON command line.

    ``prelude`` runs before ``module``'s ``main()`` (used to hide orjson). The
    child reads commands on stdin and writes replies on stdout; its stderr
    passes through. :meth:`close` ends it (stdin closed, then terminate).
    """

    def __init__(self, module: str, *args: str, prelude: str = "") -> None:
        code = f"{prelude}\nimport runpy, sys\nsys.argv[0] = {module!r}\n"
        code += f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_CHILD_ENV,
            cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def read(self) -> Any:
        """The next JSON line the child writes."""
        _, stdout = self._pipes()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"child {self._proc.args!r} ended early")
        return json.loads(line)

    def send(self, command: dict[str, Any]) -> None:
        """Send a command line."""
        stdin, _ = self._pipes()
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()

    def ask(self, command: dict[str, Any]) -> Any:
        """Send a command line; the reply line."""
        self.send(command)
        return self.read()

    def close(self, timeout: float = 10.0) -> None:
        if self._proc.poll() is None:
            stdin, _ = self._pipes()
            with contextlib.suppress(OSError):
                stdin.close()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                self._proc.wait(timeout)

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

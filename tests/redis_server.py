"""A private ``redis-server`` on a free loopback port, for tests.

Tests that need it take the ``redis_server`` fixture (tests/test_redis.py)
and are marked ``integration``; they skip, saying why, only where the
``redis-server`` binary is missing.
Install it with ``apt-get install redis-server`` (Debian/Ubuntu) or
``brew install redis`` (macOS); ``.ci/run`` installs it, so CI never skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Sequence
from typing import Final

#: How many lines of its log the server may write before it is ready.
MAX_STARTUP_LINES: Final = 200


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process without persistence; start, stall, kill, restart.

    ``options`` are added to its command line (the last of a setting wins:
    ``("--appendonly", "yes", "--dir", path)`` turns persistence on).
    """

    def __init__(
        self, binary: str, port: int | None = None, options: Sequence[str] = ()
    ) -> None:
        self.binary = binary
        self.port = free_port() if port is None else port
        self.options = tuple(options)
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and return once it accepts connections (it says so in its log)."""
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "notice",
                *self.options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        log = []
        for _ in range(MAX_STARTUP_LINES):
            line = self.process.stdout.readline()
            log.append(line)
            if "Ready to accept connections" in line:
                return  # its later log lines are few: the pipe never fills
            if not line:
                break
        self.kill()
        raise RuntimeError(f"redis-server did not start:\n{''.join(log)}")

    def pause(self) -> None:
        """Stall it (SIGSTOP): connections stay open, nothing is answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """End a :meth:`pause` (SIGCONT): it reads and runs what it was sent."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Kill it at once (SIGKILL), as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None


def redis_binary() -> str | None:
    """The path of ``redis-server``, or ``None`` when it is not installed."""
    return shutil.which("redis-server")

"""``python -m suno_async.testing serve``: run the simulator as a process.

It prints its base URL on one line, then serves until SIGINT or SIGTERM::

    $ python -m suno_async.testing serve --port 8765 --scale 0.1 --seed 7
    http://127.0.0.1:8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence

from suno_async._core.providers import PROVIDERS
from suno_async.testing._server import FakeSunoServer

__all__ = ["main", "parse_args", "serve"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m suno_async.testing",
        description="A simulator of the hosted Suno API on 127.0.0.1.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve until interrupted")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument(
        "--scale", type=float, default=1.0, help="time scale (0.01: 100x faster)"
    )
    serve.add_argument(
        "--seed", type=int, default=None, help="seed for reproducible runs"
    )
    serve.add_argument("--provider", choices=sorted(PROVIDERS), default="apikley")
    serve.add_argument("--api-key", default="test-key", help="the bearer key to accept")
    serve.add_argument("--credits", type=int, default=1000, help="starting credits")
    return parser


async def serve(args: argparse.Namespace, ready: Callable[[str], None]) -> None:
    """Serve as ``args`` say; call ``ready(url)`` once bound; stop on SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    hooked = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not on Windows, nor outside the main thread: Ctrl-C still works there.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            hooked.append(signum)
    server = FakeSunoServer(
        provider=args.provider,
        scale=args.scale,
        seed=args.seed,
        api_key=args.api_key,
        credits=args.credits,
        port=args.port,
    )
    try:
        async with server:
            ready(server.url)
            await stop.wait()
    finally:
        for signum in hooked:
            loop.remove_signal_handler(signum)


def _print_url(url: str) -> None:
    print(url, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line's arguments (exits with status 2 on bad ones)."""
    return _parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status."""
    args = parse_args(argv)
    # KeyboardInterrupt only reaches here where signal handlers cannot be hooked.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args, _print_url))
    return 0


if __name__ == "__main__":  # pragma: no cover - the tests run it as a subprocess
    sys.exit(main())

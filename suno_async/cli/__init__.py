"""The ``suno-async`` command (needs the ``cli`` extra for click and rich)."""

from suno_async.cli._main import main

__all__ = ["main"]

"""``python -m suno_async``: the ``suno-async`` command."""

from suno_async.cli import main

if __name__ == "__main__":  # pragma: no branch - only ever run as a script
    main()

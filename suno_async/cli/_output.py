"""What the CLI's two outputs share: :class:`OutputBase`.

:class:`~suno_async.cli._display.RichDisplay` (for people) and
:class:`~suno_async.cli._json_lines.JsonLines` (for programs) both derive
from it. No click or rich here.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any

from suno_async.cli._board import Board

__all__ = ["OutputBase"]


class OutputBase(abc.ABC):
    """The summary's entry point; each output says how it shows one."""

    __slots__ = ()

    def summary(
        self,
        board: Board,
        *,
        lines: Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """The end of a run: ``lines`` are for people, ``extra`` for programs."""
        board.sync_polls()
        self._summary(board, lines, extra or {})

    @abc.abstractmethod
    def _summary(
        self, board: Board, lines: Sequence[str], extra: Mapping[str, Any]
    ) -> None:
        """Show the summary; ``board``'s poll counts are up to date."""

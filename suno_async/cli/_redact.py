"""Masking secrets (API keys) in the CLI's output: :class:`Redactor`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["Redactor"]


class Redactor:
    """Replaces secrets (API keys) in text before it is printed."""

    __slots__ = ("_secrets",)

    MASK: Final = "***"

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Longest first, so that a key containing another is masked whole.
        found = {s for s in secrets if s}
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, self.MASK)
        return text

    def __repr__(self) -> str:
        return f"<Redactor secrets={len(self._secrets)}>"

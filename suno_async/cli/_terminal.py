"""Text from the service, made safe to print: :func:`printable`.

Titles, error messages, statuses, tags and URLs come from the service (or a
callback) and may carry control characters: ``ESC]0;...BEL`` retitles the
terminal, ``ESC[2J`` clears it, OSC 52 writes the clipboard, a bidi override
reorders what is shown. :func:`printable` turns each such character into a
visible escape (``\\x1b``, ``\\u202e``), so the text reads the same and does
nothing. It is applied where the CLI writes: the rich console of
:mod:`suno_async.cli._display` and the stderr lines of
:mod:`suno_async.cli._run`. JSON lines need nothing more: ``json.dumps``
escapes every control character (and, with ``ensure_ascii``, everything
beyond ASCII). No click or rich here.
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["UNSAFE", "printable"]

#: Line and paragraph separators, and the bidirectional formatting characters
#: (marks, embeddings, overrides, isolates) that reorder the text around them.
_LAYOUT: Final = (
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069"
)
#: Every character :func:`printable` replaces: C0 controls but newline and
#: tab, DEL, C1 controls, and the layout characters above.
UNSAFE: Final = frozenset(
    [chr(c) for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc"]
    + list(_LAYOUT)
) - {"\n", "\t"}


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE: Final = {ord(char): _escape(char) for char in UNSAFE}


def printable(text: str) -> str:
    """``text`` with every character of :data:`UNSAFE` as a visible escape.

    ``"a\\x1b[2Jb"`` becomes ``"a\\\\x1b[2Jb"`` (a backslash, ``x1b``);
    newlines and tabs stay. Applying it twice changes nothing more.
    """
    return text.translate(_TABLE)

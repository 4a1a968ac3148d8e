"""The Python examples in README.md and docs/ are valid Python.

Each ```python block is compiled as a top-level-await snippet (the way
``python -m asyncio`` runs it). They are compiled, not run: they talk to
the real service.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _examples() -> list[pytest.ParameterSet]:
    params = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{path.relative_to(ROOT)}:{line}"
            params.append(pytest.param(match.group(1), id=name))
    return params


EXAMPLES = _examples()


def test_there_are_examples() -> None:
    """The collector finds the README's and the quickstart's examples."""
    ids = {param.id.partition(":")[0] for param in EXAMPLES if param.id}
    assert {"README.md", "docs/quickstart.md"} <= ids


@pytest.mark.parametrize("source", EXAMPLES)
def test_example_compiles(source: str) -> None:
    """The example is syntactically valid Python, top-level ``await`` allowed."""
    compile(source, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

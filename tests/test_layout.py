"""The package's layout keeps what the architecture promises: small modules."""

from __future__ import annotations

from pathlib import Path

import pytest

import suno_async

PACKAGE = Path(suno_async.__file__).parent
MAX_LINES = 500  # non-blank lines of one module (CONTRIBUTING.md)
MODULES = sorted(PACKAGE.rglob("*.py"))


def _non_blank(path: Path) -> int:
    return sum(1 for line in path.read_text("utf-8").splitlines() if line.strip())


def test_the_package_has_modules() -> None:
    assert len(MODULES) > 100


@pytest.mark.parametrize(
    "path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES]
)
def test_a_module_has_at_most_500_non_blank_lines(path: Path) -> None:
    assert _non_blank(path) <= MAX_LINES

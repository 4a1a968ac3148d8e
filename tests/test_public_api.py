"""The public surface of ``suno_async``: its ``__all__``, its names and ``py.typed``."""

from __future__ import annotations

import ast
import importlib.resources
import re
import types
from pathlib import Path

import pytest

import suno_async

ROOT = Path(__file__).resolve().parent.parent
INIT = Path(suno_async.__file__)


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def _names_imported_by_init() -> set[str]:
    """Every name that ``__init__.py`` binds with an import statement."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(
                alias.asname or alias.name.partition(".")[0] for alias in node.names
            )
    return names


def test_all_is_sorted() -> None:
    """``__all__`` is sorted: constants, then classes, then ``__version__``."""
    assert suno_async.__all__ == sorted(suno_async.__all__, key=_isort_key)


def test_all_has_no_duplicates() -> None:
    """Each public name is listed once."""
    assert len(suno_async.__all__) == len(set(suno_async.__all__))


def test_every_imported_public_name_is_in_all() -> None:
    """``__init__`` imports exactly the names it exports, and no other public ones."""
    imported = {
        name
        for name in _names_imported_by_init()
        if not name.startswith("_") or name == "__version__"
    }
    assert imported == set(suno_async.__all__)


def test_every_public_attribute_is_in_all() -> None:
    """No public name reaches the package namespace without being exported."""
    public = {
        name
        for name, value in vars(suno_async).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(suno_async.__all__) - {"__version__"}


@pytest.mark.parametrize("name", suno_async.__all__)
def test_every_name_in_all_resolves(name: str) -> None:
    """Each exported name is bound on the package."""
    assert getattr(suno_async, name) is not None


def test_no_private_name_is_exported() -> None:
    """No private module or helper leaks through ``__all__``."""
    assert [n for n in suno_async.__all__ if n.startswith("_")] == ["__version__"]


def test_star_import_gives_exactly_all() -> None:
    """``from suno_async import *`` brings exactly ``__all__``."""
    namespace: dict[str, object] = {}
    exec("from suno_async import *", namespace)  # noqa: S102
    del namespace["__builtins__"]
    assert set(namespace) == set(suno_async.__all__)


def test_version_is_a_string() -> None:
    """``__version__`` is the installed version string."""
    assert isinstance(suno_async.__version__, str)
    assert suno_async.__version__


def test_py_typed_ships_in_the_package() -> None:
    """The PEP 561 marker sits inside the package, which the wheel ships whole."""
    marker = importlib.resources.files("suno_async").joinpath("py.typed")
    assert marker.is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(
        r'^\[tool\.hatch\.build\.targets\.wheel\]\npackages = \["suno_async"\]$',
        pyproject,
        flags=re.MULTILINE,
    )


def test_every_public_name_is_in_the_api_reference() -> None:
    """docs/reference/api.md documents every exported name."""
    reference = (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    documented = set(
        re.findall(r"^\.\. [\w:]+:: (?:suno_async\.)?(\w+)(?:\(\))?$", reference, re.M)
    )
    assert set(suno_async.__all__) - documented == set()

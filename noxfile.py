"""Developer sessions: ``nox`` runs tests, lint, typecheck, imports and docs.

Each session installs what it needs into its own virtualenv under ``.nox/``
(reused between runs). Sessions run on Python 3.11 when ``python3.11`` is on
the PATH, else on the interpreter that runs nox. Pass extra arguments after
``--``, for example ``nox -s tests -- -k limiter --no-cov``.
"""

from __future__ import annotations

import pathlib
import shutil

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True
nox.options.sessions = ["tests", "lint", "typecheck", "imports", "docs"]

ROOT = pathlib.Path(__file__).parent
# Python 3.11 by default; without it, the interpreter that runs nox (None).
PYTHON = "3.11" if shutil.which("python3.11") else None


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite; the branch-coverage gate lives in pyproject's addopts."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff (no files are changed)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and tests/typing/ (settings in pyproject)."""
    session.install("-e", ".[dev,redis]")
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def imports(session: nox.Session) -> None:
    """Check the import contracts in pyproject's [tool.importlinter] (lint-imports)."""
    session.install("-e", ".", "import-linter>=2.6")
    session.run("lint-imports", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML docs with warnings as errors and nitpicky references."""
    session.install("-e", ".[docs]")
    shutil.rmtree(ROOT / "docs" / "_build", ignore_errors=True)
    session.run(
        *("python", "-m", "sphinx", "-W", "--keep-going", "-n", "-b", "html"),
        *("-d", "docs/_build/doctrees", "docs", "docs/_build/html"),
        *session.posargs,
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks; rewrite docs/performance.md and its plots.

    About thirteen minutes. ``nox -s bench -- --quick`` is a smoke run
    that writes nothing; ``python -m benchmarks --help`` lists the options.
    """
    session.install("-e", ".[bench,speed]")
    session.run("python", "-m", "benchmarks", *session.posargs)

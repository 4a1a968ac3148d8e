"""Benchmarks of suno-async: ``nox -s bench`` (or ``python -m benchmarks``).

They print their tables and regenerate ``docs/performance.md`` with its
plots. See that page for what each section measures and why.
"""

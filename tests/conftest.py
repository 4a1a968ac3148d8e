"""Shared test settings. Fixtures live beside the tests that use them."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The suite's own copy of the package's pytest plugin. pyproject.toml blocks
# its entry point (``-p no:suno_async``): an entry-point plugin is imported
# before pytest-cov starts, and would leave every module-level line of
# suno_async unmeasured.
pytest_plugins = ["suno_async.testing._plugin"]

# CI machines are small and busy: timing-based health checks would flake there.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

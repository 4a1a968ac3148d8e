"""Sphinx configuration for the suno-async docs (MyST Markdown, furo, autodoc).

The build needs no network: intersphinx is off, and every image is a file in
this folder. Build it with ``nox -s docs``, which runs
``sphinx-build -W --keep-going -n -b html docs docs/_build/html``.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import version as _version
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

import suno_async

project = "suno-async"
author = "suno-async developers"
copyright = "2026, suno-async developers"
release = _version("suno-async")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
nitpicky = True

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "furo"
html_title = f"suno-async {release}"
html_static_path = ["_static"]

# Without intersphinx (no network at build time), references to the standard
# library and to third-party packages that appear in signatures cannot be
# resolved. Ignore exactly those namespaces; a reference to our own API that
# does not resolve still fails the build.
nitpick_ignore_regex = [
    (r"py:.*", r"(aiohttp|attr|attrs|yarl|multidict|redis|click)(\..+)?"),
    (
        r"py:.*",
        r"(asyncio|collections|collections\.abc|contextlib|datetime|enum|json|logging"
        r"|os|pathlib|random|time|types|typing|typing_extensions)\..+",
    ),
    # pathlib.Path and datetime.datetime, as autodoc prints them when a module
    # imports the class
    (r"py:class", r"Path|datetime"),
    # the type variables of generic signatures (TaskWait[R], TaskHandle[_R]...)
    (r"py:class", r"suno_async\..*\._?[A-Z]"),
]


def _is_module(parts: list[str]) -> bool:
    try:
        return importlib.util.find_spec(".".join(parts)) is not None
    except ModuleNotFoundError:  # a parent is a module, not a package
        return False


def _public_target(target: str) -> str | None:
    """``suno_async._core.models.TaskRecord`` -> ``suno_async.TaskRecord``.

    Objects are documented under the public path they are imported from
    (``suno_async.X``, ``suno_async.redis.X``), while type hints name the
    private module that defines them (their ``__module__`` is left alone): the
    public package before the first private part, then the object's own path.
    """
    parts = target.split(".")
    if parts[0] != "suno_async":
        return None
    private = [i for i, p in enumerate(parts) if p.startswith("_") and p[:2] != "__"]
    if not private:
        return None
    module_end = next(i for i in range(len(parts), 0, -1) if _is_module(parts[:i]))
    return ".".join(parts[: private[0]] + parts[module_end:])


def _resolve_private_paths(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target = _public_target(node.get("reftarget", ""))
    if target is None:
        return None
    domain: Any = env.get_domain("py")
    resolved: nodes.Element | None = domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], target, node, contnode
    )
    return resolved


def _name_the_providers(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: object,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """Show a default provider as ``APIKLEY``, not as its long ``repr``."""
    if signature is None:
        return None
    for constant in ("APIKLEY", "KIE", "SUNOAPI"):
        signature = signature.replace(repr(getattr(suno_async, constant)), constant)
    return signature, return_annotation


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", _resolve_private_paths)
    app.connect("autodoc-process-signature", _name_the_providers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

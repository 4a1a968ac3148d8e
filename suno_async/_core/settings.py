"""Checking a client's settings before anything starts (pure).

:class:`ClientSettings` holds the checked values of ``SunoClient(...)``:
the API key (never in ``repr``) and where it came from, the base URL (the
argument, else ``APIKLEY_BASE_URL`` or ``SUNO_BASE_URL``, else the
provider's) and the numeric knobs. Each rule raises
:class:`~suno_async.ConfigurationError` saying what is wrong.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from typing import Any, Final

import attrs
import yarl

from suno_async._core.errors import ConfigurationError
from suno_async._core.providers import API_KEY_ENV_VARS, BASE_URL_ENV_VARS, Provider
from suno_async._core.request_bodies import url_problem

__all__ = ["ClientSettings", "check_base_url", "resolve_api_key"]

_LOOPBACK_NAMES: Final = frozenset({"localhost"})
#: The arguments of :meth:`ClientSettings.check` a client's ``__init__`` names alike.
_CHECKED: Final = (
    "api_key",
    "provider",
    "base_url",
    "request_timeout",
    "max_connections",
    "max_requests_per_second",
    "max_creations_per_second",
    "callback_url",
)


@attrs.frozen(kw_only=True)
class ClientSettings:
    """A client's settings, each checked (:meth:`check`)."""

    api_key: str = attrs.field(repr=False)
    api_key_source: str
    base_url: str
    request_timeout: float
    max_connections: int
    max_requests_per_second: float | None
    max_creations_per_second: float | None
    callback_url: str | None

    @classmethod
    def from_arguments(
        cls, arguments: Mapping[str, Any], environ: Mapping[str, str]
    ) -> ClientSettings:
        """:meth:`check` the settings named in ``arguments`` (a ``locals()``)."""
        return cls.check(
            **{name: arguments[name] for name in _CHECKED}, environ=environ
        )

    @classmethod
    def check(
        cls,
        *,
        api_key: str | None,
        provider: Provider,
        base_url: str | None,
        request_timeout: float,
        max_connections: int,
        max_requests_per_second: float | None,
        max_creations_per_second: float | None,
        callback_url: str | None,
        environ: Mapping[str, str],
    ) -> ClientSettings:
        """The settings, or :class:`ConfigurationError` for the first bad one."""
        key, key_source = resolve_api_key(api_key, environ)
        if not (request_timeout > 0 and math.isfinite(request_timeout)):
            raise ConfigurationError(
                f"request_timeout must be a positive number of seconds, "
                f"not {request_timeout!r}"
            )
        if max_connections < 1:
            raise ConfigurationError(
                f"max_connections must be at least 1, not {max_connections!r}"
            )
        rate = max_requests_per_second
        if rate is not None and not rate > 0:
            raise ConfigurationError(
                f"max_requests_per_second must be positive, not {rate!r}"
            )
        rate = max_creations_per_second
        if rate is not None and not (rate > 0 and math.isfinite(rate)):
            raise ConfigurationError(
                f"max_creations_per_second must be positive, not {rate!r}"
            )
        if callback_url is not None and (problem := url_problem(callback_url)):
            raise ConfigurationError(f"callback_url {problem}")
        return cls(
            api_key=key,
            api_key_source=key_source,
            base_url=check_base_url(_pick_base_url(base_url, provider, environ)),
            request_timeout=float(request_timeout),
            max_connections=max_connections,
            max_requests_per_second=max_requests_per_second,
            max_creations_per_second=max_creations_per_second,
            callback_url=callback_url,
        )


def _pick_base_url(
    base_url: str | None, provider: Provider, environ: Mapping[str, str]
) -> str:
    """The argument, else the first environment variable set, else the provider's."""
    if base_url is not None:
        return base_url
    named = (environ[n] for n in BASE_URL_ENV_VARS if environ.get(n))
    return next(named, provider.base_url)


def resolve_api_key(api_key: str | None, environ: Mapping[str, str]) -> tuple[str, str]:
    """The key and where it came from: the argument, else the environment."""
    source = "the api_key argument"
    if api_key is None:
        name = next((n for n in API_KEY_ENV_VARS if environ.get(n)), None)
        if name is None:
            raise ConfigurationError(
                "no API key: pass api_key=... or set the "
                f"{' or '.join(API_KEY_ENV_VARS)} environment variable"
            )
        api_key, source = environ[name], f"the {name} environment variable"
    if not api_key:
        raise ConfigurationError("the API key is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in api_key):
        raise ConfigurationError(
            "the API key contains whitespace or control characters"
        )
    return api_key, source


def check_base_url(base_url: str, *, name: str = "base_url") -> str:
    """``base_url`` without a trailing slash; https, or http to a loopback host.

    ``name`` is the setting named in the :class:`ConfigurationError`.
    """
    try:
        url = yarl.URL(base_url)
        host = url.host
    except (TypeError, ValueError):
        host = None
    if not host or url.scheme not in ("http", "https"):
        raise ConfigurationError(f"{name} must be an http(s) URL, not {base_url!r}")
    if url.user is not None or url.password is not None:
        raise ConfigurationError(f"{name} must not contain credentials")
    if url.query_string or url.fragment:
        raise ConfigurationError(
            f"{name} must not have a query or fragment: {base_url!r}"
        )
    if url.scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"{name} must use https unless it points at a loopback address "
            f"(127.0.0.0/8, ::1, localhost), not {base_url!r}"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

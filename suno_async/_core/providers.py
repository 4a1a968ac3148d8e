"""Providers (where each service lives, what its codes mean) and client defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from suno_async._core.errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    InsufficientCreditsError,
    InvalidRequestError,
    MediaFetchError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
)

__all__ = [
    "APIKLEY",
    "API_KEY_ENV_VARS",
    "BASE_URL_ENV_VARS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "KIE",
    "PROVIDERS",
    "SUNOAPI",
    "Provider",
]

#: Seconds one HTTP request may take, connect to last byte.
DEFAULT_REQUEST_TIMEOUT: Final = 30.0
#: Seconds a wait may take by default.
DEFAULT_WAIT_TIMEOUT: Final = 600.0
#: Connections the client's own session may open at once.
DEFAULT_MAX_CONNECTIONS: Final = 100
#: Bodies over this many decoded bytes are refused (``DecodeError``): reading stops.
DEFAULT_MAX_BODY_BYTES: Final = 8 * 1024 * 1024
#: Environment variables read for the API key, in order.
API_KEY_ENV_VARS: Final = ("APIKLEY_API_KEY", "SUNO_API_KEY")
#: Environment variables read for the base URL when no argument gives one.
BASE_URL_ENV_VARS: Final = ("APIKLEY_BASE_URL", "SUNO_BASE_URL")
#: The record-info path.
RECORD_INFO_PATH: Final = "/api/v1/generate/record-info"

_COMMON_CODES: Final[Mapping[int, type[APIError]]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    451: MediaFetchError,
    455: ServiceUnavailableError,
    500: ServerError,
}


@attrs.frozen(kw_only=True)
class Provider:
    """One service of the API family: where it lives and what its codes mean.

    ``codes`` maps a body code to the :class:`APIError` subclass it raises;
    codes not listed fall back on their HTTP meaning (see
    :meth:`error_for`). ``rate_limit_code`` is the body code the service
    sends when the per-task limit is exceeded. ``upload_base_url`` is where
    the provider's file upload service lives (same key, another host);
    ``None`` means ``base_url + "/file-upload"``.
    """

    name: str
    base_url: str
    credits_path: str
    rate_limit_code: int
    codes: Mapping[int, type[APIError]] = attrs.field(repr=False)
    upload_base_url: str | None = None

    def error_for(self, code: int) -> type[APIError]:
        """The exception class for a body code or HTTP status."""
        if code in self.codes:
            return self.codes[code]
        return _HTTP_MEANING.get(code) or (ServerError if code >= 500 else APIError)


#: What an HTTP status means when no JSON envelope says otherwise.
_HTTP_MEANING: Final[Mapping[int, type[APIError]]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: InvalidRequestError,
    422: InvalidRequestError,
    429: RateLimitError,
    502: ServerError,
    503: ServiceUnavailableError,
    504: ServerError,
}

APIKLEY: Final = Provider(
    name="apikley",
    base_url="https://api.apikley.ru",
    credits_path="/api/v1/chat/credit",
    rate_limit_code=429,
    codes={
        **_COMMON_CODES,
        402: InsufficientCreditsError,
        422: InvalidRequestError,
        429: RateLimitError,
        505: InvalidRequestError,
    },
)
"""Apikley (the default). Follows kie.ai wherever the families differ; its
upload service is the default one, at ``base_url + "/file-upload"``."""

KIE: Final = attrs.evolve(
    APIKLEY,
    name="kie",
    base_url="https://api.kie.ai",
    upload_base_url="https://kieai.redpandaai.co",
)
"""kie.ai (its file upload service is on another host)."""

SUNOAPI: Final = Provider(
    name="sunoapi",
    base_url="https://api.sunoapi.org",
    credits_path="/api/v1/generate/credit",
    rate_limit_code=430,
    upload_base_url="https://sunoapiorg.redpandaai.co",
    codes={
        **_COMMON_CODES,
        405: RateLimitError,
        413: InvalidRequestError,
        429: InsufficientCreditsError,
        430: RateLimitError,
    },
)
"""sunoapi.org: 429 means insufficient credits, 405 and 430 rate limits."""

#: Providers by name, for the CLI and the simulator.
PROVIDERS: Final[Mapping[str, Provider]] = {p.name: p for p in (APIKLEY, KIE, SUNOAPI)}

"""The facade: :class:`SunoClient` wires the parts and offers thin public methods."""

from suno_async._client.client import SunoClient

__all__ = ["SunoClient"]

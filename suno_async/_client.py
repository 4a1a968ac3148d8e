"""STUB — to be implemented (see /tmp/INTERFACES.md)."""


class SunoClient:
    """STUB."""

"""STUB — to be implemented."""


class TaskWait:
    """STUB."""

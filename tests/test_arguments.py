"""The shared argument checks: the value back, or an error naming the argument."""

from __future__ import annotations

import pytest

from suno_async import InvalidArgumentError
from suno_async._core.arguments import positive_int


@pytest.mark.parametrize("value", [1, 7, 10**6])
def test_a_positive_int_is_answered(value: int) -> None:
    """A whole number >= 1 comes back unchanged."""
    assert positive_int("max_tasks", value) == value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(0, "0", id="zero"),
        pytest.param(-3, "-3", id="negative"),
        pytest.param(1.0, "1.0", id="float"),
        pytest.param(True, "True", id="bool"),
        pytest.param("2", "'2'", id="str"),
        pytest.param(None, "None", id="none"),
    ],
)
def test_anything_else_is_refused_by_name(value: object, shown: str) -> None:
    """Not an ``int`` >= 1 (a ``bool`` included): refused, naming the argument."""
    with pytest.raises(InvalidArgumentError) as info:
        positive_int("max_tasks", value)
    assert str(info.value) == f"max_tasks must be a positive integer, not {shown}"
    assert isinstance(info.value, ValueError)

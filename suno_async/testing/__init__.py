"""Test your app without spending credits: a simulator of the service and a virtual clock."""

from ._clock import VirtualClock

__all__ = ["VirtualClock"]

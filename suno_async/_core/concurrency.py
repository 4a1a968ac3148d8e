"""An adaptive limit on requests in flight, from their round-trip times.

The limit follows TCP Vegas, as Netflix's ``concurrency-limits`` applies it
to request concurrency: with ``base`` the shortest round trip seen lately
(the lower minimum of the current and the previous ``window_s``) and ``rtt``
a request's own, ``queue = limit * (1 - (base + tolerance_s) / rtt)``
estimates how many requests wait in a queue somewhere (the server's, the
socket's, this client's own busy event loop). With ``s = max(1,
log10(limit))``, each round trip taken while at least half the limit is in
use moves the limit:

- ``queue < 3 s``: up by ``s`` (little queues: more fit);
- ``queue > 6 s``: down by ``s``;

never below ``min_limit`` nor above ``max_limit``. Against a distant
service, round trips stay near ``base`` and the limit stays at its maximum;
against a near one that saturates (or when the client's loop does), queues
grow and the limit comes down to what keeps round trips short: requests
then wait in the client's own queue (a poll as its poller), not as live request
objects that the garbage collector promotes and scans again and again.

Netflix's Vegas also jumps up by ``6 s`` when nothing queues; here the
limit climbs by ``s`` only, as a client whose own loop is the bottleneck
sees short round trips between bursts and would otherwise swing back up
(measured with ``benchmarks.fleet``: p99 loop lag 124 ms with the jump, 15
without). The tolerance over ``base`` is half a millisecond: with 2 ms, a
client whose own loop is the bottleneck on a near server held its limit
where the objects of the requests in flight still reached the oldest
generation (10,000 waits, 30 s, two runs each: 22 and 23 full collections,
loop-lag p99 131 and 174 ms; with 0.5 ms: 8 and 8, 25 and 28 ms, and a
tenth less CPU per request). Against a distant service the tolerance is
noise next to its round trip. Written here because no maintained Python
library offers an adaptive concurrency limit; the rule is a few lines of
arithmetic.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["RTT_TOLERANCE_S", "RTT_WINDOW_S", "VegasLimit"]

#: Seconds over the shortest round trip that still count as no queue.
RTT_TOLERANCE_S: Final = 0.0005
#: The shortest round trip is the lower of this window's and the last one's.
RTT_WINDOW_S: Final = 10.0


class VegasLimit:
    """A concurrency limit that follows queueing delay (see the module's docstring)."""

    __slots__ = (
        "_base",
        "_next_base",
        "_window_ends",
        "limit",
        "max_limit",
        "min_limit",
    )

    def __init__(self, max_limit: int, *, min_limit: int = 4) -> None:
        if max_limit < 1:
            raise ValueError(f"max_limit must be at least 1, not {max_limit!r}")
        self.max_limit = max_limit
        self.min_limit = max(1, min(min_limit, max_limit))
        #: The limit in force; starts at the maximum.
        self.limit = float(max_limit)
        self._base = math.inf
        self._next_base = math.inf
        self._window_ends = -math.inf

    def sample(self, rtt: float, in_flight: int, now: float) -> None:
        """One request took ``rtt`` seconds with ``in_flight`` requests out."""
        if now >= self._window_ends:
            self._base, self._next_base = self._next_base, math.inf
            self._window_ends = now + RTT_WINDOW_S
        self._next_base = min(self._next_base, rtt)
        limit = self.limit
        if in_flight * 2 < limit:  # the limit is not what holds requests back
            return
        base = min(self._base, self._next_base) + RTT_TOLERANCE_S
        queue = limit * (1.0 - base / rtt) if rtt > base else 0.0
        step = max(1.0, math.log10(limit))
        if queue < 3 * step:
            limit += step
        elif queue > 6 * step:
            limit -= step
        self.limit = min(float(self.max_limit), max(float(self.min_limit), limit))

    def __repr__(self) -> str:
        return f"<VegasLimit limit={self.limit:.1f} max_limit={self.max_limit}>"

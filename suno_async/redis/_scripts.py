"""The Lua scripts of the shared limiter and pacer (see ``_limiter``).

Each runs atomically in Redis and reads Redis's clock (``TIME``); times are
microseconds.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ACQUIRE", "GRANTED", "PACE", "PUSH", "RELEASE", "VOID", "VOIDED"]

# KEYS[1]: one key's sorted set of slots, each scored with the Redis time (us)
# when it stops counting: release + window for a released slot, start + lease
# + window for one in flight (so a lost release frees it at lease expiry).
# KEYS[2]: the member's tombstone. ARGV: limit, window_us, lease_us, member.
# Returns -2 when a slot was taken, -3 when the member was voided (its caller
# gave up), else the microseconds until one frees, or -1 if that depends on a
# release still to come (all blocking slots are in flight).
ACQUIRE: Final = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -3 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
local result = -2
if active < limit then
  redis.call('ZADD', KEYS[1], now + lease + window, ARGV[4])
else
  -- the slot that must stop counting before a new one may start
  local ends = redis.call('ZRANGE', KEYS[1], active - limit, active - limit,
                          'WITHSCORES')
  local wait = tonumber(ends[2]) - now
  if wait <= window then result = wait else result = -1 end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((lease + window) / 1000))
return result
"""

# KEYS[1]: the key's sorted set, KEYS[2]: the member's tombstone; ARGV:
# member, tombstone_ms. The member's acquire, run before or after, takes no
# slot.
VOID: Final = """
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return redis.call('ZREM', KEYS[1], ARGV[1])
"""

# KEYS[1]: the key's sorted set; ARGV: window_us, member. The slot now counts
# until Redis time + window (only if it is still there).
RELEASE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
"""

# KEYS[1]: the key's sorted set; ARGV: member, counts_us, expire_ms. A slot
# taken without Redis counts from now for counts_us more.
PUSH: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZADD', KEYS[1], 'NX', now + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
"""

# GCRA without bursts. KEYS[1]: the theoretical arrival time (us) of the next
# start; ARGV: interval_us. Returns 0 when a start was granted (and pushes
# the next one interval_us later), else the microseconds to wait.
PACE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return tat - now end
redis.call('SET', KEYS[1], math.max(tat, now) + interval,
           'PX', math.ceil(interval / 1000) + 1000)
return 0
"""

#: ACQUIRE's answer when the slot was taken.
GRANTED: Final = -2
#: ACQUIRE's answer when its member was voided first (it took nothing).
VOIDED: Final = -3

"""The Lua scripts of the task journal (see ``_journal``).

The journal is one stream (an entry per tracked task: ``task`` = its id)
read by one consumer group, and one hash per task (its record). Claiming
is the consumer group's own: ``XAUTOCLAIM`` takes entries idle for a
lease, ``XREADGROUP`` new ones. Times are Redis's (``TIME``), in
milliseconds, so deadlines hold across hosts and restarts.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ADD", "CLAIM", "DELIVERED", "RENEW", "SET_CHECKPOINT"]

# KEYS[1]: the stream, KEYS[2]: the task's hash.
# ARGV: task id, kind, meta (JSON), timeout (ms), group.
# Returns 0 if the task is tracked already, else 1.
ADD: Final = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[5], '0', 'MKSTREAM')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('XADD', KEYS[1], '*', 'task', ARGV[1])
redis.call('HSET', KEYS[2], 'task_id', ARGV[1], 'kind', ARGV[2], 'meta', ARGV[3],
           'tracked_ms', now, 'deadline_ms', now + tonumber(ARGV[4]),
           'entry', id, 'delivered', 0)
return 1
"""

# KEYS[1]: the stream. ARGV: group, consumer, min idle (ms), count, cursor,
# the hashes' key prefix. Takes entries idle for min idle (a dead worker's)
# from the cursor on, then new ones up to count; drops entries whose hash
# is gone (acknowledged meanwhile). Returns {next cursor, now (ms),
# {{entry id, {hash field, value, ...}}, ...}}.
CLAIM: Final = """
local group, consumer = ARGV[1], ARGV[2]
local count = tonumber(ARGV[4])
redis.pcall('XGROUP', 'CREATE', KEYS[1], group, '0', 'MKSTREAM')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local taken = {}
local auto = redis.call('XAUTOCLAIM', KEYS[1], group, consumer, ARGV[3], ARGV[5],
                        'COUNT', count)
for _, e in ipairs(auto[2]) do
  if e and e[2] then taken[#taken + 1] = e end
end
if #taken < count then
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer,
                       'COUNT', count - #taken, 'STREAMS', KEYS[1], '>')
  if r then
    for _, e in ipairs(r[1][2]) do taken[#taken + 1] = e end
  end
end
local out = {}
for _, e in ipairs(taken) do
  local h = redis.call('HGETALL', ARGV[6] .. e[2][2])
  if #h == 0 then
    redis.call('XACK', KEYS[1], group, e[1])
    redis.call('XDEL', KEYS[1], e[1])
  else
    out[#out + 1] = {e[1], h}
  end
end
return {auto[1], now, out}
"""

# KEYS[1]: the stream. ARGV: group, consumer, entry ids... Resets the idle
# time of each entry this consumer still holds (XCLAIM JUSTID does not
# count a delivery). Returns the ids it still holds.
RENEW: Final = """
local kept = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
"""

# KEYS[1]: the task's hash. ARGV: checkpoint. Only while it is tracked.
SET_CHECKPOINT: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'checkpoint', ARGV[1])
return 1
"""

# KEYS[1]: the task's hash. Counts an outcome handed out, while tracked.
DELIVERED: Final = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'delivered', 1)
"""

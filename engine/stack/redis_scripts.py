"""The Redis stack's Lua scripts: every state change is one atomic script.

Keys hang under a prefix (``KEYS[1]``, e.g. ``stackscribe:``): ``queue`` (sorted set, the
smallest score is taken next: ``-(priority * 1e12 + seq)``), ``processing`` (sorted set of
running tasks by lease deadline in ms), ``tasks`` (sorted set of every task by creation
time), ``done:<status>`` (sorted sets of finished tasks by completion time in ms, so counting
them reads no task record), ``task:<id>`` (hash), ``result:<id>``, ``original:<id>`` (the
engine's result once a person has edited it; written from Python), ``audio:<id>`` (list of
chunks), ``wake`` (list engines block on), ``seq`` and the pub/sub channel ``events``.
"""

from __future__ import annotations

# Helpers shared by the scripts (Lua locals; each script is this prefix plus its body).
_COMMON = r"""
local p = KEYS[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function score(key)
  local pr = tonumber(redis.call('HGET', key, 'priority')) or 0
  local seq = tonumber(redis.call('HGET', key, 'seq')) or 0
  return -(pr * 1e12 + seq)
end
local function position(id)
  local r = redis.call('ZRANK', p .. 'queue', id)
  if r then return r + 1 end
  return cjson.null
end
local function publish(id, extra)
  local key = p .. 'task:' .. id
  local f = redis.call('HMGET', key, 'status', 'progress', 'message', 'error')
  local ev = {type = 'task', task_id = id, status = f[1], progress = tonumber(f[2]) or 0,
              message = f[3] or '', queue_position = position(id)}
  if f[4] and f[4] ~= '' then ev.error = f[4] end
  if extra then for k, v in pairs(extra) do ev[k] = v end end
  redis.call('PUBLISH', p .. 'events', cjson.encode(ev))
end
local function queue_changed()
  redis.call('PUBLISH', p .. 'events',
    cjson.encode({type = 'queue', queue_size = redis.call('ZCARD', p .. 'queue')}))
end
local function wake()
  redis.call('LPUSH', p .. 'wake', '1')
  redis.call('LTRIM', p .. 'wake', 0, 63)
end
local function finish(id, status, err, code, ttl)
  local key = p .. 'task:' .. id
  redis.call('HSET', key, 'status', status, 'completed_at', now_ms() / 1000, 'lease', '',
             'error', err or '', 'error_code', code or '')
  if status == 'completed' then
    redis.call('HSET', key, 'progress', 1, 'message', 'Completed')
  elseif status == 'cancelled' then
    redis.call('HSET', key, 'message', 'Cancelled')
  else
    redis.call('HSET', key, 'message', err or 'Failed')
  end
  redis.call('ZREM', p .. 'processing', id)
  redis.call('ZREM', p .. 'queue', id)
  redis.call('ZADD', p .. 'done:' .. status, now_ms(), id)
  redis.call('DEL', p .. 'audio:' .. id)
  redis.call('EXPIRE', key, ttl)
  publish(id, {has_result = (status == 'completed')})
end
local function requeue(id, reason)
  local key = p .. 'task:' .. id
  redis.call('HSET', key, 'status', 'queued', 'progress', 0, 'lease', '', 'worker', '',
             'started_at', '', 'message', reason)
  redis.call('ZREM', p .. 'processing', id)
  redis.call('ZADD', p .. 'queue', score(key), id)
  wake()
  publish(id)
  queue_changed()
end
local function release(id, reason, max_attempts, ttl)
  local key = p .. 'task:' .. id
  if redis.call('HGET', key, 'status') ~= 'processing' then
    redis.call('ZREM', p .. 'processing', id)
    return 0
  end
  if redis.call('HGET', key, 'cancel_requested') == '1' then
    finish(id, 'cancelled', nil, nil, ttl)
  elseif (tonumber(redis.call('HGET', key, 'attempts')) or 0) >= max_attempts then
    local err = reason
    if max_attempts > 0 then
      err = reason .. '; gave up after ' .. redis.call('HGET', key, 'attempts') .. ' attempts'
    end
    finish(id, 'failed', err, 500, ttl)
  else
    requeue(id, reason .. '; queued again')
  end
  return 1
end
"""

# ARGV: id, max_size, then field/value pairs of the task hash. Returns the position, or -1.
PUSH = (
    _COMMON
    + r"""
local id = ARGV[1]
local max_size = tonumber(ARGV[2])
if max_size > 0 and redis.call('ZCARD', p .. 'queue') >= max_size then return -1 end
local key = p .. 'task:' .. id
local seq = redis.call('INCR', p .. 'seq')
for i = 3, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
redis.call('HSET', key, 'seq', seq, 'status', 'queued', 'progress', 0, 'attempts', 0,
           'cancel_requested', '0', 'lease', '', 'worker', '')
redis.call('ZADD', p .. 'queue', score(key), id)
redis.call('ZADD', p .. 'tasks', tonumber(redis.call('HGET', key, 'created_at')) * 1000, id)
wake()
publish(id)
queue_changed()
return redis.call('ZRANK', p .. 'queue', id) + 1
"""
)

# ARGV: worker, lease, lease_ms. Returns the claimed id or false.
CLAIM = (
    _COMMON
    + r"""
local ids = redis.call('ZRANGE', p .. 'queue', 0, 0)
if #ids == 0 then return false end
local id = ids[1]
local key = p .. 'task:' .. id
redis.call('ZREM', p .. 'queue', id)
local now = now_ms()
redis.call('HSET', key, 'status', 'processing', 'worker', ARGV[1], 'lease', ARGV[2],
           'started_at', now / 1000, 'message', 'Starting')
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('ZADD', p .. 'processing', now + tonumber(ARGV[3]), id)
publish(id)
queue_changed()
return id
"""
)

# ARGV: id, lease, progress, message, segment JSON or ''. Returns 1 to stop, 0 to go on,
# -1 when the lease is no longer this worker's.
REPORT = (
    _COMMON
    + r"""
local key = p .. 'task:' .. ARGV[1]
local f = redis.call('HMGET', key, 'status', 'lease', 'progress', 'cancel_requested')
if f[1] ~= 'processing' or f[2] ~= ARGV[2] then return -1 end
local progress = math.max(tonumber(f[3]) or 0, math.min(1, tonumber(ARGV[3])))
redis.call('HSET', key, 'progress', progress, 'message', ARGV[4])
local extra = nil
if ARGV[5] ~= '' then extra = {segment = cjson.decode(ARGV[5])} end
publish(ARGV[1], extra)
if f[4] == '1' then return 1 end
return 0
"""
)

# ARGV: id, lease, status, error, error_code, result JSON or '', ttl. Returns 1, or -1 for
# a stale lease.
FINISH = (
    _COMMON
    + r"""
local id = ARGV[1]
local key = p .. 'task:' .. id
local f = redis.call('HMGET', key, 'status', 'lease')
if f[1] ~= 'processing' or f[2] ~= ARGV[2] then return -1 end
local ttl = tonumber(ARGV[7])
if ARGV[6] ~= '' then redis.call('SET', p .. 'result:' .. id, ARGV[6], 'EX', ttl) end
local err = nil
if ARGV[4] ~= '' then err = ARGV[4] end
finish(id, ARGV[3], err, ARGV[5], ttl)
return 1
"""
)

# ARGV: id, lease, reason, ttl. Returns 1, or -1 for a stale lease.
REQUEUE = (
    _COMMON
    + r"""
local id = ARGV[1]
local key = p .. 'task:' .. id
local f = redis.call('HMGET', key, 'status', 'lease', 'cancel_requested')
if f[1] ~= 'processing' or f[2] ~= ARGV[2] then return -1 end
if f[3] == '1' then finish(id, 'cancelled', nil, nil, tonumber(ARGV[4])) return 1 end
requeue(id, ARGV[3])
return 1
"""
)

# ARGV: id, reason, max_attempts, ttl. Returns 1 when the task was released.
RELEASE = (
    _COMMON
    + r"""
return release(ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
"""
)

# ARGV: reason, max_attempts, ttl. Releases every task whose lease ran out; returns how many.
REAP = (
    _COMMON
    + r"""
local expired = redis.call('ZRANGEBYSCORE', p .. 'processing', '-inf', now_ms(), 'LIMIT', 0, 100)
for _, id in ipairs(expired) do release(id, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])) end
return #expired
"""
)

# ARGV: lease_ms, then id/lease pairs. Extends the leases still held; returns how many.
HEARTBEAT = (
    _COMMON
    + r"""
local held = 0
local deadline = now_ms() + tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local key = p .. 'task:' .. ARGV[i]
  if redis.call('HGET', key, 'lease') == ARGV[i + 1] and
     redis.call('HGET', key, 'status') == 'processing' then
    redis.call('ZADD', p .. 'processing', 'XX', deadline, ARGV[i])
    held = held + 1
  end
end
return held
"""
)

# ARGV: ttl. Returns the counts of queued, processing, completed, failed and cancelled tasks;
# finished ones older than ttl (their records have expired) are forgotten first.
COUNTS = (
    _COMMON
    + r"""
local cutoff = now_ms() - tonumber(ARGV[1]) * 1000
local out = {redis.call('ZCARD', p .. 'queue'), redis.call('ZCARD', p .. 'processing')}
for _, status in ipairs({'completed', 'failed', 'cancelled'}) do
  redis.call('ZREMRANGEBYSCORE', p .. 'done:' .. status, '-inf', cutoff)
  table.insert(out, redis.call('ZCARD', p .. 'done:' .. status))
end
return out
"""
)

# ARGV: id, ttl. Returns the status before the cancel, or 'missing'.
CANCEL = (
    _COMMON
    + r"""
local id = ARGV[1]
local key = p .. 'task:' .. id
local status = redis.call('HGET', key, 'status')
if not status then return 'missing' end
if status == 'queued' then
  finish(id, 'cancelled', nil, nil, tonumber(ARGV[2]))
  queue_changed()
elseif status == 'processing' and redis.call('HGET', key, 'cancel_requested') ~= '1' then
  redis.call('HSET', key, 'cancel_requested', '1', 'message', 'Cancelling')
  publish(id)
end
return status
"""
)

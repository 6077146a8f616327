/**
 * The helpers every stream script starts with (`redis-stream-lua.ts` describes the key
 * layout): reading a stream's metadata, lazy expiry, the sliding TTL, budgets charged and
 * given back, removal with fork tombstones, storing an append, and fork-chain lookups.
 * Numbers written to Redis go through `fmt` so Lua never sends `1e+15` or `-0`.
 */
export const PRELUDE = `
local P = ARGV[1]
local T = redis.call('TIME')
local NOW = tonumber(T[1]) * 1000 + math.floor(tonumber(T[2]) / 1000)
local function fmt(n) return string.format('%d', n) end
local function num(v) return tonumber(v) or 0 end
local function ikey(id) return P .. 'i:' .. id end
local function fields(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local function get(id)
  if id == nil or id == false or id == '' then return nil end
  local raw = redis.call('HGETALL', ikey(id))
  if #raw == 0 then return nil end
  local m = fields(raw)
  m.id = id
  return m
end
local function has(v) return v ~= nil and v ~= false and v ~= '' end
local function corrupt(m)
  return m.path == nil or m.tail == nil or tonumber(m.tail) == nil or m.mt == nil
end
local function publish(m) redis.call('PUBLISH', P .. 'wake', m.path) end
local function charge(m, bytes)
  if not has(m.acct) or bytes == 0 then return end
  m.cost = fmt(num(m.cost) + bytes)
  redis.call('HINCRBY', ikey(m.id), 'cost', fmt(bytes))
  redis.call('HINCRBY', P .. 'a:' .. m.acct, 'bytes', fmt(bytes))
end
local function discard(m)
  if not has(m.acct) then return end
  local akey = P .. 'a:' .. m.acct
  redis.call('HINCRBY', akey, 'bytes', fmt(-num(m.cost)))
  if redis.call('HINCRBY', akey, 'streams', -1) <= 0 then redis.call('DEL', akey) end
end
local function purge(m)
  if redis.call('GET', P .. 'p:' .. m.path) == m.id then redis.call('DEL', P .. 'p:' .. m.path) end
  discard(m)
  redis.call('DEL', ikey(m.id), P .. 'd:' .. m.id, P .. 'r:' .. m.id)
  redis.call('ZREM', P .. 'x', m.id)
end
local function release(parent)
  local current = parent
  while has(current) do
    local m = get(current)
    if m == nil then return end
    local forks = redis.call('HINCRBY', ikey(current), 'forks', -1)
    if forks > 0 or m.deleted ~= '1' then return end
    purge(m)
    current = m.parent
  end
end
local function remove(m)
  redis.call('ZREM', P .. 'x', m.id)
  local freed = num(m.lseqCost) + num(m.pcost)
  redis.call('DEL', P .. 'r:' .. m.id)
  redis.call('HSET', ikey(m.id), 'deleted', '1', 'lseqCost', '0', 'pcost', '0')
  redis.call('HDEL', ikey(m.id), 'lseq')
  m.deleted = '1'
  if num(m.forks) > 0 then
    -- Forks never read past their fork points: drop the appends that start beyond.
    local keep = num(m.reach)
    local dkey = P .. 'd:' .. m.id
    local entries = redis.call('XRANGE', dkey, fmt(keep + 1) .. '-0', '+')
    for _, entry in ipairs(entries) do
      local f = fields(entry[2])
      if num(f.s) >= keep then
        freed = freed + num(f.c)
        redis.call('XDEL', dkey, entry[1])
      end
    end
    local last = redis.call('XREVRANGE', dkey, '+', '-', 'COUNT', 1)
    local tail = num(m.base)
    if #last > 0 then tail = tonumber(string.match(last[1][1], '^(%d+)')) end
    redis.call('HSET', ikey(m.id), 'tail', fmt(tail))
    charge(m, -freed)
    publish(m)
    return
  end
  purge(m)
  publish(m)
  release(m.parent)
end
local function lookup(path)
  local id = redis.call('GET', P .. 'p:' .. path)
  if not id then return nil end
  local m = get(id)
  if m == nil then return nil end
  if m.deleted ~= '1' and has(m.expAt) and num(m.expAt) <= NOW then
    remove(m)
    return get(redis.call('GET', P .. 'p:' .. path))
  end
  return m
end
local function touch(m)
  if not has(m.ttl) and not has(m.exp) then return end
  local at = math.huge
  if has(m.exp) then at = num(m.exp) end
  if has(m.ttl) then at = math.min(at, NOW + math.floor(num(m.ttl) * 1000)) end
  m.expAt = fmt(at)
  redis.call('HSET', ikey(m.id), 'expAt', m.expAt)
  redis.call('ZADD', P .. 'x', m.expAt, m.id)
end
local function info(m)
  return { m.ct or '', num(m.tail), m.closed == '1' and 1 or 0, m.ttl or '', m.exp or '', m.created or '0' }
end
-- Resolves a path to a live stream, or answers the error to return.
local function live(path)
  local m = lookup(path)
  if m == nil then return nil, { 'NOT_FOUND', 'The stream does not exist' } end
  if corrupt(m) then return nil, { 'CORRUPT', 'The stream metadata is unreadable' } end
  if m.deleted == '1' then return nil, { 'GONE', 'The stream was deleted' } end
  return m, nil
end
-- Stores one append: JSON messages one entry each, a byte append as one entry.
local function push(m, data, ends, cost)
  local dkey = P .. 'd:' .. m.id
  local tail = num(m.tail)
  if m.json == '1' then
    local count = #ends
    local start = 0
    for i = 1, count do
      local entry = { 'd', string.sub(data, start + 1, ends[i]), 's', fmt(tail), 'a', fmt(tail + count) }
      if i == count then entry[7] = 'c'; entry[8] = fmt(cost) end
      redis.call('XADD', dkey, fmt(tail + i) .. '-0', unpack(entry))
      start = ends[i]
    end
    tail = tail + count
  elseif #data > 0 then
    redis.call('XADD', dkey, fmt(tail + #data) .. '-0', 'd', data, 's', fmt(tail), 'a', fmt(tail + #data), 'c', fmt(cost))
    tail = tail + #data
  end
  m.tail = fmt(tail)
  redis.call('HSET', ikey(m.id), 'tail', m.tail)
end
local function parseEnds(text)
  local ends = {}
  for n in string.gmatch(text, '%d+') do ends[#ends + 1] = tonumber(n) end
  return ends
end
-- Byte order, whatever the server's collation locale.
local function before(a, b)
  local length = math.min(#a, #b)
  for i = 1, length do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function findAppendEnd(m, position)
  local current = m
  local limit = math.huge
  while has(current.parent) and position < num(current.base) do
    limit = math.min(limit, num(current.base))
    current = get(current.parent)
    if current == nil then return nil end
  end
  local r = redis.call('XRANGE', P .. 'd:' .. current.id, fmt(position + 1) .. '-0', '+', 'COUNT', 1)
  if #r == 0 then return nil end
  return math.min(num(fields(r[1][2]).a), limit)
end
`;

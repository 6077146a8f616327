/**
 * The Lua scripts of the Redis stream store. Every store call is one script, so each is
 * one round trip and atomic: producer and `Stream-Seq` checks, budgets, closure, forks
 * and expiry are decided inside Redis, and any gateway node may serve any stream.
 *
 * Key layout under the store's prefix `P` (a stream's data is addressed by an internal
 * id, so a path can be re-created while a deleted stream's forks still hold its data):
 * - `P p:<path>`   the id of the stream at a path (a tombstone keeps it);
 * - `P i:<id>`     hash: the stream's metadata (content type, tail, closure, expiry,
 *                  fork origin, fork count and reach, account and cost, `Stream-Seq`,
 *                  `atok` the last append's token);
 * - `P d:<id>`     Redis Stream of the stream's own data. An entry's id is `<end>-0`,
 *                  the position after it, so the offset token is the entry id's first
 *                  part formatted by `@sluice/protocol`; fields `d` data, `s` and `a`
 *                  the start and end of the append it belongs to, `c` what the append
 *                  costs (on the append's last entry). Byte streams keep one entry per
 *                  append, JSON streams one entry per message;
 * - `P r:<id>`     hash: idempotent producers, `<producer id>` → `<epoch>:<seq>`;
 * - `P a:<account>` hash: the account's `streams` and `bytes`;
 * - `P x`          sorted set of streams with an expiry, by expiry time (ms);
 * - `P seq`        the id counter; channel `P wake` carries the path of every change.
 *
 * Scripts touch keys they compute from the prefix (fork chains), so the store needs a
 * single Redis (or a cluster hash-tagged on the prefix), not a spread cluster.
 * Every script gets the prefix as ARGV[1] and answers an array whose first element is
 * a status word: `OK`, or an error word the store maps to its `StoreError`.
 */
import { PRELUDE } from './redis-stream-lua-prelude.ts';

/** ARGV: prefix, path, contentType media ('' none), contentType, ttl, exp, closed, isFork,
 * source, forkOffset ('' none, '=' + offset), forkPosition ('now' tail, 'bad', n), subOffset,
 * account ('' none), maxStreams, maxBytes, cost as JSON, cost as bytes, data, ends. */
const CREATE = `${PRELUDE}
local path, media, contentType, ttl, exp, closed = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local isFork, sourcePath, forkOffset, forkPosition, sub = ARGV[8] == '1', ARGV[9], ARGV[10], ARGV[11], num(ARGV[12])
local account, maxStreams, maxBytes = ARGV[13], num(ARGV[14]), num(ARGV[15])
local existing = lookup(path)
if existing ~= nil then
  if corrupt(existing) then return { 'CORRUPT', 'The stream metadata is unreadable' } end
  if existing.deleted == '1' then
    return { 'CONFLICT', 'The stream was deleted and its data is still held by forks' }
  end
  local same = true
  if isFork or existing.fork == '1' then
    if not isFork or existing.fork ~= '1' or existing.fsrc ~= sourcePath
      or (existing.foff or '') ~= forkOffset or num(existing.fsub) ~= sub then same = false end
  end
  local wanted = media
  if wanted == '' and not isFork then wanted = 'application/octet-stream' end
  if wanted ~= '' and wanted ~= existing.mt then same = false end
  if not (isFork and ttl == '' and exp == '') then
    if ttl ~= (existing.ttl or '') or exp ~= (existing.exp or '') then same = false end
  end
  if (closed == '1') ~= (existing.closed == '1') then same = false end
  if not same then return { 'CONFLICT', 'The stream exists with a different configuration' } end
  local answer = info(existing)
  table.insert(answer, 1, 'EXISTS')
  return answer
end
local source = nil
if isFork then
  source = lookup(sourcePath)
  if source == nil then return { 'NOT_FOUND', 'The fork source does not exist' } end
  if corrupt(source) then return { 'CORRUPT', 'The fork source metadata is unreadable' } end
  if source.deleted == '1' then return { 'CONFLICT', 'The fork source was deleted' } end
end
local mt = media
if mt == '' then
  if source ~= nil then mt = source.mt; contentType = source.ct else mt = 'application/octet-stream'; contentType = mt end
end
if source ~= nil and source.mt ~= mt then
  return { 'CONFLICT', 'A fork must have the content type of its source' }
end
if source ~= nil and ttl == '' and exp == '' then
  ttl = source.ttl or ''
  exp = source.exp or ''
end
local base = 0
if source ~= nil then
  if forkPosition == '' or forkPosition == 'now' then base = num(source.tail)
  elseif forkPosition == 'bad' then return { 'INVALID_OFFSET', 'The offset is malformed' }
  else
    base = num(forkPosition)
    if base > num(source.tail) then return { 'INVALID_OFFSET', 'The offset is beyond the tail' } end
  end
  if sub > 0 then
    local appendEnd = findAppendEnd(source, base)
    if appendEnd == nil or base + sub > appendEnd then
      return { 'INVALID_OFFSET', 'The fork sub-offset is beyond the append at the fork offset' }
    end
    base = base + sub
  end
end
local json = mt == 'application/json'
local ends = parseEnds(ARGV[19])
local data = ARGV[18]
local count = #ends
local cost = 0
if count > 0 then if json then cost = num(ARGV[16]) else cost = num(ARGV[17]) end end
if account ~= '' then
  local akey = P .. 'a:' .. account
  local usage = fields(redis.call('HGETALL', akey))
  if num(usage.streams) + 1 > maxStreams then return { 'COUNT_EXCEEDED', fmt(maxStreams) } end
  if num(usage.bytes) + cost > maxBytes then return { 'BYTES_EXCEEDED', fmt(maxBytes) } end
  redis.call('HINCRBY', akey, 'streams', 1)
end
local id = fmt(redis.call('INCR', P .. 'seq'))
local m = {
  id = id, path = path, ct = contentType, mt = mt, json = json and '1' or '0', created = fmt(NOW),
  ttl = ttl, exp = exp, closed = closed == '1' and '1' or '0', deleted = '0', tail = fmt(base),
  base = fmt(base), parent = source and source.id or '', fork = isFork and '1' or '0',
  fsrc = sourcePath, fsub = fmt(sub), forks = '0', reach = '0', acct = account, cost = '0',
}
local flat = {}
for k, v in pairs(m) do if k ~= 'id' then flat[#flat + 1] = k; flat[#flat + 1] = v end end
if forkOffset ~= '' then flat[#flat + 1] = 'foff'; flat[#flat + 1] = forkOffset end
redis.call('HSET', ikey(id), unpack(flat))
if count > 0 then
  push(m, data, ends, cost)
  charge(m, cost)
end
if source ~= nil then
  redis.call('HINCRBY', ikey(source.id), 'forks', 1)
  if base > num(source.reach) then redis.call('HSET', ikey(source.id), 'reach', fmt(base)) end
end
redis.call('SET', P .. 'p:' .. path, id)
touch(m)
local answer = info(m)
table.insert(answer, 1, 'CREATED')
return answer
`;

/** ARGV: prefix, path, hasProducer, producer id, epoch, seq, close, contentType media ('' none),
 * hasStreamSeq, streamSeq, hasBudget, maxBytes, cost as JSON, cost as bytes, streamSeq cost,
 * producer id cost, data, ends, append token ('' none).
 *
 * The append token is unique per store call: when a connection drops after Redis ran an
 * append but before its answer arrived, ioredis sends the same call again on reconnect, and
 * the token (the stream's last one is kept in its `atok` field) makes that resend a DUPLICATE
 * instead of the same events twice. */
const APPEND = `${PRELUDE}
local m, failure = live(ARGV[2])
if failure then return failure end
touch(m)
local token = ARGV[19] or ''
if token ~= '' and m.atok == token then
  return { 'DUPLICATE', num(m.tail), m.closed == '1' and 1 or 0, '', '' }
end
local hasProducer, producerId, epoch, seq = ARGV[3] == '1', ARGV[4], num(ARGV[5]), num(ARGV[6])
local rkey = P .. 'r:' .. m.id
local state = false
if hasProducer then
  state = redis.call('HGET', rkey, producerId)
  if state then
    local currentEpoch, lastSeq = string.match(state, '^(%d+):(%-?%d+)$')
    currentEpoch, lastSeq = tonumber(currentEpoch), tonumber(lastSeq)
    if currentEpoch == nil then return { 'CORRUPT', 'The producer state is unreadable' } end
    if epoch < currentEpoch then return { 'EPOCH_STALE', fmt(currentEpoch) } end
    if epoch == currentEpoch then
      if seq <= lastSeq then
        return { 'DUPLICATE', num(m.tail), m.closed == '1' and 1 or 0, fmt(currentEpoch), fmt(lastSeq) }
      end
      if seq ~= lastSeq + 1 then return { 'SEQUENCE_GAP', fmt(seq), fmt(lastSeq + 1) } end
    elseif seq ~= 0 then
      return { 'SEQUENCE_GAP', fmt(seq), '' }
    end
  elseif seq ~= 0 then
    return { 'SEQUENCE_GAP', fmt(seq), '0' }
  end
end
if m.closed == '1' then return { 'CLOSED', num(m.tail) } end
local ends = parseEnds(ARGV[18])
local count = #ends
local media = ARGV[8]
if media ~= '' and count > 0 and media ~= m.mt then
  return { 'CONTENT_TYPE_MISMATCH', 'The content type does not match the stream' }
end
local hasSeq, streamSeq = ARGV[9] == '1', ARGV[10]
if hasSeq and m.lseq ~= nil and not before(m.lseq, streamSeq) then
  return { 'SEQ_CONFLICT', 'Stream-Seq must increase' }
end
local json = m.json == '1'
local dataCost = 0
if count > 0 then if json then dataCost = num(ARGV[13]) else dataCost = num(ARGV[14]) end end
local cost = 0
if has(m.acct) then
  cost = dataCost
  if hasSeq then cost = cost + num(ARGV[15]) - num(m.lseqCost) end
  if hasProducer and not state then cost = cost + num(ARGV[16]) end
  if count > 0 and ARGV[11] == '1' then
    local bytes = num(redis.call('HGET', P .. 'a:' .. m.acct, 'bytes'))
    if bytes + cost > num(ARGV[12]) then return { 'BYTES_EXCEEDED', ARGV[12] } end
  end
end
local oldTail = num(m.tail)
if count > 0 then push(m, ARGV[17], ends, dataCost) end
charge(m, cost)
if hasSeq then redis.call('HSET', ikey(m.id), 'lseq', streamSeq, 'lseqCost', ARGV[15]) end
if hasProducer then
  redis.call('HSET', rkey, producerId, fmt(epoch) .. ':' .. fmt(seq))
  if not state then redis.call('HINCRBY', ikey(m.id), 'pcost', fmt(num(ARGV[16]))) end
end
local close = ARGV[7] == '1'
if close then
  redis.call('HSET', ikey(m.id), 'closed', '1')
  m.closed = '1'
end
if token ~= '' then redis.call('HSET', ikey(m.id), 'atok', token) end
if num(m.tail) ~= oldTail or close then publish(m) end
return { 'OK', oldTail, num(m.tail), m.closed == '1' and 1 or 0, json and 1 or 0 }
`;

/** ARGV: prefix, path, position ('now', 'bad' or a number), maxMessages, maxBytes. */
const READ = `${PRELUDE}
local m, failure = live(ARGV[2])
if failure then return failure end
touch(m)
local tail = num(m.tail)
local position
if ARGV[3] == 'now' then position = tail
elseif ARGV[3] == 'bad' then return { 'INVALID_OFFSET', 'The offset is malformed' }
else
  position = num(ARGV[3])
  if position > tail then return { 'INVALID_OFFSET', 'The offset is beyond the tail' } end
end
local maxMessages, maxBytes = num(ARGV[4]), num(ARGV[5])
local out = { 'OK', tail, m.closed == '1' and 1 or 0, 0 }
local taken, count = 0, 0
-- Takes messages of one stream's own data from 'from' up to 'to'; returns the next position.
local function collectOwn(s, from, to)
  if from >= to then return from end
  local json = s.json == '1'
  local next = from
  local entries = redis.call('XRANGE', P .. 'd:' .. s.id, fmt(from + 1) .. '-0', '+', 'COUNT', maxMessages - count)
  for _, entry in ipairs(entries) do
    if count >= maxMessages then break end
    local stop = tonumber(string.match(entry[1], '^(%d+)'))
    local f = fields(entry[2])
    local d = f.d or ''
    if json then
      if stop > to then break end
      if count > 0 and taken + #d > maxBytes then break end
      taken = taken + #d
      next = stop
    else
      if next >= to or taken >= maxBytes then break end
      local skip = next - num(f.s)
      local take = math.min(math.min(stop, to) - next, maxBytes - taken)
      if skip ~= 0 or take ~= #d then d = string.sub(d, skip + 1, skip + take) end
      next = next + take
      taken = taken + take
    end
    count = count + 1
    out[#out + 1] = next
    out[#out + 1] = d
    if not json and next < math.min(stop, to) then break end
  end
  return next
end
-- A fork read before its fork point starts up the chain, where the position's data is.
local chain, limits = {}, {}
local current, limit = m, tail
while true do
  chain[#chain + 1] = current
  limits[#limits + 1] = limit
  if not has(current.parent) or position >= num(current.base) then break end
  limit = math.min(limit, num(current.base))
  current = get(current.parent)
  if current == nil then return { 'CORRUPT', 'A fork source is missing' } end
end
local next = position
for level = #chain, 1, -1 do
  next = collectOwn(chain[level], next, limits[level])
  if next < limits[level] then break end
end
out[4] = next
return out
`;

/** ARGV: prefix, path. */
const HEAD = `${PRELUDE}
local m = lookup(ARGV[2])
if m == nil then return { 'NONE' } end
if corrupt(m) then return { 'CORRUPT', 'The stream metadata is unreadable' } end
if m.deleted == '1' then return { 'GONE', 'The stream was deleted' } end
local answer = info(m)
table.insert(answer, 1, 'OK')
return answer
`;

/** ARGV: prefix, path. */
const CLOSE = `${PRELUDE}
local m, failure = live(ARGV[2])
if failure then return failure end
touch(m)
if m.closed ~= '1' then
  m.closed = '1'
  redis.call('HSET', ikey(m.id), 'closed', '1')
  publish(m)
end
local answer = info(m)
table.insert(answer, 1, 'OK')
return answer
`;

/** ARGV: prefix, path. */
const DELETE = `${PRELUDE}
local m = lookup(ARGV[2])
if m == nil then return { 'NONE' } end
if corrupt(m) then return { 'CORRUPT', 'The stream metadata is unreadable' } end
if m.deleted == '1' then return { 'GONE', 'The stream was deleted' } end
remove(m)
return { 'OK' }
`;

/** ARGV: prefix, most streams to expire in one call. */
const SWEEP = `${PRELUDE}
local due = redis.call('ZRANGEBYSCORE', P .. 'x', '-inf', fmt(NOW), 'LIMIT', 0, num(ARGV[2]))
local removed = 0
for _, id in ipairs(due) do
  local m = get(id)
  if m == nil or corrupt(m) then
    redis.call('ZREM', P .. 'x', id)
  elseif m.deleted ~= '1' and has(m.expAt) and num(m.expAt) <= NOW then
    remove(m)
    removed = removed + 1
  else
    redis.call('ZREM', P .. 'x', id)
  end
end
return { 'OK', removed }
`;

export const STREAM_SCRIPTS = {
  sluiceStreamCreate: CREATE,
  sluiceStreamAppend: APPEND,
  sluiceStreamRead: READ,
  sluiceStreamHead: HEAD,
  sluiceStreamClose: CLOSE,
  sluiceStreamDelete: DELETE,
  sluiceStreamSweep: SWEEP,
} as const;

export type StreamScriptName = keyof typeof STREAM_SCRIPTS;

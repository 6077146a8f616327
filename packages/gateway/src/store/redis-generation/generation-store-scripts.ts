/**
 * The Lua scripts of `RedisGenerationStore`. A record is a hash with one field per record
 * property, each value JSON-encoded, so a patch sets and deletes fields without Lua ever
 * parsing a record, and the status compare-and-set compares two JSON strings. Each script
 * runs atomically: no other writer sees a half-created record or interleaves between the
 * status check and the write.
 */
import { LuaScript } from './lua-script.ts';

/**
 * KEYS[1] record hash, KEYS[2..] index sorted sets (session, end user).
 * ARGV[1] TTL in ms, ARGV[2] index score (createdAt in ms), ARGV[3] id, ARGV[4..] field,
 * value pairs. Returns 0 when the id is taken, 1 when created.
 */
export const createRecordScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
for index = 2, #KEYS do
  redis.call('ZADD', KEYS[index], ARGV[2], ARGV[3])
  -- An index lives as long as its newest record.
  if redis.call('PTTL', KEYS[index]) < tonumber(ARGV[1]) then
    redis.call('PEXPIRE', KEYS[index], ARGV[1])
  end
end
return 1
`);

/**
 * KEYS[1] record hash. ARGV[1] the required status as JSON ('' for none), ARGV[2] the
 * events channel, ARGV[3] the origin (the writing store instance), ARGV[4] the required
 * producer epoch as JSON ('' for none), ARGV[5] the number of fields set, then that many
 * field, value pairs, then the fields to delete.
 * Returns the updated record as a flat field, value list, or false when nothing changed.
 * The update event is published from inside the script, so every node sees a record's
 * updates in the order they were applied.
 */
export const updateRecordScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return false end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'producerEpoch') ~= ARGV[4] then return false end
local setCount = tonumber(ARGV[5])
if setCount > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + setCount * 2)) end
if #ARGV > 5 + setCount * 2 then redis.call('HDEL', KEYS[1], unpack(ARGV, 6 + setCount * 2)) end
local fields = redis.call('HGETALL', KEYS[1])
local parts = {}
for index = 1, #fields, 2 do
  parts[#parts + 1] = cjson.encode(fields[index]) .. ':' .. fields[index + 1]
end
redis.call('PUBLISH', ARGV[2], '{"origin":' .. cjson.encode(ARGV[3]) ..
  ',"event":{"type":"updated","record":{' .. table.concat(parts, ',') .. '}}}')
return fields
`);

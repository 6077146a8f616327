/**
 * `ProducerLeases` over Redis. A lease is a string `<epoch>:<nodeId>` with a PX expiry, so
 * Redis itself ends the lease of a node that died or was cut off; the last epoch of a
 * generation is kept beside it, and a new epoch is the larger of that plus one and the
 * Redis clock in ms — so epochs keep growing even when that key expired or a Redis without
 * persistence restarted. Every change is one Lua script; `leaseFenceLua` lets another
 * store's script (the stream append) refuse a write from a stale epoch in the same step.
 */
import type { Redis } from 'ioredis';
import { type GenerationKeys, generationKeys } from './generation-keys.ts';
import { LuaScript } from './lua-script.ts';
import type { ProducerLease, ProducerLeases } from './producer-lease.ts';
import { type ConnectionOptions, closeRedis, connectRedis } from './redis-connection.ts';

export interface RedisProducerLeasesOptions {
  /** `redis://…` URL; never logged (it may hold a password). */
  url: string;
  /** The same prefix as the generation store's (default `sluice:`). */
  keyPrefix?: string;
  /** How long a generation's last epoch is kept. Default 24 h. */
  epochTtlSeconds?: number;
  redis?: ConnectionOptions;
}

/** The error a fenced script answers with: a producer whose lease moved on. */
export const FENCED_ERROR_PREFIX = 'SLUICE_FENCED';

/**
 * Lua to put first in a script that writes for a producer: it aborts the script with
 * `SLUICE_FENCED` unless `KEYS[keyIndex]` (the lease key, `generationKeys().lease(id)`)
 * is held by epoch `ARGV[argIndex]`. Redis runs a script alone, so the check and the
 * write cannot be separated by an expiry or a claim.
 */
export function leaseFenceLua(keyIndex: number, argIndex: number): string {
  return `
do
  local lease = redis.call('GET', KEYS[${keyIndex}])
  if not lease or string.match(lease, '^(%d+):') ~= ARGV[${argIndex}] then
    return redis.error_reply('${FENCED_ERROR_PREFIX} the producer lease is held by another epoch')
  end
end
`;
}

/** Whether a script failed because its producer was fenced off. */
export function isFencedError(error: unknown): boolean {
  return String((error as { message?: unknown })?.message ?? '').startsWith(FENCED_ERROR_PREFIX);
}

/** Lua: `now`, the Redis clock in ms (every node's deadlines use the same clock). */
const NOW_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

// KEYS[1] lease, KEYS[2] last epoch, KEYS[3] unreleased leases; ARGV[1] node id,
// ARGV[2] lease TTL ms, ARGV[3] epoch TTL ms, ARGV[4] generation id.
const acquireScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
${NOW_LUA}
local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local epoch = string.format('%.0f', math.max(last + 1, now))
redis.call('SET', KEYS[2], epoch, 'PX', ARGV[3])
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[4])
return epoch
`);

// KEYS[1] lease, KEYS[2] unreleased leases; ARGV[1] epoch, ARGV[2] lease TTL ms, ARGV[3] id.
const renewScript = new LuaScript(`${leaseFenceLua(1, 1)}
${NOW_LUA}
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[2]), ARGV[3])
return 1
`);

// KEYS[1] unreleased leases, KEYS[2..] lease keys; ARGV[1] lease TTL ms, then per lease key
// its generation id and epoch. Returns the ids whose epoch lost the lease.
const renewManyScript = new LuaScript(`
${NOW_LUA}
local ttl = tonumber(ARGV[1])
local lost = {}
for index = 2, #KEYS do
  local id, epoch = ARGV[index * 2 - 2], ARGV[index * 2 - 1]
  local lease = redis.call('GET', KEYS[index])
  if lease and string.match(lease, '^(%d+):') == epoch then
    redis.call('PEXPIRE', KEYS[index], ttl)
    redis.call('ZADD', KEYS[1], 'XX', now + ttl, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
`);

// KEYS[1] lease, KEYS[2] unreleased leases; ARGV[1] epoch, ARGV[2] id.
const releaseScript = new LuaScript(`${leaseFenceLua(1, 1)}
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`);

// KEYS[1] lease, KEYS[2] unreleased leases; ARGV[1] epoch, ARGV[2] id.
const expireScript = new LuaScript(`${leaseFenceLua(1, 1)}
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
`);

// KEYS[1] unreleased leases; ARGV[1] limit. Ids whose deadline passed.
const expiredScript = new LuaScript(`
${NOW_LUA}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
`);

const DEFAULT_EPOCH_TTL_SECONDS = 86_400;

export class RedisProducerLeases implements ProducerLeases {
  readonly specificationVersion = 'sluice-producer-lease-v1';
  readonly #client: Redis;
  readonly #keys: GenerationKeys;
  readonly #epochTtlMs: number;

  /** Connects first; rejects with `RedisUnavailableError` when Redis cannot be reached. */
  static async open(options: RedisProducerLeasesOptions): Promise<RedisProducerLeases> {
    const client = await connectRedis(options.url, options.redis ?? {}, 'producer leases');
    return new RedisProducerLeases(client, options);
  }

  private constructor(client: Redis, options: RedisProducerLeasesOptions) {
    this.#keys = generationKeys(options.keyPrefix ?? 'sluice:');
    this.#epochTtlMs = (options.epochTtlSeconds ?? DEFAULT_EPOCH_TTL_SECONDS) * 1000;
    this.#client = client;
  }

  async acquire(
    generationId: string,
    nodeId: string,
    ttlMs: number,
  ): Promise<ProducerLease | undefined> {
    const epoch = await acquireScript.run(
      this.#client,
      [this.#keys.lease(generationId), this.#keys.leaseEpoch(generationId), this.#keys.leases],
      [nodeId, Math.ceil(ttlMs), Math.max(this.#epochTtlMs, Math.ceil(ttlMs)), generationId],
    );
    return typeof epoch === 'string' ? { generationId, nodeId, epoch: Number(epoch) } : undefined;
  }

  renew(generationId: string, epoch: number, ttlMs: number): Promise<boolean> {
    return this.#fenced(renewScript, generationId, [String(epoch), Math.ceil(ttlMs), generationId]);
  }

  async renewMany(
    leases: ReadonlyArray<{ generationId: string; epoch: number }>,
    ttlMs: number,
  ): Promise<string[]> {
    if (leases.length === 0) return [];
    const keys = [this.#keys.leases];
    const args: Array<string | number> = [Math.ceil(ttlMs)];
    for (const { generationId, epoch } of leases) {
      keys.push(this.#keys.lease(generationId));
      args.push(generationId, String(epoch));
    }
    const lost = await renewManyScript.run(this.#client, keys, args);
    return Array.isArray(lost) ? lost.map(String) : [];
  }

  release(generationId: string, epoch: number): Promise<boolean> {
    return this.#fenced(releaseScript, generationId, [String(epoch), generationId]);
  }

  expire(generationId: string, epoch: number): Promise<boolean> {
    return this.#fenced(expireScript, generationId, [String(epoch), generationId]);
  }

  async expired(limit: number): Promise<string[]> {
    const ids = await expiredScript.run(this.#client, [this.#keys.leases], [limit]);
    return Array.isArray(ids) ? ids.map(String) : [];
  }

  async isCurrent(generationId: string, epoch: number): Promise<boolean> {
    return (await this.holder(generationId))?.epoch === epoch;
  }

  async holder(generationId: string): Promise<ProducerLease | undefined> {
    const value = await this.#client.get(this.#keys.lease(generationId));
    const match = value === null ? null : /^(\d+):(.*)$/s.exec(value);
    if (!match) return undefined;
    return { generationId, nodeId: match[2] as string, epoch: Number(match[1]) };
  }

  async dispose(): Promise<void> {
    await closeRedis(this.#client);
  }

  async #fenced(script: LuaScript, generationId: string, args: string[] | Array<string | number>) {
    try {
      await script.run(this.#client, [this.#keys.lease(generationId), this.#keys.leases], args);
      return true;
    } catch (error) {
      if (isFencedError(error)) return false;
      throw error;
    }
  }
}

/**
 * A Lua script run by its SHA (`EVALSHA`), loaded on first use and again whenever Redis
 * forgot it (a restart, `SCRIPT FLUSH`): the scripts of the Redis stores travel once, not
 * with every call.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * `sluice serve --workers N|auto`: reads the flag, and says why a config cannot be served
 * by several worker processes. Workers share nothing in memory, so every piece of state
 * a request on another worker may need has to be in shared backends.
 */
import { availableParallelism } from 'node:os';
import type { SluiceConfig } from '../config/config-schema.ts';

/**
 * Set by the primary to a worker's slot (1..N, kept when a worker is replaced). A process
 * is a Sluice worker only with it: under another cluster manager (pm2) `sluice serve`
 * stays a plain single process.
 */
export const WORKER_SLOT_ENV = 'SLUICE_WORKER_SLOT';

/** More processes than this on one machine is a typo, not a deployment. */
export const MAX_WORKERS = 128;

export type WorkerCount = { count: number; auto: boolean } | { error: string };

/** `undefined` (no flag) is one process, as without `--workers`. */
export function parseWorkerCount(value: string | undefined): WorkerCount {
  if (value === undefined) return { count: 1, auto: false };
  if (value === 'auto') return { count: Math.min(availableParallelism(), MAX_WORKERS), auto: true };
  const count = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_WORKERS) {
    return {
      error: `--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU); got "${value}"`,
    };
  }
  return { count, auto: false };
}

/**
 * Why `config` cannot run as several workers, or `undefined` when it can. Asked whenever
 * workers were requested (`auto` too, even where it comes to one CPU, so a config never
 * works on one machine and fails on a larger one).
 */
export function workersRefusal(config: SluiceConfig, flag: string): string | undefined {
  if (config.store.kind !== 'redis') {
    return (
      `sluice serve --workers ${flag} needs the Redis store (store.kind: redis); this config uses the ${config.store.kind} store.\n` +
      'With an in-memory store each worker process would keep its own streams and generation records, ' +
      'so a resume, a read or a cancel that lands on another worker would get 404.\n' +
      'Set `store: { kind: redis, url: redis://HOST:6379 }` (or `urlEnv`) in the config, ' +
      'or run one process (--workers 1). See docs/deployment.md.'
    );
  }
  if (config.governance.kind === 'sqlite' && config.dataDir === ':memory:') {
    return (
      `sluice serve --workers ${flag} cannot use an in-memory governance database (dataDir: ':memory:'): ` +
      'each worker would have its own API keys, policies and audit log.\n' +
      'Set dataDir to a directory (the workers share its SQLite file) or governance.kind: postgres.'
    );
  }
  return undefined;
}

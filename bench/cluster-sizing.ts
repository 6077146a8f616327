/**
 * `node bench/cluster-sizing.ts`: what a generation costs the shared backends, for sizing
 * a cluster (docs/deployment.md, "Sizing"). Runs a gateway as `sluice serve` on the
 * loopback Redis (a fresh key prefix) and a fresh PostgreSQL database, drives N simulator
 * generations of T tokens each, one every I ms (C at a time, each read to its end over SSE
 * by one client),
 * and reports from the servers' own counters:
 *
 * - Redis: memory held per finished generation (its log and record, until their TTL),
 *   commands per token and per generation (`INFO commandstats`), and the key count;
 * - PostgreSQL: transactions and rows written per generation (`pg_stat_database`,
 *   `pg_stat_user_tables`), i.e. the audit log's cost.
 *
 * Usage: node bench/cluster-sizing.ts [--generations 200] [--tokens 200] [--concurrency 20] [--interval 10]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { generateAuditKeyText } from '../packages/gateway/src/governance/audit/audit-keyring.ts';
import { createPgTestDatabase } from '../packages/gateway/src/governance/postgres/pg-test-database.ts';
import { freePort, waitForHttp } from './child-processes.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.SLUICE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const { values } = parseArgs({
  options: {
    generations: { type: 'string', default: '200' },
    tokens: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    interval: { type: 'string', default: '10' },
  },
});
const generations = Number(values.generations);
const tokens = Number(values.tokens);
const concurrency = Number(values.concurrency);
const intervalMs = Number(values.interval);

async function commandCalls(redis: Redis): Promise<number> {
  let calls = 0;
  for (const count of (await callsByCommand(redis)).values()) calls += count;
  return calls;
}

async function callsByCommand(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function pgCounters(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const database = await client.query<{ xact_commit: string }>(
      'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
    );
    const tables = await client.query<{ ins: string; upd: string; del: string }>(
      `SELECT coalesce(sum(n_tup_ins), 0) AS ins, coalesce(sum(n_tup_upd), 0) AS upd,
              coalesce(sum(n_tup_del), 0) AS del FROM pg_stat_user_tables`,
    );
    const row = tables.rows[0];
    return {
      commits: Number(database.rows[0]?.xact_commit ?? 0),
      rows: Number(row?.ins ?? 0) + Number(row?.upd ?? 0) + Number(row?.del ?? 0),
      inserted: Number(row?.ins ?? 0),
    };
  } finally {
    await client.end();
  }
}

/**
 * Statistics reach pg_stat_* asynchronously: an idle backend reports its pending counts
 * within 10 s (PostgreSQL 15's idle flush interval), so wait that long before reading.
 */
async function flushPgStats(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 11_000));
}

async function runGeneration(origin: string): Promise<number> {
  const response = await fetch(`${origin}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'size me' }],
      maxTokens: tokens,
      simulator: { ttftMs: 0, tokenIntervalMs: intervalMs },
    }),
  });
  const body = await response.text();
  return (body.match(/^event: text-delta$/gm) ?? []).length;
}

async function main() {
  const database = await createPgTestDatabase();
  const keyPrefix = `sluice-sizing:${randomUUID()}:`;
  const directory = await mkdtemp(join(tmpdir(), 'sluice-sizing-'));
  const port = await freePort();
  const config = join(directory, 'sluice.yaml');
  await writeFile(
    config,
    JSON.stringify({
      port,
      host: '127.0.0.1',
      store: { kind: 'redis', url: REDIS_URL, keyPrefix },
      governance: { kind: 'postgres', urlEnv: 'SLUICE_SIZING_PG', schema: 'sizing' },
      models: [{ name: 'simulator', maxTokens: 100_000 }],
      limits: { tenants: { default: { requestsPerMinute: 1_000_000 } } },
    }),
  );
  const gateway = spawn(
    process.execPath,
    [join(REPOSITORY_ROOT, 'packages/gateway/src/cli/main.ts'), 'serve', '--config', config],
    {
      env: {
        ...process.env,
        SLUICE_DATA_DIR: directory,
        SLUICE_SIZING_PG: database.url,
        SLUICE_AUDIT_KEY: generateAuditKeyText('sizing'),
        SLUICE_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    },
  );
  const redis = new Redis(REDIS_URL);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}/readyz`, 30_000);
    // Warm up (JIT, connection pools, migrations done) before the baseline.
    for (let index = 0; index < 5; index += 1) await runGeneration(origin);
    await flushPgStats();
    const commandsBefore = await callsByCommand(redis);
    const before = {
      calls: await commandCalls(redis),
      memory: await usedMemory(redis),
      pg: await pgCounters(database.url),
    };
    let delivered = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < generations) {
          next += 1;
          delivered += await runGeneration(origin);
        }
      }),
    );
    await flushPgStats();
    const after = {
      calls: await commandCalls(redis),
      memory: await usedMemory(redis),
      pg: await pgCounters(database.url),
    };
    const keys = (await redis.keys(`${keyPrefix}*`)).length;
    const commandsAfter = await callsByCommand(redis);
    const byCommand = [...commandsAfter]
      .map(([name, count]) => [name, count - (commandsBefore.get(name) ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .sort((left, right) => right[1] - left[1])
      .map(([name, count]) => `${name} ${(count / generations).toFixed(1)}`)
      .join(', ');
    const calls = after.calls - before.calls;
    const produced = generations * tokens;
    const rows = {
      generation: [
        `| generations × tokens | ${generations} × ${tokens} (read as ${delivered} text events) |`,
        `| Redis memory per finished generation (log + record, until TTL) | ${((after.memory - before.memory) / generations / 1024).toFixed(1)} KB |`,
        `| Redis memory per token | ${((after.memory - before.memory) / produced).toFixed(0)} B |`,
        `| Redis commands per token (producer, one reader, quotas, leases) | ${(calls / produced).toFixed(2)} |`,
        `| Redis round trips (script calls) per token | ${(((commandsAfter.get('evalsha') ?? 0) - (commandsBefore.get('evalsha') ?? 0)) / produced).toFixed(2)} |`,
        `| Redis commands per generation | ${(calls / generations).toFixed(0)} |`,
        `| Redis keys per finished generation | ${(keys / (generations + 5)).toFixed(1)} |`,
        `| PostgreSQL transactions per generation | ${((after.pg.commits - before.pg.commits) / generations).toFixed(1)} |`,
        `| PostgreSQL rows written per generation (audit) | ${((after.pg.rows - before.pg.rows) / generations).toFixed(1)} |`,
      ],
    };
    process.stdout.write(`| measure | value |\n| --- | ---: |\n${rows.generation.join('\n')}\n`);
    process.stdout.write(`\nRedis commands per generation by command: ${byCommand}\n`);
  } finally {
    gateway.kill('SIGTERM');
    await new Promise((resolve) => gateway.once('exit', resolve));
    let cursor = '0';
    do {
      const [nextCursor, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      if (found.length > 0) await redis.del(...found);
      cursor = nextCursor;
    } while (cursor !== '0');
    await redis.quit();
    await database.drop();
    await rm(directory, { recursive: true, force: true });
  }
}

await main();

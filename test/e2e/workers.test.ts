/**
 * `sluice serve --workers 2` as a real process group on the loopback Redis: new
 * connections are spread over both workers (each request's log line names its worker),
 * a generation is read whole through many new connections, `/metrics` from either worker
 * counts the whole group, a worker killed with SIGKILL is replaced while the service keeps
 * answering, and SIGTERM drains every worker before the primary exits 0. The memory store
 * is refused with exit code 2.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSluiceServe } from '../helpers/gateway-process.ts';
import { startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

const redisUrl = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `sluice-test:${randomUUID()}:`;
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-workers-'));
const children: ChildProcessWithoutNullStreams[] = [];

interface LogLine {
  msg?: string;
  worker?: number;
  workerPid?: number;
  route?: string;
  method?: string;
  generationId?: string;
  workers?: Array<{ worker: number; pid: number }>;
}

function serve(args: string[]) {
  const server = spawnSluiceServe(args, { dataDir });
  children.push(server.child);
  return { ...server, logLines: () => server.logLines<LogLine>() };
}

/** `Connection: close`: every call opens a new connection, so the primary hands it to a worker. */
function fresh(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...init.headers, connection: 'close' } });
}

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < 150 && !done(value); attempt += 1) {
    await sleep(100);
    value = await read();
  }
  return value;
}

afterAll(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

describe('sluice serve --workers 2 on Redis', () => {
  let server: ReturnType<typeof serve>;
  let baseUrl: string;

  const start = (body: Record<string, unknown>, accept = 'application/json') =>
    fresh(`${baseUrl}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        ...body,
      }),
    });

  /** Which workers logged a request line for these generations (once every one is logged). */
  const workersThatServed = async (ids: readonly string[], route: string) => {
    const lines = await eventually(
      () => server.logLines().filter((line) => line.route === route),
      (found) => ids.every((id) => found.some((line) => line.generationId === id)),
    );
    return new Set(
      lines.filter((line) => ids.includes(line.generationId ?? '')).map((line) => line.worker),
    );
  };

  const startedCount = async () => {
    const text = await (await fresh(`${baseUrl}/metrics`)).text();
    const started = [...text.matchAll(/^sluice_generations_started_total\{[^}]*\} (\d+)$/gm)];
    const workers = [...text.matchAll(/^sluice_worker_info\{worker="(\d+)",pid="(\d+)"\} 1$/gm)];
    return {
      started: started.reduce((sum, match) => sum + Number(match[1]), 0),
      pids: workers.map((match) => Number(match[2])).sort(),
    };
  };

  beforeAll(async () => {
    const config = join(dataDir, 'workers.yaml');
    await writeFile(
      config,
      [
        'store:',
        '  kind: redis',
        `  url: ${redisUrl}`,
        `  keyPrefix: '${keyPrefix}'`,
        'http:',
        '  drainTimeoutMs: 400',
        'models:',
        '  - name: simulator',
        '    maxTokens: 1000000',
        '',
      ].join('\n'),
    );
    server = serve(['--port', '0', '--host', '127.0.0.1', '--config', config, '--workers', '2']);
    baseUrl = await server.listening;
  });

  test('new connections are served by both workers, and each request line names its worker', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await start({ maxTokens: 2, simulator: { ttftMs: 0 } });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    expect(await workersThatServed(ids, '/v1/generations')).toEqual(new Set([1, 2]));
  });

  test('a generation started on one connection is read whole through many new ones', async () => {
    const started = await start({ maxTokens: 30, simulator: { ttftMs: 0, tokenIntervalMs: 10 } });
    const { id } = (await started.json()) as { id: string };
    const read = async () =>
      readSse(
        await fresh(`${baseUrl}/v1/generations/${id}/events`, {
          headers: { accept: 'text/event-stream' },
        }),
      );
    // Opened one after another (each once its headers came), read side by side while the
    // generation runs: the primary deals new connections to the workers in turn.
    const pending: Promise<Awaited<ReturnType<typeof readSse>>>[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await fresh(`${baseUrl}/v1/generations/${id}/events`, {
        headers: { accept: 'text/event-stream' },
      });
      pending.push(readSse(response));
    }
    const reads = await Promise.all(pending);
    const readers = async () => workersThatServed([id], '/v1/generations/:id/events');
    // Dealing is not strict under load; a few more reads after the end settle it.
    for (let extra = 0; extra < 10 && (await readers()).size < 2; extra += 1) {
      reads.push(await read());
    }
    const text = textOf(reads[0] ?? []);
    expect(text.length).toBeGreaterThan(0);
    for (const events of reads) {
      expect(terminalOf(events).data).toMatchObject({ finishReason: 'length' });
      expect(textOf(events)).toBe(text);
    }
    expect(await eventually(readers, (served) => served.size === 2)).toEqual(new Set([1, 2]));
  });

  test('/metrics from either worker counts the whole group', async () => {
    const before = await startedCount();
    expect(before.pids).toHaveLength(2);
    for (let index = 0; index < 4; index += 1) {
      const response = await start({ maxTokens: 1, simulator: { ttftMs: 0 } });
      expect(response.status).toBe(201);
      await response.body?.cancel();
    }
    // Four scrapes on new connections land on both workers; each sees all four.
    for (let scrape = 0; scrape < 4; scrape += 1) {
      const after = await eventually(startedCount, (value) => value.started >= before.started + 4);
      expect(after.started).toBe(before.started + 4);
      expect(after.pids).toEqual(before.pids);
    }
    const scrapes = server
      .logLines()
      .filter((line) => line.route === '/metrics')
      .map((line) => line.worker);
    expect(new Set(scrapes)).toEqual(new Set([1, 2]));
  });

  test('a worker killed with SIGKILL is replaced while the service keeps answering', async () => {
    const announced = server.logLines().find((line) => line.msg === 'sluice listening');
    const victim = announced?.workers?.find((entry) => entry.worker === 1)?.pid;
    if (victim === undefined) throw new Error('no worker pid in the listening line');
    process.kill(victim, 'SIGKILL');
    const noticed = await eventually(
      () => server.logLines().find((line) => line.msg === 'worker exited unexpectedly'),
      (line) => line !== undefined,
    );
    expect(noticed).toMatchObject({ worker: 1, workerPid: victim });
    // With one worker down, every new connection goes to the other. (A connection the
    // primary handed to the worker in the instant it died would have been lost with it:
    // node:cluster does not deal it again.)
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await fresh(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(200);
    }
    const replaced = await eventually(
      () => server.logLines().find((line) => line.msg === 'worker replaced'),
      (line) => line !== undefined,
    );
    expect(replaced).toMatchObject({ worker: 1 });
    expect(replaced?.workerPid).not.toBe(victim);
    const { pids } = await startedCount();
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(victim);
    const events = await readSse(
      await start({ maxTokens: 5, simulator: { ttftMs: 0 } }, 'text/event-stream'),
    );
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'length' });
  });

  test('SIGTERM drains every worker (running generations end interrupted) and exits 0', async () => {
    const long = await start(
      { maxTokens: 100_000, simulator: { ttftMs: 0, tokenIntervalMs: 5 } },
      'text/event-stream',
    );
    expect(long.status).toBe(200);
    const id = long.headers.get('sluice-generation-id');
    const reading = readSse(long, { tolerateTermination: true });
    server.child.kill('SIGTERM');
    const live = await reading;
    expect(await server.exited).toBe(0);
    expect(server.logLines().filter((line) => line.msg === 'worker stopped')).toHaveLength(2);
    // The log in Redis outlives the group: read whole by a new gateway, it ends interrupted
    // and holds everything the live reader was sent. (The live reader itself may be cut
    // just before the terminal event: see the report on the drain of Redis readers.)
    const after = await startGateway({
      config: { store: { kind: 'redis', url: redisUrl, keyPrefix } },
    });
    try {
      const events = await readSse(
        await fetch(`${after.baseUrl}/v1/generations/${id}/events`, {
          headers: { accept: 'text/event-stream' },
        }),
      );
      expect(terminalOf(events)).toMatchObject({
        type: 'response-finish',
        data: { finishReason: 'interrupted' },
      });
      expect(textOf(events).startsWith(textOf(live))).toBe(true);
      expect(textOf(live).length).toBeGreaterThan(0);
    } finally {
      await after.close();
    }
  });
});

test('the memory store with --workers 2 refuses to start with exit code 2 and says why', async () => {
  const server = serve(['--port', '0', '--host', '127.0.0.1', '--workers', '2']);
  server.listening.catch(() => {});
  expect(await server.exited).toBe(2);
  const { stderr } = server.output();
  expect(stderr).toContain('store.kind: redis');
  expect(stderr).toContain('404');
});

test('--workers takes a positive whole number or auto', async () => {
  const servers = ['0', 'two', '100000'].map((value) => {
    const server = serve(['--workers', value]);
    server.listening.catch(() => {});
    return server;
  });
  for (const server of servers) {
    expect(await server.exited).toBe(2);
    expect(server.output().stderr).toContain('--workers must be');
    expect(server.output().stderr).toContain('Usage');
  }
});

/**
 * Gateway processes on one Redis and one PostgreSQL, as behind a load balancer with no
 * affinity, and what happens when one dies. Three nodes continue lost generations
 * (`cluster.onProducerLost: continue`); a separate pair interrupts them (the default).
 *
 * - A generation started on A is read on B; A is killed with SIGKILL mid-stream; the reader
 *   resumes on C from its last offset and gets every event exactly once, a `response-seam`
 *   and a terminal event within `leaseTimeoutMs` + 2 s.
 * - With `interrupt`, a reader on the survivor sees the answer end `interrupted` with the
 *   text delivered so far, and a verdict.
 * - Cancel sent to B stops the producer on A: its upstream socket closes.
 * - A resume storm (each reconnect to a random node) loses and duplicates nothing.
 * - Generations on three nodes at once leave one audit chain that verifies.
 * - A node stopped with SIGTERM hands its running generations to the others, which
 *   continue them after a seam.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSourceMessage } from 'eventsource-parser';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAuditKeyText } from '../../packages/gateway/src/governance/audit/audit-keyring.ts';
import {
  createPgTestDatabase,
  type PgTestDatabase,
} from '../../packages/gateway/src/governance/postgres/pg-test-database.ts';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.ts';
import { sluice } from '../helpers/sluice-cli.ts';
import { readSse, terminalEvents, terminalOf, textOf } from '../helpers/sse-client.ts';

const redisUrl = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_TIMEOUT_MS = 1_000;
const prefixes = [`sluice-test:${randomUUID()}:`, `sluice-test:${randomUUID()}:`];
let database: PgTestDatabase;
let schema: string;
let env: NodeJS.ProcessEnv;
let upstream: FakeOpenAiUpstream;
/** A, B, C: `onProducerLost: continue`. */
const trio: GatewayProcess[] = [];
/** D, E: `onProducerLost: interrupt`. */
const pair: GatewayProcess[] = [];

function nodeConfig(keyPrefix: string, onProducerLost: 'continue' | 'interrupt') {
  return {
    store: { kind: 'redis', url: redisUrl, keyPrefix },
    governance: { kind: 'postgres', urlEnv: 'SLUICE_TEST_PG', schema },
    cluster: { leaseTimeoutMs: LEASE_TIMEOUT_MS, onProducerLost },
    http: { drainTimeoutMs: 300 },
    models: [
      { name: 'simulator', maxTokens: 100_000 },
      { name: 'upstream', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
    ],
  };
}

beforeAll(async () => {
  database = await createPgTestDatabase();
  schema = database.nextSchema();
  env = { SLUICE_AUDIT_KEY: generateAuditKeyText('cluster'), SLUICE_TEST_PG: database.url };
  upstream = await startFakeOpenAiUpstream({
    tokens: Array.from({ length: 2_000 }, (_, index) => `w${index} `),
    intervalMs: 20,
  });
  // One node first: it runs the PostgreSQL migrations the others then find done.
  trio.push(
    await startGatewayProcess({
      name: 'a',
      config: nodeConfig(prefixes[0] as string, 'continue'),
      env,
    }),
  );
  trio.push(
    ...(await Promise.all(
      ['b', 'c'].map((name) =>
        startGatewayProcess({ name, config: nodeConfig(prefixes[0] as string, 'continue'), env }),
      ),
    )),
  );
  pair.push(
    ...(await Promise.all(
      ['d', 'e'].map((name) =>
        startGatewayProcess({ name, config: nodeConfig(prefixes[1] as string, 'interrupt'), env }),
      ),
    )),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([...trio, ...pair].map((node) => node.kill()));
  await upstream?.close();
  await database?.drop();
  const redis = new Redis(redisUrl);
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  await redis.quit();
});

async function start(node: GatewayProcess, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${node.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'tell me more' }], ...body }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

function events(node: GatewayProcess, id: string, offset = '-1', signal?: AbortSignal) {
  return fetch(`${node.baseUrl}/v1/generations/${id}/events?offset=${encodeURIComponent(offset)}`, {
    headers: { accept: 'text/event-stream' },
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Offsets of a reader's events strictly increase: nothing was delivered twice. */
function expectStrictlyIncreasing(received: readonly EventSourceMessage[]) {
  const offsets = received.map((event) => event.id ?? '');
  for (let index = 1; index < offsets.length; index += 1) {
    expect((offsets[index] as string) > (offsets[index - 1] as string)).toBe(true);
  }
}

/** Reads until a terminal event, giving up (and failing the test) after `ms`. */
async function readToTerminal(node: GatewayProcess, id: string, offset: string, ms: number) {
  const signal = AbortSignal.timeout(ms);
  return readSse(await events(node, id, offset, signal), {
    until: (event) => event.event === 'response-finish' || event.event === 'response-error',
  });
}

const TERMINAL_BOUND_MS = LEASE_TIMEOUT_MS + 2_000;

describe('three gateway processes on Redis and PostgreSQL', () => {
  test('cancel sent to B stops the producer running on A: its upstream socket closes', async () => {
    const [a, b] = trio as [GatewayProcess, GatewayProcess];
    const before = upstream.requests.length;
    const id = await start(a, { model: 'upstream' });
    // The producer runs on A; the first text proves the upstream request is streaming.
    await readSse(await events(b, id), { until: (event) => event.event === 'text-delta' });
    const request = upstream.requests[before];
    if (request === undefined) throw new Error('the upstream was not called');
    const cancelled = await fetch(`${b.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    const closed = await Promise.race([
      request.closed.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
    ]);
    expect(closed).toBe(true);
    const log = await readSse(await events(b, id));
    expect(terminalOf(log).data).toMatchObject({ finishReason: 'cancelled' });
  });

  test('a resume storm across the three nodes loses and duplicates nothing', async () => {
    const id = await start(trio[1] as GatewayProcess, {
      model: 'simulator',
      maxTokens: 300,
      seed: 7,
      simulator: { ttftMs: 0, tokenIntervalMs: 5 },
    });
    const received: EventSourceMessage[] = [];
    let offset = '-1';
    let reconnects = 0;
    // Bounded: each connection takes at least one event, and the log ends.
    for (let attempt = 0; attempt < 2_000; attempt += 1) {
      const node = trio[Math.floor(Math.random() * trio.length)] as GatewayProcess;
      const take = 1 + Math.floor(Math.random() * 12);
      const batch = await readSse(await events(node, id, offset), { maxEvents: take });
      received.push(...batch);
      offset = batch.at(-1)?.id ?? offset;
      reconnects += 1;
      if (batch.some((event) => event.event === 'response-final')) break;
    }
    expect(reconnects).toBeGreaterThan(5);
    expectStrictlyIncreasing(received);
    const whole = await readSse(await events(trio[2] as GatewayProcess, id));
    const upToFinal = whole.slice(
      0,
      whole.findIndex((event) => event.event === 'response-final') + 1,
    );
    expect(received.map((event) => event.id)).toEqual(upToFinal.map((event) => event.id));
    expect(received.map((event) => event.data)).toEqual(upToFinal.map((event) => event.data));
    expect(terminalEvents(received)).toHaveLength(1);
  });

  test('generations on all three nodes at once leave one audit chain that verifies', async () => {
    await Promise.all(
      Array.from({ length: 24 }, async (_, index) => {
        const node = trio[index % trio.length] as GatewayProcess;
        const id = await start(node, {
          model: 'simulator',
          maxTokens: 5,
          simulator: { ttftMs: 0, tokenIntervalMs: 0 },
        });
        const log = await readSse(await events(node, id), {
          until: (event) => event.event === 'response-final',
        });
        expect(terminalOf(log).type).toBe('response-finish');
      }),
    );
    const directory = await mkdtemp(join(tmpdir(), 'sluice-cluster-audit-'));
    try {
      const config = join(directory, 'sluice.yaml');
      await writeFile(
        config,
        `governance:\n  kind: postgres\n  urlEnv: SLUICE_TEST_PG\n  schema: ${schema}\n`,
      );
      const result = await sluice(['audit', 'verify', '--config', config], {
        ...process.env,
        ...env,
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^audit chain ok: \d+ records/);
      expect(Number(/(\d+) records/.exec(result.stdout)?.[1])).toBeGreaterThan(24 * 3);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('A killed mid-stream: the reader resumes on C, gets every event once and the answer continues after a seam', async () => {
    const [a, b, c] = trio as [GatewayProcess, GatewayProcess, GatewayProcess];
    const id = await start(a, {
      model: 'simulator',
      maxTokens: 80,
      simulator: { ttftMs: 0, tokenIntervalMs: 10 },
    });
    // Read on B first, then on A (the producer's own node) from where B stopped.
    const received = await readSse(await events(b, id), { maxEvents: 5 });
    const onA = readSse(await events(a, id, received.at(-1)?.id), {
      tolerateTermination: true,
      until: (event) => event.event === 'response-finish',
    });
    // Let A produce a little more, then kill it without warning.
    await readSse(await events(c, id, received.at(-1)?.id), { maxEvents: 10 });
    await a.kill('SIGKILL');
    const killedAt = performance.now();
    received.push(...(await onA));
    expect(terminalEvents(received)).toHaveLength(0);
    const rest = await readToTerminal(c, id, received.at(-1)?.id ?? '-1', TERMINAL_BOUND_MS);
    expect(performance.now() - killedAt).toBeLessThan(TERMINAL_BOUND_MS);
    received.push(...rest);
    expectStrictlyIncreasing(received);
    expect(terminalEvents(received)).toHaveLength(1);

    const seam = received.find((event) => event.event === 'response-seam');
    expect(JSON.parse(seam?.data ?? '{}')).toMatchObject({
      from: 'simulator',
      to: 'simulator',
      reason: 'SLUICE_ERR_PRODUCER_LOST',
    });
    const seamIndex = received.indexOf(seam as EventSourceMessage);
    expect(JSON.parse(seam?.data ?? '{}').afterCharacters).toBe(
      textOf(received.slice(0, seamIndex)).length,
    );
    // The answer went on after the seam, and the reader has all of it exactly once.
    expect(textOf(received.slice(seamIndex)).length).toBeGreaterThan(0);
    const whole = await readSse(await events(b, id), {
      until: (event) => event.event === 'response-final',
    });
    expect(received.map((event) => event.id)).toEqual(
      whole.slice(0, received.length).map((event) => event.id),
    );
    expect(whole.at(-1)?.event).toBe('response-final');
    const record = (await (await fetch(`${c.baseUrl}/v1/generations/${id}`)).json()) as {
      status: string;
      text: string;
    };
    expect(record.status).toBe('finished');
    expect(record.text).toBe(textOf(whole));
  });

  test('B drained with SIGTERM hands its generation to C, which continues it after a seam', async () => {
    const [, b, c] = trio as [GatewayProcess, GatewayProcess, GatewayProcess];
    const id = await start(b, {
      model: 'simulator',
      maxTokens: 400,
      simulator: { ttftMs: 0, tokenIntervalMs: 10 },
    });
    const reading = readToTerminal(c, id, '-1', 30_000);
    await readSse(await events(c, id), { maxEvents: 6 });
    await b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    const received = await reading;
    expectStrictlyIncreasing(received);
    expect(terminalOf(received).data).toMatchObject({ finishReason: 'length' });
    const seam = received.find((event) => event.event === 'response-seam');
    expect(JSON.parse(seam?.data ?? '{}')).toMatchObject({ reason: 'SLUICE_ERR_PRODUCER_LOST' });
    const record = (await (await fetch(`${c.baseUrl}/v1/generations/${id}`)).json()) as {
      status: string;
      text: string;
    };
    expect(record.status).toBe('finished');
    expect(record.text).toBe(textOf(received));
  });
});

describe('two gateway processes that interrupt lost generations (the default)', () => {
  test('the producer node dies: the reader on the survivor sees the answer end interrupted', async () => {
    const [d, e] = pair as [GatewayProcess, GatewayProcess];
    const id = await start(d, {
      model: 'simulator',
      maxTokens: 10_000,
      simulator: { ttftMs: 0, tokenIntervalMs: 20 },
    });
    const reading = readToTerminal(e, id, '-1', 60_000);
    // Some text first, read on the survivor.
    await readSse(await events(e, id), { maxEvents: 8 });
    await d.kill('SIGKILL');
    const killedAt = performance.now();
    const received = await reading;
    expect(performance.now() - killedAt).toBeLessThan(TERMINAL_BOUND_MS);
    expectStrictlyIncreasing(received);
    expect(terminalOf(received)).toMatchObject({
      type: 'response-finish',
      data: { finishReason: 'interrupted' },
    });
    const whole = await readSse(await events(e, id));
    expect(whole.at(-1)?.event).toBe('response-final');
    const record = (await (await fetch(`${e.baseUrl}/v1/generations/${id}`)).json()) as {
      status: string;
      text: string;
    };
    expect(record.status).toBe('interrupted');
    expect(record.text).toBe(textOf(received));
    expect(record.text.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${e.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^sluice_producer_takeovers_total\{action="interrupted"\} 1$/m);
  });
});

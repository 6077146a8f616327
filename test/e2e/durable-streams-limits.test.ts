/**
 * `/v1/stream/*` under the limits of the hardening review, on a real gateway over real
 * sockets (open mode: every request is tenant `default`). Each test replays an attack and
 * asserts the bound: the tenant's rate, concurrency and per-address limits apply as on
 * the generation routes; budgets of streams and stored bytes come from the `streams`
 * config; forks share data; lifetimes have a default and a ceiling; and a generation log
 * can neither be forked nor outlive its session's deletion through a fork.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseConfig } from '../../packages/gateway/src/config/load-config.ts';
import { MemoryStreamStore } from '../../packages/gateway/src/store/memory-stream-store.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let server: RunningGateway | undefined;
let store: MemoryStreamStore | undefined;

async function start(config: Record<string, unknown>): Promise<RunningGateway> {
  store = new MemoryStreamStore();
  server = await startGateway({ config, store });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  store = undefined;
});

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server?.baseUrl}${path}`, init);
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

const DAY = 86_400;

describe('admission', () => {
  test("creates and appends spend the tenant's requests per minute, shared with generations", async () => {
    await start({ limits: { tenants: { default: { requestsPerMinute: 3 } } } });
    expect((await call('/v1/stream/counted', { method: 'PUT' })).status).toBe(201);
    for (let index = 0; index < 2; index++) {
      const append = await call('/v1/stream/counted', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x',
      });
      expect(append.status).toBe(204);
    }
    const refused = await call('/v1/stream/counted', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await errorCode(refused)).toBe('SLUICE_ERR_RATE_LIMITED');
    const generation = await call('/v1/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'simulator', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(generation.status).toBe(429);
    // Reads are not requests of this budget.
    expect((await call('/v1/stream/counted?offset=-1')).status).toBe(200);
  });

  for (const [limit, config] of [
    ['client address', { limits: { perClientIp: { concurrentStreams: 1 } } }],
    ['tenant', { limits: { tenants: { default: { concurrentStreams: 1 } } } }],
  ] as const) {
    test(`live reads hold a concurrent-stream slot per ${limit} until they end`, async () => {
      await start({ ...config, streams: { longPollTimeoutMs: 200 } });
      await call('/v1/stream/watched', { method: 'PUT' });
      const held = new AbortController();
      const first = await call('/v1/stream/watched?offset=-1&live=sse', { signal: held.signal });
      expect(first.status).toBe(200);
      const second = await call('/v1/stream/watched?offset=-1&live=long-poll');
      expect(second.status).toBe(429);
      expect(await errorCode(second)).toBe('SLUICE_ERR_TOO_MANY_CONCURRENT');
      // A catch-up read follows nothing and holds no slot.
      expect((await call('/v1/stream/watched?offset=-1')).status).toBe(200);
      held.abort();
      await first.body?.cancel().catch(() => {});
      await vi.waitFor(
        async () => {
          const next = await call('/v1/stream/watched?offset=-1&live=long-poll');
          expect(next.status).toBe(204);
        },
        { timeout: 5000 },
      );
    });
  }
});

describe('budgets', () => {
  test('400 appends of 1 MB stop at the byte budget with 413s; stored bytes stay bounded', async () => {
    const budget = 4 * 1024 * 1024;
    await start({ streams: { maxBytesPerTenant: budget } });
    await call('/v1/stream/flood', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
    });
    const megabyte = new Uint8Array(1024 * 1024 - 1024).fill(0x61);
    const statuses = new Map<number, number>();
    for (let index = 0; index < 400; index++) {
      const response = await call('/v1/stream/flood', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: megabyte,
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 413) {
        expect(await errorCode(response)).toBe('SLUICE_ERR_STREAM_BYTES_EXCEEDED');
      } else {
        await response.arrayBuffer();
      }
    }
    expect(statuses).toEqual(
      new Map([
        [204, 4],
        [413, 396],
      ]),
    );
    expect(store?.usage('default').bytes).toBeLessThanOrEqual(budget);
  });

  test('creating past the tenant stream count is a 429 until one is deleted', async () => {
    await start({ streams: { maxStreamsPerTenant: 2 } });
    expect((await call('/v1/stream/a', { method: 'PUT' })).status).toBe(201);
    expect((await call('/v1/stream/b', { method: 'PUT' })).status).toBe(201);
    const refused = await call('/v1/stream/c', { method: 'PUT' });
    expect(refused.status).toBe(429);
    expect(await errorCode(refused)).toBe('SLUICE_ERR_STREAM_COUNT_EXCEEDED');
    expect((await call('/v1/stream/a', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/v1/stream/c', { method: 'PUT' })).status).toBe(201);
  });

  test("twenty forks share their source's data: its bytes are counted once", async () => {
    await start({});
    await call('/v1/stream/source', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(512 * 1024).fill(0x62),
    });
    const sourceBytes = store?.usage('default').bytes ?? 0;
    expect(sourceBytes).toBeGreaterThanOrEqual(512 * 1024);
    for (let index = 0; index < 20; index++) {
      const fork = await call(`/v1/stream/fork-${index}`, {
        method: 'PUT',
        headers: { 'stream-forked-from': '/v1/stream/source' },
      });
      expect(fork.status).toBe(201);
    }
    expect(store?.usage('default')).toEqual({ streams: 21, bytes: sourceBytes });
    const read = await call('/v1/stream/fork-19?offset=-1');
    expect((await read.arrayBuffer()).byteLength).toBe(512 * 1024);
  });
});

describe('lifetimes', () => {
  test('a stream without Stream-TTL gets the default; one longer than the maximum is refused', async () => {
    await start({ streams: { defaultTtlSeconds: 3 * DAY, maxTtlSeconds: 10 * DAY } });
    await call('/v1/stream/plain', { method: 'PUT' });
    const head = await call('/v1/stream/plain', { method: 'HEAD' });
    expect(head.headers.get('stream-ttl')).toBe(String(3 * DAY));
    const tooLong = await call('/v1/stream/long', {
      method: 'PUT',
      headers: { 'stream-ttl': String(11 * DAY) },
    });
    expect(tooLong.status).toBe(400);
    expect(await errorCode(tooLong)).toBe('SLUICE_ERR_STREAM_TTL_TOO_LONG');
  });

  test('the maximum applies to generation logs too: a longer generationTtlSeconds is refused', () => {
    expect(() =>
      parseConfig({ streams: { generationTtlSeconds: 40 * DAY, maxTtlSeconds: 30 * DAY } }),
    ).toThrow(/generationTtlSeconds/);
    expect(() => parseConfig({ streams: { defaultTtlSeconds: 31 * DAY } })).toThrow(
      /defaultTtlSeconds/,
    );
    expect(parseConfig({}).streams.maxTtlSeconds).toBe(30 * DAY);
  });
});

describe('generation logs', () => {
  test('cannot be forked, so deleting the session leaves no copy of its tokens', async () => {
    await start({});
    const started = await call('/v1/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 5,
        sessionId: 'session-fork',
      }),
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    await vi.waitFor(async () => {
      const record = (await (await call(`/v1/generations/${id}`)).json()) as { status: string };
      expect(record.status).toBe('finished');
    });
    const source = `/v1/stream/generations/${id}`;
    const tenYears = await call('/v1/stream/kept', {
      method: 'PUT',
      headers: { 'stream-forked-from': source, 'stream-ttl': String(3650 * DAY) },
    });
    expect(tenYears.status).toBe(400);
    expect(await errorCode(tenYears)).toBe('SLUICE_ERR_STREAM_TTL_TOO_LONG');
    const fork = await call('/v1/stream/kept', {
      method: 'PUT',
      headers: { 'stream-forked-from': source },
    });
    expect(fork.status).toBe(403);
    expect(await errorCode(fork)).toBe('SLUICE_ERR_STREAM_FORK_REFUSED');
    expect((await call('/v1/stream/kept?offset=-1')).status).toBe(404);

    expect((await call('/v1/sessions/session-fork', { method: 'DELETE' })).status).toBe(200);
    expect((await call(`${source}?offset=-1`)).status).toBe(404);
    expect(store?.usage('default')).toEqual({ streams: 0, bytes: 0 });
  });
});

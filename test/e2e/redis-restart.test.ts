/**
 * A gateway on a Redis of its own that dies while serving: readers get a clear, terminal
 * outcome (an error event with `SLUICE_ERR_BACKEND_UNAVAILABLE`, then the end of the
 * response) instead of heartbeats forever, new work is refused with 503 while Redis is
 * away, and service resumes by itself once Redis is back — even empty, as a Redis without
 * persistence restarts, where what it held is gone (404). A short blip (connections
 * killed, Redis keeps its data) is ridden out. Corrupted or foreign data under a key is an
 * error for that one stream, never a crash.
 */
import { randomUUID } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.ts';
import { textOf } from '../helpers/sse-client.ts';

const keyPrefix = `sluice-test:${randomUUID()}:`;
let redis: PrivateRedis;
let server: RunningGateway;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startPrivateRedis();
  server = await startGateway({
    config: {
      store: { kind: 'redis', url: redis.url, keyPrefix },
      streams: { heartbeatIntervalMs: 200 },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
  process.off('unhandledRejection', onUnhandled);
});

const slow = { maxTokens: 4_000, simulator: { ttftMs: 0, tokenIntervalMs: 20 } };

/** Bounds every request: a hang fails the test instead of stalling it. */
function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000), ...init });
}

function start(body: Record<string, unknown> = slow): Promise<Response> {
  return call('/v1/generations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    }),
  });
}

/** Reads an SSE response to its end in the background; `events` fills as they arrive. */
function follow(response: Response): { events: EventSourceMessage[]; ended: Promise<void> } {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const ended = (async () => {
    if (!response.body) throw new Error('no body');
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // A connection cut by the server is an outcome too; the events say which.
    }
  })();
  return { events, ended };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** Resolves with `settled`, or rejects when the promise does not settle in bounded time. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not end`)), 10_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorOf(events: readonly EventSourceMessage[]): Record<string, unknown> | undefined {
  const last = events.findLast((event) => event.event === 'response-error');
  return last === undefined ? undefined : (JSON.parse(last.data) as Record<string, unknown>);
}

function offsetsOf(events: readonly EventSourceMessage[]): string[] {
  return events
    .map((event) => event.id)
    .filter((id): id is string => id !== undefined && id !== '');
}

async function readiness(): Promise<number> {
  return (await call('/readyz')).status;
}

describe('Redis dies while serving', () => {
  test('readers end with a clear error, new work gets 503, service resumes after an empty restart', async () => {
    const started = await start();
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const native = follow(
      await call(`/v1/generations/${id}/events`, { headers: { accept: 'text/event-stream' } }),
    );
    // The POST's own SSE answer is a reader too.
    const posted = await start({ ...slow });
    await posted.body?.cancel();
    const inline = await call('/v1/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'yo' }],
        ...slow,
      }),
    });
    expect(inline.status).toBe(200);
    const own = follow(inline);
    // A Durable Streams SSE reader of the generation's log.
    const durable = follow(
      await call(`/v1/stream/generations/${id}?offset=-1&live=sse`, {
        headers: { accept: 'text/event-stream' },
      }),
    );
    // A long-poll waiting on a quiet stream of its own (no writer).
    const quiet = `/v1/stream/redis-restart-${randomUUID()}`;
    expect(
      (await call(quiet, { method: 'PUT', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(201);
    const longPoll = call(`${quiet}?offset=-1&live=long-poll`);
    await until(() => native.events.length > 5 && own.events.length > 5, 'tokens to flow');
    await until(() => durable.events.length > 2, 'durable SSE frames');

    await redis.kill();

    await within(native.ended, 'the native SSE reader');
    await within(own.ended, "the POST's own SSE answer");
    await within(durable.ended, 'the Durable Streams SSE reader');
    expect(errorOf(native.events)).toMatchObject({
      code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
      retryable: true,
    });
    expect(errorOf(own.events)).toMatchObject({
      code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
      retryable: true,
    });
    // Offsets never repeat: what a reader got before the error is in order, once.
    const offsets = offsetsOf(native.events);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect([...offsets].sort()).toEqual(offsets);
    const polled = await within(longPoll, 'the long-poll');
    expect(polled.status).toBe(503);
    expect(polled.headers.get('retry-after')).not.toBeNull();
    expect(await polled.json()).toMatchObject({
      error: { code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' },
    });

    // While Redis is away: new work is refused with 503, never a 500 or a hang.
    const refused = await start();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(await refused.json()).toMatchObject({
      error: { code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' },
    });
    const refusedRead = await call(`/v1/generations/${id}/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(refusedRead.status).toBe(503);
    await refusedRead.body?.cancel();
    const refusedPoll = await call(`${quiet}?offset=-1&live=long-poll`);
    expect(refusedPoll.status).toBe(503);
    await refusedPoll.body?.cancel();
    expect(await readiness()).toBe(503);
    const ready = (await (await call('/readyz')).json()) as {
      backends: Array<{ kind: string; ok: boolean }>;
    };
    expect(ready.backends).toContainEqual(expect.objectContaining({ kind: 'redis', ok: false }));

    await redis.restart();

    // Back by itself: no gateway restart.
    let again = await readiness();
    for (let attempt = 0; attempt < 100 && again !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await readiness();
    }
    expect(again).toBe(200);
    let fresh = await start({ maxTokens: 5, simulator: { ttftMs: 0, tokenIntervalMs: 0 } });
    for (let attempt = 0; attempt < 50 && fresh.status !== 201; attempt += 1) {
      await fresh.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 100));
      fresh = await start({ maxTokens: 5, simulator: { ttftMs: 0, tokenIntervalMs: 0 } });
    }
    expect(fresh.status).toBe(201);
    const { id: freshId } = (await fresh.json()) as { id: string };
    const done = follow(
      await call(`/v1/generations/${freshId}/events`, { headers: { accept: 'text/event-stream' } }),
    );
    await within(done.ended, 'a new generation after the restart');
    expect(done.events.some((event) => event.event === 'response-finish')).toBe(true);

    // What the empty Redis lost is a clear 404, not a hang or a 500.
    const lost = await call(`/v1/generations/${id}/events?offset=${offsets.at(-1) ?? '-1'}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(lost.status).toBe(404);
    expect(((await lost.json()) as { error: { code: string } }).error.code).toMatch(
      /^SLUICE_ERR_.*NOT_FOUND$/,
    );
    const lostRecord = await call(`/v1/generations/${id}`);
    expect(lostRecord.status).toBe(404);
    await lostRecord.body?.cancel();
  });

  test('a short blip (connections killed, data kept) is ridden out without loss or duplicates', async () => {
    // The simulator answers a prompt the same way every time: the reference run below.
    const body = { messages: [{ role: 'user', content: 'the blip' }], maxTokens: 150 };
    const started = await start({ ...body, simulator: { ttftMs: 0, tokenIntervalMs: 20 } });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const reader = follow(
      await call(`/v1/generations/${id}/events`, { headers: { accept: 'text/event-stream' } }),
    );
    await until(() => reader.events.length > 10, 'tokens to flow');
    const admin = redis.client();
    try {
      for (let blip = 0; blip < 3; blip += 1) {
        // The gateway's command connections (stream log, records, quotas) are dropped.
        expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).not.toBe(0);
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    } finally {
      admin.disconnect();
    }
    await within(reader.ended, 'the reader');
    // The reader either saw the whole answer, or was told to resume; resuming from its
    // last offset completes it with every event exactly once.
    let events = reader.events.filter((event) => event.event !== 'response-error');
    if (!events.some((event) => event.event === 'response-finish')) {
      expect(errorOf(reader.events)).toMatchObject({ retryable: true });
      const resumed = follow(
        await call(`/v1/generations/${id}/events`, {
          headers: {
            accept: 'text/event-stream',
            'last-event-id': offsetsOf(events).at(-1) ?? '-1',
          },
        }),
      );
      await within(resumed.ended, 'the resumed reader');
      events = [...events, ...resumed.events];
    }
    const terminal = events.filter(
      (event) => event.event === 'response-finish' || event.event === 'response-error',
    );
    expect(terminal).toHaveLength(1);
    const offsets = offsetsOf(events);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect([...offsets].sort()).toEqual(offsets);
    expect(JSON.parse(terminal[0]?.data ?? '{}')).toMatchObject({ finishReason: 'length' });
    // Every token the model produced is there once: no append was lost or doubled.
    const reference = await start({ ...body, simulator: { ttftMs: 0, tokenIntervalMs: 0 } });
    const { id: referenceId } = (await reference.json()) as { id: string };
    const expected = follow(
      await call(`/v1/generations/${referenceId}/events`, {
        headers: { accept: 'text/event-stream' },
      }),
    );
    await within(expected.ended, 'the reference generation');
    expect(textOf(events)).toBe(textOf(expected.events));
    expect(textOf(events).length).toBeGreaterThan(0);
  });

  test('corrupted or foreign data is an error for that stream only, never a crash', async () => {
    const admin = redis.client();
    try {
      const started = await start();
      const { id } = (await started.json()) as { id: string };
      const other = await start({ maxTokens: 60, simulator: { ttftMs: 0, tokenIntervalMs: 20 } });
      const { id: otherId } = (await other.json()) as { id: string };
      const reader = follow(
        await call(`/v1/generations/${id}/events`, { headers: { accept: 'text/event-stream' } }),
      );
      const otherReader = follow(
        await call(`/v1/generations/${otherId}/events`, {
          headers: { accept: 'text/event-stream' },
        }),
      );
      await until(() => reader.events.length > 3, 'tokens to flow');
      // The log's metadata hash overwritten with a string, as a foreign writer might.
      const streamId = await admin.get(`${keyPrefix}p:generations/${id}`);
      expect(streamId).not.toBeNull();
      await admin.set(`${keyPrefix}i:${streamId}`, 'garbage');
      await within(reader.ended, 'the reader of the corrupted stream');
      expect(errorOf(reader.events)).toMatchObject({ code: 'SLUICE_ERR_STORE_DATA_INVALID' });
      const again = await call(`/v1/generations/${id}/events`, {
        headers: { accept: 'text/event-stream' },
      });
      expect(again.status).toBe(500);
      expect(await again.json()).toMatchObject({
        error: { code: 'SLUICE_ERR_STORE_DATA_INVALID' },
      });
      const durable = await call(`/v1/stream/generations/${id}?offset=-1`);
      expect(durable.status).toBe(500);
      expect(await durable.json()).toMatchObject({
        error: { code: 'SLUICE_ERR_STORE_DATA_INVALID' },
      });

      // The other generation is untouched.
      await within(otherReader.ended, 'the reader of the other stream');
      expect(otherReader.events.some((event) => event.event === 'response-finish')).toBe(true);

      // A record of the wrong type, and one with fields missing.
      await admin.set(`${keyPrefix}generation:${otherId}`, 'garbage');
      const wrongType = await call(`/v1/generations/${otherId}`);
      expect(wrongType.status).toBe(500);
      expect(await wrongType.json()).toMatchObject({
        error: { code: 'SLUICE_ERR_STORE_DATA_INVALID' },
      });
      await admin
        .multi()
        .del(`${keyPrefix}generation:${otherId}`)
        .hset(`${keyPrefix}generation:${otherId}`, 'status', '"running"')
        .exec();
      const missing = await call(`/v1/generations/${otherId}`);
      expect(missing.status).toBe(500);
      expect(await missing.json()).toMatchObject({
        error: { code: 'SLUICE_ERR_STORE_DATA_INVALID' },
      });

      // And the gateway still serves new work.
      const fresh = await start({ maxTokens: 5, simulator: { ttftMs: 0, tokenIntervalMs: 0 } });
      expect(fresh.status).toBe(201);
      await fresh.body?.cancel();
    } finally {
      admin.disconnect();
    }
  });

  // Last, so it sees what every outage above left behind.
  test('nothing is left as an unhandled rejection (it would end a real gateway process)', () => {
    expect(unhandled).toEqual([]);
  });
});

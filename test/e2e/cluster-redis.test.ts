/**
 * Two gateway nodes on one Redis (`store: { kind: redis }`), as behind a load balancer with
 * no affinity: a generation started on one is read whole and cancelled through the other,
 * its record answers on both, and a tenant's rate limit holds across them.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `sluice-test:${randomUUID()}:`;
const nodes: RunningGateway[] = [];

beforeAll(async () => {
  for (let index = 0; index < 2; index += 1) {
    nodes.push(
      await startGateway({
        config: {
          store: { kind: 'redis', url, keyPrefix },
          limits: { tenants: { default: { requestsPerMinute: 3 } } },
        },
      }),
    );
  }
});

afterAll(async () => {
  for (const node of nodes) await node.close();
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

function start(node: RunningGateway, body: Record<string, unknown>) {
  return fetch(`${node.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    }),
  });
}

describe('two nodes, one Redis', () => {
  test('a generation started on one node is read, looked up and cancelled on the other', async () => {
    const [first, second] = nodes as [RunningGateway, RunningGateway];
    const finished = await start(first, {
      maxTokens: 20,
      simulator: { ttftMs: 0, tokenIntervalMs: 1 },
    });
    expect(finished.status).toBe(201);
    const { id } = (await finished.json()) as { id: string };
    const events = await readSse(
      await fetch(`${second.baseUrl}/v1/generations/${id}/events`, {
        headers: { accept: 'text/event-stream' },
      }),
    );
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'length' });
    expect(textOf(events).length).toBeGreaterThan(0);
    const record = await fetch(`${second.baseUrl}/v1/generations/${id}`);
    expect(record.status).toBe(200);

    const running = await start(first, {
      maxTokens: 4_000,
      simulator: { ttftMs: 0, tokenIntervalMs: 20 },
    });
    const { id: runningId } = (await running.json()) as { id: string };
    const cancelled = await fetch(`${second.baseUrl}/v1/generations/${runningId}/cancel`, {
      method: 'POST',
    });
    expect(cancelled.status).toBe(200);
    // The producer runs on the first node; the stop reaches it through Redis.
    const log = await readSse(
      await fetch(`${first.baseUrl}/v1/generations/${runningId}/events`, {
        headers: { accept: 'text/event-stream' },
      }),
    );
    expect(terminalOf(log).data).toMatchObject({ finishReason: 'cancelled' });
  });

  test("a tenant's requests per minute are counted across both nodes", async () => {
    const [first, second] = nodes as [RunningGateway, RunningGateway];
    // Two requests were spent above; the third of the minute is the last one allowed.
    const statuses: number[] = [];
    for (const node of [second, first, second]) {
      const response = await start(node, { maxTokens: 1, simulator: { ttftMs: 0 } });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([201, 429, 429]);
  });
});

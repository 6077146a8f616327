/**
 * `/readyz` reports each backend and turns 503 while a shared one does not answer: a gateway
 * on Redis reached through a TCP relay the test can cut, as a network partition would.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

const keyPrefix = `sluice-test:${randomUUID()}:`;
let relay: Server;
let relayPort: number;
let cut = false;
const sockets = new Set<Socket>();
let server: RunningGateway;

beforeAll(async () => {
  relay = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(6379, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  relayPort = (relay.address() as { port: number }).port;
  server = await startGateway({
    config: { store: { kind: 'redis', url: `redis://127.0.0.1:${relayPort}`, keyPrefix } },
  });
});

afterAll(async () => {
  await server.close();
  relay.close();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function readiness() {
  const response = await fetch(`${server.baseUrl}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as {
      status: string;
      backends: Array<{ role: string; kind: string; ok: boolean }>;
    },
  };
}

describe('/readyz with shared backends', () => {
  test('ready while Redis answers, 503 while it is cut off, ready again after', async () => {
    const up = await readiness();
    expect(up.status).toBe(200);
    expect(up.body.backends).toEqual([
      { role: 'store', kind: 'redis', ok: true },
      { role: 'governance', kind: 'sqlite', ok: true },
    ]);

    cut = true;
    for (const socket of sockets) socket.destroy();
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('backend-unavailable');
    expect(down.body.backends[0]).toMatchObject({ role: 'store', kind: 'redis', ok: false });

    cut = false;
    let again = await readiness();
    for (let attempt = 0; attempt < 50 && again.status !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await readiness();
    }
    expect(again.status).toBe(200);
  });
});

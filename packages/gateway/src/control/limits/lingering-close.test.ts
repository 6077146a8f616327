import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { drainRequestBody, registerLingeringClose } from './lingering-close.ts';

/** A request body still arriving: chunks are pushed by the test. */
function arrivingBody(): Readable & Pick<IncomingMessage, 'complete'> {
  return Object.assign(new Readable({ read() {} }), { complete: false });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('drainRequestBody', () => {
  test('reads and discards the rest of the body, then resolves', async () => {
    const body = arrivingBody();
    const drained = drainRequestBody(body as unknown as IncomingMessage, 60_000);
    body.push(Buffer.alloc(64 * 1024));
    body.push(Buffer.alloc(64 * 1024));
    body.push(null);
    await drained;
    expect(body.readableEnded).toBe(true);
  });

  test('gives up when the window ends, if the client stopped sending', async () => {
    vi.useFakeTimers();
    const body = arrivingBody();
    let settled = false;
    const drained = drainRequestBody(body as unknown as IncomingMessage, 5_000).then(() => {
      settled = true;
    });
    body.push(Buffer.alloc(1024));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await drained;
    expect(body.readableEnded).toBe(false);
  });

  test('does not wait for a body that already arrived, nor with a window of 0', async () => {
    const complete = Object.assign(arrivingBody(), { complete: true });
    await drainRequestBody(complete as unknown as IncomingMessage, 60_000);
    expect(complete.readableFlowing).toBe(null);
    await drainRequestBody(arrivingBody() as unknown as IncomingMessage, 0);
  });
});

describe('registerLingeringClose', () => {
  async function app() {
    const fastify = Fastify({ bodyLimit: 1024 });
    registerLingeringClose(fastify, { drainMs: 60_000 });
    fastify.post('/', async (request) => ({ received: request.body }));
    fastify.post('/refuse', async (_request, reply) => reply.code(413).send({ refused: true }));
    await fastify.ready();
    return fastify;
  }

  test('a body over the limit is answered 413 with Connection: close', async () => {
    const fastify = await app();
    const response = await fastify.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers.connection).toBe('close');
    await fastify.close();
  });

  test('a 413 after the whole body was read keeps the connection', async () => {
    const fastify = await app();
    const response = await fastify.inject({
      method: 'POST',
      url: '/refuse',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers.connection).not.toBe('close');
    await fastify.close();
  });
});

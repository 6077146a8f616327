/**
 * What Sluice adds around the Durable Streams protocol (the public conformance suite in
 * test/e2e covers the protocol itself): read-only paths, parser isolation from the rest
 * of the app, live SSE reads that survive disconnects and end on shutdown, and the reader
 * policy every live read goes through.
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MemoryStreamStore } from '../../store/memory-stream-store.ts';
import type { DetachReason, ReaderAdmission } from '../frame.ts';
import type { LiveReaderPolicy } from './durable-streams-context.ts';
import { registerDurableStreams } from './register-durable-streams.ts';

let app: FastifyInstance | undefined;
let store: MemoryStreamStore | undefined;

async function buildApp(
  options: {
    heartbeatMs?: number;
    readerPolicy?: LiveReaderPolicy;
    longPollTimeoutMs?: number;
  } = {},
): Promise<{ app: FastifyInstance; store: MemoryStreamStore }> {
  store = new MemoryStreamStore();
  app = Fastify();
  // A route outside the plugin keeps the app's own JSON parsing.
  app.post('/other', async (request) => ({ received: request.body }));
  await registerDurableStreams(app, {
    store,
    isReadOnly: (path) => path.startsWith('generations/'),
    ...options,
  });
  return { app, store };
}

/** A reader policy that records what it admitted and how each reader ended. */
function recordingPolicy() {
  const readers: Array<{ path: string; transport: string; offset: string }> = [];
  const detached: Array<{ reached: string; reason: DetachReason }> = [];
  const waiters = new Set<() => void>();
  const policy: LiveReaderPolicy = async (_request, path, transport): Promise<ReaderAdmission> => ({
    async admit(offset) {
      readers.push({ path, transport, offset });
      return {
        detach(reached, reason) {
          detached.push({ reached, reason });
          for (const wake of waiters) wake();
        },
      };
    },
  });
  /** Resolves once `count` readers detached. */
  const detachedCount = async (count: number) => {
    while (detached.length < count) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    }
    return detached;
  };
  return { policy, readers, detachedCount };
}

afterEach(async () => {
  await app?.close();
  await store?.dispose();
  app = undefined;
  store = undefined;
});

describe('read-only streams', () => {
  test('writes to generation logs are refused with 403 and a JSON error', async () => {
    const { app, store } = await buildApp();
    await store.create('generations/abc', {
      contentType: 'application/json',
      initialMessages: [Buffer.from('{"type":"response-start"}')],
    });
    for (const method of ['PUT', 'POST', 'DELETE'] as const) {
      const response = await app.inject({
        method,
        url: '/v1/stream/generations/abc',
        headers: { 'content-type': 'application/json' },
        payload: '{"type":"text-delta"}',
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: { code: 'SLUICE_ERR_STREAM_READ_ONLY', message: expect.any(String) },
      });
    }
    const read = await app.inject({ method: 'GET', url: '/v1/stream/generations/abc?offset=-1' });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual([{ type: 'response-start' }]);
  });
});

describe('body parsing', () => {
  test('stream routes take any body as bytes while other routes keep JSON parsing', async () => {
    const { app } = await buildApp();
    const other = await app.inject({
      method: 'POST',
      url: '/other',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":1}',
    });
    expect(other.json()).toEqual({ received: { a: 1 } });

    const bytes = Buffer.from([0, 255, 10, 13, 128]);
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/files/blob',
      headers: { 'content-type': 'application/x-custom' },
    });
    const append = await app.inject({
      method: 'POST',
      url: '/v1/stream/files/blob',
      headers: { 'content-type': 'application/x-custom' },
      payload: bytes,
    });
    expect(append.statusCode).toBe(204);
    const read = await app.inject({ method: 'GET', url: '/v1/stream/files/blob' });
    expect(read.rawPayload).toEqual(bytes);
  });

  test('JSON messages are returned byte for byte', async () => {
    const { app } = await buildApp();
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/notes',
      headers: { 'content-type': 'application/json' },
      payload: '[1.0, {"big": 12345678901234567890}]',
    });
    const read = await app.inject({ method: 'GET', url: '/v1/stream/notes' });
    expect(read.body).toBe('[1.0,{"big": 12345678901234567890}]');
  });

  test('malformed requests are 400s, never 500s', async () => {
    const { app } = await buildApp();
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/json',
      headers: { 'content-type': 'application/json' },
    });
    const cases = [
      { method: 'POST', url: '/v1/stream/json', payload: Buffer.from([0x22, 0xff, 0x22]) },
      { method: 'POST', url: '/v1/stream/json', payload: '{' },
      { method: 'GET', url: '/v1/stream/json?offset=zzz' },
      { method: 'GET', url: '/v1/stream/json?live=sse' },
      { method: 'PUT', url: '/v1/stream/a%2F%2Fb' },
      { method: 'PUT', url: '/v1/stream/x', headers: { 'stream-ttl': '1.5' } },
    ] as const;
    for (const testCase of cases) {
      const response = await app.inject({
        ...testCase,
        headers: {
          'content-type': 'application/json',
          ...('headers' in testCase ? testCase.headers : {}),
        },
      });
      expect(response.statusCode, `${testCase.method} ${testCase.url}`).toBe(400);
      expect(response.json().error.code).toMatch(/^SLUICE_ERR_/);
    }
  });
});

interface SseConnection {
  response: IncomingMessage;
  received: () => string;
  close: () => void;
}

async function openSse(baseUrl: string, path: string): Promise<SseConnection> {
  const request = httpRequest(`${baseUrl}${path}`);
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
  });
  response.on('error', () => {});
  request.on('error', () => {});
  return { response, received: () => text, close: () => request.destroy() };
}

describe('live SSE reads', () => {
  test('SSE responses are unbuffered, carry heartbeats and follow appends', async () => {
    const { app, store } = await buildApp({ heartbeatMs: 20 });
    await store.create('live', { contentType: 'text/plain' });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await openSse(baseUrl, '/v1/stream/live?offset=-1&live=sse');
    expect(connection.response.headers['content-type']).toBe('text/event-stream');
    expect(connection.response.headers['x-accel-buffering']).toBe('no');
    expect(connection.response.headers['cache-control']).toContain('no-cache');
    await vi.waitFor(() => expect(connection.received()).toContain('"upToDate":true'));
    await store.append('live', [Buffer.from('hello')]);
    await vi.waitFor(() => expect(connection.received()).toContain('data:hello'));
    await vi.waitFor(() => expect(connection.received()).toContain(': keep-alive'));
    connection.close();
  });

  test('a client that disconnects mid-stream leaves the server healthy', async () => {
    const { app, store } = await buildApp();
    await store.create('drop', { contentType: 'application/json' });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const connections = await Promise.all(
      Array.from({ length: 20 }, () => openSse(baseUrl, '/v1/stream/drop?offset=-1&live=sse')),
    );
    for (const connection of connections) connection.close();
    await store.append('drop', [Buffer.from('{"after":"disconnect"}')]);
    const read = await fetch(`${baseUrl}/v1/stream/drop?offset=-1`);
    expect(await read.json()).toEqual([{ after: 'disconnect' }]);
  });

  test('closing the app ends open SSE and long-poll reads', async () => {
    const { app, store } = await buildApp();
    const { info } = await store.create('held', { contentType: 'text/plain' });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await openSse(baseUrl, '/v1/stream/held?offset=-1&live=sse');
    const longPoll = fetch(`${baseUrl}/v1/stream/held?offset=${info.tailOffset}&live=long-poll`);
    await vi.waitFor(() => expect(connection.received()).toContain('event: control'));
    const ended = once(connection.response, 'end');
    await app.close();
    await ended;
    expect((await longPoll).status).toBe(204);
  });
});

describe('reader policy', () => {
  test('live reads are admitted and detached with why they ended; catch-up reads are not', async () => {
    const recorder = recordingPolicy();
    const { app, store } = await buildApp({
      readerPolicy: recorder.policy,
      longPollTimeoutMs: 50,
    });
    const { info } = await store.create('watched', { contentType: 'text/plain' });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

    expect((await fetch(`${baseUrl}/v1/stream/watched?offset=-1`)).status).toBe(200);
    expect(recorder.readers).toEqual([]);

    const quiet = await fetch(`${baseUrl}/v1/stream/watched?offset=-1&live=long-poll`);
    expect(quiet.status).toBe(204);
    expect(await recorder.detachedCount(1)).toEqual([
      { reached: info.tailOffset, reason: 'expired' },
    ]);

    const connection = await openSse(baseUrl, '/v1/stream/watched?offset=-1&live=sse');
    await vi.waitFor(() => expect(connection.received()).toContain('event: control'));
    connection.close();
    expect((await recorder.detachedCount(2))[1]?.reason).toBe('client-disconnected');

    const { offset } = await store.append('watched', [Buffer.from('hi')]);
    const answered = await fetch(`${baseUrl}/v1/stream/watched?offset=-1&live=long-poll`);
    expect(await answered.text()).toBe('hi');
    expect((await recorder.detachedCount(3))[2]).toEqual({ reached: offset, reason: 'completed' });
    expect(recorder.readers).toEqual([
      { path: 'watched', transport: 'long-poll', offset: '-1' },
      { path: 'watched', transport: 'sse', offset: '-1' },
      { path: 'watched', transport: 'long-poll', offset: '-1' },
    ]);
  });

  test("a reader the policy refuses is answered by the app's error handler", async () => {
    store = new MemoryStreamStore();
    app = Fastify();
    app.setErrorHandler((error, _request, reply) =>
      reply.code(429).send({ refused: (error as Error).message }),
    );
    await registerDurableStreams(app, {
      store,
      readerPolicy: async () => ({
        admit: async () => {
          throw new Error('no slot left');
        },
      }),
    });
    await store.create('busy', { contentType: 'text/plain' });
    const response = await app.inject({ url: '/v1/stream/busy?offset=-1&live=sse' });
    expect(response.statusCode).toBe(429);
    expect(response.json()).toEqual({ refused: 'no slot left' });
  });
});

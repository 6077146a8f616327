import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import { nativeEventEncoder } from './native-event-encoder.ts';
import { relay } from './relay.ts';
import { WebSocketConnection, type WebSocketPeer } from './websocket-connection.ts';
import { WebSocketTransport } from './websocket-transport.ts';

// `ws` ships no types (and @types/ws is not installed): the members these tests use.
interface WsServer {
  address(): AddressInfo;
  on(
    event: 'connection',
    listener: (socket: WebSocketPeer, request: { socket: Socket }) => void,
  ): unknown;
  on(event: 'listening', listener: () => void): unknown;
  close(): void;
}
interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'open' | 'close', listener: () => void): unknown;
  close(): void;
}
const ws = createRequire(import.meta.url)('ws') as {
  WebSocketServer: new (options: { port: number; host: string }) => WsServer;
  WebSocket: new (url: string) => WsClient;
};

const PATH = 'generations/gen_1';
const LIMITS = {
  maxBufferedBytes: 1024 * 1024,
  stalledReaderTimeoutMs: 30_000,
  heartbeatIntervalMs: 0,
  idleTimeoutMs: 60_000,
};

let store: MemoryStreamStore;
let server: WsServer;
let client: WsClient;
let connection: WebSocketConnection;
let received: Array<Record<string, unknown>>;
let waiters: Array<() => void>;

beforeEach(async () => {
  store = new MemoryStreamStore();
  await store.create(PATH, { contentType: 'application/json' });
  server = new ws.WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.on('listening', resolve));
  const accepted = new Promise<WebSocketConnection>((resolve) =>
    server.on('connection', (socket, request) =>
      resolve(new WebSocketConnection(socket, request.socket, LIMITS)),
    ),
  );
  received = [];
  waiters = [];
  client = new ws.WebSocket(`ws://127.0.0.1:${server.address().port}`);
  client.on('message', (data) => {
    received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  connection = await accepted;
});
afterEach(async () => {
  client.close();
  server.close();
  await store.dispose();
});

async function frames(count: number): Promise<Array<Record<string, unknown>>> {
  while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  return received;
}

async function append(...events: string[]): Promise<string> {
  const result = await store.append(
    PATH,
    events.map((event) => Buffer.from(event)),
  );
  return result.offset;
}

const delta = (text: string) => `{"type":"text-delta","delta":"${text}"}`;

describe('WebSocketTransport', () => {
  test('sends each event as a frame with its generation and offset, then the end', async () => {
    const first = await append(delta('a'));
    const second = await append(delta('b'));
    await store.close(PATH);
    const outcome = await relay(store, PATH, '-1', {
      encoder: nativeEventEncoder,
      open: () => new WebSocketTransport(connection, 'gen_1'),
    });
    expect(outcome.reason).toBe('completed');
    expect(await frames(3)).toEqual([
      {
        type: 'event',
        generationId: 'gen_1',
        offset: first,
        event: { type: 'text-delta', delta: 'a' },
      },
      {
        type: 'event',
        generationId: 'gen_1',
        offset: second,
        event: { type: 'text-delta', delta: 'b' },
      },
      { type: 'end', generationId: 'gen_1', reason: 'closed' },
    ]);
  });

  test('unsubscribe ends at once, sends nothing more, and detaches as a reader that left', async () => {
    await append(delta('a'));
    let transport: WebSocketTransport | undefined;
    const delivery = relay(store, PATH, '-1', {
      encoder: nativeEventEncoder,
      open: () => {
        transport = new WebSocketTransport(connection, 'gen_1');
        return transport;
      },
    });
    await frames(1);
    transport?.unsubscribe();
    await append(delta('b'));
    const outcome = await delivery;
    expect(outcome.reason).toBe('client-disconnected');
    // A ping after it: everything before it arrived.
    connection.sendNow('{"type":"pong"}');
    expect(await frames(3)).toEqual([
      expect.objectContaining({ type: 'event' }),
      { type: 'end', generationId: 'gen_1', reason: 'unsubscribed' },
      { type: 'pong' },
    ]);
  });

  test('a read that fails mid-stream is an error frame, then the end', async () => {
    await append(delta('a'));
    const delivery = relay(store, PATH, '-1', {
      encoder: nativeEventEncoder,
      open: () => new WebSocketTransport(connection, 'gen_1'),
    });
    await frames(1);
    await store.delete(PATH);
    const outcome = await delivery;
    expect(outcome.reason).toBe('failed');
    expect((await frames(3)).slice(1)).toEqual([
      expect.objectContaining({
        type: 'error',
        generationId: 'gen_1',
        code: expect.stringMatching(/^SLUICE_ERR_/),
      }),
      { type: 'end', generationId: 'gen_1', reason: 'failed' },
    ]);
  });

  test('a connection the client closes ends its subscriptions', async () => {
    await append(delta('a'));
    const delivery = relay(store, PATH, '-1', {
      encoder: nativeEventEncoder,
      open: () => new WebSocketTransport(connection, 'gen_1'),
    });
    await frames(1);
    client.close();
    expect((await delivery).reason).toBe('client-disconnected');
    expect(connection.endReason).toBe('client-disconnected');
  });
});

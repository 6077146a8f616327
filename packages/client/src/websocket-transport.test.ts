import { setTimeout as delay } from 'node:timers/promises';
import { ERROR_CATALOGUE, formatOffset, type GenerationEvent } from '@sluice/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { retryPolicy } from './backoff.ts';
import { type DeliveredEvent, TransportError } from './event-transport.ts';
import { MockWebSocket } from './mock-web-socket.ts';
import { readWithResume } from './resumable-read.ts';
import { SUBSCRIBE_ERROR_STATUS } from './websocket-connection.ts';
import { WebSocketTransport } from './websocket-transport.ts';

const GEN_A = `gen_${'a'.repeat(32)}`;
const GEN_B = `gen_${'b'.repeat(32)}`;

function transport(options: { apiKey?: string; heartbeatIntervalMs?: number } = {}) {
  return new WebSocketTransport({
    baseUrl: 'http://127.0.0.1:7700/',
    WebSocket: MockWebSocket,
    lingerMs: 0,
    ...options,
  });
}

function delta(text: string): GenerationEvent {
  return { type: 'text-delta', delta: text };
}

function eventFrame(generationId: string, index: number, text: string) {
  return { type: 'event', generationId, offset: formatOffset(index), event: delta(text) };
}

interface Read {
  events: DeliveredEvent[];
  error: unknown;
  done: Promise<void>;
}

function read(iterable: AsyncIterable<DeliveredEvent>): Read {
  const result: Read = { events: [], error: undefined, done: Promise.resolve() };
  result.done = (async () => {
    try {
      for await (const delivered of iterable) result.events.push(delivered);
    } catch (error) {
      result.error = error;
    }
  })();
  return result;
}

/** Lets queued microtasks and zero-delay timers run (bounded). */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await delay(0);
}

function socket(index = 0): MockWebSocket {
  const found = MockWebSocket.instances[index];
  if (found === undefined) throw new Error(`no socket ${index}`);
  return found;
}

afterEach(() => MockWebSocket.reset());

describe('WebSocketTransport', () => {
  test('two generations share one lazily opened socket; auth goes first; end closes the read', async () => {
    const wire = transport({ apiKey: 'sk-test' });
    expect(MockWebSocket.instances).toHaveLength(0);
    const signal = new AbortController().signal;
    const a = read(wire.open({ generationId: GEN_A, offset: '-1', signal }));
    const b = read(wire.open({ generationId: GEN_B, offset: formatOffset(3), signal }));
    await settle();
    expect(MockWebSocket.instances).toHaveLength(1);
    expect(socket().url).toBe('ws://127.0.0.1:7700/v1/ws');
    socket().serverOpen();
    expect(socket().sent).toEqual([
      { type: 'auth', token: 'sk-test' },
      { type: 'subscribe', generationId: GEN_A, offset: '-1' },
      { type: 'subscribe', generationId: GEN_B, offset: formatOffset(3) },
    ]);
    socket().serverSend({ type: 'ready' });
    socket().serverSend(eventFrame(GEN_A, 1, 'a1'));
    socket().serverSend(eventFrame(GEN_B, 4, 'b4'));
    socket().serverSend(eventFrame(GEN_A, 2, 'a2'));
    socket().serverSend({ type: 'end', generationId: GEN_A, reason: 'closed' });
    await a.done;
    expect(a.error).toBeUndefined();
    expect(a.events.map((entry) => entry.offset)).toEqual([formatOffset(1), formatOffset(2)]);
    expect(socket().closedWith).toBeUndefined();
    socket().serverSend(eventFrame(GEN_B, 5, 'b5'));
    socket().serverSend({ type: 'end', generationId: GEN_B, reason: 'closed' });
    await b.done;
    expect(b.events.map((entry) => entry.event)).toEqual([delta('b4'), delta('b5')]);
    // No subscription left: the socket closes after the linger, without unsubscribing.
    await settle();
    expect(socket().closedWith).toBe(1000);
    expect(socket().framesOf('unsubscribe')).toEqual([]);
  });

  test('a socket holds at most maxSubscriptionsPerSocket reads; more go to another', async () => {
    const wire = new WebSocketTransport({
      baseUrl: 'https://gateway.example',
      WebSocket: MockWebSocket,
      maxSubscriptionsPerSocket: 1,
    });
    const signal = new AbortController().signal;
    read(wire.open({ generationId: GEN_A, offset: '-1', signal }));
    read(wire.open({ generationId: GEN_B, offset: '-1', signal }));
    await settle();
    expect(MockWebSocket.instances.map((instance) => instance.url)).toEqual([
      'wss://gateway.example/v1/ws',
      'wss://gateway.example/v1/ws',
    ]);
    wire.close();
  });

  test('a dropped socket fails every read with a retryable error after what had arrived', async () => {
    const wire = transport();
    const signal = new AbortController().signal;
    const a = read(wire.open({ generationId: GEN_A, offset: '-1', signal }));
    const b = read(wire.open({ generationId: GEN_B, offset: '-1', signal }));
    await settle();
    socket().serverOpen();
    expect(socket().framesOf('auth')).toEqual([]);
    socket().serverSend(eventFrame(GEN_A, 1, 'a1'));
    socket().serverClose(1006);
    await Promise.all([a.done, b.done]);
    expect(a.events).toHaveLength(1);
    for (const error of [a.error, b.error]) {
      expect(TransportError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ retryable: true });
    }
    // The next read opens a new socket.
    read(wire.open({ generationId: GEN_A, offset: formatOffset(1), signal }));
    await settle();
    expect(MockWebSocket.instances).toHaveLength(2);
  });

  test('an error frame is refused with the catalogue status: not found is not retryable', async () => {
    const wire = transport();
    const signal = new AbortController().signal;
    const a = read(wire.open({ generationId: GEN_A, offset: '-1', signal }));
    const b = read(wire.open({ generationId: GEN_B, offset: '-1', signal }));
    await settle();
    socket().serverOpen();
    socket().serverSend({
      type: 'error',
      generationId: GEN_A,
      code: 'SLUICE_ERR_GENERATION_NOT_FOUND',
      message: 'The generation does not exist',
    });
    socket().serverSend({
      type: 'error',
      generationId: GEN_B,
      code: 'SLUICE_ERR_TOO_MANY_CONCURRENT',
      message: 'Too many',
    });
    await Promise.all([a.done, b.done]);
    expect(a.error).toMatchObject({
      retryable: false,
      status: 404,
      serverCode: 'SLUICE_ERR_GENERATION_NOT_FOUND',
    });
    expect(b.error).toMatchObject({ retryable: true, status: 429 });
  });

  test('the statuses of subscribe refusals agree with the error catalogue', () => {
    for (const [code, status] of Object.entries(SUBSCRIBE_ERROR_STATUS)) {
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status).toBe(status);
    }
  });

  test('a refused key (close 4401) is not retryable', async () => {
    const wire = transport({ apiKey: 'sk-wrong' });
    const a = read(wire.open({ generationId: GEN_A, offset: '-1', signal: AbortSignal.abort() }));
    await a.done;
    expect(a.error).toBeInstanceOf(DOMException); // aborted before anything: the reason
    const b = read(
      wire.open({ generationId: GEN_A, offset: '-1', signal: new AbortController().signal }),
    );
    await settle();
    socket().serverOpen();
    socket().serverClose(4401);
    await b.done;
    expect(b.error).toMatchObject({
      retryable: false,
      status: 401,
      serverCode: 'SLUICE_ERR_UNAUTHENTICATED',
    });
    expect(String((b.error as Error).message)).not.toContain('sk-wrong');
  });

  test('abort unsubscribes; frames in flight are dropped until the gateway answered', async () => {
    const wire = transport();
    const controller = new AbortController();
    const other = read(
      wire.open({ generationId: GEN_B, offset: '-1', signal: new AbortController().signal }),
    );
    const a = read(wire.open({ generationId: GEN_A, offset: '-1', signal: controller.signal }));
    await settle();
    socket().serverOpen();
    socket().serverSend(eventFrame(GEN_A, 1, 'a1'));
    await settle();
    controller.abort(new Error('stop'));
    await a.done;
    expect(a.error).toMatchObject({ message: 'stop' });
    const ping = socket().framesOf('ping').at(-1);
    expect(socket().sent.slice(-2)).toEqual([
      { type: 'unsubscribe', generationId: GEN_A },
      { type: 'ping', ref: ping?.ref },
    ]);
    // Still draining: a new read of the same generation must not see the old frames.
    const again = read(
      wire.open({
        generationId: GEN_A,
        offset: formatOffset(1),
        signal: new AbortController().signal,
      }),
    );
    await settle();
    expect(MockWebSocket.instances).toHaveLength(2);
    socket().serverSend(eventFrame(GEN_A, 2, 'late'));
    socket().serverSend({ type: 'end', generationId: GEN_A, reason: 'unsubscribed' });
    socket().serverSend({ type: 'pong', ref: ping?.ref });
    socket(1).serverOpen();
    socket(1).serverSend(eventFrame(GEN_A, 2, 'a2'));
    socket(1).serverSend({ type: 'end', generationId: GEN_A, reason: 'closed' });
    await again.done;
    expect(again.events.map((entry) => entry.event)).toEqual([delta('a2')]);
    // Drained: the first socket takes a read of that generation again.
    read(wire.open({ generationId: GEN_A, offset: '-1', signal: new AbortController().signal }));
    await settle();
    expect(MockWebSocket.instances).toHaveLength(2);
    expect(socket().framesOf('subscribe')).toHaveLength(3);
    wire.close();
    await other.done;
    expect(other.error).toMatchObject({ retryable: false });
  });

  test('a socket that stops answering pings is dropped as retryable', async () => {
    const wire = transport({ heartbeatIntervalMs: 5 });
    const a = read(
      wire.open({ generationId: GEN_A, offset: '-1', signal: new AbortController().signal }),
    );
    await settle();
    socket().serverOpen();
    for (let round = 0; round < 200 && a.error === undefined; round++) await delay(5);
    expect(a.error).toMatchObject({ retryable: true, message: expect.stringContaining('ping') });
    expect(socket().framesOf('ping').length).toBeGreaterThan(0);
    expect(socket().closedWith).toBe(4000);
  });

  test('under readWithResume, a drop resubscribes from the last offset on a new socket', async () => {
    const wire = transport();
    const events: DeliveredEvent[] = [];
    const reading = (async () => {
      for await (const entry of readWithResume({
        transport: wire,
        generationId: GEN_A,
        offset: '-1',
        retry: retryPolicy({ initialDelayMs: 0, maxDelayMs: 0 }),
        signal: new AbortController().signal,
      })) {
        events.push(entry);
      }
    })();
    await settle();
    socket().serverOpen();
    socket().serverSend(eventFrame(GEN_A, 1, 'a1'));
    socket().serverSend(eventFrame(GEN_A, 2, 'a2'));
    socket().serverClose(1006);
    await settle();
    socket(1).serverOpen();
    expect(socket(1).framesOf('subscribe')).toEqual([
      { type: 'subscribe', generationId: GEN_A, offset: formatOffset(2) },
    ]);
    const usage = { inputTokens: 1, outputTokens: 2 };
    const timings = { timeToFirstTokenMs: 1, durationMs: 2 };
    const final = {
      type: 'response-final',
      verdict: 'approved',
      checks: [],
      contentSha256: 'x',
      policyVersion: 'default@0',
      model: 'm',
      provider: 'p',
      usage,
      timings,
    };
    const tail = [
      delta('a3'),
      { type: 'response-finish', finishReason: 'stop', usage, timings },
      final,
    ];
    tail.forEach((event, index) => {
      socket(1).serverSend({
        type: 'event',
        generationId: GEN_A,
        offset: formatOffset(index + 3),
        event,
      });
    });
    socket(1).serverSend({ type: 'end', generationId: GEN_A, reason: 'closed' });
    await reading;
    expect(events.map((entry) => entry.offset)).toEqual([1, 2, 3, 4, 5].map(formatOffset));
  });

  test('a message that is not a JSON frame is a protocol error', async () => {
    const wire = transport();
    const a = read(
      wire.open({ generationId: GEN_A, offset: '-1', signal: new AbortController().signal }),
    );
    await settle();
    socket().serverOpen();
    socket().serverSend('{"type":"event",');
    await a.done;
    expect(a.error).toMatchObject({ retryable: false, protocol: true });
  });
});

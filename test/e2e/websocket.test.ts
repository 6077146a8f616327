/**
 * `GET /v1/ws` against a real gateway, with the `ws` package as the client: several
 * generations multiplexed on one socket, resubscribing after a dropped socket with every
 * event exactly once, cancel, authentication by header and by first frame, bad input,
 * the slow-reader cut and the drain on shutdown.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf } from '../helpers/sse-client.ts';

type WsClient = WebSocket;

interface Frame {
  type: string;
  ref?: string;
  generationId?: string;
  offset?: string;
  reason?: string;
  code?: string;
  message?: string;
  event?: { type: string; delta?: string; finishReason?: string };
}

/** A client socket that records every frame and lets a test wait for one. */
class Client {
  readonly frames: Frame[] = [];
  readonly socket: WsClient;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  #waiters: Array<() => void> = [];

  constructor(url: string, headers?: Record<string, string>) {
    this.socket = new WebSocket(url, headers === undefined ? {} : { headers });
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as Frame);
      for (const wake of this.#waiters) wake();
    });
    // Errors (a refused upgrade, a reset) also end in 'close'; tests look at the code.
    this.socket.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.socket.on('open', () => resolve());
      this.socket.on('unexpected-response', (_request, response) =>
        reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    this.closed = new Promise((resolve) => {
      this.socket.on('close', (code) => {
        resolve(code);
        for (const wake of this.#waiters) wake();
      });
    });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame (from `from` on) that matches; waits for it. */
  async next(match: (frame: Frame) => boolean, from = 0): Promise<Frame> {
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.socket.readyState === 3) throw new Error('socket closed while waiting');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      this.#waiters = [];
    }
  }

  eventsOf(generationId: string): Frame[] {
    return this.frames.filter(
      (frame) => frame.type === 'event' && frame.generationId === generationId,
    );
  }
}

function wsUrl(server: RunningGateway): string {
  return `${server.baseUrl.replace('http', 'ws')}/v1/ws`;
}

async function connect(server: RunningGateway, headers?: Record<string, string>) {
  const client = new Client(wsUrl(server), headers);
  await client.opened;
  return client;
}

function simulatorRequest(maxTokens: number, tokenIntervalMs: number, extra = {}) {
  return {
    model: 'simulator',
    messages: [{ role: 'user', content: 'hello' }],
    maxTokens,
    simulator: { ttftMs: 0, tokenIntervalMs },
    ...extra,
  };
}

async function createGeneration(
  server: RunningGateway,
  body: Record<string, unknown>,
  key?: string,
): Promise<string> {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** A clean SSE read of a whole log: the reference every WebSocket read is compared with. */
async function sseLog(server: RunningGateway, id: string): Promise<EventSourceMessage[]> {
  return readSse(await fetch(`${server.baseUrl}/v1/generations/${id}/events`));
}

function sameEvents(frames: readonly Frame[], sse: readonly EventSourceMessage[]): void {
  expect(frames.map((frame) => frame.offset)).toEqual(sse.map((event) => event.id));
  expect(frames.map((frame) => frame.event)).toEqual(sse.map((event) => JSON.parse(event.data)));
}

async function readerSessions(server: RunningGateway, id: string) {
  const response = await fetch(`${server.baseUrl}/v1/audit/records?generationId=${id}&limit=100`);
  const { records } = (await response.json()) as {
    records: Array<{
      type: string;
      payload: { transport?: string; reasons?: Record<string, number> };
    }>;
  };
  return records.filter((record) => record.type === 'reader-session');
}

describe('open mode', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway();
  });
  afterAll(async () => {
    await server.close();
  });

  test('two generations started on one socket arrive interleaved, each with its ids and offsets', async () => {
    const client = await connect(server);
    client.send({ type: 'start', ref: 'a', request: simulatorRequest(30, 5) });
    client.send({ type: 'start', ref: 'b', request: simulatorRequest(30, 5, { seed: 7 }) });
    const a = await client.next((frame) => frame.type === 'started' && frame.ref === 'a');
    const b = await client.next((frame) => frame.type === 'started' && frame.ref === 'b');
    expect(a.generationId).toMatch(/^gen_/);
    expect(b.generationId).not.toBe(a.generationId);
    for (const started of [a, b]) {
      await client.next(
        (frame) => frame.type === 'end' && frame.generationId === started.generationId,
      );
    }
    const ends = client.frames.filter((frame) => frame.type === 'end');
    expect(ends.map((frame) => frame.reason)).toEqual(['closed', 'closed']);
    for (const started of [a, b]) {
      const id = started.generationId ?? '';
      const events = client.eventsOf(id);
      expect(events.filter((frame) => frame.event?.type === 'text-delta')).toHaveLength(30);
      sameEvents(events, await sseLog(server, id));
    }
    // Multiplexed: b's first event came before a's last one.
    const firstOfB = client.frames.findIndex(
      (frame) => frame.type === 'event' && frame.generationId === b.generationId,
    );
    const lastOfA = client.frames.findLastIndex(
      (frame) => frame.type === 'event' && frame.generationId === a.generationId,
    );
    expect(firstOfB).toBeLessThan(lastOfA);
    const sessions = await readerSessions(server, a.generationId ?? '');
    expect(sessions.map((record) => record.payload.transport)).toContain('websocket');
    client.socket.close();
  });

  test('resubscribing from the last offset after a dropped socket delivers every event exactly once', async () => {
    const id = await createGeneration(server, simulatorRequest(80, 5));
    const first = await connect(server);
    first.send({ type: 'subscribe', generationId: id, offset: '-1' });
    await first.next((frame) => first.eventsOf(id).length >= 10 && frame.type === 'event');
    first.socket.terminate();
    await first.closed;
    const received = first.eventsOf(id);
    const last = received.at(-1)?.offset;
    expect(last).toBeDefined();

    const second = await connect(server);
    second.send({ type: 'subscribe', generationId: id, offset: last });
    await second.next((frame) => frame.type === 'end' && frame.generationId === id);
    sameEvents([...received, ...second.eventsOf(id)], await sseLog(server, id));
    second.socket.close();
  });

  test('unsubscribe ends a subscription at once; resubscribing continues from an offset', async () => {
    const id = await createGeneration(server, simulatorRequest(40, 5));
    const client = await connect(server);
    client.send({ type: 'subscribe', generationId: id });
    await client.next((frame) => frame.type === 'event');
    client.send({ type: 'unsubscribe', generationId: id });
    const end = await client.next((frame) => frame.type === 'end');
    expect(end).toMatchObject({ generationId: id, reason: 'unsubscribed' });
    const before = client.eventsOf(id);
    const at = client.frames.indexOf(end);
    // Nothing of that subscription follows its end.
    client.send({ type: 'ping', ref: 'after' });
    await client.next((frame) => frame.type === 'pong' && frame.ref === 'after');
    expect(client.frames.slice(at).filter((frame) => frame.type === 'event')).toHaveLength(0);
    client.send({ type: 'subscribe', generationId: id, offset: before.at(-1)?.offset });
    await client.next((frame) => frame.type === 'end' && frame.reason === 'closed', at + 1);
    sameEvents(client.eventsOf(id), await sseLog(server, id));
    client.socket.close();
  });

  test('cancel over the socket cancels the generation', async () => {
    const client = await connect(server);
    client.send({ type: 'start', ref: 'long', request: simulatorRequest(1_000, 10) });
    const started = await client.next((frame) => frame.type === 'started');
    const id = started.generationId ?? '';
    await client.next((frame) => frame.type === 'event' && frame.event?.type === 'text-delta');
    client.send({ type: 'cancel', generationId: id });
    await client.next((frame) => frame.type === 'end' && frame.generationId === id);
    const finish = client.eventsOf(id).find((frame) => frame.event?.type === 'response-finish');
    expect(finish?.event?.finishReason).toBe('cancelled');
    const record = await fetch(`${server.baseUrl}/v1/generations/${id}`);
    expect(((await record.json()) as { status: string }).status).toBe('cancelled');
    client.socket.close();
  });

  test('a generation started with onDisconnect cancel is cancelled when its socket drops', async () => {
    const client = await connect(server);
    client.send({
      type: 'start',
      ref: 'c',
      request: simulatorRequest(1_000, 10, { onDisconnect: 'cancel' }),
    });
    const started = await client.next((frame) => frame.type === 'started');
    await client.next((frame) => frame.type === 'event' && frame.event?.type === 'text-delta');
    client.socket.terminate();
    const id = started.generationId ?? '';
    const events = await readSse(await fetch(`${server.baseUrl}/v1/generations/${id}/events`));
    expect(terminalOf(events)).toMatchObject({
      type: 'response-finish',
      data: { finishReason: 'cancelled' },
    });
  });

  test('bad frames get error frames with stable codes, and the connection goes on', async () => {
    const client = await connect(server);
    const errorAfter = async (send: () => void) => {
      const from = client.frames.length;
      send();
      return client.next((frame) => frame.type === 'error', from);
    };
    expect(await errorAfter(() => client.socket.send('{not json'))).toMatchObject({
      code: 'SLUICE_ERR_INVALID_JSON',
    });
    expect(await errorAfter(() => client.send({ type: 'teleport', ref: 'x' }))).toMatchObject({
      code: 'SLUICE_ERR_INVALID_REQUEST',
      ref: 'x',
    });
    expect(await errorAfter(() => client.socket.send('[1,2]'))).toMatchObject({
      code: 'SLUICE_ERR_INVALID_REQUEST',
    });
    expect(await errorAfter(() => client.socket.send(Buffer.from([1, 2, 3])))).toMatchObject({
      code: 'SLUICE_ERR_INVALID_REQUEST',
    });
    expect(
      await errorAfter(() => client.send({ type: 'subscribe', generationId: 42 })),
    ).toMatchObject({ code: 'SLUICE_ERR_INVALID_REQUEST' });
    const unknown = `gen_${'0'.repeat(32)}`;
    expect(
      await errorAfter(() => client.send({ type: 'subscribe', generationId: unknown })),
    ).toMatchObject({ code: 'SLUICE_ERR_GENERATION_NOT_FOUND', generationId: unknown });
    expect(
      await errorAfter(() => client.send({ type: 'subscribe', generationId: 'nope' })),
    ).toMatchObject({ code: 'SLUICE_ERR_GENERATION_NOT_FOUND' });
    expect(
      await errorAfter(() => client.send({ type: 'cancel', generationId: unknown })),
    ).toMatchObject({ code: 'SLUICE_ERR_GENERATION_NOT_FOUND' });
    const badStart = await errorAfter(() =>
      client.send({ type: 'start', ref: 's', request: { model: 'simulator' } }),
    );
    expect(badStart).toMatchObject({ code: 'SLUICE_ERR_INVALID_REQUEST', ref: 's' });
    expect(badStart.message).toMatch(/^request\.messages/);
    expect(
      await errorAfter(() =>
        client.send({ type: 'start', ref: 'm', request: simulatorRequest(5, 0, { model: 'x' }) }),
      ),
    ).toMatchObject({ code: 'SLUICE_ERR_MODEL_NOT_FOUND', ref: 'm' });
    const id = await createGeneration(server, simulatorRequest(5, 0));
    expect(
      await errorAfter(() => client.send({ type: 'subscribe', generationId: id, offset: 'zz' })),
    ).toMatchObject({ code: 'SLUICE_ERR_INVALID_OFFSET', generationId: id });
    client.send({ type: 'ping', ref: 'alive' });
    expect(await client.next((frame) => frame.type === 'pong')).toEqual({
      type: 'pong',
      ref: 'alive',
    });
    client.socket.close();
  });

  test('a frame over the size limit closes the connection with 1009', async () => {
    const client = await connect(server);
    client.socket.send('x'.repeat(1024 * 1024 + 1));
    expect(await client.closed).toBe(1009);
  });
});

describe('connection limits', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway({
      config: { streams: { websocket: { maxSubscriptions: 3, framesPerSecond: 5 } } },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  test('subscriptions past the per-connection limit are refused with an error frame', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      ids.push(await createGeneration(server, simulatorRequest(1_000, 20)));
    }
    const client = await connect(server);
    for (const id of ids.slice(0, 3)) client.send({ type: 'subscribe', generationId: id });
    for (const id of ids.slice(0, 3)) {
      await client.next((frame) => frame.type === 'event' && frame.generationId === id);
    }
    client.send({ type: 'subscribe', generationId: ids[0] });
    expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
      code: 'SLUICE_ERR_INVALID_REQUEST',
      generationId: ids[0],
    });
    const from = client.frames.length;
    client.send({ type: 'subscribe', generationId: ids[3] });
    expect(await client.next((frame) => frame.type === 'error', from)).toMatchObject({
      code: 'SLUICE_ERR_TOO_MANY_CONCURRENT',
      generationId: ids[3],
    });
    client.socket.close();
    for (const id of ids)
      await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
  });

  test('a flood of frames closes the connection with 1008', async () => {
    const client = await connect(server);
    for (let index = 0; index < 50; index += 1) client.send({ type: 'ping' });
    expect(await client.closed).toBe(1008);
    expect(client.frames.at(-1)).toMatchObject({ type: 'error', code: 'SLUICE_ERR_RATE_LIMITED' });
  });
});

describe('keys mode', () => {
  let server: RunningGateway;
  let key: string;
  let otherKey: string;
  let readOnlyKey: string;
  beforeAll(async () => {
    server = await startGateway({
      config: {
        auth: { mode: 'keys' },
        models: [{ name: 'simulator', enabled: true }],
        streams: { websocket: { authTimeoutMs: 300 } },
      },
    });
    const keys = server.gateway.context.governance.apiKeys;
    key = (await keys.create({ tenant: 'acme', name: 'app', scopes: ['generate', 'read'] })).key;
    otherKey = (await keys.create({ tenant: 'other', name: 'app', scopes: ['generate', 'read'] }))
      .key;
    readOnlyKey = (await keys.create({ tenant: 'acme', name: 'reader', scopes: ['read'] })).key;
  });
  afterAll(async () => {
    await server.close();
  });

  test('a bearer key on the upgrade authenticates; a wrong one is a 401 before the upgrade', async () => {
    const client = await connect(server, { authorization: `Bearer ${key}` });
    client.send({ type: 'start', ref: 'h', request: simulatorRequest(5, 0) });
    const started = await client.next((frame) => frame.type === 'started');
    await client.next((frame) => frame.type === 'end' && frame.reason === 'closed');
    expect(client.eventsOf(started.generationId ?? '').length).toBeGreaterThan(5);
    client.socket.close();
    await expect(connect(server, { authorization: 'Bearer sk-wrong' })).rejects.toThrow('HTTP 401');
  });

  test('a first-frame token authenticates a browser-style connection', async () => {
    const client = await connect(server);
    client.send({ type: 'auth', token: key });
    await client.next((frame) => frame.type === 'ready');
    client.send({ type: 'start', ref: 'f', request: simulatorRequest(5, 0) });
    await client.next((frame) => frame.type === 'end' && frame.reason === 'closed');
    client.socket.close();
  });

  test('a wrong token, a first frame that is not auth, or no auth in time close the connection', async () => {
    const wrong = await connect(server);
    wrong.send({ type: 'auth', token: 'sk-wrong' });
    expect(await wrong.closed).toBe(4401);
    const early = await connect(server);
    early.send({ type: 'subscribe', generationId: `gen_${'0'.repeat(32)}` });
    expect(await early.closed).toBe(4401);
    const silent = await connect(server);
    expect(await silent.closed).toBe(4408);
    expect(wrong.frames.concat(early.frames, silent.frames)).toEqual([]);
  });

  test("another tenant's generation is answered as an unknown one; scopes are enforced", async () => {
    const id = await createGeneration(server, simulatorRequest(5, 0), key);
    const other = await connect(server, { authorization: `Bearer ${otherKey}` });
    other.send({ type: 'subscribe', generationId: id });
    expect(await other.next((frame) => frame.type === 'error')).toMatchObject({
      code: 'SLUICE_ERR_GENERATION_NOT_FOUND',
      generationId: id,
    });
    other.send({ type: 'cancel', generationId: id });
    expect(await other.next((frame) => frame.type === 'error', 1)).toMatchObject({
      code: 'SLUICE_ERR_GENERATION_NOT_FOUND',
    });
    other.socket.close();
    const reader = await connect(server, { authorization: `Bearer ${readOnlyKey}` });
    reader.send({ type: 'start', ref: 'r', request: simulatorRequest(5, 0) });
    expect(await reader.next((frame) => frame.type === 'error')).toMatchObject({
      code: 'SLUICE_ERR_FORBIDDEN',
      ref: 'r',
    });
    reader.send({ type: 'subscribe', generationId: id });
    await reader.next((frame) => frame.type === 'end' && frame.generationId === id);
    reader.socket.close();
  });
});

describe('slow readers and shutdown', () => {
  test('a reader that stops reading is cut and its read audited as cut', async () => {
    const server = await startGateway({
      config: {
        streams: { maxBufferedBytes: 64 * 1024, stalledReaderTimeoutMs: 300 },
        models: [{ name: 'simulator', maxTokens: 1_000_000 }],
      },
    });
    try {
      const id = await createGeneration(server, simulatorRequest(150_000, 0));
      const client = await connect(server);
      client.send({ type: 'subscribe', generationId: id });
      await client.next((frame) => frame.type === 'event');
      client.socket.pause();
      for (;;) {
        const sessions = await readerSessions(server, id);
        const reasons = sessions.flatMap((record) => Object.keys(record.payload.reasons ?? {}));
        if (reasons.some((reason) => reason.startsWith('cut-'))) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      client.socket.resume();
      expect(await client.closed).toBe(1006);
      await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    } finally {
      await server.close();
    }
  }, 60_000);

  test('shutting down ends running generations for their subscribers, then closes with 1001', async () => {
    const server = await startGateway();
    const client = await connect(server);
    client.send({ type: 'start', ref: 'running', request: simulatorRequest(1_000, 10) });
    await client.next((frame) => frame.type === 'event' && frame.event?.type === 'text-delta');
    await server.close();
    expect(await client.closed).toBe(1001);
    // The drain ended the generation first: its subscriber got the terminal event and end.
    const events = client.frames.filter((frame) => frame.type === 'event');
    expect(events.map((frame) => frame.event?.type)).toContain('response-finish');
    expect(client.frames.at(-1)).toMatchObject({ type: 'end', reason: 'closed' });
  });
});

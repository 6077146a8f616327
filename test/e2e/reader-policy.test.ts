/**
 * One reader policy, whatever carries a generation's log to the client: the same suite
 * runs against native SSE, OpenAI chunks, and Durable Streams SSE and long-poll of
 * `/v1/stream/generations/{id}`. Each transport must refuse a reader over the caller's
 * stream limit with a 429 before anything is committed, audit each read as one
 * `reader-session` record (from where, how far, why it ended) under the generation's
 * subject, cut a reader that stops taking data, and hold no reader
 * to more than `maxBufferedBytes`. Waits are on events (audit rows as they are recorded,
 * responses), never on the clock.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditRecordInput } from '../../packages/gateway/src/governance/audit/audit-record.ts';
import { MemoryStreamStore } from '../../packages/gateway/src/store/memory-stream-store.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

/** What a generation is asked for (native request fields). */
interface Recipe {
  model: string;
  /** Read while it is produced (and cancelled after the test) instead of once finished. */
  live?: boolean;
  maxTokens?: number;
  simulator?: Record<string, unknown>;
  sessionId?: string;
  endUserId?: string;
}

interface OpenedReader {
  response: IncomingMessage;
  generationId: string;
}

interface ReaderCase {
  name: string;
  /** The transport as the audit rows name it. */
  transport: string;
  /** Reads an existing generation's log (false: starts its own generation, OpenAI). */
  readsLog: boolean;
  /** Can start past the beginning of the log. */
  resumable: boolean;
  open(server: RunningGateway, source: Source, offset?: string): Promise<OpenedReader>;
}

interface Source {
  recipe: Recipe;
  /** The generation, for transports that read an existing log. */
  id?: string;
}

function openHttp(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {} });
    request.once('response', (response) => {
      // A cut reader sees its connection reset; that is the point, not a failure.
      response.on('error', () => {});
      resolve(response);
    });
    request.once('error', reject);
    request.end(init.body);
  });
}

function logId(source: Source): string {
  if (source.id === undefined) throw new Error('this transport reads an existing log');
  return source.id;
}

const TRANSPORTS: ReaderCase[] = [
  {
    name: 'native SSE',
    transport: 'sse',
    readsLog: true,
    resumable: true,
    async open(server, source, offset) {
      const id = logId(source);
      const headers: Record<string, string> =
        offset === undefined ? {} : { 'last-event-id': offset };
      const url = `${server.baseUrl}/v1/generations/${id}/events`;
      return { response: await openHttp(url, { headers }), generationId: id };
    },
  },
  {
    name: 'OpenAI chunks',
    transport: 'openai',
    readsLog: false,
    resumable: false,
    async open(server, source) {
      const { recipe } = source;
      const response = await openHttp(`${server.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: recipe.model,
          stream: true,
          messages: [{ role: 'user', content: 'Tell me a long story.' }],
          max_tokens: recipe.maxTokens,
          simulator: recipe.simulator,
          sessionId: recipe.sessionId,
          user: recipe.endUserId,
        }),
      });
      return { response, generationId: String(response.headers['sluice-generation-id']) };
    },
  },
  {
    name: 'Durable Streams SSE',
    transport: 'durable-streams-sse',
    readsLog: true,
    resumable: true,
    async open(server, source, offset = '-1') {
      const id = logId(source);
      const url = `${server.baseUrl}/v1/stream/generations/${id}?offset=${offset}&live=sse`;
      return { response: await openHttp(url), generationId: id };
    },
  },
  {
    name: 'Durable Streams long-poll',
    transport: 'durable-streams-long-poll',
    readsLog: true,
    resumable: true,
    async open(server, source, offset = '-1') {
      const id = logId(source);
      const url = `${server.baseUrl}/v1/stream/generations/${id}?offset=${offset}&live=long-poll`;
      return { response: await openHttp(url), generationId: id };
    },
  },
];

/** Audit rows as the gateway records them, and a way to wait for one. */
class AuditWatch {
  readonly records: AuditRecordInput[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(server: RunningGateway) {
    const audit = server.gateway.context.audit;
    const record = audit.record.bind(audit);
    audit.record = (input) => {
      this.records.push(input);
      record(input);
      for (const wake of this.#waiters) wake();
    };
  }

  readerRows(generationId: string, transport: string): AuditRecordInput[] {
    return this.records.filter(
      (row) =>
        row.generationId === generationId &&
        row.type.startsWith('reader-') &&
        (row.payload as { transport?: string }).transport === transport,
    );
  }

  /** The first finished read of `generationId` over `transport`, once recorded. */
  async detached(generationId: string, transport: string) {
    for (;;) {
      const row = this.readerRows(generationId, transport).find(
        (candidate) => candidate.type === 'reader-session',
      );
      if (row?.type === 'reader-session') return row;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
  }
}

async function generate(server: RunningGateway, recipe: Recipe): Promise<string> {
  const { live, ...fields } = recipe;
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...fields,
      messages: [{ role: 'user', content: 'Tell me a long story.' }],
      ...(live === true ? {} : { delivery: 'final' }),
    }),
  });
  const body = (await response.json()) as { id: string; status: string };
  expect(body.status).toBe(live === true ? 'running' : 'finished');
  return body.id;
}

async function sourceFor(server: RunningGateway, transport: ReaderCase, recipe: Recipe) {
  return transport.readsLog ? { recipe, id: await generate(server, recipe) } : { recipe };
}

/** A gateway for one part of the policy, watched, with its large logs made once. */
class Harness {
  server!: RunningGateway;
  audit!: AuditWatch;
  readonly #options: Parameters<typeof startGateway>[0];
  readonly #logs = new Map<string, Promise<string>>();

  constructor(options: Parameters<typeof startGateway>[0]) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.server = await startGateway(this.#options);
    this.audit = new AuditWatch(this.server);
  }

  /** Where a transport reads from: a finished log shared by every log reader, or a recipe. */
  async source(transport: ReaderCase, recipe: Recipe): Promise<Source> {
    if (!transport.readsLog || recipe.live === true) {
      return sourceFor(this.server, transport, recipe);
    }
    const key = JSON.stringify(recipe);
    let log = this.#logs.get(key);
    if (log === undefined) {
      log = generate(this.server, recipe);
      this.#logs.set(key, log);
    }
    return { recipe, id: await log };
  }
}

function cancel(server: RunningGateway, generationId: string): Promise<Response> {
  return fetch(`${server.baseUrl}/v1/generations/${generationId}/cancel`, { method: 'POST' });
}

async function bodyOf(response: IncomingMessage): Promise<string> {
  let text = '';
  response.setEncoding('utf8');
  for await (const chunk of response) text += chunk;
  return text;
}

/** Lets a paused response run out after the gateway cut it; resolves with what it held. */
function drainAfterCut(response: IncomingMessage): Promise<number> {
  let received = 0;
  return new Promise((resolve) => {
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    response.once('close', () => resolve(received));
    response.resume();
  });
}

/** A finished log far larger than what sockets buffer, whatever the transport's framing. */
const LARGE: Recipe = {
  model: 'simulator',
  maxTokens: 300_000,
  simulator: { ttftMs: 0, tokenIntervalMs: 0 },
};
/** A generation read as it is produced (OpenAI chunks start their own). */
const LIVE: Recipe = {
  model: 'simulator',
  live: true,
  maxTokens: 1_000_000,
  simulator: { ttftMs: 0, tokenIntervalMs: 0 },
};

/** Admission and audit: one stream slot per client address. */
/** Long simulator answers stand in for a model that talks for a long time. */
const LONG_ANSWERS = [{ name: 'simulator', maxTokens: 1_000_000 }];
const admission = new Harness({
  config: { limits: { perClientIp: { concurrentStreams: 1 } }, models: LONG_ANSWERS },
});
/** Slow readers: cut after 300 ms without progress; no cap in the way. */
const slow = new Harness({
  // Lets one long-poll answer (one batch) hold the whole large log.
  store: new MemoryStreamStore({
    maxMessagesPerRead: 1_000_000,
    maxBytesPerRead: 64 * 1024 * 1024,
  }),
  config: {
    streams: { stalledReaderTimeoutMs: 300, maxBufferedBytes: 64 * 1024 * 1024 },
    models: LONG_ANSWERS,
  },
});
/** The buffer cap at its smallest. */
const CAP = 1024;
const capped = new Harness({
  config: { streams: { maxBufferedBytes: CAP }, models: LONG_ANSWERS },
});

beforeAll(async () => {
  await Promise.all([admission.start(), slow.start(), capped.start()]);
});

afterAll(async () => {
  await Promise.all([admission.server.close(), slow.server.close(), capped.server.close()]);
});

describe.each(TRANSPORTS)('$name', (transport) => {
  test('a reader over the stream limit gets a 429 before anything is committed', async () => {
    const { server, audit } = admission;
    const source = await sourceFor(server, transport, { model: 'simulator', maxTokens: 5 });
    // Holds the one stream slot: a native reader of a generation that never ends.
    const stuck = await generateRunning(server);
    const holder = await openHttp(`${server.baseUrl}/v1/generations/${stuck}/events`);
    try {
      expect(holder.statusCode).toBe(200);
      const runningBefore = server.gateway.context.generations.runningCount;
      const refused = await transport.open(server, source);
      expect(refused.response.statusCode).toBe(429);
      // A refused POST started nothing: no generation runs for a stream nobody may read.
      expect(server.gateway.context.generations.runningCount).toBe(runningBefore);
      expect(refused.response.headers['content-type']).toContain('application/json');
      const error = JSON.parse(await bodyOf(refused.response)) as { error: { code: string } };
      expect(error.error.code).toBe('SLUICE_ERR_TOO_MANY_CONCURRENT');
      expect(audit.readerRows(refused.generationId, transport.transport)).toEqual([]);
    } finally {
      holder.destroy();
      await audit.detached(stuck, 'sse');
      await cancel(server, stuck);
    }

    // The slot came back when the holder left.
    const admitted = await transport.open(server, source);
    expect(admitted.response.statusCode).toBe(200);
    await bodyOf(admitted.response);
  });

  test('a read is audited once, from where it started to where it ended, under the generation subject', async () => {
    const { server, audit } = admission;
    const source = await sourceFor(server, transport, {
      model: 'simulator',
      maxTokens: 20,
      sessionId: 'session-reader',
      endUserId: 'user-reader',
    });
    let offset: string | undefined;
    let tail: string | undefined;
    if (source.id !== undefined && transport.resumable) {
      const log = await server.gateway.context.store.read(`generations/${source.id}`, {
        offset: '-1',
      });
      offset = log.messages[2]?.offset;
      tail = log.nextOffset;
    }
    const reader = await transport.open(server, source, offset);
    expect(reader.response.statusCode).toBe(200);
    await bodyOf(reader.response);
    const detached = await audit.detached(reader.generationId, transport.transport);

    const subject = {
      generationId: reader.generationId,
      tenant: expect.any(String),
      sessionId: 'session-reader',
      endUserId: 'user-reader',
    };
    expect(audit.readerRows(reader.generationId, transport.transport)).toEqual([
      {
        type: 'reader-session',
        ...subject,
        actor: expect.any(String),
        payload: {
          readerId: detached.payload.readerId,
          transport: transport.transport,
          reads: 1,
          resumed: offset === undefined ? 0 : 1,
          fromOffset: offset ?? '-1',
          offset: tail ?? expect.any(String),
          reasons: { completed: 1 },
          attachedAt: expect.any(String),
          detachedAt: expect.any(String),
        },
      },
    ]);
  });

  test('a reader that takes nothing is cut, and the cut is audited', async () => {
    const { server, audit } = slow;
    const recipe = transport.readsLog ? LARGE : LIVE;
    const reader = await transport.open(server, await slow.source(transport, recipe));
    reader.response.pause();
    expect(reader.response.statusCode).toBe(200);

    const detached = await audit.detached(reader.generationId, transport.transport);
    expect(detached.payload).toMatchObject({ reasons: { 'cut-stalled': 1 } });
    // The connection is gone; the client holds only what its socket had taken.
    expect(await drainAfterCut(reader.response)).toBeGreaterThan(0);
    if (!transport.readsLog) await cancel(server, reader.generationId);
  });

  test('no reader holds more than maxBufferedBytes', async () => {
    const { server, audit } = capped;
    const oneShot = transport.transport === 'durable-streams-long-poll';
    const recipe = !transport.readsLog ? LIVE : oneShot ? { ...LARGE, maxTokens: 2000 } : LARGE;
    const reader = await transport.open(server, await capped.source(transport, recipe));
    expect(reader.response.statusCode).toBe(200);
    if (oneShot) {
      // A long-poll answer is one batch, and no batch exceeds the cap (one event at least).
      const body = await bodyOf(reader.response);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CAP + 512);
      expect((JSON.parse(body) as unknown[]).length).toBeGreaterThan(1);
      expect(reader.response.headers['stream-up-to-date']).toBeUndefined();
      const detached = await audit.detached(reader.generationId, transport.transport);
      expect(detached.payload).toMatchObject({
        reasons: { completed: 1 },
        offset: reader.response.headers['stream-next-offset'],
      });
      return;
    }
    // A streaming reader that stops taking data goes past the cap as events keep coming.
    reader.response.pause();
    const detached = await audit.detached(reader.generationId, transport.transport);
    expect(detached.payload).toMatchObject({ reasons: { 'cut-buffer-limit': 1 } });
    expect(await drainAfterCut(reader.response)).toBeGreaterThan(0);
    if (!transport.readsLog) await cancel(server, reader.generationId);
  });
});

/** A generation whose model stalls after its first token: its log stays open. */
async function generateRunning(server: RunningGateway): Promise<string> {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 50,
      simulator: { stallAfterTokens: 1 },
    }),
  });
  const { id } = (await response.json()) as { id: string };
  return id;
}

/**
 * `@sluice/client` end to end: a real gateway (simulator model) behind a TCP proxy that
 * cuts connections mid-frame. The SDK must deliver every event exactly once and in the
 * log's order across resumes, cancel, surface the verdict and a human review decision,
 * give up with a clear error when the gateway is gone for good, and resume by id after a
 * "page reload" from the offset it stored.
 */
import {
  type GenerateRequest,
  type GenerationEvent,
  recallGeneration,
  rememberGeneration,
  SluiceClient,
  SluiceStreamError,
  type StorageLike,
} from '@sluice/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type CuttingProxy, startCuttingProxy } from '../helpers/cutting-proxy.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse } from '../helpers/sse-client.ts';

let server: RunningGateway;
let proxy: CuttingProxy;

beforeAll(async () => {
  server = await startGateway({
    config: {
      models: [
        { name: 'simulator', provider: 'simulator' },
        { name: 'reviewed', provider: 'simulator' },
      ],
    },
  });
});
afterAll(async () => {
  await server?.close();
});
// A proxy per test: a kept-alive connection from an earlier test must not carry its byte
// budget into this one (a `POST /v1/generations` cut mid-answer is, rightly, not retried).
beforeEach(async () => {
  proxy = await startCuttingProxy({ targetPort: Number(new URL(server.baseUrl).port) });
});
afterEach(async () => {
  await proxy?.close();
});

const fastRetry = { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 20 };

function request(extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'simulator',
    messages: [{ role: 'user', content: 'Tell me about rivers.' }],
    seed: 11,
    maxTokens: 40,
    simulator: { ttftMs: 0, tokenIntervalMs: 5 },
    ...extra,
  };
}

async function view(id: string) {
  return new SluiceClient({ baseUrl: server.baseUrl }).get(id);
}

/** The generation's whole log read directly from the gateway, after it closed. */
async function cleanRead(id: string): Promise<Array<{ offset: string; event: GenerationEvent }>> {
  const response = await fetch(`${server.baseUrl}/v1/generations/${id}/events?offset=-1`);
  const events = await readSse(response);
  return events.map((event) => ({
    offset: event.id ?? '',
    event: JSON.parse(event.data) as GenerationEvent,
  }));
}

function expectStrictlyIncreasing(offsets: string[]): void {
  for (let index = 1; index < offsets.length; index++) {
    expect((offsets[index] ?? '') > (offsets[index - 1] ?? '')).toBe(true);
  }
}

describe('@sluice/client against a real gateway', () => {
  test('connections cut mid-frame resume from the last complete event, exactly once', async () => {
    // Every connection dies after 900 bytes: the headers and a few events, then a cut
    // wherever the byte count falls (inside an event, inside a chunk header).
    proxy.options.cutAfterBytes = 900;
    const client = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const generation = client.generate(request());
    let reconnects = 0;
    generation.on('reconnect', () => {
      reconnects += 1;
    });
    const delivered: Array<{ offset: string; event: GenerationEvent }> = [];
    for await (const entry of generation.withOffsets()) delivered.push(entry);
    const result = await generation.result;
    const id = await generation.id;

    expect(reconnects).toBeGreaterThan(0);
    expect(proxy.stats.cuts).toBeGreaterThan(0);
    expectStrictlyIncreasing(delivered.map((entry) => entry.offset));
    expect(delivered).toEqual(await cleanRead(id));

    const record = await view(id);
    expect(result.text).toBe(record.text);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe('length');
    expect(result.usage?.outputTokens).toBe(40);
    expect(result.final).toMatchObject({ type: 'response-final', verdict: 'approved' });
    expect(result.verdict).toBe('approved');
    expect(generation.offset).toBe(delivered.at(-1)?.offset);
  });

  test('503 answers between cuts are retried like drops', async () => {
    proxy.options.cutAfterBytes = 1500;
    const client = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const generation = client.generate(request({ seed: 5 }));
    const statuses: Array<number | undefined> = [];
    generation.on('reconnect', (info) => {
      statuses.push((info.error as { status?: number }).status);
      // After the first cut, the next two new connections meet an overloaded front end.
      if (statuses.length === 1) proxy.answerUnavailable(2);
    });
    const delivered: Array<{ offset: string; event: GenerationEvent }> = [];
    for await (const entry of generation.withOffsets()) delivered.push(entry);
    // Which connection meets them depends on the pool (a kept-alive socket goes first).
    expect(statuses.filter((status) => status === 503)).toHaveLength(2);
    expect(proxy.stats.unavailable).toBe(2);
    expect(delivered).toEqual(await cleanRead(await generation.id));
  });

  test('cancel ends the stream with the terminal and final events; the status is cancelled', async () => {
    const client = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const generation = client.generate(
      request({ maxTokens: 2000, simulator: { ttftMs: 0, tokenIntervalMs: 20 } }),
    );
    const types: string[] = [];
    for await (const event of generation) {
      types.push(event.type);
      if (
        event.type === 'text-delta' &&
        types.filter((type) => type === 'text-delta').length === 2
      ) {
        await generation.cancel();
      }
    }
    const result = await generation.result;
    expect(result.finishReason).toBe('cancelled');
    expect(result.final?.type).toBe('response-final');
    expect(types.slice(-2)).toEqual(['response-finish', 'response-final']);
    const record = await view(await generation.id);
    expect(record.status).toBe('cancelled');
    expect(result.text).toBe(record.text);
  });

  test('a flagged answer held for review resolves with the reviewer’s decision', async () => {
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const published = await admin('POST', '/v1/policies/client-review/versions', {
      validators: { length: { maxChars: 5, onFail: 'flag' } },
      review: { holdStreamUntilDecided: true },
    });
    expect(published.status).toBe(201);
    const bound = await admin('PUT', '/v1/policy-bindings', {
      model: 'reviewed',
      policy: 'client-review',
    });
    expect(bound.status).toBeLessThan(300);

    proxy.options.cutAfterBytes = 1200;
    try {
      const client = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
      const generation = client.generate(request({ model: 'reviewed' }));
      let decided: Promise<Response> | undefined;
      generation.on('response-final', (final) => {
        expect(final.verdict).toBe('flagged');
        decided = (async () => {
          const id = await generation.id;
          const record = await view(id);
          return admin('POST', `/v1/reviews/${record.reviewItemId}/decision`, {
            decision: 'approved',
            reviewer: 'ana',
            note: 'fine',
          });
        })();
      });
      const result = await generation.result;
      expect((await decided)?.status).toBe(200);
      expect(result.final?.verdict).toBe('flagged');
      expect(result.reviewDecision).toMatchObject({ decision: 'approved', reviewer: 'ana' });
      expect(result.verdict).toBe('approved');
      expect(result.retracted).toBe(false);
      expect(result.text).toBe((await view(await generation.id)).text);
    } finally {
      await fetch(`${server.baseUrl}/v1/policy-bindings`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'reviewed' }),
      });
    }
  });

  test('a gateway gone for good ends in SLUICE_CLIENT_RETRIES_EXHAUSTED with id and offset', async () => {
    const down = await startCuttingProxy({ targetPort: Number(new URL(server.baseUrl).port) });
    try {
      const client = new SluiceClient({
        baseUrl: down.baseUrl,
        retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 10 },
      });
      const generation = client.generate(
        request({ maxTokens: 2000, simulator: { ttftMs: 0, tokenIntervalMs: 20 } }),
      );
      let reconnects = 0;
      generation.on('reconnect', () => {
        reconnects += 1;
      });
      let texts = 0;
      generation.on('text-delta', () => {
        texts += 1;
        if (texts === 3) {
          down.refuse(true);
          down.cutAll();
        }
      });
      const error = await generation.result.catch((caught: unknown) => caught);
      expect(SluiceStreamError.isInstance(error)).toBe(true);
      const streamError = error as SluiceStreamError;
      expect(streamError).toMatchObject({
        code: 'SLUICE_CLIENT_RETRIES_EXHAUSTED',
        generationId: await generation.id,
        offset: generation.offset,
        retryable: true,
      });
      expect(streamError.message).toContain(await generation.id);
      expect(reconnects).toBe(3);
      expect(down.stats.refused).toBeGreaterThan(0);
      await new SluiceClient({ baseUrl: server.baseUrl }).cancel(await generation.id);
    } finally {
      await down.close();
    }
  });

  test('after a reload, a new client resumes by id from the stored offset without duplicates', async () => {
    proxy.options.cutAfterBytes = 1000;
    const storage = new MapStorage();
    const first = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const before = first.generate(request({ seed: 23 }));
    rememberGeneration(before, storage, 'chat');
    const seen: Array<{ offset: string; event: GenerationEvent }> = [];
    before.on('event', (event, offset) => {
      seen.push({ offset, event });
      if (seen.filter((entry) => entry.event.type === 'text-delta').length === 5) before.detach();
    });
    await expect(before.result).rejects.toMatchObject({ code: 'SLUICE_CLIENT_ABORTED' });

    // The reloaded page: a new client, the id and offset from storage.
    const stored = recallGeneration(storage, 'chat');
    expect(stored).toEqual({ id: await before.id, offset: seen.at(-1)?.offset });
    if (stored === undefined) return;
    const second = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const after = second.resume(stored.id, { offset: stored.offset });
    const rest: Array<{ offset: string; event: GenerationEvent }> = [];
    for await (const entry of after.withOffsets()) rest.push(entry);

    expect([...seen, ...rest]).toEqual(await cleanRead(stored.id));
    const record = await view(stored.id);
    const textOf = (entries: typeof seen) =>
      entries.map(({ event }) => (event.type === 'text-delta' ? event.delta : '')).join('');
    expect(textOf(seen) + (await after.result).text).toBe(record.text);
    expect(recallGeneration(storage, 'chat')).toEqual(stored);
  });

  test('an unknown generation is a 404 refusal, not retried', async () => {
    const client = new SluiceClient({ baseUrl: proxy.baseUrl, retry: fastRetry });
    const generation = client.resume(`gen_${'0'.repeat(32)}`);
    let reconnects = 0;
    generation.on('reconnect', () => {
      reconnects += 1;
    });
    await expect(generation.result).rejects.toMatchObject({
      code: 'SLUICE_CLIENT_REQUEST_REFUSED',
      status: 404,
      serverCode: 'SLUICE_ERR_GENERATION_NOT_FOUND',
      retryable: false,
    });
    expect(reconnects).toBe(0);
  });
});

class MapStorage implements StorageLike {
  readonly #values = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#values.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#values.set(key, value);
  }
  removeItem(key: string): void {
    this.#values.delete(key);
  }
}

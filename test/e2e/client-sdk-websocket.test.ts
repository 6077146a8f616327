/**
 * `@sluice/client` with `transport: 'websocket'` end to end: a real gateway (simulator
 * model), the socket going through a TCP proxy that cuts it mid-frame. Several
 * generations are read over one socket, each equal to a clean read; a cut socket is
 * resumed with every event exactly once; cancel works; keys mode authenticates by first
 * frame, and a bad key fails without retries. Node's global `WebSocket` is used, and the
 * `ws` package's in keys mode (both must work).
 */
import {
  type FetchFunction,
  type GenerateRequest,
  type GenerationEvent,
  SluiceClient,
  type SluiceClientOptions,
} from '@sluice/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import NodeWebSocket from 'ws';
import { type CuttingProxy, startCuttingProxy } from '../helpers/cutting-proxy.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse } from '../helpers/sse-client.ts';

type Delivered = { offset: string; event: GenerationEvent };

const fastRetry = { maxAttempts: 8, initialDelayMs: 1, maxDelayMs: 20 };

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

/** The global `WebSocket`, counting the sockets a client opens and keeping them. */
function countingWebSocket() {
  const sockets: WebSocket[] = [];
  class CountingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { sockets, WebSocket: CountingWebSocket };
}

/** The generation's whole log read over SSE from the gateway itself, after it closed. */
async function cleanRead(
  server: RunningGateway,
  id: string,
  headers: Record<string, string> = {},
): Promise<Delivered[]> {
  const response = await fetch(`${server.baseUrl}/v1/generations/${id}/events?offset=-1`, {
    headers,
  });
  const events = await readSse(response);
  return events.map((event) => ({
    offset: event.id ?? '',
    event: JSON.parse(event.data) as GenerationEvent,
  }));
}

async function readAll(generation: { withOffsets(): AsyncIterable<Delivered> }) {
  const delivered: Delivered[] = [];
  for await (const entry of generation.withOffsets()) delivered.push(entry);
  return delivered;
}

async function closedEventually(sockets: readonly WebSocket[]): Promise<boolean> {
  for (let round = 0; round < 200; round++) {
    if (sockets.every((socket) => socket.readyState === WebSocket.CLOSED)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe('open mode', () => {
  let server: RunningGateway;
  let proxy: CuttingProxy;
  beforeAll(async () => {
    server = await startGateway();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    proxy = await startCuttingProxy({ targetPort: Number(new URL(server.baseUrl).port) });
  });
  afterEach(async () => {
    await proxy?.close();
  });

  /**
   * HTTP (starting, cancelling) goes straight to the gateway; only the socket crosses the
   * proxy, so its byte budget cuts WebSocket frames and never a `POST` answer.
   */
  function client(options: Partial<SluiceClientOptions> = {}) {
    const direct: FetchFunction = (input, init) =>
      fetch(input.replace(proxy.baseUrl, server.baseUrl), init);
    const counting = countingWebSocket();
    const sluice = new SluiceClient({
      baseUrl: proxy.baseUrl,
      fetch: direct,
      retry: fastRetry,
      transport: 'websocket',
      WebSocket: counting.WebSocket,
      ...options,
    });
    return { sluice, sockets: counting.sockets };
  }

  test('two generations read concurrently over one socket equal clean reads', async () => {
    const { sluice, sockets } = client();
    const first = sluice.generate(request());
    const second = sluice.generate(request({ seed: 7, maxTokens: 30 }));
    const [a, b] = await Promise.all([readAll(first), readAll(second)]);
    expect(sockets).toHaveLength(1);
    expect(proxy.stats.connections).toBe(1);
    expect(a).toEqual(await cleanRead(server, await first.id));
    expect(b).toEqual(await cleanRead(server, await second.id));
    expect((await first.result).verdict).toBe('approved');
    expect((await second.result).usage?.outputTokens).toBe(30);
    // Nothing left to read: the socket closes after its linger.
    expect(await closedEventually(sockets)).toBe(true);
  });

  test('a socket cut mid-frame is resumed with every event exactly once', async () => {
    // Every socket dies after 900 bytes: the 101 answer and a few event frames, then a cut
    // wherever the count falls (inside a frame header or its JSON).
    proxy.options.cutAfterBytes = 900;
    const { sluice, sockets } = client();
    const generation = sluice.generate(request({ seed: 3 }));
    let reconnects = 0;
    generation.on('reconnect', () => {
      reconnects += 1;
    });
    const delivered = await readAll(generation);
    const id = await generation.id;
    expect(reconnects).toBeGreaterThan(0);
    expect(proxy.stats.cuts).toBeGreaterThan(0);
    expect(sockets.length).toBe(reconnects + 1);
    expect(delivered).toEqual(await cleanRead(server, id));
    const result = await generation.result;
    expect(result.finishReason).toBe('length');
    expect(result.verdict).toBe('approved');
    expect(result.text).toBe((await sluice.get(id)).text);
  });

  test('several generations on a socket cut again and again all resume exactly once', async () => {
    proxy.options.cutAfterBytes = 2500;
    const { sluice, sockets } = client();
    const generations = [5, 6, 7].map((seed) => sluice.generate(request({ seed })));
    const reads = await Promise.all(generations.map(readAll));
    expect(proxy.stats.cuts).toBeGreaterThan(0);
    // Resubscriptions after a cut share the new socket: far fewer sockets than reads.
    expect(sockets.length).toBeLessThanOrEqual(proxy.stats.cuts + 1);
    for (const [index, generation] of generations.entries()) {
      expect(reads[index]).toEqual(await cleanRead(server, await generation.id));
    }
  });

  test('cancel ends the read with the terminal and final events; the status is cancelled', async () => {
    const { sluice } = client();
    const generation = sluice.generate(
      request({ maxTokens: 2000, simulator: { ttftMs: 0, tokenIntervalMs: 20 } }),
    );
    const types: string[] = [];
    for await (const event of generation) {
      types.push(event.type);
      if (
        types.filter((type) => type === 'text-delta').length === 2 &&
        event.type === 'text-delta'
      ) {
        await generation.cancel();
      }
    }
    const result = await generation.result;
    expect(result.finishReason).toBe('cancelled');
    expect(types.slice(-2)).toEqual(['response-finish', 'response-final']);
    const record = await sluice.get(await generation.id);
    expect(record.status).toBe('cancelled');
    expect(result.text).toBe(record.text);
  });

  test('detach unsubscribes while the other generation on the socket reads on', async () => {
    const { sluice, sockets } = client();
    const kept = sluice.generate(request({ seed: 9 }));
    const dropped = sluice.generate(
      request({ maxTokens: 2000, simulator: { ttftMs: 0, tokenIntervalMs: 20 } }),
    );
    let texts = 0;
    dropped.on('text-delta', () => {
      texts += 1;
      if (texts === 2) dropped.detach();
    });
    await expect(dropped.result).rejects.toMatchObject({ code: 'SLUICE_CLIENT_ABORTED' });
    const delivered = await readAll(kept);
    expect(delivered).toEqual(await cleanRead(server, await kept.id));
    expect(sockets).toHaveLength(1);
    // Detached, not cancelled: it still runs; a later resume reads the rest.
    const id = await dropped.id;
    expect((await sluice.get(id)).status).toBe('running');
    const rest = sluice.resume(id, { offset: dropped.offset });
    await sluice.cancel(id);
    expect((await rest.result).finishReason).toBe('cancelled');
  });

  test('an unknown generation is refused (404), not retried', async () => {
    const { sluice } = client();
    const generation = sluice.resume(`gen_${'0'.repeat(32)}`);
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

describe('keys mode, with the ws package', () => {
  let server: RunningGateway;
  let key: string;
  beforeAll(async () => {
    server = await startGateway({
      config: {
        auth: { mode: 'keys' },
        models: [{ name: 'simulator', enabled: true }],
      },
    });
    const keys = server.gateway.context.governance.apiKeys;
    key = (await keys.create({ tenant: 'acme', name: 'app', scopes: ['generate', 'read'] })).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  test('the key goes in the first frame; a bad key fails at once, not retried', async () => {
    const sluice = new SluiceClient({
      baseUrl: server.baseUrl,
      apiKey: key,
      retry: fastRetry,
      transport: 'websocket',
      WebSocket: NodeWebSocket,
    });
    const generation = sluice.generate(request());
    const delivered = await readAll(generation);
    const id = await generation.id;
    expect(delivered).toEqual(await cleanRead(server, id, { authorization: `Bearer ${key}` }));

    const intruder = new SluiceClient({
      baseUrl: server.baseUrl,
      apiKey: 'sk-wrong',
      retry: fastRetry,
      transport: 'websocket',
      WebSocket: NodeWebSocket,
    });
    const refused = intruder.resume(id);
    let reconnects = 0;
    refused.on('reconnect', () => {
      reconnects += 1;
    });
    const error = await refused.result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'SLUICE_CLIENT_REQUEST_REFUSED',
      status: 401,
      serverCode: 'SLUICE_ERR_UNAUTHENTICATED',
      retryable: false,
    });
    expect((error as Error).message).not.toContain('sk-wrong');
    expect(reconnects).toBe(0);
  });
});

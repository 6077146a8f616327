/**
 * The native generation API over real sockets: live SSE, 201 + stream URL, resume with
 * Last-Event-ID and ?offset= while the producer keeps running, cancel, onDisconnect.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let server: RunningGateway;

beforeAll(async () => {
  // Long simulator answers (10,000 tokens) stand in for models that talk for a long time.
  server = await startGateway({
    config: { models: [{ name: 'simulator', maxTokens: 1_000_000 }] },
  });
});
afterAll(async () => {
  await server.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const prompt = [{ role: 'user', content: 'Tell me a story.' }];

async function waitForStatus(id: string, status: string): Promise<Record<string, unknown>> {
  for (;;) {
    const response = await fetch(`${server.baseUrl}/v1/generations/${id}`);
    const body = (await response.json()) as Record<string, unknown>;
    if (body.status === status) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('POST /v1/generations', () => {
  test('streams SSE at once with offsets as ids and one terminal event', async () => {
    const response = await post(
      '/v1/generations',
      { model: 'simulator', messages: prompt, maxTokens: 12, seed: 7 },
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const id = response.headers.get('sluice-generation-id');
    expect(id).toMatch(/^gen_/);

    const events = await readSse(response);
    const types = events.map((event) => event.event);
    expect(types[0]).toBe('response-start');
    expect(types.filter((type) => type === 'text-delta')).toHaveLength(12);
    expect(types.filter((type) => type === 'response-finish' || type === 'response-error')).toEqual(
      ['response-finish'],
    );
    const ids = events.map((event) => event.id ?? '');
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);

    const start = JSON.parse(events[0]?.data ?? '{}');
    expect(start).toMatchObject({ id, model: 'simulator', provider: 'simulator' });
    const finish = JSON.parse(
      events.find((event) => event.event === 'response-finish')?.data ?? '{}',
    );
    expect(finish.finishReason).toBe('length');
    expect(finish.usage.outputTokens).toBe(12);
    expect(finish.usage.inputTokens).toBeGreaterThan(0);
    expect(finish.timings.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(finish.timings.durationMs).toBeGreaterThanOrEqual(finish.timings.timeToFirstTokenMs);

    const view = await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json();
    expect(view).toMatchObject({
      id,
      status: 'finished',
      model: 'simulator',
      finishReason: 'length',
    });
    expect(view.text).toBe(textOf(events));
    expect(view.usage).toEqual(finish.usage);
  });

  test('without an event-stream Accept answers 201 with the stream URLs', async () => {
    const response = await post('/v1/generations', {
      model: 'simulator',
      messages: prompt,
      maxTokens: 5,
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; status: string; streamUrl: string };
    expect(response.headers.get('sluice-generation-id')).toBe(body.id);
    expect(body.status).toBe('running');
    expect(body.streamUrl).toBe(`/v1/stream/generations/${body.id}`);
    const events = await readSse(await fetch(`${server.baseUrl}/v1/generations/${body.id}/events`));
    expect(events.at(-1)?.event).toBe('response-final');
    expect(terminalOf(events).data).toMatchObject({ usage: { outputTokens: 5 } });
  });

  test('is deterministic for a seed', async () => {
    const run = async () => {
      const response = await post(
        '/v1/generations',
        { model: 'simulator', messages: prompt, maxTokens: 20, seed: 42 },
        { accept: 'text/event-stream' },
      );
      return textOf(await readSse(response));
    };
    const [first, second] = await Promise.all([run(), run()]);
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
  });
});

describe('resume', () => {
  test('a client that drops and resumes gets every remaining event exactly once', async () => {
    const request = {
      model: 'simulator',
      messages: prompt,
      maxTokens: 60,
      seed: 3,
      simulator: { tokenIntervalMs: 5 },
    };
    const response = await post('/v1/generations', request, { accept: 'text/event-stream' });
    const id = response.headers.get('sluice-generation-id') ?? '';
    // Read a part, then drop the connection mid-stream.
    const firstPart = await readSse(response, { maxEvents: 10 });
    expect(firstPart).toHaveLength(10);
    const lastSeen = firstPart.at(-1)?.id ?? '';

    // Nobody is connected now; the producer keeps going to the end.
    const finished = await waitForStatus(id, 'finished');
    expect(finished.usage).toMatchObject({ outputTokens: 60 });

    const viaHeader = await readSse(
      await fetch(`${server.baseUrl}/v1/generations/${id}/events`, {
        headers: { 'last-event-id': lastSeen },
      }),
    );
    const viaQuery = await readSse(
      await fetch(`${server.baseUrl}/v1/generations/${id}/events?offset=${lastSeen}`),
    );
    const full = await readSse(await fetch(`${server.baseUrl}/v1/generations/${id}/events`));

    for (const resumed of [viaHeader, viaQuery]) {
      const union = [...firstPart, ...resumed];
      expect(union.map((event) => event.id)).toEqual(full.map((event) => event.id));
      expect(union.map((event) => event.data)).toEqual(full.map((event) => event.data));
      expect(textOf(union)).toBe(finished.text);
    }
    expect(terminalOf(full).type).toBe('response-finish');
  });

  test('a reader that resumes while the generation runs follows it live to the end', async () => {
    const response = await post(
      '/v1/generations',
      { model: 'simulator', messages: prompt, maxTokens: 40, simulator: { tokenIntervalMs: 10 } },
      { accept: 'text/event-stream' },
    );
    const id = response.headers.get('sluice-generation-id') ?? '';
    const firstPart = await readSse(response, { maxEvents: 5 });
    const rest = await readSse(
      await fetch(`${server.baseUrl}/v1/generations/${id}/events?offset=${firstPart.at(-1)?.id}`),
    );
    const all = [...firstPart, ...rest];
    expect(terminalOf(all).data).toMatchObject({ usage: { outputTokens: 40 } });
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json()) as {
      text: string;
    };
    expect(textOf(all)).toBe(view.text);
  });
});

describe('cancel', () => {
  test('stops the generation, keeps the partial text, and is idempotent', async () => {
    const created = await post('/v1/generations', {
      model: 'simulator',
      messages: prompt,
      maxTokens: 10_000,
      simulator: { tokenIntervalMs: 5 },
    });
    const { id } = (await created.json()) as { id: string };
    const live = fetch(`${server.baseUrl}/v1/generations/${id}/events`).then((r) => readSse(r));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const cancel = await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    const cancelled = (await cancel.json()) as {
      status: string;
      finishReason: string;
      text: string;
    };
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishReason).toBe('cancelled');

    const events = await live;
    expect(terminalOf(events)).toMatchObject({
      type: 'response-finish',
      data: { finishReason: 'cancelled' },
    });
    expect(textOf(events)).toBe(cancelled.text);
    expect(cancelled.text.length).toBeGreaterThan(0);

    const again = await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect((await again.json()) as { text: string; status: string }).toMatchObject({
      status: 'cancelled',
      text: cancelled.text,
    });
  });

  test('onDisconnect "cancel" cancels when the streaming client goes away', async () => {
    const response = await post(
      '/v1/generations',
      {
        model: 'simulator',
        messages: prompt,
        maxTokens: 10_000,
        onDisconnect: 'cancel',
        simulator: { tokenIntervalMs: 5 },
      },
      { accept: 'text/event-stream' },
    );
    const id = response.headers.get('sluice-generation-id') ?? '';
    await readSse(response, { maxEvents: 3 });
    const view = await waitForStatus(id, 'cancelled');
    expect(view.finishReason).toBe('cancelled');
  });

  test('by default a disconnect does not cancel', async () => {
    const response = await post(
      '/v1/generations',
      { model: 'simulator', messages: prompt, maxTokens: 30, simulator: { tokenIntervalMs: 2 } },
      { accept: 'text/event-stream' },
    );
    const id = response.headers.get('sluice-generation-id') ?? '';
    await readSse(response, { maxEvents: 3 });
    const view = await waitForStatus(id, 'finished');
    expect(view.usage).toMatchObject({ outputTokens: 30 });
  });
});

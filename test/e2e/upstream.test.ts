/**
 * Sluice in front of a real (local) OpenAI-compatible upstream: cancel closes the
 * upstream socket at once; upstream failures before streaming are 502s, after it they
 * end only that generation with a `response-error` event.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;
const tokens = Array.from({ length: 400 }, (_, index) => ` word${index}`);

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({ tokens, intervalMs: 5 });
  server = await startGateway({
    config: {
      models: [
        { name: 'upstream', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
        { name: 'refused', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

function start(model: string, accept?: string) {
  return fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }] }),
  });
}

describe('cancel', () => {
  test('closes the upstream socket within 100 ms, keeps the partial text, is idempotent', async () => {
    upstream.options.mode = 'ok';
    const response = await start('upstream', 'text/event-stream');
    const id = response.headers.get('sluice-generation-id');
    const firstPart = await readSse(response, { maxEvents: 6 });
    expect(firstPart.filter((event) => event.event === 'text-delta').length).toBe(5);
    const upstreamRequest = upstream.requests.at(-1);
    if (!upstreamRequest) throw new Error('the upstream saw no request');

    const cancelledAt = performance.now();
    const cancel = await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    const socketClosedAt = await upstreamRequest.closed;
    expect(socketClosedAt - cancelledAt).toBeLessThan(100);

    const view = (await cancel.json()) as { status: string; finishReason: string; text: string };
    expect(view).toMatchObject({ status: 'cancelled', finishReason: 'cancelled' });
    expect(view.text.startsWith(textOf(firstPart))).toBe(true);
    expect(view.text.length).toBeLessThan(tokens.join('').length);

    const events = await readSse(await fetch(`${server.baseUrl}/v1/generations/${id}/events`));
    expect(textOf(events)).toBe(view.text);
    expect(terminalOf(events).type).toBe('response-finish');

    const again = await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'cancelled', text: view.text });
  });
});

describe('upstream failures', () => {
  test('an error status before streaming is a 502 and a failed generation', async () => {
    upstream.options.mode = 'status-500';
    const response = await start('upstream', 'text/event-stream');
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('SLUICE_ERR_UPSTREAM_ERROR');
    const id = response.headers.get('sluice-generation-id');
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json()) as {
      status: string;
    };
    expect(view.status).toBe('failed');
  });

  test('a refused connection is a 502 within the commit window', async () => {
    const response = await start('refused', 'text/event-stream');
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
    );
  });

  test('the 201 answer never waits for the model: the failure is in the record', async () => {
    const response = await start('refused');
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const events = await readSse(await fetch(`${server.baseUrl}/v1/generations/${id}/events`));
    expect(terminalOf(events).data).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE' });
  });

  test.each([
    ['mid-stream-error', 'SLUICE_ERR_UPSTREAM_ERROR'],
    ['malformed', 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE'],
    ['truncated', 'SLUICE_ERR_STREAM_TRUNCATED'],
  ] as const)('%s after streaming began ends with response-error %s', async (mode, code) => {
    upstream.options.mode = mode;
    const response = await start('upstream', 'text/event-stream');
    expect(response.status).toBe(200);
    const id = response.headers.get('sluice-generation-id');
    const events = await readSse(response);
    const terminal = terminalOf(events);
    expect(terminal.type).toBe('response-error');
    const error = terminal.data as { code: string; message: string; retryable: boolean };
    expect(error.code).toBe(code);
    expect(typeof error.retryable).toBe('boolean');
    expect(events.filter((event) => event.event === 'response-finish')).toHaveLength(0);
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json()) as {
      status: string;
      finishReason: string;
      text: string;
    };
    expect(view).toMatchObject({ status: 'failed', finishReason: 'error' });
    expect(view.text).toBe(textOf(events));

    upstream.options.mode = 'ok';
    const healthy = await start('upstream', 'text/event-stream');
    const id2 = healthy.headers.get('sluice-generation-id');
    await fetch(`${server.baseUrl}/v1/generations/${id2}/cancel`, { method: 'POST' });
    expect(healthy.status).toBe(200);
    await healthy.body?.cancel();
  });
});

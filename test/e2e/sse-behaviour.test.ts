/**
 * SSE transport details clients and proxies rely on: the first byte goes out before the
 * model's first token, and idle streams carry heartbeat comments.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let server: RunningGateway;

beforeAll(async () => {
  server = await startGateway({ config: { streams: { heartbeatIntervalMs: 40 } } });
});
afterAll(async () => {
  await server.close();
});

test('sends a first byte at once, then heartbeats while the model is silent', async () => {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 5,
      simulator: { stallAfterTokens: 3 },
    }),
  });
  const id = response.headers.get('sluice-generation-id');
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  const first = decoder.decode((await reader.read()).value);
  expect(first.startsWith(': ok\n\n')).toBe(true);

  let received = first;
  while (!received.includes(': keep-alive')) {
    const { value, done } = await reader.read();
    if (done) break;
    received += decoder.decode(value);
  }
  expect(received).toContain(': keep-alive\n\n');
  expect(received).toContain('event: text-delta');
  await reader.cancel();
  await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
});

test('a slow first token: 200 after the commit window, keep-alive comments until it comes', async () => {
  const slow = await startGateway({
    config: { streams: { heartbeatIntervalMs: 20, commitWindowMs: 30 } },
  });
  try {
    const response = await fetch(`${slow.baseUrl}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 3,
        simulator: { ttftMs: 400 },
      }),
    });
    // Committed before the model said anything.
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes('event: text-delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value);
    }
    const firstToken = received.indexOf('event: text-delta');
    expect(firstToken).toBeGreaterThan(0);
    expect(received.slice(0, firstToken)).toContain(': keep-alive\n\n');
    await reader.cancel();
  } finally {
    await slow.close();
  }
});

test('a fast upstream failure inside the commit window is still a JSON error', async () => {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      simulator: { failAfterTokens: 0 },
    }),
  });
  expect(response.status).toBe(502);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(
    /^SLUICE_ERR_UPSTREAM/,
  );
});

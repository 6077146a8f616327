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
  while (!received.includes(': heartbeat')) {
    const { value, done } = await reader.read();
    if (done) break;
    received += decoder.decode(value);
  }
  expect(received).toContain(': heartbeat\n\n');
  expect(received).toContain('event: text-delta');
  await reader.cancel();
  await fetch(`${server.baseUrl}/v1/generations/${id}/cancel`, { method: 'POST' });
});

/**
 * Upstream resilience through the gateway: retries, fallback before the first token,
 * continuation on a fallback mid-stream (with a `response-seam` event), and a circuit
 * breaker visible in `/readyz`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let backup: FakeOpenAiUpstream;
let broken: FakeOpenAiUpstream;
let server: RunningGateway;

beforeAll(async () => {
  backup = await startFakeOpenAiUpstream({ tokens: [' and', ' the', ' rest.'] });
  broken = await startFakeOpenAiUpstream({ tokens: ['never'], mode: 'status-500' });
  const fast = { baseDelayMs: 1, maxDelayMs: 2 };
  server = await startGateway({
    config: {
      models: [
        { name: 'backup', provider: 'openai-compatible', baseUrl: backup.baseUrl },
        {
          name: 'refused',
          provider: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:9/v1',
          fallbacks: ['backup'],
          retry: { attempts: 1 },
          circuitBreaker: { failureThreshold: 2, coolDownMs: 600_000 },
        },
        {
          name: 'retrying',
          provider: 'openai-compatible',
          baseUrl: broken.baseUrl,
          retry: { attempts: 3, ...fast },
        },
        { name: 'sim-primary', provider: 'simulator', fallbacks: ['backup'] },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await backup.close();
  await broken.close();
});

function generate(model: string, extra: Record<string, unknown> = {}) {
  return fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }], ...extra }),
  });
}

describe('before the first token', () => {
  test('retries an upstream that keeps failing, then answers 502', async () => {
    const before = broken.requests.length;
    const response = await generate('retrying');
    expect(response.status).toBe(502);
    expect(broken.requests.length - before).toBe(3);
  });

  test('falls back to the next model and the client never sees the failure', async () => {
    const before = backup.requests.length;
    const response = await generate('refused');
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(textOf(events)).toBe(' and the rest.');
    expect(terminalOf(events).type).toBe('response-finish');
    expect(backup.requests.length - before).toBe(1);
  });

  test('the circuit opens after repeated failures and shows in /readyz', async () => {
    await readSse(await generate('refused'));
    const ready = (await (await fetch(`${server.baseUrl}/readyz`)).json()) as {
      upstreams: Array<{ name: string; state: string }>;
    };
    expect(ready.upstreams.find((upstream) => upstream.name === 'refused')?.state).toBe('open');
    // An open circuit is skipped: the fallback still answers.
    const events = await readSse(await generate('refused'));
    expect(textOf(events)).toBe(' and the rest.');
  });
});

describe('mid-stream', () => {
  test('a failure continues on the fallback with the partial answer as prefix', async () => {
    const before = backup.requests.length;
    const response = await generate('sim-primary', {
      maxTokens: 40,
      seed: 5,
      simulator: { failAfterTokens: 6, tokenIntervalMs: 1 },
    });
    const events = await readSse(response);
    const seam = events.find((event) => event.event === 'response-seam');
    expect(JSON.parse(seam?.data ?? '{}')).toMatchObject({
      type: 'response-seam',
      from: 'sim-primary',
      to: 'backup',
      reason: 'SLUICE_ERR_UPSTREAM_ERROR',
    });
    expect(terminalOf(events).type).toBe('response-finish');
    const text = textOf(events);
    expect(text.endsWith(' and the rest.')).toBe(true);

    expect(backup.requests.length - before).toBe(1);
    const messages = backup.requests.at(-1)?.body.messages as Array<{
      role: string;
      content: string;
    }>;
    const prefix = messages.at(-1);
    expect(prefix?.role).toBe('assistant');
    expect(prefix && text.startsWith(prefix.content)).toBe(true);
  });
});

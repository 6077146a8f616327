/**
 * What one client can make a gateway hold through the generation routes is bounded:
 * `maxTokens` has a cap per model (the simulator's 4,096 by default), the simulator can be
 * removed and is off where keys are required, and finished generations are evicted
 * oldest-first once they pass their memory budget.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let server: RunningGateway | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(config: Record<string, unknown>): Promise<RunningGateway> {
  server = await startGateway({ config });
  return server;
}

function post(path: string, body: unknown, key?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  return fetch(`${server?.baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

const simulatorRequest = (extra: Record<string, unknown> = {}) => ({
  model: 'simulator',
  messages: [{ role: 'user', content: 'Tell me about streams.' }],
  simulator: { ttftMs: 0, tokenIntervalMs: 0 },
  ...extra,
});

describe('maxTokens cap', () => {
  test('the simulator refuses more than 4,096 tokens on both APIs, naming the cap', async () => {
    await start({});
    const native = await post('/v1/generations', simulatorRequest({ maxTokens: 1_000_000 }));
    expect(native.status).toBe(400);
    const nativeError = (await native.json()) as { error: { code: string; message: string } };
    expect(nativeError.error.code).toBe('SLUICE_ERR_MAX_TOKENS_TOO_LARGE');
    expect(nativeError.error.message).toContain('4096');

    const openai = await post('/v1/chat/completions', {
      model: 'simulator',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4_097,
    });
    expect(openai.status).toBe(400);
    const openaiError = (await openai.json()) as { error: { code: string } };
    expect(openaiError.error.code).toBe('SLUICE_ERR_MAX_TOKENS_TOO_LARGE');
  });

  test('a configured cap is enforced at the cap exactly', async () => {
    await start({ models: [{ name: 'simulator', maxTokens: 12 }] });
    const over = await post('/v1/generations', simulatorRequest({ maxTokens: 13 }));
    expect(over.status).toBe(400);
    const at = await post(
      '/v1/generations',
      simulatorRequest({ maxTokens: 12, delivery: 'final' }),
    );
    expect(at.status).toBe(200);
    const answer = (await at.json()) as { usage: { outputTokens: number } };
    expect(answer.usage.outputTokens).toBe(12);
  });
});

describe('the simulator in a deployment', () => {
  test('an entry with enabled: false removes it', async () => {
    await start({ models: [{ name: 'simulator', enabled: false }] });
    const response = await post('/v1/generations', simulatorRequest());
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'SLUICE_ERR_MODEL_NOT_FOUND',
    );
    const models = await fetch(`${server?.baseUrl}/v1/models`);
    expect(JSON.stringify(await models.json())).not.toContain('simulator');
  });

  test('it is off by default when auth.mode is keys, and can be turned back on', async () => {
    const keysOnly = await start({ auth: { mode: 'keys' } });
    const { key } = await keysOnly.gateway.context.governance.apiKeys.create({
      tenant: 'acme',
      name: 'app',
      scopes: ['generate', 'read'],
    });
    const refused = await post('/v1/generations', simulatorRequest(), key);
    expect(refused.status).toBe(404);
    await keysOnly.close();

    const optedIn = await start({
      auth: { mode: 'keys' },
      models: [{ name: 'simulator', enabled: true }],
    });
    const created = await optedIn.gateway.context.governance.apiKeys.create({
      tenant: 'acme',
      name: 'app',
      scopes: ['generate', 'read'],
    });
    const accepted = await post(
      '/v1/generations',
      simulatorRequest({ delivery: 'final' }),
      created.key,
    );
    expect(accepted.status).toBe(200);
  });
});

describe('retained generations', () => {
  test('finished generations past the memory budget are evicted oldest first', async () => {
    // Each answer of 100 tokens holds a few KB of log; the budget keeps two or three.
    await start({ streams: { retainedGenerationsBytes: 30_000 } });
    const ids: string[] = [];
    for (let index = 0; index < 8; index += 1) {
      const response = await post(
        '/v1/generations',
        simulatorRequest({ maxTokens: 100, delivery: 'final' }),
      );
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { id: string }).id);
    }
    const status = async (id: string) =>
      (await fetch(`${server?.baseUrl}/v1/generations/${id}`)).status;
    const events = async (id: string) =>
      (await fetch(`${server?.baseUrl}/v1/generations/${id}/events?offset=-1`)).status;
    expect(await status(ids[0] as string)).toBe(404);
    expect(await events(ids[0] as string)).toBe(404);
    expect(await status(ids[7] as string)).toBe(200);
    const kept = [];
    for (const id of ids) if ((await status(id)) === 200) kept.push(id);
    // Oldest out first: what is kept is a suffix of the order they finished in.
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(ids.length);
    expect(kept).toEqual(ids.slice(ids.length - kept.length));
  });
});

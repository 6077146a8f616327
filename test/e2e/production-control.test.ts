/**
 * Production control through a real gateway: API keys and scopes, tenant isolation,
 * quotas enforced while tokens stream, 429 headers, and hybrid delivery.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let server: RunningGateway;
const keys: Record<string, string> = {};

beforeAll(async () => {
  server = await startGateway({
    config: {
      auth: { mode: 'keys' },
      // The simulator is off by default where keys are required; these tests use it.
      models: [{ name: 'simulator', enabled: true }],
      limits: {
        tenants: {
          metered: { tokensPerMinute: 60 },
          counted: { requestsPerMinute: 2 },
        },
      },
    },
  });
  const apiKeys = server.gateway.context.governance.apiKeys;
  const create = async (
    name: string,
    tenant: string,
    scopes: Array<'generate' | 'read' | 'admin'>,
  ) => {
    keys[name] = (await apiKeys.create({ tenant, name, scopes })).key;
  };
  await create('alice', 'acme', ['generate', 'read']);
  await create('bob', 'globex', ['generate', 'read']);
  await create('reader', 'acme', ['read']);
  await create('revoked', 'acme', ['generate', 'read']);
  await create('metered', 'metered', ['generate', 'read']);
  await create('counted', 'counted', ['generate', 'read']);
  await create('admin', 'operations', ['admin']);
  const revoked = (await apiKeys.list('acme')).find((record) => record.name === 'revoked');
  if (revoked) await apiKeys.revoke(revoked.id);
});
afterAll(async () => {
  await server.close();
});

function call(path: string, key: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
  return fetch(`${server.baseUrl}${path}`, { ...init, headers });
}

function generate(key: string | undefined, body: Record<string, unknown> = {}, accept?: string) {
  return call('/v1/generations', key, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 5,
      ...body,
    }),
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('API keys', () => {
  test.each([
    ['missing', undefined],
    ['malformed', 'not-a-key'],
    ['unknown', 'sk-sluice-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('a %s key gets 401', async (_label, key) => {
    const response = await generate(key);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(await errorCode(response)).toBe('SLUICE_ERR_UNAUTHENTICATED');
  });

  test('a revoked key gets 401, a key without the scope 403, a good key 201', async () => {
    const revoked = await generate(keys.revoked);
    expect(revoked.status).toBe(401);
    expect(await errorCode(revoked)).toBe('SLUICE_ERR_UNAUTHENTICATED');
    const readOnly = await generate(keys.reader);
    expect(readOnly.status).toBe(403);
    expect(await errorCode(readOnly)).toBe('SLUICE_ERR_FORBIDDEN');
    expect((await generate(keys.alice)).status).toBe(201);
  });

  test('keys made through the admin API are audited without their secret', async () => {
    const denied = await call('/v1/admin/keys', keys.alice, { method: 'GET' });
    expect(denied.status).toBe(403);
    const created = await call('/v1/admin/keys', keys.admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'initech', name: 'batch', scopes: ['generate'] }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect((await generate(key)).status).toBe(201);
    expect((await call(`/v1/admin/keys/${id}`, keys.admin, { method: 'DELETE' })).status).toBe(200);
    expect((await generate(key)).status).toBe(401);

    const audit = await (await call('/v1/audit/records?limit=1000', keys.admin)).text();
    expect(audit).not.toContain(key);
    const { records } = JSON.parse(audit) as {
      records: Array<{ type: string; actor?: string; payload: { keyId?: string } }>;
    };
    const changes = records.filter((record) => record.payload?.keyId === id);
    expect(changes.map((record) => record.type)).toEqual(['api-key-created', 'api-key-revoked']);
    expect(changes[0]?.actor).toMatch(/^key:/);
  });

  test('health and readiness stay public', async () => {
    expect((await call('/healthz', undefined)).status).toBe(200);
    expect((await call('/readyz', undefined)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  test("another tenant's generation is not found, however it is addressed", async () => {
    const created = await generate(keys.alice);
    const { id } = (await created.json()) as { id: string };
    expect((await call(`/v1/generations/${id}`, keys.alice)).status).toBe(200);
    for (const [path, method] of [
      [`/v1/generations/${id}`, 'GET'],
      [`/v1/generations/${id}/events`, 'GET'],
      [`/v1/generations/${id}/cancel`, 'POST'],
      [`/v1/stream/generations/${id}?offset=-1`, 'GET'],
    ] as const) {
      const response = await call(path, keys.bob, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
  });

  test('ordinary streams live in per-tenant namespaces', async () => {
    const put = await call('/v1/stream/shared-name', keys.alice, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'acme data',
    });
    expect(put.status).toBe(201);
    expect((await call('/v1/stream/shared-name?offset=-1', keys.bob)).status).toBe(404);
    const own = await call('/v1/stream/shared-name?offset=-1', keys.alice);
    expect(await own.text()).toBe('acme data');
  });
});

describe('quotas', () => {
  test("a tenant's token budget cuts a running stream with finish reason quota", async () => {
    const response = await generate(
      keys.metered,
      { maxTokens: 500, simulator: { tokenIntervalMs: 0 } },
      'text/event-stream',
    );
    const events = await readSse(response);
    const exceeded = events.find((event) => event.event === 'quota-exceeded');
    expect(JSON.parse(exceeded?.data ?? '{}')).toMatchObject({
      type: 'quota-exceeded',
      limit: 'tokens-per-minute',
      scope: 'tenant',
    });
    const terminal = terminalOf(events);
    expect(terminal.data).toMatchObject({ finishReason: 'quota' });
    expect((terminal.data.usage as { outputTokens: number }).outputTokens).toBeLessThan(60);
    expect(textOf(events).length).toBeGreaterThan(0);

    // The budget is spent: the next request is refused up front, with the headers.
    const refused = await generate(keys.metered);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-limit')).toBeTruthy();
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await errorCode(refused)).toBe('SLUICE_ERR_QUOTA_EXCEEDED');
  });

  test('requests per minute: the third request is a 429 with Retry-After and RateLimit headers', async () => {
    const first = await generate(keys.counted);
    expect(first.status).toBe(201);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await generate(keys.counted)).status).toBe(201);
    const third = await generate(keys.counted);
    expect(third.status).toBe(429);
    expect(await errorCode(third)).toBe('SLUICE_ERR_RATE_LIMITED');
    for (const header of [
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ]) {
      expect(third.headers.get(header), header).toBeTruthy();
    }
    // Other tenants are unaffected.
    expect((await generate(keys.alice)).status).toBe(201);
  });
});

describe('hybrid delivery', () => {
  test('auto answers a short generation with one JSON body', async () => {
    const response = await generate(
      keys.alice,
      { delivery: 'auto', maxTokens: 3, simulator: { ttftMs: 0, tokenIntervalMs: 0 } },
      'text/event-stream',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as {
      status: string;
      text: string;
      final: { verdict: string };
    };
    expect(body.status).toBe('finished');
    expect(body.text.length).toBeGreaterThan(0);
    expect(body.final.verdict).toBe('approved');
  });

  test('auto streams a long generation', async () => {
    const response = await generate(
      keys.alice,
      { delivery: 'auto', maxTokens: 100, simulator: { tokenIntervalMs: 10 } },
      'text/event-stream',
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSse(response);
    expect(terminalOf(events).data).toMatchObject({ usage: { outputTokens: 100 } });
  });

  test('final waits for the validated answer', async () => {
    const response = await generate(keys.alice, { delivery: 'final', maxTokens: 10 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      final: { verdict: string; contentSha256: string };
    };
    expect(body.status).toBe('finished');
    expect(body.final.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

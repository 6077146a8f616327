/**
 * Authentication of the whole gateway (`buildGateway`, real SQLite in a temporary data
 * directory, `app.inject()`): revoking the last key never reopens it, not even after a
 * restart, until the operator sets `auth.mode: open`; who may read `/metrics`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../../config/load-config.ts';
import type { ApiKeyScope, CreatedApiKey } from '../../control/tenants/api-key-store.ts';
import { buildGateway, type Gateway } from '../app.ts';

let dataDir: string;
let gateway: Gateway | undefined;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-auth-'));
});
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

async function start(config: Record<string, unknown> = {}): Promise<Gateway> {
  await gateway?.app.close();
  gateway = await buildGateway({ config: parseConfig({ port: 0, dataDir, ...config }) });
  return gateway;
}

function get(url: string, key?: string) {
  const headers = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return gateway?.app.inject({ method: 'GET', url, headers }) ?? Promise.reject();
}

async function createKey(scopes: ApiKeyScope[], tenant = 'acme'): Promise<CreatedApiKey> {
  return (gateway as Gateway).context.governance.apiKeys.create({ tenant, name: 'k', scopes });
}

describe('auth.mode auto', () => {
  test('revoking the last key leaves the gateway in keys mode, admin routes included', async () => {
    await start();
    expect((await get('/v1/models')).statusCode).toBe(200);
    const created = await gateway?.app.inject({
      method: 'POST',
      url: '/v1/admin/keys',
      payload: { tenant: 'ops', name: 'root', scopes: ['admin', 'read'] },
    });
    expect(created?.statusCode).toBe(201);
    const admin = created?.json() as CreatedApiKey;
    // From the very next request on, a key is needed.
    expect((await get('/v1/models')).statusCode).toBe(401);
    expect((await get('/v1/models', admin.key)).statusCode).toBe(200);

    const revoked = await gateway?.app.inject({
      method: 'DELETE',
      url: `/v1/admin/keys/${admin.id}`,
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(revoked?.statusCode).toBe(200);
    await expect(gateway?.context.governance.apiKeys.hasActiveKeys()).resolves.toBe(false);
    for (const url of ['/v1/models', '/v1/admin/keys', '/v1/audit/verify', '/v1/stats']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_UNAUTHENTICATED' } });
      expect((await get(url, admin.key)).statusCode, url).toBe(401);
    }
    const createAgain = await gateway?.app.inject({
      method: 'POST',
      url: '/v1/admin/keys',
      payload: { tenant: 'evil', name: 'takeover', scopes: ['admin'] },
    });
    expect(createAgain?.statusCode).toBe(401);
  });

  test('a restart on the same data stays in keys mode; auth.mode open opens it', async () => {
    await start();
    const only = await createKey(['admin']);
    await gateway?.context.governance.apiKeys.revoke(only.id);

    await start();
    expect((await get('/v1/models')).statusCode).toBe(401);
    expect((await get('/v1/admin/keys')).statusCode).toBe(401);

    await start({ auth: { mode: 'open' } });
    expect((await get('/v1/models')).statusCode).toBe(200);
  });
});

describe('GET /metrics in keys mode', () => {
  test('no key 401, a generate-only key 403, a metrics key 200', async () => {
    await start();
    const generate = await createKey(['generate', 'read']);
    const scraper = await createKey(['metrics'], 'ops');
    await start();
    expect((await get('/metrics')).statusCode).toBe(401);
    const forbidden = await get('/metrics', generate.key);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: { code: 'SLUICE_ERR_FORBIDDEN' } });
    const scraped = await get('/metrics', scraper.key);
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain('# TYPE gen_ai_server_time_to_first_token_seconds histogram');
    // Health probes stay public.
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  test('observability.metrics.public serves it without a key', async () => {
    await start();
    await createKey(['generate']);
    await start({ observability: { metrics: { public: true } } });
    expect((await get('/metrics')).statusCode).toBe(200);
    expect((await get('/v1/stats')).statusCode).toBe(401);
  });
});

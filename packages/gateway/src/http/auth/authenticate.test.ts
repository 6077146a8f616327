/**
 * The authentication hook and scope checks through `app.inject()`: every kind of bad key
 * gets the same 401, a key without the scope a 403, a good key its caller; open mode and
 * public routes; duplicate credential headers; the loopback Host check of open mode.
 */
import type { DatabaseSync } from 'node:sqlite';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ApiKeyStore, CreatedApiKey } from '../../control/tenants/api-key-store.ts';
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../../governance/database/open-governance-database.ts';
import { registerErrorHandling } from '../error-handler.ts';
import { registerAuthentication } from './authenticate.ts';
import { callerOf } from './caller.ts';
import { requireScope } from './require-scope.ts';

async function buildApp(keys: ApiKeyStore, openMode: boolean): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandling(app);
  registerAuthentication(app, { keys, openMode });
  await app.register(async (scope) => {
    scope.get('/healthz', async () => ({ ok: true }));
    scope.get('/v1/whoami', async (request) => request.caller ?? null);
    scope.get('/v1/read', { onRequest: requireScope('read') }, async (request) =>
      callerOf(request),
    );
    scope.post('/v1/generate', { preHandler: requireScope('generate') }, async (request) => ({
      tenant: callerOf(request).tenant,
    }));
  });
  return app;
}

const UNAUTHENTICATED = {
  error: {
    code: 'SLUICE_ERR_UNAUTHENTICATED',
    message: 'A valid API key is required (Authorization: Bearer <key>)',
  },
};

describe('createAuthenticator with keys', () => {
  let database: DatabaseSync;
  let keys: SqliteApiKeyStore;
  let app: FastifyInstance;
  let reader: CreatedApiKey;

  beforeEach(async () => {
    database = openGovernanceDatabase({ path: ':memory:' });
    keys = new SqliteApiKeyStore({ database });
    reader = await keys.create({ tenant: 'acme', name: 'reader', scopes: ['read'] });
    app = await buildApp(keys, false);
  });

  afterEach(async () => {
    await app.close();
    database.close();
  });

  test('missing, malformed, unknown and revoked keys get one identical 401', async () => {
    const revoked = await keys.create({ tenant: 'acme', name: 'old', scopes: ['read'] });
    await keys.revoke(revoked.id);
    const unknown = `sk-sluice-${'0'.repeat(16)}-${reader.key.slice(-43)}`;
    const wrongSecret = `${reader.key.slice(0, -43)}${'Z'.repeat(43)}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: `Basic ${Buffer.from(`user:${reader.key}`).toString('base64')}` },
      { authorization: `Bearer ${reader.key} extra` },
      { authorization: 'Bearer not-a-key' },
      { authorization: `Bearer ${unknown}` },
      { authorization: `Bearer ${wrongSecret}` },
      { authorization: `Bearer ${revoked.key}` },
      { 'x-api-key': wrongSecret },
      { 'x-api-key': '' },
      // A bad Authorization is not rescued by a good x-api-key.
      { authorization: 'Token abc', 'x-api-key': reader.key },
    ];
    for (const headers of attempts) {
      const response = await app.inject({ method: 'GET', url: '/v1/read', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json()).toEqual(UNAUTHENTICATED);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="sluice"');
    }
  });

  test('a valid key without the scope is a 403 naming the scope', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { authorization: `Bearer ${reader.key}` },
      payload: { any: 'thing' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: { code: 'SLUICE_ERR_FORBIDDEN', message: 'The API key lacks the generate scope' },
    });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="sluice", error="insufficient_scope", scope="generate"',
    );
  });

  test('a valid key attaches its caller, by Authorization or x-api-key', async () => {
    const expected = { keyId: reader.id, tenant: 'acme', scopes: ['read'] };
    for (const headers of [
      { authorization: `Bearer ${reader.key}` },
      { authorization: `bearer   ${reader.key}` },
      { 'x-api-key': reader.key },
    ]) {
      const response = await app.inject({ method: 'GET', url: '/v1/read', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(200);
      expect(response.json()).toEqual(expected);
    }
    const writer = await keys.create({ tenant: 'globex', name: 'w', scopes: ['generate'] });
    const generated = await app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { authorization: `Bearer ${writer.key}` },
      payload: {},
    });
    expect(generated.json()).toEqual({ tenant: 'globex' });
  });

  test('a key revoked through the store is refused on the next request', async () => {
    const headers = { authorization: `Bearer ${reader.key}` };
    expect((await app.inject({ method: 'GET', url: '/v1/read', headers })).statusCode).toBe(200);
    await keys.revoke(reader.id);
    expect((await app.inject({ method: 'GET', url: '/v1/read', headers })).statusCode).toBe(401);
  });

  test('public routes need no key; unknown routes do', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    const unknownRoute = await app.inject({ method: 'GET', url: '/v1/secret-admin-thing' });
    expect(unknownRoute.statusCode).toBe(401);
    const known = await app.inject({
      method: 'GET',
      url: '/v1/secret-admin-thing',
      headers: { authorization: `Bearer ${reader.key}` },
    });
    expect(known.statusCode).toBe(404);
  });

  test('a credential header sent twice is a 400, whichever copy is valid', async () => {
    const twice: Record<string, string[]>[] = [
      { authorization: [`Bearer ${reader.key}`, 'Bearer sk-sluice-forged'] },
      { authorization: ['Bearer sk-sluice-forged', `Bearer ${reader.key}`] },
      { authorization: [`Bearer ${reader.key}`, `Bearer ${reader.key}`] },
      { 'x-api-key': [reader.key, reader.key] },
    ];
    for (const headers of twice) {
      const response = await app.inject({ method: 'GET', url: '/v1/read', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(400);
      expect(response.json()).toMatchObject({
        error: { code: 'SLUICE_ERR_DUPLICATE_CREDENTIALS' },
      });
      expect(response.body).not.toContain(reader.key);
    }
    // One of each is not a duplicate: Authorization decides, as before.
    const both = await app.inject({
      method: 'GET',
      url: '/v1/read',
      headers: { authorization: `Bearer ${reader.key}`, 'x-api-key': 'whatever' },
    });
    expect(both.statusCode).toBe(200);
  });

  test('the body of a refused request is not parsed', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(response.statusCode).toBe(401);
  });
});

describe('createAuthenticator in open mode', () => {
  let database: DatabaseSync;
  let app: FastifyInstance;
  beforeEach(async () => {
    database = openGovernanceDatabase({ path: ':memory:' });
    app = await buildApp(new SqliteApiKeyStore({ database }), true);
  });
  afterEach(async () => {
    await app.close();
    database.close();
  });

  test('a request addressed to a name that is not loopback is refused (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      'evil.example:7700',
      '192.168.1.20:7700',
      'localhost.evil',
    ]) {
      for (const url of ['/v1/whoami', '/v1/generate', '/healthz']) {
        const response = await app.inject({ method: 'GET', url, headers: { host } });
        expect(response.statusCode, `${host} ${url}`).toBe(403);
        expect(response.json()).toEqual({
          error: {
            code: 'SLUICE_ERR_HOST_NOT_ALLOWED',
            message:
              'This gateway answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1])',
          },
        });
      }
    }
    for (const host of [
      'localhost:7700',
      'app.localhost',
      '127.0.0.1:7700',
      '127.8.9.10',
      '[::1]:7700',
    ]) {
      const response = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
  });

  test('a credential header sent twice is a 400 here too', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/whoami',
      headers: { authorization: ['Bearer a', 'Bearer b'] } as Record<string, string[]>,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_DUPLICATE_CREDENTIALS' } });
  });

  test('every request is the default tenant with every scope', async () => {
    const whoami = await app.inject({ method: 'GET', url: '/v1/whoami' });
    expect(whoami.json()).toEqual({
      tenant: 'default',
      keyId: 'open',
      scopes: ['generate', 'read', 'admin', 'metrics'],
    });
    const generated = await app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { authorization: 'Bearer whatever' },
      payload: {},
    });
    expect(generated.json()).toEqual({ tenant: 'default' });
  });
});

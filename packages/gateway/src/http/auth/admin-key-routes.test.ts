/**
 * The admin key API through `app.inject()`: create shows the key once, list never shows
 * a secret or hash, revoke takes effect on the next request; `admin` scope required;
 * bad bodies and unknown ids are catalogue errors.
 */
import type { DatabaseSync } from 'node:sqlite';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CreatedApiKey } from '../../control/tenants/api-key-store.ts';
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../../governance/database/open-governance-database.ts';
import { registerErrorHandling } from '../error-handler.ts';
import { registerJsonBodyParser } from '../json-body-parser.ts';
import { registerAdminKeyRoutes } from './admin-key-routes.ts';
import { registerAuthentication } from './authenticate.ts';

describe('admin key routes', () => {
  let database: DatabaseSync;
  let keys: SqliteApiKeyStore;
  let app: FastifyInstance;
  let admin: CreatedApiKey;
  let asAdmin: { authorization: string };

  beforeEach(async () => {
    database = openGovernanceDatabase({ path: ':memory:' });
    keys = new SqliteApiKeyStore({ database });
    admin = await keys.create({ tenant: 'operators', name: 'ops', scopes: ['admin'] });
    asAdmin = { authorization: `Bearer ${admin.key}` };
    app = Fastify();
    registerErrorHandling(app);
    registerJsonBodyParser(app);
    registerAuthentication(app, { keys, openMode: false });
    await app.register(async (scope) => registerAdminKeyRoutes(scope, { keys }));
    await app.register(async (scope) => {
      scope.get('/v1/probe', async (request) => request.caller ?? null);
    });
  });

  afterEach(async () => {
    await app.close();
    database.close();
  });

  test('create returns the key once; it works at once; list never shows it', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/admin/keys',
      headers: asAdmin,
      payload: { tenant: 'acme', name: 'web app', scopes: ['generate', 'read'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json() as CreatedApiKey;
    expect(body).toMatchObject({ tenant: 'acme', name: 'web app', scopes: ['generate', 'read'] });
    expect(body.key).toMatch(/^sk-sluice-/);

    const probe = await app.inject({
      method: 'GET',
      url: '/v1/probe',
      headers: { authorization: `Bearer ${body.key}` },
    });
    expect(probe.json()).toEqual({ keyId: body.id, tenant: 'acme', scopes: ['generate', 'read'] });

    const listed = await app.inject({ method: 'GET', url: '/v1/admin/keys', headers: asAdmin });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(body.key.slice(-43));
    expect(listed.body).not.toMatch(/sha256|hash|secret/i);
    const { key: _shownOnce, ...record } = body;
    expect(listed.json()).toEqual({
      keys: [
        {
          id: admin.id,
          tenant: 'operators',
          name: 'ops',
          scopes: ['admin'],
          createdAt: admin.createdAt,
        },
        record,
      ],
    });
    const filtered = await app.inject({
      method: 'GET',
      url: '/v1/admin/keys?tenant=acme',
      headers: asAdmin,
    });
    expect(filtered.json()).toEqual({ keys: [record] });
  });

  test('revoke answers the revoked key and the key is refused on the next request', async () => {
    const created = await keys.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/v1/admin/keys/${created.id}`,
      headers: asAdmin,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    const again = await app.inject({
      method: 'DELETE',
      url: `/v1/admin/keys/${created.id}`,
      headers: asAdmin,
    });
    expect(again.json()).toEqual(revoked.json());
    const refused = await app.inject({
      method: 'GET',
      url: '/v1/probe',
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(refused.statusCode).toBe(401);
  });

  test('revoking an unknown id is a 404 with its code', async () => {
    for (const id of ['0123456789abcdef', 'nope']) {
      const response = await app.inject({
        method: 'DELETE',
        url: `/v1/admin/keys/${id}`,
        headers: asAdmin,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: { code: 'SLUICE_ERR_API_KEY_NOT_FOUND', message: 'The API key does not exist' },
      });
    }
  });

  test('bad bodies and queries are 400s naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ tenant: 'Acme', name: 'n', scopes: ['read'] }, 'tenant'],
      [{ tenant: 'acme', name: '', scopes: ['read'] }, 'name'],
      [{ tenant: 'acme', name: 'n', scopes: [] }, 'scopes'],
      [{ tenant: 'acme', name: 'n', scopes: ['root'] }, 'scopes.0'],
      [{ tenant: 'acme', name: 'n', scopes: ['read'], extra: 1 }, 'body'],
      [{ tenant: 'acme', name: 'tab\there', scopes: ['read'] }, 'name'],
    ];
    for (const [payload, path] of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: asAdmin,
        payload: payload as object,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('SLUICE_ERR_INVALID_REQUEST');
      expect(response.json().error.message.startsWith(`${path}:`), response.body).toBe(true);
    }
    const badQuery = await app.inject({
      method: 'GET',
      url: '/v1/admin/keys?tenant=NOT%20A%20TENANT',
      headers: asAdmin,
    });
    expect(badQuery.statusCode).toBe(400);
    await expect(keys.list()).resolves.toHaveLength(1);
  });

  test('every admin route needs a key with the admin scope', async () => {
    const user = await keys.create({
      tenant: 'acme',
      name: 'app',
      scopes: ['generate', 'read'],
    });
    const requests = [
      {
        method: 'POST' as const,
        url: '/v1/admin/keys',
        payload: { tenant: 'acme', name: 'x', scopes: ['admin'] },
      },
      { method: 'GET' as const, url: '/v1/admin/keys' },
      { method: 'DELETE' as const, url: `/v1/admin/keys/${admin.id}` },
    ];
    for (const request of requests) {
      const anonymous = await app.inject(request);
      expect(anonymous.statusCode).toBe(401);
      const forbidden = await app.inject({
        ...request,
        headers: { authorization: `Bearer ${user.key}` },
      });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().error.code).toBe('SLUICE_ERR_FORBIDDEN');
    }
    await expect(keys.list()).resolves.toHaveLength(2);
    await expect(keys.hasActiveKeys()).resolves.toBe(true);
    expect((await keys.list()).every((key) => key.revokedAt === undefined)).toBe(true);
  });
});

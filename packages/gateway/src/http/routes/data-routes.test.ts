/**
 * Data-subject export and deletion through `app.inject()` on a real gateway with two
 * tenants whose end users and sessions share ids: each tenant's admin sees and deletes
 * only its own tenant's data; spanning tenants happens only when the request asks
 * (`?tenant=*`), and acting for another tenant only when it names it. The audit chain
 * verifies after every deletion, and an erased end user's clear id is gone from the log.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../../config/load-config.ts';
import type { CreatedApiKey } from '../../control/tenants/api-key-store.ts';
import type { AuditRecord } from '../../governance/audit/audit-record.ts';
import { openSqliteGovernance } from '../../governance/database/open-sqlite-governance.ts';
import { validatePolicyDocument } from '../../governance/policy-document.ts';
import { buildGateway, type Gateway } from '../app.ts';

const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];

describe('data-subject routes across tenants', () => {
  let gateway: Gateway;
  const admins = {} as Record<Tenant, CreatedApiKey>;
  const generations = {} as Record<Tenant, string>;

  const call = async (tenant: Tenant, method: 'GET' | 'DELETE', url: string) => {
    const response = await gateway.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${admins[tenant].key}` },
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  const exported = async (tenant: Tenant, url: string) => {
    const { status, body } = await call(tenant, 'GET', url);
    expect(status, JSON.stringify(body)).toBe(200);
    const records = body.auditRecords as AuditRecord[];
    return {
      tenant: body.tenant,
      generations: (body.generations as Array<{ id: string }>).map((view) => view.id).sort(),
      recordTenants: [...new Set(records.map((record) => record.tenant))].sort(),
      records,
    };
  };

  beforeEach(async () => {
    const governance = openSqliteGovernance({
      location: { path: ':memory:' },
      validatePolicy: validatePolicyDocument,
    });
    for (const tenant of TENANTS) {
      admins[tenant] = await governance.apiKeys.create({
        tenant,
        name: `${tenant} operator`,
        scopes: ['generate', 'read', 'admin'],
      });
    }
    gateway = await buildGateway({
      config: parseConfig({ port: 0, dataDir: ':memory:', auth: { mode: 'auto' } }),
      governance,
    });
    for (const tenant of TENANTS) {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/v1/generations',
        headers: {
          authorization: `Bearer ${admins[tenant].key}`,
          'content-type': 'application/json',
        },
        payload: {
          model: 'simulator',
          messages: [{ role: 'user', content: 'hello' }],
          maxTokens: 3,
          delivery: 'final',
          sessionId: 'session-1',
          endUserId: 'user-1',
        },
      });
      expect(response.statusCode, response.body).toBe(200);
      generations[tenant] = (response.json() as { id: string }).id;
    }
    await gateway.context.audit.flush();
  });

  afterEach(async () => {
    await gateway.app.close();
  });

  test("an end user's export holds only the caller's tenant", async () => {
    for (const tenant of TENANTS) {
      for (const url of ['/v1/end-users/user-1/export', '/v1/sessions/session-1/export']) {
        const result = await exported(tenant, url);
        expect(result).toMatchObject({
          tenant,
          generations: [generations[tenant]],
          recordTenants: [tenant],
        });
        expect(result.records.map((record) => record.type)).toEqual(
          expect.arrayContaining(['request-accepted', 'final-verdict']),
        );
      }
    }
  });

  test('an admin spans tenants only when it asks, and acts for another only by name', async () => {
    const everyone = await exported('acme', '/v1/end-users/user-1/export?tenant=*');
    expect(everyone).toMatchObject({
      tenant: '*',
      generations: [generations.acme, generations.globex].sort(),
      recordTenants: ['acme', 'globex'],
    });
    const other = await exported('acme', '/v1/sessions/session-1/export?tenant=globex');
    expect(other).toMatchObject({ tenant: 'globex', generations: [generations.globex] });
    const bad = await call('acme', 'GET', '/v1/end-users/user-1/export?tenant=Not%20One');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'SLUICE_ERR_INVALID_REQUEST' } });
  });

  test("deleting an end user touches only the caller's tenant and erases the clear id", async () => {
    const deleted = await call('globex', 'DELETE', '/v1/end-users/user-1?purgeAuditPayloads=true');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      endUserId: 'user-1',
      tenant: 'globex',
      deletedGenerations: [generations.globex],
    });
    const text = async (id: string) =>
      (await gateway.context.generations.record(id))?.text ?? 'missing';
    await expect(text(generations.globex)).resolves.toBe('');
    await expect(text(generations.acme)).resolves.not.toBe('');

    await expect(exported('globex', '/v1/end-users/user-1/export')).resolves.toMatchObject({
      generations: [],
      records: [],
    });
    await expect(exported('acme', '/v1/end-users/user-1/export')).resolves.toMatchObject({
      generations: [generations.acme],
    });
    const log = await gateway.context.governance.auditLog.list({ limit: 1000 });
    for (const record of log.filter((entry) => entry.tenant === 'globex')) {
      expect(record.endUserId).toBeUndefined();
    }
    await expect(gateway.context.governance.auditLog.verify()).resolves.toMatchObject({
      ok: true,
    });
  });

  test("deleting a session touches only the caller's tenant", async () => {
    const deleted = await call('acme', 'DELETE', '/v1/sessions/session-1');
    expect(deleted.body).toMatchObject({
      tenant: 'acme',
      deletedGenerations: [generations.acme],
    });
    await expect(gateway.context.generations.record(generations.globex)).resolves.toMatchObject({
      text: expect.stringMatching(/.+/),
    });
    const tombstone = (await gateway.context.governance.auditLog.list({ limit: 1000 })).at(-1);
    expect(tombstone).toMatchObject({ type: 'content-deleted', tenant: 'acme' });
    await expect(gateway.context.governance.auditLog.verify()).resolves.toMatchObject({
      ok: true,
    });
  });
});

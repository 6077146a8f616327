/**
 * A gateway on PostgreSQL governance (`governance: { kind: postgres }`), end to end: two
 * gateway nodes share one database — a key made on one authenticates on the other, a
 * policy published on one governs generations on the other, and the audit chain both
 * wrote verifies as one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAuditKeyText } from '../../packages/gateway/src/governance/audit/audit-keyring.ts';
import {
  createPgTestDatabase,
  type PgTestDatabase,
} from '../../packages/gateway/src/governance/postgres/pg-test-database.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { sluice } from '../helpers/sluice-cli.ts';

let database: PgTestDatabase;
let schema: string;
let env: NodeJS.ProcessEnv;
const nodes: RunningGateway[] = [];

beforeAll(async () => {
  database = await createPgTestDatabase();
  schema = database.nextSchema();
  env = {
    ...process.env,
    SLUICE_AUDIT_KEY: generateAuditKeyText('shared'),
    SLUICE_TEST_PG: database.url,
  };
  for (let index = 0; index < 2; index += 1) {
    nodes.push(
      await startGateway({
        env,
        config: {
          auth: { mode: 'keys' },
          models: [{ name: 'simulator', enabled: true }],
          governance: { kind: 'postgres', urlEnv: 'SLUICE_TEST_PG', schema },
        },
      }),
    );
  }
});

afterAll(async () => {
  for (const node of nodes) await node.close();
  await database?.drop();
});

function call(node: RunningGateway, method: string, path: string, key: string, body?: unknown) {
  return fetch(`${node.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('PostgreSQL governance across two nodes', () => {
  test('keys, policies and the audit chain are shared', async () => {
    const [first, second] = nodes as [RunningGateway, RunningGateway];
    const admin = await first.gateway.context.governance.apiKeys.create({
      tenant: 'operations',
      name: 'admin',
      scopes: ['admin'],
    });
    const app = await first.gateway.context.governance.apiKeys.create({
      tenant: 'acme',
      name: 'app',
      scopes: ['generate', 'read'],
    });
    // A key made through node one authenticates on node two.
    expect((await call(second, 'GET', '/v1/models', app.key)).status).toBe(200);

    // A policy published on node two governs a generation on node one.
    const published = await call(second, 'POST', '/v1/policies/default/versions', admin.key, {
      guardrails: { input: { block: ['email'] } },
    });
    expect(published.status).toBe(201);
    const generation = await call(first, 'POST', '/v1/generations', app.key, {
      model: 'simulator',
      messages: [{ role: 'user', content: 'Write to ada@example.com' }],
      delivery: 'final',
    });
    expect(generation.status).toBe(400);
    expect(await generation.json()).toMatchObject({ error: { code: 'SLUICE_ERR_INPUT_BLOCKED' } });
    const allowed = await call(first, 'POST', '/v1/generations', app.key, {
      model: 'simulator',
      messages: [{ role: 'user', content: 'Nothing personal here.' }],
      delivery: 'final',
    });
    expect(allowed.status).toBe(200);

    // Both nodes wrote to one chain, and either verifies it whole.
    for (const node of nodes) {
      const verified = (await (await call(node, 'GET', '/v1/audit/verify', admin.key)).json()) as {
        ok: boolean;
        count: number;
      };
      expect(verified.ok).toBe(true);
      expect(verified.count).toBeGreaterThan(2);
    }
  });

  test('sluice audit verify checks the shared chain from the command line', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sluice-pg-cli-'));
    try {
      const config = join(directory, 'sluice.yaml');
      await writeFile(
        config,
        `governance:\n  kind: postgres\n  urlEnv: SLUICE_TEST_PG\n  schema: ${schema}\n`,
      );
      const result = await sluice(['audit', 'verify', '--config', config], env);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^audit chain ok: \d+ records/);
      expect(result.code).toBe(0);
      const withoutKey = await sluice(['audit', 'verify', '--config', config], {
        ...env,
        SLUICE_AUDIT_KEY: '',
      });
      expect(withoutKey.code).toBe(1);
      expect(withoutKey.stderr).toContain('SLUICE_AUDIT_KEY');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

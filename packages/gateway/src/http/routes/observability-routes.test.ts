/**
 * `/metrics` and `/v1/stats` behind the real authenticator and a real (in-memory SQLite)
 * key store: who may scrape metrics, and that stats show a non-admin key its own
 * tenant only.
 */
import type { DatabaseSync } from 'node:sqlite';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ApiKeyScope } from '../../control/tenants/api-key-store.ts';
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../../governance/database/open-governance-database.ts';
import { GatewayMetrics } from '../../observability/gateway-metrics.ts';
import { GenerationStats, type StatsSnapshot } from '../../observability/generation-stats.ts';
import type { GenerationSummary } from '../../observability/generation-summary.ts';
import { registerAuthentication } from '../auth/authenticate.ts';
import { registerErrorHandling } from '../error-handler.ts';
import { registerObservabilityRoutes } from './observability-routes.ts';

function summary(tenant: string, timeToFirstTokenMs: number): GenerationSummary {
  return {
    id: 'gen_0123456789abcdef0123456789abcdef',
    model: 'simulator',
    provider: 'simulator',
    tenant,
    status: 'finished',
    finishReason: 'stop',
    usage: { inputTokens: 3, outputTokens: 5 },
    timeToFirstTokenMs,
    durationMs: timeToFirstTokenMs + 40,
    upstream: { timeToFirstTokenMs: timeToFirstTokenMs - 1, durationMs: timeToFirstTokenMs + 39 },
  };
}

let database: DatabaseSync;
let keys: SqliteApiKeyStore;
let metrics: GatewayMetrics;
let stats: GenerationStats;
let app: FastifyInstance;

beforeEach(() => {
  database = openGovernanceDatabase({ path: ':memory:' });
  keys = new SqliteApiKeyStore({ database });
  metrics = new GatewayMetrics();
  stats = new GenerationStats();
  // acme: one finished, one still running; globex: one finished.
  for (const [tenant, ttft] of [
    ['acme', 12],
    ['globex', 90],
  ] as const) {
    const start = { model: 'simulator', provider: 'simulator', tenant };
    metrics.generationStarted(start);
    stats.generationStarted(tenant);
    metrics.generationEnded(summary(tenant, ttft));
    stats.generationEnded(summary(tenant, ttft));
  }
  stats.generationStarted('acme');
  stats.readerAttached('acme');
});

afterEach(async () => {
  await app.close();
  metrics.close();
  database.close();
});

async function build(options: { publicMetrics?: boolean } = {}): Promise<FastifyInstance> {
  app = Fastify();
  registerErrorHandling(app);
  registerAuthentication(app, {
    keys,
    openMode: false,
    publicRoutes: options.publicMetrics ? ['/metrics'] : [],
  });
  await app.register(async (scope) =>
    registerObservabilityRoutes(scope, {
      metrics,
      stats,
      ...(options.publicMetrics === undefined ? {} : { publicMetrics: options.publicMetrics }),
    }),
  );
  return app;
}

async function bearer(tenant: string, scopes: ApiKeyScope[]) {
  const created = await keys.create({ tenant, name: scopes.join('+'), scopes });
  return { authorization: `Bearer ${created.key}` };
}

describe('GET /metrics', () => {
  test('needs a key: none is 401, a generate-only key 403, metrics or admin 200', async () => {
    await build();
    const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'SLUICE_ERR_UNAUTHENTICATED' } });
    expect(anonymous.body).not.toContain('gen_ai_');

    const generateOnly = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: await bearer('acme', ['generate', 'read']),
    });
    expect(generateOnly.statusCode).toBe(403);
    expect(generateOnly.json()).toEqual({
      error: { code: 'SLUICE_ERR_FORBIDDEN', message: 'The API key lacks the metrics scope' },
    });

    for (const scopes of [['metrics'], ['admin']] as ApiKeyScope[][]) {
      const response = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: await bearer('ops', scopes),
      });
      expect(response.statusCode, scopes.join()).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(response.body).toContain('# TYPE gen_ai_server_time_to_first_token_seconds histogram');
      expect(response.body).toContain('sluice_generations_ended_total{');
      expect(response.body).not.toContain('gen_0123456789abcdef0123456789abcdef');
    }
  });

  test('observability.metrics.public serves it without a key', async () => {
    await build({ publicMetrics: true });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('sluice_generations_ended_total{');
  });
});

describe('GET /v1/stats', () => {
  test('a non-admin key sees its own tenant only', async () => {
    await build();
    const response = await app.inject({
      method: 'GET',
      url: '/v1/stats',
      headers: await bearer('acme', ['read']),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as StatsSnapshot;
    expect(body.window.generations).toBe(1);
    expect(body.timeToFirstTokenMs).toMatchObject({ count: 1, p50: 12, max: 12 });
    expect(body.active).toEqual({ generations: 1, readers: 1 });
    expect(body.outcomes.finished).toBe(1);
    expect(body.totals).toMatchObject({ finished: 1, started: 2 });

    const stranger = await app.inject({
      method: 'GET',
      url: '/v1/stats',
      headers: await bearer('initech', ['generate']),
    });
    const empty = stranger.json() as StatsSnapshot;
    expect(empty.window.generations).toBe(0);
    expect(empty.timeToFirstTokenMs.p50).toBeNull();
    expect(empty.totals.started).toBe(0);
  });

  test('an admin key sees every tenant', async () => {
    await build();
    const response = await app.inject({
      method: 'GET',
      url: '/v1/stats',
      headers: await bearer('acme', ['admin']),
    });
    const body = response.json() as StatsSnapshot;
    expect(body.window.generations).toBe(2);
    expect(body.timeToFirstTokenMs).toMatchObject({ count: 2, p50: 12, max: 90 });
    expect(body.upstreamTimeToFirstTokenMs.p50).toBe(11);
    expect(body.tokensPerSecond.p50).toBeCloseTo(100);
    expect(body.totals).toMatchObject({ finished: 2, started: 3 });
  });

  test('needs a key', async () => {
    await build();
    expect((await app.inject({ method: 'GET', url: '/v1/stats' })).statusCode).toBe(401);
  });
});

/**
 * The gateway's services without HTTP: the stream store, the model registry, the
 * governance stores and policy runtime, the audit trail and the generation service.
 * `app.ts` puts a Fastify app in front of them.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { SluiceConfig } from '../config/config-schema.ts';
import { ConfigError } from '../config/load-config.ts';
import { upstreamIdleSettings } from '../control/limits/connection-limits.ts';
import { MemoryConcurrencyLimiter } from '../control/limits/memory-concurrency-limiter.ts';
import { RedisConcurrencyLimiter } from '../control/limits/redis/redis-concurrency-limiter.ts';
import { MemoryRateLimiter } from '../control/quotas/memory-rate-limiter.ts';
import { MemoryTokenMeter } from '../control/quotas/memory-token-meter.ts';
import { QuotaEnforcer } from '../control/quotas/quota-enforcer.ts';
import { RedisRateLimiter } from '../control/quotas/redis/redis-rate-limiter.ts';
import { RedisTokenMeter } from '../control/quotas/redis/redis-token-meter.ts';
import { type AuditErrorReporter, AuditTrail } from '../generation/audit-trail.ts';
import { GenerationService } from '../generation/generation-service.ts';
import { type LanguageModelFactory, ModelRegistry } from '../generation/model-registry.ts';
import { startAuditPayloadRetention } from '../governance/audit/audit-payload-retention.ts';
import type { GovernanceStores } from '../governance/database/governance-stores.ts';
import { openSqliteGovernance } from '../governance/database/open-sqlite-governance.ts';
import { type PolicyDocument, validatePolicyDocument } from '../governance/policy-document.ts';
import { PolicyRuntime } from '../governance/policy-runtime.ts';
import { openPgGovernance } from '../governance/postgres/open-pg-governance.ts';
import { createWebhookDispatcher } from '../governance/validators/index.ts';
import { InstrumentedStreamStore } from '../observability/instrumented-stream-store.ts';
import { createObservability, type GatewayObservability } from '../observability/observability.ts';
import { createLanguageModel } from '../providers/create-language-model.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import { MemoryGenerationStore } from '../store/memory-generation-store.ts';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import { BackendUnavailableError } from '../store/redis/redis-connection.ts';
import { RedisStreamStore } from '../store/redis/redis-stream-store.ts';
import { closeRedis, connectRedis } from '../store/redis-generation/redis-connection.ts';
import { RedisGenerationStore } from '../store/redis-generation/redis-generation-store.ts';
import { RedisProducerLeases } from '../store/redis-generation/redis-producer-lease.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { BackendCheck } from './backend-checks.ts';

export interface GatewayServicesOptions {
  config: SluiceConfig;
  store?: StreamStore;
  /** Generation records; by default in memory. */
  records?: GenerationStore;
  /** Governance stores; by default SQLite in `config.dataDir`. */
  governance?: GovernanceStores<PolicyDocument>;
  createModel?: LanguageModelFactory;
  env?: NodeJS.ProcessEnv;
  /** Metrics, stats and tracing; by default built from `config.observability`. */
  observability?: GatewayObservability;
  /** Where audit write failures are reported. */
  onAuditError: AuditErrorReporter;
}

export interface GatewayServices {
  observability: GatewayObservability;
  quotas: QuotaEnforcer;
  store: StreamStore;
  models: ModelRegistry;
  governance: GovernanceStores<PolicyDocument>;
  audit: AuditTrail;
  generations: GenerationService;
  /** The backends `/readyz` checks. */
  backends: BackendCheck[];
  /** Stops timers and releases the stores (after generations ended). */
  close(): Promise<void>;
}

export async function createGatewayServices(
  options: GatewayServicesOptions,
): Promise<GatewayServices> {
  const { config } = options;
  const env = options.env ?? process.env;
  // Opened first: an unreachable Redis fails startup before anything else holds resources.
  const streams = options.store ?? (await openStreamStore(config.store, env));
  const observability = options.observability ?? (await createObservability(config.observability));
  const store = new InstrumentedStreamStore(streams, observability.metrics);
  const quotaPolicy = {
    tenants: config.limits.tenants,
    keys: config.limits.keys,
    perClientIp: config.limits.perClientIp,
  };
  // With Redis, quotas and records are shared by every node; otherwise each keeps its own.
  const shared = await openSharedRedis(config.store, env);
  const quotas = new QuotaEnforcer(
    shared === undefined
      ? {
          policy: quotaPolicy,
          rateLimiter: new MemoryRateLimiter(),
          concurrency: new MemoryConcurrencyLimiter(),
          tokens: new MemoryTokenMeter({ policy: quotaPolicy }),
        }
      : {
          policy: quotaPolicy,
          rateLimiter: new RedisRateLimiter({
            redis: shared.redis,
            keyPrefix: `${config.store.keyPrefix}rate:`,
          }),
          concurrency: new RedisConcurrencyLimiter({
            redis: shared.redis,
            keyPrefix: `${config.store.keyPrefix}concurrency:`,
          }),
          tokens: new RedisTokenMeter({
            redis: shared.redis,
            policy: quotaPolicy,
            keyPrefix: `${config.store.keyPrefix}tokens:`,
          }),
        },
  );
  const models = new ModelRegistry(config.models, options.createModel ?? createLanguageModel, {
    env,
    upstreamIdleTimeoutMs: upstreamIdleSettings(config.limits.idleTimeouts).idleTimeoutMs,
    onCircuitStateChange: (change) => observability.metrics.circuitState(change.name, change.to),
    // Where every request needs a key, a model that answers anything is opt-in.
    simulatorEnabledByDefault: config.auth.mode !== 'keys',
  });
  const opened = options.governance ?? (await openGovernance(config, env));
  const governance: GovernanceStores<PolicyDocument> = opened;
  const postgresPool = (opened as { pool?: Pool }).pool;
  const backends: BackendCheck[] = [
    shared === undefined
      ? { role: 'store', kind: config.store.kind }
      : { role: 'store', kind: 'redis', ping: () => shared.redis.ping() },
    postgresPool === undefined
      ? { role: 'governance', kind: config.governance.kind }
      : { role: 'governance', kind: 'postgres', ping: () => postgresPool.query('SELECT 1') },
  ];
  const webhookDispatcher = createWebhookDispatcher({
    allowPrivateNetworks: config.governance.webhooks.allowPrivateNetworks,
  });
  const policies = new PolicyRuntime({
    policies: governance.policies,
    redactionHashKey:
      env[config.governance.redactionHashKeyEnv] ?? randomBytes(32).toString('base64url'),
    validation: config.governance.validation,
    webhook: {
      dispatcher: webhookDispatcher,
      // The app's logger is attached to observability after this runs.
      logger: { warn: (fields, message) => observability.logger.warn(fields, message) },
    },
  });
  const auditPayloadDays = config.governance.retention.auditPayloadDays;
  const retention =
    auditPayloadDays === undefined
      ? undefined
      : startAuditPayloadRetention({
          auditLog: governance.auditLog,
          retainForMs: auditPayloadDays * 86_400_000,
        });
  const audit = new AuditTrail(governance.auditLog, options.onAuditError, {
    readerRecordsPerKeyPerMinute: config.governance.audit.readerRecordsPerKeyPerMinute,
  });
  const records =
    options.records ??
    (shared === undefined
      ? new MemoryGenerationStore({ ttlSeconds: config.streams.generationTtlSeconds })
      : await RedisGenerationStore.open({
          url: shared.url,
          keyPrefix: config.store.keyPrefix,
          ttlSeconds: config.streams.generationTtlSeconds,
          logger: { warn: (fields, message) => observability.logger.warn(fields, message) },
        }));
  const leases =
    shared === undefined
      ? undefined
      : await RedisProducerLeases.open({ url: shared.url, keyPrefix: config.store.keyPrefix });
  const generations = new GenerationService({
    store,
    records,
    models,
    policies,
    audit,
    reviews: governance.reviews,
    observability,
    ttlSeconds: config.streams.generationTtlSeconds,
    abandonAfterMs: config.streams.abandonAfterMs,
    retainedBytes: config.streams.retainedGenerationsBytes,
    ...(leases === undefined
      ? {}
      : {
          cluster: {
            leases,
            nodeId: config.cluster.nodeId ?? defaultNodeId(),
            leaseTimeoutMs: config.cluster.leaseTimeoutMs,
            onProducerLost: config.cluster.onProducerLost,
          },
        }),
  });
  return {
    observability,
    quotas,
    store,
    models,
    governance,
    audit,
    generations,
    backends,
    async close() {
      retention?.stop();
      await store.dispose();
      await records.dispose();
      await leases?.dispose();
      await quotas.dispose();
      if (shared !== undefined) await closeRedis(shared.redis);
      // Folded reader sessions are written before the audit log closes.
      audit.close();
      await governance.close();
      await webhookDispatcher.close();
      await observability.close();
    },
  };
}

/** The configured stream log: in memory, or Redis Streams shared by every node. */
async function openStreamStore(
  store: SluiceConfig['store'],
  env: NodeJS.ProcessEnv,
): Promise<StreamStore> {
  if (store.kind === 'memory') return new MemoryStreamStore();
  const url = store.url ?? (store.urlEnv === undefined ? undefined : env[store.urlEnv]);
  if (url === undefined || url === '') {
    throw new BackendUnavailableError(
      `Redis (stream store): the environment variable ${store.urlEnv ?? 'store.urlEnv'} is not set`,
    );
  }
  return RedisStreamStore.connect({
    url,
    keyPrefix: store.keyPrefix,
    connectTimeoutMs: store.connectTimeoutMs,
  });
}

/** The governance stores the config names: SQLite in `dataDir`, or a shared PostgreSQL. */
async function openGovernance(
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
): Promise<GovernanceStores<PolicyDocument> | (GovernanceStores<PolicyDocument> & { pool: Pool })> {
  if (config.governance.kind === 'postgres') {
    const url = config.governance.url ?? env[config.governance.urlEnv];
    if (url === undefined || url === '') {
      throw new ConfigError(
        `governance.kind is postgres but neither governance.url nor ${config.governance.urlEnv} is set`,
      );
    }
    return openPgGovernance({
      url,
      ...(config.governance.schema === undefined ? {} : { schema: config.governance.schema }),
      validatePolicy: validatePolicyDocument,
      env,
    });
  }
  return openSqliteGovernance({
    location: config.dataDir === ':memory:' ? { path: ':memory:' } : { dataDir: config.dataDir },
    validatePolicy: validatePolicyDocument,
    env,
  });
}

/** The URL and one connection for what every node shares besides the log: quotas. */
async function openSharedRedis(
  store: SluiceConfig['store'],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; redis: Redis } | undefined> {
  if (store.kind !== 'redis') return undefined;
  const url = store.url ?? (store.urlEnv === undefined ? undefined : env[store.urlEnv]);
  if (url === undefined || url === '') return undefined;
  return { url, redis: await connectRedis(url, {}, 'quotas') };
}

/** A node id unique in the cluster and readable by an operator: host, process, random tag. */
function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

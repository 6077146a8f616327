/**
 * Builds the gateway: the stream store, model registry and generation service, and the
 * Fastify app that exposes them. `buildGateway` is what `sluice serve` and the tests use.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { SluiceConfig } from '../config/config-schema.ts';
import { registerDurableStreams } from '../delivery/durable-streams/register-durable-streams.ts';
import { AuditTrail } from '../generation/audit-trail.ts';
import { GenerationService } from '../generation/generation-service.ts';
import { type LanguageModelFactory, ModelRegistry } from '../generation/model-registry.ts';
import { startAuditPayloadRetention } from '../governance/audit/audit-payload-retention.ts';
import type { GovernanceStores } from '../governance/database/governance-stores.ts';
import { openSqliteGovernance } from '../governance/database/open-sqlite-governance.ts';
import { type PolicyDocument, validatePolicyDocument } from '../governance/policy-document.ts';
import { PolicyRuntime } from '../governance/policy-runtime.ts';
import { createLanguageModel } from '../providers/create-language-model.ts';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import type { StreamStore } from '../store/stream-store.ts';
import { registerErrorHandling } from './error-handler.ts';
import type { GatewayContext } from './gateway-context.ts';
import { registerJsonBodyParser } from './json-body-parser.ts';
import { chatCompletionsRoutes } from './routes/chat-completions-routes.ts';
import { dataRoutes } from './routes/data-routes.ts';
import { generationRoutes } from './routes/generation-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { policyRoutes } from './routes/policy-routes.ts';
import { reviewRoutes } from './routes/review-routes.ts';

export interface GatewayOptions {
  config: SluiceConfig;
  store?: StreamStore;
  /** Governance stores; by default SQLite in `config.dataDir`. */
  governance?: GovernanceStores<PolicyDocument>;
  createModel?: LanguageModelFactory;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
}

export interface Gateway {
  app: FastifyInstance;
  context: GatewayContext;
  /** Stops accepting new generations; readiness turns false. */
  stopAccepting(): void;
}

export async function buildGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const store = options.store ?? new MemoryStreamStore();
  const models = new ModelRegistry(
    config.models,
    options.createModel ?? createLanguageModel,
    options.env,
  );
  const env = options.env ?? process.env;
  const governance =
    options.governance ??
    openSqliteGovernance({
      location: config.dataDir === ':memory:' ? { path: ':memory:' } : { dataDir: config.dataDir },
      validatePolicy: validatePolicyDocument,
    });
  const policies = new PolicyRuntime({
    policies: governance.policies,
    redactionHashKey:
      env[config.governance.redactionHashKeyEnv] ?? randomBytes(32).toString('base64url'),
  });
  const auditPayloadDays = config.governance.retention.auditPayloadDays;
  const retention =
    auditPayloadDays === undefined
      ? undefined
      : startAuditPayloadRetention({
          auditLog: governance.auditLog,
          retainForMs: auditPayloadDays * 86_400_000,
        });
  // Assigned once the app (and its logger) exists; audit failures are rare and late.
  let reportAuditError = (_error: unknown) => {};
  const audit = new AuditTrail(governance.auditLog, (error) => reportAuditError(error));
  const generations = new GenerationService({
    store,
    models,
    policies,
    audit,
    reviews: governance.reviews,
    ttlSeconds: config.streams.generationTtlSeconds,
  });
  let accepting = true;
  const shutdown = new AbortController();
  const context: GatewayContext = {
    config,
    store,
    models,
    generations,
    governance,
    audit,
    isAcceptingWork: () => accepting,
    shutdownSignal: shutdown.signal,
  };

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.limits.bodyBytes,
    // Request lines are logged by the gateway itself, once, with ids and outcome.
    logController: new LogController({ disableRequestLogging: true }),
    // Generation ids and stream paths are case-sensitive; keep routing exact.
    routerOptions: { ignoreTrailingSlash: false },
  });
  reportAuditError = (error) => app.log.error({ err: error }, 'audit append failed');
  registerErrorHandling(app);
  registerJsonBodyParser(app);
  await app.register(async (scope) => healthRoutes(scope, context));
  await app.register(async (scope) => generationRoutes(scope, context));
  await app.register(async (scope) => chatCompletionsRoutes(scope, context));
  await app.register(async (scope) => policyRoutes(scope, context));
  await app.register(async (scope) => reviewRoutes(scope, context));
  await app.register(async (scope) => dataRoutes(scope, context));
  await app.register(async (scope) =>
    registerDurableStreams(scope, {
      store,
      longPollTimeoutMs: config.streams.longPollTimeoutMs,
      heartbeatMs: config.streams.heartbeatIntervalMs,
      bodyLimit: config.limits.bodyBytes,
      isReadOnly: (path) => path.startsWith('generations/'),
    }),
  );
  // preClose runs before the server stops accepting sockets and waits for open ones:
  // end generations (readers then receive their terminal events) and live reads first.
  app.addHook('preClose', async () => {
    accepting = false;
    await generations.dispose();
    shutdown.abort();
  });
  app.addHook('onClose', async () => {
    retention?.stop();
    await store.dispose();
    await governance.close();
  });
  return {
    app,
    context,
    stopAccepting: () => {
      accepting = false;
    },
  };
}

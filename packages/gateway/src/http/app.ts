/**
 * Builds the gateway: its services (see `gateway-services.ts`) behind a Fastify app with
 * authentication, CORS, security headers, request ids, connection limits, every route,
 * and a shutdown that drains. `buildGateway` is what `sluice serve` and the tests use.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { SluiceConfig } from '../config/config-schema.ts';
import { handleClientError } from '../control/limits/client-error-handler.ts';
import { serverLimitOptions } from '../control/limits/connection-limits.ts';
import { registerLingeringClose } from '../control/limits/lingering-close.ts';
import { registerDurableStreams } from '../delivery/index.ts';
import type { LanguageModelFactory } from '../generation/model-registry.ts';
import type { GovernanceStores } from '../governance/database/governance-stores.ts';
import type { PolicyDocument } from '../governance/policy-document.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import { registerRequestLogging } from '../observability/request-logging.ts';
import { registerRequestTracing } from '../observability/request-tracing.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import type { StreamStore } from '../store/stream-store.ts';
import { registerAdminKeyRoutes } from './auth/admin-key-routes.ts';
import { registerAuthentication } from './auth/authenticate.ts';
import { createOpenModeSwitch } from './auth/open-mode-switch.ts';
import { registerCorsPolicy } from './cors-policy.ts';
import { durableStreamAccess } from './durable-stream-access.ts';
import { frameworkErrorHandler, registerEarlyRefusalClose } from './early-refusal.ts';
import { registerErrorHandling } from './error-handler.ts';
import type { GatewayContext } from './gateway-context.ts';
import { createGatewayServices } from './gateway-services.ts';
import { registerJsonBodyParser } from './json-body-parser.ts';
import { durableStreamReaders, readerSubject } from './reader-audit.ts';
import { aiChatRoutes } from './routes/ai-chat-routes.ts';
import { chatCompletionsRoutes } from './routes/chat-completions-routes.ts';
import { dataRoutes } from './routes/data-routes.ts';
import { generationRoutes } from './routes/generation-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { registerObservabilityRoutes } from './routes/observability-routes.ts';
import { policyRoutes } from './routes/policy-routes.ts';
import { reviewRoutes } from './routes/review-routes.ts';
import { WEB_PUBLIC_ROUTES, webRoutes } from './routes/web-routes.ts';
import { WEBSOCKET_ROUTE, websocketRoutes } from './routes/websocket-routes.ts';
import { registerSecurityHeaders, securityHeaders } from './security-headers.ts';

export interface GatewayOptions {
  config: SluiceConfig;
  store?: StreamStore;
  /** Generation records; by default in memory. */
  records?: GenerationStore;
  /** Governance stores; by default SQLite in `config.dataDir`. */
  governance?: GovernanceStores<PolicyDocument>;
  createModel?: LanguageModelFactory;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** Metrics, stats and tracing; by default built from `config.observability`. */
  observability?: GatewayObservability;
}

export interface Gateway {
  app: FastifyInstance;
  context: GatewayContext;
  /**
   * Graceful drain: refuse new generations (readiness turns false), give running ones
   * until the deadline to finish, then close (the rest end `interrupted`).
   */
  drain(deadlineMs: number): Promise<void>;
}

/** Client request ids are echoed only when they look like ids (no header injection, bounded). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function serverOptions(config: SluiceConfig): Record<string, unknown> {
  const limits = serverLimitOptions(config.http, config.limits.idleTimeouts);
  const tls = config.http.tls
    ? {
        https: {
          cert: readFileSync(config.http.tls.certFile),
          key: readFileSync(config.http.tls.keyFile),
        },
      }
    : {};
  if (config.http.http2)
    return { http2: true, ...tls, http2SessionTimeout: config.limits.idleTimeouts.clientMs };
  return { ...limits, ...tls };
}

export async function buildGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  // Assigned once the app (and its logger) exists; these failures are rare and late.
  let reportAuditError = (_error: unknown) => {};
  let reportKeyCheckError = (_error: unknown) => {};
  const services = await createGatewayServices({
    config,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.records === undefined ? {} : { records: options.records }),
    ...(options.governance === undefined ? {} : { governance: options.governance }),
    ...(options.createModel === undefined ? {} : { createModel: options.createModel }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.observability === undefined ? {} : { observability: options.observability }),
    onAuditError: (error) => reportAuditError(error),
  });
  const { store, generations, governance, observability } = services;

  // Open mode (no keys) only on loopback; `auto` turns keys on for good at the first key.
  const openMode = await createOpenModeSwitch({
    mode: config.auth.mode,
    host: config.host,
    keys: governance.apiKeys,
    onError: (error) => reportKeyCheckError(error),
  });
  const metricsPublic = config.observability.metrics.public;
  const tls = config.http.tls !== undefined;

  let accepting = true;
  const shutdown = new AbortController();
  const app = Fastify({
    ...serverOptions(config),
    logger: options.logger ?? false,
    bodyLimit: config.limits.bodyBytes,
    // Request lines are logged by the gateway itself, once, with ids and outcome.
    logController: new LogController({ disableRequestLogging: true }),
    // Read by genReqId instead, which accepts only well-formed ids.
    requestIdHeader: false,
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    },
    clientErrorHandler: handleClientError,
    // A bad URL is answered before routing and hooks: in the catalogue's shape, too.
    frameworkErrors: frameworkErrorHandler({
      drainMs: config.limits.bodyDrainMs,
      headers: securityHeaders({ tls }),
    }),
    // Generation ids and stream paths are case-sensitive; keep routing exact.
    routerOptions: { ignoreTrailingSlash: false },
  }) as unknown as FastifyInstance;

  const context: GatewayContext = {
    config,
    store,
    models: services.models,
    generations,
    governance,
    audit: services.audit,
    observability,
    quotas: services.quotas,
    backends: services.backends,
    requestSpanOf: registerRequestTracing(app, observability.tracing),
    isAcceptingWork: () => accepting,
    shutdownSignal: shutdown.signal,
  };
  reportAuditError = (error) => app.log.error({ err: error }, 'audit append failed');
  reportKeyCheckError = (error) => app.log.error({ err: error }, 'API key check failed');
  observability.useLogger(app.log);
  registerRequestLogging(app);
  registerErrorHandling(app, context);
  registerSecurityHeaders(app, { tls });
  await registerCorsPolicy(app, config.http.cors.allowedOrigins);
  registerJsonBodyParser(app);
  // Before the lingering close: it drains every refused body this marks.
  registerEarlyRefusalClose(app);
  registerLingeringClose(app, { drainMs: config.limits.bodyDrainMs });
  registerAuthentication(app, {
    keys: governance.apiKeys,
    openMode: openMode.isOpen,
    // The WebSocket route authenticates itself (by header, or by its first frame).
    // The pages are public (they hold no data; their API calls carry the admin key).
    publicRoutes: [
      '/healthz',
      '/readyz',
      WEBSOCKET_ROUTE,
      ...WEB_PUBLIC_ROUTES,
      ...(metricsPublic ? ['/metrics'] : []),
    ],
  });
  await app.register(async (scope) => healthRoutes(scope, context));
  await app.register(async (scope) => generationRoutes(scope, context));
  await app.register(async (scope) => chatCompletionsRoutes(scope, context));
  await app.register(async (scope) => aiChatRoutes(scope, context));
  await app.register(async (scope) => policyRoutes(scope, context));
  await app.register(async (scope) => reviewRoutes(scope, context));
  await app.register(async (scope) => dataRoutes(scope, context));
  await app.register(async (scope) => websocketRoutes(scope, context));
  await app.register(async (scope) => webRoutes(scope));
  await app.register(async (scope) =>
    registerAdminKeyRoutes(scope, {
      keys: governance.apiKeys,
      onKeyChange: ({ type, actor, record }) => {
        if (type === 'api-key-created') openMode.keyCreated();
        services.audit.record(
          type === 'api-key-created'
            ? {
                type,
                actor,
                tenant: record.tenant,
                payload: {
                  keyId: record.id,
                  tenant: record.tenant,
                  name: record.name,
                  scopes: [...record.scopes],
                },
              }
            : {
                type,
                actor,
                tenant: record.tenant,
                payload: { keyId: record.id, tenant: record.tenant },
              },
        );
      },
    }),
  );
  if (observability.metricsEnabled) {
    await app.register(async (scope) =>
      registerObservabilityRoutes(scope, {
        metrics: observability.metrics,
        stats: observability.stats,
        publicMetrics: metricsPublic,
      }),
    );
  }
  const access = durableStreamAccess(context);
  await app.register(async (scope) =>
    registerDurableStreams(scope, {
      store,
      longPollTimeoutMs: config.streams.longPollTimeoutMs,
      heartbeatMs: config.streams.heartbeatIntervalMs,
      bodyLimit: config.limits.bodyBytes,
      isReadOnly: (path) => path.startsWith('generations/'),
      resolvePath: access.resolvePath,
      authorize: access.authorize,
      writePolicy: access.writePolicy,
      // Generation logs read here obey the same reader policy as every other transport.
      readerPolicy: durableStreamReaders(context, async (id, request) => {
        const record = await access.recordFor(request, id);
        return record && readerSubject(record);
      }),
      readerLimits: config.streams,
    }),
  );
  // preClose runs before the server stops accepting sockets and waits for open ones:
  // end generations (readers then receive their terminal events) and live reads first.
  app.addHook('preClose', async () => {
    accepting = false;
    await generations.dispose();
    // A shared (Redis) log wakes this node's readers a moment after the terminal events
    // were appended: let them deliver those (bounded) before live reads are cut.
    await readersDone(observability.stats, Math.min(1_000, config.http.drainTimeoutMs));
    shutdown.abort();
  });
  app.addHook('onClose', async () => {
    openMode.close();
    await services.close();
  });
  return {
    app,
    context,
    async drain(deadlineMs) {
      accepting = false;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([generations.whenIdle(), deadline]);
      clearTimeout(timer);
      await app.close();
    },
  };
}

/** Resolves once no reader is attached, or after `boundMs` (readers of a handed-off log stay). */
async function readersDone(stats: { readonly activeReaders: number }, boundMs: number) {
  const deadline = performance.now() + boundMs;
  while (stats.activeReaders > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

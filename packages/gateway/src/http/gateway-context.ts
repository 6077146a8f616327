/**
 * What routes need from the rest of the gateway, passed explicitly rather than through
 * Fastify decorators so each route's dependencies are visible in its signature.
 */
import type { SluiceConfig } from '../config/config-schema.ts';
import type { QuotaEnforcer } from '../control/quotas/quota-enforcer.ts';
import type { AuditTrail } from '../generation/audit-trail.ts';
import type { GenerationService } from '../generation/generation-service.ts';
import type { ModelRegistry } from '../generation/model-registry.ts';
import type { GovernanceStores } from '../governance/database/governance-stores.ts';
import type { PolicyDocument } from '../governance/policy-document.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { RequestSpanOf } from '../observability/request-tracing.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { BackendCheck } from './backend-checks.ts';

export interface GatewayContext {
  config: SluiceConfig;
  store: StreamStore;
  models: ModelRegistry;
  generations: GenerationService;
  governance: GovernanceStores<PolicyDocument>;
  /** Audit records from request handling (readers attaching, detaching, resuming). */
  audit: AuditTrail;
  observability: GatewayObservability;
  /** Admission control: rates, concurrency and token budgets per tenant, key and address. */
  quotas: QuotaEnforcer;
  /** The request's trace span (a no-op when tracing is off). */
  requestSpanOf: RequestSpanOf;
  /** The shared backends readiness checks (Redis, PostgreSQL); embedded ones always pass. */
  backends: readonly BackendCheck[];
  /** False while draining: readiness fails and new generations are refused. */
  isAcceptingWork(): boolean;
  /** Aborts when the server closes: live readers end their responses. */
  shutdownSignal: AbortSignal;
}

/**
 * What routes need from the rest of the gateway, passed explicitly rather than through
 * Fastify decorators so each route's dependencies are visible in its signature.
 */
import type { SluiceConfig } from '../config/config-schema.ts';
import type { AuditTrail } from '../generation/audit-trail.ts';
import type { GenerationService } from '../generation/generation-service.ts';
import type { ModelRegistry } from '../generation/model-registry.ts';
import type { GovernanceStores } from '../governance/database/governance-stores.ts';
import type { PolicyDocument } from '../governance/policy-document.ts';
import type { StreamStore } from '../store/stream-store.ts';

export interface GatewayContext {
  config: SluiceConfig;
  store: StreamStore;
  models: ModelRegistry;
  generations: GenerationService;
  governance: GovernanceStores<PolicyDocument>;
  /** Audit records from request handling (readers attaching, detaching, resuming). */
  audit: AuditTrail;
  /** False while draining: readiness fails and new generations are refused. */
  isAcceptingWork(): boolean;
  /** Aborts when the server closes: live readers end their responses. */
  shutdownSignal: AbortSignal;
}

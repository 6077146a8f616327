/**
 * The governance stores the gateway wires together: audit log, versioned policies,
 * review queue and API keys. Each backend (SQLite now, PostgreSQL later) has one factory returning
 * this shape, so the pipeline and the routes code against the interfaces only.
 */
import type { ApiKeyStore } from '../../control/tenants/api-key-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { PolicyStore } from '../policies/policy-store.ts';
import type { ReviewQueue } from '../review/review-queue.ts';

export interface GovernanceStores<PolicyDocument> {
  auditLog: AuditLog;
  policies: PolicyStore<PolicyDocument>;
  reviews: ReviewQueue;
  /** Tenants' API keys (hashes only). */
  apiKeys: ApiKeyStore;
  /** Commits pending audit appends, then releases the backend. */
  close(): Promise<void>;
}

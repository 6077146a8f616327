/**
 * Opens the embedded governance stores on one SQLite connection to `sluice.db`: one
 * connection, so a policy change or a review decision and its audit record share a
 * transaction.
 */
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { SqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import type { ValidatePolicyDocument } from '../policies/policy-store.ts';
import { SqlitePolicyStore } from '../policies/sqlite-policy-store.ts';
import { SqliteReviewQueue } from '../review/sqlite-review-queue.ts';
import type { GovernanceStores } from './governance-stores.ts';
import {
  type GovernanceDatabaseLocation,
  type OpenGovernanceDatabaseOptions,
  openGovernanceDatabase,
} from './open-governance-database.ts';

export interface OpenSqliteGovernanceOptions<PolicyDocument> extends OpenGovernanceDatabaseOptions {
  location: GovernanceDatabaseLocation;
  validatePolicy: ValidatePolicyDocument<PolicyDocument>;
  now?: () => Date;
}

export function openSqliteGovernance<PolicyDocument>(
  options: OpenSqliteGovernanceOptions<PolicyDocument>,
): GovernanceStores<PolicyDocument> {
  const database = openGovernanceDatabase(
    options.location,
    options.synchronous === undefined ? {} : { synchronous: options.synchronous },
  );
  const clock = options.now === undefined ? {} : { now: options.now };
  const auditLog = new SqliteAuditLog(database, clock);
  const policies = new SqlitePolicyStore({
    database,
    auditLog,
    validate: options.validatePolicy,
    ...clock,
  });
  const reviews = new SqliteReviewQueue({ database, auditLog, ...clock });
  const apiKeys = new SqliteApiKeyStore({ database, ...clock });
  let closed = false;
  return {
    auditLog,
    policies,
    reviews,
    apiKeys,
    async close() {
      if (closed) return;
      closed = true;
      await auditLog.flush();
      database.close();
    },
  };
}

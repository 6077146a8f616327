/**
 * Opens the embedded governance stores on one SQLite connection to `sluice.db`: one
 * connection, so a policy change or a review decision and its audit record share a
 * transaction. The audit log gets its keys (`load-audit-keyring.ts`) and, for a file
 * database, its checkpoint file.
 */
import { dirname } from 'node:path';
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { auditCheckpointPath, FileAuditCheckpointStore } from '../audit/audit-checkpoint-file.ts';
import type { AuditKeyring } from '../audit/audit-keyring.ts';
import { loadAuditKeyring } from '../audit/load-audit-keyring.ts';
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
  /** Where `SLUICE_AUDIT_KEY` and friends are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The audit keys, when the caller has them already; default loaded from `env`. */
  auditKeyring?: AuditKeyring;
  /** Audit key and checkpoint warnings; default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

function emitWarning(message: string): void {
  process.emitWarning(message, { code: 'SLUICE_AUDIT' });
}

/** The directory of a database file; undefined for an in-memory one. */
function directoryOf(location: GovernanceDatabaseLocation): string | undefined {
  if ('dataDir' in location) return location.dataDir;
  return location.path === ':memory:' ? undefined : dirname(location.path);
}

export function openSqliteGovernance<PolicyDocument>(
  options: OpenSqliteGovernanceOptions<PolicyDocument>,
): GovernanceStores<PolicyDocument> {
  const database = openGovernanceDatabase(
    options.location,
    options.synchronous === undefined ? {} : { synchronous: options.synchronous },
  );
  const clock = options.now === undefined ? {} : { now: options.now };
  const env = options.env ?? process.env;
  const onWarning = options.onWarning ?? emitWarning;
  const dataDir = directoryOf(options.location);
  let auditLog: SqliteAuditLog;
  try {
    const keyring =
      options.auditKeyring ?? loadAuditKeyring({ env, dataDir, create: true, onWarning }).keyring;
    auditLog = new SqliteAuditLog(database, {
      ...clock,
      keyring,
      onWarning,
      ...(dataDir === undefined
        ? {}
        : { checkpoints: new FileAuditCheckpointStore(auditCheckpointPath(dataDir, env)) }),
    });
  } catch (error) {
    database.close();
    throw error;
  }
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

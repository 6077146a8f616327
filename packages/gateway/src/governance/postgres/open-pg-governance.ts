/**
 * Opens the PostgreSQL governance stores (`governance: { kind: postgres, url }`): one
 * pool, migrated at start, shared by the audit log, policies, review queue and API keys,
 * so a policy change or a review decision and its audit record share a transaction.
 *
 * Every node must hash with the same audit key, so `SLUICE_AUDIT_KEY` is required: a key
 * made per process or kept in a local file would give each node a chain the others
 * cannot verify. The checkpoint goes to `SLUICE_AUDIT_CHECKPOINT_FILE` when set (best on
 * storage the database's writers cannot rewrite, shared by the nodes); without one,
 * truncation of the chain's end is not detected and a warning says so.
 */
import type { Pool } from 'pg';
import {
  AUDIT_CHECKPOINT_FILE_ENV,
  FileAuditCheckpointStore,
} from '../audit/audit-checkpoint-file.ts';
import { AuditKeyError } from '../audit/audit-key-error.ts';
import type { AuditKeyring } from '../audit/audit-keyring.ts';
import { AUDIT_KEY_ENV, loadAuditKeyring } from '../audit/load-audit-keyring.ts';
import type { GovernanceStores } from '../database/governance-stores.ts';
import type { ValidatePolicyDocument } from '../policies/policy-store.ts';
import {
  type OpenPgGovernancePoolOptions,
  openPgGovernancePool,
} from './open-pg-governance-pool.ts';
import { PgApiKeyStore } from './pg-api-key-store.ts';
import { PgAuditLog } from './pg-audit-log.ts';
import { PgPolicyStore } from './pg-policy-store.ts';
import { PgReviewQueue } from './pg-review-queue.ts';

export interface OpenPgGovernanceOptions<PolicyDocument> extends OpenPgGovernancePoolOptions {
  validatePolicy: ValidatePolicyDocument<PolicyDocument>;
  now?: () => Date;
  /** Where `SLUICE_AUDIT_KEY` and friends are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The audit keys, when the caller has them already; default loaded from `env`. */
  auditKeyring?: AuditKeyring;
  /** Audit checkpoint warnings; default `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

function emitWarning(message: string): void {
  process.emitWarning(message, { code: 'SLUICE_AUDIT' });
}

function sharedKeyring(env: NodeJS.ProcessEnv, onWarning: (message: string) => void) {
  const fromEnv = env[AUDIT_KEY_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') {
    throw new AuditKeyError(
      `PostgreSQL governance needs ${AUDIT_KEY_ENV}: every node must key the audit chain with the same key`,
    );
  }
  return loadAuditKeyring({ env, onWarning }).keyring;
}

export async function openPgGovernance<PolicyDocument>(
  options: OpenPgGovernanceOptions<PolicyDocument>,
): Promise<GovernanceStores<PolicyDocument> & { pool: Pool }> {
  const env = options.env ?? process.env;
  const onWarning = options.onWarning ?? emitWarning;
  // The key is checked before connecting: a misconfigured node fails without touching the database.
  const keyring = options.auditKeyring ?? sharedKeyring(env, onWarning);
  const pool = await openPgGovernancePool(options);
  const clock = options.now === undefined ? {} : { now: options.now };
  const checkpointPath = env[AUDIT_CHECKPOINT_FILE_ENV];
  if (checkpointPath === undefined || checkpointPath === '') {
    onWarning(
      `No ${AUDIT_CHECKPOINT_FILE_ENV}: the PostgreSQL audit chain has no checkpoint, so removal of its end would go unnoticed`,
    );
  }
  let auditLog: PgAuditLog;
  try {
    auditLog = await PgAuditLog.open(pool, {
      ...clock,
      keyring,
      onWarning,
      ...(checkpointPath === undefined || checkpointPath === ''
        ? {}
        : { checkpoints: new FileAuditCheckpointStore(checkpointPath) }),
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed = false;
  return {
    pool,
    auditLog,
    policies: new PgPolicyStore({ pool, auditLog, validate: options.validatePolicy, ...clock }),
    reviews: new PgReviewQueue({ pool, auditLog, ...clock }),
    apiKeys: new PgApiKeyStore({ pool, ...clock }),
    async close() {
      if (closed) return;
      closed = true;
      await auditLog.flush();
      await pool.end();
    },
  };
}

/**
 * `sluice audit`: verify the hash chain against its checkpoint, export a session's or end
 * user's records, and purge old payloads, working directly on `sluice.db` in the data
 * directory (the gateway may be running; WAL lets both use the file). It uses the
 * gateway's audit keys (`SLUICE_AUDIT_KEY`, `SLUICE_AUDIT_PREVIOUS_KEYS`, else the key
 * file beside the database) and never makes a key. Exit codes: 0 ok, 1 broken chain or
 * failure, 2 usage.
 */
import { existsSync } from 'node:fs';
import type { SluiceConfig } from '../config/config-schema.ts';
import { loadConfig } from '../config/load-config.ts';
import {
  AUDIT_CHECKPOINT_FILE_ENV,
  auditCheckpointPath,
  FileAuditCheckpointStore,
} from '../governance/audit/audit-checkpoint-file.ts';
import type { AuditLog } from '../governance/audit/audit-log.ts';
import type { AuditExportSelector } from '../governance/audit/audit-record.ts';
import { AUDIT_KEY_ENV, loadAuditKeyring } from '../governance/audit/load-audit-keyring.ts';
import { SqliteAuditLog } from '../governance/audit/sqlite-audit-log.ts';
import {
  governanceDatabasePath,
  openGovernanceDatabase,
} from '../governance/database/open-governance-database.ts';
import { openPgGovernancePool } from '../governance/postgres/open-pg-governance-pool.ts';
import { PgAuditLog } from '../governance/postgres/pg-audit-log.ts';
import {
  parseCommandOptions,
  runCommand,
  UsageError,
  unknownSubcommand,
} from './command-runner.ts';

const USAGE = `Usage:
  sluice audit verify [--data-dir DIR] [--config FILE]
  sluice audit export --generation ID [--data-dir DIR] [--config FILE]
  sluice audit export (--session ID | --end-user ID) (--tenant T | --all-tenants) [--data-dir DIR] [--config FILE]
  sluice audit purge --older-than-days N [--data-dir DIR] [--config FILE]`;

const DAY_MS = 86_400_000;

type AuditOptions = {
  'data-dir'?: string | undefined;
  config?: string | undefined;
  session?: string | undefined;
  'end-user'?: string | undefined;
  generation?: string | undefined;
  tenant?: string | undefined;
  'all-tenants'?: boolean | undefined;
  'older-than-days'?: string | undefined;
};

function parseOptions(argv: string[]): AuditOptions {
  return parseCommandOptions<AuditOptions>(argv, {
    session: { type: 'string' },
    'end-user': { type: 'string' },
    generation: { type: 'string' },
    tenant: { type: 'string' },
    'all-tenants': { type: 'boolean' },
    'older-than-days': { type: 'string' },
  });
}

/** Opens the audit log of an existing database; a missing file is an error, not an empty chain. */
async function openAuditLog(
  options: AuditOptions,
): Promise<{ auditLog: AuditLog; close: () => Promise<void> }> {
  const config = await loadConfig({
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] },
  });
  if (config.governance.kind === 'postgres') return openPostgresAuditLog(config);
  const dataDir = config.dataDir;
  const path = governanceDatabasePath(dataDir);
  if (!existsSync(path)) throw new Error(`No governance database at ${path}`);
  const onWarning = (message: string) => process.stderr.write(`warning: ${message}\n`);
  const { keyring } = loadAuditKeyring({ env: process.env, dataDir, onWarning });
  const database = openGovernanceDatabase({ path });
  const auditLog = new SqliteAuditLog(database, {
    keyring,
    checkpoints: new FileAuditCheckpointStore(auditCheckpointPath(dataDir, process.env)),
    onWarning,
  });
  return {
    auditLog,
    close: async () => {
      // The checkpoint of anything this command appended is written before it exits.
      await auditLog.flush();
      database.close();
    },
  };
}

/** The shared PostgreSQL audit log, keyed with the nodes' `SLUICE_AUDIT_KEY`. */
async function openPostgresAuditLog(
  config: SluiceConfig,
): Promise<{ auditLog: AuditLog; close: () => Promise<void> }> {
  const url = config.governance.url ?? process.env[config.governance.urlEnv];
  if (url === undefined || url === '') {
    throw new Error(
      `governance.kind is postgres but neither governance.url nor ${config.governance.urlEnv} is set`,
    );
  }
  if (!process.env[AUDIT_KEY_ENV]) {
    throw new Error(`No audit key: set ${AUDIT_KEY_ENV} to the key the gateway nodes use`);
  }
  const onWarning = (message: string) => process.stderr.write(`warning: ${message}\n`);
  const { keyring } = loadAuditKeyring({ env: process.env, onWarning });
  const pool = await openPgGovernancePool({
    url,
    ...(config.governance.schema === undefined ? {} : { schema: config.governance.schema }),
  });
  const checkpointPath = process.env[AUDIT_CHECKPOINT_FILE_ENV];
  const auditLog = await PgAuditLog.open(pool, {
    keyring,
    onWarning,
    ...(checkpointPath ? { checkpoints: new FileAuditCheckpointStore(checkpointPath) } : {}),
  });
  return {
    auditLog,
    close: async () => {
      await auditLog.flush();
      await pool.end();
    },
  };
}

async function verify(options: AuditOptions): Promise<number> {
  const { auditLog, close } = await openAuditLog(options);
  try {
    const result = await auditLog.verify();
    if (result.ok) {
      const anchor =
        result.checkpoint.status === 'matched'
          ? `checkpoint at record ${result.checkpoint.sequence}`
          : `no checkpoint (${result.checkpoint.status})`;
      process.stdout.write(
        `audit chain ok: ${result.count} records, head ${result.headHash}, ${anchor}\n`,
      );
      return 0;
    }
    process.stdout.write(`audit chain broken: ${result.message}\n`);
    return 1;
  } finally {
    await close();
  }
}

function exportSelector(options: AuditOptions): AuditExportSelector {
  const subjects = [
    options.session === undefined ? [] : [{ sessionId: options.session }],
    options['end-user'] === undefined ? [] : [{ endUserId: options['end-user'] }],
    options.generation === undefined ? [] : [{ generationId: options.generation }],
  ].flat();
  const [subject] = subjects;
  if (subjects.length !== 1 || subject === undefined) {
    throw new UsageError('Give exactly one of --session, --end-user or --generation');
  }
  if (options.tenant !== undefined && options['all-tenants'] === true) {
    throw new UsageError('Give --tenant or --all-tenants, not both');
  }
  if (options.tenant !== undefined) return { ...subject, tenant: options.tenant };
  // Session and end-user ids are the tenants' own: spanning tenants is asked for, never implied.
  if (!('generationId' in subject) && options['all-tenants'] !== true) {
    throw new UsageError('A session or end user is exported with --tenant T or --all-tenants');
  }
  return subject;
}

async function exportRecords(options: AuditOptions): Promise<number> {
  const selector = exportSelector(options);
  const { auditLog, close } = await openAuditLog(options);
  try {
    const records = await auditLog.exportBy(selector);
    process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  } finally {
    await close();
  }
}

async function purge(options: AuditOptions): Promise<number> {
  const days = Number(options['older-than-days']);
  if (options['older-than-days'] === undefined || !Number.isFinite(days) || days < 0) {
    throw new UsageError('--older-than-days needs a number of days, 0 or more');
  }
  const { auditLog, close } = await openAuditLog(options);
  try {
    const result = await auditLog.purgePayloads(new Date(Date.now() - days * DAY_MS), {
      actor: 'cli',
    });
    process.stdout.write(`purged ${result.purgedCount} audit payloads\n`);
    return 0;
  } finally {
    await close();
  }
}

export function runAudit(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: USAGE,
    async execute(subcommand, rest) {
      const options = parseOptions(rest);
      switch (subcommand) {
        case 'verify':
          return verify(options);
        case 'export':
          return exportRecords(options);
        case 'purge':
          return purge(options);
        default:
          throw unknownSubcommand(subcommand);
      }
    },
  });
}

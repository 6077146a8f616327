/**
 * `sluice audit`: verify the hash chain, export a session's or end user's records, and
 * purge old payloads, working directly on `sluice.db` in the data directory (the gateway
 * may be running; WAL lets both use the file). Exit codes: 0 ok, 1 broken chain or
 * failure, 2 usage.
 */
import { existsSync } from 'node:fs';
import { SqliteAuditLog } from '../governance/audit/sqlite-audit-log.ts';
import {
  governanceDatabasePath,
  openGovernanceDatabase,
} from '../governance/database/open-governance-database.ts';
import { resolveGovernanceDataDir } from '../governance/database/resolve-governance-data-dir.ts';
import {
  parseCommandOptions,
  runCommand,
  UsageError,
  unknownSubcommand,
} from './command-runner.ts';

const USAGE = `Usage:
  sluice audit verify [--data-dir DIR] [--config FILE]
  sluice audit export (--session ID | --end-user ID | --generation ID) [--data-dir DIR] [--config FILE]
  sluice audit purge --older-than-days N [--data-dir DIR] [--config FILE]`;

const DAY_MS = 86_400_000;

type AuditOptions = {
  'data-dir'?: string | undefined;
  config?: string | undefined;
  session?: string | undefined;
  'end-user'?: string | undefined;
  generation?: string | undefined;
  'older-than-days'?: string | undefined;
};

function parseOptions(argv: string[]): AuditOptions {
  return parseCommandOptions<AuditOptions>(argv, {
    session: { type: 'string' },
    'end-user': { type: 'string' },
    generation: { type: 'string' },
    'older-than-days': { type: 'string' },
  });
}

/** Opens the audit log of an existing database; a missing file is an error, not an empty chain. */
async function openAuditLog(
  options: AuditOptions,
): Promise<{ auditLog: SqliteAuditLog; close: () => void }> {
  const dataDir = await resolveGovernanceDataDir({
    dataDir: options['data-dir'],
    config: options.config,
  });
  const path = governanceDatabasePath(dataDir);
  if (!existsSync(path)) throw new Error(`No governance database at ${path}`);
  const database = openGovernanceDatabase({ path });
  return { auditLog: new SqliteAuditLog(database), close: () => database.close() };
}

async function verify(options: AuditOptions): Promise<number> {
  const { auditLog, close } = await openAuditLog(options);
  try {
    const result = await auditLog.verify();
    if (result.ok) {
      process.stdout.write(`audit chain ok: ${result.count} records, head ${result.headHash}\n`);
      return 0;
    }
    const { sequence, id, reason } = result.firstBroken;
    process.stdout.write(
      `audit chain broken at record ${sequence} (${id}): ${reason}; ${result.count} records verified before it\n`,
    );
    return 1;
  } finally {
    close();
  }
}

async function exportRecords(options: AuditOptions): Promise<number> {
  const selectors = [
    options.session === undefined ? [] : [{ sessionId: options.session }],
    options['end-user'] === undefined ? [] : [{ endUserId: options['end-user'] }],
    options.generation === undefined ? [] : [{ generationId: options.generation }],
  ].flat();
  const [selector] = selectors;
  if (selectors.length !== 1 || selector === undefined) {
    throw new UsageError('Give exactly one of --session, --end-user or --generation');
  }
  const { auditLog, close } = await openAuditLog(options);
  try {
    const records = await auditLog.exportBy(selector);
    process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  } finally {
    close();
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
    close();
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

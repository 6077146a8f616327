/**
 * `sluice keys`: create, list and revoke API keys, working directly on `sluice.db` in the
 * data directory (the gateway may be running; a revocation made here reaches it within
 * its one-second lookup cache). A created key is printed once: only its hash is kept.
 * Exit codes: 0 ok, 1 failed (unknown key), 2 usage.
 */
import { ApiKeyInputError, ApiKeyNotFoundError } from '../control/tenants/api-key-errors.ts';
import type { ApiKeyRecord, ApiKeyScope } from '../control/tenants/api-key-store.ts';
import { SqliteApiKeyStore } from '../control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../governance/database/open-governance-database.ts';
import { resolveGovernanceDataDir } from '../governance/database/resolve-governance-data-dir.ts';
import {
  parseCommandOptions,
  printLine,
  requiredOption,
  runCommand,
  unknownSubcommand,
} from './command-runner.ts';

const USAGE = `Usage:
  sluice keys create --tenant T --name N --scopes generate,read[,metrics][,admin] [--json]
                                     Create a key; it is printed once, only its hash is kept
  sluice keys list [--tenant T] [--json]   Keys (never their secrets), oldest first
  sluice keys revoke --id ID               Revoke a key; it stops working within a second
Common options: --data-dir DIR, --config FILE`;

type KeysOptions = {
  'data-dir'?: string | undefined;
  config?: string | undefined;
  tenant?: string | undefined;
  name?: string | undefined;
  scopes?: string | undefined;
  id?: string | undefined;
  json?: boolean | undefined;
};

function parseOptions(argv: string[]): KeysOptions {
  return parseCommandOptions<KeysOptions>(argv, {
    tenant: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    id: { type: 'string' },
    json: { type: 'boolean' },
  });
}

function describeKey(key: ApiKeyRecord): string {
  const state = key.revokedAt === undefined ? 'active' : `revoked ${key.revokedAt}`;
  return [key.id, key.tenant, key.name, key.scopes.join(','), key.createdAt, state].join('\t');
}

async function runSubcommand(
  subcommand: string | undefined,
  options: KeysOptions,
  open: () => Promise<SqliteApiKeyStore>,
): Promise<number> {
  switch (subcommand) {
    case 'create': {
      const tenant = requiredOption(options, 'tenant');
      const name = requiredOption(options, 'name');
      // Checked by the store against the scope catalogue; empty items are typos, not scopes.
      const scopes = requiredOption(options, 'scopes')
        .split(',')
        .map((scope) => scope.trim()) as ApiKeyScope[];
      const keys = await open();
      const created = await keys.create({ tenant, name, scopes });
      if (options.json) {
        printLine(JSON.stringify(created, null, 2));
      } else {
        printLine(
          `created key ${created.id} for tenant ${created.tenant} (scopes ${created.scopes.join(',')})`,
        );
        printLine(created.key);
      }
      process.stderr.write('Store the key now: it cannot be shown again.\n');
      return 0;
    }
    case 'list': {
      const keys = await open();
      const listed = await keys.list(options.tenant);
      if (options.json) printLine(JSON.stringify(listed, null, 2));
      else for (const key of listed) printLine(describeKey(key));
      return 0;
    }
    case 'revoke': {
      const id = requiredOption(options, 'id');
      const keys = await open();
      const revoked = await keys.revoke(id);
      printLine(`revoked ${revoked.id} (tenant ${revoked.tenant}) at ${revoked.revokedAt}`);
      if (!(await keys.hasActiveKeys())) {
        // Revoking the last key never opens the gateway: say so, and what does.
        process.stderr.write(
          'No active key is left: the gateway stays in keys mode and answers 401 until a key ' +
            'is created (or auth.mode is set to "open", loopback only).\n',
        );
      }
      return 0;
    }
    default:
      throw unknownSubcommand(subcommand);
  }
}

export function runKeys(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: USAGE,
    async execute(subcommand, rest, onCleanup) {
      const options = parseOptions(rest);
      const open = async () => {
        const dataDir = await resolveGovernanceDataDir({
          dataDir: options['data-dir'],
          config: options.config,
        });
        const database = openGovernanceDatabase({ dataDir });
        onCleanup(() => database.close());
        return new SqliteApiKeyStore({ database, cacheTtlMilliseconds: 0 });
      };
      return runSubcommand(subcommand, options, open);
    },
    isUsageError: (error) => ApiKeyInputError.isInstance(error),
    describeError: (error) =>
      ApiKeyNotFoundError.isInstance(error)
        ? { message: `${error.message}: ${error.keyId}`, exitCode: 1 }
        : undefined,
  });
}

/**
 * `sluice policy`: publish, list, show, roll back and bind versioned policies, working
 * directly on `sluice.db` in the data directory (the gateway may be running). Every
 * change is audited with the operator as actor. Exit codes: 0 ok, 1 rejected or failed,
 * 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { openSqliteGovernance } from '../governance/database/open-sqlite-governance.ts';
import { resolveGovernanceDataDir } from '../governance/database/resolve-governance-data-dir.ts';
import { PolicyValidationError } from '../governance/policies/policy-errors.ts';
import type { PolicyBindingTarget } from '../governance/policies/policy-store.ts';
import { validatePolicyDocument } from '../governance/policy-document.ts';
import {
  parseCommandOptions,
  printLine,
  requiredOption,
  runCommand,
  UsageError,
  unknownSubcommand,
} from './command-runner.ts';

const USAGE = `Usage:
  sluice policy publish --name N --file F [--actor A]     Validate and publish a new version (JSON or YAML)
  sluice policy list [--name N]                           Policies, or the versions of one
  sluice policy get --name N [--version V]                Print a version's document (default: active)
  sluice policy rollback --name N --version V [--actor A] Make an earlier version active
  sluice policy bind --name N (--model M | --route R)... [--actor A]
  sluice policy unbind (--model M | --route R)... [--actor A]
Common options: --data-dir DIR, --config FILE`;

// The same validation as the API: a bad document is refused with the path of each problem.
const validatePolicy = validatePolicyDocument;

type PolicyOptions = {
  'data-dir'?: string | undefined;
  config?: string | undefined;
  name?: string | undefined;
  file?: string | undefined;
  version?: string | undefined;
  actor?: string | undefined;
  model?: string | undefined;
  route?: string | undefined;
};

type Stores = ReturnType<typeof openSqliteGovernance<unknown>>;

function parseOptions(argv: string[]): PolicyOptions {
  return parseCommandOptions<PolicyOptions>(argv, {
    name: { type: 'string' },
    file: { type: 'string' },
    version: { type: 'string' },
    actor: { type: 'string' },
    model: { type: 'string' },
    route: { type: 'string' },
  });
}

function versionNumber(text: string): number {
  const version = Number(text);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new UsageError(`--version must be a positive integer, not ${text}`);
  }
  return version;
}

/** The operator, as the audit log names them; `--actor` overrides the login name. */
function actor(options: PolicyOptions): string {
  if (options.actor) return options.actor;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function bindingTarget(options: PolicyOptions): PolicyBindingTarget {
  if (!options.model && !options.route) throw new UsageError('Give --model, --route or both');
  return {
    ...(options.model ? { model: options.model } : {}),
    ...(options.route ? { route: options.route } : {}),
  };
}

async function readDocument(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  // YAML is a superset of JSON, so one parser reads both.
  return parseYaml(text) as unknown;
}

async function runSubcommand(
  subcommand: string | undefined,
  options: PolicyOptions,
  open: () => Promise<Stores>,
): Promise<number> {
  switch (subcommand) {
    case 'publish': {
      const name = requiredOption(options, 'name');
      const document = await readDocument(requiredOption(options, 'file'));
      const stores = await open();
      const published = await stores.policies.publish(name, document, actor(options));
      printLine(`published ${published.label} (sha256 ${published.documentSha256}), now active`);
      return 0;
    }
    case 'list': {
      const stores = await open();
      if (options.name === undefined) {
        for (const policy of await stores.policies.policies()) {
          printLine(
            `${policy.name}\tactive ${policy.activeVersion}\tlatest ${policy.latestVersion}`,
          );
        }
        return 0;
      }
      for (const version of await stores.policies.list(options.name)) {
        const marker = version.active ? '\tactive' : '';
        printLine(
          `${version.label}\t${version.publishedAt}\t${version.publishedBy}\t${version.documentSha256}${marker}`,
        );
      }
      return 0;
    }
    case 'get': {
      const name = requiredOption(options, 'name');
      const stores = await open();
      const version =
        options.version === undefined
          ? await stores.policies.active(name)
          : await stores.policies.get(name, versionNumber(options.version));
      if (version === undefined) throw new Error(`Policy ${name} does not exist`);
      printLine(JSON.stringify(version, null, 2));
      return 0;
    }
    case 'rollback': {
      const name = requiredOption(options, 'name');
      const version = versionNumber(requiredOption(options, 'version'));
      const stores = await open();
      const active = await stores.policies.rollback(name, version, actor(options));
      printLine(`rolled back: ${active.label} is active`);
      return 0;
    }
    case 'bind': {
      const name = requiredOption(options, 'name');
      const target = bindingTarget(options);
      const stores = await open();
      const binding = await stores.policies.bind(target, name, actor(options));
      printLine(
        `bound ${binding.policyName} to model ${binding.model ?? '*'} route ${binding.route ?? '*'}`,
      );
      return 0;
    }
    case 'unbind': {
      const target = bindingTarget(options);
      const stores = await open();
      const removed = await stores.policies.unbind(target, actor(options));
      printLine(removed ? 'unbound' : 'no such binding');
      return removed ? 0 : 1;
    }
    default:
      throw unknownSubcommand(subcommand);
  }
}

export function runPolicy(argv: string[]): Promise<number> {
  return runCommand(argv, {
    usage: USAGE,
    async execute(subcommand, rest, onCleanup) {
      const options = parseOptions(rest);
      const open = async () => {
        const dataDir = await resolveGovernanceDataDir({
          dataDir: options['data-dir'],
          config: options.config,
        });
        const stores = openSqliteGovernance({ location: { dataDir }, validatePolicy });
        onCleanup(() => stores.close());
        return stores;
      };
      return runSubcommand(subcommand, options, open);
    },
    describeError: (error) =>
      PolicyValidationError.isInstance(error)
        ? {
            message: [
              'Rejected; the active version is unchanged:',
              ...error.issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`),
            ].join('\n'),
            exitCode: 1,
          }
        : undefined,
  });
}

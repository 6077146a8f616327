/**
 * `sluice doctor`: checks what a deployment depends on and prints, line by line, what is
 * fine, what is risky and what is broken, with the reason — before `sluice serve` finds out
 * the hard way. Exit 0 when nothing is broken (warnings allowed), 1 otherwise. It reads the
 * same configuration as `serve` (`--config` / `SLUICE_CONFIG`, environment) and never
 * prints a secret: API keys and URLs' credentials stay out of its output.
 */
import { existsSync } from 'node:fs';
import { access, constants, mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { SluiceConfig } from '../config/config-schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { isLoopbackHost } from '../control/tenants/open-mode.ts';
import { SqliteApiKeyStore } from '../control/tenants/sqlite-api-key-store.ts';
import {
  auditCheckpointPath,
  FileAuditCheckpointStore,
} from '../governance/audit/audit-checkpoint-file.ts';
import { loadAuditKeyring } from '../governance/audit/load-audit-keyring.ts';
import { SqliteAuditLog } from '../governance/audit/sqlite-audit-log.ts';
import {
  governanceDatabasePath,
  openGovernanceDatabase,
} from '../governance/database/open-governance-database.ts';

const USAGE = 'Usage: sluice doctor [--config FILE]';

/** How long an upstream's address may take to accept a connection. */
const CONNECT_TIMEOUT_MS = 3_000;

type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  status: Status;
  check: string;
  detail: string;
}

const MARKS: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export async function runDoctor(argv: string[]): Promise<number> {
  let configFile: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
    configFile = values.config ?? process.env.SLUICE_CONFIG;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const findings = await diagnose(configFile, process.env);
  for (const finding of findings) {
    process.stdout.write(`${MARKS[finding.status]}  ${finding.check}: ${finding.detail}\n`);
  }
  const failed = findings.filter((finding) => finding.status === 'fail').length;
  const warned = findings.filter((finding) => finding.status === 'warn').length;
  process.stdout.write(
    failed === 0
      ? `\nNothing broken${warned === 0 ? '' : ` (${warned} warning${warned === 1 ? '' : 's'})`}.\n`
      : `\n${failed} problem${failed === 1 ? '' : 's'} to fix.\n`,
  );
  return failed === 0 ? 0 : 1;
}

/** Every check, in the order an operator would fix them. */
export async function diagnose(
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Finding[]> {
  let config: SluiceConfig;
  try {
    config = await loadConfig({ ...(configFile === undefined ? {} : { file: configFile }), env });
  } catch (error) {
    return [{ status: 'fail', check: 'configuration', detail: (error as Error).message }];
  }
  const findings: Finding[] = [
    { status: 'ok', check: 'configuration', detail: configFile ?? 'defaults (no file)' },
  ];
  findings.push(...(await checkGovernance(config, env)));
  findings.push(...checkExposure(config));
  findings.push(...(await Promise.all(upstreamModels(config).map(checkUpstream))));
  return findings;
}

async function checkGovernance(config: SluiceConfig, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  if (config.governance.kind === 'postgres') return checkPostgres(config, env);
  if (config.dataDir === ':memory:') {
    return [
      {
        status: 'warn',
        check: 'governance',
        detail: 'dataDir is :memory: — the audit log, policies and keys are lost at every restart',
      },
    ];
  }
  const findings: Finding[] = [];
  try {
    await mkdir(config.dataDir, { recursive: true });
    await access(config.dataDir, constants.W_OK);
    findings.push({
      status: 'ok',
      check: 'data directory',
      detail: `${config.dataDir} is writable`,
    });
  } catch (error) {
    return [
      {
        status: 'fail',
        check: 'data directory',
        detail: `${config.dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ];
  }
  const path = governanceDatabasePath(config.dataDir);
  const auditKeyFinding: Finding = env.SLUICE_AUDIT_KEY
    ? { status: 'ok', check: 'audit key', detail: 'SLUICE_AUDIT_KEY is set' }
    : {
        status: 'warn',
        check: 'audit key',
        detail:
          'a key file next to the database is used: set SLUICE_AUDIT_KEY from a secret store in production',
      };
  findings.push(auditKeyFinding);
  if (!existsSync(path)) {
    findings.push({
      status: 'ok',
      check: 'audit chain',
      detail: 'no database yet: it is created at first start',
    });
    return findings;
  }
  const warnings: string[] = [];
  // The key file's location is reported above; other warnings (its mode, say) pass through.
  const onWarning = (message: string) => {
    if (!message.includes('in production set')) warnings.push(message);
  };
  let keyring: ReturnType<typeof loadAuditKeyring>['keyring'];
  try {
    ({ keyring } = loadAuditKeyring({ env, dataDir: config.dataDir, onWarning, create: false }));
  } catch (error) {
    return [...findings, { status: 'fail', check: 'audit key', detail: (error as Error).message }];
  }
  const database = openGovernanceDatabase({ path });
  try {
    const auditLog = new SqliteAuditLog(database, {
      keyring,
      checkpoints: new FileAuditCheckpointStore(auditCheckpointPath(config.dataDir, env)),
      onWarning,
    });
    const result = await auditLog.verify();
    findings.push(
      result.ok
        ? {
            // An empty chain has nothing to anchor yet; a non-empty one must match its checkpoint.
            status:
              result.checkpoint.status === 'matched' || result.checkpoint.status === 'empty'
                ? 'ok'
                : 'warn',
            check: 'audit chain',
            detail: `${result.count} records verify; checkpoint ${result.checkpoint.status}`,
          }
        : { status: 'fail', check: 'audit chain', detail: result.message },
    );
    const keys = await new SqliteApiKeyStore({ database }).list();
    const active = keys.filter((key) => key.revokedAt === undefined).length;
    findings.push(authFinding(config, active, keys.length));
  } finally {
    database.close();
  }
  for (const message of warnings)
    findings.push({ status: 'warn', check: 'governance', detail: message });
  return findings;
}

/** PostgreSQL governance: reachable, and the shared audit key every node needs is set. */
async function checkPostgres(config: SluiceConfig, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const findings: Finding[] = [];
  findings.push(
    env.SLUICE_AUDIT_KEY
      ? { status: 'ok', check: 'audit key', detail: 'SLUICE_AUDIT_KEY is set' }
      : {
          status: 'fail',
          check: 'audit key',
          detail: 'PostgreSQL governance needs SLUICE_AUDIT_KEY, the same on every node',
        },
  );
  const url = config.governance.url ?? env[config.governance.urlEnv];
  if (url === undefined || url === '') {
    findings.push({
      status: 'fail',
      check: 'governance',
      detail: `governance.kind is postgres but neither governance.url nor ${config.governance.urlEnv} is set`,
    });
    return findings;
  }
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  const where = (() => {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  })();
  try {
    await client.connect();
    await client.query('SELECT 1');
    findings.push({ status: 'ok', check: 'governance', detail: `PostgreSQL at ${where} answers` });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    findings.push({
      status: 'fail',
      check: 'governance',
      detail: `PostgreSQL at ${where} is unreachable (${code})`,
    });
  } finally {
    await client.end().catch(() => {
      // The connection never opened; nothing to close.
    });
  }
  return findings;
}

function authFinding(config: SluiceConfig, active: number, ever: number): Finding {
  const publicAddress = !isLoopbackHost(config.host);
  const mode = config.auth.mode;
  if (mode === 'open' && publicAddress) {
    return {
      status: 'fail',
      check: 'auth',
      detail: `auth.mode is open on ${config.host}: anyone who can reach it can use every model`,
    };
  }
  if (active === 0 && (mode === 'keys' || ever > 0)) {
    return {
      status: 'warn',
      check: 'auth',
      detail: 'keys are required but no key is active: every request is a 401',
    };
  }
  if (active === 0 && publicAddress) {
    return {
      status: 'fail',
      check: 'auth',
      detail: `no API key exists and ${config.host} is not loopback: create one (sluice keys create)`,
    };
  }
  return {
    status: 'ok',
    check: 'auth',
    detail: `auth.mode ${mode}, ${active} active key${active === 1 ? '' : 's'}`,
  };
}

function checkExposure(config: SluiceConfig): Finding[] {
  const findings: Finding[] = [];
  if (config.observability.metrics.public === true && !isLoopbackHost(config.host)) {
    findings.push({
      status: 'warn',
      check: 'metrics',
      detail: "/metrics is public on a non-loopback address: every tenant's traffic is visible",
    });
  }
  if (config.governance.webhooks.allowPrivateNetworks) {
    findings.push({
      status: 'warn',
      check: 'webhooks',
      detail:
        'allowPrivateNetworks is on: policy publishers can reach every private address the gateway can',
    });
  }
  return findings;
}

interface Upstream {
  model: string;
  baseUrl: string;
}

function upstreamModels(config: SluiceConfig): Upstream[] {
  return config.models
    .filter((entry) => entry.provider !== 'simulator' && entry.enabled !== false)
    .map((entry) => ({ model: entry.name, baseUrl: entry.baseUrl as string }));
}

/** Opens a TCP connection to the upstream's address, sends nothing, closes it. */
function checkUpstream(upstream: Upstream): Promise<Finding> {
  const url = new URL(upstream.baseUrl);
  // Credentials in the URL never reach the output.
  const where = `${url.protocol}//${url.host}`;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (finding: Finding) => {
      socket.destroy();
      resolve(finding);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      done({
        status: 'fail',
        check: `model ${upstream.model}`,
        detail: `${where} did not answer within ${CONNECT_TIMEOUT_MS} ms`,
      }),
    );
    socket.once('connect', () =>
      done({
        status: 'ok',
        check: `model ${upstream.model}`,
        detail: `${where} accepts connections`,
      }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({
        status: 'fail',
        check: `model ${upstream.model}`,
        detail: `${where} is unreachable (${error.code ?? 'error'})`,
      }),
    );
  });
}

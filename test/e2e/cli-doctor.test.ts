/**
 * `sluice doctor` as an operator runs it: what is broken fails the run with the reason
 * (an unreachable upstream, a tampered audit chain, an open gateway on a public address),
 * what is fine says so, and no secret from the configuration is ever printed.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sluice } from '../helpers/sluice-cli.ts';

let directory: string;
let upstream: Server;
let upstreamPort: number;
const auditKey = `prod:${randomBytes(32).toString('base64')}`;
const env = { SLUICE_AUDIT_KEY: auditKey };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-doctor-'));
  upstream = createServer((socket) => socket.end());
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamPort = (upstream.address() as { port: number }).port;
});

afterAll(async () => {
  upstream.close();
  await rm(directory, { recursive: true, force: true });
});

async function configFile(name: string, yaml: string): Promise<string> {
  const path = join(directory, `${name}.yaml`);
  await writeFile(path, yaml);
  return path;
}

describe('sluice doctor', () => {
  test('an unreachable upstream fails the run, naming the model and never the API key', async () => {
    const config = await configFile(
      'unreachable',
      [
        `dataDir: ${join(directory, 'unreachable')}`,
        'models:',
        '  - name: gpt',
        '    provider: openai-compatible',
        '    baseUrl: http://user:hunter2@127.0.0.1:9/v1',
        '    apiKey: sk-very-secret-value',
        '  - name: local',
        '    provider: openai-compatible',
        `    baseUrl: http://127.0.0.1:${upstreamPort}/v1`,
      ].join('\n'),
    );
    const result = await sluice(['doctor', '--config', config], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL {2}model gpt: http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)/,
    );
    expect(result.stdout).toMatch(
      /ok {4}model local: http:\/\/127\.0\.0\.1:\d+ accepts connections/,
    );
    expect(result.stdout).toMatch(/ok {4}audit chain: no database yet/);
    expect(result.stdout).not.toContain('sk-very-secret-value');
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).toContain('1 problem to fix.');
  });

  test('a healthy deployment passes; a tampered audit chain fails it', async () => {
    const dataDir = join(directory, 'healthy');
    const config = await configFile('healthy', `dataDir: ${dataDir}\n`);
    const created = await sluice(
      [
        'keys',
        'create',
        '--data-dir',
        dataDir,
        '--tenant',
        'acme',
        '--name',
        'app',
        '--scopes',
        'generate',
      ],
      env,
    );
    expect(created.code).toBe(0);
    // A published policy writes audit records for the chain to verify.
    const policy = join(directory, 'policy.json');
    await writeFile(policy, JSON.stringify({ guardrails: {} }));
    const published = await sluice(
      ['policy', 'publish', '--name', 'strict', '--file', policy, '--data-dir', dataDir],
      env,
    );
    expect(published.code).toBe(0);
    const healthy = await sluice(['doctor', '--config', config], env);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(
      /ok {4}audit chain: [1-9]\d* records verify; checkpoint matched/,
    );
    expect(healthy.stdout).toMatch(/ok {4}auth: auth\.mode auto, 1 active key/);
    expect(healthy.stdout).toMatch(/ok {4}audit key: SLUICE_AUDIT_KEY is set/);
    expect(healthy.stdout).not.toContain(auditKey);

    const database = new DatabaseSync(join(dataDir, 'sluice.db'));
    // Whoever can write the file can drop the append-only triggers; the chain still tells.
    database.exec('DROP TRIGGER IF EXISTS audit_records_skeleton_immutable');
    database.exec("UPDATE audit_records SET type = 'tampered' WHERE sequence = 1");
    database.close();
    const tampered = await sluice(['doctor', '--config', config], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/FAIL {2}audit chain: /);
  });

  test('an open gateway on a public address is a failure', async () => {
    const config = await configFile(
      'open',
      `dataDir: ${join(directory, 'open')}\nhost: 0.0.0.0\nauth:\n  mode: open\n`,
    );
    await sluice(['keys', 'list', '--data-dir', join(directory, 'open')], env);
    const result = await sluice(['doctor', '--config', config], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {2}auth: auth\.mode is open on 0\.0\.0\.0/);
  });

  test('PostgreSQL governance: reachable or not, named without its password', async () => {
    const config = await configFile(
      'postgres',
      'governance:\n  kind: postgres\n  urlEnv: DOCTOR_PG_URL\n',
    );
    const down = await sluice(['doctor', '--config', config], {
      ...env,
      DOCTOR_PG_URL: 'postgres://postgres:s3cret@127.0.0.1:9/postgres',
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(
      /FAIL {2}governance: PostgreSQL at postgres:\/\/127\.0\.0\.1:9\/postgres is unreachable/,
    );
    expect(down.stdout).not.toContain('s3cret');
    const up = await sluice(['doctor', '--config', config], {
      ...env,
      DOCTOR_PG_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    expect(up.stdout).toMatch(
      /ok {4}governance: PostgreSQL at postgres:\/\/127\.0\.0\.1:5432\/postgres answers/,
    );
    expect(up.code).toBe(0);
  });

  test('a configuration that does not parse is reported, not thrown', async () => {
    const config = await configFile('broken', 'port: not-a-port\n');
    const result = await sluice(['doctor', '--config', config], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {2}configuration: Invalid configuration/);
  });
});

/**
 * `sluice keys` as a child process on a real data directory: create prints the key once
 * and it authenticates, list shows no secret, revoke stops it; usage errors exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteApiKeyStore } from '../../packages/gateway/src/control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../../packages/gateway/src/governance/database/open-governance-database.ts';
import { sluice } from '../helpers/sluice-cli.ts';

describe('sluice keys', () => {
  let dataDir: string;
  let keys: (args: string[]) => ReturnType<typeof sluice>;

  /** Authenticates as a running gateway would, on its own connection to the file. */
  async function authenticate(key: string) {
    const database = openGovernanceDatabase({ dataDir });
    try {
      return await new SqliteApiKeyStore({ database }).authenticate(key);
    } finally {
      database.close();
    }
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-keys-cli-'));
    keys = (args) => sluice(['keys', ...args, '--data-dir', dataDir]);
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('create, list, revoke', async () => {
    const created = await keys([
      'create',
      '--tenant',
      'acme',
      '--name',
      'web app',
      '--scopes',
      'read,generate',
    ]);
    expect(created.code).toBe(0);
    const [summary, key] = created.stdout.trim().split('\n');
    expect(summary).toMatch(/^created key [0-9a-f]{16} for tenant acme \(scopes generate,read\)$/);
    expect(key).toMatch(/^sk-sluice-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/cannot be shown again/);
    const id = summary?.split(' ')[2] as string;
    await expect(authenticate(key as string)).resolves.toEqual({
      keyId: id,
      tenant: 'acme',
      scopes: ['generate', 'read'],
    });

    const json = await keys([
      'create',
      '--tenant',
      'globex',
      '--name',
      'ops',
      '--scopes',
      'admin',
      '--json',
    ]);
    expect(json.code).toBe(0);
    const other = JSON.parse(json.stdout) as { id: string; key: string; tenant: string };
    expect(other).toMatchObject({ tenant: 'globex', scopes: ['admin'] });

    const listed = await keys(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain((key as string).slice(-43));
    expect(listed.stdout).not.toContain(other.key.slice(-43));
    expect(listed.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${id}\\tacme\\tweb app\\tgenerate,read\\t[^\\t]+\\tactive$`),
      ),
      expect.stringMatching(new RegExp(`^${other.id}\\tglobex\\tops\\tadmin\\t[^\\t]+\\tactive$`)),
    ]);
    const acmeOnly = await keys(['list', '--tenant', 'acme', '--json']);
    expect((JSON.parse(acmeOnly.stdout) as { id: string }[]).map((entry) => entry.id)).toEqual([
      id,
    ]);

    const revoked = await keys(['revoke', '--id', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id} \\(tenant acme\\) at `));
    await expect(authenticate(key as string)).resolves.toBeUndefined();
    const afterRevoke = await keys(['list', '--tenant', 'acme']);
    expect(afterRevoke.stdout).toMatch(/\trevoked \d{4}-/);
    expect(revoked.stderr).not.toMatch(/No active key/);
    // The last one: the gateway stays in keys mode, and the operator is told so.
    const last = await keys(['revoke', '--id', other.id]);
    expect(last.code).toBe(0);
    expect(last.stderr).toMatch(/No active key is left: the gateway stays in keys mode/);

    const unknown = await keys(['revoke', '--id', '0123456789abcdef']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/does not exist/);
  });

  test('usage errors and invalid keys exit 2', async () => {
    await expect(keys(['create', '--tenant', 'acme', '--name', 'n'])).resolves.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--scopes is required'),
    });
    await expect(
      keys(['create', '--tenant', 'acme', '--name', 'n', '--scopes', 'read,root']),
    ).resolves.toMatchObject({ code: 2, stderr: expect.stringContaining('scopes:') });
    await expect(
      keys(['create', '--tenant', 'Not A Tenant', '--name', 'n', '--scopes', 'read']),
    ).resolves.toMatchObject({ code: 2, stderr: expect.stringContaining('tenant:') });
    await expect(keys(['revoke'])).resolves.toMatchObject({ code: 2 });
    await expect(keys(['frobnicate'])).resolves.toMatchObject({ code: 2 });
    await expect(keys(['list', '--bogus'])).resolves.toMatchObject({ code: 2 });
    await expect(keys(['list'])).resolves.toMatchObject({ code: 0, stdout: '' });
  });
});

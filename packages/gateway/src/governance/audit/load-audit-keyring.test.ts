/**
 * Audit keys: read from the environment (current and previous), or made once into a 0600
 * file beside the database with a warning; refused when malformed, without echoing the
 * secret; and a rotation that keeps every earlier record verifiable while the previous
 * key is configured.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openGovernanceDatabase } from '../database/open-governance-database.ts';
import { FileAuditCheckpointStore } from './audit-checkpoint-file.ts';
import { AuditKeyError } from './audit-key-error.ts';
import { AuditKeyring, parseAuditKey } from './audit-keyring.ts';
import { auditKeyFilePath, loadAuditKeyring } from './load-audit-keyring.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';

const SECRET_ONE = Buffer.alloc(32, 1).toString('base64');
const SECRET_TWO = Buffer.alloc(32, 2).toString('base64url');

describe('loadAuditKeyring', () => {
  let dataDir: string;
  let warnings: string[];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-key-'));
    warnings = [];
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const load = (env: NodeJS.ProcessEnv, create = true) =>
    loadAuditKeyring({ env, dataDir, create, onWarning: (message) => warnings.push(message) });

  test('the environment key is current and previous keys verify only', () => {
    const { keyring, source } = load({
      SLUICE_AUDIT_KEY: `k2:${SECRET_TWO}`,
      SLUICE_AUDIT_PREVIOUS_KEYS: `k1:${SECRET_ONE}, k0:${SECRET_ONE}`,
    });
    expect(source).toBe('env');
    expect(keyring.current.id).toBe('k2');
    expect(keyring.ids).toEqual(['k2', 'k1', 'k0']);
    expect(warnings).toEqual([]);
  });

  test('without the variable a key file is made once, 0600, with a warning each start', () => {
    const first = load({});
    expect(first.source).toBe('generated');
    const path = auditKeyFilePath(dataDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = load({});
    expect(second.source).toBe('file');
    expect(second.keyring.current.id).toBe(first.keyring.current.id);
    expect(second.keyring.current.mac('chain', 'x')).toBe(first.keyring.current.mac('chain', 'x'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/in production set SLUICE_AUDIT_KEY/);
    // The file holds what the variable takes, so moving to it is a copy.
    const moved = load({ SLUICE_AUDIT_KEY: readFileSync(path, 'utf8') });
    expect(moved.keyring.current.mac('chain', 'x')).toBe(first.keyring.current.mac('chain', 'x'));
    expect(warnings.at(-1)).toMatch(/key file .* is not used/);
  });

  test('commands that must not make a key refuse without one', () => {
    expect(() => load({}, false)).toThrow(/No audit key: set SLUICE_AUDIT_KEY/);
  });

  test('malformed, short or duplicate keys are refused without repeating the secret', () => {
    const refusals: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ SLUICE_AUDIT_KEY: 'no-colon' }, /SLUICE_AUDIT_KEY must be <keyId>:<base64/],
      [{ SLUICE_AUDIT_KEY: `bad id:${SECRET_ONE}` }, /must be <keyId>/],
      [{ SLUICE_AUDIT_KEY: 'k1:c2hvcnQ=' }, /too short/],
      [
        { SLUICE_AUDIT_KEY: `k1:${SECRET_ONE}`, SLUICE_AUDIT_PREVIOUS_KEYS: `k1:${SECRET_TWO}` },
        /given twice/,
      ],
    ];
    for (const [env, message] of refusals) {
      let thrown: unknown;
      try {
        load(env);
      } catch (error) {
        thrown = error;
      }
      expect(AuditKeyError.isInstance(thrown), JSON.stringify(env)).toBe(true);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(SECRET_ONE);
      expect((thrown as Error).message).not.toContain(SECRET_TWO);
    }
  });

  test('a key file readable by others is reported', () => {
    writeFileSync(auditKeyFilePath(dataDir), `k1:${SECRET_ONE}\n`, { mode: 0o644 });
    load({});
    expect(warnings[0]).toMatch(/readable by other users/);
  });
});

describe('audit key rotation', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-rotation-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('records keep their key id; verify needs the previous key for older ones', async () => {
    const one = parseAuditKey(`k1:${SECRET_ONE}`, 'test');
    const two = parseAuditKey(`k2:${SECRET_TWO}`, 'test');
    const checkpoints = new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json'));
    const open = (keyring: AuditKeyring) => {
      const database = openGovernanceDatabase({ dataDir });
      return { database, auditLog: new SqliteAuditLog(database, { keyring, checkpoints }) };
    };
    const cancelled = { type: 'generation-cancelled', payload: { reason: 'client' } } as const;

    const before = open(new AuditKeyring(one));
    await before.auditLog.append(cancelled);
    await before.auditLog.flush();
    before.database.close();

    const after = open(new AuditKeyring(two, [one]));
    await after.auditLog.append(cancelled);
    await expect(after.auditLog.list()).resolves.toMatchObject([{ keyId: 'k1' }, { keyId: 'k2' }]);
    await expect(after.auditLog.verify()).resolves.toMatchObject({
      ok: true,
      count: 2,
      checkpoint: { status: 'matched', sequence: 2, keyId: 'k2' },
    });
    after.database.close();

    const forgotten = open(new AuditKeyring(two));
    await expect(forgotten.auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 0,
      firstBroken: { sequence: 1, reason: 'unknown-key' },
    });
    forgotten.database.close();
  });
});

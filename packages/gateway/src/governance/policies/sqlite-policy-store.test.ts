/**
 * The SQLite policy store: the shared conformance suite, plus what only a file shows —
 * immutability under direct edits, persistence across connections, and re-validation
 * of stored documents on load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import { openGovernanceDatabase } from '../database/open-governance-database.ts';
import { PolicyValidationError } from './policy-errors.ts';
import type { ValidatePolicyDocument } from './policy-store.ts';
import {
  runPolicyStoreConformance,
  type TestPolicyDocument,
  validateTestPolicy,
} from './policy-store-conformance.ts';
import { SqlitePolicyStore } from './sqlite-policy-store.ts';

runPolicyStoreConformance('sqlite in memory', () => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  const auditLog = new SqliteAuditLog(database);
  const policies = new SqlitePolicyStore({ database, auditLog, validate: validateTestPolicy });
  return { policies, auditLog, close: () => database.close() };
});

describe('SqlitePolicyStore on a file', () => {
  let dataDir: string;
  let databases: DatabaseSync[];

  function open(
    validate: ValidatePolicyDocument<TestPolicyDocument> = validateTestPolicy,
  ): SqlitePolicyStore<TestPolicyDocument> {
    const database = openGovernanceDatabase({ dataDir });
    databases.push(database);
    return new SqlitePolicyStore({ database, auditLog: new SqliteAuditLog(database), validate });
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-policies-'));
    databases = [];
  });

  afterEach(() => {
    for (const database of databases) database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('published versions cannot be edited or deleted', async () => {
    await open().publish('default', { redact: ['email'] }, 'alice');
    const database = databases[0] as DatabaseSync;
    expect(() => database.exec(`UPDATE policy_versions SET document = '{"redact":[]}'`)).toThrow(
      /immutable/,
    );
    expect(() => database.exec('DELETE FROM policy_versions')).toThrow(/immutable/);
  });

  test('a second connection sees versions and the active pointer', async () => {
    const writer = open();
    await writer.publish('default', { redact: ['a'] }, 'alice');
    await writer.publish('default', { redact: ['b'] }, 'alice');
    const reader = open();
    await expect(reader.active('default')).resolves.toMatchObject({ version: 2 });
    await reader.rollback('default', 1, 'carol');
    await expect(writer.active('default')).resolves.toMatchObject({
      version: 1,
      document: { redact: ['a'] },
    });
  });

  test('cached answers follow every change, from this connection or another', async () => {
    const gateway = open();
    const cli = open();
    await gateway.publish('default', { redact: ['a'] }, 'alice');
    // Read (and cache) what a generation asks for.
    await expect(gateway.resolve({ model: 'gpt' })).resolves.toBe('default');
    await expect(gateway.active('default')).resolves.toMatchObject({ version: 1 });
    await expect(gateway.active('strict')).resolves.toBeUndefined();
    // Another process publishes and binds: the next lookups see it.
    await cli.publish('strict', { redact: ['s'] }, 'bob');
    await cli.bind({ model: 'gpt' }, 'strict', 'bob');
    await expect(gateway.resolve({ model: 'gpt' })).resolves.toBe('strict');
    await expect(gateway.active('strict')).resolves.toMatchObject({ version: 1 });
    await cli.publish('default', { redact: ['b'] }, 'bob');
    await expect(gateway.active('default')).resolves.toMatchObject({ version: 2 });
    // This connection's own changes apply at once too.
    await gateway.rollback('default', 1, 'alice');
    await expect(gateway.active('default')).resolves.toMatchObject({ version: 1 });
    await gateway.unbind({ model: 'gpt' }, 'alice');
    await expect(gateway.resolve({ model: 'gpt' })).resolves.toBe('default');
  });

  test('a stored version the current schema rejects cannot be loaded or rolled back to', async () => {
    const writer = open();
    await writer.publish('default', { redact: ['a'] }, 'alice');
    await writer.publish('default', { redact: ['b'] }, 'alice');
    const stricter = open((document) => {
      const result = validateTestPolicy(document);
      if (result.ok && result.value.redact.includes('a')) {
        return { ok: false, issues: [{ path: 'redact.0', message: 'a is no longer allowed' }] };
      }
      return result;
    });
    await expect(stricter.rollback('default', 1, 'carol')).rejects.toSatisfy(
      PolicyValidationError.isInstance,
    );
    await expect(stricter.active('default')).resolves.toMatchObject({ version: 2 });
  });

  test('a document over a size limit is refused as too large, naming the limit', async () => {
    const store = open((document) => {
      const result = validateTestPolicy(document);
      if (result.ok && result.value.redact.length > 2) {
        const message = 'limit maxTerms exceeded: 3 terms in all term lists, more than 2';
        return { ok: false, issues: [{ path: 'redact', message }] };
      }
      return result;
    });
    await store.publish('default', { redact: ['a'] }, 'alice');
    let caught: unknown;
    try {
      await store.publish('default', { redact: ['a', 'b', 'c'] }, 'alice');
    } catch (error) {
      caught = error;
    }
    expect(PolicyValidationError.isInstance(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'SLUICE_ERR_POLICY_TOO_LARGE',
      status: 413,
      message:
        'Policy default is too large: redact: limit maxTerms exceeded: 3 terms in all term lists, more than 2',
    });
    // An ordinary problem is still an invalid policy, and nothing was stored either way.
    await expect(store.publish('default', { redact: 'x' }, 'alice')).rejects.toMatchObject({
      code: 'SLUICE_ERR_POLICY_INVALID',
      status: 400,
    });
    await expect(store.active('default')).resolves.toMatchObject({ version: 1 });
  });
});

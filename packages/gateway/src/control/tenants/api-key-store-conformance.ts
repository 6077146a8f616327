/**
 * The behavioural suite every ApiKeyStore must pass (SQLite now, PostgreSQL later):
 * create, list, revoke, authenticate, input validation, and that only hashes are stored.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ApiKeyInputError, ApiKeyNotFoundError } from './api-key-errors.ts';
import type { ApiKeyScope, ApiKeyStore } from './api-key-store.ts';

export interface ApiKeyStoreHarness {
  keys: ApiKeyStore;
  /** Every stored row as the backend holds it, for checking what reaches the disk. */
  rawRows(): Promise<Record<string, unknown>[]>;
  close(): Promise<void> | void;
}

const KEY_SHAPE = /^sk-sluice-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/;

/** Every textual reading of a stored value: as is, and binary as hex, base64 and UTF-8. */
function readings(value: unknown): string[] {
  if (value instanceof Uint8Array) {
    const buffer = Buffer.from(value);
    return [
      buffer.toString('hex'),
      buffer.toString('base64'),
      buffer.toString('base64url'),
      buffer.toString('utf8'),
    ];
  }
  return [String(value)];
}

/** The secret is the fixed-length tail; it may itself contain `-`. */
function secretOf(key: string): string {
  return key.slice(-43);
}

export function runApiKeyStoreConformance(
  name: string,
  create: () => ApiKeyStoreHarness | Promise<ApiKeyStoreHarness>,
): void {
  describe(`ApiKeyStore conformance: ${name}`, () => {
    let harness: ApiKeyStoreHarness;
    let keys: ApiKeyStore;

    beforeEach(async () => {
      harness = await create();
      keys = harness.keys;
    });

    afterEach(async () => {
      await harness.close();
    });

    test('create returns the key once, with its id, tenant and scopes', async () => {
      const created = await keys.create({
        tenant: 'acme',
        name: 'billing service',
        scopes: ['read', 'generate', 'read'],
      });
      expect(created.key).toMatch(KEY_SHAPE);
      expect(created.key).toContain(`-${created.id}-`);
      expect(created).toMatchObject({
        tenant: 'acme',
        name: 'billing service',
        scopes: ['generate', 'read'],
      });
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
      expect(created.revokedAt).toBeUndefined();
      const other = await keys.create({ tenant: 'acme', name: 'other', scopes: ['read'] });
      expect(other.id).not.toBe(created.id);
      expect(other.key).not.toBe(created.key);
    });

    test('a valid key authenticates as its tenant with its scopes', async () => {
      const created = await keys.create({
        tenant: 'acme',
        name: 'app',
        scopes: ['generate', 'read'],
      });
      await expect(keys.authenticate(created.key)).resolves.toEqual({
        keyId: created.id,
        tenant: 'acme',
        scopes: ['generate', 'read'],
      });
      // A second time (served from any cache) answers the same.
      await expect(keys.authenticate(created.key)).resolves.toMatchObject({ keyId: created.id });
    });

    test('unknown ids, wrong secrets and malformed keys do not authenticate', async () => {
      const created = await keys.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
      const secret = secretOf(created.key);
      const wrongSecret = `${created.key.slice(0, -secret.length)}${'A'.repeat(secret.length)}`;
      const unknownId = `sk-sluice-${'0'.repeat(16)}-${secret}`;
      for (const presented of [
        wrongSecret,
        unknownId,
        '',
        'sk-sluice-',
        created.key.slice(0, -1),
        `${created.key}A`,
        created.key.toUpperCase(),
        ` ${created.key}`,
        created.id,
      ]) {
        await expect(keys.authenticate(presented)).resolves.toBeUndefined();
      }
      // A failed attempt on a key does not spoil it.
      await expect(keys.authenticate(created.key)).resolves.toMatchObject({ keyId: created.id });
    });

    test('a revoked key stops authenticating at once, stays listed, and revoking is idempotent', async () => {
      const created = await keys.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
      await expect(keys.authenticate(created.key)).resolves.toBeDefined();
      const revoked = await keys.revoke(created.id);
      expect(revoked).toMatchObject({ id: created.id, tenant: 'acme', name: 'app' });
      expect(Number.isNaN(Date.parse(revoked.revokedAt ?? ''))).toBe(false);
      await expect(keys.authenticate(created.key)).resolves.toBeUndefined();
      await expect(keys.revoke(created.id)).resolves.toEqual(revoked);
      await expect(keys.list('acme')).resolves.toEqual([revoked]);
    });

    test('revoking an unknown id is ApiKeyNotFoundError', async () => {
      for (const id of ['0123456789abcdef', 'not-an-id', '']) {
        await expect(keys.revoke(id)).rejects.toSatisfy(ApiKeyNotFoundError.isInstance);
      }
    });

    test('list shows every key or one tenant’s, oldest first, never a secret or hash', async () => {
      const first = await keys.create({ tenant: 'acme', name: 'one', scopes: ['read'] });
      const second = await keys.create({ tenant: 'globex', name: 'two', scopes: ['admin'] });
      const third = await keys.create({ tenant: 'acme', name: 'three', scopes: ['generate'] });
      const all = await keys.list();
      expect(all.map((key) => key.id)).toEqual([first.id, second.id, third.id]);
      expect((await keys.list('acme')).map((key) => key.id)).toEqual([first.id, third.id]);
      await expect(keys.list('nobody')).resolves.toEqual([]);
      for (const record of all) {
        expect(Object.keys(record).sort()).toEqual(['createdAt', 'id', 'name', 'scopes', 'tenant']);
      }
      const listed = JSON.stringify(all);
      for (const created of [first, second, third]) {
        expect(listed).not.toContain(secretOf(created.key));
      }
    });

    test('only a hash of the secret is stored', async () => {
      const created = await keys.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
      const secret = secretOf(created.key);
      const rows = await harness.rawRows();
      expect(rows).toHaveLength(1);
      for (const value of Object.values(rows[0] ?? {})) {
        for (const reading of readings(value)) {
          expect(reading).not.toContain(secret);
          expect(reading).not.toContain(created.key);
        }
      }
    });

    test('invalid tenants, names and scopes are ApiKeyInputError naming the field', async () => {
      const cases: [string, { tenant: string; name: string; scopes: ApiKeyScope[] }][] = [
        ['tenant', { tenant: '', name: 'n', scopes: ['read'] }],
        ['tenant', { tenant: 'Acme', name: 'n', scopes: ['read'] }],
        ['tenant', { tenant: 'a b', name: 'n', scopes: ['read'] }],
        ['tenant', { tenant: 'a'.repeat(65), name: 'n', scopes: ['read'] }],
        ['name', { tenant: 'acme', name: '  ', scopes: ['read'] }],
        ['name', { tenant: 'acme', name: 'line\nbreak', scopes: ['read'] }],
        ['name', { tenant: 'acme', name: 'n'.repeat(201), scopes: ['read'] }],
        ['scopes', { tenant: 'acme', name: 'n', scopes: [] }],
        ['scopes', { tenant: 'acme', name: 'n', scopes: ['root' as ApiKeyScope] }],
      ];
      for (const [field, input] of cases) {
        const error = await keys.create(input).catch((caught: unknown) => caught);
        expect(ApiKeyInputError.isInstance(error), JSON.stringify(input)).toBe(true);
        expect((error as ApiKeyInputError).field).toBe(field);
      }
      await expect(keys.list()).resolves.toEqual([]);
    });

    test('hasActiveKeys is true while any key is not revoked', async () => {
      await expect(keys.hasActiveKeys()).resolves.toBe(false);
      const first = await keys.create({ tenant: 'acme', name: 'one', scopes: ['read'] });
      const second = await keys.create({ tenant: 'acme', name: 'two', scopes: ['read'] });
      await expect(keys.hasActiveKeys()).resolves.toBe(true);
      await keys.revoke(first.id);
      await expect(keys.hasActiveKeys()).resolves.toBe(true);
      await keys.revoke(second.id);
      await expect(keys.hasActiveKeys()).resolves.toBe(false);
    });

    test('hasHadKeys turns true with the first key and stays true once all are revoked', async () => {
      await expect(keys.hasHadKeys()).resolves.toBe(false);
      const only = await keys.create({ tenant: 'acme', name: 'only', scopes: ['read'] });
      await expect(keys.hasHadKeys()).resolves.toBe(true);
      await keys.revoke(only.id);
      await expect(keys.hasActiveKeys()).resolves.toBe(false);
      await expect(keys.hasHadKeys()).resolves.toBe(true);
    });
  });
}

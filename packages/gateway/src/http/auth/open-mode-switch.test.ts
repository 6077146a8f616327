/**
 * `auth.mode: auto` never fails open: against a real SQLite key store, the first key turns
 * keys mode on (made here or by another process), and revoking every key leaves it on.
 */
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { SqliteApiKeyStore } from '../../control/tenants/sqlite-api-key-store.ts';
import { openGovernanceDatabase } from '../../governance/database/open-governance-database.ts';
import { createOpenModeSwitch, type OpenModeSwitch } from './open-mode-switch.ts';

let database: DatabaseSync;
let keys: SqliteApiKeyStore;
let opened: OpenModeSwitch | undefined;

beforeEach(() => {
  database = openGovernanceDatabase({ path: ':memory:' });
  keys = new SqliteApiKeyStore({ database, cacheTtlMilliseconds: 0 });
});
afterEach(() => {
  opened?.close();
  database.close();
});

const onError = (error: unknown) => {
  throw error;
};

describe('createOpenModeSwitch', () => {
  test('auto: open without keys, keys mode for good from the first key created here', async () => {
    opened = await createOpenModeSwitch({ mode: 'auto', host: '127.0.0.1', keys, onError });
    expect(opened.isOpen()).toBe(true);
    const key = await keys.create({ tenant: 'acme', name: 'first', scopes: ['admin'] });
    opened.keyCreated();
    expect(opened.isOpen()).toBe(false);
    await keys.revoke(key.id);
    expect(opened.isOpen()).toBe(false);
  });

  test('auto: a key made by another process is noticed by the poll', async () => {
    opened = await createOpenModeSwitch({
      mode: 'auto',
      host: '127.0.0.1',
      keys,
      pollMs: 5,
      onError,
    });
    const elsewhere = new SqliteApiKeyStore({ database });
    const key = await elsewhere.create({ tenant: 'acme', name: 'cli', scopes: ['read'] });
    await elsewhere.revoke(key.id);
    // Even created and revoked between two polls, the key is seen: keys mode.
    await vi.waitFor(() => expect(opened?.isOpen()).toBe(false));
  });

  test('auto after a restart: all keys revoked still means keys mode', async () => {
    const key = await keys.create({ tenant: 'acme', name: 'only', scopes: ['admin'] });
    await keys.revoke(key.id);
    opened = await createOpenModeSwitch({ mode: 'auto', host: '127.0.0.1', keys, onError });
    expect(opened.isOpen()).toBe(false);
    opened.close();
    // Only the operator's explicit `open` opens it again.
    opened = await createOpenModeSwitch({ mode: 'open', host: '127.0.0.1', keys, onError });
    expect(opened.isOpen()).toBe(true);
    opened.keyCreated();
    expect(opened.isOpen()).toBe(true);
  });

  test('a public address with no active key refuses to start', async () => {
    await expect(
      createOpenModeSwitch({ mode: 'auto', host: '0.0.0.0', keys, onError }),
    ).rejects.toThrow(/Refusing to listen on 0\.0\.0\.0/);
  });
});

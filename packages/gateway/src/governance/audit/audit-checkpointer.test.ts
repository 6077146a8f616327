/**
 * The checkpoint writer against a real file: it follows the committed head, never moves
 * the checkpoint back (another process ahead, or a gateway appending to a truncated
 * chain), and replaces a missing or forged checkpoint only with a warning.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { signAuditCheckpoint } from './audit-checkpoint.ts';
import { FileAuditCheckpointStore } from './audit-checkpoint-file.ts';
import { AuditCheckpointer } from './audit-checkpointer.ts';
import { AuditKey, AuditKeyring } from './audit-keyring.ts';

const KEYRING = new AuditKeyring(new AuditKey('k1', Buffer.alloc(32, 7)));

describe('AuditCheckpointer', () => {
  let dataDir: string;
  let store: FileAuditCheckpointStore;
  let warnings: string[];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-checkpoint-'));
    store = new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json'));
    warnings = [];
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const checkpointer = (openedAtSequence = 0) =>
    new AuditCheckpointer({
      store,
      keyring: KEYRING,
      openedAtSequence,
      intervalMs: 60_000,
      onWarning: (message) => warnings.push(message),
    });

  const stored = async () => {
    const result = await store.read();
    return result.status === 'present' ? result.checkpoint.sequence : result.status;
  };

  test('writes the newest head noted, signed by the current key', async () => {
    const writer = checkpointer();
    writer.advance({ sequence: 1, hash: 'a'.repeat(64) });
    writer.advance({ sequence: 3, hash: 'c'.repeat(64) });
    writer.advance({ sequence: 2, hash: 'b'.repeat(64) });
    await writer.flush();
    await expect(store.read()).resolves.toMatchObject({
      status: 'present',
      checkpoint: { sequence: 3, headHash: 'c'.repeat(64), keyId: 'k1' },
    });
    expect(warnings).toEqual([]);
  });

  test('never moves an authentic checkpoint back', async () => {
    await store.write(
      signAuditCheckpoint(KEYRING.current, { sequence: 57, hash: 'f'.repeat(64) }, new Date()),
    );
    const writer = checkpointer(41);
    writer.advance({ sequence: 42, hash: 'a'.repeat(64) });
    await writer.flush();
    await expect(stored()).resolves.toBe(57);
    writer.advance({ sequence: 58, hash: 'b'.repeat(64) });
    await writer.flush();
    await expect(stored()).resolves.toBe(58);
  });

  test('a forged checkpoint is replaced, with a warning', async () => {
    const forged = signAuditCheckpoint(
      KEYRING.current,
      { sequence: 1, hash: 'a'.repeat(64) },
      new Date(),
    );
    writeFileSync(store.location, JSON.stringify({ ...forged, sequence: 1_000_000 }));
    const writer = checkpointer(5);
    writer.advance({ sequence: 6, hash: 'b'.repeat(64) });
    await writer.flush();
    await expect(stored()).resolves.toBe(6);
    expect(warnings).toEqual([
      expect.stringMatching(/not signed by a known audit key; replacing it/),
    ]);
  });

  test('a checkpoint missing under an existing chain is restarted with a warning', async () => {
    const writer = checkpointer(10);
    writer.advance({ sequence: 11, hash: 'b'.repeat(64) });
    await writer.flush();
    await expect(stored()).resolves.toBe(11);
    expect(warnings).toEqual([expect.stringMatching(/missing although the chain has records/)]);
  });
});

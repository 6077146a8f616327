/**
 * Checkpoints of the chain head, kept outside the database: the sequence and hash of the
 * last record, signed with the audit key. A chain that is shorter than its checkpoint was
 * truncated; one whose record at the checkpoint's sequence has another hash was rewritten.
 * Neither can be hidden without the key, and a checkpoint cannot be rolled back to an
 * older one written by a gateway without also failing the chain's own checks.
 *
 * `AuditCheckpointStore` is where checkpoints live (a file now; object storage or another
 * host would do better, since whoever can delete it can hide a truncation).
 */
import type { AuditKey, AuditKeyring } from './audit-keyring.ts';
import { canonicalJson, isJsonObject } from './canonical-json.ts';

export interface AuditCheckpoint {
  sequence: number;
  headHash: string;
  keyId: string;
  writtenAt: string;
  /** HMAC of the fields above under the key's checkpoint key. */
  mac: string;
}

export type StoredAuditCheckpoint =
  | { status: 'missing' }
  | { status: 'invalid'; reason: string }
  | { status: 'present'; checkpoint: AuditCheckpoint };

export interface AuditCheckpointStore {
  /** Where the checkpoint is, for messages (a path; not secret). */
  readonly location: string;
  read(): Promise<StoredAuditCheckpoint>;
  /** Replaces the checkpoint, all at once or not at all. */
  write(checkpoint: AuditCheckpoint): Promise<void>;
}

function signedText(fields: Omit<AuditCheckpoint, 'mac'>): string {
  return canonicalJson({
    sequence: fields.sequence,
    headHash: fields.headHash,
    keyId: fields.keyId,
    writtenAt: fields.writtenAt,
  });
}

export function signAuditCheckpoint(
  key: AuditKey,
  head: { sequence: number; hash: string },
  writtenAt: Date,
): AuditCheckpoint {
  const fields = {
    sequence: head.sequence,
    headHash: head.hash,
    keyId: key.id,
    writtenAt: writtenAt.toISOString(),
  };
  return { ...fields, mac: key.mac('checkpoint', signedText(fields)) };
}

/** Whether a known key signed the checkpoint as it stands. */
export function isAuthenticCheckpoint(keyring: AuditKeyring, checkpoint: AuditCheckpoint): boolean {
  const key = keyring.get(checkpoint.keyId);
  return key !== undefined && key.mac('checkpoint', signedText(checkpoint)) === checkpoint.mac;
}

/** A checkpoint from its stored JSON, or why it is not one. */
export function parseAuditCheckpoint(text: string): StoredAuditCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: 'invalid', reason: 'not JSON' };
  }
  if (!isJsonObject(value)) return { status: 'invalid', reason: 'not a JSON object' };
  const { sequence, headHash, keyId, writtenAt, mac } = value;
  if (
    typeof sequence !== 'number' ||
    !Number.isSafeInteger(sequence) ||
    sequence < 0 ||
    typeof headHash !== 'string' ||
    typeof keyId !== 'string' ||
    typeof writtenAt !== 'string' ||
    typeof mac !== 'string'
  ) {
    return { status: 'invalid', reason: 'fields missing or of the wrong type' };
  }
  return { status: 'present', checkpoint: { sequence, headHash, keyId, writtenAt, mac } };
}

/**
 * Checks and encodes an append before it reaches the store, so a bad payload fails its
 * own caller and never a batch it would have shared with others. Keys what must not be
 * confirmable by guessing: the payload's hash, and a request's hash inside its payload.
 */
import { hashRecordPayload } from './audit-hash.ts';
import type { AuditKey } from './audit-keyring.ts';
import {
  AUDIT_RECORD_TYPES,
  type AuditRecordContext,
  type AuditRecordInput,
  type AuditRecordType,
} from './audit-record.ts';
import { canonicalJson, isJsonObject } from './canonical-json.ts';

export type PreparedAuditRecord = AuditRecordContext & {
  id: string;
  recordedAt: string;
  type: AuditRecordType;
  /** The key the record is hashed with. */
  keyId: string;
  /** Canonical JSON of the payload. */
  payloadJson: string;
  payloadSha256: string;
};

const REDACTION_PAYLOAD_KEYS = new Set(['kind', 'count', 'scope', 'action']);
const KNOWN_TYPES: ReadonlySet<string> = new Set(AUDIT_RECORD_TYPES);

export function prepareAuditRecord(
  input: AuditRecordInput,
  id: string,
  recordedAt: Date,
  key: AuditKey,
): PreparedAuditRecord {
  if (!KNOWN_TYPES.has(input.type)) {
    throw new TypeError(`Unknown audit record type ${String(input.type)}`);
  }
  if (!isJsonObject(input.payload)) {
    throw new TypeError(`The payload of an audit record (${input.type}) must be a JSON object`);
  }
  if (input.type === 'redaction-applied') {
    // The one place a redacted value could leak into the audit log; refuse anything but
    // the kind and the count, whatever the static types allowed through.
    for (const key of Object.keys(input.payload)) {
      if (!REDACTION_PAYLOAD_KEYS.has(key)) {
        throw new TypeError(
          `A redaction-applied record carries only kind, count, scope and action, not ${key}`,
        );
      }
    }
    const { kind, count, scope, action } = input.payload as Record<string, unknown>;
    if (typeof kind !== 'string' || !Number.isSafeInteger(count) || (count as number) < 0) {
      throw new TypeError('A redaction-applied record needs a string kind and a count');
    }
    if (
      (scope !== undefined && scope !== 'tool-arguments') ||
      (action !== undefined && action !== 'redacted' && action !== 'detected')
    ) {
      throw new TypeError('A redaction-applied record has an unknown scope or action');
    }
  }
  let payload: object = input.payload;
  if (input.type === 'request-accepted') {
    const { requestSha256 } = input.payload as { requestSha256?: unknown };
    if (typeof requestSha256 !== 'string') {
      throw new TypeError('A request-accepted record needs a requestSha256');
    }
    // A bare SHA-256 of a short prompt can be confirmed by hashing guesses; keyed, it cannot.
    payload = { ...input.payload, requestSha256: key.mac('request', requestSha256) };
  }
  const payloadJson = canonicalJson(payload);
  return {
    id,
    recordedAt: recordedAt.toISOString(),
    type: input.type,
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    ...(input.generationId === undefined ? {} : { generationId: input.generationId }),
    ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
    ...(input.endUserId === undefined ? {} : { endUserId: input.endUserId }),
    keyId: key.id,
    payloadJson,
    payloadSha256: hashRecordPayload(key, payloadJson),
  };
}

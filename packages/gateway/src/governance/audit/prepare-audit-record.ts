/**
 * Checks and encodes an append before it reaches the store, so a bad payload fails its
 * own caller and never a batch it would have shared with others.
 */
import { hashAuditPayload } from './audit-hash.ts';
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
  const payloadJson = canonicalJson(input.payload);
  return {
    id,
    recordedAt: recordedAt.toISOString(),
    type: input.type,
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    ...(input.generationId === undefined ? {} : { generationId: input.generationId }),
    ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
    ...(input.endUserId === undefined ? {} : { endUserId: input.endUserId }),
    payloadJson,
    payloadSha256: hashAuditPayload(payloadJson),
  };
}

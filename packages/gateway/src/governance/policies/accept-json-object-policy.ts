/**
 * A stand-in policy validator that accepts any JSON object. The CLI and tests use it
 * until the composed policy document schema (guardrails, validators, review rules) is
 * wired in; it still rejects what no policy can be (arrays, strings, null).
 */
import { isJsonObject, type JsonObject } from '../audit/canonical-json.ts';
import type { PolicyValidationResult } from './policy-store.ts';

export function acceptJsonObjectPolicy(document: unknown): PolicyValidationResult<JsonObject> {
  if (isJsonObject(document)) return { ok: true, value: document };
  return { ok: false, issues: [{ path: '', message: 'a policy document must be a JSON object' }] };
}

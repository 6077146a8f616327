/**
 * How a `GenerationRecord` sits in a Redis hash: one field per property, its value
 * JSON-encoded (`undefined` properties are absent). Decoding checks the few fields every
 * record has, so foreign or corrupted data becomes a `StoreDataError` for that generation.
 */
import type { GenerationRecord } from '../../generation/generation-record.ts';
import { StoreDataError } from './redis-store-errors.ts';

/** Field, value pairs for `HSET`. */
export function encodeFields(values: object): string[] {
  const pairs: string[] = [];
  for (const [field, value] of Object.entries(values)) {
    if (value !== undefined) pairs.push(field, JSON.stringify(value));
  }
  return pairs;
}

/** A record from `HGETALL`'s object, or from a flat field, value list (a script's reply). */
export function decodeRecord(
  id: string,
  fields: Record<string, string> | string[],
): GenerationRecord {
  const entries: Array<[string, string]> = [];
  if (Array.isArray(fields)) {
    for (let index = 0; index + 1 < fields.length; index += 2) {
      entries.push([fields[index] as string, fields[index + 1] as string]);
    }
  } else {
    entries.push(...Object.entries(fields));
  }
  const record: Record<string, unknown> = {};
  for (const [field, value] of entries) {
    try {
      record[field] = JSON.parse(value);
    } catch {
      throw unreadable(id, `field ${field} is not JSON`);
    }
  }
  checkRecord(id, record);
  return record as unknown as GenerationRecord;
}

/** Throws unless `value` has the shape every record has (as far as a reader relies on it). */
export function checkRecord(id: string, value: unknown): asserts value is GenerationRecord {
  if (typeof value !== 'object' || value === null) throw unreadable(id, 'not an object');
  const record = value as Record<string, unknown>;
  for (const field of ['id', 'status', 'streamPath', 'tenant', 'createdAt'] as const) {
    if (typeof record[field] !== 'string') throw unreadable(id, `field ${field} is missing`);
  }
  if (record.id !== id) throw unreadable(id, 'its id differs from its key');
}

function unreadable(id: string, why: string): StoreDataError {
  return new StoreDataError(`The stored record of generation ${id} is unreadable: ${why}`);
}

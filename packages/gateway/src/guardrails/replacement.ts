/**
 * What a redacted value becomes: a label (`[EMAIL]`), a partial mask that never shows the
 * whole value, or a keyed hash (`[EMAIL:3fa2b1c4d5e6]`) so equal values stay correlatable
 * without being recoverable. The HMAC key comes from the caller, never from code.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export const REPLACEMENT_MODES = ['label', 'mask', 'hash'] as const;
export type ReplacementMode = (typeof REPLACEMENT_MODES)[number];

export type Replace = (value: string) => string;

export interface ReplacementSource {
  /** `[EMAIL]`; the hash form is built from it. */
  readonly label: string;
  readonly mask: (value: string) => string;
}

/** First 12 hex digits of HMAC-SHA256: enough to correlate, too short to matter. */
export function keyedHash(key: string | Uint8Array | KeyObject, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 12);
}

export function createReplace(
  mode: ReplacementMode,
  source: ReplacementSource,
  hashKey: string | Uint8Array | undefined,
): Replace {
  switch (mode) {
    case 'label':
      return () => source.label;
    case 'mask':
      return source.mask;
    case 'hash': {
      if (hashKey === undefined) throw new TypeError('hash replacement needs a hash key');
      const prefix = source.label.slice(0, -1);
      // Imported once: an HMAC over a raw key imports it again on every call.
      const key = createSecretKey(typeof hashKey === 'string' ? Buffer.from(hashKey) : hashKey);
      return (value) => `${prefix}:${keyedHash(key, value)}]`;
    }
  }
}

/** The mask for custom kinds: the first character of a long value, stars for the rest. */
export function maskGeneric(value: string): string {
  const characters = [...value];
  if (characters.length < 4) return '*'.repeat(characters.length);
  return `${characters[0]}${'*'.repeat(characters.length - 1)}`;
}

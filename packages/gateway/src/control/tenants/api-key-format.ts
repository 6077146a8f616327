/**
 * What an API key looks like and how its secret is hashed. A key is
 * `sk-sluice-<id>-<secret>`: the id (16 hex digits) finds the row without scanning, the
 * secret (256 random bits) is what proves possession. High-entropy secrets need no slow
 * KDF: SHA-256 cannot be brute-forced over 2^256 inputs, and hashing stays cheap enough
 * for every request.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-sluice-';

const KEY_PATTERN = /^sk-sluice-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;
const ID_PATTERN = /^[0-9a-f]{16}$/;
/** Versioned so a future scheme can tell its hashes from these. */
const HASH_DOMAIN = 'sluice-api-key-v1';

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

/** Hashes a presented secret; bound to the key id so a row's hash cannot serve another. */
export type HashApiKeySecret = (keyId: string, secret: string) => Buffer;

export const hashApiKeySecret: HashApiKeySecret = (keyId, secret) =>
  createHash('sha256').update(`${HASH_DOMAIN}:${keyId}:${secret}`).digest();

export function generateApiKey(): ParsedApiKey & { key: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: `${API_KEY_PREFIX}${keyId}-${secret}` };
}

/** Undefined for anything that is not a well-formed key; says nothing about existence. */
export function parseApiKey(presented: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(presented);
  if (match === null) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

export function isApiKeyId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/**
 * A short-lived, bounded memory of key lookups, because authentication runs on every
 * request. It remembers what a lookup found — the stored hash and the identity, or that
 * there was nothing to accept — never a presented secret, so a cached entry is still
 * verified by hashing the secret and comparing in constant time.
 *
 * Unknown and revoked ids are remembered like valid ones: repeated probes of any id are
 * then answered from memory alike, instead of a valid key in use being the only fast one.
 * The lifetime bounds how late a revocation made by another process (the CLI) is seen.
 */
import type { AuthenticatedApiKey } from './api-key-store.ts';

export interface ApiKeyLookup {
  /** The stored hash, or a dummy of the same length when there is no such key. */
  secretSha256: Buffer;
  /** Undefined when the key does not exist or is revoked. */
  identity: AuthenticatedApiKey | undefined;
}

interface CacheEntry {
  lookup: ApiKeyLookup;
  expiresAt: number;
}

export class ApiKeyLookupCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; maxEntries: number; now: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now;
  }

  get(keyId: string): ApiKeyLookup | undefined {
    const entry = this.#entries.get(keyId);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(keyId);
      return undefined;
    }
    return entry.lookup;
  }

  set(keyId: string, lookup: ApiKeyLookup): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(keyId);
    if (this.#entries.size >= this.#maxEntries) {
      // Maps iterate in insertion order: the first entry is the oldest.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(keyId, { lookup, expiresAt: this.#now() + this.#ttlMs });
  }

  delete(keyId: string): void {
    this.#entries.delete(keyId);
  }
}

/**
 * The audit keys: the current one, which keys every new record, checkpoint and
 * pseudonym, and previous ones, which only verify what they keyed before a rotation.
 * A key is written `<keyId>:<secret>` (the secret base64, at least 32 bytes); each record
 * names its key id, so verification picks the right key after any number of rotations.
 *
 * One secret serves several purposes through keys derived from it (HMAC of a purpose
 * label), so a value computed for one purpose can never be replayed as another.
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { AuditKeyError } from './audit-key-error.ts';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const MIN_SECRET_BYTES = 32;

export type AuditKeyPurpose = 'chain' | 'payload' | 'request' | 'pseudonym' | 'checkpoint';
const PURPOSES: readonly AuditKeyPurpose[] = [
  'chain',
  'payload',
  'request',
  'pseudonym',
  'checkpoint',
];

export class AuditKey {
  readonly id: string;
  /**
   * Derived keys as `KeyObject`s: `createHmac` with a raw Buffer imports the key on every
   * call (about 10 µs), with a KeyObject it does not (about 1.5 µs).
   */
  readonly #derived: ReadonlyMap<AuditKeyPurpose, KeyObject>;

  constructor(id: string, secret: Buffer) {
    if (!KEY_ID.test(id)) {
      throw new AuditKeyError('An audit key id is 1-64 letters, digits, ".", "_" or "-"');
    }
    if (secret.length < MIN_SECRET_BYTES) {
      throw new AuditKeyError(
        `The audit key ${id} is too short: at least ${MIN_SECRET_BYTES} bytes of secret`,
      );
    }
    this.id = id;
    this.#derived = new Map(
      PURPOSES.map((purpose) => [
        purpose,
        createSecretKey(createHmac('sha256', secret).update(`sluice-audit-v1/${purpose}`).digest()),
      ]),
    );
  }

  /** HMAC-SHA-256 (hex) of `text` under this key's `purpose` key. */
  mac(purpose: AuditKeyPurpose, text: string): string {
    return createHmac('sha256', this.#derived.get(purpose) as KeyObject)
      .update(text, 'utf8')
      .digest('hex');
  }
}

/** Parses `<keyId>:<base64 secret>`; the error never repeats the secret. */
export function parseAuditKey(text: string, source: string): AuditKey {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const id = colon < 0 ? '' : trimmed.slice(0, colon);
  const secret = colon < 0 ? '' : trimmed.slice(colon + 1);
  if (!KEY_ID.test(id) || !BASE64.test(secret)) {
    throw new AuditKeyError(`${source} must be <keyId>:<base64 secret of 32 bytes or more>`);
  }
  try {
    return new AuditKey(id, Buffer.from(secret, 'base64'));
  } catch (error) {
    if (AuditKeyError.isInstance(error)) throw new AuditKeyError(`${source}: ${error.message}`);
    throw error;
  }
}

/** A new key in the text form `parseAuditKey` reads. */
export function generateAuditKeyText(id: string): string {
  return `${id}:${randomBytes(MIN_SECRET_BYTES).toString('base64url')}`;
}

export class AuditKeyring {
  readonly current: AuditKey;
  readonly #byId: ReadonlyMap<string, AuditKey>;

  constructor(current: AuditKey, previous: readonly AuditKey[] = []) {
    const byId = new Map<string, AuditKey>([[current.id, current]]);
    for (const key of previous) {
      if (byId.has(key.id)) {
        throw new AuditKeyError(`The audit key id ${key.id} is given twice`);
      }
      byId.set(key.id, key);
    }
    this.current = current;
    this.#byId = byId;
  }

  /** The key with this id, current or previous. */
  get(id: string): AuditKey | undefined {
    return this.#byId.get(id);
  }

  get ids(): string[] {
    return [...this.#byId.keys()];
  }
}

let processKeyring: AuditKeyring | undefined;

/**
 * A key made at random once per process: for in-memory databases and tests, whose chain
 * nobody verifies after the process ends. Every log in the process shares it, so two
 * connections to one file still verify each other's records.
 */
export function processAuditKeyring(): AuditKeyring {
  processKeyring ??= new AuditKeyring(
    new AuditKey('process-ephemeral', randomBytes(MIN_SECRET_BYTES)),
  );
  return processKeyring;
}

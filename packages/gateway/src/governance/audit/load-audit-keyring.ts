/**
 * Where the audit keys come from. Production sets `SLUICE_AUDIT_KEY` (`<keyId>:<secret>`)
 * and, after a rotation, `SLUICE_AUDIT_PREVIOUS_KEYS` (the retired keys, comma-separated):
 * then nothing in the data directory can key a record, and whoever can write the database
 * cannot re-hash it into a chain that verifies.
 *
 * Without the variable (a laptop, the embedded default) the first start makes a key and
 * keeps it in `audit-key` next to `sluice.db` (mode 0600), with a warning at every start:
 * a key stored beside the database guards against mistakes, not against whoever has the
 * directory. An in-memory database gets a per-process key.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { AuditKeyError } from './audit-key-error.ts';
import {
  type AuditKey,
  AuditKeyring,
  generateAuditKeyText,
  parseAuditKey,
  processAuditKeyring,
} from './audit-keyring.ts';

export const AUDIT_KEY_ENV = 'SLUICE_AUDIT_KEY';
export const AUDIT_PREVIOUS_KEYS_ENV = 'SLUICE_AUDIT_PREVIOUS_KEYS';
export const AUDIT_KEY_FILE = 'audit-key';

export interface LoadAuditKeyringOptions {
  env: NodeJS.ProcessEnv;
  /** The database's directory; undefined for an in-memory database. */
  dataDir?: string | undefined;
  /** Make the key file when there is no key yet (the gateway and stores). Default false. */
  create?: boolean;
  onWarning?: (message: string) => void;
}

export interface LoadedAuditKeyring {
  keyring: AuditKeyring;
  source: 'env' | 'file' | 'generated' | 'process';
}

export function auditKeyFilePath(dataDir: string): string {
  return join(dataDir, AUDIT_KEY_FILE);
}

function previousKeys(env: NodeJS.ProcessEnv): AuditKey[] {
  const text = env[AUDIT_PREVIOUS_KEYS_ENV] ?? '';
  return text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map((part, index) => parseAuditKey(part, `${AUDIT_PREVIOUS_KEYS_ENV} entry ${index + 1}`));
}

/** Creates the file only if absent, complete or not at all: several workers may start at once. */
function createKeyFile(path: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${generateAuditKeyText(`local-${randomBytes(4).toString('hex')}`)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    linkSync(temporary, path);
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

export function loadAuditKeyring(options: LoadAuditKeyringOptions): LoadedAuditKeyring {
  const warn = options.onWarning ?? (() => {});
  const previous = previousKeys(options.env);
  const fromEnv = options.env[AUDIT_KEY_ENV];
  const path = options.dataDir === undefined ? undefined : auditKeyFilePath(options.dataDir);
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    if (path !== undefined && existsSync(path)) {
      warn(
        `${AUDIT_KEY_ENV} is set, so the key file ${path} is not used; if records were keyed with it, add its content to ${AUDIT_PREVIOUS_KEYS_ENV}`,
      );
    }
    return {
      keyring: new AuditKeyring(parseAuditKey(fromEnv, AUDIT_KEY_ENV), previous),
      source: 'env',
    };
  }
  if (path === undefined || options.dataDir === undefined) {
    if (previous.length > 0) {
      throw new AuditKeyError(`${AUDIT_PREVIOUS_KEYS_ENV} is set but ${AUDIT_KEY_ENV} is not`);
    }
    return { keyring: processAuditKeyring(), source: 'process' };
  }
  let source: LoadedAuditKeyring['source'] = 'file';
  if (!existsSync(path)) {
    if (options.create !== true) {
      throw new AuditKeyError(
        `No audit key: set ${AUDIT_KEY_ENV} to the gateway's key (or start the gateway once to make ${path})`,
      );
    }
    createKeyFile(path, options.dataDir);
    source = 'generated';
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    warn(`The audit key file ${path} is readable by other users; make it mode 0600`);
  }
  const key = parseAuditKey(readFileSync(path, 'utf8'), path);
  warn(
    `The audit chain is keyed with ${path}, stored next to the database; in production set ${AUDIT_KEY_ENV} (see docs/governance.md, "Audit keys")`,
  );
  return { keyring: new AuditKeyring(key, previous), source };
}

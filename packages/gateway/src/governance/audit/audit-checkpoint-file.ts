/**
 * The checkpoint as a small JSON file, `audit-checkpoint.json` beside `sluice.db` unless
 * `SLUICE_AUDIT_CHECKPOINT_FILE` names another place (better: a volume the database's
 * writers cannot rewrite). Replaced by write-then-rename, so a reader never sees half.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type AuditCheckpoint,
  type AuditCheckpointStore,
  parseAuditCheckpoint,
  type StoredAuditCheckpoint,
} from './audit-checkpoint.ts';

export const AUDIT_CHECKPOINT_FILE = 'audit-checkpoint.json';
export const AUDIT_CHECKPOINT_FILE_ENV = 'SLUICE_AUDIT_CHECKPOINT_FILE';

/** The checkpoint file of a data directory, as the environment may relocate it. */
export function auditCheckpointPath(dataDir: string, env: NodeJS.ProcessEnv): string {
  const configured = env[AUDIT_CHECKPOINT_FILE_ENV];
  return configured !== undefined && configured !== ''
    ? configured
    : join(dataDir, AUDIT_CHECKPOINT_FILE);
}

export class FileAuditCheckpointStore implements AuditCheckpointStore {
  readonly location: string;

  constructor(path: string) {
    this.location = path;
  }

  async read(): Promise<StoredAuditCheckpoint> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
      return { status: 'invalid', reason: (error as NodeJS.ErrnoException).code ?? 'unreadable' };
    }
    return parseAuditCheckpoint(text);
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true });
    const temporary = `${this.location}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(checkpoint)}\n`, { mode: 0o644 });
      await rename(temporary, this.location);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

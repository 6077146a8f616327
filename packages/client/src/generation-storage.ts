/**
 * Optional: remember where a generation's reading got to in `sessionStorage` (or any
 * `Storage`-like object), so a reloaded page can `recallGeneration` and
 * `client.resume(id, { offset })` without duplicates. Stored as JSON `{ id, offset }`,
 * updated after every event and removed once the log closed.
 */
import type { Generation } from './generation.ts';

/** The part of the Web Storage API used here (`sessionStorage`, `localStorage`, a Map). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface StoredGeneration {
  id: string;
  /** The offset after the last event the page showed: resume from here. */
  offset: string;
}

/**
 * Keeps `{ id, offset }` under `key` while `generation` is read; removes it when the log
 * closes (a failed or detached read keeps it, so the page can resume). Returns a function
 * that stops remembering.
 */
export function rememberGeneration(
  generation: Generation,
  storage: StorageLike,
  key: string,
): () => void {
  let active = true;
  const write = (id: string, offset: string) => {
    if (!active) return;
    try {
      storage.setItem(key, JSON.stringify({ id, offset } satisfies StoredGeneration));
    } catch {
      // A full or disabled storage (private mode) only costs the resume after a reload.
    }
  };
  generation.id.then(
    (id) => write(id, generation.offset),
    () => {
      // The generation never started: there is nothing to resume.
    },
  );
  const stopListening = generation.on('event', (_event, offset) => {
    const id = generation.generationId;
    if (id !== undefined) write(id, offset);
  });
  generation.result.then(
    () => {
      if (active) forgetGeneration(storage, key);
    },
    () => {
      // Reading failed or was detached: keep the entry so a later page can resume.
    },
  );
  return () => {
    active = false;
    stopListening();
  };
}

/** The remembered `{ id, offset }`, or undefined when there is none or it is not ours. */
export function recallGeneration(storage: StorageLike, key: string): StoredGeneration | undefined {
  let value: unknown;
  try {
    const text = storage.getItem(key);
    if (text === null) return undefined;
    value = JSON.parse(text);
  } catch {
    return undefined; // unreadable storage or foreign content: start afresh
  }
  const { id, offset } = (typeof value === 'object' && value !== null ? value : {}) as {
    id?: unknown;
    offset?: unknown;
  };
  return typeof id === 'string' && typeof offset === 'string' ? { id, offset } : undefined;
}

export function forgetGeneration(storage: StorageLike, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // Nothing to do when storage is unavailable.
  }
}

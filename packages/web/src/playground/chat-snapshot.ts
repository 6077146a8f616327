/**
 * The conversation kept in `sessionStorage`, so a reloaded tab shows it again and resumes
 * a generation that was still streaming. The text of the streaming turn and the offset
 * it reached are stored together in one entry, so the resume (events after that offset)
 * never repeats or skips text however late the last write was.
 */
import type { ChatTurn } from './chat-turns.ts';

const STORAGE_KEY = 'sluice.playground.chat';

export interface ChatSnapshot {
  version: 1;
  turns: ChatTurn[];
}

export function loadSnapshot(): ChatTurn[] {
  try {
    const text = sessionStorage.getItem(STORAGE_KEY);
    if (text === null) return [];
    const value = JSON.parse(text) as Partial<ChatSnapshot>;
    return value.version === 1 && Array.isArray(value.turns) ? value.turns : [];
  } catch {
    return []; // unreadable or foreign content: start afresh
  }
}

export function saveSnapshot(turns: readonly ChatTurn[]): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ version: 1, turns }));
  } catch {
    // Full or disabled storage only costs the resume after a reload.
  }
}

export function clearSnapshot(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing to clear when storage is unavailable.
  }
}

/**
 * Deterministic randomness for the simulator: mulberry32 (a tiny, fast 32-bit PRNG with good
 * enough statistics for picking sentences) and an FNV-1a hash to derive a seed from the prompt
 * when the request gives none, so the same prompt gives the same answer.
 */
import type { ChatMessage } from '../language-model.ts';

export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let value = this.#state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [minimum, maximum]. */
  integer(minimum: number, maximum: number): number {
    return minimum + Math.floor(this.next() * (maximum - minimum + 1));
  }
}

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashString(hash: number, text: string): number {
  let result = hash;
  for (let index = 0; index < text.length; index += 1) {
    result = Math.imul(result ^ text.charCodeAt(index), FNV_PRIME);
  }
  return result >>> 0;
}

/** A 32-bit seed from the roles and contents of the messages. */
export function seedFromMessages(messages: readonly ChatMessage[]): number {
  let hash = FNV_OFFSET_BASIS;
  for (const message of messages) {
    hash = hashString(hash, message.role);
    // A separator keeps ["ab", "c"] and ["a", "bc"] apart.
    hash = Math.imul(hash ^ 0xff, FNV_PRIME) >>> 0;
    hash = hashString(hash, message.content);
  }
  return hash >>> 0;
}

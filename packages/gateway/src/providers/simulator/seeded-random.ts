/**
 * Deterministic randomness for the simulator: mulberry32 (a tiny, fast 32-bit PRNG with good
 * enough statistics for picking sentences) and an FNV-1a hash to derive a seed from the prompt
 * when the request gives none, so the same prompt gives the same answer.
 */
import { type ChatMessage, contentText } from '@sluice/protocol';

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

/** Mixes in a byte no UTF-16 text hashes to alone, so ["ab", "c"] and ["a", "bc"] stay apart. */
function separate(hash: number): number {
  return Math.imul(hash ^ 0xff, FNV_PRIME) >>> 0;
}

/**
 * A 32-bit seed from the roles, texts and tool calls of the messages. Images and files are
 * left out: hashing megabytes of base64 per request would cost more than a varied answer
 * is worth to a stand-in model.
 */
export function seedFromMessages(messages: readonly ChatMessage[]): number {
  let hash = FNV_OFFSET_BASIS;
  for (const message of messages) {
    hash = separate(hashString(hash, message.role));
    hash = hashString(hash, contentText(message.content));
    if (message.role !== 'assistant') continue;
    for (const call of message.toolCalls ?? []) {
      hash = separate(hashString(separate(hash), call.toolName));
      hash = hashString(hash, call.arguments);
    }
  }
  return hash >>> 0;
}

/**
 * The corpus cut once, at load, into tokens shaped like a real model's: a word with its
 * leading space (` whale`), or a punctuation mark on its own (`,`). Every stream walks these
 * shared arrays, so generating a token allocates nothing.
 */
import { SIMULATOR_CORPUS } from './simulator-corpus.ts';

const TOKEN_PATTERN = /\s*(?:[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*|[^\sA-Za-z0-9])/g;

function tokenize(): string[] {
  const tokens: string[] = [];
  for (const passage of SIMULATOR_CORPUS) {
    // Line breaks in the source are layout only; the prose reads as single spaces.
    const text = ` ${passage.text.replace(/\s+/g, ' ').trim()}`;
    for (const match of text.matchAll(TOKEN_PATTERN)) tokens.push(match[0]);
  }
  return tokens;
}

/** Every corpus token in reading order. */
export const CORPUS_TOKENS: readonly string[] = tokenize();

/** 1 where the token ends a sentence (a `.`, `!` or `?` followed by a capitalised word). */
export const ENDS_SENTENCE: Uint8Array = new Uint8Array(CORPUS_TOKENS.length);

/** Indexes of tokens that begin a sentence; the walker jumps only to these. */
export const SENTENCE_STARTS: readonly number[] = (() => {
  const starts = [0];
  for (let index = 0; index < CORPUS_TOKENS.length; index += 1) {
    const token = CORPUS_TOKENS[index] ?? '';
    const next = CORPUS_TOKENS[index + 1];
    const isTerminal = token === '.' || token === '!' || token === '?';
    if (isTerminal && (next === undefined || /^\s[A-Z]/.test(next))) {
      ENDS_SENTENCE[index] = 1;
      if (next !== undefined) starts.push(index + 1);
    }
  }
  return starts;
})();

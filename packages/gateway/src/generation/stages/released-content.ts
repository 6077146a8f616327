/**
 * What the producer released to the log, kept as it goes: the answer text, the reasoning,
 * the completed tool calls, and a running SHA-256 of the text — so the finalizer knows the
 * content hash without reading the log back. The hash takes the text in slices of
 * `HASH_SLICE_CHARS` rather than per delta (one `update` call costs more than hashing a
 * token's bytes); a high surrogate at the end of a slice waits for the next one, so a
 * surrogate pair split across deltas hashes as the one character it is (UTF-8 of the whole
 * text, however it was split).
 */
import { createHash, type Hash } from 'node:crypto';
import { type ToolCall, toolCallsDigestInput } from '@sluice/protocol';

function endsWithHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/** Text gathered before the running hash takes it in: bounds what waits unhashed. */
export const HASH_SLICE_CHARS = 16 * 1024;

export class ReleasedContent {
  text = '';
  reasoning = '';
  readonly toolCalls: ToolCall[] = [];
  readonly #textHash: Hash = createHash('sha256');
  /** Released text not hashed yet (a held high surrogate included). */
  #unhashed = '';

  addText(delta: string): void {
    this.text += delta;
    this.#unhashed += delta;
    if (this.#unhashed.length >= HASH_SLICE_CHARS) this.#hashSlice();
  }

  #hashSlice(): void {
    let slice = this.#unhashed;
    this.#unhashed = '';
    if (endsWithHighSurrogate(slice)) {
      this.#unhashed = slice.slice(-1);
      slice = slice.slice(0, -1);
    }
    if (slice !== '') this.#textHash.update(slice, 'utf8');
  }

  addReasoning(delta: string): void {
    this.reasoning += delta;
  }

  addToolCall(call: ToolCall): void {
    this.toolCalls.push(call);
  }

  /**
   * The content hash (`contentSha256` of `response-final`): of the text's UTF-8 alone, or,
   * with tool calls, of the text's hash followed by the calls (see `toolCallsDigestInput`).
   * Call once, at the end.
   */
  digest(): string {
    if (this.#unhashed !== '') this.#textHash.update(this.#unhashed, 'utf8');
    this.#unhashed = '';
    const textSha256 = this.#textHash.digest('hex');
    if (this.toolCalls.length === 0) return textSha256;
    return createHash('sha256')
      .update(toolCallsDigestInput(textSha256, this.toolCalls), 'utf8')
      .digest('hex');
  }
}

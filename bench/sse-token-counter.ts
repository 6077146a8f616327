/**
 * Incremental SSE parsing for the load client, just deep enough to time output: it finds
 * frame boundaries across network chunks, classifies each frame (text or tool-call
 * arguments delta, end, error) by fixed markers and measures the delta's length, without
 * JSON-parsing every frame. Lengths matter because a gateway may merge tokens (redaction
 * holdback, coalescing): the characters received, not the frame count, tell whether an
 * answer arrived whole. Works for OpenAI `chat.completion.chunk` streams (`delta.content`
 * and every `delta.tool_calls[].function.arguments`) and for Sluice's native SSE events
 * (`text-delta` and `tool-call-delta`; `tool-call-end` repeats the arguments and is not
 * counted). The markers are safe: inside a JSON string every quote is escaped, so
 * `"content":"` or `"arguments":"` can only be a key, never a value's text.
 */

export type StreamFormat = 'openai' | 'native';

const FRAME_END = '\n\n';
const OPENAI_CONTENT = '"content":"';
const OPENAI_ARGUMENTS = '"arguments":"';
const OPENAI_DONE = 'data: [DONE]';
const OPENAI_ERROR = 'data: {"error"';
const NATIVE_TOKEN = 'event: text-delta\n';
const NATIVE_DELTA = '"delta":"';
const NATIVE_TOOL_CALL_DELTA = 'event: tool-call-delta\n';
const NATIVE_ARGUMENTS_DELTA = '"argumentsDelta":"';
const NATIVE_FINISH = 'event: response-finish\n';
const NATIVE_ERROR = 'event: response-error\n';

export class SseTokenCounter {
  readonly #format: StreamFormat;
  #pending = '';
  /** The stream's terminal frame arrived (`[DONE]` or `response-finish`). */
  ended = false;
  /** The text of an error frame, when the stream reported one. */
  error: string | undefined;
  /** Characters of text and tool-call arguments received so far (a JSON escape counts as one). */
  characters = 0;

  constructor(format: StreamFormat) {
    this.#format = format;
  }

  /** Feeds one network chunk; returns how many non-empty text or arguments deltas completed in it. */
  feed(chunk: Buffer): number {
    // latin1 is a byte-for-byte decode: the markers are ASCII, and a multi-byte character
    // split across chunks cannot break frame detection.
    const text =
      this.#pending.length > 0
        ? this.#pending + chunk.toString('latin1')
        : chunk.toString('latin1');
    let tokens = 0;
    let start = 0;
    let end = text.indexOf(FRAME_END, start);
    while (end !== -1) {
      // V8 slices share the parent string, so a frame costs no copy.
      tokens += this.#classify(text.slice(start, end));
      start = end + FRAME_END.length;
      end = text.indexOf(FRAME_END, start);
    }
    this.#pending = start < text.length ? text.slice(start) : '';
    return tokens;
  }

  /** Returns 1 for a frame carrying non-empty text or arguments, 0 otherwise. */
  #classify(frame: string): number {
    if (this.#format === 'openai') {
      const content = frame.indexOf(OPENAI_CONTENT);
      let characters = content === -1 ? 0 : this.#countText(frame, content + OPENAI_CONTENT.length);
      // A chunk may carry fragments of several calls (and a server may add `content: ""`).
      let found = content !== -1;
      let argumentsAt = frame.indexOf(OPENAI_ARGUMENTS);
      while (argumentsAt !== -1) {
        found = true;
        const start = argumentsAt + OPENAI_ARGUMENTS.length;
        characters += this.#countText(frame, start);
        argumentsAt = frame.indexOf(OPENAI_ARGUMENTS, start);
      }
      if (found) return characters > 0 ? 1 : 0;
      if (frame.startsWith(OPENAI_DONE)) this.ended = true;
      else if (frame.startsWith(OPENAI_ERROR)) this.error = frame;
      return 0;
    }
    if (frame.includes(NATIVE_TOKEN)) return this.#countDelta(frame, NATIVE_DELTA);
    if (frame.includes(NATIVE_TOOL_CALL_DELTA)) {
      return this.#countDelta(frame, NATIVE_ARGUMENTS_DELTA);
    }
    if (frame.includes(NATIVE_FINISH)) this.ended = true;
    else if (frame.includes(NATIVE_ERROR)) this.error = frame;
    return 0;
  }

  /** A native delta event: 1 when its string after `key` is non-empty (or not found). */
  #countDelta(frame: string, key: string): number {
    const at = frame.indexOf(key);
    return at === -1 || this.#countText(frame, at + key.length) > 0 ? 1 : 0;
  }

  /** Adds the length of the JSON string starting at `start` and returns it. */
  #countText(frame: string, start: number): number {
    let characters = 0;
    let index = start;
    while (index < frame.length) {
      const code = frame.charCodeAt(index);
      if (code === 0x22) break;
      // An escape is one character: \uXXXX spans six, the others two.
      if (code === 0x5c) index += frame.charCodeAt(index + 1) === 0x75 ? 6 : 2;
      else index += 1;
      characters += 1;
    }
    this.characters += characters;
    return characters;
  }
}

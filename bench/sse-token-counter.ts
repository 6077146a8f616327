/**
 * Incremental SSE parsing for the load client, just deep enough to time tokens: it finds
 * frame boundaries across network chunks and classifies each frame (content token, end,
 * error) by fixed markers, without JSON-parsing every token. Works for OpenAI
 * `chat.completion.chunk` streams and for Sluice's native SSE events.
 */

export type StreamFormat = 'openai' | 'native';

const FRAME_END = '\n\n';
const OPENAI_CONTENT = '"content":"';
const OPENAI_DONE = 'data: [DONE]';
const OPENAI_ERROR = 'data: {"error"';
const NATIVE_TOKEN = 'event: text-delta\n';
const NATIVE_FINISH = 'event: response-finish\n';
const NATIVE_ERROR = 'event: response-error\n';

export class SseTokenCounter {
  readonly #format: StreamFormat;
  #pending = '';
  /** The stream's terminal frame arrived (`[DONE]` or `response-finish`). */
  ended = false;
  /** The text of an error frame, when the stream reported one. */
  error: string | undefined;

  constructor(format: StreamFormat) {
    this.#format = format;
  }

  /** Feeds one network chunk; returns how many content tokens completed in it. */
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

  /** Returns 1 for a frame carrying a non-empty content token, 0 otherwise. */
  #classify(frame: string): number {
    if (this.#format === 'openai') {
      const content = frame.indexOf(OPENAI_CONTENT);
      if (content !== -1) return frame.charCodeAt(content + OPENAI_CONTENT.length) === 0x22 ? 0 : 1;
      if (frame.startsWith(OPENAI_DONE)) this.ended = true;
      else if (frame.startsWith(OPENAI_ERROR)) this.error = frame;
      return 0;
    }
    if (frame.includes(NATIVE_TOKEN)) return 1;
    if (frame.includes(NATIVE_FINISH)) this.ended = true;
    else if (frame.includes(NATIVE_ERROR)) this.error = frame;
    return 0;
  }
}

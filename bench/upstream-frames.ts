/**
 * The bench upstream's SSE frames, encoded once at start-up: every stream shares the same
 * Buffers, so serving a token costs one socket write and no JSON work. Frames follow the
 * OpenAI `chat.completion.chunk` wire format (role chunk, content chunks, finish chunk,
 * optional usage chunk, `[DONE]`).
 */

/** Short common words, each one token, cycled through so answers read like text. */
export const ANSWER_WORDS: readonly string[] = [
  ' The',
  ' stream',
  ' keeps',
  ' flowing',
  ' while',
  ' the',
  ' gateway',
  ' relays',
  ' every',
  ' token',
  ' to',
  ' its',
  ' reader',
  ' in',
  ' order',
  '.',
];

export interface UpstreamFrames {
  role: Buffer;
  /** Content frame for the token at `index`. */
  content(index: number): Buffer;
  finish: Buffer;
  usage(promptTokens: number, completionTokens: number): Buffer;
  done: Buffer;
  /** The full text of an answer of `tokens` tokens, for non-streaming replies. */
  text(tokens: number): string;
}

const ID = 'chatcmpl-bench';
const CREATED = 1_700_000_000;

export function frame(payload: unknown): Buffer {
  return Buffer.from(`data: ${JSON.stringify(payload)}\n\n`);
}

/** A `chat.completion.chunk` of the only choice; the envelope every bench answer shares. */
export function chunk(model: string, delta: Record<string, unknown>, finishReason: string | null) {
  return {
    id: ID,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function createUpstreamFrames(model: string): UpstreamFrames {
  const contentFrames = ANSWER_WORDS.map((word) => frame(chunk(model, { content: word }, null)));
  return {
    role: frame(chunk(model, { role: 'assistant', content: '' }, null)),
    content: (index) => contentFrames[index % contentFrames.length] as Buffer,
    finish: frame(chunk(model, {}, 'stop')),
    usage: (promptTokens, completionTokens) =>
      frame({
        id: ID,
        object: 'chat.completion.chunk',
        created: CREATED,
        model,
        system_fingerprint: null,
        choices: [],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      }),
    done: Buffer.from('data: [DONE]\n\n'),
    text: (tokens) => {
      let text = '';
      for (let index = 0; index < tokens; index += 1)
        text += ANSWER_WORDS[index % ANSWER_WORDS.length];
      return text;
    },
  };
}

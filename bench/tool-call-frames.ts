/**
 * The bench upstream's tool-call-heavy answer: instead of N content chunks, parallel calls
 * to a `write_file` tool whose JSON arguments stream in N fragments about the size of the
 * text answer's tokens, in OpenAI's `chat.completion.chunk` shape — the first chunk of a
 * call carries its `index`, `id`, `type` and `function.name` with `arguments: ''`, later
 * ones `function.arguments` fragments only, and the answer finishes `tool_calls`. Like the
 * text frames, everything is encoded once per answer length and shared by every stream,
 * so a fragment costs the upstream one socket write and no JSON work.
 */
import { ANSWER_WORDS, chunk, frame } from './upstream-frames.ts';

/** Calls per answer: parallel calls, so a call also starts in the middle of the stream. */
export const TOOL_CALLS_PER_ANSWER = 2;

/** The tool every bench request declares and every tool-call answer calls. */
export const BENCH_TOOL = {
  name: 'write_file',
  description: 'Writes a text file in the workspace.',
  parameters: {
    type: 'object',
    properties: { path: { type: 'string' }, content: { type: 'string' } },
    required: ['path', 'content'],
    additionalProperties: false,
  },
};

export interface BenchToolCall {
  id: string;
  /** Argument fragments in streaming order; joined they are the call's JSON arguments. */
  fragments: string[];
}

/** The pieces of JSON before the file's text, split where a tokenizer would split them. */
function openingPieces(call: number): string[] {
  return ['{"', 'path', '":"', 'notes', '/part', `-${call + 1}`, '.md', '","', 'content', '":"'];
}
const CLOSING_PIECE = '"}';

/** Exactly `count` (≥ 1) fragments whose concatenation is the call's complete arguments. */
function callFragments(call: number, count: number): string[] {
  const opening = openingPieces(call);
  const words = Math.max(0, count - opening.length - 1);
  const pieces = [...opening];
  for (let index = 0; index < words; index += 1) {
    pieces.push(ANSWER_WORDS[index % ANSWER_WORDS.length] as string);
  }
  pieces.push(CLOSING_PIECE);
  // Fewer fragments than the fixed pieces: the last fragment carries the rest.
  if (pieces.length > count) {
    return [...pieces.slice(0, count - 1), pieces.slice(count - 1).join('')];
  }
  return pieces;
}

/** The calls of an answer of `tokens` fragments, split as evenly as the count allows. */
export function benchToolCalls(tokens: number): BenchToolCall[] {
  const calls = Math.min(TOOL_CALLS_PER_ANSWER, tokens);
  return Array.from({ length: calls }, (_, call) => ({
    id: `call_bench_${call + 1}`,
    fragments: callFragments(call, Math.floor(tokens / calls) + (call < tokens % calls ? 1 : 0)),
  }));
}

/** Characters of arguments in an answer of `tokens` fragments: what a client must receive. */
export function toolCallArgumentCharacters(tokens: number): number {
  let characters = 0;
  for (const call of benchToolCalls(tokens)) {
    for (const fragment of call.fragments) characters += fragment.length;
  }
  return characters;
}

export interface ToolCallAnswerFrames {
  /** The role and the first call's start, sent when the response opens. */
  opening: Buffer;
  /** The frame(s) for fragment `index`: a call's start comes with its first fragment. */
  token(index: number): Buffer;
  /** `finish_reason: 'tool_calls'` (or `stop` for an answer of no fragments). */
  finish: Buffer;
}

function startDelta(call: BenchToolCall, index: number) {
  return {
    tool_calls: [
      {
        index,
        id: call.id,
        type: 'function',
        function: { name: BENCH_TOOL.name, arguments: '' },
      },
    ],
  };
}

/** Encodes the frames of an answer of `tokens` fragments. */
export function createToolCallAnswerFrames(model: string, tokens: number): ToolCallAnswerFrames {
  const calls = benchToolCalls(tokens);
  const first = calls[0];
  // OpenAI sends the role with the first call's start, and `content` and `refusal` as null.
  const opening = frame(
    chunk(
      model,
      {
        role: 'assistant',
        content: null,
        ...(first === undefined ? {} : startDelta(first, 0)),
        refusal: null,
      },
      null,
    ),
  );
  const tokenFrames: Buffer[] = [];
  calls.forEach((call, index) => {
    call.fragments.forEach((fragment, position) => {
      const fragmentFrame = frame(
        chunk(model, { tool_calls: [{ index, function: { arguments: fragment } }] }, null),
      );
      tokenFrames.push(
        index > 0 && position === 0
          ? Buffer.concat([frame(chunk(model, startDelta(call, index), null)), fragmentFrame])
          : fragmentFrame,
      );
    });
  });
  return {
    opening,
    token: (index) => tokenFrames[index] as Buffer,
    finish: frame(chunk(model, {}, calls.length > 0 ? 'tool_calls' : 'stop')),
  };
}

/** The assistant message of a non-streaming tool-call answer. */
export function toolCallMessage(tokens: number) {
  return {
    role: 'assistant',
    content: null,
    tool_calls: benchToolCalls(tokens).map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: BENCH_TOOL.name, arguments: call.fragments.join('') },
    })),
    refusal: null,
  };
}

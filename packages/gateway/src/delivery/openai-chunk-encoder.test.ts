import { encodeGenerationEvent, type GenerationEvent } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import type { ReadBatch, StoredMessage } from '../store/stream-store.ts';
import type { EventFrame } from './frame.ts';
import { OpenAiChunkEncoder, openAiUsage } from './openai-chunk-encoder.ts';
import { sseText } from './sse-transport.ts';

const options = {
  generationId: 'gen_"odd"\\id',
  model: 'm\u00e9 "quoted"',
  created: 1_700_000_000,
  includeUsage: true,
};

function stored(text: string, index: number): StoredMessage {
  return { offset: String(index).padStart(8, '0'), data: Buffer.from(text) };
}

function batchOf(messages: StoredMessage[]): ReadBatch {
  return { messages, nextOffset: 'end', upToDate: true, closed: false };
}

/** As the producer writes events: the protocol codec's canonical layout. */
const storedEvents = (events: GenerationEvent[]): ReadBatch =>
  batchOf(events.map((event, index) => stored(encodeGenerationEvent(event), index)));

const sseOf = (frames: readonly EventFrame[]): string => sseText(frames);

function frames(sse: string): unknown[] {
  return sse
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: {'))
    .map((frame) => JSON.parse(frame.slice('data: '.length)));
}

const deltas = [
  'Hello',
  ' wörld',
  ' "quoted"\n',
  '\\',
  '\\"',
  'ends with \\',
  '\u2028',
  '😀',
  '</script>',
  '\t\u0000',
];

const start: GenerationEvent = {
  type: 'response-start',
  id: 'g',
  model: 'm',
  provider: 'p',
  createdAt: 'now',
};
const finish = (finishReason: 'stop' | 'tool-calls'): GenerationEvent => ({
  type: 'response-finish',
  finishReason,
  usage: { inputTokens: 1, outputTokens: 2 },
  timings: { timeToFirstTokenMs: 1, durationMs: 2 },
});

describe('OpenAiChunkEncoder.encode', () => {
  it('gives per-token events the same bytes as encoding the parsed event', () => {
    const events: GenerationEvent[] = [
      start,
      ...deltas.map((delta): GenerationEvent => ({ type: 'reasoning-delta', delta })),
      ...deltas.map((delta): GenerationEvent => ({ type: 'text-delta', delta })),
      { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'lookup' },
      ...deltas.map(
        (argumentsDelta): GenerationEvent => ({
          type: 'tool-call-delta',
          index: 0,
          argumentsDelta,
        }),
      ),
      { type: 'tool-call-start', index: 12, toolCallId: 'call_2', toolName: 'other' },
      { type: 'tool-call-delta', index: 12, argumentsDelta: '{}' },
      finish('tool-calls'),
    ];
    const reference = new OpenAiChunkEncoder(options);
    const expected = sseOf(events.flatMap((event) => reference.encodeEvent(event)));
    const batch = sseOf(new OpenAiChunkEncoder(options).encode(storedEvents(events)));
    expect(batch).toBe(expected);

    type Delta = {
      content?: string;
      reasoning_content?: string;
      tool_calls?: Array<{ index: number; function: { arguments: string } }>;
    };
    const chunkDeltas = (frames(batch) as Array<{ choices: Array<{ delta: Delta }> }>).flatMap(
      (chunk) => chunk.choices.map((choice) => choice.delta),
    );
    const contents = chunkDeltas.map((delta) => delta.content).filter((content) => content);
    const reasoning = chunkDeltas.flatMap((delta) => delta.reasoning_content ?? []);
    const argumentsOfFirstCall = chunkDeltas
      .flatMap((delta) => delta.tool_calls ?? [])
      .filter((call) => call.index === 0)
      .map((call) => call.function.arguments)
      .filter((fragment) => fragment !== '');
    expect(contents).toEqual(deltas);
    expect(reasoning).toEqual(deltas);
    expect(argumentsOfFirstCall).toEqual(deltas);
  });

  it('parses events in other layouts instead of trusting their bytes', () => {
    const layouts = [
      '{"delta":"a","type":"text-delta"}',
      '{"type":"text-delta","delta":"b","extra":"c"}',
      '{"type":"text-delta","delta":"\\u0064"}',
      '{"type":"reasoning-delta","delta":"e","note":"f"}',
      '{"type":"tool-call-delta","argumentsDelta":"g","index":1}',
      '{"type":"tool-call-delta","index":1,"argumentsDelta":"h","toolCallId":"i"}',
    ];
    const batch = sseOf(new OpenAiChunkEncoder(options).encode(batchOf(layouts.map(stored))));
    const reference = new OpenAiChunkEncoder(options);
    const expected = sseOf(
      layouts.flatMap((layout) => reference.encodeEvent(JSON.parse(layout) as GenerationEvent)),
    );
    // Equal as JSON; bytes may differ where the log spelled a character as an escape.
    expect(frames(batch)).toEqual(frames(expected));
    expect(frames(batch)).toHaveLength(layouts.length);
  });
});

describe('OpenAiChunkEncoder chunks', () => {
  const plain = { generationId: 'gen_1', model: 'gpt-x', created: 1_700_000_000 };
  const head =
    'data: {"id":"chatcmpl-gen_1","object":"chat.completion.chunk","created":1700000000,' +
    '"model":"gpt-x","system_fingerprint":null,"choices":[{"index":0,"delta":';
  const tail = ',"logprobs":null,"finish_reason":null}]}\n\n';

  it('writes tool calls as OpenAI streams them', () => {
    const encoder = new OpenAiChunkEncoder({ ...plain, includeUsage: false });
    const sse = sseOf(
      encoder.encode(
        storedEvents([
          { type: 'tool-call-start', index: 0, toolCallId: 'call_abc', toolName: 'get_weather' },
          { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location":' },
          { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
          {
            type: 'tool-call-end',
            index: 0,
            toolCallId: 'call_abc',
            toolName: 'get_weather',
            arguments: '{"location":"Paris"}',
          },
          finish('tool-calls'),
        ]),
      ),
    );
    expect(sse).toBe(
      `${head}{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]}${tail}` +
        `${head}{"tool_calls":[{"index":0,"function":{"arguments":"{\\"location\\":"}}]}${tail}` +
        `${head}{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}${tail}` +
        `${head}{},"logprobs":null,"finish_reason":"tool_calls"}]}\n\n` +
        'data: [DONE]\n\n',
    );
    expect(encoder.isComplete()).toBe(true);
  });

  it('writes reasoning as delta.reasoning_content', () => {
    const encoder = new OpenAiChunkEncoder({ ...plain, includeUsage: false });
    expect(sseOf(encoder.encode(storedEvents([{ type: 'reasoning-delta', delta: 'Hmm.' }])))).toBe(
      `${head}{"reasoning_content":"Hmm."}${tail}`,
    );
  });

  it('reports reasoning and cached tokens in the usage chunk when the usage has them', () => {
    const encoder = new OpenAiChunkEncoder({ ...plain, includeUsage: true });
    const sse = sseOf(
      encoder.encodeEvent({
        type: 'response-finish',
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 7, reasoningTokens: 4, cachedInputTokens: 6 },
        timings: { timeToFirstTokenMs: 1, durationMs: 2 },
      }),
    );
    expect(sse).toBe(
      `${head}{},"logprobs":null,"finish_reason":"stop"}]}\n\n` +
        'data: {"id":"chatcmpl-gen_1","object":"chat.completion.chunk","created":1700000000,' +
        '"model":"gpt-x","system_fingerprint":null,"choices":[],"usage":{"prompt_tokens":10,' +
        '"completion_tokens":7,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":6},' +
        '"completion_tokens_details":{"reasoning_tokens":4}}}\n\n' +
        'data: [DONE]\n\n',
    );
  });

  it('leaves the usage details out when the provider did not report them', () => {
    expect(openAiUsage({ inputTokens: 3, outputTokens: 4 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
  });

  it('stops at the terminal event', () => {
    const encoder = new OpenAiChunkEncoder({ ...plain, includeUsage: false });
    const sse = sseOf(
      encoder.encode(
        storedEvents([
          {
            type: 'response-error',
            code: 'SLUICE_ERR_UPSTREAM_ERROR',
            message: 'boom',
            retryable: true,
          },
          { type: 'text-delta', delta: 'late' },
        ]),
      ),
    );
    expect(encoder.isComplete()).toBe(true);
    expect(sse).toBe(
      'data: {"error":{"message":"boom","type":"server_error","code":"SLUICE_ERR_UPSTREAM_ERROR"}}\n\n',
    );
  });
});

describe('OpenAiChunkEncoder: events without an OpenAI shape', () => {
  const silent: GenerationEvent[] = [
    { type: 'tool-call-end', index: 0, toolCallId: 'c', toolName: 't', arguments: '{"a":1}' },
    {
      type: 'response-final',
      verdict: 'approved',
      checks: [],
      contentSha256: 'x',
      policyVersion: 'default@0',
      model: 'm',
      provider: 'p',
      usage: { inputTokens: 1, outputTokens: 1 },
      timings: { timeToFirstTokenMs: 1, durationMs: 2 },
    },
    { type: 'response-retract', reason: 'r' },
    { type: 'guardrail-block', rule: 'r', kind: 'term' },
    { type: 'quota-exceeded', limit: 'tokens-per-minute', scope: 'tenant', retryAfterMs: 5 },
    { type: 'response-seam', from: 'a', to: 'b', reason: 'x', afterCharacters: 3 },
    { type: 'review-decision', decision: 'approved', reviewer: 'r', note: '' },
  ];

  it.each(silent)('$type produces no chunk, read in place or decoded', (event) => {
    const encoder = new OpenAiChunkEncoder(options);
    expect(encoder.encode(storedEvents([event]))).toEqual([]);
    expect(encoder.encodeEvent(event)).toEqual([]);
  });
});

describe('OpenAiChunkEncoder: a read that failed mid-stream', () => {
  it('is the error chunk the SDK raises, then the stream is over', () => {
    const encoder = new OpenAiChunkEncoder(options);
    const outage = { code: 'SLUICE_ERR_BACKEND_UNAVAILABLE', retryable: true };
    expect(encoder.encodeFailure(outage).map((frame) => JSON.parse(frame.data))).toEqual([
      {
        error: {
          message: 'A storage backend (Redis or PostgreSQL) is unreachable; try again shortly',
          type: 'server_error',
          code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
        },
      },
    ]);
    expect(encoder.isComplete()).toBe(true);
    expect(encoder.encodeFailure(outage)).toEqual([]);
  });
});

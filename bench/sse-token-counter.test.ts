/**
 * Checks the load client's SSE counting on what each target really sends: the bench
 * upstream's text and tool-call frames (direct, nginx), Sluice's OpenAI chunks and its
 * native events, built by the gateway's own encoders from the events its producer writes.
 * Every stream is fed in small network chunks, so frames split anywhere.
 */
import { encodeGenerationEvent, type GenerationEvent } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import {
  nativeEventEncoder,
  OpenAiChunkEncoder,
  sseText,
} from '../packages/gateway/src/delivery/index.ts';
import type { ReadBatch } from '../packages/gateway/src/store/stream-store.ts';
import { answerCharacters } from './answer-kinds.ts';
import { SseTokenCounter, type StreamFormat } from './sse-token-counter.ts';
import { benchToolCalls, createToolCallAnswerFrames } from './tool-call-frames.ts';
import { createUpstreamFrames } from './upstream-frames.ts';

const TOKENS = 100;
const upstream = createUpstreamFrames('bench-model');

/** Feeds `stream` in chunks of `size` bytes; returns the counter and the deltas counted. */
function count(format: StreamFormat, stream: Buffer | string, size = 7) {
  const bytes = typeof stream === 'string' ? Buffer.from(stream) : stream;
  const counter = new SseTokenCounter(format);
  let deltas = 0;
  for (let start = 0; start < bytes.length; start += size) {
    deltas += counter.feed(bytes.subarray(start, start + size));
  }
  return { counter, deltas };
}

function upstreamTextAnswer(): Buffer {
  return Buffer.concat([
    upstream.role,
    ...Array.from({ length: TOKENS }, (_, index) => upstream.content(index)),
    upstream.finish,
    upstream.usage(12, TOKENS),
    upstream.done,
  ]);
}

function upstreamToolCallAnswer(): Buffer {
  const answer = createToolCallAnswerFrames('bench-model', TOKENS);
  return Buffer.concat([
    answer.opening,
    ...Array.from({ length: TOKENS }, (_, index) => answer.token(index)),
    answer.finish,
    upstream.usage(12, TOKENS),
    upstream.done,
  ]);
}

/** The events Sluice's producer writes for the bench's tool-call answer. */
function toolCallEvents(): GenerationEvent[] {
  const calls = benchToolCalls(TOKENS);
  const events: GenerationEvent[] = [
    {
      type: 'response-start',
      id: 'gen_1',
      model: 'bench-upstream',
      provider: 'p',
      createdAt: 'now',
    },
  ];
  calls.forEach((call, index) => {
    events.push({ type: 'tool-call-start', index, toolCallId: call.id, toolName: 'write_file' });
    for (const fragment of call.fragments) {
      events.push({ type: 'tool-call-delta', index, argumentsDelta: fragment });
    }
  });
  calls.forEach((call, index) => {
    events.push({
      type: 'tool-call-end',
      index,
      toolCallId: call.id,
      toolName: 'write_file',
      arguments: call.fragments.join(''),
    });
  });
  events.push({
    type: 'response-finish',
    finishReason: 'tool-calls',
    usage: { inputTokens: 12, outputTokens: TOKENS },
    timings: { timeToFirstTokenMs: 1, durationMs: 2 },
  });
  return events;
}

/** As the producer stores events (the protocol's canonical layout), read as one batch. */
function stored(events: GenerationEvent[]): ReadBatch {
  const messages = events.map((event, index) => ({
    offset: String(index + 1).padStart(16, '0'),
    data: Buffer.from(encodeGenerationEvent(event)),
  }));
  return {
    messages,
    nextOffset: String(events.length).padStart(16, '0'),
    upToDate: true,
    closed: true,
  };
}

/** Sluice's native events as the SSE transport writes them. */
function sluiceNative(events: GenerationEvent[]): string {
  return sseText(nativeEventEncoder.encode(stored(events)));
}

function sluiceOpenAi(events: GenerationEvent[]): string {
  const encoder = new OpenAiChunkEncoder({
    generationId: 'gen_1',
    model: 'bench-upstream',
    created: 1_700_000_000,
    includeUsage: true,
  });
  return sseText(encoder.encode(stored(events)));
}

describe('SseTokenCounter on text answers', () => {
  it('counts the upstream text answer as before: every character, one delta per token', () => {
    const { counter, deltas } = count('openai', upstreamTextAnswer());
    expect(counter.characters).toBe(upstream.text(TOKENS).length);
    expect(counter.characters).toBe(answerCharacters('text', TOKENS));
    expect(deltas).toBe(TOKENS);
    expect(counter.ended).toBe(true);
    expect(counter.error).toBeUndefined();
  });

  it("counts Sluice's OpenAI chunks and native events of a text answer", () => {
    const text = upstream.text(TOKENS);
    const events: GenerationEvent[] = [
      toolCallEvents()[0] as GenerationEvent,
      { type: 'text-delta', delta: text.slice(0, 40) },
      { type: 'text-delta', delta: text.slice(40) },
      toolCallEvents().at(-1) as GenerationEvent,
    ];
    for (const [format, stream] of [
      ['openai', sluiceOpenAi(events)],
      ['native', sluiceNative(events)],
    ] as const) {
      const { counter, deltas } = count(format, stream);
      expect(counter.characters).toBe(text.length);
      expect(deltas).toBe(2);
      expect(counter.ended).toBe(true);
    }
  });
});

describe('SseTokenCounter on tool-call answers', () => {
  const characters = answerCharacters('tool-calls', TOKENS);

  it('counts the upstream tool-call answer: argument characters, one delta per fragment', () => {
    const { counter, deltas } = count('openai', upstreamToolCallAnswer());
    expect(counter.characters).toBe(characters);
    expect(deltas).toBe(TOKENS);
    expect(counter.ended).toBe(true);
  });

  it("counts Sluice's OpenAI tool_calls chunks, not the calls' starts", () => {
    const { counter, deltas } = count('openai', sluiceOpenAi(toolCallEvents()));
    expect(counter.characters).toBe(characters);
    expect(deltas).toBe(TOKENS);
    expect(counter.ended).toBe(true);
  });

  it("counts Sluice's native tool-call-delta events, not the arguments repeated at the end", () => {
    const { counter, deltas } = count('native', sluiceNative(toolCallEvents()));
    expect(counter.characters).toBe(characters);
    expect(deltas).toBe(TOKENS);
    expect(counter.ended).toBe(true);
  });

  it('counts every call of a chunk, and arguments beside an empty content', () => {
    const chunk = (delta: unknown) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const stream =
      chunk({
        tool_calls: [
          { index: 0, function: { arguments: 'is\\"}' } },
          { index: 1, function: { arguments: 'Paris"}' } },
        ],
      }) +
      chunk({
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_1', index: 0, type: 'function', function: { name: 'f', arguments: '{}' } },
        ],
      }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '' } }] }) +
      'data: [DONE]\n\n';
    const { counter, deltas } = count('openai', stream, 3);
    // A JSON escape counts as the one character it stands for.
    expect(counter.characters).toBe('is\\"}'.length + 'Paris"}'.length + '{}'.length);
    expect(deltas).toBe(2);
    expect(counter.ended).toBe(true);
  });
});

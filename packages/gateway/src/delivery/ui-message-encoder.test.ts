import { encodeGenerationEvent, type GenerationEvent } from '@sluice/protocol';
import { uiMessageChunkSchema } from 'ai';
import { describe, expect, it } from 'vitest';
import type { ReadBatch, StoredMessage } from '../store/stream-store.ts';
import type { EventFrame } from './frame.ts';
import { UiMessageEncoder, uiFinishReason } from './ui-message-encoder.ts';

function batchOf(events: GenerationEvent[], closed = false): ReadBatch {
  const messages: StoredMessage[] = events.map((event, index) => ({
    offset: String(index).padStart(8, '0'),
    data: Buffer.from(encodeGenerationEvent(event)),
  }));
  return { messages, nextOffset: 'end', upToDate: true, closed };
}

function chunks(frames: readonly EventFrame[]): unknown[] {
  return frames.filter((frame) => frame.data !== '[DONE]').map((frame) => JSON.parse(frame.data));
}

const start: GenerationEvent = {
  type: 'response-start',
  id: 'gen_1',
  model: 'm',
  provider: 'p',
  createdAt: 'now',
};
const usage = { inputTokens: 1, outputTokens: 2 };
const timings = { timeToFirstTokenMs: 1, durationMs: 2 };
const final: GenerationEvent = {
  type: 'response-final',
  verdict: 'approved',
  checks: [],
  contentSha256: 'abc',
  policyVersion: 'default@1',
  model: 'm',
  provider: 'p',
  usage,
  timings,
};

const conversation: GenerationEvent[] = [
  start,
  { type: 'reasoning-delta', delta: 'Think "hard"\n' },
  { type: 'text-delta', delta: 'Hello \\ wörld 😀' },
  { type: 'text-delta', delta: '</script>' },
  { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'get_weather' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
  {
    type: 'tool-call-end',
    index: 0,
    toolCallId: 'call_1',
    toolName: 'get_weather',
    arguments: '{"city":"Paris"}',
  },
  { type: 'response-finish', finishReason: 'tool-calls', usage, timings },
  final,
];

describe('UiMessageEncoder', () => {
  it('writes the UI message stream protocol, ending with finish and [DONE] when the log closes', () => {
    const encoder = new UiMessageEncoder({ messageId: 'gen_1' });
    const open = encoder.encode(batchOf(conversation));
    expect(encoder.isComplete()).toBe(false);
    const closing = encoder.encode(batchOf([], true));
    expect(encoder.isComplete()).toBe(true);
    expect(closing.at(-1)).toEqual({ data: '[DONE]' });
    expect(chunks([...open, ...closing])).toEqual([
      { type: 'start', messageId: 'gen_1' },
      { type: 'start-step' },
      { type: 'reasoning-start', id: 'reasoning-0' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: 'Think "hard"\n' },
      { type: 'reasoning-end', id: 'reasoning-0' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Hello \\ wörld 😀' },
      { type: 'text-delta', id: 'text-1', delta: '</script>' },
      { type: 'text-end', id: 'text-1' },
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'get_weather' },
      { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '{"city":' },
      { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '"Paris"}' },
      {
        type: 'tool-input-available',
        toolCallId: 'call_1',
        toolName: 'get_weather',
        input: { city: 'Paris' },
      },
      { type: 'finish-step' },
      {
        type: 'data-sluice-final',
        id: 'final',
        data: {
          verdict: 'approved',
          checks: [],
          contentSha256: 'abc',
          policyVersion: 'default@1',
          model: 'm',
          provider: 'p',
          usage,
          timings,
        },
      },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('writes only chunks the AI SDK schema accepts', async () => {
    const encoder = new UiMessageEncoder({ messageId: 'gen_1' });
    const all = chunks([
      ...encoder.encode(batchOf(conversation)),
      ...encoder.encode(
        batchOf(
          [
            { type: 'response-retract', reason: 'rejected' },
            { type: 'review-decision', decision: 'rejected', reviewer: 'ana', note: 'no' },
          ],
          true,
        ),
      ),
    ]);
    const schema = uiMessageChunkSchema();
    for (const chunk of all) {
      const result = await schema.validate?.(chunk);
      expect(result?.success, JSON.stringify(chunk)).toBe(true);
    }
  });

  it('gives the same frames whichever way the log is cut into batches', () => {
    const whole = new UiMessageEncoder({ messageId: 'g' });
    const expected = [...whole.encode(batchOf(conversation)), ...whole.encode(batchOf([], true))];
    const piecewise = new UiMessageEncoder({ messageId: 'g' });
    const frames: EventFrame[] = [];
    for (const event of conversation) frames.push(...piecewise.encode(batchOf([event])));
    frames.push(...piecewise.encode(batchOf([], true)));
    expect(frames).toEqual(expected);
  });

  it('reads per-token events in place and decoded alike', () => {
    const inPlace = new UiMessageEncoder({ messageId: 'g' });
    const decoded = new UiMessageEncoder({ messageId: 'g' });
    const viaBatch = inPlace.encode(batchOf(conversation));
    const viaEvents = conversation.flatMap((event) => decoded.encodeEvent(event));
    expect(viaBatch).toEqual(viaEvents);
  });

  it('reports an error event and arguments that are not JSON', () => {
    const encoder = new UiMessageEncoder({ messageId: 'g' });
    const frames = encoder.encode(
      batchOf(
        [
          start,
          { type: 'tool-call-start', index: 0, toolCallId: 'c', toolName: 't' },
          { type: 'tool-call-end', index: 0, toolCallId: 'c', toolName: 't', arguments: '{oops' },
          { type: 'response-error', code: 'SLUICE_ERR_UPSTREAM', message: 'boom', retryable: true },
        ],
        true,
      ),
    );
    expect(chunks(frames)).toEqual([
      { type: 'start', messageId: 'g' },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'c', toolName: 't' },
      {
        type: 'tool-input-error',
        toolCallId: 'c',
        toolName: 't',
        input: '{oops',
        errorText: 'the tool call arguments are not valid JSON',
      },
      { type: 'finish-step' },
      { type: 'error', errorText: 'SLUICE_ERR_UPSTREAM: boom' },
      { type: 'finish', finishReason: 'error' },
    ]);
  });

  it('a read that fails mid-stream becomes one error chunk', () => {
    const encoder = new UiMessageEncoder({ messageId: 'g' });
    encoder.encode(batchOf([start]));
    const frames = encoder.encodeFailure({ code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' });
    expect(chunks(frames)).toEqual([
      { type: 'error', errorText: expect.stringMatching(/^SLUICE_ERR_BACKEND_UNAVAILABLE: /) },
    ]);
    expect(encoder.isComplete()).toBe(true);
  });

  it('maps finish reasons onto the SDK’s', () => {
    expect(uiFinishReason('quota')).toBe('length');
    expect(uiFinishReason('cancelled')).toBe('other');
    expect(uiFinishReason('interrupted')).toBe('other');
    expect(uiFinishReason('content-filter')).toBe('content-filter');
  });
});

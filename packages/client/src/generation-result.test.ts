import type { GenerationEvent } from '@sluice/protocol';
import { describe, expect, test } from 'vitest';
import { ResultCollector } from './generation-result.ts';
import { approvedLog } from './mock-event-transport.ts';

function collect(events: GenerationEvent[]) {
  const collector = new ResultCollector('gen_1');
  for (const event of events) collector.add(event);
  return collector.snapshot();
}

describe('ResultCollector', () => {
  test('text, usage, finish reason and verdict of an approved answer', () => {
    expect(collect(approvedLog(['Hel', 'lo']))).toMatchObject({
      id: 'gen_1',
      text: 'Hello',
      reasoning: '',
      toolCalls: [],
      usage: { inputTokens: 3, outputTokens: 2 },
      finishReason: 'stop',
      verdict: 'approved',
      retracted: false,
      reviewDecision: undefined,
    });
  });

  test('reasoning and complete tool calls in index order; a cut call is left out', () => {
    const result = collect([
      { type: 'reasoning-delta', delta: 'think' },
      { type: 'tool-call-start', index: 0, toolCallId: 'a', toolName: 'f' },
      { type: 'tool-call-start', index: 1, toolCallId: 'b', toolName: 'g' },
      { type: 'tool-call-start', index: 2, toolCallId: 'c', toolName: 'h' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 1, toolCallId: 'b', toolName: 'g', arguments: '{}' },
      { type: 'tool-call-end', index: 0, toolCallId: 'a', toolName: 'f', arguments: '{"x":1}' },
    ]);
    expect(result.reasoning).toBe('think');
    expect(result.toolCalls.map((call) => call.toolCallId)).toEqual(['a', 'b']);
  });

  test('a review decision overrides a flagged verdict; a retraction is reported', () => {
    const log = approvedLog(['long answer']).map(
      (event): GenerationEvent =>
        event.type === 'response-final' ? { ...event, verdict: 'flagged' } : event,
    );
    const result = collect([
      ...log,
      { type: 'review-decision', decision: 'rejected', reviewer: 'ana', note: 'no' },
      { type: 'response-retract', reason: 'review-rejected' },
    ]);
    expect(result).toMatchObject({
      text: 'long answer',
      verdict: 'rejected',
      retracted: true,
      retractReason: 'review-rejected',
      reviewDecision: { decision: 'rejected', reviewer: 'ana' },
    });
    expect(result.final?.verdict).toBe('flagged');
  });

  test('a failed generation finishes with error and keeps the error', () => {
    expect(
      collect([
        {
          type: 'response-error',
          code: 'SLUICE_ERR_UPSTREAM_ERROR',
          message: 'x',
          retryable: true,
        },
      ]),
    ).toMatchObject({ finishReason: 'error', error: { code: 'SLUICE_ERR_UPSTREAM_ERROR' } });
  });
});

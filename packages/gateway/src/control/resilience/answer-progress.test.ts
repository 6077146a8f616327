import { describe, expect, it } from 'vitest';
import { AnswerProgress } from './answer-progress.ts';

describe('AnswerProgress', () => {
  it('keeps the delivered text and counts every kind of delta of the segment', () => {
    const progress = new AnswerProgress(true);
    const reasoning = { type: 'reasoning-delta' as const, delta: 'Hm' };
    expect(progress.relay(reasoning)).toBe(reasoning);
    expect(progress.relay({ type: 'text-delta', delta: 'Hello' })).toBeDefined();
    expect(progress.relay({ type: 'text-delta', delta: '' })).toBeUndefined();
    progress.relay({ type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'look' });
    progress.relay({ type: 'tool-call-delta', index: 0, argumentsDelta: '{}' });
    progress.relay({ type: 'tool-call-end', index: 0 });
    expect(progress.text).toBe('Hello');
    expect(progress.toolCallStarted).toBe(true);
    expect(progress.segment).toEqual({ output: 3, reasoning: 1 });
  });

  it('does not keep text no model could continue from', () => {
    const progress = new AnswerProgress(false);
    progress.relay({ type: 'text-delta', delta: 'Hello' });
    expect(progress.text).toBe('');
    expect(progress.segment.output).toBe(1);
  });

  it('drops the whitespace a continuation starts with when the prefix lost it', () => {
    const progress = new AnswerProgress(true);
    progress.relay({ type: 'text-delta', delta: 'Hello ' });
    progress.beginSegment(true, true);
    expect(progress.relay({ type: 'text-delta', delta: '  ' })).toBeUndefined();
    expect(progress.relay({ type: 'text-delta', delta: ' world' })).toEqual({
      type: 'text-delta',
      delta: 'world',
    });
    expect(progress.relay({ type: 'text-delta', delta: ' again' })).toEqual({
      type: 'text-delta',
      delta: ' again',
    });
    expect(progress.text).toBe('Hello world again');
    expect(progress.segment).toEqual({ output: 2, reasoning: 0 });
  });
});

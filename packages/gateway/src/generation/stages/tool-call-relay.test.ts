import { describe, expect, it } from 'vitest';
import { compileGuardrails, guardrailsPolicySchema } from '../../guardrails/guardrails-policy.ts';
import { ProviderError } from '../../providers/language-model.ts';
import { toolCallPolicy } from './tool-call-policy.ts';
import { ToolCallRelay, type ToolCallStep } from './tool-call-relay.ts';

function relay(toolArguments: 'pass' | 'redact' | 'block' = 'pass') {
  const guardrails = compileGuardrails(guardrailsPolicySchema.parse({ toolArguments }));
  return new ToolCallRelay(toolCallPolicy(guardrails));
}

const start = (index: number, toolName = 'send_mail') =>
  ({ type: 'tool-call-start', index, toolCallId: `call_${index}`, toolName }) as const;
const delta = (index: number, argumentsDelta: string) =>
  ({ type: 'tool-call-delta', index, argumentsDelta }) as const;
const end = (index: number) => ({ type: 'tool-call-end', index }) as const;

function released(steps: ToolCallStep[]): string {
  return steps
    .flatMap((step) => step.events)
    .map((event) => (event.type === 'tool-call-delta' ? event.argumentsDelta : ''))
    .join('');
}

describe('ToolCallRelay', () => {
  it('relays interleaved calls fragment by fragment and assembles each', () => {
    const stage = relay();
    const steps = [
      stage.start(start(0, 'get_weather')),
      stage.start(start(1, 'get_time')),
      stage.delta(delta(0, '{"city":')),
      stage.delta(delta(1, '{"tz":"UTC"}')),
      stage.delta(delta(0, '"Paris"}')),
    ];
    expect(steps.map((step) => step.events.length)).toEqual([1, 1, 1, 1, 1]);
    expect(stage.unfinished()).toEqual([0, 1]);
    const first = stage.end(end(0));
    const second = stage.end(end(1));
    expect(first.completed).toEqual({
      toolCallId: 'call_0',
      toolName: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    expect(second.events).toEqual([
      {
        type: 'tool-call-end',
        index: 1,
        toolCallId: 'call_1',
        toolName: 'get_time',
        arguments: '{"tz":"UTC"}',
      },
    ]);
    expect(stage.unfinished()).toEqual([]);
  });

  it('in pass mode releases values as they are and counts what the detectors find', () => {
    const stage = relay('pass');
    stage.start(start(0));
    const step = stage.delta(delta(0, '{"to":"ada@example.com"}'));
    expect(released([step])).toBe('{"to":"ada@example.com"}');
    const ended = stage.end(end(0));
    expect(ended.detections).toEqual([{ kind: 'email', count: 1 }]);
    expect(ended.completed?.arguments).toBe('{"to":"ada@example.com"}');
  });

  it('in redact mode releases valid JSON with the value replaced', () => {
    const stage = relay('redact');
    stage.start(start(0));
    const steps = ['{"to":"ada@exa', 'mple.com","n":1}'].map((piece) =>
      stage.delta(delta(0, piece)),
    );
    const ended = stage.end(end(0));
    const text = released([...steps, ended]);
    expect(JSON.parse(text)).toEqual({ to: '[EMAIL]', n: 1 });
    expect(ended.completed?.arguments).toBe(text);
    expect([...steps, ended].flatMap((step) => step.redactions)).toEqual([
      { kind: 'email', count: 1 },
    ]);
  });

  it('in block mode blocks at the detection and releases nothing of it', () => {
    const stage = relay('block');
    stage.start(start(0));
    const steps = [stage.delta(delta(0, '{"to":"ada@example.com"')), stage.end(end(0))];
    const blocked = steps.find((step) => step.blocked);
    expect(blocked?.blocked).toEqual({ rule: 'email', kind: 'pattern' });
    expect(released(steps)).not.toContain('ada@');
  });

  it.each([
    ['arguments for a call never started', (stage: ToolCallRelay) => stage.delta(delta(0, '{}'))],
    ['a call started out of order', (stage: ToolCallRelay) => stage.start(start(1))],
    ['a call without a name', (stage: ToolCallRelay) => stage.start({ ...start(0), toolName: '' })],
    [
      'arguments after the end',
      (stage: ToolCallRelay) => {
        stage.start(start(0));
        stage.end(end(0));
        return stage.delta(delta(0, '{}'));
      },
    ],
  ])('refuses %s with an upstream error', (_case, misuse) => {
    let caught: unknown;
    try {
      misuse(relay());
    } catch (error) {
      caught = error;
    }
    expect(ProviderError.isInstance(caught)).toBe(true);
    expect((caught as ProviderError).code).toBe('SLUICE_ERR_UPSTREAM_BAD_RESPONSE');
  });
});

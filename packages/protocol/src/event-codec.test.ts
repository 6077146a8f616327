import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  canonicalEventType,
  decodeGenerationEvent,
  encodeGenerationEvent,
  eventTypeOf,
  reasoningDeltaLiteral,
  textDeltaLiteral,
  toolCallDeltaLiterals,
} from './event-codec.ts';
import type { GenerationEvent } from './events.ts';

/** Any text a model could produce, lone surrogates, quotes, backslashes and controls included. */
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', '\\', 'u', '0', '\n', '}', ',', 'a', '\u2028') }),
);
const index = fc.nat({ max: 1_000_000 });

const events: GenerationEvent[] = [
  { type: 'response-start', id: 'gen_1', model: 'm', provider: 'p', createdAt: 'now' },
  { type: 'text-delta', delta: 'Hello "you"\n' },
  { type: 'reasoning-delta', delta: '\\' },
  { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'lookup' },
  { type: 'tool-call-delta', index: 12, argumentsDelta: '{"q":' },
  {
    type: 'response-finish',
    finishReason: 'stop',
    usage: { inputTokens: 1, outputTokens: 2 },
    timings: { timeToFirstTokenMs: null, durationMs: 3 },
  },
  { type: 'response-retract', reason: 'rejected' },
];

describe('encodeGenerationEvent', () => {
  test.each(events)('$type decodes to the same event, type first', (event) => {
    const json = encodeGenerationEvent(event);
    expect(decodeGenerationEvent(json)).toEqual(event);
    expect(json.startsWith(`{"type":"${event.type}"`)).toBe(true);
    expect(canonicalEventType(json)).toBe(event.type);
  });

  test('puts type first whatever order the object was built in', () => {
    const event = { code: 'E', message: 'm', retryable: false, type: 'response-error' } as const;
    expect(encodeGenerationEvent(event)).toBe(
      '{"type":"response-error","code":"E","message":"m","retryable":false}',
    );
  });

  test('writes the per-token events exactly in the documented layout', () => {
    expect(encodeGenerationEvent({ delta: 'a', type: 'text-delta' } as GenerationEvent)).toBe(
      '{"type":"text-delta","delta":"a"}',
    );
    expect(
      encodeGenerationEvent({
        argumentsDelta: '{}',
        index: 3,
        type: 'tool-call-delta',
      } as GenerationEvent),
    ).toBe('{"type":"tool-call-delta","index":3,"argumentsDelta":"{}"}');
  });
});

describe('accessors round-trip the canonical layout', () => {
  test('text and reasoning deltas', () => {
    fc.assert(
      fc.property(text, (delta) => {
        const textLiteral = textDeltaLiteral(encodeGenerationEvent({ type: 'text-delta', delta }));
        const reasoningLiteral = reasoningDeltaLiteral(
          encodeGenerationEvent({ type: 'reasoning-delta', delta }),
        );
        expect(textLiteral).toBe(JSON.stringify(delta));
        expect(JSON.parse(textLiteral ?? 'null')).toBe(delta);
        expect(reasoningLiteral).toBe(JSON.stringify(delta));
      }),
    );
  });

  test('tool call argument deltas', () => {
    fc.assert(
      fc.property(index, text, (callIndex, argumentsDelta) => {
        const json = encodeGenerationEvent({
          type: 'tool-call-delta',
          index: callIndex,
          argumentsDelta,
        });
        const literals = toolCallDeltaLiterals(json);
        expect(literals?.index).toBe(callIndex);
        expect(JSON.parse(literals?.argumentsDelta ?? 'null')).toBe(argumentsDelta);
      }),
    );
  });

  test('the type of any event', () => {
    fc.assert(
      fc.property(fc.constantFrom(...events), text, (event, delta) => {
        const json = encodeGenerationEvent(
          event.type === 'text-delta' ? { type: 'text-delta', delta } : event,
        );
        expect(canonicalEventType(json)).toBe(event.type);
        expect(eventTypeOf(json)).toBe(event.type);
      }),
    );
  });
});

describe('accessors refuse any other layout', () => {
  const otherLayouts = [
    '{"delta":"a","type":"text-delta"}',
    '{ "type":"text-delta","delta":"a"}',
    '{"type":"text-delta","delta":"a","extra":1}',
    '{"type":"text-delta","delta":"a"} ',
    '{"type":"text-delta","delta":"a\\"}',
    '{"type":"text-delta","delta":null}',
    '{"type":"text\\u002ddelta","delta":"a"}',
    '{"type":"reasoning-delta","delta":"a","note":"b"}',
    '{"type":"tool-call-delta","argumentsDelta":"a","index":1}',
    '{"type":"tool-call-delta","index":01,"argumentsDelta":"a"}',
    '{"type":"tool-call-delta","index":1.5,"argumentsDelta":"a"}',
    '{"type":"tool-call-delta","index":-1,"argumentsDelta":"a"}',
    '{"type":"tool-call-delta","index":1,"argumentsDelta":"a","toolCallId":"c"}',
    '{"type":"tool-call-delta","index":99999999999999999999,"argumentsDelta":"a"}',
  ];

  test.each(otherLayouts)('%s', (json) => {
    expect(textDeltaLiteral(json)).toBeUndefined();
    expect(reasoningDeltaLiteral(json)).toBeUndefined();
    expect(toolCallDeltaLiterals(json)).toBeUndefined();
  });

  test('a type that is not first or not a plain name is parsed, not read in place', () => {
    expect(canonicalEventType('{"delta":"a","type":"text-delta"}')).toBeUndefined();
    expect(eventTypeOf('{"delta":"a","type":"text-delta"}')).toBe('text-delta');
    expect(canonicalEventType('{"type":"text\\u002ddelta"}')).toBeUndefined();
    expect(eventTypeOf('{"type":"text\\u002ddelta"}')).toBe('text-delta');
    expect(canonicalEventType('{"type":"a\\nb"}')).toBeUndefined();
    expect(canonicalEventType('{"type":"ab"x}')).toBeUndefined();
    expect(eventTypeOf('{"kind":"x"}')).toBeUndefined();
  });
});

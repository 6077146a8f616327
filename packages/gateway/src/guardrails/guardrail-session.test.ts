import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type GuardrailOutput, GuardrailSession } from './guardrail-session.ts';
import { redactText } from './redact-text.ts';
import {
  chunk,
  guardrailsOf,
  MASKED_POLICY,
  plantedText,
} from './testing/guardrails-arbitraries.ts';

/** Streams `pieces` through a fresh session; returns every output and the joined text. */
function stream(policy: ReturnType<typeof guardrailsOf>, pieces: readonly string[]) {
  const session = new GuardrailSession(policy);
  const outputs: GuardrailOutput[] = [];
  for (const piece of pieces) outputs.push(session.push(piece));
  outputs.push(session.end());
  return { outputs, text: outputs.map((output) => output.text).join(''), session };
}

function totals(outputs: readonly GuardrailOutput[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const output of outputs) {
    for (const { kind, count } of output.redactions) counts[kind] = (counts[kind] ?? 0) + count;
  }
  return counts;
}

const document = plantedText({ minParts: 1, maxParts: 24 }).map(({ text, planted }) => ({
  text: ` ${text}`,
  planted,
}));

describe('GuardrailSession: streaming equals whole-text redaction', () => {
  const guardrails = guardrailsOf();
  const masked = guardrailsOf(MASKED_POLICY);

  test('for planted entities of every kind and random chunkings, including 1-char chunks', () => {
    fc.assert(
      fc.property(
        document,
        fc.oneof(fc.array(fc.nat(), { maxLength: 60 }), fc.constant('single-characters' as const)),
        fc.boolean(),
        ({ text, planted }, cuts, useMasked) => {
          const policy = useMasked ? masked : guardrails;
          const pieces = cuts === 'single-characters' ? [...text] : chunk(text, cuts);
          const whole = redactText(policy.redactors, text);
          const streamed = stream(policy, pieces);
          expect(streamed.text).toBe(whole.text);
          expect(totals(streamed.outputs)).toEqual(
            Object.fromEntries(whole.redactions.map(({ kind, count }) => [kind, count])),
          );
          const everything = JSON.stringify(streamed.outputs);
          for (const value of planted) {
            expect(streamed.text).not.toContain(value);
            expect(everything).not.toContain(value);
          }
          expect(streamed.session.holdbackChars).toBe(0);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('for arbitrary text over a hostile alphabet', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'a1 .:@-+(0)9\nsk_AKIeyJ-BEGINPRVATKY'),
          maxLength: 80,
        }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (text, cuts) => {
          const whole = redactText(masked.redactors, text);
          expect(stream(masked, chunk(text, cuts)).text).toBe(whole.text);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('ordinary text is held back by at most the word in progress', () => {
    const session = new GuardrailSession(guardrails);
    expect(session.push('Hello').text).toBe('');
    expect(session.push(' wor').text).toBe('Hello ');
    expect(session.push('ld, how').text).toBe('world, ');
    expect(session.holdbackChars).toBe(3);
    expect(session.end().text).toBe('how');
  });

  test('an email split across deltas is never partly released', () => {
    const { outputs, text } = stream(guardrails, ['write to jo', 'hn@exa', 'mple.co', 'm now']);
    expect(text).toBe('write to [EMAIL] now');
    expect(outputs.map((output) => output.text)).toEqual(['write to ', '', '', '[EMAIL] ', 'now']);
  });
});

describe('GuardrailSession: holdback cap', () => {
  const key = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(200)}`;

  test('fails closed when a pending match outgrows the cap', () => {
    const guardrails = guardrailsOf({ redaction: { holdbackMaxChars: 64 } });
    const session = new GuardrailSession(guardrails);
    const outputs = [...(`before ${key}`.match(/.{1,8}/gs) ?? [])].map((piece) =>
      session.push(piece),
    );
    const overflow = outputs.find((output) => output.overflow);
    expect(overflow?.overflow).toBe('failed-closed');
    expect(session.closed).toBe(true);
    expect(outputs.map((output) => output.text).join('')).toBe('before ');
    expect(session.push('more').text).toBe('');
  });

  // Release mode trades strictness for availability: what arrives after the forced release
  // is new text, so the rest of an over-long entity goes out as it is.
  test('release mode redacts what it holds as if the text ended, then goes on', () => {
    const guardrails = guardrailsOf({
      redaction: { holdbackMaxChars: 64, onHoldbackOverflow: 'release' },
    });
    const { outputs, text } = stream(guardrails, [
      ...(`before ${key} after`.match(/.{1,8}/gs) ?? []),
    ]);
    expect(outputs.some((output) => output.overflow === 'released')).toBe(true);
    expect(text.startsWith('before [SECRET]')).toBe(true);
    expect(text.endsWith(' after')).toBe(true);
    expect(text).not.toContain('BEGIN PRIVATE KEY');
  });
});

describe('GuardrailSession: blocking', () => {
  const guardrails = guardrailsOf({
    blocking: {
      terms: [{ name: 'forbidden-words', terms: ['launch codes', 'zebra'] }],
      patterns: [{ name: 'order-number', pattern: 'ORDER-\\d{4}' }],
    },
  });
  const text = 'Here are the Launch Codes: 1234 and more';

  test('a term split anywhere is caught and never released', () => {
    for (let first = 0; first <= text.length; first += 1) {
      for (let second = first; second <= text.length; second += 3) {
        const pieces = [text.slice(0, first), text.slice(first, second), text.slice(second)];
        const { outputs, text: released } = stream(guardrails, pieces);
        const blocked = outputs.find((output) => output.blocked)?.blocked;
        expect(blocked).toEqual({ rule: 'forbidden-words', kind: 'term' });
        expect(released).not.toMatch(/L/);
        expect('Here are the '.startsWith(released)).toBe(true);
      }
    }
  });

  test('a pattern match stops the session with its rule', () => {
    const { outputs, text: released } = stream(guardrails, ['ref ORD', 'ER-12', '34 x']);
    expect(outputs.find((output) => output.blocked)?.blocked).toEqual({
      rule: 'order-number',
      kind: 'pattern',
    });
    expect(released).toBe('ref ');
  });

  test('terms respect word boundaries', () => {
    expect(stream(guardrails, ['zebras are fine']).outputs.some((o) => o.blocked)).toBe(false);
  });

  test('blocking sees raw text inside a redacted entity', () => {
    const { outputs, text: released } = stream(guardrails, ['mail zebra@example.com x']);
    expect(outputs.some((output) => output.blocked)).toBe(true);
    expect(released).toBe('mail ');
  });
});

describe('GuardrailSession: rolling window', () => {
  const policy = (overlap: number) =>
    guardrailsOf({
      redaction: { detectors: { email: { enabled: false } } },
      blocking: {
        window: { size: 20, overlap, rules: [{ name: 'spoiler', pattern: 'ending is \\w+' }] },
      },
    });
  // The match spans 14..27, across the end of the first window at 20.
  const text = 'aaaaaaaaaaaaa ending is sad and the rest';

  test('a match across a window boundary is caught thanks to the overlap', () => {
    const { outputs } = stream(policy(16), [...text]);
    expect(outputs.find((output) => output.blocked)?.blocked).toEqual({
      rule: 'spoiler',
      kind: 'window',
    });
  });

  test('without overlap the same match falls between windows', () => {
    expect(stream(policy(0), [...text]).outputs.some((output) => output.blocked)).toBe(false);
  });
});

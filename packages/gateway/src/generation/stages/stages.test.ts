/**
 * The producer's stages, each alone: token metering, a guardrail channel, and the
 * released content with its running hash. (The coalescing appender and the tool-call
 * stage have their own files.)
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryTokenMeter } from '../../control/quotas/memory-token-meter.ts';
import { ManualClock } from '../../control/quotas/quota-clock.ts';
import { parseQuotaPolicy } from '../../control/quotas/quota-policy.ts';
import { contentSha256 } from '../../governance/finalizer/content-sha256.ts';
import { compileGuardrails, guardrailsPolicySchema } from '../../guardrails/guardrails-policy.ts';
import { chunk } from '../../guardrails/testing/guardrails-arbitraries.ts';
import { GuardrailStage } from './guardrail-stage.ts';
import { HASH_SLICE_CHARS, ReleasedContent } from './released-content.ts';
import { TokenMetering } from './token-metering.ts';

describe('TokenMetering', () => {
  test('lets tokens through until the budget says no, counting what it let through', async () => {
    const meter = new MemoryTokenMeter({
      policy: parseQuotaPolicy({ tenants: { acme: { tokensPerMinute: 3 } } }),
      clock: new ManualClock(),
    });
    const metering = new TokenMetering(await meter.openTokenBudget({ tenant: 'acme' }));
    const answers = [];
    for (let index = 0; index < 5; index += 1) answers.push(await metering.consume());
    expect(answers.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(answers[3]).toMatchObject({ limit: 'tokens-per-minute', scope: 'tenant' });
    expect(metering.count).toBe(3);
  });
});

describe('GuardrailStage', () => {
  const guardrails = compileGuardrails(
    guardrailsPolicySchema.parse({
      blocking: { terms: [{ name: 'codeword', terms: ['pineapple'] }] },
    }),
    { hashKey: 'test-key' },
  );

  test('releases redacted text, tallies redactions and measures the holdback', () => {
    const redactions = new Map<string, number>();
    const waits: number[] = [];
    const stage = new GuardrailStage(guardrails, redactions, (waited) => waits.push(waited));
    const released = ['Mail ada@exa', 'mple.com now.'].map((delta) => stage.push(delta).text);
    released.push(stage.end().text);
    expect(released.join('')).toBe('Mail [EMAIL] now.');
    expect(redactions.get('email')).toBe(1);
    expect(waits.length).toBeGreaterThan(0);
    expect(stage.closed).toBe(true);
  });

  test('a channel that never gets a delta ends empty and closed', () => {
    const stage = new GuardrailStage(guardrails, new Map());
    expect(stage.closed).toBe(false);
    expect(stage.end()).toEqual({ text: '' });
    expect(stage.closed).toBe(true);
    expect(stage.push('late')).toEqual({ text: '' });
  });

  test('reports a blocking rule as a block and releases nothing of the match', () => {
    const stage = new GuardrailStage(guardrails, new Map());
    const first = stage.push('I like pine');
    const second = stage.push('apple pie');
    expect(first.text + second.text).not.toContain('pine');
    expect(second.block).toEqual({ rule: 'codeword', kind: 'term' });
  });
});

describe('ReleasedContent', () => {
  test('its running hash equals the whole-answer hash however the text was split', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'é', '😀', '日', ' ', '\n') }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (text, cuts, withToolCall) => {
          const content = new ReleasedContent();
          // Cut anywhere, even between the two halves of a surrogate pair.
          for (const piece of chunk(text, cuts)) if (piece !== '') content.addText(piece);
          const calls = withToolCall
            ? [{ toolCallId: 'call_1', toolName: 'lookup', arguments: '{"q":"é"}' }]
            : [];
          for (const call of calls) content.addToolCall(call);
          expect(content.text).toBe(text);
          expect(content.digest()).toBe(contentSha256(text, calls));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a long answer hashes in slices, a surrogate pair cut at a slice edge included', () => {
    // The high surrogate of 😀 is the last character of the first slice.
    const text = `${'a'.repeat(HASH_SLICE_CHARS - 1)}😀${'b'.repeat(3 * HASH_SLICE_CHARS)}é😀`;
    for (const size of [1, 7, 1000, HASH_SLICE_CHARS]) {
      const content = new ReleasedContent();
      for (let start = 0; start < text.length; start += size) {
        content.addText(text.slice(start, start + size));
      }
      expect(content.text).toBe(text);
      expect(content.digest()).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  test('without tool calls the hash is of the text alone', () => {
    const content = new ReleasedContent();
    content.addText('ab');
    content.addText('c');
    expect(content.digest()).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});

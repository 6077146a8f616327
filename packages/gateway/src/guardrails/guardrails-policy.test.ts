import { describe, expect, test } from 'vitest';
import { GuardrailSession } from './guardrail-session.ts';
import { compileGuardrails, guardrailsPolicySchema } from './guardrails-policy.ts';
import { GuardrailsPolicyError } from './guardrails-policy-error.ts';

function issuesOf(input: unknown): string[] {
  const result = guardrailsPolicySchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('guardrailsPolicySchema', () => {
  test('{} turns every built-in detector on with labels, and blocks nothing', () => {
    const policy = guardrailsPolicySchema.parse({});
    expect(policy.redaction.detectors.email).toEqual({ enabled: true, replacement: 'label' });
    expect(policy.redaction.detectors.secret).toEqual({ enabled: true, replacement: 'label' });
    expect(policy.redaction.onHoldbackOverflow).toBe('fail-closed');
    expect(policy.blocking.terms).toEqual([]);
    const guardrails = compileGuardrails(policy);
    expect(guardrails.redactors.map((redactor) => redactor.kind).sort()).toEqual(
      ['card', 'email', 'iban', 'ip', 'phone', 'secret', 'ssn'].sort(),
    );
  });

  test('tool-call arguments pass by default; redact and block are the other modes', () => {
    expect(compileGuardrails(guardrailsPolicySchema.parse({})).toolArguments).toBe('pass');
    const blocking = guardrailsPolicySchema.parse({ toolArguments: 'block' });
    expect(compileGuardrails(blocking).toolArguments).toBe('block');
    expect(issuesOf({ toolArguments: 'drop' })).toHaveLength(1);
  });

  test('unsafe patterns are rejected with the path of the problem', () => {
    const issues = issuesOf({
      redaction: {
        customPatterns: [
          { name: 'one', pattern: 'a+' },
          { name: 'two', pattern: 'b+' },
          { name: 'three', pattern: '(a)\\1' },
        ],
      },
      blocking: { patterns: [{ name: 'look', pattern: '(?=x)y' }] },
    });
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^redaction\.customPatterns\.2\.pattern: pattern is not supported/);
    expect(issues[1]).toMatch(/^blocking\.patterns\.0\.pattern: /);
  });

  test('patterns that can match empty text are rejected', () => {
    expect(issuesOf({ blocking: { patterns: [{ name: 'x', pattern: 'x*' }] } })).toEqual([
      'blocking.patterns.0.pattern: pattern can match empty text',
    ]);
    expect(
      issuesOf({ redaction: { customPatterns: [{ name: 'b', pattern: '\\b' }] } }),
    ).toHaveLength(1);
  });

  test('names are unique and do not shadow built-in kinds', () => {
    expect(
      issuesOf({
        redaction: {
          customPatterns: [
            { name: 'email', pattern: 'x' },
            { name: 'code', pattern: 'y' },
          ],
          terms: [{ name: 'code', terms: ['z'] }],
        },
      }),
    ).toEqual([
      'redaction.customPatterns.0.name: duplicate name',
      'redaction.terms.0.name: duplicate name',
    ]);
  });

  test('unknown keys, bad overlap and empty terms are rejected', () => {
    expect(issuesOf({ redaction: { detector: {} } })).toHaveLength(1);
    expect(issuesOf({ blocking: { window: { size: 32, overlap: 32 } } })).toEqual([
      'blocking.window.overlap: must be less than size',
    ]);
    expect(issuesOf({ blocking: { terms: [{ name: 't', terms: ['  '] }] } })).toHaveLength(1);
  });

  test('hash replacement needs a key from the caller', () => {
    const policy = guardrailsPolicySchema.parse({
      redaction: { detectors: { email: { replacement: 'hash' } } },
    });
    let caught: unknown;
    try {
      compileGuardrails(policy);
    } catch (error) {
      caught = error;
    }
    expect(GuardrailsPolicyError.isInstance(caught)).toBe(true);
    expect(() => compileGuardrails(policy, { hashKey: 'k' })).not.toThrow();
  });

  test('a catastrophic-backtracking pattern completes on adversarial input', () => {
    const guardrails = compileGuardrails(
      guardrailsPolicySchema.parse({
        redaction: {
          detectors: { email: { enabled: false } },
          customPatterns: [{ name: 'evil', pattern: '(a+)+b' }],
          holdbackMaxChars: 1_000_000,
        },
        blocking: { patterns: [{ name: 'evil-block', pattern: '(x|x)*y' }] },
      }),
    );
    const session = new GuardrailSession(guardrails);
    let released = '';
    for (let index = 0; index < 2_000; index += 1) released += session.push('aaaaaaaaaa').text;
    for (let index = 0; index < 2_000; index += 1) released += session.push('xxxxxxxxxx').text;
    released += session.end().text;
    expect(released.length).toBe(40_000);
  });
});
